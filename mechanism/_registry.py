"""Instantiating a frozen dataclass from a name registry, with one-line errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from mechanism.errors import ParameterError, UnknownRuleError

T = TypeVar("T")


def instantiate(kind: str, registry: Mapping[str, type[T]], name: str, params: Mapping[str, Any]) -> T:
    """``registry[name](**params)``; an unknown name or parameter raises naming it."""
    if name not in registry:
        raise UnknownRuleError.bad(kind, name, f"one of {', '.join(registry)}")
    cls = registry[name]
    fields = set(getattr(cls, "__dataclass_fields__", {}))
    extra = sorted(set(params) - fields)
    if extra:
        allowed = ", ".join(sorted(fields)) or "none"
        raise ParameterError.bad(extra[0], params[extra[0]], f"not a parameter of {name} (allowed: {allowed})")
    return cls(**params)
