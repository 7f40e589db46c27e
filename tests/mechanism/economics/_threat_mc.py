"""Shared Monte Carlo helper of the threat tests: simulated frequency vs analytic figure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analyses.censorship import clopper_pearson


def inside(trial: Callable[[np.random.Generator], bool], analytic: float, trials: int, seed: int) -> tuple[bool, float]:
    """Run ``trials`` trials; True if ``analytic`` lies in the 95% Clopper-Pearson interval."""
    rng = np.random.default_rng(seed)
    k = sum(bool(trial(rng)) for _ in range(trials))
    lo, hi = clopper_pearson(k, trials)
    return lo <= analytic <= hi, k / trials


def agreement(cells: list[tuple[bool, float]]) -> float:
    return sum(ok for ok, _ in cells) / len(cells)
