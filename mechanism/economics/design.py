"""Robust parameter design: minimise locked-capital + delay cost subject to every
deterrence constraint at every vertex of the uncertainty box (ECONOMICS.md §6).

Decision variables, per assertion (:data:`VARIABLES`): sequencer bond B_s, challenger
reward ``R = alpha B_s`` (the reward share alpha is recovered as R / B_s, which makes the
self-challenge constraint linear), challenger bond B_c, trainer stake S_t, forced-error
(jackpot) rate phi and a non-refundable (burned) trainer registration fee c_reg; plus the
challenge period T, over a grid of integer blocks.

For a fixed T every constraint is linear, ``A_w x >= b_w(T)`` for each vertex w
(:data:`CONSTRAINTS`; the first eight rows have the same A at every vertex):

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
bribery (k = 1..m)           ``(1-P_j) B_s + (w_k - (1-P_j)) R - w_k r t_d B_c``
                             ``>= P_j G + w_k c_d + k c_v``                  see below
sybil_poisoning              ``r t_lock S_t + c_reg >= G_p / k_s``           §5, see below
===========================  ==============================================  ==========

where ``Q = q**T'`` (T' = T minus detection, dispute and buffer blocks), and the target
verification rate ``v_t = 1 - ((eps - Q) / (1 - Q))**(1/m)`` makes the fraud success
probability ``P_s(v_t) = eps`` exactly (ECONOMICS.md §1); T is feasible at a vertex only
if ``Q <= eps`` and stuffing T' blocks costs more than G (EIP-1559).

**Bribery** (:func:`mechanism.economics.payoffs.bribery_profit_eth`): the fraud's author
bribes k of the m challengers to stay silent; each bribe must match what a defector
would earn, ``(1 - Q) s_k (R - c_d - r B_c t_d) - c_v``, with ``s_k = E[1/(1+K)]``,
``K ~ Bin(j, v)`` its first-finder share against the ``j = m - k`` un-bribed verifiers,
and the fraud then finalises with ``P_j = (1-v)**j + (1-(1-v)**j) Q``. Writing
``w_k = k (1 - Q) s_k``, "no k pays" is the row above, linear in (B_s, R, B_c) once v is
known. v is what the forced errors induce, ``v = v(phi)`` (:func:`~mechanism.economics.remedies.induced_verify_prob`),
which is not linear in phi: every solver therefore fixes phi at its lower bound
``phi*(T)`` (the jackpot row; phi has a positive cost, so this is where any optimum puts
it) and builds the bribery rows with ``v(phi*(T))``, a restriction the brute force shares.
k = m ("bribe everyone", P_0 = 1) reads ``m [(1 - Q)(R - c_d - r B_c t_d) - c_v] >= G``
(:func:`mechanism.economics.bounds.min_bribery_reward_eth`); k = 0 is fraud_deterrence.

**Sybil poisoning**: inside the validity predicate poisoning is not slashable, so k_s new
identities (:func:`~mechanism.economics.bounds.sybil_identities_needed`: enough to exceed
the rule's tolerance beta, the expected malicious trainers counted as the attacker's)
cost ``k_s (S_t r t_lock + c_reg)``, which must reach the poisoning gain
``G_p = poisoning_gain_share x G``. Stake alone binds only through its capital cost over
the (fixed) lock-up, so the fee c_reg is the lever; the LP trades one for the other: per
ETH of attacker cost the fee costs honest trainers ``n / tenure_rounds`` and the stake
``n / (rounds_per_year t_lock)``, so the fee is cheaper whenever the lock-up is shorter
than a trainer's tenure.

The objective is ``r T (B_s + B_c) + r n S_t / rounds_per_year + phi J
+ n c_reg / tenure_rounds + r V T`` at the nominal point (bonds locked for the period,
one challenger keeping a bond liquid, trainers' stake locked between rounds, jackpots,
registration fees amortised over a trainer's tenure, the users' cost of waiting).

Departures (honest list): the deterrence row fixes P_s at the target instead of letting
the optimiser trade a higher jackpot rate for a lower P_s (a conservative restriction:
the brute force optimises phi jointly and can only be cheaper); the sequencer is
assumed able to front-run honest challengers with a self-challenge, so its penalty when
caught is ``(1 - alpha) B_s`` (ECONOMICS.md §4) rather than B_s (§2); but a defector
from a bribe is assumed to collect its reward (see the bribery assumptions).

Three solvers: :func:`solve_closed_form` (:mod:`mechanism.economics.optimum`: exact
optimum exploiting the LP's structure -- used by the CLI), :func:`solve_cvxpy` (the
robust LP per T with every vertex row, cvxpy + Clarabel) and :func:`solve_linprog` (same
LP, scipy HiGHS), both in :mod:`mechanism.economics.solvers`; :func:`~mechanism.economics.bruteforce.brute_force`
searches a zooming grid using only the payoff functions of :mod:`mechanism.economics.attacks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mechanism import units
from mechanism.economics import period as per
from mechanism.economics.bounds import sybil_identities_needed
from mechanism.economics.payoffs import (
    censorship_probability,
    first_challenger_share,
    fraud_success_probability,
)
from mechanism.economics.remedies import induced_verify_prob, min_jackpot_rate
from mechanism.economics.scenario import DesignInputs, Vertices, box_vertices, download_seconds
from mechanism.economics.workload import dispute_moves_per_side
from mechanism.errors import InfeasibleError

F = NDArray[np.float64]

VARIABLES = ("sequencer_bond_eth", "reward_eth", "challenger_bond_eth", "trainer_stake_eth", "jackpot_rate",
             "registration_fee_eth")
#: Rows whose coefficients are the same at every vertex (indices 0..7 of :func:`rhs`).
BASE_CONSTRAINTS = (
    "fraud_deterrence",
    "resource_ratio_sequencer",
    "reward_share_cap",
    "challenger_compensation",
    "resource_ratio_challenger",
    "griefing",
    "trainer_slash_incentive",
    "jackpot_verification",
)
CONSTRAINTS = (*BASE_CONSTRAINTS, "bribery", "sybil_poisoning")
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
    tolerance: float = 0.0
    sybil_identities: int = 1

    @property
    def fixed_blocks(self) -> int:
        return self.detect_blocks + self.dispute_blocks + self.buffer_blocks

    @property
    def dispute_years(self) -> float:
        return self.dispute_blocks / units.BLOCKS_PER_YEAR

    @property
    def lock_years(self) -> float:
        return self.inputs.trainer_lock_days / 365.25

    @property
    def tenure_rounds(self) -> float:
        return self.inputs.trainer_tenure_days * self.inputs.rounds_per_day

    @property
    def max_period_blocks(self) -> int:
        return int(self.inputs.max_period_hours * units.BLOCKS_PER_HOUR)

    def vertices(self) -> Vertices:
        return box_vertices(self.inputs, self.dispute_gas_per_side)

    def nominal(self) -> Vertices:
        return box_vertices(self.inputs, self.dispute_gas_per_side, nominal=True)


def make_problem(inputs: DesignInputs, dispute_gas_per_side: float, tolerance: float | None = None) -> DesignProblem:
    """Derive the fixed period components (detection, dispute, buffer) and the Sybil
    identities needed from the inputs. ``tolerance`` is the chosen rule's beta; ``None``
    takes the smallest beta the rule choice accepts, ``f (1 + margin)`` (conservative:
    a smaller beta needs fewer Sybils)."""
    moves = dispute_moves_per_side(inputs.trainers, inputs.model_size)
    beta = min(inputs.malicious_fraction * (1.0 + inputs.tolerance_margin), 0.99) if tolerance is None else tolerance
    honest = max(1, round(inputs.trainers * (1.0 - inputs.malicious_fraction)))
    k = int(sybil_identities_needed(beta, honest, inputs.trainers - honest))
    return DesignProblem(
        inputs=inputs,
        dispute_gas_per_side=float(dispute_gas_per_side),
        moves_per_side=moves,
        detect_blocks=per.detection_blocks(inputs.reexec_seconds, download_seconds(inputs)),
        dispute_blocks=per.dispute_blocks(moves, units.hours_to_blocks(inputs.move_clock_hours)),
        buffer_blocks=units.hours_to_blocks(inputs.response_buffer_hours),
        tolerance=float(beta),
        sybil_identities=k,
    )


def constraint_matrix(problem: DesignProblem) -> F:
    """The 8 x 6 matrix of the vertex-independent rows (:data:`BASE_CONSTRAINTS` x :data:`VARIABLES`)."""
    i = problem.inputs
    a = np.zeros((len(BASE_CONSTRAINTS), len(VARIABLES)))
    a[0, 0], a[0, 1] = 1.0, -1.0
    a[1, 0] = 1.0
    a[2, 0], a[2, 1] = i.max_reward_share, -1.0
    a[3, 1], a[3, 2] = 1.0, -i.interest_rate_per_year * problem.dispute_years
    a[4, 2] = 1.0
    a[5, 2] = 1.0
    a[6, 3] = i.trainer_reward_share
    a[7, 4] = 1.0
    return a


def sybil_row(problem: DesignProblem) -> F:
    """Coefficients of ``r t_lock S_t + c_reg >= G_p / k_s`` over :data:`VARIABLES`."""
    a = np.zeros(len(VARIABLES))
    a[3] = problem.inputs.interest_rate_per_year * problem.lock_years
    a[5] = 1.0
    return a


def sybil_rhs(problem: DesignProblem, vx: Vertices) -> F:
    """``G_p / k_s`` per vertex (ETH)."""
    return np.asarray(problem.inputs.poisoning_gain_share * vx.gain_eth / problem.sybil_identities, dtype=float)


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


def censor_prob(problem: DesignProblem, periods_blocks: NDArray[np.int64], vx: Vertices) -> F:
    """``Q[vertex, T] = q**T'``."""
    t_eff = np.asarray(periods_blocks, dtype=float)[None, :] - problem.fixed_blocks
    return censorship_probability(vx.censor_fraction[:, None], t_eff)


