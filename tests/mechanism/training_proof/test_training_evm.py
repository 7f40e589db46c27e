"""TrainingStep.vy reaches the Python game's verdict on every move; tampered one-steps revert."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.dispute.strategies import STRATEGIES
from mechanism.evm.training_step import replay
from mechanism.training_proof import demo_trace, play_training

pytestmark = pytest.mark.evm
_TR: dict[tuple[str, int, int], object] = {}


def _trace(steps: int, arity: int, model: str = "logreg"):  # type: ignore[no-untyped-def]
    if (model, steps, arity) not in _TR:
        _TR[(model, steps, arity)] = demo_trace(model, steps=steps, seed=7, arity=arity)
    return _TR[(model, steps, arity)]


@pytest.mark.parametrize("model", ["logreg", "mlp"])
@pytest.mark.parametrize("liar", ["trainer", "challenger"])
@pytest.mark.parametrize("strategy", ["random_step", "inconsistent_children"])
def test_evm_agrees_with_python(model: str, liar: str, strategy: str) -> None:
    res, g = play_training(_trace(2, 4, model), liar, strategy, np.random.default_rng(1))  # type: ignore[arg-type]
    ev = replay(g)  # raises if any move is accepted by one and rejected by the other
    assert ev.winner == res.winner and res.honest_won


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(model=st.sampled_from(["logreg", "mlp"]), liar=st.sampled_from(["trainer", "challenger"]),
       strategy=st.sampled_from(STRATEGIES), steps=st.integers(1, 3), arity=st.sampled_from([2, 16]),
       seed=st.integers(0, 10**6))
def test_evm_agrees_generated(model: str, liar: str, strategy: str, steps: int, arity: int, seed: int) -> None:
    res, g = play_training(_trace(steps, arity, model), liar, strategy, np.random.default_rng(seed))  # type: ignore[arg-type]
    assert replay(g).winner == res.winner and res.honest_won


def test_evm_mlp_every_one_step_kind() -> None:
    """Forced games to the first and last leaf of every MLP stage kind, a W1 and a W2 chunk
    (with and without hidden columns), and tampered one-steps: the contract reaches the
    Python verdict, and a forged proof reverts."""
    from mechanism.dispute.proofs import tamper
    from mechanism.training_proof.game import forced_game

    tr = demo_trace("mlp", steps=2, seed=3, chunk=8, arity=4)  # P2 = 24: W2 chunks 0..2 per row
    st_ = tr.setting
    w2 = st_.spec.w2_offset // st_.spec.chunk_size
    for name, js in (("z2", [0, st_.leaves(st_.index("z2")) - 1]), ("e2", [0, 79]),
                     ("w2", [0, w2 - 1, w2, w2 + 2, st_.leaves(st_.index("w2")) - 1]), ("u", [0])):
        for j in js:
            g = forced_game(tr, st_.index(name), j, st_.row_chunks - 1)
            assert replay(g).winner == "proposer", (name, j)
            kind, args, _ok, block = g.attempts[-1]
            g.attempts[-1] = (kind, (tamper(args[0]),), False, block)  # type: ignore[arg-type]
            assert replay(g).winner == "none", (name, j)  # the forged one-step reverts


@pytest.mark.parametrize("arity", [2, 4])
def test_evm_logit_sum_tree_games(arity: int) -> None:
    """Forced games to the first and last partial sum of a logit, and played games that
    reach a sum leaf (lying trainer or challenger): the contract reaches Python's verdict."""
    from mechanism.training_proof.game import forced_game

    tr = demo_trace("logreg", steps=2, seed=3, chunk=8, arity=arity, features=40)  # R = 6
    st_ = tr.setting
    z2 = st_.index("z2")
    for item, k in ((0, 0), (st_.leaves(z2) - 1, st_.row_chunks - 1)):
        g = forced_game(tr, z2, item, k)
        ev = replay(g)
        assert ev.winner == "proposer" and [m for m, _, _ in ev.gas][-1] == "onestep"
    played = 0
    for liar in ("trainer", "challenger"):
        for seed in range(30):
            res, g = play_training(tr, liar, "random_step", np.random.default_rng(seed))
            if g is None or g.tree != "sum":
                continue
            assert replay(g).winner == res.winner and res.honest_won
            played += 1
    assert played >= 2


@pytest.mark.slow
@pytest.mark.parametrize(("model", "small", "large"), [("logreg", 64, 10000), ("mlp", 64, 6000)])
def test_worst_one_step_at_d_1e5_fits_the_transaction_cap(model: str, small: int, large: int) -> None:
    """At d ~ 1e5 (logreg: 100,480; MLP: 96,896) every move of the longest game of every
    stage kind (the MLP's weights: a W1 and a W2 chunk) fits under the EIP-7825 cap; the
    partial-sum one-step costs what it costs at the smallest d (within 25%: only its
    Merkle paths deepen)."""
    from mechanism.training_proof.game import forced_game
    from mechanism.training_proof.setup import digits_setting
    from mechanism.units import MAX_TX_GAS

    onestep: dict[int, int] = {}
    for features in (small, large):
        st_, tr = digits_setting(model, 20, 1, 0, chunk=64, arity=2, batch=8, features=features, hidden=16)
        worst = 0
        w2 = st_.spec.w2_offset // st_.spec.chunk_size
        for name, j in (("z1", 0), ("e1", 0), ("w1", 0), ("w1", w2 if model == "mlp" else 1), ("u", 0)):
            ev = replay(forced_game(tr, st_.index(name), j))
            worst = max(worst, max(t for _, _, t in ev.gas))
            if name == "z1":
                onestep[st_.spec.d] = ev.gas[-1][2]
        assert worst < MAX_TX_GAS, (features, worst)
    assert len(onestep) == 2 and max(onestep) > 96_000
    assert onestep[max(onestep)] < 1.25 * onestep[min(onestep)], onestep
