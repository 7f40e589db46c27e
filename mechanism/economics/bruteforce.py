"""Brute-force cross-check of :mod:`mechanism.economics.design` on small grids.

It knows nothing of the LP: for each period T on a grid it searches zooming grids of
parameter values and keeps the cheapest point at which every margin of
:func:`mechanism.economics.attacks.problem_margins` is <= 0 at every vertex. Search order:
the jackpot rate phi (smallest rate meeting the fraud-success target), the trainer stake
(1-D), then (B_c, alpha B_s, B_s) jointly on a 3-D grid, all with the payoff functions
only. Each zoom level keeps +-1 grid step around the incumbent, so the result converges
to the continuous optimum to within ``(2 / (n - 1))**levels`` of the initial range.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mechanism.economics.attacks import Candidate, problem_margins
from mechanism.economics.design import DesignProblem, objective
from mechanism.economics.scenario import Vertices

F = NDArray[np.float64]


def _ok(margins: dict[str, F], names: tuple[str, ...], tol: float = 1e-12) -> NDArray[np.bool_]:
    out: NDArray[np.bool_] | None = None
    for n in names:
        good = np.all(margins[n] <= tol, axis=0)
        out = good if out is None else (out & good)
    assert out is not None
    return out


def _min_1d(feasible: object, lo: float, hi: float, n: int, levels: int) -> float:
    """Smallest feasible value of a monotone predicate by zooming grids."""
    f = feasible  # callable: F -> bool array
    for _ in range(levels):
        xs = np.linspace(lo, hi, n)
        ok = f(xs)  # type: ignore[operator]
        if not ok.any():
            return float("inf")
        j = int(np.argmax(ok))
        if j == 0:
            return float(xs[0])
        lo, hi = float(xs[j - 1]), float(xs[j])
    return hi


def brute_force_at(problem: DesignProblem, period_blocks: int, n: int = 33, levels: int = 9) -> tuple[F, float] | None:
    """Cheapest safe (B_s, R, B_c, S_t, phi) at one period; ``None`` if T is unsafe."""
    vx: Vertices = problem.vertices()
    i = problem.inputs
    c, const = objective(problem, np.array([period_blocks]))
    cvec, k = c[:, 0], float(const[0])

    def cand(bs: object = 1e9, alpha: object = 0.5, bc: object = 1e9, st: object = 1e9, phi: object = 1.0) -> Candidate:
        return Candidate(period_blocks, bs, alpha, bc, st, phi)  # type: ignore[arg-type]

    probe = problem_margins(problem, cand(), vx)
    if not _ok(probe, ("stuffing_profit_eth",)).all():
        return None
    phi = _min_1d(lambda xs: _ok(problem_margins(problem, cand(phi=xs), vx), ("fraud_success_excess",)), 0.0, 1.0, n, levels)
    if not np.isfinite(phi):
        return None
    scale = float(np.max(vx.gain_eth) + np.max(vx.dispute_cost_eth) * (i.resource_ratio + 2) + np.max(vx.verify_cost_eth))
    st = _min_1d(lambda xs: _ok(problem_margins(problem, cand(st=xs), vx), ("invalid_update_unchallenged_eth",)),
                 0.0, 10 * scale, n, levels)
    names = ("fraud_profit_eth", "resource_exhaustion_sequencer_eth", "resource_exhaustion_challenger_eth",
             "honest_challenge_loss_eth", "griefing_shortfall_eth", "reward_share_excess")
    lo, hi = np.zeros(3), np.full(3, 10 * scale)
    best: F | None = None
    tie = 1e-6 * (cvec[0] + cvec[2])  # among equal costs prefer the smallest reward
    for level in range(2 * levels):
        axes = [np.linspace(lo[d], hi[d], n) for d in range(3)]
        bc, rw, bs = np.meshgrid(*axes, indexing="ij")
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where(bs > 0, rw / np.where(bs > 0, bs, 1.0), np.inf)
        with np.errstate(invalid="ignore"):
            m = problem_margins(problem, cand(bs=bs, alpha=alpha, bc=bc, phi=phi), vx)
        ok = _ok(m, names)
        if not ok.any():
            return None
        cost = np.where(ok, cvec[0] * bs + cvec[2] * bc + tie * rw, np.inf)
        j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        best = np.array([bc[j], rw[j], bs[j]])
        step = (hi - lo) / (n - 1)
        # Homing levels keep the lower edge at 0 (a flat direction cannot trap the search),
        # then fine levels keep +-1 step around the incumbent.
        lo = np.zeros(3) if level < levels else np.maximum(best - step, 0.0)
        hi = best + step
    assert best is not None
    x = np.array([best[2], best[1], best[0], st, phi])
    return x, float(cvec @ x + k)


def brute_force(problem: DesignProblem, periods_blocks: NDArray[np.int64], n: int = 33, levels: int = 9) -> tuple[int, F, float]:
    """Brute force over a (small) period grid; returns (T*, x*, cost*)."""
    best: tuple[int, F, float] | None = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        got = brute_force_at(problem, int(t), n, levels)
        if got is not None and (best is None or got[1] < best[2]):
            best = (int(t), got[0], got[1])
    if best is None:
        from mechanism.errors import InfeasibleError

        raise InfeasibleError("brute force found no safe parameters on the period grid")
    return best
