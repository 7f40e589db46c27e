"""Integer arithmetic of fixed-point training (docs/training_proof.md, "Rounding rules").

Formats (all int64, every rounding documented once here; the Vyper one-step
``contracts/TrainingStep.vy`` does exactly the same operations):

* weights, pre-activations, probabilities and errors: ``FRAC_BITS = 20`` fractional bits
  (the protocol's fixed point, docs/fixedpoint.md); ``ONE = 2**20``;
* data features: ``DATA_FRAC_BITS = 8`` (digits pixels are k/16, so exact), encoded once
  with round half to even and clamped to ``|x| <= FEATURE_MAX``;
* learning rate: ``LR_FRAC_BITS = 16``, ``lr_q = round_half_even(lr * 2**16)``.

Operations:

* a dot product is summed exactly, then shifted right by the input's fractional bits
  (arithmetic shift = floor): ``z = (sum_i w_i x_i) >> in_frac``;
* the activation is PLAN, the piecewise-linear sigmoid of Amin, Curtis and Hayes-Gill
  (1997, IEE Proc. Circuits Devices Syst. 144(6), "Piecewise linear approximation
  applied to nonlinear function of a neural network"), whose slopes 1/4, 1/8, 1/32 are
  shifts, so it is exact in integers (max error 0.019); hidden units use ReLU;
* hidden pre-activations are clamped to ``|a| <= ACT_MAX``; weights after every update
  are clamped (saturated) to ``|w| <= WEIGHT_MAX``;
* an update is ``w' = clamp(w - floor(((sum_b coef_b in_b) >> in_frac) * lr_q / (B 2^16)))``
  (floor division, Python ``//``).

The bounds keep every intermediate below 2^63 (checked by :class:`~.spec.ModelSpec`):
a dot product is at most ``P 2^25 2^15 = P 2^40`` (P <= 2^16 coordinates per row), the
hidden layer's at most ``P2 2^25 2^30`` (P2 <= 2^7), an update sum ``B 2^50`` (B <= 2^10).
Integer sums are exact in any order, so the fast path equals the reference whatever the
thread count.
"""

from __future__ import annotations

import torch

FRAC_BITS = 20
ONE = 1 << FRAC_BITS
DATA_FRAC_BITS = 8
LR_FRAC_BITS = 16
WEIGHT_MAX = (1 << 25) - 1
FEATURE_MAX = (1 << 15) - 1
ACT_MAX = (1 << 30) - 1
#: PLAN breakpoints and offsets at 20 fractional bits (Amin et al. 1997, table 1).
SIG_HI = 5 * ONE  # |z| >= 5: 1
SIG_B2 = 2490368  # 2.375 * 2^20
SIG_C2 = 884736  # 0.84375 * 2^20
SIG_C1 = 655360  # 0.625 * 2^20
SIG_C0 = 524288  # 0.5 * 2^20


def sigmoid(z: int) -> int:
    """PLAN sigmoid of a 20-bit fixed-point z (exact integers)."""
    a = -z if z < 0 else z
    if a >= SIG_HI:
        y = ONE
    elif a >= SIG_B2:
        y = (a >> 5) + SIG_C2
    elif a >= ONE:
        y = (a >> 3) + SIG_C1
    else:
        y = (a >> 2) + SIG_C0
    return y if z >= 0 else ONE - y


def sigmoid_t(z: torch.Tensor) -> torch.Tensor:
    """:func:`sigmoid` on an int64 tensor."""
    a = z.abs()
    y = torch.where(a >= SIG_HI, torch.full_like(a, ONE),
                    torch.where(a >= SIG_B2, (a >> 5) + SIG_C2,
                                torch.where(a >= ONE, (a >> 3) + SIG_C1, (a >> 2) + SIG_C0)))
    return torch.where(z >= 0, y, ONE - y)


def clamp(v: int, m: int) -> int:
    return -m if v < -m else (m if v > m else v)


def dot_shift(w: list[int], x: list[int], in_frac: int) -> int:
    """``(sum_i w_i x_i) >> in_frac`` (exact sum, floor shift)."""
    return sum(a * b for a, b in zip(w, x, strict=True)) >> in_frac


def error(z: int, label: int, c: int) -> int:
    """Output error of class c (one-vs-rest): ``sigmoid(z) - [label == c] ONE``."""
    return sigmoid(z) - (ONE if label == c else 0)


def hidden_input(a_row: list[int], width: int) -> list[int]:
    """Input of the output layer: ``[ONE, relu(a_1), ..., relu(a_H), 0 ...]`` (width)."""
    h = [ONE] + [v if v > 0 else 0 for v in a_row]
    return h + [0] * (width - len(h))


def update(w: list[int], coefs: list[int], inputs: list[list[int]], in_frac: int, lr_q: int) -> list[int]:
    """One SGD update of a chunk of weights from per-example coefficients (errors or
    back-propagated hidden errors) and the matching chunks of the layer's inputs."""
    batch = len(coefs)
    out = []
    for i, wi in enumerate(w):
        g = sum(c * row[i] for c, row in zip(coefs, inputs, strict=True)) >> in_frac
        out.append(clamp(wi - (g * lr_q) // (batch << LR_FRAC_BITS), WEIGHT_MAX))
    return out


def encode_lr(lr: float) -> int:
    return round(lr * (1 << LR_FRAC_BITS))
