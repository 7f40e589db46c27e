"""Coordinate-wise median (Yin et al., ICML 2018, "Byzantine-robust distributed learning").

``out_k = x_(m)k`` for odd n (m = (n-1)/2, order statistics from 0) and
``floor((x_(n/2-1)k + x_(n/2)k) / 2)`` for even n. Breakdown: f < n/2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mechanism.aggregation._intmath import rank_sums, sorted_by_coordinate
from mechanism.aggregation.base import AggregationRule, check_f


def median_columns(x: torch.Tensor) -> torch.Tensor:
    """Fast coordinate-wise median of an (n, d) int64 tensor (even n: floor of the mid-pair)."""
    n = x.shape[0]
    if n == 1:
        return x[0].clone()
    fast = rank_sums(x, n // 2, n // 2 + 1) if n % 2 else rank_sums(x, n // 2 - 1, n // 2 + 1)
    if fast is not None:
        if n % 2 == 0:
            np.floor_divide(fast.numpy(), 2, out=fast.numpy())
        return fast
    s = sorted_by_coordinate(x)
    if n % 2:
        return torch.from_numpy(s[:, n // 2].astype(np.int64))
    mid = torch.from_numpy(s[:, n // 2 - 1].astype(np.int64) + s[:, n // 2])
    return torch.div(mid, 2, rounding_mode="floor")


@dataclass(frozen=True)
class CoordinateMedian(AggregationRule):
    f: int = 0

    name = "median"
    breakdown = "f < n/2"

    def __post_init__(self) -> None:
        check_f(self.f)

    def min_trainers(self) -> int:
        return 2 * self.f + 1

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        return median_columns(x)

    def _reference(self, rows: list[list[int]]) -> list[int]:
        n, d = len(rows), len(rows[0])
        out = []
        for k in range(d):
            col = sorted(r[k] for r in rows)
            out.append(col[n // 2] if n % 2 else (col[n // 2 - 1] + col[n // 2]) // 2)
        return out
