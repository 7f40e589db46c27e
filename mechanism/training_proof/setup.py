"""Build a trainer's round for a dispute: its shard (digits, or a synthetic task with
``features`` inputs to scale d), the global model it starts from, the round randomness
and its honest trace. Every random choice comes from one seeded generator."""

from __future__ import annotations

import hashlib

import numpy as np

from mechanism.training_proof.arith import encode_lr
from mechanism.training_proof.commit import commit_shard, encode_features
from mechanism.training_proof.spec import Hyper, ModelSpec
from mechanism.training_proof.trace import Setting, TrainingTrace, run_trace
from mechanism.training_proof.train import init_weights


def _digits_shard(trainers: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    shard = np.sort(np.array_split(rng.permutation(len(y)), trainers)[0])
    return x[shard], y[shard]


def digits_setting(model: str, trainers: int, steps: int, seed: int, chunk: int = 16, arity: int = 4,
                   batch: int = 8, hidden: int = 16, lr: float = 0.5, features: int | None = None,
                   shard_size: int = 64) -> tuple[Setting, TrainingTrace]:
    """The disputed trainer (trainer 0 of an IID split over ``trainers``) of one round.

    ``features=None`` uses digits (64 features, 10 classes); an integer builds a synthetic
    10-class task with that many features in [0, 1) and ``shard_size`` examples (for the
    cost against d)."""
    rng = np.random.default_rng(seed)
    if features is None:
        x, y = _digits_shard(trainers, rng)
        nfeat = 64
    else:
        nfeat = int(features)
        x = rng.random((shard_size, nfeat))
        y = rng.integers(0, 10, shard_size)
    spec = ModelSpec(model, 10, nfeat, hidden if model == "mlp" else 0, chunk)
    hyper = Hyper(encode_lr(lr), batch, steps)
    shard = commit_shard(encode_features(x, spec), y, chunk, arity)
    round_seed = hashlib.sha256(b"round randomness" + int(seed).to_bytes(32, "big")).digest()
    st = Setting(spec, hyper, round_seed, shard.size, arity)
    w0 = init_weights(spec, rng)
    return st, run_trace(st, shard, w0)


def demo_trace(model: str = "logreg", steps: int = 2, seed: int = 0, **kw: object) -> TrainingTrace:
    return digits_setting(model, 20, steps, seed, **kw)[1]  # type: ignore[arg-type]
