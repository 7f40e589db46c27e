"""Integer training on digits is within 1 percentage point of the same training in float."""

import numpy as np
import pytest
import torch

from agents.fl.datasets import load_dataset
from mechanism.training_proof.arith import encode_lr
from mechanism.training_proof.commit import encode_features
from mechanism.training_proof.spec import Hyper, ModelSpec
from mechanism.training_proof.train import (
    fast_step,
    float_predict,
    float_train,
    init_weights,
    predict,
)


def accuracies(kind: str, steps: int, seed: int) -> tuple[float, float]:
    ds = load_dataset("digits", seed=seed)
    spec = ModelSpec(kind, 10, 64, 32 if kind == "mlp" else 0, 16)
    Xtr, ytr = encode_features(ds.x_train.numpy(), spec), ds.y_train.numpy()
    Xte, yte = encode_features(ds.x_test.numpy(), spec), ds.y_test.numpy()
    rng = np.random.default_rng(seed)
    w0 = init_weights(spec, rng)
    hy = Hyper(encode_lr(0.5), 16, 1)
    w, batches = torch.from_numpy(w0.copy()), []
    for _ in range(steps):
        idx = rng.integers(0, len(ytr), 16)
        batches.append((Xtr[idx], ytr[idx]))
        w = fast_step(spec, hy, w, torch.from_numpy(Xtr[idx]), torch.from_numpy(ytr[idx]))[2]
    wf = float_train(spec, 0.5, batches, w0)
    return float((predict(spec, w.numpy(), Xte) == yte).mean()), float((float_predict(spec, wf, Xte) == yte).mean())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["logreg", "mlp"])
def test_integer_accuracy_within_one_point_of_float(kind: str) -> None:
    for seed in (0, 1):
        acc_int, acc_float = accuracies(kind, 3000, seed)
        assert acc_float > 0.9
        assert abs(acc_int - acc_float) <= 0.01, (seed, acc_int, acc_float)
