"""The Vyper contract reaches the Python game's verdict; the gas model tracks the EVM."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.dispute import STRATEGIES, build_program, honest_trace, play
from mechanism.dispute.gas import dispute_cost
from mechanism.dispute.proofs import Prover, tamper
from mechanism.evm.calibrate import play_stage
from mechanism.evm.dispute_game import replay

pytestmark = pytest.mark.evm


def _one(rule: str, liar: str, strategy: str, n: int, d: int, c: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**30), 2**30, size=(n, d))
    prog = build_program(rule, n, d, **({"f": 1} if rule == "trimmed_mean" else {}))
    tr = honest_trace(prog, x, c, k)
    res, g = play(prog, x, tr, liar, strategy, rng)
    ev = replay(g)
    assert ev.winner == res.winner and res.honest_won


@pytest.mark.parametrize("rule", ["mean", "median", "trimmed_mean"])
@pytest.mark.parametrize("liar", ["proposer", "challenger"])
def test_quick_differential(rule: str, liar: str) -> None:
    _one(rule, liar, "random_step", 5, 20, 4, 2, 1)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(rule=st.sampled_from(["mean", "median", "trimmed_mean"]), liar=st.sampled_from(["proposer", "challenger"]),
       strategy=st.sampled_from(STRATEGIES), n=st.integers(3, 12), d=st.integers(1, 200),
       c=st.sampled_from([1, 4, 16]), k=st.sampled_from([2, 4, 8, 16]), seed=st.integers(0, 10**6))
def test_differential_generated(rule: str, liar: str, strategy: str, n: int, d: int, c: int, k: int, seed: int) -> None:
    _one(rule, liar, strategy, n, d, c, k, seed)


def test_contract_rejects_tampered_opening() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-(2**30), 2**30, size=(5, 16))
    prog = build_program("median", 5, 16)
    tr = honest_trace(prog, x, 4, 2)
    _res, g = play(prog, x, tr, "challenger", "inconsistent_children", rng)
    ev = replay(g)  # the forged one-step must revert on chain too
    assert ev.winner == "proposer"
    assert any(a[0] == "onestep" and not a[2] for a in g.attempts) or ev.reverted == 0
    assert Prover.build(x, tr).map_proof(0, 0) is not None and tamper is not None


@pytest.mark.parametrize(("rule", "n", "d", "c", "k", "stage"),
                         [("mean", 9, 300, 8, 2, 1), ("median", 16, 2000, 16, 4, 1), ("mean", 16, 3000, 8, 4, 0),
                          ("trimmed_mean", 30, 5000, 16, 16, 1)])
def test_gas_model_within_5_percent(rule: str, n: int, d: int, c: int, k: int, stage: int) -> None:
    """Every call is its own transaction (cold storage); the model tracks the EVM."""
    _rule, _n, _d, _c, _k, name, gas = play_stage(rule, n, d, c, k, stage)
    cost = dispute_cost(rule, n, d, c, k, stage=name)
    assert [kind for kind, _g in cost.gas_per_move] == [kind for kind, _g in gas]
    evm_total = _evm_total(rule, n, d, c, k, stage)
    assert abs(cost.gas_total / evm_total - 1) < 0.05


def _evm_total(rule: str, n: int, d: int, c: int, k: int, stage: int) -> int:
    from mechanism.evm.calibrate import _seed_for

    x = np.random.default_rng(0).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    prog = build_program(rule, n, d, **({"f": 1} if rule == "trimmed_mean" else {}))
    _res, g = play(prog, x, honest_trace(prog, x, c, k), "proposer", "random_step", np.random.default_rng(_seed_for(stage)))
    return replay(g).gas_total


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["mean", "median", "trimmed_mean"])
def test_cost_goal_n50_d1e6(rule: str) -> None:
    """n=50, d=1e6 at the default chunk 16 / arity 16: < 3M gas and <= 12 moves on chain."""
    from mechanism.dispute.gas import worst_case

    for stage in (1, 0):
        total = _evm_total(rule, 50, 10**6, 16, 16, stage)
        assert total < 3_000_000
    cost = worst_case(rule, 50, 10**6, 16, 16)
    assert cost.moves <= 12 and cost.gas_total < 3_000_000


def test_padding_and_transaction_isolation() -> None:
    """Measured gas does not depend on earlier games in the process (fresh transactions)."""
    a = _evm_total("mean", 5, 40, 4, 2, 1)
    b = _evm_total("mean", 5, 40, 4, 2, 1)
    assert a == b
