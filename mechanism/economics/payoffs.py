"""Payoffs of the sequencer, the challengers and the trainers (ETH per assertion).

Symbols follow docs/economics.md, 'Symbols': G gain, B_s / B_c bonds, alpha reward share, m challengers,
c_v verification cost, c_d one side's dispute cost, q censoring fraction, T' effective
blocks, v verification probability. All functions are pure and broadcast over numpy
arrays. Honest play is the zero of every payoff (payoffs are *excess* over honesty).

Contents: probabilities (:func:`censorship_probability`, :func:`fraud_success_probability`,
:func:`first_challenger_share`), the sequencer's fraud and bribery profits, the
challengers' verification and dispute payoffs, the griefing shortfall, the trainer-slashing
and Sybil-poisoning payoffs, and :func:`bribe_needed_eth`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "bribe_needed_eth",
    "bribery_profit_eth",
    "censorship_probability",
    "challenger_verify_payoff_eth",
    "first_challenger_share",
    "fraud_success_probability",
    "griefing_shortfall_eth",
    "honest_challenge_profit_eth",
    "sequencer_fraud_profit_eth",
    "sybil_poisoning_profit_eth",
    "trainer_slash_challenge_profit_eth",
]

F = NDArray[np.float64]


def _a(x: ArrayLike) -> F:
    return np.asarray(x, dtype=float)


def censorship_probability(q: ArrayLike, effective_blocks: ArrayLike) -> F:
    """Probability that every one of ``T'`` blocks is censored: ``Q = q**T'``.

    Felten's bound (docs/economics.md, 'Censorship'): each block's proposer censors independently with
    probability q, so a challenge misses all T' blocks with probability q^T'.
    ``T' <= 0`` means no chance to challenge (Q = 1).
    """
    qa, t = _a(q), _a(effective_blocks)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(t <= 0, 1.0, np.power(qa, np.maximum(t, 0.0)))
    return np.asarray(out, dtype=float)


def fraud_success_probability(v: ArrayLike, m: ArrayLike, censor_prob: ArrayLike) -> F:
    """``P_s = (1 - v)**m + (1 - (1 - v)**m) * Q`` (docs/economics.md, 'Censorship').

    A fraud finalises if none of the m challengers verifies, or if every challenge is
    censored (probability ``Q = q**T'``).
    """
    none = np.power(1.0 - _a(v), _a(m))
    return np.asarray(none + (1.0 - none) * _a(censor_prob), dtype=float)


def first_challenger_share(v: ArrayLike, m: ArrayLike) -> F:
    """Expected share of the reward of one verifying challenger, given fraud.

    With "first valid challenge wins" and the other m - 1 challengers verifying
    independently with probability v, a verifier wins with probability
    ``E[1 / (1 + K)]``, ``K ~ Binomial(m - 1, v)``, which equals
    ``(1 - (1 - v)**m) / (m v)`` (docs/economics.md, 'Inspection game'); its limit at v -> 0 is 1.
    """
    va, ma = _a(v), _a(m)
    small = va < 1e-12
    vs = np.where(small, 1.0, va)
    share = (1.0 - np.power(1.0 - vs, ma)) / (ma * vs)
    return np.asarray(np.where(small, 1.0 - (ma - 1.0) * va / 2.0, share), dtype=float)


def sequencer_fraud_profit_eth(
    gain_eth: ArrayLike,
    penalty_eth: ArrayLike,
    success_prob: ArrayLike,
    post_cost_eth: ArrayLike = 0.0,
) -> F:
    """Expected profit of one fraudulent assertion: ``P_s G - (1 - P_s) B - c_post``.

    docs/economics.md, 'Sequencer deterrence'. ``penalty_eth`` is what the sequencer loses when caught: B_s in the
    basic model, ``(1 - alpha) B_s`` if it can front-run the honest challengers and
    challenge itself (see :func:`mechanism.economics.bounds.min_sequencer_bond_eth`).
    """
    ps = _a(success_prob)
    return np.asarray(ps * _a(gain_eth) - (1.0 - ps) * _a(penalty_eth) - _a(post_cost_eth), dtype=float)


def challenger_verify_payoff_eth(
    fraud_prob: ArrayLike,
    v: ArrayLike,
    m: ArrayLike,
    censor_prob: ArrayLike,
    reward_eth: ArrayLike,
    dispute_cost_eth: ArrayLike,
    verify_cost_eth: ArrayLike,
    jackpot_rate: ArrayLike = 0.0,
    jackpot_net_eth: ArrayLike = 0.0,
) -> F:
    """Excess payoff of verifying over not verifying for one challenger.

    ``s(v) (1 - Q) [p (alpha B_s - c_d) + phi J'] - c_v`` with ``s`` the first-challenger
    share (:func:`first_challenger_share`), ``phi`` the forced-error rate and ``J'`` the
    jackpot net of the claim transaction (TrueBit whitepaper, §4 "forced errors";
    docs/economics.md, 'Jackpots'). ``reward_eth`` is alpha B_s.
    """
    s = first_challenger_share(v, m)
    open_q = 1.0 - _a(censor_prob)
    income = s * open_q * (_a(fraud_prob) * (_a(reward_eth) - _a(dispute_cost_eth))
                           + _a(jackpot_rate) * _a(jackpot_net_eth))
    return np.asarray(income - _a(verify_cost_eth), dtype=float)


def honest_challenge_profit_eth(
    reward_eth: ArrayLike,
    dispute_cost_eth: ArrayLike,
    challenger_bond_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
) -> F:
    """Profit of disputing a fraud one has found: ``alpha B_s - c_d - r B_c t_dispute``.

    The challenger's bond is returned when it wins but is locked for the dispute
    (docs/economics.md, 'Capital cost').
    """
    return np.asarray(
        _a(reward_eth) - _a(dispute_cost_eth)
        - _a(challenger_bond_eth) * _a(interest_rate_per_year) * _a(dispute_years),
        dtype=float,
    )


def griefing_shortfall_eth(
    challenger_bond_eth: ArrayLike,
    dispute_cost_eth: ArrayLike,
    pending_value_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
) -> F:
    """Harm a frivolous challenge does that its lost bond does not cover, ETH.

    ``c_d + V r t_dispute - B_c`` (docs/economics.md, 'Griefing'): the honest proposer pays
    c_d and the pending value V waits t_dispute longer. Positive = griefing is cheap.
    """
    return np.asarray(
        _a(dispute_cost_eth) + _a(pending_value_eth) * _a(interest_rate_per_year) * _a(dispute_years)
        - _a(challenger_bond_eth),
        dtype=float,
    )


def trainer_slash_challenge_profit_eth(
    trainer_stake_eth: ArrayLike,
    trainer_reward_share: ArrayLike,
    dispute_cost_eth: ArrayLike,
    verify_cost_eth: ArrayLike,
) -> F:
    """Profit of proving that a trainer's update breaks the validity predicate.

    The trainer's stake is slashed by the same game; the prover receives a share of it:
    ``alpha_t S_t - c_d - c_v`` (docs/design.md, "The protocol in one paragraph").
    """
    return np.asarray(
        _a(trainer_reward_share) * _a(trainer_stake_eth) - _a(dispute_cost_eth) - _a(verify_cost_eth),
        dtype=float,
    )


def sybil_poisoning_profit_eth(
    gain_eth: ArrayLike,
    identities: ArrayLike,
    trainer_stake_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    lock_years: ArrayLike,
    registration_cost_eth: ArrayLike = 0.0,
) -> F:
    """Profit of poisoning inside the validity predicate with k Sybil identities.

    ``G - k (S_t r t + c_reg)`` (docs/economics.md, 'Sybil poisoning'): the stake is never slashed for
    in-predicate poisoning, so it costs only its capital cost; a registration cost is
    the lever that raises it.
    """
    k = _a(identities)
    return np.asarray(
        _a(gain_eth) - k * (_a(trainer_stake_eth) * _a(interest_rate_per_year) * _a(lock_years)
                            + _a(registration_cost_eth)),
        dtype=float,
    )


def bribe_needed_eth(
    reward_eth: ArrayLike,
    dispute_cost_eth: ArrayLike,
    verify_cost_eth: ArrayLike,
    challenger_bond_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
    censor_prob: ArrayLike,
    first_share: ArrayLike = 1.0,
) -> F:
    """Expected bribe that keeps one rational challenger silent, ETH.

    A bribed challenger who *defects* challenges the fraud it has been told about: it
    pays ``c_v`` to compute the proof, its challenge is included with probability
    ``1 - Q``, it is the first valid challenge with probability ``s`` (the
    first-finder share against the un-bribed verifiers, :func:`first_challenger_share`)
    and then earns ``alpha B_s - c_d - r B_c t_dispute`` (:func:`honest_challenge_profit_eth`).
    Silence must pay at least as much in expectation:
    ``b >= (1 - Q) s (alpha B_s - c_d - r B_c t_d) - c_v``. The bribe is paid only if the
    fraud finalises (an enforceable on-chain conditional payment, McCorry, Hicks and
    Meiklejohn, "Smart contracts for bribing miners", FC 2018), so this is the
    briber's *expected* outlay per bribed challenger. Forced-error jackpots are paid only
    for forced errors, so a bribed challenger forgoes none; a protocol that also paid
    the jackpot for real fraud would add it to ``alpha B_s``. May be negative (then
    no bribe is needed; callers keep the linear form, which is conservative).
    """
    net = honest_challenge_profit_eth(reward_eth, dispute_cost_eth, challenger_bond_eth, interest_rate_per_year,
                                      dispute_years)
    return np.asarray((1.0 - _a(censor_prob)) * _a(first_share) * net - _a(verify_cost_eth), dtype=float)


def bribery_profit_eth(
    gain_eth: ArrayLike,
    sequencer_bond_eth: ArrayLike,
    reward_share: ArrayLike,
    challenger_bond_eth: ArrayLike,
    dispute_cost_eth: ArrayLike,
    verify_cost_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
    v: ArrayLike,
    m: int,
    bribed: int,
    censor_prob: ArrayLike,
) -> F:
    """Expected profit of a fraud whose author bribes ``k = bribed`` of the m challengers.

    The k bribed challengers stay silent (each paid :func:`bribe_needed_eth`, with the
    first-finder share ``s = E[1/(1+K)]``, ``K ~ Bin(m - k, v)``, of a defector against
    the un-bribed verifiers); the other ``j = m - k`` verify with probability v, so the
    fraud finalises with ``P_j = (1 - v)**j + (1 - (1 - v)**j) Q``
    (:func:`fraud_success_probability`). When caught, the author self-challenges and
    loses ``(1 - alpha) B_s`` (docs/economics.md, 'Self-challenge'). Hence

    ``pi_k = P_j G - k b_k - (1 - P_j) (1 - alpha) B_s``,
    ``b_k = (1 - Q) s_k (alpha B_s - c_d - r B_c t_d) - c_v``.

    ``k = 0`` is plain fraud (docs/economics.md, 'Sequencer deterrence'). ``k = m`` ("bribe every challenger",
    P_0 = 1, s = 1) gives the headline bound: bribery is unprofitable iff
    ``m [(1 - Q)(alpha B_s - c_d - r B_c t_d) - c_v] >= G``, i.e. the reward must be at
    least ``G / m`` above the challenger's costs. Unlike a majority vote (Buterin's
    "P + epsilon attack", 2015), one defector suffices to revert a fraud, so every
    bribe must cover a defector's whole reward. Assumptions: the m potential challengers
    are known, rational and all bribable (one altruistic challenger defeats bribery, so
    this is the worst case); bribes bind for one assertion only (no reputation or
    repeated-game effects); a defector's reward cannot be pre-empted by the author's own
    self-challenge (if it can be with probability pi, every bribe shrinks by 1 - pi and
    bonds alone cannot deter bribery as pi -> 1 -- the protocol must pay the first
    challenger, e.g. by commit-reveal challenges). Bribing block proposers to censor is
    the separate economic-censorship game of Berger, Felten, Mamageishvili and Sudakov
    (arXiv 2502.20334), covered here by q and the EIP-1559 stuffing bound.
    """
    j = m - int(bribed)
    if not 0 <= j <= m:
        raise ValueError(f"bribed={bribed} must be in [0, {m}]")
    q = _a(censor_prob)
    ps = fraud_success_probability(v, j, q)
    share = first_challenger_share(v, j + 1)
    bs, alpha = _a(sequencer_bond_eth), _a(reward_share)
    bribe = bribe_needed_eth(alpha * bs, dispute_cost_eth, verify_cost_eth, challenger_bond_eth,
                             interest_rate_per_year, dispute_years, q, share)
    return np.asarray(ps * _a(gain_eth) - int(bribed) * bribe - (1.0 - ps) * (1.0 - alpha) * bs, dtype=float)