def rhs(problem: DesignProblem, periods_blocks: NDArray[np.int64], vx: Vertices | None = None) -> tuple[F, NDArray[np.bool_], F]:
    """Right-hand sides ``b[row, vertex, T]`` of the base rows, feasibility ``ok[vertex, T]`` and ``v_t[vertex, T]``."""
    v = vx if vx is not None else problem.vertices()
    i = problem.inputs
    eps = i.target_fraud_probability
    t_eff = np.asarray(periods_blocks, dtype=float)[None, :] - problem.fixed_blocks
    big_q = censor_prob(problem, periods_blocks, v)
    cens, stuff = min_effective_blocks(problem, v)
    ok = (big_q <= eps) & (t_eff >= stuff[:, None]) & (t_eff >= cens[:, None]) & (t_eff >= 1)
    ratio = np.clip((eps - big_q) / (1.0 - big_q), 0.0, 1.0)
    v_t = 1.0 - np.power(ratio, 1.0 / i.challengers)
    n_v, n_t = big_q.shape
    b = np.empty((len(BASE_CONSTRAINTS), n_v, n_t))
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


@dataclass(frozen=True)
class BriberyRows:
    """Rows ``a_bs B_s + a_r R + a_bc B_c >= rhs``, each ``[k - 1, vertex, T]`` (k = 1..m)."""

    a_bs: F
    a_r: F
    a_bc: F
    rhs: F
    verify_prob: F  # v(phi*) [vertex, T]


