"""The uniform interface of an aggregation rule (one class per rule, ByzFL-style).

A rule is a frozen dataclass holding its parameters. ``rule(x)`` runs the fast torch
int64 path on an (n, d) tensor; ``rule.reference(rows)`` runs the pure-Python integer
specification on a list of int rows. The two must agree bit for bit; the test suite
checks it on random shapes, ties, extremes, permutations and thread counts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import torch

from mechanism.aggregation._intmath import Rows, check_rows, checked_updates, known_max_abs
from mechanism.errors import BreakdownError, ParameterError


def check_f(f: int) -> int:
    if isinstance(f, bool) or not isinstance(f, int) or f < 0:
        raise ParameterError.bad("f", f, "a non-negative integer (Byzantine trainers tolerated)")
    return f


@dataclass(frozen=True)
class AggregationRule(ABC):
    """Base class. Subclasses set ``name``, ``breakdown`` and implement the two paths."""

    name: ClassVar[str]
    #: Human-readable breakdown condition, e.g. ``"n > 2f + 2"``.
    breakdown: ClassVar[str]
    #: True when the output is invariant to any permutation of the trainers.
    symmetric: ClassVar[bool] = True

    def min_trainers(self) -> int:
        """Smallest n that satisfies the breakdown condition."""
        return 1

    def check_n(self, n: int) -> None:
        need = self.min_trainers()
        if n < need:
            raise BreakdownError(
                f"n={n} trainers is too few for {self.name} with {self._describe()}: "
                f"breakdown condition {self.breakdown} needs n >= {need}"
            )

    def _describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items() if not k.startswith("_")) or "defaults"

    def __call__(self, updates: torch.Tensor) -> torch.Tensor:
        x, m = checked_updates(updates)
        self.check_n(x.shape[0])
        with known_max_abs(x, m):
            return self._fast(x)

    def reference(self, rows: Rows) -> list[int]:
        n, _ = check_rows(rows)
        self.check_n(n)
        return self._reference([list(r) for r in rows])

    @abstractmethod
    def _fast(self, x: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def _reference(self, rows: list[list[int]]) -> list[int]: ...
