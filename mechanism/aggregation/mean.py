"""Weighted mean (FedAvg; McMahan et al., AISTATS 2017, Algorithm 1).

``out_k = floor( sum_i w_i x_ik / sum_i w_i )`` with integer weights ``w_i >= 0`` (sample
counts; all 1 by default). No robustness: a single trainer moves the output arbitrarily
(breakdown point 0), so the breakdown condition is f = 0; it is only ``n >= 1`` here.
Overflow: ``max|x| * sum(w) < 2**63`` is checked before summing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mechanism.aggregation._intmath import max_abs
from mechanism.aggregation.base import AggregationRule
from mechanism.errors import FixedPointOverflowError, ParameterError, ShapeError
from mechanism.params import MAX_ABS_BITS


@dataclass(frozen=True)
class WeightedMean(AggregationRule):
    """FedAvg: sample-count-weighted mean, floor-rounded."""

    weights: tuple[int, ...] | None = None

    name = "mean"
    breakdown = "f = 0 (any single trainer controls the output)"
    symmetric = True  # permute the weights with the rows

    def __post_init__(self) -> None:
        if self.weights is None:
            return
        w = tuple(self.weights)
        for v in w:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ParameterError.bad("weights", v, "non-negative integer sample counts")
        if not w or sum(w) == 0:
            raise ParameterError.bad("weights", w, "at least one positive weight")
        object.__setattr__(self, "weights", w)

    def _weights(self, n: int) -> list[int]:
        if self.weights is None:
            return [1] * n
        if len(self.weights) != n:
            raise ShapeError.bad("weights", f"length {len(self.weights)}", f"one weight per trainer (n={n})")
        return list(self.weights)

    def _check_overflow(self, amax: int, total: int) -> None:
        if amax * total >= 1 << 63:
            raise FixedPointOverflowError(
                f"weights: sum(weights)={total} times max|x|={amax} overflows int64 (2^63)"
            )

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        w = self._weights(n)
        total = sum(w)
        if total >= 1 << (63 - MAX_ABS_BITS):  # below this, |x| < 2^40 already rules out overflow
            self._check_overflow(max_abs(x), total)
        if len(set(w)) == 1:  # equal weights: floor(w sum / (n w)) == floor(sum / n)
            return torch.div(x.sum(dim=0), n, rounding_mode="floor")
        else:
            acc = torch.zeros(x.shape[1], dtype=torch.int64)
            for i, wi in enumerate(w):
                if wi:
                    acc.add_(x[i], alpha=wi)
        return torch.div(acc, total, rounding_mode="floor")

    def _reference(self, rows: list[list[int]]) -> list[int]:
        w = self._weights(len(rows))
        total = sum(w)
        self._check_overflow(max(abs(v) for r in rows for v in r), total)
        d = len(rows[0])
        return [sum(wi * r[k] for wi, r in zip(w, rows, strict=True)) // total for k in range(d)]