def bribery_rows(problem: DesignProblem, periods_blocks: NDArray[np.int64], vx: Vertices, jackpot_rate: F) -> BriberyRows:
    """The bribery rows (module docstring) at the verification rate ``jackpot_rate[T]`` induces."""
    i = problem.inputs
    m = i.challengers
    big_q = censor_prob(problem, periods_blocks, vx)
    v = induced_verify_prob(np.asarray(jackpot_rate, dtype=float)[None, :], (i.jackpot_eth - vx.claim_cost_eth)[:, None],
                            big_q, vx.verify_cost_eth[:, None], m)
    k = np.arange(1, m + 1, dtype=float)[:, None, None]
    j = m - k
    p = fraud_success_probability(v[None], j, big_q[None])
    w = k * (1.0 - big_q[None]) * first_challenger_share(v[None], j + 1)
    col = lambda x: np.asarray(x, dtype=float)[None, :, None]  # noqa: E731
    return BriberyRows(
        a_bs=1.0 - p, a_r=w - (1.0 - p), a_bc=-w * i.interest_rate_per_year * problem.dispute_years,
        rhs=p * col(vx.gain_eth) + w * col(vx.dispute_cost_eth) + k * col(vx.verify_cost_eth), verify_prob=v,
    )


def full_rows(problem: DesignProblem, period_blocks: int) -> tuple[F, F, bool, float]:
    """Every row at every vertex for one T: (A, b, feasible, phi*) with ``A x >= b``."""
    t = np.array([period_blocks])
    vx = problem.vertices()
    b, ok, _ = rhs(problem, t, vx)
    phi = float(np.max(b[7, :, 0])) if bool(ok.all()) else 0.0
    n_v = len(vx)
    a_base = np.tile(constraint_matrix(problem), (n_v, 1))
    b_base = b[:, :, 0].T.reshape(-1)  # vertex-major, matching np.tile
    br = bribery_rows(problem, t, vx, np.array([phi]))
    a_br = np.zeros((br.a_bs[..., 0].size, len(VARIABLES)))
    a_br[:, 0], a_br[:, 1], a_br[:, 2] = br.a_bs[..., 0].ravel(), br.a_r[..., 0].ravel(), br.a_bc[..., 0].ravel()
    a_sy = np.tile(sybil_row(problem), (n_v, 1))
    a = np.vstack([a_base, a_br, a_sy])
    rhs_all = np.concatenate([b_base, br.rhs[..., 0].ravel(), sybil_rhs(problem, vx)])
    return a, rhs_all, bool(ok.all()), phi


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
    c[5] = i.trainers / problem.tenure_rounds
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
    registration_fee_eth: float = 0.0
    solver: str = "closed-form"
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def reward_share(self) -> float:
        return self.reward_eth / self.sequencer_bond_eth if self.sequencer_bond_eth > 0 else 0.0

    def vector(self) -> F:
        return np.array([self.sequencer_bond_eth, self.reward_eth, self.challenger_bond_eth,
                         self.trainer_stake_eth, self.jackpot_rate, self.registration_fee_eth])


def infeasible(problem: DesignProblem) -> InfeasibleError:
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
    """Exact optimum (:func:`mechanism.economics.optimum.solve_closed_form`)."""
    from mechanism.economics.optimum import solve_closed_form as solve

    return solve(problem, periods_blocks)


def solve_cvxpy(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """The robust LP with cvxpy (:func:`mechanism.economics.solvers.solve_cvxpy`)."""
    from mechanism.economics.solvers import solve_cvxpy as solve

    return solve(problem, periods_blocks)


def solve_linprog(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[int, F, float]:
    """The robust LP with scipy HiGHS (:func:`mechanism.economics.solvers.solve_linprog`)."""
    from mechanism.economics.solvers import solve_linprog as solve

    return solve(problem, periods_blocks)
