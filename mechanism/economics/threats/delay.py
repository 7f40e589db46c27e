"""Delay attacks: an adversary with budget K opens sub-challenges to delay confirmation
(docs/economics.md, 'Threat model: delay attacks').

Each fake challenge costs the attacker its lost bond B_c plus its own dispute gas c_d and
costs the honest defender c_d, so the attacker opens ``N = floor(K / (B_c + c_d))``
and the defender must spend ``N c_d``: BoLD's resource-ratio argument (arXiv 2404.10491,
§6) with ratio ``rho = (B_c + c_d) / c_d``; a defender holding H survives any attacker
with ``K <= rho H``. Confirmation of an honest assertion:

* **parallel disputes** (this protocol, docs/protocol.md 'Several challengers' and
  property 7): every dispute runs to its own verdict within V, so the worst case is
  ``P + V`` whatever K, as long as the defender is solvent;
* **sequential disputes** (one challenge at a time, classic pre-BoLD Arbitrum): ``P + N V``;
* **BoLD**: at most two challenge periods plus the grace period, ``2 P + g``, whatever K
  (Arbitrum docs, 'BoLD: a gentle introduction': 6.4 + 6.4 days, plus 2 days).

Contents: :class:`DelayAttack`, :func:`delay_attack`, :func:`min_bond_for_defender`,
:func:`bold_delay_bound_blocks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mechanism.errors import ParameterError

__all__ = ["DelayAttack", "bold_delay_bound_blocks", "delay_attack", "min_bond_for_defender"]


@dataclass(frozen=True)
class DelayAttack:
    """What budget K buys: sub-challenges, the defender's spend and the worst confirmation."""

    budget_eth: float
    sub_challenges: float
    honest_spend_eth: float
    resource_ratio: float
    worst_confirmation_blocks: float
    parallel: bool


def delay_attack(budget_eth: float, challenger_bond_eth: float, dispute_cost_eth: float, period_blocks: float,
                 game_bound_blocks: float, parallel: bool = True) -> DelayAttack:
    """``N = floor(K / (B_c + c_d))`` fake challenges; defender spends ``N c_d``; worst
    confirmation ``P + V`` (parallel, N >= 1), ``P + N V`` (sequential) or P (N = 0)."""
    if budget_eth < 0 or challenger_bond_eth < 0 or dispute_cost_eth <= 0:
        raise ParameterError.bad("budget_eth/challenger_bond_eth/dispute_cost_eth",
                                 (budget_eth, challenger_bond_eth, dispute_cost_eth), "K >= 0, B_c >= 0, c_d > 0")
    per = challenger_bond_eth + dispute_cost_eth
    n = math.inf if math.isinf(budget_eth) else math.floor(budget_eth / per)
    delay = 0.0 if n == 0 else (game_bound_blocks if parallel else n * game_bound_blocks)
    return DelayAttack(budget_eth=budget_eth, sub_challenges=n, honest_spend_eth=n * dispute_cost_eth,
                       resource_ratio=per / dispute_cost_eth, worst_confirmation_blocks=period_blocks + delay,
                       parallel=parallel)


def min_bond_for_defender(budget_eth: float, dispute_cost_eth: float, defender_funds_eth: float) -> float:
    """Least challenger bond with which a defender holding H outlasts an attacker with K:
    ``N c_d <= H  <=  B_c >= K c_d / H - c_d`` (clipped at 0; the resource ratio
    ``rho >= K / H``)."""
    if defender_funds_eth <= 0:
        raise ParameterError.bad("defender_funds_eth", defender_funds_eth, "an amount of ETH > 0")
    return max(0.0, budget_eth * dispute_cost_eth / defender_funds_eth - dispute_cost_eth)


def bold_delay_bound_blocks(challenge_period_blocks: float, grace_period_blocks: float = 0.0) -> float:
    """BoLD's bound on the delay of an honest assertion: ``2 P + g`` blocks."""
    return 2.0 * challenge_period_blocks + grace_period_blocks
