"""Robust parameter design: minimise locked-capital + delay cost subject to every
deterrence constraint at every vertex of the uncertainty box (ECONOMICS.md §6).

Decision variables, per assertion (:data:`VARIABLES`): sequencer bond B_s, challenger
reward ``R = alpha B_s`` (the reward share alpha is recovered as R / B_s, which makes the
self-challenge constraint linear), challenger bond B_c, trainer stake S_t and forced-error
(jackpot) rate phi; plus the challenge period T, over a grid of integer blocks.

For a fixed T every constraint is linear (:data:`CONSTRAINTS`, rows ``A x >= b_w(T)`` for
each vertex w):

===========================  ==============================================  ==========
constraint                   row                                             source
===========================  ==============================================  ==========
fraud_deterrence             ``B_s - R >= G eps / (1 - eps)``                §2 + self-challenge
resource_ratio_sequencer     ``B_s >= rho c_d``                              §4, BoLD
reward_share_cap             ``alpha_max B_s - R >= 0``                      §4 self-challenge
challenger_compensation      ``R - r t_d B_c >= c_d``                        §3 participation
resource_ratio_challenger    ``B_c >= rho c_d``                              §4, BoLD
griefing                     ``B_c >= c_d + V r t_d``                        §4 griefing
trainer_slash_incentive      ``alpha_t S_t >= c_d + c_v``                    DESIGN.md step 5
jackpot_verification         ``phi >= c_v / ((1-Q)(J - c_claim) s(v_t))``    §3, TrueBit
===========================  ==============================================  ==========

where ``Q = q**T'`` (T' = T minus detection, dispute and buffer blocks), and the target
verification rate ``v_t = 1 - ((eps - Q) / (1 - Q))**(1/m)`` makes the fraud success
probability ``P_s(v_t) = eps`` exactly (ECONOMICS.md §1); T is feasible at a vertex only
if ``Q <= eps`` and stuffing T' blocks costs more than G (EIP-1559). The objective is
``r T (B_s + B_c) + r n S_t / rounds_per_year + phi J + r V T`` at the nominal point
(bonds locked for the period, one challenger keeping a bond liquid, trainers' stake
locked between rounds, jackpots, the users' cost of waiting).

Departures (honest list): the deterrence row fixes P_s at the target instead of letting
the optimiser trade a higher jackpot rate for a lower P_s (a conservative restriction:
the brute force below optimises phi jointly and can only be cheaper); the sequencer is
assumed able to front-run honest challengers with a self-challenge, so its penalty when
caught is ``(1 - alpha) B_s`` (ECONOMICS.md §4) rather than B_s (§2).

Three solvers: :func:`solve_closed_form` (the LP is separable, so its optimum has a
closed form -- vectorised over the whole T grid; used by the CLI), :func:`solve_cvxpy`
(the robust LP per T with every vertex row, cvxpy + Clarabel) and :func:`solve_linprog`
(same LP, scipy HiGHS); :func:`brute_force` searches a zooming grid using only the payoff
functions of :mod:`mechanism.economics.attacks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mechanism.economics import period as per
from mechanism.economics import units
from mechanism.economics.payoffs import censorship_probability
from mechanism.economics.remedies import min_jackpot_rate
from mechanism.economics.scenario import DesignInputs, Vertices, box_vertices, download_seconds
from mechanism.economics.workload import dispute_moves_per_side
from mechanism.errors import InfeasibleError

F = NDArray[np.float64]

VARIABLES = ("sequencer_bond_eth", "reward_eth", "challenger_bond_eth", "trainer_stake_eth", "jackpot_rate")
CONSTRAINTS = (
    "fraud_deterrence",
    "resource_ratio_sequencer",
    "reward_share_cap",
    "challenger_compensation",
    "resource_ratio_challenger",
    "griefing",
    "trainer_slash_incentive",
    "jackpot_verification",
)
#: Extra T' offsets searched above the smallest feasible T' (integers), then a geometric tail.
DENSE_OFFSETS = 2000
TAIL_POINTS = 120


@dataclass(frozen=True)
class DesignProblem:
    """One design problem: inputs, the dispute cost model and the derived fixed times."""

    inputs: DesignInputs
    dispute_gas_per_side: float
    moves_per_side: int
    detect_blocks: int
    dispute_blocks: int
    buffer_blocks: int

    @property
    def fixed_blocks(self) -> int:
        return self.detect_blocks + self.dispute_blocks + self.buffer_blocks

    @property
    def dispute_years(self) -> float:
        return self.dispute_blocks / units.BLOCKS_PER_YEAR

    @property
    def max_period_blocks(self) -> int:
        return int(self.inputs.max_period_hours * units.BLOCKS_PER_HOUR)

    def vertices(self) -> Vertices:
        return box_vertices(self.inputs, self.dispute_gas_per_side)

    def nominal(self) -> Vertices:
        return box_vertices(self.inputs, self.dispute_gas_per_side, nominal=True)


def make_problem(inputs: DesignInputs, dispute_gas_per_side: float) -> DesignProblem:
    """Derive the fixed period components (detection, dispute, buffer) from the inputs."""
    moves = dispute_moves_per_side(inputs.trainers, inputs.model_size)
    return DesignProblem(
        inputs=inputs,
        dispute_gas_per_side=float(dispute_gas_per_side),
        moves_per_side=moves,
        detect_blocks=per.detection_blocks(inputs.reexec_seconds, download_seconds(inputs)),
        dispute_blocks=per.dispute_blocks(moves, units.hours_to_blocks(inputs.move_clock_hours)),
        buffer_blocks=units.hours_to_blocks(inputs.response_buffer_hours),
    )


def constraint_matrix(problem: DesignProblem) -> F:
    """The 8 x 5 matrix A of ``A x >= b`` (rows :data:`CONSTRAINTS`, columns :data:`VARIABLES`)."""
    i = problem.inputs
    a = np.zeros((len(CONSTRAINTS), len(VARIABLES)))
    a[0, 0], a[0, 1] = 1.0, -1.0
    a[1, 0] = 1.0
    a[2, 0], a[2, 1] = i.max_reward_share, -1.0
    a[3, 1], a[3, 2] = 1.0, -i.interest_rate_per_year * problem.dispute_years
    a[4, 2] = 1.0
    a[5, 2] = 1.0
    a[6, 3] = i.trainer_reward_share
    a[7, 4] = 1.0
    return a


def min_effective_blocks(problem: DesignProblem, vx: Vertices | None = None) -> tuple[F, F]:
    """Per vertex: smallest T' with ``q**T' <= eps`` and smallest T' that stuffing cannot buy."""
    v = vx if vx is not None else problem.vertices()
    i = problem.inputs
    cens = per.censorship_blocks(i.target_fraud_probability, v.censor_fraction)
    stuff = per.stuffing_blocks(v.gain_eth, v.gas_price_gwei, i.block_gas_limit)
    return cens, stuff


