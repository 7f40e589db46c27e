"""Norm clipping, a pre-aggregation step (Sun et al. 2019, "Can you really backdoor
federated learning?"; also the L2 validity predicate of the protocol).

``x_i <- (x_i * c_i) >> 20`` with ``c_i = floor(tau * 2**20 / r_i)`` if ``r_i > tau``
else ``2**20``, where ``r_i = isqrt(sum((x_i >> s)^2)) << s`` is the integer norm of the
rescaled row (diff-then-shift form, s from :func:`._intmath.rescale_shift`). ``tau`` is a
fixed-point radius (integer units of 2**-frac_bits). Overflow: |x| < 2**41 and
c <= 2**20, so every product is below 2**61.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mechanism.aggregation._intmath import (
    SCALE_BITS,
    Rows,
    check_radius,
    check_rows,
    check_updates,
    clip_factor,
    ref_max_abs,
    rescale_shift,
    row_sqnorms_shifted,
)


def clip_rows(diff: torch.Tensor, tau: int) -> torch.Tensor:
    """Clip every row of ``diff`` (int64, |diff| < 2**41) to integer norm ``tau``."""
    sq, s = row_sqnorms_shifted(diff, diff.shape[1])
    factors = [clip_factor(math.isqrt(v) << s, tau) for v in sq]
    if all(c == 1 << SCALE_BITS for c in factors):
        return diff.clone()
    c = torch.tensor(factors, dtype=torch.int64).unsqueeze(1)
    return (diff * c) >> SCALE_BITS


def ref_clip_rows(rows: list[list[int]], tau: int) -> list[list[int]]:
    d = len(rows[0])
    s = rescale_shift(ref_max_abs(rows), d)
    out = []
    for r in rows:
        norm = math.isqrt(sum((v >> s) ** 2 for v in r)) << s
        c = clip_factor(norm, tau)
        out.append([(v * c) >> SCALE_BITS for v in r])
    return out


@dataclass(frozen=True)
class NormClip:
    """Pre-aggregation step: clip each update to L2 norm ``tau`` (fixed-point units)."""

    tau: int

    name = "norm_clip"
    breakdown = "none (a pre-aggregation step; bounds each update's influence)"

    def __post_init__(self) -> None:
        check_radius("tau", self.tau)

    def __call__(self, updates: torch.Tensor) -> torch.Tensor:
        return clip_rows(check_updates(updates), self.tau)

    def reference(self, rows: Rows) -> list[list[int]]:
        check_rows(rows)
        return ref_clip_rows([list(r) for r in rows], self.tau)
