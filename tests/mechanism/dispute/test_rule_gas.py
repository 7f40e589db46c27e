"""Every rule's dispute cost comes from the model of its own game, at one computed geometry."""

import pytest

from mechanism.dispute.gas_fold import GAS_RESOLUTION, choose_geometry, rule_game_cost
from mechanism.economics import workload
from mechanism.units import MAX_TX_GAS


def test_every_stage_of_every_rule_is_modelled() -> None:
    for rule in workload.RULES_WITH_DISPUTE_GAS:
        cost = rule_game_cost(rule, 50, 10**6, 16, 16)
        assert cost.stages and all(s[3] > 0 for s in cost.stages)
        assert cost.max_tx_gas <= MAX_TX_GAS


def test_rule_gas_is_its_own_game_not_a_multiple() -> None:
    gas = {r: workload.dispute_gas_per_side(r, 50, 10**6) for r in workload.RULES_WITH_DISPUTE_GAS}
    chunk, arity = workload.dispute_geometry()
    for rule, g in gas.items():
        assert g == pytest.approx(rule_game_cost(rule, 50, 10**6, chunk, arity).gas_per_side)
    assert gas["bulyan"] > gas["krum"] > gas["median"]  # Bulyan's selection repeats Krum's rounds
    assert "calibration" in workload.dispute_gas_source("bulyan")
    assert not hasattr(workload, "DEFAULT_CHUNK_COORDINATES")


def test_geometry_is_computed_and_used_for_moves_and_gas() -> None:
    g = choose_geometry(workload.REFERENCE_TRAINERS, workload.REFERENCE_MODEL_SIZE)
    assert (g.chunk, g.arity) == (workload.DISPUTE_CHUNK, workload.DISPUTE_ARITY)
    fits = [row for row in g.grid if row[5]]
    least = min(row[2] for row in fits)
    near = [row for row in fits if row[2] <= least * (1 + GAS_RESOLUTION)]
    assert g.worst_gas_per_side <= least * (1 + GAS_RESOLUTION)
    assert g.moves_per_side == min(row[3] for row in near)  # gas within the model's resolution: fewest moves
    moves = workload.dispute_moves_per_side(50, 10**6)
    assert moves == max(rule_game_cost(r, 50, 10**6, g.chunk, g.arity).moves_per_side
                        for r in workload.RULES_WITH_DISPUTE_GAS)
    # a coarser geometry (arity 2) takes more moves: the count follows the geometry
    assert workload.dispute_moves_per_side(50, 10**6, g.chunk, 2) > moves
