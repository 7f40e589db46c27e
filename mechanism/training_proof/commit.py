"""What a trainer commits each round (docs/training_proof.md, "The commitment").

* **data root**: a k-ary Merkle tree with one example per leaf,
  ``leaf_i = sha256(0x05 || uint256_be(i) || le64(label_i) || feature_root_i)`` where
  ``feature_root_i = commit(features_i, chunk_size, arity).root`` (the encoding of
  :mod:`mechanism.commitment`), so one chunk of one example opens with two short paths;
  nodes and padding as in :mod:`mechanism.commitment`;
* **start root**: ``commit(w_0)``, the global model the round starts from;
* **hyperparameter hash**: ``sha256(0x07 || uint256_be of kind, classes, features,
  hidden, chunk, lr_q, B, S)``;
* **minibatch schedule** from the public round randomness ``seed`` (32 bytes): the b-th
  example of local step t (1-based) is shard position
  ``uint256(sha256(seed || uint256_be(t) || uint256_be(b))) mod m``; nobody chooses it;
* **stage roots**: the root of every intermediate vector of every local step
  (:mod:`.trace`), the last being the update ``w_S - w_0`` whose root is the update
  root already published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mechanism.commitment import MerkleTree, _build_levels, commit, int256_be
from mechanism.errors import ParameterError
from mechanism.fixedpoint import encode
from mechanism.training_proof.arith import DATA_FRAC_BITS, FEATURE_MAX
from mechanism.training_proof.spec import MODELS, Hyper, ModelSpec

EXAMPLE_TAG = b"\x05"
HYPER_TAG = b"\x07"


def example_leaf(i: int, label: int, feature_root: bytes) -> bytes:
    return hashlib.sha256(EXAMPLE_TAG + int(i).to_bytes(32, "big") + int(label).to_bytes(8, "little", signed=True)
                          + feature_root).digest()


def encode_features(x: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """(m, F) real features -> (m, P) int64: ``[2^8, q(x_1) .. q(x_F), 0 ...]`` with
    ``q = clamp(round_half_even(x 2^8), +-FEATURE_MAX)``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.features:
        raise ParameterError.bad("features.shape", x.shape, f"(m, {spec.features})")
    q = encode(np.clip(x, -FEATURE_MAX / 256.0, FEATURE_MAX / 256.0), DATA_FRAC_BITS).numpy()
    out = np.zeros((x.shape[0], spec.row_len), dtype=np.int64)
    out[:, 0] = 1 << DATA_FRAC_BITS
    out[:, 1 : spec.features + 1] = np.clip(q, -FEATURE_MAX, FEATURE_MAX)
    return out


@dataclass(frozen=True)
class Shard:
    """A trainer's committed data: encoded features (m, P), labels (m,), the per-example
    feature trees and the data tree."""

    features: np.ndarray
    labels: np.ndarray
    feature_trees: tuple[MerkleTree, ...]
    tree: MerkleTree

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def size(self) -> int:
        return int(self.labels.shape[0])


def commit_shard(features: np.ndarray, labels: np.ndarray, chunk_size: int, arity: int) -> Shard:
    feats = np.ascontiguousarray(features, dtype=np.int64)
    labs = np.asarray(labels, dtype=np.int64)
    if feats.ndim != 2 or labs.shape != (feats.shape[0],) or feats.shape[0] < 1:
        raise ParameterError.bad("shard", (feats.shape, labs.shape), "(m, P) features and m labels, m >= 1")
    ftrees = tuple(commit(row, chunk_size, arity) for row in feats)
    leaves = [example_leaf(i, int(lab), t.root) for i, (lab, t) in enumerate(zip(labs, ftrees, strict=True))]
    levels = _build_levels(leaves, arity)
    tree = MerkleTree(tuple(tuple(v) for v in levels), len(leaves), 1, arity)
    return Shard(feats, labs, ftrees, tree)


def batch_positions(seed: bytes, step: int, batch: int, size: int) -> list[int]:
    """Shard positions of the minibatch of local step ``step`` (1-based)."""
    return [int.from_bytes(hashlib.sha256(seed + int(step).to_bytes(32, "big") + int(b).to_bytes(32, "big")).digest(),
                           "big") % size for b in range(batch)]


def hyper_hash(spec: ModelSpec, hyper: Hyper) -> bytes:
    vals = (MODELS.index(spec.kind), spec.classes, spec.features, spec.hidden, spec.chunk_size,
            hyper.lr_q, hyper.batch, hyper.steps)
    return hashlib.sha256(HYPER_TAG + b"".join(int256_be(v) for v in vals)).digest()


@dataclass(frozen=True)
class TrainerCommitment:
    """Everything a trainer posts for one round (roots are 32 bytes)."""

    data_root: bytes
    start_root: bytes
    hyper_hash: bytes
    seed: bytes
    stage_roots: tuple[bytes, ...]

    @property
    def update_root(self) -> bytes:
        return self.stage_roots[-1]

    def calldata_bytes(self) -> int:
        return 32 * (4 + len(self.stage_roots))
