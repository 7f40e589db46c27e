"""Full mode: the challenger plays the real bisection game (mechanism.dispute) on the
round's real fixed-point updates and the verdict comes from it."""

from __future__ import annotations

import sys

from agents.abm.adversary import scenario_overrides
from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel
from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS, TRAINER_CHALLENGE_WINDOW_BLOCKS


def test_full_mode_fraud_reverted_by_real_game_honest_never_reverted() -> None:
    fraud = RollupModel(ABMConfig(mode="full", blocks=120, trainers=8, challengers=2, seed=1,
                                  sequencer_strategy="fraudulent", challenger_strategy="always")).run()
    # the last fraud may still be in its challenge period when the run ends
    assert fraud["frauds_attempted"] >= 3 and fraud["games_played"] >= fraud["frauds_attempted"] - 1
    assert fraud["frauds_caught"] >= fraud["frauds_attempted"] - 1 and fraud["frauds_finalized"] == 0
    cfg = ABMConfig(mode="full", blocks=300, trainers=8, challengers=2, seed=1, sequencer_strategy="honest",
                    challenger_strategy="always").replace(**scenario_overrides("griefing"))
    honest = RollupModel(cfg).run()
    assert honest["griefing_disputes"] >= 1 and honest["games_played"] == honest["disputes"]
    assert honest["frauds_caught"] == 0 and honest["rounds_finalised"] >= 1


def test_economic_mode_plays_no_game_and_imports_no_torch() -> None:
    s = RollupModel(ABMConfig(blocks=3000, sequencer_strategy="fraudulent", challenger_strategy="always")).run()
    # the last fraud may still be in its challenge period when the run ends
    assert s["games_played"] == 0 and s["frauds_attempted"] > 0 and s["frauds_finalized"] == 0
    assert s["frauds_attempted"] - 1 <= s["frauds_caught"] <= s["frauds_attempted"]


def test_economic_mode_fast_without_torch() -> None:
    import subprocess

    code = ("import sys; from agents.abm.config import ABMConfig; from agents.abm.model import RollupModel; "
            "s = RollupModel(ABMConfig(blocks=200_000, trainers=100, seed=3)).run(); "
            "assert 'torch' not in sys.modules; print(s['blocks_per_second'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) >= 20_000


def test_full_mode_posts_the_protocol_sequencers_assertion() -> None:
    """The assertion on the ledger is agents.protocol's aggregate of the round's encoded
    updates; the watcher's re-execution of the same inputs agrees with an honest one."""
    from agents.protocol import re_execute

    # the first round's assertion waits for the publication and trainer-challenge windows
    # (docs/protocol.md)
    model = RollupModel(ABMConfig(mode="full", blocks=2 * (PUBLICATION_WINDOW_BLOCKS + TRAINER_CHALLENGE_WINDOW_BLOCKS),
                                  trainers=6, challengers=1, seed=2,
                                  sequencer_strategy="honest"))
    model.run()
    x = model.workload.encoded_updates()  # type: ignore[union-attr]
    mine = re_execute(x, **model.workload.program(len(x)))  # type: ignore[union-attr]
    a = model.ledger.rollup.assertion(1)
    assert (a["input_root"], a["output_root"], a["stats_root"]) == (
        mine.claim.input_root, mine.claim.output_root, mine.claim.stats_root)
