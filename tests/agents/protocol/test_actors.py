"""The protocol's actors in isolation, the run's conservation of funds, the encoding."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from agents.protocol import (
    ProtocolConfig,
    ProtocolRun,
    aggregate,
    encode_update,
    play_dispute,
    program_of,
    re_execute,
)
from mechanism.design import Design
from mechanism.units import eth_to_wei

DESIGN = Design(challenge_period_blocks=20)
PROGRAM = {"rule": "trimmed_mean", "chunk_size": 8, "arity": 4, "f": 1}


def _inputs(seed: int = 0, n: int = 6, d: int = 64) -> np.ndarray:
    return encode_update(np.random.default_rng(seed).normal(0, 0.05, size=(n, d)))


def _run_until(run: ProtocolRun, cond: object, blocks: int = 2_000) -> None:
    for _ in range(blocks):
        if cond():  # type: ignore[operator]
            return
        run.step()
    raise AssertionError("condition not reached")


def test_honest_assertion_matches_re_execution_and_survives_a_griefing_challenge() -> None:
    x = _inputs()
    posted = aggregate(x, False, np.random.default_rng(1), **PROGRAM)
    assert not posted.wrong
    assert posted.claim.output_root == re_execute(x, **PROGRAM).claim.output_root
    for seed in range(3):  # a frivolous challenger lies in the game and loses it
        out = play_dispute(posted, PROGRAM, np.random.default_rng(seed), "random_step")
        assert out.defender_wins


def test_lying_assertion_is_exposed_by_re_execution_and_lost_by_the_proposer() -> None:
    x = _inputs(3)
    posted = aggregate(x, True, np.random.default_rng(2), **PROGRAM)
    assert posted.wrong and posted.claim.input_root == re_execute(x, **PROGRAM).claim.input_root
    assert posted.claim.output_root != re_execute(x, **PROGRAM).claim.output_root
    assert not play_dispute(posted, PROGRAM, np.random.default_rng(0)).defender_wins


def test_honest_sequencer_never_challenged() -> None:
    run = ProtocolRun(DESIGN, ProtocolConfig(rounds=2, trainers=5, seed=1))
    _run_until(run, lambda: run.sequencer.posted)
    assert not run.watcher.is_wrong(run.sequencer.aid)
    s = run.run()
    assert s["rounds_finalised"] == 2 and s["frauds_attempted"] == s["frauds_caught"] == s["games_played"] == 0
    assert s["sequencer_net_wei"] == 0 and s["honest_parties_whole"]


def test_malicious_sequencer_caught_by_watcher() -> None:
    run = ProtocolRun(DESIGN, ProtocolConfig(rounds=2, trainers=5, malicious_sequencer=True, seed=3))
    _run_until(run, lambda: run.sequencer.frauds_attempted > 0 and run.sequencer.posted)
    aid = run.sequencer.aid
    assert run.sequencer.claims[aid].wrong and run.watcher.is_wrong(aid)
    s = run.run()
    assert s["frauds_caught"] == s["frauds_attempted"] >= 1 and s["frauds_finalized"] == 0
    assert s["one_step_verdicts"] == s["frauds_attempted"]
    assert s["sequencer_net_wei"] == -eth_to_wei(DESIGN.sequencer_bond_eth) * s["frauds_caught"]
    assert s["watcher_net_wei"] > 0 and s["honest_parties_whole"]


def test_invalid_update_proven_by_watcher_and_trainer_slashed() -> None:
    run = ProtocolRun(DESIGN, ProtocolConfig(rounds=3, trainers=5, seed=2))
    s = run.run()
    assert s["trainer_frauds"] == s["trainers_slashed"] == s["trainer_proofs"] == 1
    (rnd, bad), = run.invalid.items()
    assert rnd == 2 and run.dep.violation(bad, rnd) == 3  # the L2-norm predicate
    cheat = run.by_address[bad]
    assert run.dep.rollup.stake_of(bad) == 0
    assert cheat.wallet_wei == cheat.initial_wei - eth_to_wei(DESIGN.trainer_stake_eth)
    assert bad not in run.dep.round_inputs(rnd)  # the aggregate left it out
    assert all(t.wallet_wei == t.initial_wei for t in run.trainers if t.address != bad)


def test_actors_keep_to_the_publication_and_trainer_challenge_windows() -> None:
    """Trainers publish inside the round's publication window, the watcher disputes the
    invalid update inside the trainer-challenge window, and the sequencer posts only once
    both are over (``Rollup.vy`` refuses anything else, so a stray actor shows up as a
    reverted transaction)."""
    from mechanism.rollup.params import KIND_TRAINER

    log: list[tuple[int, str, str]] = []
    run = ProtocolRun(DESIGN, ProtocolConfig(rounds=3, trainers=5, seed=2),
                      on_event=lambda b, n, t: log.append((b, n, t)))
    opened = {0: run.dep.rollup.counter("round_open_block")}  # round 0 opens at deployment
    s = run.run()
    p = run.dep.params
    assert s["rounds_finalised"] == 3 and s["reverted_txs"] == 0 and s["trainer_proofs"] == 1
    for b, n, t in log:
        if n == "AssertionFinalised":
            rnd = int(t.split("round=")[1].split(",")[0])
            opened[rnd + 1] = b
    seen = {"UpdatePublished": 0, "AssertionPosted": 0, "Challenged": 0}
    for b, n, t in log:
        rnd = max(r for r, o in opened.items() if o <= b)
        if n == "UpdatePublished":
            assert b < opened[rnd] + p.publication_window_blocks
        elif n == "AssertionPosted":
            assert b >= opened[rnd] + p.assertion_delay_blocks
        elif n == "Challenged" and f"kind={KIND_TRAINER}," in t:
            assert b < opened[rnd] + p.assertion_delay_blocks
        else:
            continue
        seen[n] += 1
    assert seen["UpdatePublished"] == 15 and seen["AssertionPosted"] >= 3 and seen["Challenged"] == 1


@pytest.mark.parametrize("malicious,q", [(False, 0.0), (True, 0.0), (True, 0.3)])
def test_run_conserves_funds(malicious: bool, q: float) -> None:
    run = ProtocolRun(DESIGN, ProtocolConfig(rounds=3, trainers=6, malicious_sequencer=malicious, censor_fraction=q,
                                             seed=4))
    s = run.run()
    assert s["rounds_finalised"] == 3 and s["conservation_ok"] and s["honest_parties_whole"]
    funded = sum(p.initial_wei for p in run.parties)
    assert sum(p.wallet_wei for p in run.parties) + run.dep.rollup.burned_wei == funded
    assert s["burned_wei"] == run.dep.rollup.burned_wei


def test_design_sets_money_and_clocks() -> None:
    d = Design(challenge_period_blocks=30, sequencer_bond_eth=2.5, challenger_bond_eth=0.5, reward_share=0.25,
               trainer_stake_eth=0.75, move_clock_blocks=7)
    run = ProtocolRun(d, ProtocolConfig(rounds=1, trainers=4))
    p = run.dep.params
    assert (p.challenge_period_blocks, p.move_clock_blocks, p.reward_share_bps) == (30, 7, 2_500)
    assert (p.sequencer_bond_wei, p.challenger_bond_wei, p.trainer_stake_wei) == (
        eth_to_wei(2.5), eth_to_wei(0.5), eth_to_wei(0.75))
    assert p.dispute_depth == p.assertion_levels == 0 and run.dep.game_cfg.clock_blocks == 7
    assert program_of(run.dep, 10) == {"rule": "trimmed_mean", "chunk_size": 8, "arity": 4, "f": 1}


def test_encoding_matches_round_half_even_at_20_bits() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 0.05, 1_000), np.array([0.5, 1.5, 2.5, -0.5, -2.5]) / (1 << 20)])
    assert np.array_equal(encode_update(x), np.round(x * (1 << 20)).astype(np.int64))
    assert encode_update(x).dtype == np.int64


def test_import_does_not_pull_torch() -> None:
    code = "import sys, agents.protocol; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0


def test_the_block_budget_follows_the_design_so_long_periods_complete() -> None:
    """A run at a long period is not cut off before its rounds are final and withdrawn:
    the default block budget comes from the design (agents.protocol.config.budget_blocks)."""
    from agents.protocol import ProtocolConfig, run_protocol
    from agents.protocol.config import budget_blocks
    from mechanism.design import Design

    design = Design(challenge_period_blocks=9_000, move_clock_blocks=20, detect_blocks=2)
    assert budget_blocks(design, 2) > 2 * 2 * 9_000
    s = run_protocol(design, ProtocolConfig(rounds=2, trainers=4, seed=1))
    assert s["completed"] and s["rounds_finalised"] == 2 and s["conservation_ok"]
    assert s["blocks"] > 2 * 9_000
    cut = run_protocol(design, ProtocolConfig(rounds=2, trainers=4, seed=1, max_blocks=5_000))
    assert not cut["completed"] and cut["rounds_finalised"] < 2
