"""Centered clipping (Karimireddy, He and Jaggi, ICML 2021, "Learning from history for
Byzantine robust optimization", eq. (CC)).

``v_{l+1} = v_l + floor( sum_i clip_tau(x_i - v_l) / n )`` for l = 0..L-1, with
``v_0 = 0`` (no change of the global model; pass ``center`` to start elsewhere is not
supported to keep the rule a pure function of the updates) and ``clip_tau`` the
integer norm clipping of :mod:`.clipping`. Each step keeps ``v`` inside the coordinate
box of {v_0, x_1..x_n}, so |v| <= 2**40 and every difference stays below 2**41.
Breakdown: f < n/2 with tau chosen for the honest spread (Karimireddy et al., Thm. III).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mechanism.aggregation._intmath import SCALE_BITS, check_radius, clip_factor, rescale_shift
from mechanism.aggregation.base import AggregationRule, check_f
from mechanism.aggregation.clipping import ref_clip_rows
from mechanism.errors import ParameterError

#: Column block of the two passes (keeps n x BLOCK int64 temporaries in cache).
BLOCK = 1 << 13


@dataclass(frozen=True)
class CenteredClipping(AggregationRule):
    tau: int = 1 << 20
    iterations: int = 3
    f: int = 0

    name = "centered_clipping"
    breakdown = "f < n/2"

    def __post_init__(self) -> None:
        check_radius("tau", self.tau)
        check_f(self.f)
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) or not 1 <= self.iterations <= 100:
            raise ParameterError.bad("iterations", self.iterations, "an integer in [1, 100]")

    def min_trainers(self) -> int:
        return 2 * self.f + 1

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        n, d = x.shape
        v = torch.zeros(d, dtype=torch.int64)
        col_max, col_min = x.max(dim=0).values, x.min(dim=0).values
        for _ in range(self.iterations):
            # max |x_i - v| over all entries, from the column extremes (no n x d pass)
            s = rescale_shift(max(int((col_max - v).abs().max()), int((col_min - v).abs().max())), d)
            sq = torch.zeros(n, dtype=torch.int64)
            for a in range(0, d, BLOCK):  # pass 1: squared norms, cache-sized blocks
                sh = (x[:, a : a + BLOCK] - v[a : a + BLOCK]) >> s
                sq += (sh * sh).sum(dim=1)
            c = torch.tensor([clip_factor(math.isqrt(q) << s, self.tau) for q in sq.tolist()],
                             dtype=torch.int64).unsqueeze(1)
            step = torch.empty(d, dtype=torch.int64)
            for a in range(0, d, BLOCK):  # pass 2: clipped differences, summed
                diff = x[:, a : a + BLOCK] - v[a : a + BLOCK]
                step[a : a + BLOCK] = ((diff * c) >> SCALE_BITS).sum(dim=0)
            v = v + torch.div(step, n, rounding_mode="floor")
        return v

    def _reference(self, rows: list[list[int]]) -> list[int]:
        n, d = len(rows), len(rows[0])
        v = [0] * d
        for _ in range(self.iterations):
            diff = [[a - b for a, b in zip(r, v, strict=True)] for r in rows]
            clipped = ref_clip_rows(diff, self.tau)
            v = [v[k] + sum(c[k] for c in clipped) // n for k in range(d)]
        return v
