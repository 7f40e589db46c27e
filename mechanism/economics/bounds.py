"""Lower bounds on bonds and stakes, and the capital cost of locking them (ETH).

Every function states its formula and source; all broadcast over numpy arrays.
Contents: the sequencer, challenger, reward, bribery, Sybil and registration-fee bounds
(``min_*``, :func:`resource_ratio_bond_eth`, :func:`sybil_identities_needed`), BoLD's
multi-level stakes (:func:`bold_stakes_eth` from Offchain Labs' published inputs,
:func:`bold_published_stakes_eth` and its gap to the deployed stakes, :func:`fit_bold_inputs`),
BoLD's own sizing of the assertion bond by the cost of delaying withdrawals
(:func:`delay_cost_bond_eth`, :func:`arbitrum_delay_cost_bond_eth`), the OP Stack bond
schedule (:func:`op_stack_bond_eth`), :func:`capital_cost_eth`,
:func:`sybil_attack_cost_eth`, and the Arbitrum and OP Stack anchor constants
(docs/economics.md, 'Anchors').
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism import units
from mechanism.errors import ParameterError

__all__ = [
    "ARBITRUM_ASSERTION_BOND_ETH",
    "ARBITRUM_DELAY_COST_USD_PER_WEEK",
    "ARBITRUM_SUBCHALLENGE_BONDS_ETH",
    "BOLD_G_GAS",
    "BOLD_PUBLISHED_GAS_PRICE_GWEI",
    "BOLD_PUBLISHED_RESOURCE_RATIO",
    "BOLD_W_GAS",
    "OP_BOND_BASE_GAS",
    "OP_BOND_GAS_PRICE_GWEI",
    "OP_BOND_MULTIPLIER",
    "arbitrum_delay_cost_bond_eth",
    "bold_published_gap",
    "bold_published_stakes_eth",
    "bold_stakes_eth",
    "capital_cost_eth",
    "delay_cost_bond_eth",
    "fit_bold_inputs",
    "min_bribery_reward_eth",
    "min_challenge_reward_eth",
    "min_challenger_bond_eth",
    "min_registration_fee_eth",
    "min_sequencer_bond_eth",
    "op_stack_bond_eth",
    "resource_ratio_bond_eth",
    "sybil_attack_cost_eth",
    "sybil_identities_needed",
]

F = NDArray[np.float64]

#: Arbitrum One BoLD deployment (Arbitrum docs, "BoLD" and "Economics of disputes",
#: 2025): assertion bond and the sub-challenge (edge) bonds of the two lower levels, ETH.
ARBITRUM_ASSERTION_BOND_ETH = 3600.0
ARBITRUM_SUBCHALLENGE_BONDS_ETH = (555.0, 79.0)

#: Gas tables of Offchain Labs' public BoLD stake calculator (desmos.com/calculator/
#: usmdcuopme, expressions 28-32), per level (block, big step, small step): G[l] gas both
#: sides spend per edge at level l, W[l] extra gas the honest side spends per edge.
BOLD_G_GAS = (12_481_326.0, 12_319_809.0, 15_210_544.0)
BOLD_W_GAS = (3_589_135.0, 5_221_231.0, 11_884_552.0)

#: Offchain Labs' published inputs of the stake calculator (Arbitrum docs, "Economics of
#: disputes in Arbitrum BoLD", 2025): gas price 500 gwei and resource ratio 6.46. Used as
#: published, not fitted (:func:`bold_published_stakes_eth`).
BOLD_PUBLISHED_GAS_PRICE_GWEI = 500.0
BOLD_PUBLISHED_RESOURCE_RATIO = 6.46

#: BoLD's own sizing of the assertion bond: the opportunity cost a delay attack imposes on
#: Arbitrum One's users, ~3.27M USD per week of delay (Arbitrum docs, "BoLD" pros and cons
#: of the Arbitrum chain feature guide, 2025).
ARBITRUM_DELAY_COST_USD_PER_WEEK = 3.27e6

#: OP Stack fault dispute game bond schedule (specs.optimism.io, "Bond incentives",
#: ``getRequiredBond``): ``200 gwei * 400,000 gas * 1.09493**depth`` (docs/economics.md, 'Anchors').
OP_BOND_BASE_GAS = 400_000.0
OP_BOND_GAS_PRICE_GWEI = 200.0
OP_BOND_MULTIPLIER = 1.09493


def min_sequencer_bond_eth(gain_eth: ArrayLike, success_prob: ArrayLike, post_cost_eth: ArrayLike = 0.0) -> F:
    """Smallest penalty that makes one fraud unprofitable (docs/economics.md, 'Sequencer deterrence').

    ``pi = P_s G - (1 - P_s) B - c_post <= 0  <=>  B >= (P_s G - c_post) / (1 - P_s)``,
    clipped at 0; ``inf`` when ``P_s = 1``. It grows with G and with P_s, hence with the
    censoring fraction q through ``P_s >= q**T'``. In the self-challenge model the
    penalty is ``(1 - alpha) B_s``: divide by ``1 - alpha`` for the bond.
    """
    ps = np.asarray(success_prob, dtype=float)
    num = ps * np.asarray(gain_eth, dtype=float) - np.asarray(post_cost_eth, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ps >= 1.0, np.inf, np.maximum(num, 0.0) / np.where(ps >= 1.0, 1.0, 1.0 - ps))
    return np.asarray(out, dtype=float)


def resource_ratio_bond_eth(dispute_cost_eth: ArrayLike, resource_ratio: ArrayLike) -> F:
    """``B >= rho c_d`` (docs/economics.md, 'Resource ratio'; single-level simplification of BoLD).

    A liar must burn rho times what the honest defender spends, so an adversary with
    budget X can exhaust a defender only if the defender has less than X / rho.
    Departure: BoLD counts the adversary's own gas as part of its cost (see
    :func:`bold_stakes_eth`), which would give ``B >= (rho - 1) c_d`` here; we keep the
    more conservative form of docs/economics.md, 'Resource ratio'.
    """
    return np.asarray(np.asarray(dispute_cost_eth, dtype=float) * np.asarray(resource_ratio, dtype=float), dtype=float)


def bold_stakes_eth(
    gas_price_gwei: float,
    resource_ratio: float,
    g_gas: Sequence[float] = BOLD_G_GAS,
    w_gas: Sequence[float] = BOLD_W_GAS,
) -> list[float]:
    """BoLD multi-level stakes ``s_0 .. s_L`` (ETH), level 0 = assertion / block level.

    Recursion (our reading of Offchain Labs' stake calculator, expression 32,
    ``s(l) = p_g sum_{k=l}^{L} a^(k-l) ((a - 1) G[k] + a W[k])``; equivalently
    ``s_l = p_g ((a - 1) G_l + a W_l) + a s_{l+1}``, ``s_{L+1} = 0``): an adversarial edge
    at level l costs its stake plus p_g G_l gas; the honest side spends p_g (G_l + W_l)
    and must open a sub-challenge with stake s_{l+1}; requiring
    ``s_l + p_g G_l >= a (p_g (G_l + W_l) + s_{l+1})`` gives the recursion (BoLD,
    arXiv 2404.10491, §3.4.5 "Staking" and §6 "resource ratio"). The calculator also
    subtracts a layer-zero cost term that we omit.

    With Offchain Labs' published inputs, ``p_g = 500 gwei`` and ``a = 6.46``
    (:func:`bold_published_stakes_eth`), it gives 3,707 / 567 / 79.9 ETH against Arbitrum
    One's 3,600 / 555 / 79 ETH (+3.0 %, +2.1 %, +1.2 %; the omitted layer-zero term and the
    deployment's rounding account for the gap). ``a = 6.4`` (fitted, :func:`fit_bold_inputs`)
    gives 3,605 / 556 / 79.
    """
    if len(g_gas) != len(w_gas) or not g_gas:
        raise ParameterError.bad("g_gas/w_gas", (len(g_gas), len(w_gas)), "two non-empty tables of equal length")
    if not resource_ratio >= 1.0:
        raise ParameterError.bad("resource_ratio", resource_ratio, "a number >= 1")
    p = float(units.gwei_to_eth(gas_price_gwei))
    stakes = [0.0] * (len(g_gas) + 1)
    for lvl in range(len(g_gas) - 1, -1, -1):
        stakes[lvl] = p * ((resource_ratio - 1.0) * g_gas[lvl] + resource_ratio * w_gas[lvl]) + resource_ratio * stakes[lvl + 1]
    return stakes[:-1]


def bold_published_stakes_eth() -> list[float]:
    """:func:`bold_stakes_eth` at the published inputs (500 gwei, resource ratio 6.46), no fitting."""
    return bold_stakes_eth(BOLD_PUBLISHED_GAS_PRICE_GWEI, BOLD_PUBLISHED_RESOURCE_RATIO)


def bold_published_gap() -> list[float]:
    """Relative gap of :func:`bold_published_stakes_eth` to the deployed stakes,
    ``s / s_published - 1`` per level (assertion, big step, small step)."""
    published = [ARBITRUM_ASSERTION_BOND_ETH, *ARBITRUM_SUBCHALLENGE_BONDS_ETH]
    return [s / p - 1.0 for s, p in zip(bold_published_stakes_eth(), published, strict=True)]


def delay_cost_bond_eth(delayed_value_eth: ArrayLike, interest_rate_per_year: ArrayLike, delay_years: ArrayLike) -> F:
    """BoLD's alternative sizing of the assertion bond: the bond must cover the cost its
    delay attack imposes, ``B >= V r t_delay`` (the value held back, its interest, the
    longest delay one losing assertion buys; Arbitrum docs, "Economics of disputes in
    Arbitrum BoLD"). With parallel disputes (docs/protocol.md) ``t_delay`` is the game
    bound V; in BoLD one challenge period."""
    return capital_cost_eth(delayed_value_eth, interest_rate_per_year, delay_years)


def arbitrum_delay_cost_bond_eth(eth_price_usd: float, delay_blocks: float) -> float:
    """The delay-cost bound at Arbitrum One's published opportunity cost:
    ``3.27M USD/week x delay / ETH price`` (delay of ``delay_blocks`` 12 s blocks)."""
    if eth_price_usd <= 0:
        raise ParameterError.bad("eth_price_usd", eth_price_usd, "a price > 0")
    weeks = float(units.blocks_to_days(delay_blocks)) / 7.0
    return ARBITRUM_DELAY_COST_USD_PER_WEEK * weeks / eth_price_usd


def op_stack_bond_eth(depth: ArrayLike) -> F:
    """OP Stack move bond: ``200 gwei * 400,000 * 1.09493**depth`` ETH (specs.optimism.io)."""
    return np.asarray(
        units.gas_cost_eth(OP_BOND_BASE_GAS, OP_BOND_GAS_PRICE_GWEI) * np.power(OP_BOND_MULTIPLIER, np.asarray(depth, dtype=float)),
        dtype=float,
    )


def min_challenger_bond_eth(
    dispute_cost_eth: ArrayLike,
    pending_value_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
) -> F:
    """Griefing bound ``B_c >= c_d + V r t_dispute`` (docs/economics.md, 'Griefing').

    A frivolous challenge costs the honest proposer its dispute gas and delays the
    pending value V by the dispute's duration; the lost bond must cover both.
    """
    return np.asarray(
        np.asarray(dispute_cost_eth, dtype=float)
        + np.asarray(pending_value_eth, dtype=float) * np.asarray(interest_rate_per_year, dtype=float)
        * np.asarray(dispute_years, dtype=float),
        dtype=float,
    )


def min_challenge_reward_eth(
    dispute_cost_eth: ArrayLike,
    challenger_bond_eth: ArrayLike,
    interest_rate_per_year: ArrayLike,
    dispute_years: ArrayLike,
) -> F:
    """The winner's reward ``alpha B_s`` must pay an honest challenger's dispute:
    ``alpha B_s >= c_d + r B_c t_dispute`` (docs/economics.md, 'Challenger compensation')."""
    return np.asarray(
        np.asarray(dispute_cost_eth, dtype=float)
        + np.asarray(challenger_bond_eth, dtype=float) * np.asarray(interest_rate_per_year, dtype=float)
        * np.asarray(dispute_years, dtype=float),
        dtype=float,
    )


def sybil_identities_needed(tolerance: ArrayLike, honest_trainers: ArrayLike,
                            controlled: ArrayLike = 0) -> NDArray[np.int64]:
    """New identities an attacker must register so that malicious identities exceed the
    tolerance: the smallest total K with ``K / (n_h + K) > beta`` is
    ``floor(beta n_h / (1 - beta)) + 1`` (docs/economics.md, 'Sybil poisoning'); an attacker who already
    controls ``controlled`` registered trainers needs ``max(1, K - controlled)`` more
    (at least one: otherwise the rule does not cover the malicious fraction at all).
    For beta = 0 one identity suffices."""
    beta = np.asarray(tolerance, dtype=float)
    if np.any((beta < 0) | (beta >= 1)):
        raise ParameterError.bad("tolerance", tolerance, "fractions in [0, 1)")
    k = np.floor(beta * np.asarray(honest_trainers, dtype=float) / (1.0 - beta) + 1e-12) + 1
    return np.asarray(np.maximum(k - np.asarray(controlled, dtype=float), 1), dtype=np.int64)


def min_bribery_reward_eth(
    gain_eth: ArrayLike, challengers: ArrayLike, dispute_cost_eth: ArrayLike, verify_cost_eth: ArrayLike,
    challenger_bond_eth: ArrayLike, interest_rate_per_year: ArrayLike, dispute_years: ArrayLike,
    censor_prob: ArrayLike = 0.0,
) -> F:
    """Smallest challenger reward ``alpha B_s`` at which bribing all m challengers does not pay.

    From :func:`mechanism.economics.payoffs.bribery_profit_eth` with k = m:
    ``m [(1 - Q)(alpha B_s - c_d - r B_c t_d) - c_v] >= G``, i.e.
    ``alpha B_s >= c_d + r B_c t_d + (G / m + c_v) / (1 - Q)``. With the reward share
    capped at alpha_max the sequencer bond is at least this over alpha_max: the bond
    grows like G / (alpha_max m), so more independent challengers make bribery dearer.
    Bribing only some challengers (k < m) is checked by the design's other bribery rows.
    """
    q = np.asarray(censor_prob, dtype=float)
    g, m = np.asarray(gain_eth, dtype=float), np.asarray(challengers, dtype=float)
    return np.asarray(
        np.asarray(dispute_cost_eth, dtype=float)
        + capital_cost_eth(challenger_bond_eth, interest_rate_per_year, dispute_years)
        + (g / m + np.asarray(verify_cost_eth, dtype=float)) / (1.0 - q),
        dtype=float,
    )


def min_registration_fee_eth(
    poisoning_gain_eth: ArrayLike, identities: ArrayLike, trainer_stake_eth: ArrayLike,
    interest_rate_per_year: ArrayLike, lock_years: ArrayLike,
) -> F:
    """Non-refundable (burned) registration fee per trainer that makes Sybil poisoning
    unprofitable: ``k (c_reg + S_t r t_lock) >= G_p  <=>  c_reg >= G_p / k - S_t r t_lock``
    (clipped at 0; docs/economics.md, 'Sybil poisoning', :func:`mechanism.economics.payoffs.sybil_poisoning_profit_eth`).

    Stake that is never slashed costs the attacker only its capital over the lock-up;
    the fee is what makes the bound bind. Any identity-based cost is paid by honest
    trainers too: each honest trainer pays the same fee, so honest trainers together pay
    at least ``n_h / k ~ (1 - beta) / beta`` times the attacker's cost per tenure.
    """
    k = np.asarray(identities, dtype=float)
    out = np.asarray(poisoning_gain_eth, dtype=float) / k - capital_cost_eth(trainer_stake_eth, interest_rate_per_year,
                                                                             lock_years)
    return np.asarray(np.maximum(out, 0.0), dtype=float)


def capital_cost_eth(amount_eth: ArrayLike, interest_rate_per_year: ArrayLike, years: ArrayLike) -> F:
    """Opportunity cost of locking ``amount`` for ``years``: ``amount r t`` (simple
    interest; docs/economics.md, 'Capital cost'). Continuous compounding differs by O((r t)^2)."""
    return np.asarray(
        np.asarray(amount_eth, dtype=float) * np.asarray(interest_rate_per_year, dtype=float) * np.asarray(years, dtype=float),
        dtype=float,
    )


def sybil_attack_cost_eth(
    identities: ArrayLike, trainer_stake_eth: ArrayLike, interest_rate_per_year: ArrayLike,
    lock_years: ArrayLike, registration_cost_eth: ArrayLike = 0.0,
) -> F:
    """What k identities cost an attacker who is never slashed: ``k (S_t r t + c_reg)``."""
    k = np.asarray(identities, dtype=float)
    return np.asarray(
        k * (capital_cost_eth(trainer_stake_eth, interest_rate_per_year, lock_years)
             + np.asarray(registration_cost_eth, dtype=float)),
        dtype=float,
    )


def fit_bold_inputs(target_stakes_eth: Sequence[float]) -> tuple[float, float]:
    """Fit (gas price gwei, resource ratio) so :func:`bold_stakes_eth` matches the two
    lowest-level published stakes (used to document the Arbitrum calibration)."""
    from scipy.optimize import fsolve

    tgt = list(target_stakes_eth)

    def f(x: np.ndarray) -> list[float]:
        s = bold_stakes_eth(float(x[0]), float(x[1]))
        return [s[-2] / tgt[-2] - 1.0, s[-1] / tgt[-1] - 1.0]

    sol = fsolve(f, [500.0, 6.4])
    if not all(math.isfinite(v) for v in sol):
        raise ParameterError.bad("target_stakes_eth", tgt, "stakes the BoLD recursion can reach")
    return float(sol[0]), float(sol[1])
