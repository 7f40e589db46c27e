"""Determinism, conservation of funds, learning convergence, config errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.abm.config import ABMConfig, load_config
from agents.abm.learning_rules import FictitiousPlay, play_inspection
from agents.abm.model import RollupModel
from mechanism.economics.inspection import InspectionGame, mixed_equilibrium
from mechanism.errors import ParameterError


def _run(**kw: object) -> dict[str, object]:
    return RollupModel(ABMConfig(blocks=3000, **kw)).run()  # type: ignore[arg-type]


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    skip = {"seconds", "blocks_per_second"}
    return all((a[k] == b[k]) or (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k]))  # type: ignore[arg-type]
               for k in a if k not in skip)


def test_same_seed_same_run_different_seed_differs() -> None:
    kw = {"sequencer_strategy": "fixed", "fraud_prob": 0.4, "challenger_strategy": "fixed", "verify_prob": 0.3}
    a, b, c = _run(seed=3, **kw), _run(seed=3, **kw), _run(seed=4, **kw)
    assert _same(a, b)
    assert not _same(a, c)


@pytest.mark.parametrize("scenario", ["plain_fraud", "self_challenge", "griefing", "bribing", "sybil", "censorship"])
def test_funds_conserved(scenario: str) -> None:
    from agents.abm.adversary import scenario_overrides

    cfg = ABMConfig(blocks=4000, challenger_strategy="fixed", verify_prob=0.5, censor_fraction=0.3,
                    pending_value_eth=500.0, jackpot_rate=0.2, jackpot_eth=0.1).replace(**scenario_overrides(scenario))
    m = RollupModel(cfg)
    m.run()
    led = m.ledger
    assert led.rollup.ledger_ok()
    agents = [m.sequencer, m.adversary, *m.challengers, *m.trainers]
    # Every wei funded is held by an agent (wallet, balance, stake, locked bond) or burned.
    assert sum(m.holdings_wei(a) for a in agents) + led.burned_wei == led.funded_wei
    # The model's locked-bond book-keeping agrees with the contract state.
    for a in agents:
        assert m.holdings_wei(a) == sum(led.holdings_wei(x) for x in m._addresses(a))
    # Profits: ledger changes sum to minus the burn; off-ledger flows are explicit.
    ledger_change = sum(m.holdings_wei(a) - a.initial_wei for a in agents)
    assert ledger_change == -led.burned_wei


def test_fraud_always_caught_with_full_verification() -> None:
    s = _run(sequencer_strategy="fraudulent", challenger_strategy="always")
    assert s["frauds_attempted"] > 10
    # the last fraud may still be in its challenge period when the run ends
    assert s["frauds_finalized"] == 0 and s["frauds_attempted"] - 1 <= s["frauds_caught"] <= s["frauds_attempted"]
    assert s["sequencer_profit_eth"] < 0


def test_fictitious_play_converges_to_mixed_equilibrium() -> None:
    game = InspectionGame(gain_eth=5.0, penalty_eth=10.0, reward_eth=5.0, dispute_cost_eth=0.1,
                          verify_cost_eth=0.5, challengers=1)
    eq = mixed_equilibrium(game)
    assert eq.kind == "mixed"
    traj = play_inspection(game, FictitiousPlay(), FictitiousPlay(), 20_000, np.random.default_rng(1))
    assert abs(traj.fraud_freq[-1] - eq.fraud_prob) < 0.02
    assert abs(traj.verify_freq[-1] - eq.verify_prob) < 0.02
    # and it was not there from the start
    assert abs(traj.verify_freq[9] - eq.verify_prob) > 0.05


def test_equilibrium_strategies_match_solver_rates() -> None:
    s = RollupModel(ABMConfig(blocks=60_000, challengers=3, verify_cost_eth=0.2, seed=2)).run()
    p, v = s["equilibrium_fraud_prob"], s["equilibrium_verify_prob"]
    n = s["assertions"]
    assert abs(s["fraud_rate"] - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9
    assert abs(s["verify_rate"] - v) < 4 * math.sqrt(v * (1 - v) / (3 * n)) + 1e-9


def test_config_unknown_key_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "c.toml"
    f.write_text("blocks = 10\nchalenge_period = 3\n")
    with pytest.raises(ParameterError, match="chalenge_period"):
        load_config(f)
    with pytest.raises(ParameterError, match="challengers"):
        ABMConfig(challengers=-1)
    f.write_text("[abm]\nblocks = 10\nseed = 5\n")
    assert load_config(f) == ABMConfig(blocks=10, seed=5)


def test_tolerance_table_path_matches_the_tolerance_module() -> None:
    from agents.abm.adapter import TOLERANCE_TABLE_PATH
    from agents.fl.tolerance import DEFAULT_TABLE_PATH

    assert TOLERANCE_TABLE_PATH == DEFAULT_TABLE_PATH
