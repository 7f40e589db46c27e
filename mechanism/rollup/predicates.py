"""Validity predicates of a trainer's update and their fraud proofs (``TrainerValidity.vy``).

A trainer publishes, per round, two roots on chain (``Rollup.publish_update``):

* the **update root** ``commit(q, C, k).root`` (:mod:`mechanism.commitment`) of its
  int64 update ``q``;
* the **data root**: the DA layer's commitment to the bytes it published, in the update
  tree's own encoding (:func:`data_commit`, docs/protocol.md "Data availability"), so an
  honest trainer's two roots are equal and anyone holding the published bytes can
  rebuild its update tree and open any node (no proof depends on data only the trainer
  holds).

The predicates (numbered as in ``Rollup.vy``); an update is valid iff none holds:

1. out of range (the encoding of a non-finite float): some ``|q_i| > 2^40 - 1``;
2. shape: the update tree is not a tree of ``L = ceil(d / C)`` chunks of the right widths;
3. L2 norm: with ``s = rescale_shift(tau, d)`` (:mod:`mechanism.aggregation._intmath`)
   and ``S = sum_i (q_i >> s)^2``, ``isqrt(S) << s > tau``, i.e. ``S >= ((tau >> s) + 1)^2``
   -- exactly when :func:`mechanism.aggregation.clipping.clip_rows` at radius ``tau`` with
   this shift would shrink the update;
4. commitment mismatch: the committed update is not the published one (update root !=
   data root: proven by the two roots alone).

Each violation has a proof the contract checks in one transaction (1, 2, 4) or a
bisection over the sum tree of per-chunk ``S_j`` ending in ``FoldVerifier.sum_step`` (3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanism.aggregation._intmath import rescale_shift
from mechanism.commitment import (
    ZERO,
    MerkleTree,
    SumTree,
    chunk_bytes,
    commit,
    commit_sums,
    leaf_prefix,
    num_chunks,
    tree_depth,
)
from mechanism.errors import ParameterError
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.params import COMMITMENT, NON_FINITE, NORM, SHAPE


@dataclass(frozen=True)
class ValidityConfig:
    """The shape and bound every update must meet (``TrainerValidity.vy``'s immutables)."""

    d: int
    chunk: int
    arity: int
    norm_bound: int
    clock_blocks: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.norm_bound < 1 << 63:  # TrainerValidity.vy: "norm bound"
            raise ParameterError.bad("norm_bound", self.norm_bound, "1 <= tau < 2^63 (an int64 M of sum_step)")

    @property
    def leaves(self) -> int:
        return num_chunks(self.d, self.chunk)

    @property
    def depth(self) -> int:
        return tree_depth(self.leaves, self.arity)

    @property
    def shift(self) -> int:
        return rescale_shift(self.norm_bound, self.d)

    @property
    def bound_sq(self) -> int:
        """A sum of squares S is valid iff ``S < ((tau >> s) + 1)^2``."""
        return ((self.norm_bound >> self.shift) + 1) ** 2

    @property
    def verdict_clock_blocks(self) -> int:
        """Longest game: defend + D (reveal, choose) + one-step + settle."""
        return (2 * self.depth + 2) * self.clock_blocks + 2

    def width(self, j: int) -> int:
        return min(self.chunk, self.d - j * self.chunk)


# --------------------------------------------------------------------------- commitments


def data_commit(values: np.ndarray, chunk: int, arity: int) -> MerkleTree:
    """The DA commitment of published bytes: the update tree's own encoding
    (:func:`mechanism.commitment.commit`), so the data root of an honest trainer IS its
    update root and anyone holding the published bytes can open any node of it."""
    return commit(np.ascontiguousarray(values, dtype=np.int64), chunk, arity)


def chunk_sums(values: np.ndarray, cfg: ValidityConfig) -> list[int]:
    """Per-chunk ``S_j = sum (q >> s)^2`` (exact Python ints), s from the bound."""
    s = cfg.shift
    q = [int(x) >> s for x in np.asarray(values, dtype=np.int64)]
    return [sum(x * x for x in q[j * cfg.chunk:(j + 1) * cfg.chunk]) for j in range(num_chunks(len(q), cfg.chunk))]


def norm_tree(values: np.ndarray, cfg: ValidityConfig) -> SumTree:
    return commit_sums(chunk_sums(values, cfg), cfg.arity)


# --------------------------------------------------------------------------- predicates


def violations(committed: np.ndarray, published: np.ndarray, cfg: ValidityConfig) -> set[int]:
    """Every predicate the update breaks: ``committed`` is the vector under the update root,
    ``published`` the one under the data root (honest: the same)."""
    c = np.asarray(committed, dtype=np.int64)
    out: set[int] = set()
    if c.ndim != 1 or c.shape[0] != cfg.d:
        out.add(SHAPE)
        return out
    if bool(np.any(np.abs(c.astype(object)) > MAX_ABS_INT)):
        out.add(NON_FINITE)
    if sum(chunk_sums(c, cfg)) >= cfg.bound_sq:
        out.add(NORM)
    p = np.asarray(published, dtype=np.int64)
    if p.shape != c.shape or bool(np.any(p != c)):
        out.add(COMMITMENT)
    return out


# --------------------------------------------------------------------------- proofs


def node_path(tree: MerkleTree, level: int, pos: int) -> list[bytes]:
    """Flat bottom-up siblings of the node at ``level`` (0 = leaves), position ``pos``."""
    k, out = tree.arity, []
    for lvl in tree.levels[level:-1]:
        first = pos - pos % k
        out += [lvl[q] for q in range(first, first + k) if q != pos]
        pos //= k
    return out


def _leaf_pre(j: int, vals: np.ndarray) -> bytes:
    return leaf_prefix(j) + chunk_bytes(vals)


def range_proof(committed: np.ndarray, cfg: ValidityConfig) -> tuple[int, bytes, list[bytes]]:
    """``prove_range`` arguments: (j, chunk bytes, siblings) of a chunk out of range."""
    c = np.asarray(committed, dtype=np.int64)
    tree = commit(c, cfg.chunk, cfg.arity)
    i = int(np.flatnonzero(np.abs(c.astype(object)) > MAX_ABS_INT)[0])
    j = i // cfg.chunk
    return j, chunk_bytes(c[j * cfg.chunk:(j + 1) * cfg.chunk]), node_path(tree, 0, j)


def shape_proof(committed: np.ndarray, cfg: ValidityConfig) -> tuple[int, int, bytes, list[bytes], bytes]:
    """``prove_shape`` arguments (t, j, h, siblings, preimage) for a vector of length != d."""
    c = np.asarray(committed, dtype=np.int64)
    tree = commit(c, cfg.chunk, cfg.arity)
    D, Dt, L, n = cfg.depth, tree.depth, cfg.leaves, tree.num_leaves
    if Dt > D:  # an inner node where a leaf must be
        lvl = Dt - D
        return D, 0, tree.levels[lvl][0], node_path(tree, lvl, 0), b"\x01" + b"".join(tree.children(lvl, 0))
    if Dt < D:  # a leaf where an inner node must be
        return Dt, 0, tree.levels[0][0], node_path(tree, 0, 0), _leaf_pre(0, c[:cfg.chunk])
    if n > L:  # a non-zero word in the padding
        return D, L, tree.levels[0][L], node_path(tree, 0, L), b""
    if n < L:  # a zero word where a chunk must be
        return D, L - 1, ZERO, node_path(tree, 0, L - 1), b""
    j = L - 1  # same chunk count, last chunk of the wrong width
    return D, j, tree.levels[0][j], node_path(tree, 0, j), _leaf_pre(j, c[j * cfg.chunk:])


def mismatch_proof(published: np.ndarray, cfg: ValidityConfig) -> tuple[()]:
    """``prove_mismatch`` arguments besides the dispute id: none. The roots alone prove
    it (the update root differs from the data root), so a challenger needs only what is
    public -- the published bytes to know the update is not theirs, nothing withheld."""
    return ()


def chunk_opening(committed: np.ndarray, cfg: ValidityConfig, j: int) -> tuple[bytes, list[bytes]]:
    """``onestep`` arguments: chunk j's bytes and its siblings under the update root."""
    c = np.asarray(committed, dtype=np.int64)
    return chunk_bytes(c[j * cfg.chunk:(j + 1) * cfg.chunk]), node_path(commit(c, cfg.chunk, cfg.arity), 0, j)
