"""L1 liveness failures: finality stalls and missed slots (docs/economics.md, 'Threat model: liveness').

* **Outages.** During an outage honest transactions do not land while blocks still count
  toward the window (conservative: in the finality incidents of 11 and 12 May 2023 --
  4 and 9 epochs, 25.6 and 57.6 min, Prysm and Ethereum Foundation post-mortems -- blocks
  kept being produced and included transactions). The duration D in blocks is
  geometric with mean ``mu`` blocks, ``P(D >= d) = exp(-d / mu)`` (the discrete
  exponential; mu = the incidents' mean by default, :data:`PUBLISHED_INCIDENTS`). A fraud
  meets an outage with probability p (1: the attacker posts its fraud when one starts),
  so ``P(outage outlasts d blocks) = p exp(-(d + 1) / mu)`` (D >= d + 1).
* **Missed slots** produce no block, so a window counted in blocks is not shortened; they
  stretch its wall-clock length by ``1 / (1 - missed_slot_rate)``.

Contents: :data:`PUBLISHED_INCIDENTS`, :func:`outage_survival`, :func:`outage_blocks`,
:func:`wall_clock_hours`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.errors import ParameterError

__all__ = ["PUBLISHED_INCIDENTS", "continue_prob", "outage_blocks", "outage_survival", "wall_clock_hours"]

#: Mainnet liveness incidents since the Merge used for the default duration (date, what,
#: minutes, source). Dated 2026-11.
PUBLISHED_INCIDENTS: tuple[tuple[str, str, float, str], ...] = (
    ("2023-05-11", "finality lost for 4 epochs", 25.6, "Prysm post-mortem, EF blog 'Mainnet finality incident'"),
    ("2023-05-12", "finality lost for 9 epochs", 57.6, "Prysm post-mortem, EF blog 'Mainnet finality incident'"),
)


def continue_prob(mean_blocks: float) -> float:
    """Per-block probability that an ongoing outage continues: ``exp(-1 / mu)``."""
    if mean_blocks < 0:
        raise ParameterError.bad("outage_mean_blocks", mean_blocks, "a duration >= 0")
    return 0.0 if mean_blocks == 0 else math.exp(-1.0 / mean_blocks)


def outage_survival(d: ArrayLike, mean_blocks: float, prob: float = 1.0) -> NDArray[np.float64]:
    """``P(D > d) = p exp(-(d + 1) / mu)`` for d >= 0 (p for d < 0): the outage still blocks
    honest transactions after d blocks."""
    da = np.asarray(d, dtype=float)
    rho = continue_prob(mean_blocks)
    with np.errstate(divide="ignore"):
        out = np.where(da < 0, prob, prob * np.power(rho, np.maximum(da, 0.0) + 1.0))
    return np.asarray(out, dtype=float)


def outage_blocks(eps: float, mean_blocks: float, prob: float = 1.0) -> int:
    """Least d >= 0 with ``P(D > d) <= eps``: ``ceil(mu ln(p / eps)) - 1`` (0 when p <= eps)."""
    if not 0.0 < eps < 1.0:
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")
    if prob <= eps or mean_blocks == 0:
        return 0
    if math.isinf(mean_blocks):
        return math.inf  # type: ignore[return-value]
    d = max(0, math.ceil(mean_blocks * math.log(prob / eps) - 1.0 - 1e-9))
    while d > 0 and float(outage_survival(d - 1, mean_blocks, prob)) <= eps:
        d -= 1
    while float(outage_survival(d, mean_blocks, prob)) > eps:
        d += 1
    return d


def wall_clock_hours(blocks: ArrayLike, seconds_per_block: float, missed_slot_rate: float = 0.0) -> NDArray[np.float64]:
    """Expected wall-clock hours of a window of ``blocks`` blocks when a share of slots is
    missed: ``blocks x seconds / (1 - missed) / 3600``."""
    if not 0.0 <= missed_slot_rate < 1.0:
        raise ParameterError.bad("missed_slot_rate", missed_slot_rate, "a fraction in [0, 1)")
    return np.asarray(np.asarray(blocks, dtype=float) * seconds_per_block / (1.0 - missed_slot_rate) / 3600.0)
