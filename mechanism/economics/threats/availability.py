"""Challenger availability: will some honest watcher act in time? (docs/economics.md,
'Threat model: availability').

m watchers, each online (for the whole window) with probability a, independently, plus a
common-mode outage (a cloud region, a shared client bug) that takes every watcher down
with probability c for a duration D geometric with mean mu blocks,
``P(D >= d) = exp(-d / mu)`` (default mean: AWS us-east-1 outages of 7 Dec 2021 and
20 Oct 2025). Some watcher acts in time unless all are offline or the common-mode outage
outlasts the window:

    P(no watcher at all) = (1 - a)^m                 (no period helps: a floor)
    P(common-mode outage still on after d blocks) = c exp(-(d + 1) / mu)

Contents: :func:`no_watcher_probability`, :func:`watcher_act_probability`, and the
common-mode survival (the outage law of :mod:`.liveness`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.economics.threats.liveness import outage_survival
from mechanism.errors import ParameterError

__all__ = ["common_mode_survival", "no_watcher_probability", "watcher_act_probability"]


def no_watcher_probability(watchers: int, online_prob: float) -> float:
    """``(1 - a)^m``: every watcher is offline (a floor on P(fraud finalises))."""
    if watchers < 1:
        raise ParameterError.bad("watchers", watchers, "an integer >= 1")
    if not 0.0 < online_prob <= 1.0:
        raise ParameterError.bad("watcher_online_prob", online_prob, "a probability in (0, 1]")
    return float((1.0 - online_prob) ** watchers)


def common_mode_survival(d: ArrayLike, mean_blocks: float, prob: float) -> NDArray[np.float64]:
    """``c exp(-(d + 1) / mu)``: a common-mode outage still holds every watcher after d blocks."""
    return outage_survival(d, mean_blocks, prob)


def watcher_act_probability(window_blocks: ArrayLike, watchers: int, online_prob: float,
                            common_prob: float, common_mean_blocks: float) -> NDArray[np.float64]:
    """P(some watcher can act within W blocks) with the two failures independent:
    ``(1 - (1 - a)^m) (1 - c exp(-W / mu))`` -- an online watcher acts in the first block
    after the common-mode outage (D <= W - 1)."""
    w = np.asarray(window_blocks, dtype=float)
    return np.asarray((1.0 - no_watcher_probability(watchers, online_prob))
                      * (1.0 - common_mode_survival(w - 1.0, common_mean_blocks, common_prob)))
