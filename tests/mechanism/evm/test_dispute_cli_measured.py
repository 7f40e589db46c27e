"""``orfl dispute`` on the robust rules reports every stage's one-step as measured on chain,
naming the contract function that ran it, and a per-side gas built from those measurements."""

import pytest

from analyses.commands.dispute import run

pytestmark = pytest.mark.evm

CONTRACTS = ("DisputeGame.onestep_column", "FoldVerifier.max_witness", "FoldVerifier.sum_step",
             "SelectVerifier.bulyan_select", "MapVerifier.map_step")


@pytest.mark.parametrize("rule", ["bulyan", "geometric_median"])
def test_every_stage_is_measured_on_chain(rule) -> None:
    out = run(rule, 9, 300, "proposer", "random_step", 8, 4, 0, True)
    stages = out["gas_per_stage"]
    assert stages[0]["stage"] == "cols" and len(stages) >= 5
    for r in stages:
        assert r["onestep_source"] == "measured", r
        assert r["onestep_gas_evm"] > 0 and r["gas_per_side_measured"] > 0
        assert abs(r["onestep_model_gap"]) < 0.10, r  # the model tracks what was measured
    contracts = {r["onestep_contract"] for r in stages}
    assert "MapVerifier.map_step" in contracts and "DisputeGame.onestep_column" in contracts
    if rule == "bulyan":
        assert contracts == set(CONTRACTS)
        assert next(r for r in stages if r["stage"] == "out")["onestep"] == "map_trimmed"
    else:
        assert {"SelectVerifier.weights_select", "FoldVerifier.sum_step"} <= contracts
        assert {r["onestep"] for r in stages if r["kind"] == "map"} == {"map_mean", "map_weighted"}
    assert out["gas_per_side_measured"] == max(r["gas_per_side_measured"] for r in stages)
    assert "measured" in out["gas_per_side_source"] and out["gas_source"] == "measured"
    worst = next(r for r in stages if r["stage"] == out["gas_worst_stage"])
    assert out["gas_total"] == worst["game_gas_measured"]
