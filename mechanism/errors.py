"""Domain exceptions of :mod:`mechanism`.

Every error a user can provoke with bad input is an :class:`OrflError` whose message is
one line naming the parameter, the value received and what is allowed. The CLI turns
any ``OrflError`` into that line and exit code 2 (``InfeasibleError``: exit code 1).
"""

from __future__ import annotations


class OrflError(Exception):
    """Base class of all orfl domain errors."""


class ParameterError(OrflError, ValueError):
    """A parameter is outside its allowed domain.

    Build it with :meth:`ParameterError.bad` so the message always names the parameter,
    the value and what is allowed.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter

    @classmethod
    def bad(cls, parameter: str, value: object, allowed: str) -> ParameterError:
        return cls(f"{parameter}={value!r} is invalid: {allowed}", parameter=parameter)


class ShapeError(ParameterError):
    """An array has the wrong number of dimensions, shape or dtype."""


class NonFiniteError(ParameterError):
    """An input contains NaN or +-Inf where only finite numbers are allowed."""


class FixedPointOverflowError(OrflError, OverflowError):
    """A value or an intermediate does not fit the documented integer range."""


class BreakdownError(ParameterError):
    """An aggregation rule's breakdown condition (e.g. Krum n > 2f + 2) is violated."""


class UnknownRuleError(ParameterError):
    """A name that is not in a registry (aggregation rule, attack, strategy, ...)."""


class CommitmentError(OrflError):
    """A Merkle opening or commitment does not verify."""


class DisputeError(OrflError):
    """An illegal move in a dispute game (wrong turn, late move, malformed reveal)."""


class InfeasibleError(OrflError):
    """A design problem has no solution; the message names the conflicting constraints."""