def period_grid(problem: DesignProblem) -> NDArray[np.int64]:
    """Candidate periods T (blocks): every integer T' from the smallest feasible one up to
    +DENSE_OFFSETS, then a geometric tail up to the maximum period."""
    cens, stuff = min_effective_blocks(problem)
    t_min = int(max(np.max(cens), np.max(stuff)))
    t_max = problem.max_period_blocks - problem.fixed_blocks
    if t_min > t_max:
        return np.zeros(0, dtype=np.int64)
    dense = np.arange(t_min, min(t_max, t_min + DENSE_OFFSETS) + 1)
    tail = np.unique(np.geomspace(max(dense[-1], 1), max(t_max, 1), TAIL_POINTS).astype(np.int64))
    return np.unique(np.concatenate([dense, tail])) + problem.fixed_blocks


def rhs(problem: DesignProblem, periods_blocks: NDArray[np.int64], vx: Vertices | None = None) -> tuple[F, NDArray[np.bool_], F]:
    """Right-hand sides ``b[row, vertex, T]``, feasibility ``ok[vertex, T]`` and ``v_t[vertex, T]``."""
    v = vx if vx is not None else problem.vertices()
    i = problem.inputs
    eps = i.target_fraud_probability
    t_eff = np.asarray(periods_blocks, dtype=float)[None, :] - problem.fixed_blocks
    q = v.censor_fraction[:, None]
    big_q = censorship_probability(q, t_eff)
    cens, stuff = min_effective_blocks(problem, v)
    ok = (big_q <= eps) & (t_eff >= stuff[:, None]) & (t_eff >= cens[:, None]) & (t_eff >= 1)
    ratio = np.clip((eps - big_q) / (1.0 - big_q), 0.0, 1.0)
    v_t = 1.0 - np.power(ratio, 1.0 / i.challengers)
    n_v, n_t = big_q.shape
    b = np.empty((len(CONSTRAINTS), n_v, n_t))
    col = lambda x: np.broadcast_to(np.asarray(x, dtype=float)[:, None], (n_v, n_t))  # noqa: E731
    b[0] = col(v.gain_eth * eps / (1.0 - eps))
    b[1] = col(i.resource_ratio * v.dispute_cost_eth)
    b[2] = 0.0
    b[3] = col(v.dispute_cost_eth)
    b[4] = col(i.resource_ratio * v.dispute_cost_eth)
    b[5] = col(v.dispute_cost_eth + v.gain_eth * i.interest_rate_per_year * problem.dispute_years)
    b[6] = col(v.dispute_cost_eth + v.verify_cost_eth)
    b[7] = min_jackpot_rate(v.verify_cost_eth[:, None], i.jackpot_eth, v.claim_cost_eth[:, None], big_q, v_t,
                            i.challengers)
    ok &= np.isfinite(b[7]) & (b[7] <= 1.0)
    return b, ok, v_t


