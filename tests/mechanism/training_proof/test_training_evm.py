"""TrainingStep.vy reaches the Python game's verdict on every move; tampered one-steps revert."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.dispute.strategies import STRATEGIES
from mechanism.evm.training_step import replay
from mechanism.training_proof import demo_trace, play_training

pytestmark = pytest.mark.evm
_TR: dict[tuple[int, int], object] = {}


def _trace(steps: int, arity: int):  # type: ignore[no-untyped-def]
    if (steps, arity) not in _TR:
        _TR[(steps, arity)] = demo_trace("logreg", steps=steps, seed=7, arity=arity)
    return _TR[(steps, arity)]


@pytest.mark.parametrize("liar", ["trainer", "challenger"])
@pytest.mark.parametrize("strategy", ["random_step", "inconsistent_children"])
def test_evm_agrees_with_python(liar: str, strategy: str) -> None:
    res, g = play_training(_trace(2, 4), liar, strategy, np.random.default_rng(1))  # type: ignore[arg-type]
    ev = replay(g)  # raises if any move is accepted by one and rejected by the other
    assert ev.winner == res.winner and res.honest_won


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(liar=st.sampled_from(["trainer", "challenger"]), strategy=st.sampled_from(STRATEGIES),
       steps=st.integers(1, 3), arity=st.sampled_from([2, 16]), seed=st.integers(0, 10**6))
def test_evm_agrees_generated(liar: str, strategy: str, steps: int, arity: int, seed: int) -> None:
    res, g = play_training(_trace(steps, arity), liar, strategy, np.random.default_rng(seed))  # type: ignore[arg-type]
    assert replay(g).winner == res.winner and res.honest_won


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
def test_worst_one_step_at_d_1e5_fits_the_transaction_cap() -> None:
    """At d = 100,480 (10,000 features, 10 classes) every move of the longest game of every
    stage kind fits under the EIP-7825 cap; the logit one-step costs what it costs at
    d = 1,280 (within 25%: only its Merkle paths deepen)."""
    from mechanism.training_proof.game import forced_game
    from mechanism.training_proof.setup import digits_setting
    from mechanism.units import MAX_TX_GAS

    onestep: dict[int, int] = {}
    for features in (64, 10000):
        st_, tr = digits_setting("logreg", 20, 1, 0, chunk=64, arity=2, batch=8, features=features)
        worst = 0
        for name in ("z1", "e1", "w1", "u"):
            ev = replay(forced_game(tr, st_.index(name), 0))
            worst = max(worst, max(t for _, _, t in ev.gas))
            if name == "z1":
                onestep[st_.spec.d] = ev.gas[-1][2]
        assert worst < MAX_TX_GAS, (features, worst)
    assert set(onestep) == {1280, 100480}
    assert onestep[100480] < 1.25 * onestep[1280], onestep
