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

Speed: all leaves of a vector, all nodes of a tree level and all column leaves are hashed
by one call of the compiled batch kernel (:mod:`mechanism._native`, GIL released, threads
over blocks of records) over a contiguous buffer; a level is stored as one bytes buffer
(:class:`HashLevel`). Without the kernel the same preimages are hashed by ``hashlib``
(:func:`hash_records_py`), which is the specification the kernel is tested against.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import numpy as np

from mechanism import _native
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
#: a node of a k-ary tree (a hash, or a hash and a sum)
N = TypeVar("N")

#: commit_rows hashes the leaves of as many rows per kernel call as fit this many bytes.
ROWS_LEAF_BYTES = 1 << 24
#: Column leaves are gathered and hashed this many at a time (bounds the gather buffer).
COLUMN_BLOCK = 1 << 13

_sha = hashlib.sha256


def hash_records_py(data: Any, record_len: int, count: int, tag: int = -1, indexed: bool = False,
                    start: int = 0) -> bytes:
    """``sha256([tag] || [uint256_be(start + i)] || data[i*w:(i+1)*w])`` for ``i < count``,
    concatenated: the pure-Python specification of the batch kernel."""
    mv = memoryview(data).cast("B")
    if len(mv) < record_len * count:
        raise CommitmentError(f"record buffer of {len(mv)} bytes holds fewer than {count} records of {record_len}")
    pre = bytes([tag]) if tag >= 0 else b""
    w = record_len
    if indexed:
        out = []
        for i in range(count):
            h = _sha(pre + (start + i).to_bytes(32, "big"))
            h.update(mv[i * w : (i + 1) * w])
            out.append(h.digest())
        return b"".join(out)
    base = _sha(pre)
    out = []
    for i in range(count):
        h = base.copy()
        h.update(mv[i * w : (i + 1) * w])
        out.append(h.digest())
    return b"".join(out)


def hash_records(data: Any, record_len: int, count: int, tag: int = -1, indexed: bool = False,
                 start: int = 0, native: bool = True) -> bytes:
    """Batch hash of equally long records (see :func:`hash_records_py`): the compiled
    kernel when it is built and ``native``, else ``hashlib``; both give the same bytes."""
    if count == 0:
        return b""
    kernel = _native.sha256 if native else None
    if kernel is not None:
        return kernel.hash_records(data, record_len, count, tag, indexed, start, _native.threads())
    return hash_records_py(data, record_len, count, tag, indexed, start)


def level_index(i: int, n: int) -> int:
    """``i`` as a position in a level of ``n`` hashes (negative counts from the end)."""
    k = i.__index__()
    if k < 0:
        k += n
    if not 0 <= k < n:
        raise IndexError(f"hash index {i} outside a level of {n}")
    return k


class HashSequence(Sequence[bytes]):
    """A sequence of 32-byte hashes read through ``_get(k)`` for ``0 <= k < len(self)``:
    indexing returns one hash, slicing a tuple of them."""

    __slots__ = ()

    def _get(self, k: int) -> bytes:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[bytes, ...]: ...
    def __getitem__(self, i: int | slice) -> bytes | tuple[bytes, ...]:
        n = len(self)
        if isinstance(i, slice):
            return tuple(self._get(k) for k in range(*i.indices(n)))
        return self._get(level_index(i, n))


class HashLevel(HashSequence):
    """One tree level: ``len(raw) // 32`` hashes stored in one bytes buffer.

    Indexing returns a 32-byte ``bytes``, slicing a tuple of them, so a level reads like
    the tuple of hashes it stands for (and compares equal to one)."""

    __slots__ = ("_n", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = bytes(raw)
        self._n = len(self.raw) // 32

    def __len__(self) -> int:
        return self._n

    def _get(self, k: int) -> bytes:
        return self.raw[32 * k : 32 * k + 32]

    def __iter__(self) -> Iterator[bytes]:
        r = self.raw
        return (r[k : k + 32] for k in range(0, len(r), 32))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HashLevel):
            return self.raw == other.raw
        if isinstance(other, (tuple, list)):
            return len(other) == self._n and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"HashLevel({self._n} hashes)"


