"""Bulyan (El Mhamdi, Guerraoui and Rouault, ICML 2018, "The hidden vulnerability of
distributed learning in Byzantium").

Stage 1: select theta = n - 2f updates by running Krum repeatedly on the remaining set
(scores over n' - f - 2 neighbours) and removing each winner. Stage 2: per coordinate,
the floor mean of the beta = theta - 2f middle values of the selected set (trim f per
side; the usual implementation of "the beta closest to the median").
Breakdown: n >= 4f + 3. Distances and tie-breaks as in :mod:`.krum`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mechanism.aggregation._intmath import order_by_score, pairwise_sqdist, ref_order_by_score
from mechanism.aggregation.base import AggregationRule, check_f
from mechanism.aggregation.krum import krum_scores, ref_pairwise_sqdist
from mechanism.aggregation.trimmed_mean import ref_trimmed_mean, trimmed_mean_columns


def bulyan_selection(dist: list[list[int]], n: int, f: int, order_fn) -> list[int]:  # type: ignore[no-untyped-def]
    remaining = list(range(n))
    chosen: list[int] = []
    for _ in range(n - 2 * f):
        scores = krum_scores(dist, remaining, f)
        pos = order_fn(scores, remaining)[0]
        chosen.append(remaining.pop(pos))
    return sorted(chosen)


def bulyan_selection_np(dist: list[list[int]], n: int, f: int, order_fn) -> list[int]:  # type: ignore[no-untyped-def]
    """:func:`bulyan_selection` with the Krum scores of each round from one numpy sort of
    the remaining rows' distances (exact: distances of rescaled operands are below 2**54
    and a score sums at most n of them, so int64 holds every value; the self-distance 0
    is the smallest entry of its row, so dropping the first sorted entry drops it)."""
    dm = np.array(dist, dtype=np.int64)
    if dm.size and int(dm.max()) >= 1 << 56:  # outside the exact int64 range: the reference loop
        return bulyan_selection(dist, n, f, order_fn)
    remaining = list(range(n))
    chosen: list[int] = []
    for _ in range(n - 2 * f):
        k = max(len(remaining) - f - 2, 0)
        sub = np.sort(dm[np.ix_(remaining, remaining)], axis=1)
        scores = sub[:, 1 : k + 1].sum(axis=1).tolist()
        pos = order_fn(scores, remaining)[0]
        chosen.append(remaining.pop(pos))
    return sorted(chosen)


@dataclass(frozen=True)
class Bulyan(AggregationRule):
    f: int = 1

    name = "bulyan"
    breakdown = "n >= 4f + 3"

    def __post_init__(self) -> None:
        check_f(self.f)

    def min_trainers(self) -> int:
        return 4 * self.f + 3

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        dist, _ = pairwise_sqdist(x)
        chosen = bulyan_selection_np(
            dist, x.shape[0], self.f, lambda sc, rem: order_by_score(sc, x, rem)
        )
        return trimmed_mean_columns(x, self.f, chosen)

    def _reference(self, rows: list[list[int]]) -> list[int]:
        dist = ref_pairwise_sqdist(rows)
        chosen = bulyan_selection(
            dist, len(rows), self.f, lambda sc, rem: ref_order_by_score(sc, [rows[i] for i in rem])
        )
        return ref_trimmed_mean([rows[i] for i in chosen], self.f)
