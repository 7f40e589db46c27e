"""Shapes and hyperparameters of a provable training run (docs/training_proof.md).

A model is one flat int64 vector of ``d`` weights laid out as rows:

* ``logreg`` (one-vs-rest logistic regression): ``W`` of ``classes`` rows;
* ``mlp`` (one hidden ReLU layer): ``W1`` of ``hidden`` rows, then ``W2`` of ``classes``
  rows.

A row of the first layer has ``P`` weights: the bias (its input is the constant feature
``ONE_DATA = 2**DATA_FRAC_BITS``) then the features, zero-padded to a multiple of the
chunk size so that every Merkle leaf of the model lies inside one row. A row of ``W2``
has ``P2`` weights: bias then the hidden units, padded likewise. Padding weights keep
their initial value (their inputs are zero).
"""

from __future__ import annotations

from dataclasses import dataclass

from mechanism.errors import ParameterError
from mechanism.training_proof.arith import LR_FRAC_BITS

MODELS = ("logreg", "mlp")


def _pad(n: int, c: int) -> int:
    return -(-n // c) * c


@dataclass(frozen=True)
class ModelSpec:
    """A model's shape; ``chunk_size`` coordinates per Merkle leaf (a power of two)."""

    kind: str
    classes: int
    features: int
    hidden: int = 0
    chunk_size: int = 16

    def __post_init__(self) -> None:
        if self.kind not in MODELS:
            raise ParameterError.bad("model", self.kind, f"one of {', '.join(MODELS)}")
        if not 2 <= self.classes <= 64:
            raise ParameterError.bad("classes", self.classes, "an integer in [2, 64]")
        c = self.chunk_size
        if c < 1 or c & (c - 1) or c > 64:
            raise ParameterError.bad("chunk_size", c, "a power of two in [1, 64]")
        if self.features < 1 or self.row_len > 1 << 16:
            raise ParameterError.bad("features", self.features, "at least 1, with padded rows of at most 2^16 weights")
        if self.kind == "mlp" and (self.hidden < 1 or self.row_len2 > 128):
            raise ParameterError.bad("hidden", self.hidden, "at least 1, with padded output rows of at most 128 weights")

    @property
    def row_len(self) -> int:
        """P: weights per first-layer row (bias + features, padded)."""
        return _pad(self.features + 1, self.chunk_size)

    @property
    def row_len2(self) -> int:
        """P2: weights per output row of the MLP (bias + hidden, padded)."""
        return _pad(self.hidden + 1, self.chunk_size) if self.kind == "mlp" else 0

    @property
    def layer1_rows(self) -> int:
        return self.classes if self.kind == "logreg" else self.hidden

    @property
    def w2_offset(self) -> int:
        return self.layer1_rows * self.row_len

    @property
    def d(self) -> int:
        return self.w2_offset + (self.classes * self.row_len2 if self.kind == "mlp" else 0)

    def row_of(self, coord: int) -> tuple[int, int, int]:
        """(layer 1|2, row, column) of a flat coordinate."""
        if coord < self.w2_offset:
            return 1, coord // self.row_len, coord % self.row_len
        k = coord - self.w2_offset
        return 2, k // self.row_len2, k % self.row_len2

    def row_start(self, layer: int, row: int) -> int:
        return row * self.row_len if layer == 1 else self.w2_offset + row * self.row_len2


@dataclass(frozen=True)
class Hyper:
    """Committed hyperparameters: learning rate (``lr_q`` at 16 fractional bits), batch
    size B, local steps S."""

    lr_q: int
    batch: int
    steps: int

    def __post_init__(self) -> None:
        if not 1 <= self.lr_q < 1 << (LR_FRAC_BITS + 3):
            raise ParameterError.bad("lr", self.lr_q / (1 << LR_FRAC_BITS), "a learning rate in (0, 8) (>= 2^-16)")
        if not 1 <= self.batch <= 1024:
            raise ParameterError.bad("batch", self.batch, "an integer in [1, 1024]")
        if not 1 <= self.steps <= 4096:
            raise ParameterError.bad("local_steps", self.steps, "an integer in [1, 4096]")
