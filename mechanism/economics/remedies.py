"""Remedies for the verifier's dilemma and their price per assertion (ETH).

Without outside rewards, verification happens only in a mixed equilibrium with a
strictly positive fraud rate (Mamageishvili & Felten 2023, arXiv 2308.02880;
:mod:`mechanism.economics.inspection`). Two remedies pay for attention when no fraud
occurs:

* **Forced errors with a jackpot** (TrueBit whitepaper, Teutsch & Reitwiessner 2017,
  §4): with probability phi an assertion is a protocol-planted error worth a jackpot J to
  those who find it. TrueBit splits the jackpot among all finders; a verifier's expected
  share is then ``E[1 / (1 + K)] = s(v)``, the same first-challenger share as the fraud
  reward, so one formula covers both.
* **Attention challenges** (Mamageishvili & Felten 2023, §5): each validator is asked, with
  probability psi per assertion, to post a short response that it can compute only from
  the correct result; a lazy validator answers a binary challenge right with probability
  1/2 and a wrong answer forfeits a penalty P. Our simplification: one response costs
  ``response_gas`` and the penalty is bounded by the validator's deposit.

Contents: :func:`min_jackpot_rate`, :func:`induced_verify_prob` and
:func:`jackpot_cost_per_assertion_eth` (used by the design, see docs/economics.md,
'Jackpots'); :func:`attention_challenge_rate` and :func:`attention_cost_per_assertion_eth`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism import units
from mechanism.economics.payoffs import first_challenger_share

__all__ = [
    "attention_challenge_rate",
    "attention_cost_per_assertion_eth",
    "induced_verify_prob",
    "jackpot_cost_per_assertion_eth",
    "min_jackpot_rate",
]

F = NDArray[np.float64]


def min_jackpot_rate(
    verify_cost_eth: ArrayLike,
    jackpot_eth: ArrayLike,
    claim_cost_eth: ArrayLike,
    censor_prob: ArrayLike,
    target_verify_prob: ArrayLike,
    challengers: ArrayLike,
) -> F:
    """Smallest forced-error rate that makes verification rate v_t an equilibrium at p = 0.

    ``phi >= c_v / ((1 - Q) (J - c_claim) s(v_t))`` where s is the first-finder share
    (docs/economics.md, 'Jackpots'). Returns ``inf`` where ``J <= c_claim`` (the
    jackpot cannot even pay for claiming it) or Q = 1.
    """
    net = np.asarray(jackpot_eth, dtype=float) - np.asarray(claim_cost_eth, dtype=float)
    s = first_challenger_share(target_verify_prob, challengers)
    denom = (1.0 - np.asarray(censor_prob, dtype=float)) * net * s
    with np.errstate(divide="ignore"):
        out = np.where(denom > 0, np.asarray(verify_cost_eth, dtype=float) / np.where(denom > 0, denom, 1.0), np.inf)
    return np.asarray(out, dtype=float)


def jackpot_cost_per_assertion_eth(jackpot_rate: ArrayLike, jackpot_eth: ArrayLike) -> F:
    """Expected jackpot paid per assertion: ``phi J``."""
    return np.asarray(np.asarray(jackpot_rate, dtype=float) * np.asarray(jackpot_eth, dtype=float), dtype=float)


def attention_challenge_rate(verify_cost_eth: ArrayLike, penalty_eth: ArrayLike, guess_prob: float = 0.5) -> F:
    """Smallest per-assertion challenge probability that makes a validator verify.

    A lazy validator loses ``psi (1 - guess) P`` in expectation, so verifying (cost c_v)
    is a best response when ``psi >= c_v / ((1 - guess) P)``; capped at 1 (``inf`` if even
    psi = 1 is not enough).
    """
    need = np.asarray(verify_cost_eth, dtype=float) / ((1.0 - guess_prob) * np.asarray(penalty_eth, dtype=float))
    return np.asarray(np.where(need <= 1.0, need, np.inf), dtype=float)


def attention_cost_per_assertion_eth(
    challengers: ArrayLike, challenge_rate: ArrayLike, response_gas: ArrayLike, gas_price_gwei: ArrayLike
) -> F:
    """On-chain cost of attention challenges per assertion: ``m psi gas_resp p_gas``."""
    return np.asarray(
        np.asarray(challengers, dtype=float) * np.asarray(challenge_rate, dtype=float)
        * units.gas_cost_eth(response_gas, gas_price_gwei),
        dtype=float,
    )


def induced_verify_prob(jackpot_rate: ArrayLike, jackpot_net_eth: ArrayLike, censor_prob: ArrayLike,
                        verify_cost_eth: ArrayLike, challengers: int, iters: int = 80) -> F:
    """Symmetric challengers' equilibrium verification rate when no fraud occurs (p = 0).

    Solves ``phi (1 - Q) J' s(v) = c_v`` for v by vectorised bisection (s decreases from 1
    at v = 0 to 1/m at v = 1); v = 1 if even s(1) pays, v = 0 if s(0) does not
    (TrueBit forced errors, docs/economics.md, 'Jackpots').
    """
    income = np.asarray(jackpot_rate, dtype=float) * (1.0 - np.asarray(censor_prob, dtype=float)) \
        * np.asarray(jackpot_net_eth, dtype=float)
    need = np.asarray(verify_cost_eth, dtype=float)
    income, need = np.broadcast_arrays(income, need)
    lo, hi = np.zeros(income.shape), np.ones(income.shape)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pays = income * first_challenger_share(mid, challengers) >= need
        lo, hi = np.where(pays, mid, lo), np.where(pays, hi, mid)
    v = np.where(income / challengers >= need, 1.0, np.where(income < need, 0.0, lo))
    return np.asarray(v, dtype=float)
