"""Salted (hiding) leaf commitments of a trainer's update (docs/privacy.md, "Hiding leaves").

A plain leaf ``sha256(0x00 || uint256_be(j) || le64(chunk_j))`` (:mod:`mechanism.commitment`)
binds but does not hide: a chunk of low-entropy values (a sparse or quantised update) is
found from its leaf hash by trying the candidates. A salted leaf adds 32 secret bytes:

* ``salt_j = sha256(0x0a || uint256_be(j) || key)`` with the trainer's secret 32-byte
  ``key`` (a pseudo-random function of j in the random-oracle model; the tag 0x0a keeps
  salts apart from every other preimage of the protocol);
* ``leaf_j = sha256(0x09 || uint256_be(j) || salt_j || le64(chunk_j))``;
* nodes, padding, arity and chunking as in :mod:`mechanism.commitment` (``0x01`` nodes), so
  the column tree of a dispute (``0x04``) is built over the salted leaves unchanged.

Opening leaf j reveals ``chunk_j`` and ``salt_j`` and nothing about any other leaf: the
other salts are independent outputs of the PRF, so a leaf hash ``sha256(.. salt ..)``
with an unknown 256-bit salt is a hiding commitment (Halevi and Micali, CRYPTO 1996,
commitments from collision-free hashing; RFC 6962's domain separation of leaves and nodes
still rules out presenting a node as a leaf). ``key`` is drawn from a seeded generator
per trainer (:func:`trainer_key`), so runs are reproducible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mechanism.commitment import (
    MerkleTree,
    Opening,
    _build_levels,
    chunk_bytes,
    hash_records,
    num_chunks,
    root_from_path,
)
from mechanism.errors import CommitmentError, ParameterError

HIDING_LEAF_TAG = b"\x09"
SALT_TAG = b"\x0a"
SALT_BYTES = 32
KEY_BYTES = 32


def trainer_key(seed: int, trainer: int) -> bytes:
    """Trainer ``trainer``'s secret 32-byte key, drawn from a generator seeded by
    ``(seed, trainer)`` (reproducible; a deployment draws it from a CSPRNG)."""
    for name, v in (("seed", seed), ("trainer", trainer)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ParameterError.bad(name, v, "an integer >= 0")
    return np.random.SeedSequence([seed, trainer]).generate_state(KEY_BYTES // 4, np.uint32).astype("<u4").tobytes()


def salt(key: bytes, j: int) -> bytes:
    """``salt_j = sha256(0x0a || uint256_be(j) || key)`` (module docstring)."""
    return hashlib.sha256(SALT_TAG + int(j).to_bytes(32, "big") + key).digest()


def salts(key: bytes, count: int) -> bytes:
    """``salt_0 .. salt_{count-1}`` concatenated (one batch hash call)."""
    if len(key) != KEY_BYTES:
        raise ParameterError.bad("key", f"{len(key)} bytes", f"{KEY_BYTES} bytes")
    return hash_records(key * count, KEY_BYTES, count, SALT_TAG[0], True, 0)


def salted_leaf(j: int, salt_j: bytes, values: np.ndarray) -> bytes:
    """``sha256(0x09 || uint256_be(j) || salt_j || le64(values))``."""
    if len(salt_j) != SALT_BYTES:
        raise CommitmentError(f"salt of leaf {j} has {len(salt_j)} bytes, expected {SALT_BYTES}")
    return hashlib.sha256(HIDING_LEAF_TAG + int(j).to_bytes(32, "big") + salt_j + chunk_bytes(values)).digest()


@dataclass(frozen=True)
class HidingCommitment:
    """A trainer's salted commitment: the tree (public root) and the secret key."""

    tree: MerkleTree
    key: bytes

    @property
    def root(self) -> bytes:
        return self.tree.root

    def salt(self, j: int) -> bytes:
        return salt(self.key, j)

    def opening(self, j: int) -> Opening:
        return self.tree.opening(j)


def _as_vector(values: object) -> np.ndarray:
    a = np.asarray(values)
    if a.dtype != np.int64 or a.ndim != 1 or a.size < 1:
        raise ParameterError.bad("values", f"{a.dtype} of shape {a.shape}", "a non-empty int64 vector")
    return np.ascontiguousarray(a, dtype="<i8")


def commit_hiding(values: object, key: bytes, chunk_size: int, arity: int) -> HidingCommitment:
    """Salted commitment of one int64 vector: every full chunk's leaf by one batch hash
    call over ``salt_j || le64(chunk_j)`` records, a short last chunk by ``hashlib``."""
    from mechanism.commitment import _check_pow2

    _check_pow2("chunk_size", chunk_size, 1)
    _check_pow2("arity", arity, 2)
    vec = _as_vector(values)
    d = vec.shape[0]
    m = num_chunks(d, chunk_size)
    sl = np.frombuffer(salts(key, m), dtype=np.uint8).reshape(m, SALT_BYTES)
    full = d // chunk_size
    rec = np.empty((full, SALT_BYTES + 8 * chunk_size), dtype=np.uint8)
    rec[:, :SALT_BYTES] = sl[:full]
    rec[:, SALT_BYTES:] = vec[: full * chunk_size].view(np.uint8).reshape(full, 8 * chunk_size)
    leaves = hash_records(rec.reshape(-1), rec.shape[1], full, HIDING_LEAF_TAG[0], True, 0)
    if d % chunk_size:
        leaves += salted_leaf(full, sl[full].tobytes(), vec[full * chunk_size :])
    return HidingCommitment(MerkleTree(_build_levels(leaves, arity), d, chunk_size, arity), key)


def commit_hiding_rows(x: np.ndarray, keys: list[bytes], chunk_size: int, arity: int) -> list[HidingCommitment]:
    """Salted commitments of every row of ``x`` (row t with ``keys[t]``)."""
    if len(keys) != len(x):
        raise ParameterError.bad("keys", len(keys), f"one key per row ({len(x)})")
    return [commit_hiding(x[t], keys[t], chunk_size, arity) for t in range(len(x))]


def verify_salted_opening(root: bytes, j: int, salt_j: bytes, values: np.ndarray, opening: Opening,
                          arity: int) -> bool:
    """True iff ``values`` with ``salt_j`` sit at leaf j under ``root``."""
    if opening.index != j:
        return False
    try:
        return root_from_path(salted_leaf(j, salt_j, values), opening, arity) == root
    except CommitmentError:
        return False
