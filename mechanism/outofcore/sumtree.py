"""The per-chunk Merkle sum tree of a fold item (:func:`mechanism.commitment.commit_sums`)
built one coordinate block at a time.

Same encoding, same root: leaf j is ``sum_leaf(j, delta_j)`` for the ``m = ceil(d / C)``
chunks and ``SUM_ZERO`` up to ``k**depth``, every node ``sum_node`` of its k children
(padding nodes included). A block of ``B`` coordinates (a multiple of ``C k^2``) holds
whole level-2 subtrees, so one pass computes each block's per-chunk deltas, hashes its
leaves (one batch call) and two node levels, and keeps the level-2 nodes and above
(``m / k^2`` nodes, about 100 bytes each); levels 0 and 1 are recomputed on demand from
the k or k^2 chunks a game's ``reveal`` asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mechanism.commitment import (
    SUM_LEAF_TAG,
    SUM_NODE_TAG,
    SUM_ZERO,
    SumNode,
    SumTree,
    _int256_rows,
    commit_sums,
    hash_records,
    sum_leaf,
    sum_node,
    tree_depth,
)

#: chunk deltas of chunks [c0, c1) as int64 values
ChunkDeltas = Callable[[int, int], np.ndarray]
STORED_FROM = 2


def _hash_nodes(hashes: np.ndarray, sums: np.ndarray, arity: int) -> tuple[np.ndarray, np.ndarray]:
    """One node level over (w, 32) hashes and w sums (w a multiple of ``arity``)."""
    cnt = len(sums) // arity
    rec = np.empty((len(sums), 64), dtype=np.uint8)
    rec[:, :32] = hashes
    rec[:, 32:] = _int256_rows(sums)
    out = hash_records(rec.reshape(-1), 64 * arity, cnt, SUM_NODE_TAG[0], False, 0)
    return np.frombuffer(out, dtype=np.uint8).reshape(cnt, 32), sums.reshape(cnt, arity).sum(axis=1)


def _leaves(deltas: np.ndarray, first: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Leaf hashes and sums of chunks ``first ..`` (``len(deltas)`` real ones), padded with
    ``SUM_ZERO`` to ``width``."""
    m = len(deltas)
    hashes = np.zeros((width, 32), dtype=np.uint8)
    sums = np.zeros(width, dtype=np.int64)
    sums[:m] = deltas
    if m:
        raw = hash_records(_int256_rows(sums[:m]).reshape(-1), 32, m, SUM_LEAF_TAG[0], True, first)
        hashes[:m] = np.frombuffer(raw, dtype=np.uint8).reshape(m, 32)
    return hashes, sums


class _LowLevel(Sequence[SumNode]):
    """Level 0 or 1 of the tree, recomputed from the chunk deltas on indexing."""

    def __init__(self, level: int, deltas: ChunkDeltas, m: int, arity: int, size: int) -> None:
        self.level, self.deltas, self.m, self.arity, self.size = level, deltas, m, arity, size

    def __len__(self) -> int:
        return self.size

    def _range(self, lo: int, hi: int) -> list[SumNode]:
        span = self.arity**self.level
        c0, c1 = lo * span, min(self.m, hi * span)
        v = [int(u) for u in self.deltas(c0, c1)] if c1 > c0 else []
        leaves = [sum_leaf(c0 + i, s) for i, s in enumerate(v)] + [SUM_ZERO] * ((hi - lo) * span - len(v))
        if self.level == 0:
            return leaves
        k = self.arity
        return [sum_node(leaves[i : i + k]) for i in range(0, len(leaves), k)]

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            lo, hi, _ = i.indices(self.size)
            return tuple(self._range(lo, hi)) if hi > lo else ()
        k = int(i) + (self.size if int(i) < 0 else 0)
        if not 0 <= k < self.size:
            raise IndexError(i)
        return self._range(k, k + 1)[0]


def file_sum_tree(deltas: ChunkDeltas, m: int, arity: int, chunks_per_block: int) -> SumTree:
    """:func:`~mechanism.commitment.commit_sums` of the ``m`` chunk deltas ``deltas(c0, c1)``,
    read ``chunks_per_block`` chunks (a multiple of ``arity**2``) at a time."""
    depth = tree_depth(m, arity)
    if depth <= STORED_FROM:
        return commit_sums([int(v) for v in deltas(0, m)], arity)
    unit = arity**STORED_FROM
    hs, ss = [], []
    for c0 in range(0, m, chunks_per_block):
        c1 = min(m, c0 + chunks_per_block)
        width = -(-(c1 - c0) // unit) * unit
        h, s = _leaves(np.asarray(deltas(c0, c1), dtype=np.int64), c0, width)
        for _ in range(STORED_FROM):
            h, s = _hash_nodes(h, s, arity)
        hs.append(h)
        ss.append(s)
    h, s = np.concatenate(hs), np.concatenate(ss)
    pad_h, pad_s = np.zeros((1, 32), dtype=np.uint8), np.zeros(1, dtype=np.int64)
    for _ in range(STORED_FROM):  # the root of an all-padding level-2 subtree
        pad_h, pad_s = _hash_nodes(np.repeat(pad_h, arity, axis=0), np.repeat(pad_s, arity), arity)
    full = arity ** (depth - STORED_FROM)
    h = np.concatenate([h, np.repeat(pad_h, full - len(s), axis=0)])
    s = np.concatenate([s, np.repeat(pad_s, full - len(s))])
    levels: list[Sequence[SumNode]] = [_LowLevel(lvl, deltas, m, arity, arity ** (depth - lvl))
                                       for lvl in range(STORED_FROM)]
    while True:
        raw = h.tobytes()
        levels.append(tuple((raw[32 * i : 32 * i + 32], int(v)) for i, v in enumerate(s.tolist())))
        if len(s) == 1:
            break
        h, s = _hash_nodes(h, s, arity)
    return SumTree(tuple(levels), arity)  # type: ignore[arg-type]
