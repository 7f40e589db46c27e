"""The aggregation one-step of one chunk as an ONNX model a SNARK can prove.

The one-step of a coordinate-wise rule (docs/design.md, 'The verification game') maps the
n trainers' values of one chunk of c coordinates, an (n, c) integer matrix, to the
chunk's output. The protocol's rules end in a floor division (``mean``: sum // n;
``trimmed_mean``: sum of the middle n - 2f // (n - 2f); ``median`` with even n: the
mid-pair sum // 2; :mod:`mechanism.aggregation`). A SNARK's fixed-point division rounds
instead, so the circuit proves the exact integer *numerator* (a sum of integers, no
rounding) and the verifying contract applies the floor by the public constant
denominator, one EVM ``SDIV``-with-floor per coordinate (:func:`floor_output`).
Order statistics come from Batcher's odd-even merge sort (Knuth, TAOCP vol. 3, 5.3.4,
Algorithm M) of min/max compare-exchanges along the trainer axis, each written
``min(a, b) = a - relu(a - b)``, ``max(a, b) = b + relu(a - b)`` so the circuit only
needs the ReLU lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mechanism.errors import ParameterError

#: Rules whose one-step has a circuit here.
ZK_RULES = ("mean", "median", "trimmed_mean")


def batcher_pairs(n: int) -> list[tuple[int, int]]:
    """Compare-exchange pairs (i, j), i < j, of Batcher's odd-even merge sort of ``n``
    items (any n: the network for the next power of two restricted to indices < n, which
    still sorts because the padded items are +infinity). Knuth TAOCP 3, 5.3.4 (M)."""
    if n < 1:
        raise ParameterError.bad("trainers", n, "an integer >= 1")
    size = 1
    while size < n:
        size *= 2
    pairs: list[tuple[int, int]] = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    a, b = i + j, i + j + k
                    if (a // (2 * p)) == (b // (2 * p)) and b < n:
                        pairs.append((a, b))
            k //= 2
        p *= 2
    return pairs


def sort_network(values: Sequence[int], pairs: Sequence[tuple[int, int]]) -> list[int]:
    """Apply the compare-exchange network to plain integers (the specification the
    circuit implements)."""
    v = list(values)
    for a, b in pairs:
        if v[a] > v[b]:
            v[a], v[b] = v[b], v[a]
    return v


@dataclass(frozen=True)
class OneStepCircuit:
    """What the circuit of ``rule`` at (n trainers, c coordinates) proves: the rows
    ``lo:hi`` of the sorted column summed (the numerator), to be floor-divided by
    ``denominator`` on chain."""

    rule: str
    n_trainers: int
    chunk_coordinates: int
    trim: int = 1

    def __post_init__(self) -> None:
        if self.rule not in ZK_RULES:
            raise ParameterError.bad("rule", self.rule, f"one of {', '.join(ZK_RULES)}")
        if self.n_trainers < 1:
            raise ParameterError.bad("trainers", self.n_trainers, "an integer >= 1")
        if self.chunk_coordinates < 1:
            raise ParameterError.bad("chunk_coordinates", self.chunk_coordinates, "an integer >= 1")
        if self.rule == "trimmed_mean" and not 0 <= 2 * self.trim < self.n_trainers:
            raise ParameterError.bad("trim", self.trim, f"an integer f >= 0 with 2f < n = {self.n_trainers}")

    @property
    def rows(self) -> tuple[int, int]:
        """Sorted rows [lo, hi) whose sum is the numerator."""
        n = self.n_trainers
        if self.rule == "mean":
            return 0, n
        if self.rule == "trimmed_mean":
            return self.trim, n - self.trim
        return ((n // 2, n // 2 + 1) if n % 2 else (n // 2 - 1, n // 2 + 1))

    @property
    def denominator(self) -> int:
        lo, hi = self.rows
        return hi - lo

    @property
    def needs_sort(self) -> bool:
        return self.rule != "mean" and not (self.rule == "trimmed_mean" and self.trim == 0)

    @property
    def comparators(self) -> int:
        """Compare-exchanges per coordinate (0 for the mean)."""
        return len(batcher_pairs(self.n_trainers)) if self.needs_sort else 0

    def reference(self, x: Sequence[Sequence[int]]) -> list[int]:
        """Numerators of the chunk from the plain-integer specification."""
        lo, hi = self.rows
        out = []
        pairs = batcher_pairs(self.n_trainers)
        for k in range(self.chunk_coordinates):
            col = [int(row[k]) for row in x]
            s = sort_network(col, pairs) if self.needs_sort else col
            out.append(sum(s[lo:hi]))
        return out

    def torch_module(self):  # type: ignore[no-untyped-def]
        """The circuit as a ``torch.nn.Module`` from (n, c) float (integer-valued) to (c,)."""
        import torch

        pairs = batcher_pairs(self.n_trainers) if self.needs_sort else []
        lo, hi = self.rows

        class OneStep(torch.nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                rows = list(x.unbind(0))
                for a, b in pairs:
                    gap = torch.relu(rows[a] - rows[b])
                    rows[a], rows[b] = rows[a] - gap, rows[b] + gap
                out = rows[lo]
                for r in rows[lo + 1 : hi]:
                    out = out + r
                return out

        return OneStep()


def floor_output(numerators: Sequence[int], denominator: int) -> list[int]:
    """The contract's last step: floor division of each numerator (Python ``//``; the
    protocol's rounding rule, docs/fixedpoint.md)."""
    return [int(v) // denominator for v in numerators]
