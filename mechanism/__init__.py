"""The rules of the game: what is computed, committed, disputed and paid (docs/design.md).

Modules: :mod:`~mechanism.errors`, :mod:`~mechanism.units` (the one home of L1 constants and
conversions), :mod:`~mechanism.params` and :mod:`~mechanism.fixedpoint` (the int64 format),
:mod:`~mechanism.commitment` (Merkle commitments), :mod:`~mechanism.chain` (the simulated L1),
:mod:`~mechanism.design` (the one design object). Packages: :mod:`~mechanism.aggregation`,
:mod:`~mechanism.dispute`, :mod:`~mechanism.rollup`, :mod:`~mechanism.evm`,
:mod:`~mechanism.economics`; ``contracts/`` holds the Vyper sources.

Nothing heavy is imported here: names are resolved on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Design": "mechanism.design",
    "OrflError": "mechanism.errors",
    "ParameterError": "mechanism.errors",
    "encode": "mechanism.fixedpoint",
    "decode": "mechanism.fixedpoint",
    "aggregate": "mechanism.aggregation",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'mechanism' has no attribute {name!r}")
