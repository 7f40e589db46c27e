"""Robust parameter design: minimise locked-capital + delay cost subject to every
deterrence constraint at every vertex of the uncertainty box (docs/economics.md,
'Design problem' and 'Robust design').

This module is the entry point; it holds no logic of its own and re-exports:

* from :mod:`mechanism.economics.constraints`: the named columns (:class:`Var`,
  :data:`VARIABLES`) and rows (:class:`Row`, :data:`BASE_CONSTRAINTS`,
  :data:`CONSTRAINTS`), :class:`DesignProblem` / :func:`make_problem`,
  :class:`DesignResult` and the row builders (:func:`constraint_matrix`, :func:`rhs`,
  :func:`bribery_rows`, :func:`sybil_row`, :func:`sybil_rhs`, :func:`full_rows`,
  :func:`objective`, :func:`period_grid`, :func:`min_effective_blocks`,
  :func:`censor_prob`, :func:`infeasible`);
* the three solvers that cross-check each other (docs/economics.md, 'Solvers'):
  :func:`solve_closed_form` (:mod:`mechanism.economics.optimum`, exact optimum from the
  LP's structure -- used by ``orfl recommend``), :func:`solve_cvxpy` (the robust LP per
  T with every vertex row, cvxpy + Clarabel) and :func:`solve_linprog` (same LP, scipy
  HiGHS), both in :mod:`mechanism.economics.solvers`.
  :func:`~mechanism.economics.bruteforce.brute_force` searches a zooming grid using only
  the payoff functions of :mod:`mechanism.economics.attacks`.

Decision variables per assertion: sequencer bond B_s, challenger reward ``R = alpha B_s``
(the reward share alpha is recovered as R / B_s, which makes the self-challenge
constraint linear), challenger bond B_c, trainer stake S_t, forced-error (jackpot) rate
phi and a non-refundable (burned) trainer registration fee c_reg; plus the challenge
period T, over a grid of integer blocks. The rows, their formulas and sources are listed
in :mod:`mechanism.economics.constraints` and docs/economics.md.

Departures (honest list): the deterrence row fixes P_s at the target instead of letting
the optimiser trade a higher jackpot rate for a lower P_s (a conservative restriction:
the brute force optimises phi jointly and can only be cheaper); the sequencer is
assumed able to front-run honest challengers with a self-challenge, so its penalty when
caught is ``(1 - alpha) B_s`` (docs/economics.md, 'Self-challenge') rather than B_s
('Sequencer deterrence'); but a defector from a bribe is assumed to collect its reward
('Bribery'). The bribery rows are built at ``v(phi*(T))``, phi fixed at its lower bound
(the jackpot row), a restriction the brute force shares.
"""

from __future__ import annotations

from mechanism.economics.constraints import (
    BASE_CONSTRAINTS,
    CONSTRAINTS,
    DENSE_OFFSETS,
    TAIL_POINTS,
    VARIABLES,
    BriberyRows,
    DesignProblem,
    DesignResult,
    Row,
    Var,
    bribery_rows,
    censor_prob,
    constraint_matrix,
    full_rows,
    infeasible,
    make_problem,
    min_effective_blocks,
    objective,
    period_grid,
    rhs,
    sybil_rhs,
    sybil_row,
)
from mechanism.economics.optimum import solve_closed_form
from mechanism.economics.solvers import solve_cvxpy, solve_linprog

__all__ = [
    "BASE_CONSTRAINTS",
    "CONSTRAINTS",
    "DENSE_OFFSETS",
    "TAIL_POINTS",
    "VARIABLES",
    "BriberyRows",
    "DesignProblem",
    "DesignResult",
    "Row",
    "Var",
    "bribery_rows",
    "censor_prob",
    "constraint_matrix",
    "full_rows",
    "infeasible",
    "make_problem",
    "min_effective_blocks",
    "objective",
    "period_grid",
    "rhs",
    "solve_closed_form",
    "solve_cvxpy",
    "solve_linprog",
    "sybil_rhs",
    "sybil_row",
]
