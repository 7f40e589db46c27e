"""The robust design problem's rows and columns, by name, and the functions that build them.

Contents (see docs/economics.md, 'Design problem', for the model these rows encode):

* :class:`Var` -- the decision variables, one column each (:data:`VARIABLES`);
* :class:`Row` -- the vertex-independent constraint rows (:data:`BASE_CONSTRAINTS`); the
  bribery and Sybil rows are the families :data:`BRIBERY` and :data:`SYBIL_POISONING`
  (:data:`CONSTRAINTS` lists all families);
* the labels :data:`CENSORSHIP_BOUND`, :data:`STUFFING_BOUND`, :data:`COST_TRADEOFF` and
  :data:`NOT_NEEDED` a binding-constraint report may also carry;
* :class:`DesignProblem` / :func:`make_problem` -- one problem (inputs plus the derived
  dispute model and fixed period blocks) and :class:`DesignResult`, the optimum;
* the row builders every solver shares: :func:`constraint_matrix`, :func:`rhs`,
  :func:`bribery_rows`, :func:`sybil_row` / :func:`sybil_rhs`, :func:`full_rows`,
  :func:`objective`, the period grid (:func:`period_grid`, :func:`min_effective_blocks`,
  :func:`censor_prob`) and :func:`infeasible`.

For a fixed period T every row is linear in the variables, ``A_w x >= b_w(T)`` at each
vertex w of the uncertainty box:

===========================  ==============================================  =====================================
row (code name)              formula                                         docs/economics.md section
===========================  ==============================================  =====================================
fraud_deterrence             ``B_s - R >= G eps / (1 - eps)``                'Sequencer deterrence', 'Self-challenge'
resource_ratio_sequencer     ``B_s >= rho c_d``                              'Resource ratio' (BoLD)
reward_share_cap             ``alpha_max B_s - R >= 0``                      'Self-challenge'
challenger_compensation      ``R - r t_d B_c >= c_d``                        'Challenger compensation'
resource_ratio_challenger    ``B_c >= rho c_d``                              'Resource ratio' (BoLD)
griefing                     ``B_c >= c_d + V r t_d``                        'Griefing'
trainer_slash_incentive      ``alpha_t S_t >= max(c_d, c_dt) + c_v``         'Trainer slashing', 'Training proofs'
jackpot_verification         ``phi >= c_v / ((1-Q)(J - c_claim) s(v_t))``    'Jackpots' (TrueBit)
bribery (k = 1..m)           ``(1-P_j) B_s + (w_k - (1-P_j)) R - w_k r t_d B_c``
                             ``>= P_j G + w_k c_d + k c_v``                  'Bribery'
sybil_poisoning              ``r t_lock S_t + c_reg >= G_p / k_s``           'Sybil poisoning'
===========================  ==============================================  =====================================

The rows of :class:`Row` share their coefficients across vertices; the bribery rows
depend on the vertex and on T (through ``Q = q**T'`` and the induced verification rate),
the Sybil row's right-hand side on the vertex.

Here ``Q = q**T'`` (T' = T minus detection, dispute and buffer blocks), and the target
verification rate ``v_t = 1 - ((eps - Q) / (1 - Q))**(1/m)`` makes the fraud success
probability ``P_s(v_t) = eps`` exactly (docs/economics.md, 'Censorship'); T is feasible
at a vertex only if ``Q <= eps`` and stuffing T' blocks costs more than the attacker's spend
(docs/economics.md, 'Stuffing').

**Attacker budget** (docs/economics.md, 'Attacker budget'): every G above that is the
attacker's gain -- fraud_deterrence, the bribery rows and the stuffing bound -- is
``W = max(G, K)`` (:func:`~mechanism.economics.scenario.attack_value_eth`), K the budget
``attacker_budget_eth`` of an attacker who spends it whatever the gain; W = G without a
budget. V in the griefing row and the objective (value pending, the users' cost) stays G.

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

**Training proofs** (docs/economics.md, 'Training proofs'; ``training_dispute_gas > 0``):
a trainer whose update is not honest SGD on its committed shard loses a training dispute,
so model poisoning is slashed and its update excluded unless the trainer-challenge window
lets it escape (probability at most eps). The stake must then also pay the watcher for a
training dispute, ``c_dt = training_dispute_gas x gas price``: the slashing row reads
``alpha_t S_t >= max(c_d, c_dt) + c_v``. Only data poisoning is left unslashable, so the
Sybil row's k_s comes from the proof-checked tolerance (``tolerance``); its form is
unchanged.

The objective (:func:`objective`) is ``r T (B_s + B_c) + r n S_t / rounds_per_year + phi J
+ n c_reg / tenure_rounds + r V T`` at the nominal point (bonds locked for the period,
one challenger keeping a bond liquid, trainers' stake locked between rounds, jackpots,
registration fees amortised over a trainer's tenure, the users' cost of waiting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

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
from mechanism.economics.scenario import (
    DesignInputs,
    Vertices,
    box_vertices,
    download_seconds,
    reexec_seconds,
)
from mechanism.economics.workload import dispute_moves_per_side
from mechanism.errors import InfeasibleError, ParameterError

__all__ = [
    "BASE_CONSTRAINTS",
    "BRIBERY",
    "CENSORSHIP_BOUND",
    "CONSTRAINTS",
    "COST_TRADEOFF",
    "DENSE_OFFSETS",
    "NOT_NEEDED",
    "STUFFING_BOUND",
    "SYBIL_POISONING",
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
    "sybil_rhs",
    "sybil_row",
]

F = NDArray[np.float64]


class Var(IntEnum):
    """Decision variables per assertion, in column order (names are the result's fields)."""

    sequencer_bond_eth = 0  # B_s
    reward_eth = 1  # R = alpha B_s
    challenger_bond_eth = 2  # B_c
    trainer_stake_eth = 3  # S_t
    jackpot_rate = 4  # phi
    registration_fee_eth = 5  # c_reg


class Row(IntEnum):
    """Rows whose coefficients are the same at every vertex, in the order of :func:`rhs`."""

    fraud_deterrence = 0
    resource_ratio_sequencer = 1
    reward_share_cap = 2
    challenger_compensation = 3
    resource_ratio_challenger = 4
    griefing = 5
    trainer_slash_incentive = 6
    jackpot_verification = 7


#: Families of vertex-dependent rows (:func:`bribery_rows`, :func:`sybil_row`).
BRIBERY: Final = "bribery"
SYBIL_POISONING: Final = "sybil_poisoning"
#: Other labels of a binding-constraint report: the period's two lower bounds, an
#: interior optimum of the cost, and a parameter no constraint needs.
CENSORSHIP_BOUND: Final = "censorship_bound"
STUFFING_BOUND: Final = "stuffing_bound"
COST_TRADEOFF: Final = "cost_tradeoff"
NOT_NEEDED: Final = "not_needed"

VARIABLES: Final = tuple(v.name for v in Var)
BASE_CONSTRAINTS: Final = tuple(r.name for r in Row)
CONSTRAINTS: Final = (*BASE_CONSTRAINTS, BRIBERY, SYBIL_POISONING)
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
    #: Gas of a whole training dispute (0: no training proofs; docs/economics.md, 'Training proofs').
    training_dispute_gas: float = 0.0

    def trainer_dispute_cost_eth(self, vx: Vertices) -> F:
        """Per vertex, the on-chain cost of the dearer trainer dispute a watcher may have to
        play: the predicate dispute ``c_d`` or, with training proofs, the training dispute
        ``c_dt = training_dispute_gas x gas price`` (docs/economics.md, 'Training proofs')."""
        cdt = units.gas_cost_eth(self.training_dispute_gas, vx.gas_price_gwei)
        return np.maximum(np.asarray(vx.dispute_cost_eth, dtype=float), np.asarray(cdt, dtype=float))

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


def make_problem(inputs: DesignInputs, dispute_gas_per_side: float, tolerance: float | None = None,
                 training_dispute_gas: float = 0.0) -> DesignProblem:
    """Derive the fixed period components (detection, dispute, buffer) and the Sybil
    identities needed from the inputs. ``tolerance`` is the chosen rule's beta; ``None``
    takes the smallest beta the rule choice accepts, ``f (1 + margin)`` (conservative:
    a smaller beta needs fewer Sybils). With training proofs, ``tolerance`` is the
    proof-checked beta (data poisoning only) and ``training_dispute_gas`` the measured gas
    of a training dispute, which the trainer stake must pay for (docs/economics.md,
    'Training proofs')."""
    if not (math.isfinite(training_dispute_gas) and training_dispute_gas >= 0):
        raise ParameterError.bad("training_dispute_gas", training_dispute_gas, "a finite gas amount >= 0")
    moves = dispute_moves_per_side(inputs.trainers, inputs.model_size)
    beta = min(inputs.malicious_fraction * (1.0 + inputs.tolerance_margin), 0.99) if tolerance is None else tolerance
    honest = max(1, round(inputs.trainers * (1.0 - inputs.malicious_fraction)))
    k = int(sybil_identities_needed(beta, honest, inputs.trainers - honest))
    return DesignProblem(
        inputs=inputs,
        dispute_gas_per_side=float(dispute_gas_per_side),
        moves_per_side=moves,
        detect_blocks=per.detection_blocks(reexec_seconds(inputs), download_seconds(inputs)),
        dispute_blocks=per.dispute_blocks(moves, units.hours_to_blocks(inputs.move_clock_hours)),
        buffer_blocks=units.hours_to_blocks(inputs.response_buffer_hours),
        tolerance=float(beta),
        sybil_identities=k,
        training_dispute_gas=float(training_dispute_gas),
    )


def constraint_matrix(problem: DesignProblem) -> F:
    """The matrix of the vertex-independent rows (:class:`Row` x :class:`Var`)."""
    i = problem.inputs
    a = np.zeros((len(Row), len(Var)))
    a[Row.fraud_deterrence, Var.sequencer_bond_eth] = 1.0
    a[Row.fraud_deterrence, Var.reward_eth] = -1.0
    a[Row.resource_ratio_sequencer, Var.sequencer_bond_eth] = 1.0
    a[Row.reward_share_cap, Var.sequencer_bond_eth] = i.max_reward_share
    a[Row.reward_share_cap, Var.reward_eth] = -1.0
    a[Row.challenger_compensation, Var.reward_eth] = 1.0
    a[Row.challenger_compensation, Var.challenger_bond_eth] = -i.interest_rate_per_year * problem.dispute_years
    a[Row.resource_ratio_challenger, Var.challenger_bond_eth] = 1.0
    a[Row.griefing, Var.challenger_bond_eth] = 1.0
    a[Row.trainer_slash_incentive, Var.trainer_stake_eth] = i.trainer_reward_share
    a[Row.jackpot_verification, Var.jackpot_rate] = 1.0
    return a


def sybil_row(problem: DesignProblem) -> F:
    """Coefficients of ``r t_lock S_t + c_reg >= G_p / k_s`` over :class:`Var`."""
    a = np.zeros(len(Var))
    a[Var.trainer_stake_eth] = problem.inputs.interest_rate_per_year * problem.lock_years
    a[Var.registration_fee_eth] = 1.0
    return a


def sybil_rhs(problem: DesignProblem, vx: Vertices) -> F:
    """``G_p / k_s`` per vertex (ETH)."""
    return np.asarray(problem.inputs.poisoning_gain_share * vx.gain_eth / problem.sybil_identities, dtype=float)


def min_effective_blocks(problem: DesignProblem, vx: Vertices | None = None) -> tuple[F, F]:
    """Per vertex: smallest T' with ``q**T' <= eps`` and smallest T' that stuffing cannot buy
    with the attacker's spend ``W = max(G, K)`` (docs/economics.md, 'Stuffing', 'Attacker budget')."""
    v = vx if vx is not None else problem.vertices()
    i = problem.inputs
    cens = per.censorship_blocks(i.target_fraud_probability, v.censor_fraction)
    stuff = per.stuffing_blocks(v.attack_value_eth, v.gas_price_gwei, i.block_gas_limit)
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
    """Right-hand sides ``b[row, vertex, T]`` of the :class:`Row` rows, feasibility
    ``ok[vertex, T]`` and the target verification rate ``v_t[vertex, T]``."""
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
    b = np.empty((len(Row), n_v, n_t))
    col = lambda x: np.broadcast_to(np.asarray(x, dtype=float)[:, None], (n_v, n_t))  # noqa: E731
    b[Row.fraud_deterrence] = col(v.attack_value_eth * eps / (1.0 - eps))
    b[Row.resource_ratio_sequencer] = col(i.resource_ratio * v.dispute_cost_eth)
    b[Row.reward_share_cap] = 0.0
    b[Row.challenger_compensation] = col(v.dispute_cost_eth)
    b[Row.resource_ratio_challenger] = col(i.resource_ratio * v.dispute_cost_eth)
    b[Row.griefing] = col(v.dispute_cost_eth + v.gain_eth * i.interest_rate_per_year * problem.dispute_years)
    b[Row.trainer_slash_incentive] = col(problem.trainer_dispute_cost_eth(v) + v.verify_cost_eth)
    b[Row.jackpot_verification] = min_jackpot_rate(v.verify_cost_eth[:, None], i.jackpot_eth,
                                                   v.claim_cost_eth[:, None], big_q, v_t, i.challengers)
    ok &= np.isfinite(b[Row.jackpot_verification]) & (b[Row.jackpot_verification] <= 1.0)
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
    """The bribery rows (docs/economics.md, 'Bribery') at the verification rate
    ``jackpot_rate[T]`` induces."""
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
        rhs=p * col(vx.attack_value_eth) + w * col(vx.dispute_cost_eth) + k * col(vx.verify_cost_eth), verify_prob=v,
    )


