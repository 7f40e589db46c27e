"""Coordinate-wise trimmed mean (Yin et al., ICML 2018).

Per coordinate, drop the f smallest and f largest values and take
``floor(sum of the remaining n - 2f / (n - 2f))``. Breakdown: f < n/2 (n >= 2f + 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mechanism.aggregation._intmath import rank_sums, sorted_by_coordinate
from mechanism.aggregation.base import AggregationRule, check_f


def trimmed_mean_columns(x: torch.Tensor, f: int, rows: Sequence[int] | None = None) -> torch.Tensor:
    """Fast coordinate-wise trimmed mean of an (n, d) int64 tensor (of ``x[rows]`` when
    given, without copying those rows when the compiled kernel is built)."""
    n = x.shape[0] if rows is None else len(rows)
    keep = n - 2 * f
    fast = rank_sums(x, f, n - f, rows) if f else None
    if fast is not None:
        np.floor_divide(fast.numpy(), keep, out=fast.numpy())  # floor, in place
        return fast
    if rows is not None:
        return trimmed_mean_columns(x[list(rows)], f)
    if f == 0:
        acc = x.sum(dim=0)
    else:
        acc = torch.from_numpy(sorted_by_coordinate(x)[:, f : n - f].sum(axis=1, dtype=np.int64))
    return torch.div(acc, keep, rounding_mode="floor")


def ref_trimmed_mean(rows: list[list[int]], f: int) -> list[int]:
    n, d = len(rows), len(rows[0])
    out = []
    for k in range(d):
        col = sorted(r[k] for r in rows)
        out.append(sum(col[f : n - f]) // (n - 2 * f))
    return out


@dataclass(frozen=True)
class TrimmedMean(AggregationRule):
    f: int = 1

    name = "trimmed_mean"
    breakdown = "f < n/2 (n >= 2f + 1)"

    def __post_init__(self) -> None:
        check_f(self.f)

    def min_trainers(self) -> int:
        return 2 * self.f + 1

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        return trimmed_mean_columns(x, self.f)

    def _reference(self, rows: list[list[int]]) -> list[int]:
        return ref_trimmed_mean(rows, self.f)
