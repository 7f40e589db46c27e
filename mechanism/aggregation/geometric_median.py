"""Geometric median by smoothed Weiszfeld iterations (Weiszfeld 1937; the smoothing of
Pillutla, Kakade and Harchaoui, IEEE TSP 2022, "Robust aggregation for federated
learning", Algorithm 2).

Integer specification, fixed iteration count T:

* ``z_0`` = floor mean of the rows; ``s`` = rescale shift of max|x| (see ``_intmath``);
* ``D_i = sum((x_i >> s) - (z >> s))^2``, ``r_i = isqrt(D_i) << s`` (fixed-point units);
* ``m = max(min_i r_i, nu)``, weights ``w_i = floor(m * 2**P / max(r_i, nu))`` with
  ``P = 22 - ceil(log2 n)`` so that ``sum_i w_i |x_i| < 2**63`` (each w_i <= 2**P);
* ``z_{t+1} = floor( sum_i w_i x_i / sum_i w_i )``.

z stays in the coordinate box of the rows, so the shift s is fixed for all iterations.
Breakdown: f < n/2 (breakdown point 1/2 of the geometric median).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mechanism.aggregation._intmath import (
    GRAM_BLOCK,
    ceil_log2,
    max_abs,
    ref_floor_mean,
    ref_max_abs,
    rescale_shift,
)
from mechanism.aggregation.base import AggregationRule, check_f
from mechanism.errors import ParameterError


def weiszfeld_weights(sqdists: list[int], shift: int, nu: int, n: int) -> list[int]:
    """Integer Weiszfeld weights from squared rescaled distances (module doc)."""
    p = 22 - ceil_log2(n)
    radii = [max(math.isqrt(v) << shift, nu) for v in sqdists]
    m = min(radii)
    return [(m << p) // r for r in radii]


@dataclass(frozen=True)
class GeometricMedian(AggregationRule):
    iterations: int = 10
    nu: int = 1
    f: int = 0

    name = "geometric_median"
    breakdown = "f < n/2"

    def __post_init__(self) -> None:
        check_f(self.f)
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) or not 0 <= self.iterations <= 1000:
            raise ParameterError.bad("iterations", self.iterations, "an integer in [0, 1000]")
        if isinstance(self.nu, bool) or not isinstance(self.nu, int) or self.nu < 1:
            raise ParameterError.bad("nu", self.nu, "a positive integer smoothing radius (fixed-point units)")

    def min_trainers(self) -> int:
        return 2 * self.f + 1

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        n, d = x.shape
        if n > 1 << 21:
            raise ParameterError.bad("n", n, "at most 2^21 trainers for the geometric median")
        s = rescale_shift(max_abs(x), d)
        xs = (x >> s).to(torch.float64)
        sq_x = [0] * n
        for start in range(0, d, GRAM_BLOCK):
            blk = xs[:, start : start + GRAM_BLOCK]
            sq_x = [a + b for a, b in zip(sq_x, (blk * blk).sum(dim=1).to(torch.int64).tolist(), strict=True)]
        z = torch.div(x.sum(dim=0), n, rounding_mode="floor")
        for _ in range(self.iterations):
            zs = (z >> s).to(torch.float64)
            dots = (xs @ zs).to(torch.int64).tolist()
            zz = int((zs @ zs).item())
            sqd = [sq_x[i] - 2 * dots[i] + zz for i in range(n)]
            w = weiszfeld_weights(sqd, s, self.nu, n)
            acc = torch.zeros(d, dtype=torch.int64)
            for i, wi in enumerate(w):
                if wi:
                    acc.add_(x[i], alpha=wi)
            z = torch.div(acc, sum(w), rounding_mode="floor")
        return z

    def _reference(self, rows: list[list[int]]) -> list[int]:
        n, d = len(rows), len(rows[0])
        s = rescale_shift(ref_max_abs(rows), d)
        z = ref_floor_mean(rows, range(n))
        for _ in range(self.iterations):
            sqd = [sum(((a >> s) - (b >> s)) ** 2 for a, b in zip(r, z, strict=True)) for r in rows]
            w = weiszfeld_weights(sqd, s, self.nu, n)
            total = sum(w)
            z = [sum(wi * r[k] for wi, r in zip(w, rows, strict=True)) // total for k in range(d)]
        return z
