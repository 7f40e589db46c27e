"""The challenge period T in L1 blocks (docs/economics.md, 'Censorship', 'Stuffing' and
'Period decomposition').

``T = t_detect + t_dispute + T_censor + t_buffer`` where

* ``t_detect``: blocks to download and re-execute the round and get a challenge out;
* ``t_dispute``: moves per side x 2 sides x per-move clock (the whole game fits in T);
* ``T_censor``: blocks an honest challenge must have to be included: the larger of
  Felten's bound ``q**T' <= eps`` (independent censoring proposers) and the EIP-1559
  block-stuffing bound (stuffing T' blocks must cost more than the attacker's gain);
* ``t_buffer``: operators' response time (an assumption, not a theorem).

Anchors: Arbitrum One's confirm period is 45,818 blocks (~6.4 days); OP Stack's
withdrawal delay is 7 days (50,400 blocks) with a 3.5-day chess clock. Both are sized by
the time a *social* response to censorship needs, not by q^T; :func:`implied_censor_fraction`
shows what their length buys under Felten's independence assumption.

Contents: :func:`censorship_blocks`, :func:`stuffing_cost_eth`, :func:`stuffing_blocks`,
:func:`detection_blocks`, :func:`dispute_blocks`, :func:`implied_censor_fraction`,
:class:`PeriodBreakdown`, :func:`challenge_period` and the anchors' constants.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.errors import ParameterError
from mechanism.units import (
    BASE_FEE_MAX_CHANGE_DENOMINATOR,
    BLOCKS_PER_DAY,
    DEFAULT_BLOCK_GAS_LIMIT,
    WEI_PER_ETH,
    WEI_PER_GWEI,
    blocks_to_hours,
    gwei_to_eth,
    hours_to_blocks,
    seconds_to_blocks,
)

__all__ = [
    "ARBITRUM_PERIOD_BLOCKS",
    "EIP1559_MAX_CHANGE",
    "OP_STACK_CHESS_CLOCK_BLOCKS",
    "OP_STACK_PERIOD_BLOCKS",
    "PeriodBreakdown",
    "censorship_blocks",
    "challenge_period",
    "detection_blocks",
    "dispute_blocks",
    "implied_censor_fraction",
    "stuffing_blocks",
    "stuffing_cost_eth",
]

F = NDArray[np.float64]

ARBITRUM_PERIOD_BLOCKS = 45_818
OP_STACK_PERIOD_BLOCKS = int(7 * BLOCKS_PER_DAY)  # 50,400
OP_STACK_CHESS_CLOCK_BLOCKS = int(3.5 * BLOCKS_PER_DAY)

#: EIP-1559: the base fee rises by at most 1/8 per block that is full (2x the target).
EIP1559_MAX_CHANGE = 1.0 + 1.0 / BASE_FEE_MAX_CHANGE_DENOMINATOR


def censorship_blocks(eps: ArrayLike, q: ArrayLike) -> F:
    """Smallest T' with ``q**T' <= eps``: ``ceil(ln eps / ln q)`` (Felten's bound).

    q = 0 gives 1 block (one inclusion is needed); q = 1 gives ``inf`` (no period
    suffices). Grows without bound as eps -> 0 and as q -> 1.
    """
    e, qa = np.asarray(eps, dtype=float), np.asarray(q, dtype=float)
    if np.any((e <= 0) | (e >= 1)):
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")
    if np.any((qa < 0) | (qa > 1)):
        raise ParameterError.bad("censor_fraction", q, "a fraction in [0, 1]")
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.log(e) / np.log(np.where((qa > 0) & (qa < 1), qa, 0.5))
        out = np.where(qa <= 0, 1.0, np.where(qa >= 1, np.inf, np.maximum(1.0, np.ceil(raw - 1e-9))))
    return np.asarray(out, dtype=float)


def stuffing_cost_eth(blocks: ArrayLike, base_fee_gwei: ArrayLike, gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT) -> F:
    """EIP-1559 cost of filling k consecutive blocks: ``sum_{i<k} L b_0 1.125**i``.

    ``= L b_0 (1.125**k - 1) / 0.125`` ETH (docs/economics.md, 'Stuffing'; EIP-1559's update rule with
    every block full). A lower bound: priority fees to outbid honest challenges are
    extra, so T' sized with it is conservative.
    """
    from mechanism.chain import stuffing_cost_prediction_wei

    k = np.asarray(blocks, dtype=float)
    b0_wei = np.asarray(base_fee_gwei, dtype=float) * WEI_PER_GWEI
    return np.asarray(stuffing_cost_prediction_wei(k, b0_wei, 0.0, gas_limit) / WEI_PER_ETH, dtype=float)


def stuffing_blocks(gain_eth: ArrayLike, base_fee_gwei: ArrayLike, gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT) -> F:
    """Smallest T' whose stuffing cost exceeds the gain: ``floor(log_1.125(1 + 0.125 G / (L b_0))) + 1``.

    Stuffing is irrational once it costs more than G (docs/economics.md, 'Stuffing'); grows only
    logarithmically in G.
    """
    g = np.asarray(gain_eth, dtype=float)
    lb = gas_limit * gwei_to_eth(base_fee_gwei)
    k = np.floor(np.log1p((EIP1559_MAX_CHANGE - 1.0) * g / lb) / math.log(EIP1559_MAX_CHANGE) + 1e-12)
    return np.asarray(np.maximum(k, 0.0) + 1.0, dtype=float)


def detection_blocks(reexec_seconds: float, download_seconds: float = 0.0) -> int:
    """Blocks to notice a wrong assertion: re-execution + download, plus one block to
    get the challenge included (``ceil(s / 12) + 1``)."""
    if reexec_seconds < 0 or download_seconds < 0:
        raise ParameterError.bad("reexec_seconds", reexec_seconds, "a number of seconds >= 0")
    return seconds_to_blocks(reexec_seconds + download_seconds) + 1


def dispute_blocks(moves_per_side: int, move_clock_blocks: int) -> int:
    """Worst-case dispute duration: ``(2 x moves + 1) x clock`` -- each side may use its
    full clock on every move, and the one-step verdict takes one more clock (the bound
    of :attr:`mechanism.design.Design.dispute_blocks` with depth = moves per side;
    docs/design.md, "The verification game")."""
    if moves_per_side < 1 or move_clock_blocks < 1:
        raise ParameterError.bad("moves_per_side/move_clock_blocks", (moves_per_side, move_clock_blocks), "integers >= 1")
    return (2 * moves_per_side + 1) * move_clock_blocks


def implied_censor_fraction(period_blocks: ArrayLike, eps: ArrayLike) -> F:
    """The q a period of T blocks tolerates at risk eps: ``q = eps**(1/T)``."""
    return np.asarray(np.power(np.asarray(eps, dtype=float), 1.0 / np.asarray(period_blocks, dtype=float)), dtype=float)


@dataclass(frozen=True)
class PeriodBreakdown:
    """The components of a challenge period, in blocks."""

    detect_blocks: int
    dispute_blocks: int
    censor_blocks: int
    buffer_blocks: int

    @property
    def total_blocks(self) -> int:
        return self.detect_blocks + self.dispute_blocks + self.censor_blocks + self.buffer_blocks

    @property
    def total_hours(self) -> float:
        return float(blocks_to_hours(self.total_blocks))

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "total_blocks": self.total_blocks}


def challenge_period(
    eps: float,
    q: float,
    gain_eth: float,
    base_fee_gwei: float,
    reexec_seconds: float,
    moves_per_side: int,
    move_clock_blocks: int,
    buffer_hours: float,
    download_seconds: float = 0.0,
    gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT,
    attacker_budget_eth: float | None = None,
) -> PeriodBreakdown:
    """Minimum challenge period for one scenario (docs/economics.md, 'Period decomposition').

    ``T_censor = max(ceil(ln eps / ln q), stuffing_blocks(W, b_0))`` with the attacker's
    spend ``W = max(G, attacker_budget_eth)`` (G without a budget; docs/economics.md,
    'Attacker budget'); infinite (q = 1) raises :class:`ParameterError`.
    """
    spend = gain_eth if attacker_budget_eth is None else max(gain_eth, attacker_budget_eth)
    c = float(max(censorship_blocks(eps, q), stuffing_blocks(spend, base_fee_gwei, gas_limit)))
    if not math.isfinite(c):
        raise ParameterError.bad("censor_fraction", q, "< 1 (every proposer censoring makes any period unsafe)")
    return PeriodBreakdown(
        detect_blocks=detection_blocks(reexec_seconds, download_seconds),
        dispute_blocks=dispute_blocks(moves_per_side, move_clock_blocks),
        censor_blocks=int(c),
        buffer_blocks=hours_to_blocks(buffer_hours),
    )
