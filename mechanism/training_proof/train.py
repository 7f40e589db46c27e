"""Deterministic integer local SGD: the pure-Python reference and the torch fast path.

One local step on the minibatch ``X`` (B, P) of encoded examples with labels ``y``
(rounding rules in :mod:`.arith`; docs/training_proof.md):

* logreg: ``e[b, c] = sigmoid((W_c . x_b) >> 8) - [y_b = c] ONE``;
  ``W_c' = clamp(W_c - floor(((sum_b e[b, c] x_b) >> 8) lr_q / (B 2^16)))``;
* mlp: ``a[b, h] = clamp((W1_h . x_b) >> 8)``, ``h_b = [ONE, relu(a_b), 0..]``,
  ``e[b, c] = sigmoid((W2_c . h_b) >> 20) - [y_b = c] ONE``,
  ``g[b, h] = [a[b, h] > 0] ((sum_c W2[c, 1 + h] e[b, c]) >> 20)``; ``W2`` is updated
  from ``e`` and ``h`` (inputs at 20 fractional bits), ``W1`` from ``g`` and ``x``.

The reference is the specification (Python integers, row by row); the fast path uses
int64 tensor products, exact because every partial sum stays below 2^63 and integer
addition is associative, so any thread count gives the same bits.
"""

from __future__ import annotations

import numpy as np
import torch

from mechanism.training_proof.arith import (
    ACT_MAX,
    DATA_FRAC_BITS,
    FRAC_BITS,
    LR_FRAC_BITS,
    ONE,
    WEIGHT_MAX,
    clamp,
    dot_shift,
    error,
    hidden_input,
    sigmoid_t,
    update,
)
from mechanism.training_proof.spec import Hyper, ModelSpec

# ----------------------------------------------------------------------- reference


def reference_step(spec: ModelSpec, hyper: Hyper, w: list[int], xs: list[list[int]], ys: list[int]
                   ) -> tuple[list[int], list[int], list[int]]:
    """(a, e, w') of one step in Python integers; ``a`` is empty for logreg."""
    P, C = spec.row_len, spec.classes
    rows1 = [w[r * P : (r + 1) * P] for r in range(spec.layer1_rows)]
    if spec.kind == "logreg":
        e = [error(dot_shift(rows1[c], x, DATA_FRAC_BITS), y, c) for x, y in zip(xs, ys, strict=True) for c in range(C)]
        new: list[int] = []
        for c in range(C):
            new += update(rows1[c], [e[b * C + c] for b in range(len(xs))], xs, DATA_FRAC_BITS, hyper.lr_q)
        return [], e, new
    H, P2, off = spec.hidden, spec.row_len2, spec.w2_offset
    rows2 = [w[off + c * P2 : off + (c + 1) * P2] for c in range(C)]
    a = [clamp(dot_shift(rows1[h], x, DATA_FRAC_BITS), ACT_MAX) for x in xs for h in range(H)]
    hin = [hidden_input(a[b * H : (b + 1) * H], P2) for b in range(len(xs))]
    e = [error(dot_shift(rows2[c], hin[b], FRAC_BITS), ys[b], c) for b in range(len(xs)) for c in range(C)]
    g = [(sum(rows2[c][1 + h] * e[b * C + c] for c in range(C)) >> FRAC_BITS) if a[b * H + h] > 0 else 0
         for b in range(len(xs)) for h in range(H)]
    new = []
    for h in range(H):
        new += update(rows1[h], [g[b * H + h] for b in range(len(xs))], xs, DATA_FRAC_BITS, hyper.lr_q)
    for c in range(C):
        new += update(rows2[c], [e[b * C + c] for b in range(len(xs))], hin, FRAC_BITS, hyper.lr_q)
    return a, e, new


# ----------------------------------------------------------------------- fast path


