"""Episodes: threats that hold the honest side off for one stretch of blocks
(docs/economics.md, 'Threat model: combining the threats').

Four threats stop every honest transaction from landing for a stretch that starts when
the attacker acts (its fraud or its move), and they overlap rather than add up, since
they run at the same time: strong censorship until the social response (R blocks,
:mod:`.censorship`), block stuffing the attacker pays for (S blocks, the EIP-1559 bound
of :func:`mechanism.economics.period.stuffing_blocks` at the spend ``max(gain, budget)``,
docs/economics.md 'Attacker budget'), an L1
outage (:mod:`.liveness`) and a common-mode watcher outage (:mod:`.availability`). The
stretch is ``E = max(R, S, D_outage, D_common)`` and, by the union bound,

    P(E > e) <= 1[R > e] + 1[S > e] + p_o exp(-(e + 1) / mu_o) + c exp(-(e + 1) / mu_c)

Each episode happens at most once per fraud: a social response ends the coalition, an
attacker timing an outage can time one.

Contents: :class:`Episodes`, :func:`episodes_of`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.economics.threats.availability import common_mode_survival
from mechanism.economics.threats.liveness import outage_blocks, outage_survival
from mechanism.economics.threats.model import ThreatModel
from mechanism.units import DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_GAS_PRICE_GWEI

__all__ = ["Episodes", "episodes_of"]


@dataclass(frozen=True)
class Episodes:
    """The stretches of a threat model, in blocks (``inf`` if unbounded)."""

    strong_blocks: float  # R, 0 without strong censorship
    stuffing_blocks: float  # S - 1: the blocks the attacker can afford to fill
    outage_mean_blocks: float
    outage_prob: float
    common_mean_blocks: float
    common_prob: float

    def survival(self, e: ArrayLike) -> NDArray[np.float64]:
        """Union bound on ``P(E > e)`` (clipped at 1)."""
        ea = np.asarray(e, dtype=float)
        det = np.where((self.strong_blocks > ea) | (self.stuffing_blocks > ea), 1.0, 0.0)
        out = det + outage_survival(ea, self.outage_mean_blocks, self.outage_prob) \
            + common_mode_survival(ea, self.common_mean_blocks, self.common_prob)
        return np.asarray(np.minimum(out, 1.0), dtype=float)

    def standalone_blocks(self, eps: float) -> dict[str, float]:
        """The least window each episode alone leaves safe at risk eps: one block past
        the stretch's eps-quantile (0 when the episode is absent)."""
        return {
            "strong_censorship": self.strong_blocks + 1.0 if self.strong_blocks > 0 else 0.0,
            "stuffing": self.stuffing_blocks + 1.0 if self.stuffing_blocks > 0 else 0.0,
            "l1_outage": float(outage_blocks(eps, self.outage_mean_blocks, self.outage_prob)) + 1.0
            if self.outage_prob > eps else 0.0,
            "watcher_common_mode": float(outage_blocks(eps, self.common_mean_blocks, self.common_prob)) + 1.0
            if self.common_prob > eps else 0.0,
        }


def episodes_of(model: ThreatModel, gain_eth: float = 0.0, base_fee_gwei: float = DEFAULT_GAS_PRICE_GWEI,
                gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT) -> Episodes:
    """The episodes of ``model`` for a fraud worth ``gain_eth``: stuffing spends up to
    ``W = max(gain, attacker_budget_eth)`` (the gain without a budget; docs/economics.md,
    'Attacker budget': a budget-K attacker stuffs until K is spent, whatever the gain)."""
    from mechanism.economics.period import stuffing_blocks
    from mechanism.economics.scenario import attack_value_eth

    spend = float(attack_value_eth(gain_eth, model.attacker_budget_eth))
    # stuffing_blocks is the least k whose cost exceeds the spend: k - 1 blocks are bought
    s = float(stuffing_blocks(spend, base_fee_gwei, gas_limit)) - 1.0 if spend > 0 else 0.0
    return Episodes(
        strong_blocks=model.social_response_blocks if model.strong_censorship else 0.0,
        stuffing_blocks=0.0 if math.isnan(s) else s,
        outage_mean_blocks=model.outage_mean_blocks, outage_prob=model.outage_prob,
        common_mean_blocks=model.common_mode_mean_blocks, common_prob=model.common_mode_prob,
    )
