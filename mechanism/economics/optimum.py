"""Exact optimum of the robust design LP (:mod:`mechanism.economics.constraints`) by its structure.

Contents: :func:`solve_closed_form` (the solver ``orfl recommend`` uses) and its
building block :func:`min_sequencer_bond`; docs/economics.md, 'Solvers'.

For a fixed period T the LP splits into independent pieces, each solved exactly and
vectorised over the T grid:

* ``B_c = max(b_resource, b_griefing)`` (its rows involve nothing else; raising B_c only
  raises the reward's lower bounds, and it has a positive cost);
* ``phi = max_w b_jackpot`` (its only row; the bribery rows are built at ``v(phi)``);
* ``(S_t, c_reg)``: ``S_t >= b_slash / alpha_t`` and ``r t_lock S_t + c_reg >= G_p / k_s``;
  the cheaper lever per ETH of attacker cost covers the Sybil bound (ties: the fee);
* ``(B_s, R)``: minimise B_s (R has no cost) subject to the fraud-deterrence, resource,
  reward-cap and bribery lines ``A_l B_s + b_l R >= C_l`` and ``R >= R_lo``. The smallest
  B_s at a given R is ``g(R) = max_l (C_l - b_l R) / A_l``, convex and piecewise linear in
  R, so its minimiser is where the active line's slope changes sign: bisection on that
  sign, finished exactly at the intersection of the two active lines.

Over T the cost is searched exactly but lazily: a relaxation without the bribery lines
gives a lower bound at every T, and the exact (B_s, R) piece is computed only for periods
whose lower bound beats the best exact cost found so far (in order of the bound).

The binding constraint reported for alpha is the family of the row most violated when
alpha alone shrinks by 20 %; for B_s it is the line that sets B_s at the optimal reward
(and, when that is the reward-share cap, whatever binds the reward).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mechanism import units
from mechanism.economics import period as per
from mechanism.economics.constraints import (
    BRIBERY,
    CENSORSHIP_BOUND,
    COST_TRADEOFF,
    NOT_NEEDED,
    STUFFING_BOUND,
    SYBIL_POISONING,
    BriberyRows,
    DesignProblem,
    DesignResult,
    Row,
    Var,
    bribery_rows,
    infeasible,
    min_effective_blocks,
    objective,
    period_grid,
    rhs,
    sybil_rhs,
)

__all__ = ["BISECTIONS", "CHUNK", "min_sequencer_bond", "solve_closed_form"]

F = NDArray[np.float64]
BISECTIONS = 64
CHUNK = 32
_ZERO = 1e-12
#: The (B_s, R) lines with one row for all vertices, in the order :func:`_lines` stacks
#: them before the bribery lines.
_SEQ_LINES = (Row.fraud_deterrence.name, Row.resource_ratio_sequencer.name, Row.reward_share_cap.name)
#: Rows that can set B_s or R without a vertex of their own, by family name.
_SEQ_ROWS = {r.name: r for r in (Row.fraud_deterrence, Row.resource_ratio_sequencer, Row.reward_share_cap,
                                 Row.challenger_compensation)}


def _lines(problem: DesignProblem, env: F, br: BriberyRows, b_c: F) -> tuple[F, F, F, list[str], NDArray[np.int64]]:
    """Lines ``A B_s + b R >= C`` over T: (A, b, C) of shape (L, nT), family, vertex."""
    n_t = env.shape[1]
    m, n_v = br.a_bs.shape[:2]
    one = np.ones(n_t)
    a = np.vstack([one, one, problem.inputs.max_reward_share * one, br.a_bs.reshape(m * n_v, n_t)])
    b = np.vstack([-one, 0 * one, -one, br.a_r.reshape(m * n_v, n_t)])
    c = np.vstack([env[Row.fraud_deterrence], env[Row.resource_ratio_sequencer], 0 * one,
                   (br.rhs - br.a_bc * b_c[None, None, :]).reshape(m * n_v, n_t)])
    fam = [*_SEQ_LINES, *[BRIBERY] * (m * n_v)]
    vert = np.concatenate([[-1] * len(_SEQ_LINES), np.tile(np.arange(n_v), m)])
    return a, b, c, fam, vert


def min_sequencer_bond(a: F, b: F, c: F, r_lo: F, alpha_max: float) -> tuple[F, F, NDArray[np.bool_]]:
    """Minimise B_s over (B_s, R) subject to the lines and ``R >= r_lo``, per column.

    Returns (B_s*, R*, feasible). Lines with ``A ~ 0`` constrain R alone.
    """
    zero = a <= _ZERO
    with np.errstate(divide="ignore", invalid="ignore"):
        r_need = np.where(zero & (b > 0), c / np.where(b > 0, b, 1.0), -np.inf)
    feas = ~np.any(zero & (b <= 0) & (c > _ZERO), axis=0)
    r_lo = np.maximum(r_lo, r_need.max(axis=0))
    a_eff = np.where(zero, 1.0, a)
    slope = np.where(zero, 0.0, -b / a_eff)
    icpt = np.where(zero, -np.inf, c / a_eff)
    cols = np.arange(a.shape[1])

    def g(r: F) -> F:
        return np.asarray((icpt + slope * r[None, :]).max(axis=0), dtype=float)

    lo, hi = r_lo.copy(), np.maximum(r_lo, alpha_max * g(r_lo))
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        up = slope[np.argmax(icpt + slope * mid[None, :], axis=0), cols] > 0
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    l1 = np.argmax(icpt + slope * lo[None, :], axis=0)
    l2 = np.argmax(icpt + slope * hi[None, :], axis=0)
    ds = slope[l1, cols] - slope[l2, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(ds != 0, (icpt[l2, cols] - icpt[l1, cols]) / np.where(ds != 0, ds, 1.0), lo)
    cands = np.stack([lo, hi, np.clip(x, lo, hi)])
    vals = np.stack([g(r) for r in cands])
    j = np.argmin(vals, axis=0)
    return vals[j, cols], cands[j, cols], feas


def _binding(a: F, b: F, c: F, fam: list[str], vert: NDArray[np.int64], bs: float, r: float) -> tuple[str, int]:
    """Family (and vertex index) of the line most violated at (bs, r); :data:`COST_TRADEOFF` if none."""
    viol = (c - a * bs - b * r) / np.maximum(np.abs(c) + np.abs(a * bs) + np.abs(b * r), 1e-18)
    i = int(np.argmax(viol))
    return (fam[i], int(vert[i])) if viol[i] > 1e-9 else (COST_TRADEOFF, -1)


def solve_closed_form(problem: DesignProblem, periods_blocks: NDArray[np.int64] | None = None) -> DesignResult:
    """Exact optimum of the robust LP over the period grid (module docstring)."""
    grid = period_grid(problem) if periods_blocks is None else np.asarray(periods_blocks, dtype=np.int64)
    if grid.size == 0:
        raise infeasible(problem)
    vx = problem.vertices()
    i = problem.inputs
    b, ok, v_t = rhs(problem, grid, vx)
    feas: NDArray[np.bool_] = np.asarray(ok.all(axis=0), dtype=bool)
    if not feas.any():
        raise infeasible(problem)
    env, arg = b.max(axis=1), b.argmax(axis=1)
    r, t_d = i.interest_rate_per_year, problem.dispute_years
    b_c = np.maximum(env[Row.resource_ratio_challenger], env[Row.griefing])
    r_cc = np.maximum(env[Row.challenger_compensation] + r * t_d * b_c, 0.0)
    phi = np.where(feas, env[Row.jackpot_verification], 0.0)
    c, const = objective(problem, grid)
    # Trainer stake and registration fee.
    lock = r * problem.lock_years
    s_min = max(float(np.max(env[Row.trainer_slash_incentive])), 0.0) / i.trainer_reward_share
    need = float(np.max(sybil_rhs(problem, vx)))
    if c[Var.registration_fee_eth, 0] * lock <= c[Var.trainer_stake_eth, 0]:
        s_t, fee = s_min, max(need - lock * s_min, 0.0)
    else:
        s_t, fee = max(s_min, need / lock), 0.0
    # (B_s, R): lower bound everywhere, exact where the bound can still win.
    br = bribery_rows(problem, grid, vx, phi)
    a_l, b_l, c_l, fam, vert = _lines(problem, env, br, b_c)
    zero = a_l <= _ZERO
    with np.errstate(divide="ignore", invalid="ignore"):
        r_only = np.where(zero & (b_l > 0), c_l / np.where(b_l > 0, b_l, 1.0), -np.inf).max(axis=0)
    r_lb = np.maximum(r_cc, r_only)
    bs_lb = np.maximum.reduce([env[Row.resource_ratio_sequencer], r_lb + env[Row.fraud_deterrence],
                               r_lb / i.max_reward_share])
    rest = (c[Var.challenger_bond_eth] * b_c + c[Var.trainer_stake_eth] * s_t + c[Var.jackpot_rate] * phi
            + c[Var.registration_fee_eth] * fee + const)
    lower = np.where(feas, c[Var.sequencer_bond_eth] * bs_lb + rest, np.inf)
    bs, rw = np.full(grid.size, np.nan), np.full(grid.size, np.nan)
    cost = np.full(grid.size, np.inf)
    order = np.argsort(lower, kind="stable")
    pos = 0
    while pos < order.size and lower[order[pos]] < np.min(cost):
        idx = order[pos:pos + CHUNK]
        got_bs, got_r, ok_l = min_sequencer_bond(a_l[:, idx], b_l[:, idx], c_l[:, idx], r_cc[idx], i.max_reward_share)
        bs[idx], rw[idx] = got_bs, got_r
        cost[idx] = np.where(np.asarray(ok_l) & feas[idx], c[Var.sequencer_bond_eth, idx] * got_bs + rest[idx],
                             np.inf)
        pos += CHUNK
    if not np.isfinite(cost).any():
        raise infeasible(problem)
    k = int(np.argmin(cost))
    t_star, t_min = int(grid[k]), int(grid[int(np.argmax(feas))])

    # Why each value is what it is.
    a_k, b_k = np.append(a_l[:, k], 0.0), np.append(b_l[:, k], 1.0)
    c_k = np.append(c_l[:, k], r_cc[k])
    fam_k = [*fam, Row.challenger_compensation.name]
    vert_k = np.append(vert, int(arg[Row.challenger_compensation, k]))
    rew_b, rew_v = _binding(a_k, b_k, c_k, fam_k, vert_k, bs[k], 0.8 * rw[k])
    # B_s: the line that sets it at R* (the active line of g); through the reward cap it is R's.
    lead = a_l[:, k] > _ZERO
    with np.errstate(divide="ignore", invalid="ignore"):
        need_bs = np.where(lead, (c_l[:, k] - b_l[:, k] * rw[k]) / np.where(lead, a_l[:, k], 1.0), -np.inf)
    act = int(np.argmax(need_bs))
    if fam[act] == Row.reward_share_cap.name:
        seq_b, seq_v = rew_b, rew_v
    else:
        seq_b, seq_v = fam[act], int(vert[act])
    gain_w = int(np.argmax(vx.gain_eth))
    # A row of the sequencer's lines (or the reward's) without a vertex of its own: the
    # vertex where its right-hand side is largest (resource ratio for a cost trade-off).
    seq_row = _SEQ_ROWS.get(seq_b, Row.resource_ratio_sequencer)
    seq_w = seq_v if seq_v >= 0 else int(arg[seq_row, k])
    rew_w = rew_v if rew_v >= 0 else int(arg[Row.challenger_compensation, k])
    bc_row = Row.resource_ratio_challenger if env[Row.resource_ratio_challenger, k] >= env[Row.griefing, k] \
        else Row.griefing
    st_row = Row.trainer_slash_incentive if s_t <= s_min * (1 + 1e-12) else None
    binding = {
        Var.sequencer_bond_eth.name: seq_b, Var.reward_eth.name: rew_b,
        Var.challenger_bond_eth.name: bc_row.name,
        Var.trainer_stake_eth.name: st_row.name if st_row is not None else SYBIL_POISONING,
        Var.jackpot_rate.name: Row.jackpot_verification.name,
        Var.registration_fee_eth.name: SYBIL_POISONING if fee > 0 else NOT_NEEDED,
    }
    worst = {
        Var.sequencer_bond_eth.name: vx.vertex(seq_w), Var.reward_eth.name: vx.vertex(rew_w),
        Var.challenger_bond_eth.name: vx.vertex(int(arg[bc_row, k])),
        Var.trainer_stake_eth.name: vx.vertex(int(arg[st_row, k]) if st_row is not None else gain_w),
        Var.jackpot_rate.name: vx.vertex(int(arg[Row.jackpot_verification, k])),
        Var.registration_fee_eth.name: vx.vertex(gain_w),
    }
    cens, stuff = min_effective_blocks(problem, vx)
    if t_star > t_min:
        binding["challenge_period_blocks"] = COST_TRADEOFF
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(b[Row.jackpot_verification, :, k])))
    elif np.max(cens) >= np.max(stuff):
        binding["challenge_period_blocks"] = CENSORSHIP_BOUND
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(cens)))
    else:
        binding["challenge_period_blocks"] = STUFFING_BOUND
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(stuff)))
    comps = {
        "sequencer_bond_capital_eth": float(c[Var.sequencer_bond_eth, k] * bs[k]),
        "challenger_bond_capital_eth": float(c[Var.challenger_bond_eth, k] * b_c[k]),
        "trainer_stake_capital_eth": float(c[Var.trainer_stake_eth, k] * s_t),
        "jackpot_eth": float(c[Var.jackpot_rate, k] * phi[k]),
        "registration_fee_eth": float(c[Var.registration_fee_eth, k] * fee),
        "finality_delay_eth": float(const[k]),
    }
    bd = per.PeriodBreakdown(problem.detect_blocks, problem.dispute_blocks,
                             t_star - problem.fixed_blocks, problem.buffer_blocks)
    return DesignResult(
        period_blocks=t_star, sequencer_bond_eth=float(bs[k]), reward_eth=float(rw[k]),
        challenger_bond_eth=float(b_c[k]), trainer_stake_eth=float(s_t), jackpot_rate=float(phi[k]),
        cost_eth_per_assertion=float(cost[k]), cost_components_eth=comps, binding=binding, worst_vertex=worst,
        target_verify_prob=float(np.max(v_t[:, k])), min_feasible_period_blocks=t_min, breakdown=bd,
        registration_fee_eth=float(fee),
        extra={"years": float(units.blocks_to_years(t_star)), "rate": r, "dispute_years": t_d,
               "induced_verify_prob_min": float(np.min(br.verify_prob[:, k])),
               "sybil_identities": float(problem.sybil_identities), "tolerance": problem.tolerance},
    )
