"""A lying proposer's forged column leaves over an update file, without holding them.

:func:`mechanism.dispute.strategies.corrupted_trace` forges the column stage by shifting
the fingerprints at chunk p (or from p on, ``after_point``) and, for every changed column
leaf q in order, drawing one trainer ``t = rng.integers(n)`` whose leaf hash it replaces
by ``sha256(b"forged" + leaf)``. In memory that is a dict of n hashes per forged leaf
(``32 n`` bytes each, ``O(n d / C)`` for ``after_point``). Here only the drawn trainers
are kept (one int64 per forged leaf; the same draws in the same order), the forged
hashes are recomputed when the game asks for one (:class:`ForgedColumns`), and the
forged column tree is rebuilt by one pass over the file's blocks that rehashes the
trainers' leaves, forges them and rehashes the column leaves into a copy of the column
leaf file (:func:`forged_column_tree`), read back with ``pread``.
"""

from __future__ import annotations

import hashlib
import operator
import os
import shutil
from typing import Any

import numpy as np

from mechanism.commitment import MerkleTree, col_leaf, num_chunks, tree_depth
from mechanism.dispute.trace import Trace
from mechanism.outofcore.merkle import (
    StoredLevel,
    block_leaves,
    column_block,
    finish_tree,
    reduce_levels,
)


def forge(leaf: bytes) -> bytes:
    """The forged leaf hash of :func:`~mechanism.dispute.strategies.corrupted_trace`."""
    return hashlib.sha256(b"forged" + leaf).digest()


class ForgedColumns(dict[int, list[bytes]]):
    """``trace.column_overrides`` of a lie: column leaf ``first + i`` claims the honest n
    leaf hashes with trainer ``trainers[i]``'s forged, computed on demand."""

    def __init__(self, honest: Trace, first: int, trainers: np.ndarray) -> None:
        super().__init__()
        self.honest, self.first, self.trainers = honest, first, trainers

    def __contains__(self, q: object) -> bool:
        try:
            j = operator.index(q)  # type: ignore[arg-type]
        except TypeError:
            return False
        return self.first <= j < self.first + len(self.trainers)

    def __bool__(self) -> bool:
        return len(self.trainers) > 0

    def __missing__(self, q: int) -> list[bytes]:
        if q not in self:
            raise KeyError(q)
        q = operator.index(q)
        hashes = [tree.levels[0][q] for tree in self.honest.input_trees]
        t = int(self.trainers[q - self.first])
        hashes[t] = forge(hashes[t])
        return hashes


def draw_forged(honest: Trace, rng: np.random.Generator, p: int, after: bool) -> ForgedColumns:
    """The trainers forged in column leaves p.. (or p), drawn one scalar call each, in
    order, as the in-memory lie draws them."""
    m = num_chunks(honest.program.d, honest.chunk_size)
    n = honest.program.n
    count = m - p if after else 1
    trainers = np.fromiter((int(rng.integers(n)) for _ in range(count)), dtype=np.int64, count=count)
    return ForgedColumns(honest, p, trainers)


def _pread(fd: int, nbytes: int, offset: int) -> bytes:
    out = b""
    while len(out) < nbytes:
        got = os.pread(fd, nbytes - len(out), offset + len(out))
        if not got:
            raise OSError(f"short read at byte {offset + len(out)}")
        out += got
    return out


def forged_column_tree(uf: Any, workdir: str, forged: ForgedColumns, block: int, name: str = "cols_lie.bin"
                       ) -> MerkleTree:
    """The column tree with ``forged``'s leaves: the column leaf file copied, the forged
    leaves rewritten (one leaf directly; a range by one pass over the blocks holding it),
    then rehashed a block at a time."""
    tr = forged.honest
    c, k, d, n = tr.chunk_size, tr.arity, tr.program.d, tr.program.n
    m = num_chunks(d, c)
    dst = os.path.join(workdir, name)
    shutil.copyfile(os.path.join(workdir, "cols.bin"), dst)
    first, last = forged.first, forged.first + len(forged.trainers)
    per = block // c
    fd = os.open(dst, os.O_RDWR)
    try:
        if last - first == 1:
            os.pwrite(fd, col_leaf(first, forged[first]), 32 * first)
        elif last > first:
            buf = np.empty((n, min(block, d)), dtype=np.int64)
            for j0 in range(first - first % per, last, per):
                lo, hi = j0 * c, min(d, (j0 + per) * c)
                w = num_chunks(hi - lo, c)
                leaves = np.frombuffer(block_leaves(uf.read_block(lo, hi, buf), c, j0), dtype=np.uint8)
                leaves = leaves.reshape(n, w, 32).copy()
                for q in range(max(first, j0), min(last, j0 + w)):
                    t = int(forged.trainers[q - first])
                    leaves[t, q - j0] = np.frombuffer(forge(leaves[t, q - j0].tobytes()), dtype=np.uint8)
                os.pwrite(fd, column_block(leaves.tobytes(), n, j0), 32 * j0)
        upper = b"".join(reduce_levels(_pread(fd, 32 * (min(m, j0 + per) - j0), 32 * j0), 1, k)
                         for j0 in range(0, m, per))
    finally:
        os.close(fd)
    size = k ** tree_depth(m, k)
    return finish_tree(upper, StoredLevel(np.memmap(dst, dtype=np.uint8, mode="r"), m, size), d, c, k)