def level_bytes(level: Sequence[bytes]) -> bytes:
    """The concatenated hashes of a level (no copy for a :class:`HashLevel`)."""
    return level.raw if isinstance(level, HashLevel) else b"".join(level)


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


def _hash_leaves(vec: np.ndarray, chunk_size: int, native: bool = True) -> bytes:
    """The concatenated leaf hashes of one vector: one batch call over the full chunks
    (the vector's own bytes, no copy), one ``hashlib`` call for a short last chunk."""
    d = vec.shape[0]
    nfull = d // chunk_size
    out = hash_records(vec.view(np.uint8), 8 * chunk_size, nfull, LEAF_TAG[0], True, 0, native)
    if d % chunk_size:
        out += leaf_hash(nfull, vec[nfull * chunk_size :])
    return out


def _build_levels(leaves: bytes | Sequence[bytes], arity: int, native: bool = True) -> tuple[HashLevel, ...]:
    """Pad the leaf level (concatenated hashes, or a sequence of them) with zero words to
    ``arity**depth`` and hash every level above it, one batch call per level."""
    if not isinstance(leaves, (bytes, bytearray)):
        leaves = level_bytes(leaves)
    depth = tree_depth(len(leaves) // 32, arity)
    level = leaves + ZERO * (arity**depth - len(leaves) // 32)
    levels = [HashLevel(level)]
    for _ in range(depth):
        level = hash_records(level, 32 * arity, len(level) // (32 * arity), NODE_TAG[0], False, 0, native)
        levels.append(HashLevel(level))
    return tuple(levels)


@dataclass(frozen=True)
class Opening:
    """Merkle path of leaf ``index``: ``siblings[l]`` are the k-1 siblings at level l."""

    index: int
    siblings: tuple[tuple[bytes, ...], ...]

    def flat(self) -> list[bytes]:
        return [s for lvl in self.siblings for s in lvl]


@dataclass(frozen=True)
class MerkleTree:
    """A k-ary commitment to an int64 vector (see the module doc for the encoding).

    ``levels[0]`` are the (padded) leaves, ``levels[-1] == (root,)``; a level is any
    sequence of 32-byte hashes (a :class:`HashLevel` when built here)."""

    levels: tuple[Sequence[bytes], ...]
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
            kids = lvl[first : first + k]
            sib.append(tuple(kids[q] for q in range(k) if q != pos - first))
            pos //= k
        return Opening(j, tuple(sib))


def commit(values: object, chunk_size: int = 32, arity: int = 2, native: bool = True) -> MerkleTree:
    """Commit one int64 vector (numpy array or CPU torch tensor); ``native=False`` forces
    the ``hashlib`` path (same bytes)."""
    _check_pow2("chunk_size", chunk_size, 1)
    _check_pow2("arity", arity, 2)
    vec = _as_int64(values).reshape(-1)
    if vec.shape[0] < 1:
        raise ParameterError.bad("values", "empty", "at least one value")
    levels = _build_levels(_hash_leaves(vec, chunk_size, native), arity, native)
    return MerkleTree(levels, vec.shape[0], chunk_size, arity)


def commit_rows(matrix: object, chunk_size: int = 32, arity: int = 2, threads: int = 2,
                native: bool = True) -> list[MerkleTree]:
    """Commit every row of an (n, d) int64 matrix. With the batch kernel the leaves of
    several rows are hashed by one call (threads over blocks of leaves); without it, rows
    with large leaves are hashed in ``threads`` Python threads."""
    m = _as_int64(matrix)
    if m.ndim != 2:
        raise ParameterError.bad("matrix.shape", m.shape, "an (n, d) int64 matrix")
    kernel = _native.sha256 if native else None
    n, d = m.shape
    if kernel is not None and n > 1 and d >= chunk_size and d % chunk_size == 0:
        # consecutive rows are one contiguous run of leaf records: one call hashes every
        # leaf of a group of rows (leaf index = record index mod leaves per row; groups
        # bound the transient leaf buffer to ROWS_LEAF_BYTES), then each row's levels
        _check_pow2("chunk_size", chunk_size, 1)
        _check_pow2("arity", arity, 2)
        per = d // chunk_size
        w = 32 * per
        group = max(1, ROWS_LEAF_BYTES // w)
        flat = m.reshape(-1).view(np.uint8)
        trees: list[MerkleTree] = []
        for t0 in range(0, n, group):
            g = min(group, n - t0)
            leaves = kernel.hash_records(flat[t0 * 8 * d : (t0 + g) * 8 * d], 8 * chunk_size, g * per, LEAF_TAG[0],
                                         True, 0, _native.threads(), per)
            trees += [MerkleTree(_build_levels(leaves[t * w : (t + 1) * w], arity), d, chunk_size, arity)
                      for t in range(g)]
        return trees
    if kernel is None and threads > 1 and 8 * chunk_size >= THREAD_MIN_BYTES and n > 1:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda r: commit(r, chunk_size, arity, native), m))
    return [commit(r, chunk_size, arity, native) for r in m]


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


class KaryLevels(Generic[N]):
    """Root, depth and children of a k-ary tree kept level by level: ``levels[0]`` the
    padded leaves, ``levels[-1] == (root,)``, ``arity`` children per node."""

    levels: tuple[Sequence[N], ...]
    arity: int

    @property
    def root(self) -> N:
        return self.levels[-1][0]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def children(self, level: int, pos: int) -> list[N]:
        """The k children (at ``level - 1``) of node ``pos`` at ``level``."""
        k = self.arity
        return list(self.levels[level - 1][pos * k : (pos + 1) * k])


@dataclass(frozen=True)
class SumTree(KaryLevels[SumNode]):
    """k-ary Merkle sum tree over per-chunk fold deltas; the root carries the total."""

    levels: tuple[tuple[SumNode, ...], ...]
    arity: int


def commit_sums(deltas: Sequence[int], arity: int, native: bool = True) -> SumTree:
    _check_pow2("arity", arity, 2)
    depth = tree_depth(len(deltas), arity)
    values = [int(v) for v in deltas]
    if native and _native.sha256 is not None and values and max(abs(v) for v in values) * len(values) < 1 << 62:
        return _commit_sums_batch(values, arity, depth)
    level = [sum_leaf(j, s) for j, s in enumerate(values)]
    level += [SUM_ZERO] * (arity**depth - len(level))
    levels = [tuple(level)]
    for _ in range(depth):
        level = [sum_node(level[i : i + arity]) for i in range(0, len(level), arity)]
        levels.append(tuple(level))
    return SumTree(tuple(levels), arity)


def _int256_rows(v: np.ndarray) -> np.ndarray:
    """``int256_be`` of every int64 in v, as a (len(v), 32) uint8 array."""
    out = np.zeros((len(v), 32), dtype=np.uint8)
    out[v < 0, :24] = 0xFF
    out[:, 24:] = v.astype(">i8").view(np.uint8).reshape(-1, 8)
    return out


def _commit_sums_batch(values: list[int], arity: int, depth: int) -> SumTree:
    """:func:`commit_sums` with one batch hash call per level (every partial sum fits
    int64: the caller checked ``max |v| * len < 2**62``)."""
    width = arity**depth
    sums = np.zeros(width, dtype=np.int64)
    sums[: len(values)] = values
    m = len(values)
    hashes = np.zeros((width, 32), dtype=np.uint8)
    leaf = hash_records(_int256_rows(sums[:m]).reshape(-1), 32, m, SUM_LEAF_TAG[0], True, 0)
    hashes[:m] = np.frombuffer(leaf, dtype=np.uint8).reshape(m, 32)

    def as_level(h: np.ndarray, s: np.ndarray) -> tuple[SumNode, ...]:
        raw = h.tobytes()
        return tuple((raw[32 * i : 32 * i + 32], v) for i, v in enumerate(s.tolist()))

    levels = [as_level(hashes, sums)]
    for _ in range(depth):
        cnt = len(sums) // arity
        rec = np.empty((len(sums), 64), dtype=np.uint8)
        rec[:, :32] = hashes
        rec[:, 32:] = _int256_rows(sums)
        hashes = np.frombuffer(hash_records(rec.reshape(-1), 64 * arity, cnt, SUM_NODE_TAG[0], False, 0),
                               dtype=np.uint8).reshape(cnt, 32)
        sums = sums.reshape(cnt, arity).sum(axis=1)
        levels.append(as_level(hashes, sums))
    return SumTree(tuple(levels), arity)


# --------------------------------------------------------------------------- column trees


def col_leaf(j: int, leaves: Sequence[bytes]) -> bytes:
    """``sha256(0x04 || uint256_be(j) || leaf_1j || ... || leaf_nj)``."""
    return _sha(COL_TAG + int(j).to_bytes(32, "big") + b"".join(leaves)).digest()


def column_leaves(trees: Sequence[MerkleTree], overrides: dict[int, list[bytes]] | None = None,
                  native: bool = True) -> bytes:
    """The concatenated column leaves of n equally shaped trees (``overrides``: j -> forged
    leaf hashes). The kernel reads leaf j of every tree in place; the ``hashlib`` path
    gathers the column records a block at a time."""
    m = trees[0].num_leaves
    n = len(trees)
    kernel = _native.sha256 if native else None
    if kernel is not None:
        out = kernel.hash_columns([level_bytes(t.levels[0]) for t in trees], 32, m, COL_TAG[0], 0, _native.threads())
    else:
        levels = [np.frombuffer(level_bytes(t.levels[0]), dtype=np.uint8)[: 32 * m].reshape(m, 32) for t in trees]
        parts = []
        for lo in range(0, m, COLUMN_BLOCK):
            hi = min(m, lo + COLUMN_BLOCK)
            buf = np.empty((hi - lo, n, 32), dtype=np.uint8)
            for t, lv in enumerate(levels):
                buf[:, t, :] = lv[lo:hi]
            parts.append(hash_records_py(buf.reshape(-1), 32 * n, hi - lo, COL_TAG[0], True, lo))
        out = b"".join(parts)
    return _override(out, m, overrides)


def _override(leaves: bytes, m: int, overrides: dict[int, list[bytes]] | None) -> bytes:
    if not overrides:
        return leaves
    ba = bytearray(leaves)
    for j, hashes in overrides.items():
        if 0 <= j < m:
            ba[32 * j : 32 * j + 32] = col_leaf(j, hashes)
    return bytes(ba)


#: The last column tree built, with weak references to the input trees it was built from
#: (trees are immutable, so the same tree objects give the same column leaves).
_last_columns: list[tuple[tuple[weakref.ref[MerkleTree], ...], MerkleTree]] = []


def _cached_columns(trees: Sequence[MerkleTree]) -> MerkleTree | None:
    for refs, tree in _last_columns:
        if len(refs) == len(trees) and all(r() is t for r, t in zip(refs, trees, strict=True)):
            return tree
    return None


def commit_columns(trees: Sequence[MerkleTree], overrides: dict[int, list[bytes]] | None = None,
                   native: bool = True) -> MerkleTree:
    """The column tree over the trainers' trees (same chunking and arity).

    The tree over the true leaves is kept for the same (immutable) input trees, so the
    proposer's and the challenger's traces and a forged variant (``overrides``: only the
    overridden leaves are rehashed, then the levels above) share one gather-and-hash pass."""
    if not trees:
        raise ParameterError.bad("trees", 0, "at least one input tree")
    t0 = trees[0]
    if any((t.length, t.chunk_size, t.arity) != (t0.length, t0.chunk_size, t0.arity) for t in trees):
        raise CommitmentError("column trees need equally shaped input trees")
    honest = _cached_columns(trees) if native else None
    if honest is None:
        honest = MerkleTree(_build_levels(column_leaves(trees, None, native), t0.arity, native),
                            t0.length, t0.chunk_size, t0.arity)
        if native:
            _last_columns[:] = [(tuple(weakref.ref(t) for t in trees), honest)]
    if not overrides:
        return honest
    leaves = _override(level_bytes(honest.levels[0])[: 32 * t0.num_leaves], t0.num_leaves, overrides)
    return MerkleTree(_build_levels(leaves, t0.arity, native), t0.length, t0.chunk_size, t0.arity)
