"""Rounds to convergence: the criterion, and the fixed constant against a fresh measurement."""

import pytest

from agents.fl.convergence import CONVERGED_ROUNDS, converged_round, rounds_to_convergence
from mechanism.errors import ParameterError


def test_converged_round_criterion():
    # rises, then rounds 4-9 span 0.4 pp (< 0.5): converged at round 9
    curve = [0.1, 0.5, 0.8, 0.9, 0.901, 0.902, 0.903, 0.904, 0.902, 0.9]
    assert converged_round(curve) == 9
    assert converged_round([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) is None
    assert converged_round([0.5] * 6) == 6
    with pytest.raises(ParameterError):
        converged_round([0.5] * 6, window=0)


@pytest.mark.slow
def test_constant_is_the_measurement():
    """Re-measure (about 40 s): the fixed rounds are what the criterion gives today."""
    for model, rounds in CONVERGED_ROUNDS:
        assert rounds_to_convergence(model, (0.1, 100.0), seeds=3, max_rounds=rounds + 10) == rounds