def full_rows(problem: DesignProblem, period_blocks: int) -> tuple[F, F, bool, float]:
    """Every row at every vertex for one T: (A, b, feasible, phi*) with ``A x >= b``.

    Row order: the :class:`Row` rows vertex-major, then the bribery rows (k-major), then
    one Sybil row per vertex; columns follow :class:`Var`.
    """
    t = np.array([period_blocks])
    vx = problem.vertices()
    b, ok, _ = rhs(problem, t, vx)
    phi = float(np.max(b[Row.jackpot_verification, :, 0])) if bool(ok.all()) else 0.0
    n_v = len(vx)
    a_base = np.tile(constraint_matrix(problem), (n_v, 1))
    b_base = b[:, :, 0].T.reshape(-1)  # vertex-major, matching np.tile
    br = bribery_rows(problem, t, vx, np.array([phi]))
    a_br = np.zeros((br.a_bs[..., 0].size, len(Var)))
    a_br[:, Var.sequencer_bond_eth] = br.a_bs[..., 0].ravel()
    a_br[:, Var.reward_eth] = br.a_r[..., 0].ravel()
    a_br[:, Var.challenger_bond_eth] = br.a_bc[..., 0].ravel()
    a_sy = np.tile(sybil_row(problem), (n_v, 1))
    a = np.vstack([a_base, a_br, a_sy])
    rhs_all = np.concatenate([b_base, br.rhs[..., 0].ravel(), sybil_rhs(problem, vx)])
    return a, rhs_all, bool(ok.all()), phi


def objective(problem: DesignProblem, periods_blocks: NDArray[np.int64]) -> tuple[F, F]:
    """Cost coefficients ``c[var, T]`` (rows follow :class:`Var`) and constant ``k[T]``
    (ETH per assertion, nominal; docs/economics.md, 'Capital cost')."""
    i = problem.inputs
    nom = problem.nominal()
    years = units.blocks_to_years(periods_blocks)
    r = i.interest_rate_per_year
    c = np.zeros((len(Var), years.size))
    c[Var.sequencer_bond_eth] = r * years
    c[Var.challenger_bond_eth] = r * years
    c[Var.trainer_stake_eth] = i.trainers * r / (i.rounds_per_day * 365.25)
    c[Var.jackpot_rate] = i.jackpot_eth
    c[Var.registration_fee_eth] = i.trainers / problem.tenure_rounds
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
        """The decision variables in :class:`Var` order."""
        return np.array([float(getattr(self, v.name)) for v in Var])


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
            f"EIP-1559 stuffing needs {int(stuff[ws])} at attacker spend {v.attack_value_eth[ws]:.4g} ETH, "
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
