"""Brute-force cross-check of the robust design (:mod:`mechanism.economics.constraints`, solved by :mod:`~mechanism.economics.optimum`) on
small grids: :func:`brute_force` and :func:`brute_force_at` (docs/economics.md, 'Solvers').

It knows nothing of the LP: for each period T on a grid it searches zooming grids of
parameter values and keeps the cheapest point at which every margin of
:func:`mechanism.economics.attacks.problem_margins` is <= 0 at every vertex. Search order:
the jackpot rate phi (smallest rate meeting the fraud-success target), then (S_t, c_reg):
a zoom over S_t with, at each S_t, the smallest fee that deters Sybil poisoning (trainer
slashing incentive and Sybil poisoning), then
(B_c, alpha B_s, B_s) jointly on a 3-D grid (fraud, resources, griefing, reward cap and
bribery), all with the payoff functions only. Each zoom level keeps +-1 grid step around
the incumbent, so the result converges to the continuous optimum to within
``(2 / (n - 1))**levels`` of the initial range.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from mechanism.economics.attacks import Candidate, problem_margins
from mechanism.economics.constraints import DesignProblem, Var, objective
from mechanism.economics.scenario import Vertices
from mechanism.errors import InfeasibleError

__all__ = ["brute_force", "brute_force_at"]

F = NDArray[np.float64]
#: Axes of the joint bond search grid.
_BC, _R, _BS = 0, 1, 2


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


def _zoom(feasible: Callable[[list[F]], NDArray[np.bool_]], cost: Callable[[list[F]], F], hi0: F,
          n: int, levels: int) -> F | None:
    """Cheapest feasible point of a box [0, hi0] by zooming grids (see module docstring)."""
    d = hi0.size
    lo, hi = np.zeros(d), hi0.astype(float).copy()
    best: F | None = None
    for level in range(2 * levels):
        axes = list(np.meshgrid(*[np.linspace(lo[k], hi[k], n) for k in range(d)], indexing="ij"))
        ok = feasible(axes)
        if not ok.any():
            return None
        j = np.unravel_index(int(np.argmin(np.where(ok, cost(axes), np.inf))), ok.shape)
        best = np.array([ax[j] for ax in axes])
        step = (hi - lo) / (n - 1)
        # Homing levels keep the lower edge at 0 (a flat direction cannot trap the search),
        # then fine levels keep +-1 step around the incumbent.
        lo = np.zeros(d) if level < levels else np.maximum(best - step, 0.0)
        hi = best + step
    return best


def brute_force_at(problem: DesignProblem, period_blocks: int, n: int = 33, levels: int = 9) -> tuple[F, float] | None:
    """Cheapest safe (B_s, R, B_c, S_t, phi, c_reg) at one period; ``None`` if T is unsafe."""
    vx: Vertices = problem.vertices()
    i = problem.inputs
    c, const = objective(problem, np.array([period_blocks]))
    cvec, k = c[:, 0], float(const[0])

    def cand(bs: object = 1e9, alpha: object = 0.5, bc: object = 1e9, st: object = 1e9, phi: object = 1.0,
             fee: object = 0.0) -> Candidate:
        return Candidate(period_blocks, bs, alpha, bc, st, phi, fee)  # type: ignore[arg-type]

    def ok(cd: Candidate, names: tuple[str, ...]) -> NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return _ok(problem_margins(problem, cd, vx, names), names)

    if not ok(cand(), ("stuffing_profit_eth",)).all():
        return None
    phi = _min_1d(lambda xs: ok(cand(phi=xs), ("fraud_success_excess",)), 0.0, 1.0, n, levels)
    if not np.isfinite(phi):
        return None
    scale = float(np.max(vx.gain_eth) + np.max(vx.dispute_cost_eth) * (i.resource_ratio + 2) + np.max(vx.verify_cost_eth))
    lock = i.interest_rate_per_year * problem.lock_years
    def fee_cost(st: float) -> tuple[float, float]:
        if not ok(cand(st=st), ("invalid_update_unchallenged_eth",)).all():
            return np.inf, np.inf
        fee = _min_1d(lambda xs: ok(cand(st=st, fee=xs), ("sybil_profit_eth",)), 0.0, 10 * scale, n, levels)
        return float(cvec[Var.trainer_stake_eth] * st + cvec[Var.registration_fee_eth] * fee), fee

    lo_s, hi_s = 0.0, 10 * scale / min(lock, 1.0)
    trainer: F | None = None
    for _ in range(2 * levels):  # (S_t, minimal fee(S_t)): cost is convex in S_t, zoom around the best
        xs = np.linspace(lo_s, hi_s, n)
        got = [fee_cost(float(x)) for x in xs]
        j = int(np.argmin([g[0] for g in got]))
        if not np.isfinite(got[j][0]):
            return None
        trainer = np.array([xs[j], got[j][1]])
        lo_s, hi_s = float(xs[max(j - 1, 0)]), float(xs[min(j + 1, n - 1)])
    assert trainer is not None
    names = ("fraud_profit_eth", "resource_exhaustion_sequencer_eth", "resource_exhaustion_challenger_eth",
             "honest_challenge_loss_eth", "griefing_shortfall_eth", "reward_share_excess", "bribery_profit_eth")
    tie = 1e-6 * (cvec[Var.sequencer_bond_eth] + cvec[Var.challenger_bond_eth])  # among equal costs prefer the smallest reward

    def alpha_of(rw: F, bs: F) -> F:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(bs > 0, rw / np.where(bs > 0, bs, 1.0), np.inf), dtype=float)

    bonds = _zoom(lambda ax: ok(cand(bs=ax[_BS], alpha=alpha_of(ax[_R], ax[_BS]), bc=ax[_BC], phi=phi), names),
                  lambda ax: cvec[Var.sequencer_bond_eth] * ax[_BS] + cvec[Var.challenger_bond_eth] * ax[_BC]
                  + tie * ax[_R], np.full(3, 10 * scale), max(9, n // 2 + 1), levels)
    if bonds is None:
        return None
    x = np.zeros(len(Var))
    x[Var.sequencer_bond_eth], x[Var.reward_eth], x[Var.challenger_bond_eth] = bonds[_BS], bonds[_R], bonds[_BC]
    x[Var.trainer_stake_eth], x[Var.jackpot_rate], x[Var.registration_fee_eth] = trainer[0], phi, trainer[1]
    return x, float(cvec @ x + k)


def brute_force(problem: DesignProblem, periods_blocks: NDArray[np.int64], n: int = 33, levels: int = 9) -> tuple[int, F, float]:
    """Brute force over a (small) period grid; returns (T*, x*, cost*)."""
    best: tuple[int, F, float] | None = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        got = brute_force_at(problem, int(t), n, levels)
        if got is not None and (best is None or got[1] < best[2]):
            best = (int(t), got[0], got[1])
    if best is None:
        raise InfeasibleError("brute force found no safe parameters on the period grid")
    return best
