"""Every attack the design must deter, evaluated from the payoff functions alone.

:func:`attack_margins` takes candidate parameters and returns, per vertex of the box, one
*margin* per attack: positive means the attack pays (or, for ``fraud_success_excess``,
that a fraud finalises with probability above the target). It does not reuse the LP rows
of :mod:`mechanism.economics.design`: the challengers' verification rate is re-derived
from the jackpot by inverting the first-finder share, fraud profit comes from
:func:`~mechanism.economics.payoffs.sequencer_fraud_profit_eth`, stuffing from the EIP-1559
sum. A design is safe iff every margin is <= 0 at every vertex.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.economics import payoffs
from mechanism.economics.design import DesignProblem, DesignResult
from mechanism.economics.period import stuffing_cost_eth
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
)


@dataclass(frozen=True)
class Candidate:
    """Protocol parameters to evaluate (arrays broadcast against each other)."""

    period_blocks: ArrayLike
    sequencer_bond_eth: ArrayLike
    reward_share: ArrayLike
    challenger_bond_eth: ArrayLike
    trainer_stake_eth: ArrayLike
    jackpot_rate: ArrayLike


def induced_verify_prob(jackpot_rate: ArrayLike, jackpot_net_eth: ArrayLike, censor_prob: ArrayLike,
                        verify_cost_eth: ArrayLike, challengers: int, iters: int = 80) -> F:
    """Symmetric challengers' equilibrium verification rate when no fraud occurs (p = 0).

    Solves ``phi (1 - Q) J' s(v) = c_v`` for v by vectorised bisection (s decreases from 1
    at v = 0 to 1/m at v = 1); v = 1 if even s(1) pays, v = 0 if s(0) does not
    (TrueBit forced errors, ECONOMICS.md §3).
    """
    income = np.asarray(jackpot_rate, dtype=float) * (1.0 - np.asarray(censor_prob, dtype=float)) \
        * np.asarray(jackpot_net_eth, dtype=float)
    need = np.asarray(verify_cost_eth, dtype=float)
    income, need = np.broadcast_arrays(income, need)
    lo, hi = np.zeros(income.shape), np.ones(income.shape)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pays = income * payoffs.first_challenger_share(mid, challengers) >= need
        lo, hi = np.where(pays, mid, lo), np.where(pays, hi, mid)
    v = np.where(income / challengers >= need, 1.0, np.where(income < need, 0.0, lo))
    return np.asarray(v, dtype=float)


def attack_margins(
    cand: Candidate, vx: Vertices, *, fixed_blocks: int, dispute_years: float, challengers: int,
    target_fraud_probability: float, resource_ratio: float, interest_rate_per_year: float,
    jackpot_eth: float, max_reward_share: float, trainer_reward_share: float, block_gas_limit: float,
) -> dict[str, F]:
    """Margins of all :data:`ATTACKS`; vertex axis first, then the candidates' shape."""
    nd = len(np.broadcast(*[np.asarray(getattr(cand, f)) for f in cand.__dataclass_fields__]).shape)

    def col(x: F) -> F:
        return np.asarray(x, dtype=float).reshape((-1,) + (1,) * nd)

    t_eff = np.asarray(cand.period_blocks, dtype=float) - fixed_blocks
    g, cd, cv = col(vx.gain_eth), col(vx.dispute_cost_eth), col(vx.verify_cost_eth)
    big_q = payoffs.censorship_probability(col(vx.censor_fraction), t_eff)
    v_eq = induced_verify_prob(cand.jackpot_rate, jackpot_eth - col(vx.claim_cost_eth), big_q, cv, challengers)
    ps = payoffs.fraud_success_probability(v_eq, challengers, big_q)
    bs = np.asarray(cand.sequencer_bond_eth, dtype=float)
    alpha = np.asarray(cand.reward_share, dtype=float)
    bc = np.asarray(cand.challenger_bond_eth, dtype=float)
    r = interest_rate_per_year
    out = {
        "fraud_profit_eth": payoffs.sequencer_fraud_profit_eth(g, (1.0 - alpha) * bs, ps),
        "fraud_success_excess": ps - target_fraud_probability,
        "stuffing_profit_eth": g - stuffing_cost_eth(np.maximum(t_eff, 0.0), col(vx.gas_price_gwei), block_gas_limit),
        "resource_exhaustion_sequencer_eth": resource_ratio * cd - bs,
        "resource_exhaustion_challenger_eth": resource_ratio * cd - bc,
        "honest_challenge_loss_eth": -payoffs.honest_challenge_profit_eth(alpha * bs, cd, bc, r, dispute_years),
        "griefing_shortfall_eth": payoffs.griefing_shortfall_eth(bc, cd, g, r, dispute_years),
        "invalid_update_unchallenged_eth": -payoffs.trainer_slash_challenge_profit_eth(
            cand.trainer_stake_eth, trainer_reward_share, cd, cv),
        "reward_share_excess": alpha - max_reward_share + 0.0 * g,
    }
    return {k: np.asarray(np.broadcast_to(v, np.broadcast(v, g).shape), dtype=float) for k, v in out.items()}


def candidate_of(result: DesignResult) -> Candidate:
    """The :class:`Candidate` of a design result."""
    return Candidate(result.period_blocks, result.sequencer_bond_eth, result.reward_share,
                     result.challenger_bond_eth, result.trainer_stake_eth, result.jackpot_rate)


def problem_margins(problem: DesignProblem, cand: Candidate, vx: Vertices | None = None) -> dict[str, F]:
    """:func:`attack_margins` with every constant taken from ``problem``."""
    i = problem.inputs
    return attack_margins(
        cand, vx if vx is not None else problem.vertices(), fixed_blocks=problem.fixed_blocks,
        dispute_years=problem.dispute_years, challengers=i.challengers,
        target_fraud_probability=i.target_fraud_probability, resource_ratio=i.resource_ratio,
        interest_rate_per_year=i.interest_rate_per_year, jackpot_eth=i.jackpot_eth,
        max_reward_share=i.max_reward_share, trainer_reward_share=i.trainer_reward_share,
        block_gas_limit=i.block_gas_limit,
    )