def objective(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[F, F]:
    """Cost coefficients ``c[var, T]`` and constant ``k[T]`` (ETH per assertion, nominal)."""
    i = problem.inputs
    nom = problem.nominal()
    years = units.blocks_to_years(periods_blocks)
    r = i.interest_rate_per_year
    c = np.zeros((len(VARIABLES), years.size))
    c[0] = r * years
    c[2] = r * years
    c[3] = i.trainers * r / (i.rounds_per_day * 365.25)
    c[4] = i.jackpot_eth
    const = float(nom.gain_eth[0]) * r * years
    return c, const


@dataclass(frozen=True)
class DesignResult:
    """The optimum of one design problem (native units) and why each value is what it is."""

    period_blocks: int
    sequencer_bond_eth: float
    reward_eth: float
    challenger_bond_eth: float
    trainer_stake_eth: float
    jackpot_rate: float
    cost_eth_per_assertion: float
    cost_components_eth: dict[str, float]
    binding: dict[str, str]
    worst_vertex: dict[str, dict[str, float]]
    target_verify_prob: float
    min_feasible_period_blocks: int
    breakdown: per.PeriodBreakdown
    solver: str = "closed-form"
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def reward_share(self) -> float:
        return self.reward_eth / self.sequencer_bond_eth if self.sequencer_bond_eth > 0 else 0.0

    def vector(self) -> F:
        return np.array([self.sequencer_bond_eth, self.reward_eth, self.challenger_bond_eth,
                         self.trainer_stake_eth, self.jackpot_rate])


def _infeasible(problem: DesignProblem) -> InfeasibleError:
    """Explain which constraints conflict when no period in the grid is feasible."""
    i = problem.inputs
    v = problem.vertices()
    cens, stuff = min_effective_blocks(problem, v)
    need = int(max(np.max(cens), np.max(stuff)))
    parts: list[str] = []
    if problem.fixed_blocks + need > problem.max_period_blocks:
        wc, ws = int(np.argmax(cens)), int(np.argmax(stuff))
        parts.append(
            f"max_period_hours={i.max_period_hours:g} allows {problem.max_period_blocks} blocks but detection "
            f"({problem.detect_blocks}) + dispute ({problem.dispute_blocks}) + response buffer ({problem.buffer_blocks}) "
            f"+ censorship window ({need}: q^T'<=eps needs {int(cens[wc])} at q={v.censor_fraction[wc]:g}, "
            f"EIP-1559 stuffing needs {int(stuff[ws])} at gain {v.gain_eth[ws]:.4g} ETH, "
            f"gas {v.gas_price_gwei[ws]:g} gwei) = {problem.fixed_blocks + need} blocks")
    net = i.jackpot_eth - v.claim_cost_eth
    if np.any(net <= 0):
        w = int(np.argmin(net))
        parts.append(f"jackpot_eth={i.jackpot_eth:g} does not cover the jackpot claim transaction "
                     f"({v.claim_cost_eth[w]:.4g} ETH at {v.gas_price_gwei[w]:g} gwei), so forced errors cannot pay verifiers")
    elif not parts:
        need_phi = i.challengers * v.verify_cost_eth / net
        w = int(np.argmax(need_phi))
        parts.append(f"verification cost {v.verify_cost_eth[w]:.4g} ETH x {i.challengers} challengers needs a "
                     f"forced-error rate {need_phi[w]:.3g} > 1 with jackpot_eth={i.jackpot_eth:g}")
    return InfeasibleError("; ".join(parts) + " (conflicting constraints)")


def solve_closed_form(problem: DesignProblem, periods_blocks: NDArray[np.int64] | None = None) -> DesignResult:
    """Exact optimum of the robust LP over the period grid, using its separable structure.

    For fixed T: ``B_c = max(b_5, b_6)``, ``R = b_4 + r t_d B_c``,
    ``B_s = max(b_2, R + b_1, R / alpha_max)``, ``S_t = b_7 / alpha_t``, ``phi = b_8`` with
    every b the maximum over the vertices (the rows of A do not depend on the vertex);
    each variable sits at its largest lower bound because every objective coefficient is
    >= 0 and raising R or B_c only raises the others' bounds.
    """
    grid = period_grid(problem) if periods_blocks is None else np.asarray(periods_blocks, dtype=np.int64)
    if grid.size == 0:
        raise _infeasible(problem)
    vx = problem.vertices()
    b, ok, v_t = rhs(problem, grid, vx)
    feas = ok.all(axis=0)
    if not feas.any():
        raise _infeasible(problem)
    env = b.max(axis=1)  # (rows, T)
    arg = b.argmax(axis=1)
    i = problem.inputs
    b_c = np.maximum(env[4], env[5])
    reward = np.maximum(env[3] + i.interest_rate_per_year * problem.dispute_years * b_c, 0.0)
    cands = np.stack([env[1], reward + env[0], reward / i.max_reward_share, np.zeros_like(reward)])
    b_s = cands.max(axis=0)
    s_t = np.maximum(env[6], 0.0) / i.trainer_reward_share
    phi = env[7]
    x = np.stack([b_s, reward, b_c, s_t, phi])
    c, const = objective(problem, grid)
    cost = (c * x).sum(axis=0) + const
    cost = np.where(feas, cost, np.inf)
    k = int(np.argmin(cost))
    t_star = int(grid[k])
    t_min = int(grid[int(np.argmax(feas))])

    names = {
        "challenger_bond_eth": ("resource_ratio_challenger", 4) if env[4, k] >= env[5, k] else ("griefing", 5),
        "reward_eth": ("challenger_compensation", 3),
        "trainer_stake_eth": ("trainer_slash_incentive", 6),
        "jackpot_rate": ("jackpot_verification", 7),
    }
    j = int(np.argmax(cands[:3, k]))
    names["sequencer_bond_eth"] = [("resource_ratio_sequencer", 1), ("fraud_deterrence", 0), ("reward_share_cap", 2)][j]
    binding = {var: nm for var, (nm, _) in names.items()}
    worst = {var: vx.vertex(int(arg[row, k])) for var, (_, row) in names.items()}
    cens, stuff = min_effective_blocks(problem, vx)
    if t_star > t_min:
        binding["challenge_period_blocks"] = "cost_tradeoff"
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(b[7, :, k])))
    elif np.max(cens) >= np.max(stuff):
        binding["challenge_period_blocks"] = "censorship_bound"
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(cens)))
    else:
        binding["challenge_period_blocks"] = "stuffing_bound"
        worst["challenge_period_blocks"] = vx.vertex(int(np.argmax(stuff)))
    years = float(units.blocks_to_years(t_star))
    r = i.interest_rate_per_year
    comps = {
        "sequencer_bond_capital_eth": float(c[0, k] * b_s[k]),
        "challenger_bond_capital_eth": float(c[2, k] * b_c[k]),
        "trainer_stake_capital_eth": float(c[3, k] * s_t[k]),
        "jackpot_eth": float(c[4, k] * phi[k]),
        "finality_delay_eth": float(const[k]),
    }
    bd = per.PeriodBreakdown(problem.detect_blocks, problem.dispute_blocks,
                             t_star - problem.fixed_blocks, problem.buffer_blocks)
    return DesignResult(
        period_blocks=t_star, sequencer_bond_eth=float(b_s[k]), reward_eth=float(reward[k]),
        challenger_bond_eth=float(b_c[k]), trainer_stake_eth=float(s_t[k]), jackpot_rate=float(phi[k]),
        cost_eth_per_assertion=float(cost[k]), cost_components_eth=comps, binding=binding, worst_vertex=worst,
        target_verify_prob=float(np.max(v_t[:, k])), min_feasible_period_blocks=t_min, breakdown=bd,
        extra={"years": years, "rate": r},
    )


