"""Krum and Multi-Krum (Blanchard et al., NeurIPS 2017, "Machine learning with
adversaries: Byzantine tolerant gradient descent").

score(i) = sum of the n - f - 2 smallest squared distances ||x_i - x_j||^2, j != i.
Krum returns the update with the lowest score; Multi-Krum returns the floor mean of the
m updates with the lowest scores (m = n - f by default). Breakdown: n > 2f + 2.

Exact arithmetic: distances use rescaled operands ``x >> s`` (see
:mod:`mechanism.aggregation._intmath`), computed by an exact float64 Gram matrix.
Tie-break: equal scores are ordered by the rows' content, lexicographically as int64
sequences, so the output bytes are invariant under any permutation of the trainers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mechanism.aggregation._intmath import (
    floor_mean_rows,
    order_by_score,
    pairwise_sqdist,
    ref_floor_mean,
    ref_max_abs,
    ref_order_by_score,
    ref_sqdist,
    rescale_shift,
)
from mechanism.aggregation.base import AggregationRule, check_f
from mechanism.errors import ParameterError


def krum_scores(dist: list[list[int]], members: list[int], f: int) -> list[int]:
    """Krum scores of ``members`` against each other (n' - f - 2 nearest, at least 0)."""
    k = max(len(members) - f - 2, 0)
    scores = []
    for i in members:
        row = sorted(dist[i][j] for j in members if j != i)
        scores.append(sum(row[:k]))
    return scores


def ref_pairwise_sqdist(rows: list[list[int]]) -> list[list[int]]:
    s = rescale_shift(ref_max_abs(rows), len(rows[0]))
    return [[ref_sqdist(a, b, s) for b in rows] for a in rows]


@dataclass(frozen=True)
class Krum(AggregationRule):
    f: int = 1

    name = "krum"
    breakdown = "n > 2f + 2"

    def __post_init__(self) -> None:
        check_f(self.f)

    def min_trainers(self) -> int:
        return 2 * self.f + 3

    def select(self, x: torch.Tensor) -> int:
        dist, _ = pairwise_sqdist(x)
        members = list(range(x.shape[0]))
        return order_by_score(krum_scores(dist, members, self.f), x)[0]

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        return x[self.select(x)].clone()

    def _reference(self, rows: list[list[int]]) -> list[int]:
        dist = ref_pairwise_sqdist(rows)
        members = list(range(len(rows)))
        return list(rows[ref_order_by_score(krum_scores(dist, members, self.f), rows)[0]])


@dataclass(frozen=True)
class MultiKrum(AggregationRule):
    f: int = 1
    m: int | None = None

    name = "multi_krum"
    breakdown = "n > 2f + 2, 1 <= m <= n"

    def __post_init__(self) -> None:
        check_f(self.f)
        if self.m is not None and (isinstance(self.m, bool) or not isinstance(self.m, int) or self.m < 1):
            raise ParameterError.bad("m", self.m, "a positive integer number of selected updates")

    def min_trainers(self) -> int:
        return max(2 * self.f + 3, self.m or 1)

    def _m(self, n: int) -> int:
        return self.m if self.m is not None else n - self.f

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        total = torch.empty(x.shape[1], dtype=torch.int64)
        dist, _ = pairwise_sqdist(x, total)  # the column sums come from the same pass
        members = list(range(x.shape[0]))
        order = order_by_score(krum_scores(dist, members, self.f), x)
        return floor_mean_rows(x, sorted(order[: self._m(x.shape[0])]), total)

    def _reference(self, rows: list[list[int]]) -> list[int]:
        dist = ref_pairwise_sqdist(rows)
        members = list(range(len(rows)))
        order = ref_order_by_score(krum_scores(dist, members, self.f), rows)
        return ref_floor_mean(rows, order[: self._m(len(rows))])
