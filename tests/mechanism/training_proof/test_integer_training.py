"""Integer training: fast path == pure-Python reference, thread counts, accuracy."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.training_proof.arith import ONE, encode_lr, sigmoid, sigmoid_t
from mechanism.training_proof.spec import Hyper, ModelSpec
from mechanism.training_proof.train import fast_step, init_weights, reference_step


@given(z=st.integers(-(1 << 40), 1 << 40))
def test_sigmoid_matches_tensor_and_plan_bounds(z: int) -> None:
    y = sigmoid(z)
    assert y == int(sigmoid_t(torch.tensor([z]))[0])
    assert 0 <= y <= ONE
    assert abs(y / ONE - 1 / (1 + np.exp(-np.clip(z / ONE, -50, 50)))) < 0.02  # PLAN's max error 0.019


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["logreg", "mlp"]), features=st.integers(1, 40), hidden=st.integers(1, 20),
       classes=st.integers(2, 6), chunk=st.sampled_from([1, 4, 16]), batch=st.integers(1, 6),
       lr=st.sampled_from([0.05, 0.5, 3.0]), seed=st.integers(0, 10**6), wide=st.booleans())
def test_fast_equals_reference(kind: str, features: int, hidden: int, classes: int, chunk: int, batch: int,
                               lr: float, seed: int, wide: bool) -> None:
    spec = ModelSpec(kind, classes, features, hidden if kind == "mlp" else 0, chunk)
    hy = Hyper(encode_lr(lr), batch, 1)
    rng = np.random.default_rng(seed)
    w = init_weights(spec, rng)
    if wide:  # weights near the saturation bound exercise clamps and large sums
        w = rng.integers(-(1 << 25) + 1, 1 << 25, spec.d)
    X = rng.integers(-(1 << 15) + 1, 1 << 15, (batch, spec.row_len)) if wide else \
        rng.integers(0, 257, (batch, spec.row_len))
    y = rng.integers(0, classes, batch)
    w_ref = w.tolist()
    for _ in range(3):
        A, E, wt = fast_step(spec, hy, torch.from_numpy(np.asarray(w)), torch.from_numpy(X), torch.from_numpy(y))
        a, e, w_ref = reference_step(spec, hy, w_ref, X.tolist(), y.tolist())
        assert wt.tolist() == w_ref
        assert E.reshape(-1).tolist() == e
        assert (A.reshape(-1).tolist() if A is not None else []) == a
        w = wt.numpy()


@pytest.mark.parametrize("kind", ["logreg", "mlp"])
def test_bit_identical_across_thread_counts(kind: str) -> None:
    spec = ModelSpec(kind, 10, 300, 24 if kind == "mlp" else 0, 16)
    rng = np.random.default_rng(3)
    w = torch.from_numpy(init_weights(spec, rng))
    X = torch.from_numpy(rng.integers(0, 257, (64, spec.row_len)))
    y = torch.from_numpy(rng.integers(0, 10, 64))
    hy = Hyper(encode_lr(0.5), 64, 1)
    before = torch.get_num_threads()
    outs = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            outs.append(fast_step(spec, hy, w, X, y)[2])
    finally:
        torch.set_num_threads(before)
    assert torch.equal(outs[0], outs[1])
