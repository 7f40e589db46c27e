"""Rounds to convergence of the clean federated run, measured once and fixed.

**Criterion.** The clean FedAvg run (rule ``mean``, no malicious trainer) has converged
at round ``R`` when its test accuracy, averaged over seeds, changed by less than
``tolerance_pp`` (0.5 percentage points) over the last ``window`` (5) rounds: the
accuracies of rounds ``R - window .. R`` all lie within ``tolerance_pp`` of each other.
A model's rounds are the largest ``R`` over the grid's data heterogeneities (alphas),
so every cell of the tolerance grid trains at least until its clean reference converged.

:data:`CONVERGED_ROUNDS` is the result of :func:`rounds_to_convergence` for the default
grid (50 trainers, 5 local steps of batch 16, learning rate 0.5, sklearn digits, alphas
0.1 and 100, seeds 0-2, up to 120 rounds); ``tests/agents/fl/test_convergence.py``
re-measures it (slow) and fails if the constant drifts from the measurement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Final

from mechanism.errors import ParameterError

#: (model, rounds) measured by :func:`rounds_to_convergence` on the default grid.
CONVERGED_ROUNDS: Final = (("logreg", 26), ("mlp", 52))

TOLERANCE_PP: Final = 0.5
WINDOW_ROUNDS: Final = 5


def converged_round(curve: Sequence[float], tolerance_pp: float = TOLERANCE_PP,
                    window: int = WINDOW_ROUNDS) -> int | None:
    """First round ``R`` (1-based) whose last ``window + 1`` accuracies span < ``tolerance_pp``."""
    if window < 1 or not tolerance_pp > 0:
        raise ParameterError.bad("window/tolerance_pp", (window, tolerance_pp), "window >= 1 and tolerance > 0")
    for r in range(window, len(curve)):
        last = curve[r - window: r + 1]
        if 100.0 * (max(last) - min(last)) < tolerance_pp:
            return r + 1
    return None


def rounds_to_convergence(model: str, alphas: Sequence[float], seeds: int = 3, max_rounds: int = 120,
                          base: object | None = None) -> int:
    """Largest converged round of the clean FedAvg run over ``alphas`` (mean curve over seeds).

    Raises :class:`ParameterError` if some alpha has not converged within ``max_rounds``.
    """
    import numpy as np

    from agents.fl.training import FLConfig, run_federated

    cfg = base if isinstance(base, FLConfig) else FLConfig(n_trainers=50)
    worst = 0
    for alpha in alphas:
        curves = [run_federated(dataclasses.replace(cfg, model=model, rule="mean", attack="none", fraction=0.0,
                                                    rounds=max_rounds, alpha=float(alpha), seed=s)).curve
                  for s in range(seeds)]
        r = converged_round(list(np.mean(np.asarray(curves), axis=0)))
        if r is None:
            raise ParameterError.bad("max_rounds", max_rounds, f"enough rounds for {model} at alpha {alpha:g} to converge")
        worst = max(worst, r)
    return worst