def _upd(W: torch.Tensor, G: torch.Tensor, lr_q: int, batch: int) -> torch.Tensor:
    delta = torch.div(G * lr_q, batch << LR_FRAC_BITS, rounding_mode="floor")
    return (W - delta).clamp(-WEIGHT_MAX, WEIGHT_MAX)


def _onehot(y: torch.Tensor, C: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(y, C).to(torch.int64) * ONE


def fast_a(spec: ModelSpec, w: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Hidden pre-activations (B, H) of the MLP."""
    W1 = w[: spec.w2_offset].view(spec.hidden, spec.row_len)
    return ((X @ W1.T) >> DATA_FRAC_BITS).clamp(-ACT_MAX, ACT_MAX)


def _hin(spec: ModelSpec, A: torch.Tensor) -> torch.Tensor:
    hin = torch.zeros((A.shape[0], spec.row_len2), dtype=torch.int64)
    hin[:, 0] = ONE
    hin[:, 1 : spec.hidden + 1] = A.clamp(min=0)
    return hin


def fast_z(spec: ModelSpec, w: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Exact unshifted first-layer products (B, L): ``X W^T`` for the logits (logreg) or
    the hidden units (MLP), at 28 fractional bits (below 2^56 by the bounds of
    :mod:`.arith`)."""
    return X @ w[: spec.w2_offset].view(spec.layer1_rows, spec.row_len).T


def errors_from_z(Z: torch.Tensor, y: torch.Tensor, C: int) -> torch.Tensor:
    """Logistic-regression errors from unshifted logits: ``sigmoid(Z >> 8) - onehot``."""
    return sigmoid_t(Z >> DATA_FRAC_BITS) - _onehot(y, C)


def fast_e(spec: ModelSpec, w: torch.Tensor, X: torch.Tensor, y: torch.Tensor, A: torch.Tensor | None) -> torch.Tensor:
    """Output errors (B, C)."""
    C = spec.classes
    if spec.kind == "logreg":
        return errors_from_z(fast_z(spec, w, X), y, C)
    assert A is not None
    W2 = w[spec.w2_offset :].view(C, spec.row_len2)
    Z = (_hin(spec, A) @ W2.T) >> FRAC_BITS
    return sigmoid_t(Z) - _onehot(y, C)


def fast_w(spec: ModelSpec, hyper: Hyper, w: torch.Tensor, X: torch.Tensor, A: torch.Tensor | None,
           E: torch.Tensor) -> torch.Tensor:
    """The weights after the step (flat d)."""
    B, C = X.shape[0], spec.classes
    if spec.kind == "logreg":
        G = (E.T @ X) >> DATA_FRAC_BITS
        return _upd(w.view(C, spec.row_len), G, hyper.lr_q, B).reshape(-1)
    assert A is not None
    H = spec.hidden
    W1 = w[: spec.w2_offset].view(H, spec.row_len)
    W2 = w[spec.w2_offset :].view(C, spec.row_len2)
    g = ((E @ W2[:, 1 : H + 1]) >> FRAC_BITS) * (A > 0)
    n1 = _upd(W1, (g.T @ X) >> DATA_FRAC_BITS, hyper.lr_q, B)
    n2 = _upd(W2, (E.T @ _hin(spec, A)) >> FRAC_BITS, hyper.lr_q, B)
    return torch.cat([n1.reshape(-1), n2.reshape(-1)])


def fast_step(spec: ModelSpec, hyper: Hyper, w: torch.Tensor, X: torch.Tensor, y: torch.Tensor
              ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    A = fast_a(spec, w, X) if spec.kind == "mlp" else None
    E = fast_e(spec, w, X, y, A)
    return A, E, fast_w(spec, hyper, w, X, A, E)


# ----------------------------------------------------------------------- models


def init_weights(spec: ModelSpec, rng: np.random.Generator) -> np.ndarray:
    """Starting weights: zeros for logreg; for the MLP, W1's feature weights
    U(-1/sqrt(F), 1/sqrt(F)) and W2's hidden weights U(-1/sqrt(H), 1/sqrt(H)), encoded
    at 20 fractional bits (round half to even); biases and padding zero."""
    w = np.zeros(spec.d, dtype=np.int64)
    if spec.kind == "mlp":
        F, H, P, P2 = spec.features, spec.hidden, spec.row_len, spec.row_len2
        W1 = w[: spec.w2_offset].reshape(H, P)
        W2 = w[spec.w2_offset :].reshape(spec.classes, P2)
        W1[:, 1 : F + 1] = np.round(rng.uniform(-1, 1, (H, F)) / np.sqrt(F) * ONE).astype(np.int64)
        W2[:, 1 : H + 1] = np.round(rng.uniform(-1, 1, (spec.classes, H)) / np.sqrt(H) * ONE).astype(np.int64)
    return w


def predict(spec: ModelSpec, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Class with the largest logit (integer forward pass on encoded features)."""
    wt, Xt = torch.from_numpy(np.asarray(w, dtype=np.int64)), torch.from_numpy(np.asarray(X, dtype=np.int64))
    C = spec.classes
    if spec.kind == "logreg":
        Z = (Xt @ wt.view(C, spec.row_len).T) >> DATA_FRAC_BITS
    else:
        Z = (_hin(spec, fast_a(spec, wt, Xt)) @ wt[spec.w2_offset :].view(C, spec.row_len2).T) >> FRAC_BITS
    return Z.argmax(dim=1).numpy()


def float_train(spec: ModelSpec, lr: float, batches: list[tuple[np.ndarray, np.ndarray]], w0: np.ndarray) -> np.ndarray:
    """The same algorithm in float64 with the exact logistic function (the float twin the
    integer run is compared with): same start, minibatches, learning rate, no rounding."""
    w = torch.from_numpy(np.asarray(w0, dtype=np.float64) / ONE)
    C = spec.classes
    for Xq, y in batches:
        X = torch.from_numpy(Xq.astype(np.float64) / (1 << DATA_FRAC_BITS))
        Y = torch.nn.functional.one_hot(torch.from_numpy(y), C).to(torch.float64)
        B = X.shape[0]
        if spec.kind == "logreg":
            W = w.view(C, spec.row_len)
            E = torch.sigmoid(X @ W.T) - Y
            w = (W - lr * (E.T @ X) / B).reshape(-1)
            continue
        H = spec.hidden
        W1 = w[: spec.w2_offset].view(H, spec.row_len)
        W2 = w[spec.w2_offset :].view(C, spec.row_len2)
        A = X @ W1.T
        hin = torch.zeros((B, spec.row_len2), dtype=torch.float64)
        hin[:, 0] = 1.0
        hin[:, 1 : H + 1] = A.clamp(min=0)
        E = torch.sigmoid(hin @ W2.T) - Y
        g = (E @ W2[:, 1 : H + 1]) * (A > 0)
        w = torch.cat([(W1 - lr * (g.T @ X) / B).reshape(-1), (W2 - lr * (E.T @ hin) / B).reshape(-1)])
    return w.numpy()


def float_predict(spec: ModelSpec, w: np.ndarray, Xq: np.ndarray) -> np.ndarray:
    X = torch.from_numpy(Xq.astype(np.float64) / (1 << DATA_FRAC_BITS))
    wt, C = torch.from_numpy(w), spec.classes
    if spec.kind == "logreg":
        return (X @ wt.view(C, spec.row_len).T).argmax(dim=1).numpy()
    H = spec.hidden
    A = X @ wt[: spec.w2_offset].view(H, spec.row_len).T
    hin = torch.cat([torch.ones((X.shape[0], 1), dtype=torch.float64), A.clamp(min=0),
                     torch.zeros((X.shape[0], spec.row_len2 - H - 1), dtype=torch.float64)], dim=1)
    return (hin @ wt[spec.w2_offset :].view(C, spec.row_len2).T).argmax(dim=1).numpy()