def _full_rows(problem: DesignProblem, period_blocks: int) -> tuple[F, F, F, float, bool]:
    """Every vertex's rows for one T: (A_full, b_full, c, const, feasible)."""
    a = constraint_matrix(problem)
    b, ok, _ = rhs(problem, np.array([period_blocks]))
    n_v = b.shape[1]
    a_full = np.tile(a, (n_v, 1))
    b_full = b[:, :, 0].T.reshape(-1)  # vertex-major, matching np.tile
    c, const = objective(problem, np.array([period_blocks]))
    return a_full, b_full, c[:, 0], float(const[0]), bool(ok.all())


def solve_cvxpy(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """Solve the robust LP with cvxpy (Clarabel) at each T; return (T*, x*, cost*).

    One parametrised problem (DPP) is compiled once and re-solved per T with new b and c.
    """
    import cvxpy as cp

    a = constraint_matrix(problem)
    n_v = len(problem.vertices())
    x = cp.Variable(len(VARIABLES), nonneg=True)
    b_par = cp.Parameter(len(CONSTRAINTS) * n_v)
    c_par = cp.Parameter(len(VARIABLES), nonneg=True)
    prob = cp.Problem(cp.Minimize(c_par @ x), [np.tile(a, (n_v, 1)) @ x >= b_par, x[4] <= 1.0])
    best: tuple[int, F, float] | None = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        _, b_full, c, const, ok = _full_rows(problem, int(t))
        if not ok:
            continue
        b_par.value, c_par.value = b_full, c
        prob.solve(solver=cp.CLARABEL)
        if prob.status not in ("optimal", "optimal_inaccurate") or x.value is None:
            continue
        cost = float(prob.value) + const
        if best is None or cost < best[2]:
            best = (int(t), np.asarray(x.value, dtype=float), cost)
    if best is None:
        raise _infeasible(problem)
    return best


def solve_linprog(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """Same robust LP with ``scipy.optimize.linprog`` (HiGHS) at each T."""
    from scipy.optimize import linprog

    best: tuple[int, F, float] | None = None
    for t in np.asarray(periods_blocks, dtype=np.int64):
        a_full, b_full, c, const, ok = _full_rows(problem, int(t))
        if not ok:
            continue
        res = linprog(c, A_ub=-a_full, b_ub=-b_full, bounds=[(0, None)] * 4 + [(0, 1)], method="highs")
        if res.status != 0:
            continue
        cost = float(res.fun) + const
        if best is None or cost < best[2]:
            best = (int(t), np.asarray(res.x, dtype=float), cost)
    if best is None:
        raise _infeasible(problem)
    return best
