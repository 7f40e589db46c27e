"""The robust design LP with general-purpose solvers: :func:`solve_cvxpy` and
:func:`solve_linprog` (docs/economics.md, 'Solvers').

Per period T: every row of :func:`~mechanism.economics.constraints.full_rows` (base rows,
bribery rows built at ``v(phi*(T))``, Sybil row) at every vertex, minimise the cost of
:func:`~mechanism.economics.constraints.objective` with ``x >= 0`` and ``phi <= 1``. cvxpy
compiles one parametrised problem (DPP: A and b are parameters) and re-solves it per T;
scipy's HiGHS solves each T from scratch. Both return ``(T*, x*, cost*)`` with ``x*`` in
:class:`~mechanism.economics.constraints.Var` order.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mechanism.economics.constraints import DesignProblem, Var, full_rows, infeasible, objective

__all__ = ["solve_cvxpy", "solve_linprog"]

F = NDArray[np.float64]
_PHI = int(Var.jackpot_rate)


def solve_cvxpy(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """Solve the robust LP with cvxpy (Clarabel) at each T; return (T*, x*, cost*)."""
    import cvxpy as cp

    n_var = len(Var)
    best: tuple[int, F, float] | None = None
    prob = x = a_par = b_par = c_par = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        a, b, ok, _ = full_rows(problem, int(t))
        if not ok:
            continue
        if prob is None:
            x = cp.Variable(n_var, nonneg=True)
            a_par, b_par = cp.Parameter(a.shape), cp.Parameter(b.shape)
            c_par = cp.Parameter(n_var, nonneg=True)
            prob = cp.Problem(cp.Minimize(c_par @ x), [a_par @ x >= b_par, x[_PHI] <= 1.0])
        c, const = objective(problem, np.array([t]))
        a_par.value, b_par.value, c_par.value = a, b, c[:, 0]  # type: ignore[union-attr]
        prob.solve(solver=cp.CLARABEL)
        if prob.status not in ("optimal", "optimal_inaccurate") or x.value is None:  # type: ignore[union-attr]
            continue
        cost = float(prob.value) + float(const[0])
        if best is None or cost < best[2]:
            best = (int(t), np.asarray(x.value, dtype=float), cost)  # type: ignore[union-attr]
    if best is None:
        raise infeasible(problem)
    return best


def solve_linprog(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """Same robust LP with ``scipy.optimize.linprog`` (HiGHS) at each T."""
    from scipy.optimize import linprog

    bounds: list[tuple[float, float | None]] = [(0.0, None)] * len(Var)
    bounds[_PHI] = (0.0, 1.0)
    best: tuple[int, F, float] | None = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        a, b, ok, _ = full_rows(problem, int(t))
        if not ok:
            continue
        c, const = objective(problem, np.array([t]))
        res = linprog(c[:, 0], A_ub=-a, b_ub=-b, bounds=bounds, method="highs")
        if res.status != 0:
            continue
        cost = float(res.fun) + float(const[0])
        if best is None or cost < best[2]:
            best = (int(t), np.asarray(res.x, dtype=float), cost)
    if best is None:
        raise infeasible(problem)
    return best
