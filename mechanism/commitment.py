"""SHA-256 Merkle commitments over chunked int64 vectors (k-ary, domain-separated).

Encoding (the Vyper verifier hashes exactly these bytes; SHA-256 is the EVM's 0x02
precompile):

* a vector of d int64 values is cut into ``L = ceil(d / C)`` chunks of ``C`` coordinates
  (``C`` a power of two; the last chunk may be shorter); chunk j is encoded as its values
  in **little-endian** int64 (the in-memory layout, so committing never copies or
  byte-swaps the vector);
* ``leaf_j = sha256(0x00 || uint256_be(j) || le64(chunk_j))``: leaves are bound to their
  index, so a chunk cannot be replayed at another position;
* ``node = sha256(0x01 || child_1 || ... || child_k)`` for arity ``k`` (a power of two,
  2 is the classic binary tree); the leaf level is padded to ``k**depth`` leaves with the
  all-zero word, ``depth = max(1, ceil(log_k L))``;
* **sum trees** (lazy fold commitments of the dispute game) carry a value per node:
  ``sleaf_j = (sha256(0x03 || uint256_be(j) || int256_be(s_j)), s_j)`` and
  ``snode = (sha256(0x02 || h_1 || int256_be(s_1) || ... || h_k || int256_be(s_k)), sum s_i)``;
  padding is ``(0x00..00, 0)``;
* **column trees** (the ``cols`` stage of every trace program) bind chunk j of all n
  input vectors at once: ``col_j = sha256(0x04 || uint256_be(j) || leaf_1j || ... ||
  leaf_nj)`` where ``leaf_tj`` is leaf j of trainer t's tree; nodes as above. One opening
  of ``col_j`` proves all n input chunks j (the verifier rehashes their leaves), instead
  of n openings of the trainers' own trees.

Domain separation (distinct first bytes for leaves and nodes) rules out the
second-preimage attack that presents an inner node as a leaf (RFC 6962, section 2.1).
Openings list, bottom-up, the ``k - 1`` siblings of the path node at every level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mechanism.errors import CommitmentError, ParameterError

LEAF_TAG = b"\x00"
NODE_TAG = b"\x01"
SUM_NODE_TAG = b"\x02"
SUM_LEAF_TAG = b"\x03"
COL_TAG = b"\x04"
ZERO = bytes(32)
#: Leaves of at least this many bytes are hashed in threads (hashlib releases the GIL
#: for inputs above 2047 bytes).
THREAD_MIN_BYTES = 2048

_sha = hashlib.sha256


def _check_pow2(name: str, v: int, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or v & (v - 1):
        raise ParameterError.bad(name, v, f"a power of two >= {lo}")
    return v


def num_chunks(d: int, chunk_size: int) -> int:
    return -(-d // chunk_size)


def tree_depth(num_leaves: int, arity: int) -> int:
    """Smallest depth >= 1 with ``arity**depth >= num_leaves``."""
    depth, cap = 1, arity
    while cap < num_leaves:
        depth, cap = depth + 1, cap * arity
    return depth


def int256_be(v: int) -> bytes:
    return int(v).to_bytes(32, "big", signed=True)


def leaf_prefix(j: int) -> bytes:
    return LEAF_TAG + int(j).to_bytes(32, "big")


def chunk_bytes(values: np.ndarray) -> bytes:
    """Little-endian int64 encoding of one chunk (the bytes the contract receives)."""
    return np.ascontiguousarray(values, dtype="<i8").tobytes()


def leaf_hash(j: int, values: np.ndarray) -> bytes:
    return _sha(leaf_prefix(j) + chunk_bytes(values)).digest()


def node_hash(children: Sequence[bytes]) -> bytes:
    return _sha(NODE_TAG + b"".join(children)).digest()


def _as_int64(values: object) -> np.ndarray:
    if hasattr(values, "numpy"):
        values = values.numpy()  # torch tensor (CPU): zero-copy view
    a = np.asarray(values)
    if a.dtype != np.int64:
        raise ParameterError.bad("values.dtype", str(a.dtype), "int64 fixed-point values")
    return np.ascontiguousarray(a, dtype="<i8")


def _hash_leaves(vec: np.ndarray, chunk_size: int) -> list[bytes]:
    """Leaf hashes of one vector with few Python calls per byte.

    Large chunks: one ``sha256(prefix)`` copy plus one ``update`` over a zero-copy
    memoryview per leaf. Small chunks: the preimages are laid out by numpy in one buffer
    and each leaf is a single ``sha256`` call on a slice of it.
    """
    d = vec.shape[0]
    nfull = d // chunk_size
    raw = memoryview(vec.view(np.uint8))  # type: ignore[arg-type]
    width = 8 * chunk_size
    out: list[bytes] = []
    if nfull and width < THREAD_MIN_BYTES:
        w = 33 + width
        buf = np.zeros((nfull, w), dtype=np.uint8)
        buf[:, 33:] = vec[: nfull * chunk_size].view(np.uint8).reshape(nfull, width)
        buf[:, 25:33] = np.arange(nfull, dtype=">u8").view(np.uint8).reshape(nfull, 8)
        mv = memoryview(buf.reshape(-1))  # type: ignore[arg-type]
        out = [_sha(mv[i : i + w]).digest() for i in range(0, nfull * w, w)]
    elif nfull:
        base = _sha(LEAF_TAG + bytes(24))
        for j in range(nfull):
            h = base.copy()
            h.update(j.to_bytes(8, "big"))
            h.update(raw[j * width : (j + 1) * width])
            out.append(h.digest())
    if d % chunk_size:
        out.append(leaf_hash(nfull, vec[nfull * chunk_size :]))
    return out


def _build_levels(leaves: list[bytes], arity: int) -> list[list[bytes]]:
    depth = tree_depth(len(leaves), arity)
    level = leaves + [ZERO] * (arity**depth - len(leaves))
    levels = [level]
    w = 32 * arity
    for _ in range(depth):
        buf = b"".join(level)
        mv = memoryview(buf)
        base = _sha(NODE_TAG)
        nxt = []
        for i in range(0, len(buf), w):
            h = base.copy()
            h.update(mv[i : i + w])
            nxt.append(h.digest())
        level = nxt
        levels.append(level)
    return levels


@dataclass(frozen=True)
class Opening:
    """Merkle path of leaf ``index``: ``siblings[l]`` are the k-1 siblings at level l."""

    index: int
    siblings: tuple[tuple[bytes, ...], ...]

    def flat(self) -> list[bytes]:
        return [s for lvl in self.siblings for s in lvl]


@dataclass(frozen=True)
class MerkleTree:
    """A k-ary commitment to an int64 vector (see the module doc for the encoding)."""

    levels: tuple[tuple[bytes, ...], ...]
    length: int
    chunk_size: int
    arity: int

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    @property
    def num_leaves(self) -> int:
        return num_chunks(self.length, self.chunk_size)

    def children(self, level: int, pos: int) -> list[bytes]:
        """The k children of node ``pos`` at ``level`` (level 0 = leaves, depth = root)."""
        k = self.arity
        return list(self.levels[level - 1][pos * k : (pos + 1) * k])

    def opening(self, j: int) -> Opening:
        if not 0 <= j < len(self.levels[0]):
            raise CommitmentError(f"leaf index {j} outside the tree of {len(self.levels[0])} leaves")
        k, sib, pos = self.arity, [], j
        for lvl in self.levels[:-1]:
            first = pos - pos % k
            sib.append(tuple(lvl[q] for q in range(first, first + k) if q != pos))
            pos //= k
        return Opening(j, tuple(sib))


def commit(values: object, chunk_size: int = 32, arity: int = 2) -> MerkleTree:
    """Commit one int64 vector (numpy array or CPU torch tensor)."""
    _check_pow2("chunk_size", chunk_size, 1)
    _check_pow2("arity", arity, 2)
    vec = _as_int64(values).reshape(-1)
    if vec.shape[0] < 1:
        raise ParameterError.bad("values", "empty", "at least one value")
    levels = _build_levels(_hash_leaves(vec, chunk_size), arity)
    return MerkleTree(tuple(tuple(v) for v in levels), vec.shape[0], chunk_size, arity)


def commit_rows(matrix: object, chunk_size: int = 32, arity: int = 2, threads: int = 2) -> list[MerkleTree]:
    """Commit every row of an (n, d) int64 matrix; threads help when leaves are large."""
    m = _as_int64(matrix)
    if m.ndim != 2:
        raise ParameterError.bad("matrix.shape", m.shape, "an (n, d) int64 matrix")
    if threads > 1 and 8 * chunk_size >= THREAD_MIN_BYTES and m.shape[0] > 1:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda r: commit(r, chunk_size, arity), m))
    return [commit(r, chunk_size, arity) for r in m]


def root_from_path(leaf: bytes, opening: Opening, arity: int) -> bytes:
    """Fold a leaf hash up its opening to the root it implies.

    The index must fit the path (``0 <= index < arity**levels``): only ``index % arity``
    is read per level, so ``index + arity**levels`` would climb the same path and pass
    for another leaf (a padding slot past the last chunk, say)."""
    h, pos = leaf, opening.index
    for sibs in opening.siblings:
        if len(sibs) != arity - 1:
            raise CommitmentError(f"opening level has {len(sibs)} siblings, expected {arity - 1}")
        i = pos % arity
        kids = [*sibs[:i], h, *sibs[i:]]
        h = node_hash(kids)
        pos //= arity
    if pos != 0:
        raise CommitmentError(f"leaf index {opening.index} outside a path of {len(opening.siblings)} levels")
    return h


def verify_opening(root: bytes, values: np.ndarray, opening: Opening, arity: int) -> bool:
    """True iff chunk ``values`` sits at leaf ``opening.index`` under ``root``."""
    try:
        return root_from_path(leaf_hash(opening.index, values), opening, arity) == root
    except CommitmentError:
        return False


def require_opening(root: bytes, values: np.ndarray, opening: Opening, arity: int, what: str) -> None:
    if not verify_opening(root, values, opening, arity):
        raise CommitmentError(f"{what}: opening of chunk {opening.index} does not match its root")


# --------------------------------------------------------------------------- sum trees

SumNode = tuple[bytes, int]
SUM_ZERO: SumNode = (ZERO, 0)


def sum_leaf(j: int, s: int) -> SumNode:
    return _sha(SUM_LEAF_TAG + int(j).to_bytes(32, "big") + int256_be(s)).digest(), int(s)


def sum_node(children: Sequence[SumNode]) -> SumNode:
    body = b"".join(h + int256_be(s) for h, s in children)
    return _sha(SUM_NODE_TAG + body).digest(), sum(s for _, s in children)


@dataclass(frozen=True)
class SumTree:
    """k-ary Merkle sum tree over per-chunk fold deltas; the root carries the total."""

    levels: tuple[tuple[SumNode, ...], ...]
    arity: int

    @property
    def root(self) -> SumNode:
        return self.levels[-1][0]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def children(self, level: int, pos: int) -> list[SumNode]:
        k = self.arity
        return list(self.levels[level - 1][pos * k : (pos + 1) * k])


def commit_sums(deltas: Sequence[int], arity: int) -> SumTree:
    _check_pow2("arity", arity, 2)
    depth = tree_depth(len(deltas), arity)
    level = [sum_leaf(j, s) for j, s in enumerate(deltas)]
    level += [SUM_ZERO] * (arity**depth - len(level))
    levels = [tuple(level)]
    for _ in range(depth):
        level = [sum_node(level[i : i + arity]) for i in range(0, len(level), arity)]
        levels.append(tuple(level))
    return SumTree(tuple(levels), arity)


# --------------------------------------------------------------------------- column trees


def col_leaf(j: int, leaves: Sequence[bytes]) -> bytes:
    """``sha256(0x04 || uint256_be(j) || leaf_1j || ... || leaf_nj)``."""
    return _sha(COL_TAG + int(j).to_bytes(32, "big") + b"".join(leaves)).digest()


def column_leaves(trees: Sequence[MerkleTree], overrides: dict[int, list[bytes]] | None = None) -> list[bytes]:
    """Column leaves of n equally shaped trees (``overrides``: j -> forged leaf hashes)."""
    m = trees[0].num_leaves
    n = len(trees)
    w = 33 + 32 * n
    buf = np.zeros((m, w), dtype=np.uint8)
    buf[:, 0] = COL_TAG[0]
    buf[:, 25:33] = np.arange(m, dtype=">u8").view(np.uint8).reshape(m, 8)
    for t, tree in enumerate(trees):
        buf[:, 33 + 32 * t : 65 + 32 * t] = np.frombuffer(b"".join(tree.levels[0][:m]), dtype=np.uint8).reshape(m, 32)
    mv = memoryview(buf.reshape(-1))  # type: ignore[arg-type]
    out = [_sha(mv[i : i + w]).digest() for i in range(0, m * w, w)]
    for j, hashes in (overrides or {}).items():
        if 0 <= j < m:
            out[j] = col_leaf(j, hashes)
    return out


def commit_columns(trees: Sequence[MerkleTree], overrides: dict[int, list[bytes]] | None = None) -> MerkleTree:
    """The column tree over the trainers' trees (same chunking and arity)."""
    if not trees:
        raise ParameterError.bad("trees", 0, "at least one input tree")
    t0 = trees[0]
    if any((t.length, t.chunk_size, t.arity) != (t0.length, t0.chunk_size, t0.arity) for t in trees):
        raise CommitmentError("column trees need equally shaped input trees")
    levels = _build_levels(column_leaves(trees, overrides), t0.arity)
    return MerkleTree(tuple(tuple(v) for v in levels), t0.length, t0.chunk_size, t0.arity)
