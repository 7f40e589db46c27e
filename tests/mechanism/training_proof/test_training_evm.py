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
