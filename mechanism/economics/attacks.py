"""Every attack the design must deter, evaluated from the payoff functions alone.

:func:`attack_margins` takes candidate parameters and returns, per vertex of the box, one
*margin* per attack: positive means the attack pays (or, for ``fraud_success_excess``,
that a fraud finalises with probability above the target). It does not reuse the LP rows
of :mod:`mechanism.economics.constraints`: the challengers' verification rate is re-derived
from the jackpot by inverting the first-finder share, fraud profit comes from
:func:`~mechanism.economics.payoffs.sequencer_fraud_profit_eth`, stuffing from the EIP-1559
sum. A design is safe iff every margin is <= 0 at every vertex. Fraud profit, stuffing and
bribery weigh the attacker's spend ``W = max(G, K)`` (docs/economics.md, 'Attacker budget');
griefing the pending value G.

Contents: :data:`ATTACKS` (the margins' names), :class:`Candidate` (parameters to
evaluate), :func:`attack_margins`, :func:`problem_margins` (constants from a
:class:`~mechanism.economics.constraints.DesignProblem`) and :func:`candidate_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.economics import payoffs
from mechanism.economics.constraints import DesignProblem, DesignResult
from mechanism.economics.period import stuffing_cost_eth
from mechanism.economics.remedies import induced_verify_prob
from mechanism.economics.scenario import Vertices

F = NDArray[np.float64]

ATTACKS = (
    "fraud_profit_eth",
    "fraud_success_excess",
    "stuffing_profit_eth",
    "resource_exhaustion_sequencer_eth",
    "resource_exhaustion_challenger_eth",
    "honest_challenge_loss_eth",
    "griefing_shortfall_eth",
    "invalid_update_unchallenged_eth",
    "reward_share_excess",
    "bribery_profit_eth",
    "sybil_profit_eth",
)
__all__ = ["ATTACKS", "Candidate", "attack_margins", "candidate_of", "induced_verify_prob", "problem_margins"]


@dataclass(frozen=True)
class Candidate:
    """Protocol parameters to evaluate (arrays broadcast against each other)."""

    period_blocks: ArrayLike
    sequencer_bond_eth: ArrayLike
    reward_share: ArrayLike
    challenger_bond_eth: ArrayLike
    trainer_stake_eth: ArrayLike
    jackpot_rate: ArrayLike
    registration_fee_eth: ArrayLike = 0.0


def attack_margins(
    cand: Candidate, vx: Vertices, *, fixed_blocks: int, dispute_years: float, challengers: int,
    target_fraud_probability: float, resource_ratio: float, interest_rate_per_year: float,
    jackpot_eth: float, max_reward_share: float, trainer_reward_share: float, block_gas_limit: float,
    poisoning_gain_share: float = 0.0, sybil_identities: int = 1, lock_years: float = 0.0,
    names: tuple[str, ...] | None = None, trainer_dispute_cost_eth: F | None = None,
) -> dict[str, F]:
    """Margins of all :data:`ATTACKS`; vertex axis first, then the candidates' shape.

    ``bribery_profit_eth`` is the best of bribing k = 1..m challengers
    (:func:`~mechanism.economics.payoffs.bribery_profit_eth`, verification rate induced
    by the jackpot); ``sybil_profit_eth`` is :func:`~mechanism.economics.payoffs.sybil_poisoning_profit_eth`
    with ``sybil_identities`` new identities and gain ``poisoning_gain_share x G``.
    ``trainer_dispute_cost_eth`` (per vertex; default ``c_d``) is what a trainer dispute
    costs the watcher: with training proofs the dearer of the predicate and the training
    dispute (docs/economics.md, 'Training proofs').
    """
    nd = len(np.broadcast(*[np.asarray(getattr(cand, f)) for f in cand.__dataclass_fields__]).shape)

    def col(x: F) -> F:
        return np.asarray(x, dtype=float).reshape((-1,) + (1,) * nd)

    t_eff = np.asarray(cand.period_blocks, dtype=float) - fixed_blocks
    g, cd, cv = col(vx.gain_eth), col(vx.dispute_cost_eth), col(vx.verify_cost_eth)
    w = col(vx.attack_value_eth)  # W = max(G, K): the attacker's spend (docs/economics.md, 'Attacker budget')
    big_q = payoffs.censorship_probability(col(vx.censor_fraction), t_eff)
    v_eq = induced_verify_prob(cand.jackpot_rate, jackpot_eth - col(vx.claim_cost_eth), big_q, cv, challengers)
    ps = payoffs.fraud_success_probability(v_eq, challengers, big_q)
    bs = np.asarray(cand.sequencer_bond_eth, dtype=float)
    alpha = np.asarray(cand.reward_share, dtype=float)
    bc = np.asarray(cand.challenger_bond_eth, dtype=float)
    r = interest_rate_per_year
    out: dict[str, Callable[[], object]] = {
        "fraud_profit_eth": lambda: payoffs.sequencer_fraud_profit_eth(w, (1.0 - alpha) * bs, ps),
        "fraud_success_excess": lambda: ps - target_fraud_probability,
        "stuffing_profit_eth": lambda: w - stuffing_cost_eth(np.maximum(t_eff, 0.0), col(vx.gas_price_gwei), block_gas_limit),
        "resource_exhaustion_sequencer_eth": lambda: resource_ratio * cd - bs,
        "resource_exhaustion_challenger_eth": lambda: resource_ratio * cd - bc,
        "honest_challenge_loss_eth": lambda: -payoffs.honest_challenge_profit_eth(alpha * bs, cd, bc, r, dispute_years),
        "griefing_shortfall_eth": lambda: payoffs.griefing_shortfall_eth(bc, cd, g, r, dispute_years),
        "invalid_update_unchallenged_eth": lambda: -payoffs.trainer_slash_challenge_profit_eth(
            cand.trainer_stake_eth, trainer_reward_share,
            cd if trainer_dispute_cost_eth is None else col(trainer_dispute_cost_eth), cv),
        "reward_share_excess": lambda: alpha - max_reward_share + 0.0 * g,
        "bribery_profit_eth": lambda: np.max([payoffs.bribery_profit_eth(
            w, bs, alpha, bc, cd, cv, r, dispute_years, v_eq, challengers, k, big_q)
            for k in range(1, challengers + 1)], axis=0),
        "sybil_profit_eth": lambda: payoffs.sybil_poisoning_profit_eth(
            poisoning_gain_share * g, sybil_identities, cand.trainer_stake_eth, r, lock_years,
            cand.registration_fee_eth),
    }
    wanted = ATTACKS if names is None else names
    res = {k: np.asarray(out[k](), dtype=float) for k in wanted}
    return {k: np.asarray(np.broadcast_to(v, np.broadcast(v, g).shape), dtype=float) for k, v in res.items()}


def candidate_of(result: DesignResult) -> Candidate:
    """The :class:`Candidate` of a design result."""
    return Candidate(result.period_blocks, result.sequencer_bond_eth, result.reward_share,
                     result.challenger_bond_eth, result.trainer_stake_eth, result.jackpot_rate,
                     result.registration_fee_eth)


def problem_margins(problem: DesignProblem, cand: Candidate, vx: Vertices | None = None,
                    names: tuple[str, ...] | None = None) -> dict[str, F]:
    """:func:`attack_margins` with every constant taken from ``problem``."""
    i = problem.inputs
    vx = vx if vx is not None else problem.vertices()
    return attack_margins(
        cand, vx, fixed_blocks=problem.fixed_blocks,
        dispute_years=problem.dispute_years, challengers=i.challengers,
        target_fraud_probability=i.target_fraud_probability, resource_ratio=i.resource_ratio,
        interest_rate_per_year=i.interest_rate_per_year, jackpot_eth=i.jackpot_eth,
        max_reward_share=i.max_reward_share, trainer_reward_share=i.trainer_reward_share,
        block_gas_limit=i.block_gas_limit, poisoning_gain_share=i.poisoning_gain_share,
        sybil_identities=problem.sybil_identities, lock_years=problem.lock_years, names=names,
        trainer_dispute_cost_eth=problem.trainer_dispute_cost_eth(vx),
    )
