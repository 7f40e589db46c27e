"""Merkle trees of :mod:`mechanism.commitment` built one coordinate block at a time.

Same encoding, same roots (module doc of :mod:`mechanism.commitment`): a block of ``w``
coordinates (a multiple of ``C k^2``) holds ``w / C`` whole leaves and ``w / (C k^2)``
whole level-2 subtrees, so hashing its leaves (one batch-kernel call for all n rows,
leaf index ``start + i mod w / C``) and two node levels gives that block's level-2 nodes
of every row and, from the same leaf hashes, its column leaves
(``sha256(0x04 || j || leaf_1j || ... || leaf_nj)``). Levels >= 2 are kept
(``32 d / (C k^2)`` bytes a tree, padding never stored); levels 0 and 1 are recomputed on demand from the
values (:class:`LeafLevel`, :class:`NodeLevel`), so an opening re-reads ``k^2 C`` values.
The column tree keeps its leaves (``32 d / C`` bytes) in a file: they are the hashes of n
leaves each, and the game reads the fingerprints and openings from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mechanism import _native
from mechanism.commitment import (
    COL_TAG,
    LEAF_TAG,
    NODE_TAG,
    ZERO,
    HashSequence,
    MerkleTree,
    col_leaf,
    commit,
    hash_records,
    leaf_hash,
    node_hash,
    num_chunks,
    tree_depth,
)
from mechanism.errors import ParameterError

#: levels below this one are recomputed on demand
STORED_FROM = 2


class _LazyLevel(HashSequence):
    """A tree level of ``size`` hashes computed by ``_get`` on demand."""

    size: int

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        return (self._get(k) for k in range(self.size))


class LeafLevel(_LazyLevel):
    """Leaves of a vector read through ``values[lo:hi]`` (a memory map or any sliceable
    int64 vector); the padding past the last chunk is the zero word."""

    def __init__(self, values: Any, length: int, chunk_size: int, size: int) -> None:
        self.values, self.length, self.chunk_size, self.size = values, length, chunk_size, size
        self.num_leaves = num_chunks(length, chunk_size)

    def _get(self, j: int) -> bytes:
        if j >= self.num_leaves:
            return ZERO
        c = self.chunk_size
        return leaf_hash(j, np.asarray(self.values[j * c : min(self.length, (j + 1) * c)], dtype=np.int64))


class StoredLevel(_LazyLevel):
    """``stored`` hashes in a raw buffer (or a file map), then ``pad`` (the root of an
    all-padding subtree of this level) up to ``size``: padding is never stored."""

    def __init__(self, raw: Any, stored: int, size: int, pad: bytes = ZERO) -> None:
        self.raw, self.stored, self.size, self.pad = raw, stored, size, pad

    def _get(self, j: int) -> bytes:
        return bytes(self.raw[32 * j : 32 * j + 32]) if j < self.stored else self.pad


class NodeLevel(_LazyLevel):
    """Node level over a child level: ``node_hash`` of k children, on demand."""

    def __init__(self, child: Sequence[bytes], arity: int) -> None:
        self.child, self.arity, self.size = child, arity, len(child) // arity

    def _get(self, i: int) -> bytes:
        k = self.arity
        return node_hash(list(self.child[i * k : (i + 1) * k]))


# --------------------------------------------------------------------------- per block


def check_block(block: int, chunk_size: int, arity: int) -> int:
    unit = chunk_size * arity**STORED_FROM
    if block < unit or block % unit:
        raise ParameterError.bad("block", block, f"a positive multiple of chunk_size * arity**2 = {unit}")
    return block


def block_leaves(vals: np.ndarray, chunk_size: int, first_leaf: int) -> bytes:
    """Leaf hashes of every row of an (r, w) int64 block starting at leaf ``first_leaf``,
    row after row (``ceil(w / C)`` a row; a short last chunk only at the vector's end)."""
    vals = np.ascontiguousarray(vals, dtype="<i8")
    r, w = vals.shape
    full, rest = divmod(w, chunk_size)
    if rest == 0 and _native.sha256 is not None:
        return _native.sha256.hash_records(vals.reshape(-1).view(np.uint8), 8 * chunk_size, r * full,
                                           LEAF_TAG[0], True, first_leaf, _native.threads(), full)
    out = []
    for t in range(r):
        row = vals[t]
        out.append(hash_records(row.view(np.uint8), 8 * chunk_size, full, LEAF_TAG[0], True, first_leaf))
        if rest:
            out.append(leaf_hash(first_leaf + full, row[full * chunk_size :]))
    return b"".join(out)


def reduce_levels(leaves: bytes, rows: int, arity: int, up: int = STORED_FROM) -> bytes:
    """``up`` node levels over each row's leaves (the row padded with zero words to a
    multiple of ``arity**up``): the rows' level-``up`` nodes, row after row."""
    per = len(leaves) // (32 * rows)
    unit = arity**up
    padded = -(-per // unit) * unit
    if padded != per:
        a = np.zeros((rows, padded, 32), dtype=np.uint8)
        a[:, :per] = np.frombuffer(leaves, dtype=np.uint8).reshape(rows, per, 32)
        leaves = a.tobytes()
    level, cnt = leaves, rows * padded
    for _ in range(up):
        cnt //= arity
        level = hash_records(level, 32 * arity, cnt, NODE_TAG[0])
    return level


def column_block(leaves: bytes, rows: int, first_leaf: int) -> bytes:
    """Column leaves of a block from its rows' leaf hashes (row after row)."""
    per = len(leaves) // (32 * rows)
    mv = memoryview(leaves)
    srcs = [mv[32 * per * t : 32 * per * (t + 1)] for t in range(rows)]
    if _native.sha256 is not None:
        return _native.sha256.hash_columns(srcs, 32, per, COL_TAG[0], first_leaf, _native.threads())
    return b"".join(col_leaf(first_leaf + j, [bytes(s[32 * j : 32 * j + 32]) for s in srcs]) for j in range(per))


@dataclass(frozen=True)
class BlockHashes:
    """What one block contributes: the rows' level-2 nodes, its column leaves and the
    column tree's level-2 nodes (empty when columns are not asked for)."""

    rows_upper: bytes
    col_leaves: bytes
    col_upper: bytes


def hash_block(vals: np.ndarray, lo: int, chunk_size: int, arity: int, columns: bool = True) -> BlockHashes:
    first = lo // chunk_size
    leaves = block_leaves(vals, chunk_size, first)
    r = vals.shape[0]
    cols = column_block(leaves, r, first) if columns else b""
    return BlockHashes(reduce_levels(leaves, r, arity), cols, reduce_levels(cols, 1, arity) if columns else b"")


# --------------------------------------------------------------------------- assembling


def zero_node(arity: int, level: int) -> bytes:
    """The root of an all-padding subtree of height ``level``."""
    h = ZERO
    for _ in range(level):
        h = node_hash([h] * arity)
    return h


def finish_tree(upper: bytes, base: Sequence[bytes], length: int, chunk_size: int, arity: int) -> MerkleTree:
    """The tree whose level-2 nodes are ``upper`` (unpadded) and leaf level ``base``
    (padded, on demand): each level above keeps its real nodes only, the padding nodes
    are the all-padding subtree roots (:func:`zero_node`)."""
    depth = tree_depth(num_chunks(length, chunk_size), arity)
    levels: list[Sequence[bytes]] = [base, NodeLevel(base, arity)]
    level = upper
    for lvl in range(STORED_FROM, depth + 1):
        pad, cnt = zero_node(arity, lvl), len(level) // 32
        levels.append(StoredLevel(level, cnt, arity ** (depth - lvl), pad))
        if lvl < depth:
            whole = -(-cnt // arity) * arity
            level = hash_records(level + pad * (whole - cnt), 32 * arity, whole // arity, NODE_TAG[0])
    return MerkleTree(tuple(levels), length, chunk_size, arity)


def vector_tree(get: Callable[[int, int], np.ndarray], values: Any, length: int, chunk_size: int, arity: int,
                block: int) -> MerkleTree:
    """The commitment of one length-d vector whose ``[lo, hi)`` slice is ``get(lo, hi)``
    (the tree's leaves are recomputed from ``values[lo:hi]`` on demand)."""
    if tree_depth(num_chunks(length, chunk_size), arity) < STORED_FROM:
        return commit(np.asarray(values[:length], dtype=np.int64), chunk_size, arity)
    check_block(block, chunk_size, arity)
    upper = b"".join(reduce_levels(block_leaves(get(lo, min(length, lo + block))[None, :], chunk_size,
                                                lo // chunk_size), 1, arity)
                     for lo in range(0, length, block))
    size = arity ** tree_depth(num_chunks(length, chunk_size), arity)
    return finish_tree(upper, LeafLevel(values, length, chunk_size, size), length, chunk_size, arity)


@dataclass(frozen=True)
class Committed:
    """Row trees (levels >= 2 kept, lower levels read from the update file) and the column
    tree (leaves in ``col_path``)."""

    rows: list[MerkleTree]
    columns: MerkleTree | None
    col_path: str | None


def assemble(uf_map: Any, d: int, n: int, chunk_size: int, arity: int, results: Iterable[BlockHashes],
             col_path: str | Path | None) -> Committed:
    """Trees from the per-block results, in block order (the column leaves are written to
    ``col_path`` as they come)."""
    m = num_chunks(d, chunk_size)
    size = arity ** tree_depth(m, arity)
    rows_upper: list[list[bytes]] = [[] for _ in range(n)]
    col_upper = []
    fh = open(col_path, "wb") if col_path is not None else None  # noqa: SIM115 (closed below)
    try:
        for res in results:
            per = len(res.rows_upper) // n
            for t in range(n):
                rows_upper[t].append(res.rows_upper[t * per : (t + 1) * per])
            if fh is not None:
                fh.write(res.col_leaves)
                col_upper.append(res.col_upper)
    finally:
        if fh is not None:
            fh.close()
    rows = [finish_tree(b"".join(u), LeafLevel(uf_map[t], d, chunk_size, size), d, chunk_size, arity)
            for t, u in enumerate(rows_upper)]
    cols = None
    if col_path is not None:
        raw = np.memmap(col_path, dtype=np.uint8, mode="r") if m else b""
        cols = finish_tree(b"".join(col_upper), StoredLevel(raw, m, size), d, chunk_size, arity)
    return Committed(rows, cols, str(col_path) if col_path is not None else None)


def commit_file(uf: Any, chunk_size: int = 16, arity: int = 16, block: int = 0, col_path: str | Path | None = None,
                on_block: Callable[[int, int, np.ndarray], None] | None = None) -> Committed:
    """Commit every row of an :class:`~.store.UpdateFile` (and, with ``col_path``, the
    column tree) in one pass over coordinate blocks; ``on_block(lo, hi, vals)`` sees each
    block too (aggregation or a trace stage in the same read)."""
    from mechanism.outofcore.store import BLOCK_COORDS, blocks

    block = check_block(block or BLOCK_COORDS, chunk_size, arity)
    if tree_depth(num_chunks(uf.d, chunk_size), arity) < STORED_FROM:
        raise ParameterError.bad("params", uf.d, f"more than chunk_size * arity = {chunk_size * arity} (in memory below)")
    buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)

    def results() -> Iterator[BlockHashes]:
        for lo, hi in blocks(uf.d, block):
            vals = uf.read_block(lo, hi, buf)
            if on_block is not None:
                on_block(lo, hi, vals)
            yield hash_block(vals, lo, chunk_size, arity, col_path is not None)

    return assemble(uf.memmap(), uf.d, uf.n, chunk_size, arity, results(), col_path)
