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

from mechanism._lazy import lazy_exports

_EXPORTS = {
    "Design": "mechanism.design",
    "OrflError": "mechanism.errors",
    "ParameterError": "mechanism.errors",
    "encode": "mechanism.fixedpoint",
    "decode": "mechanism.fixedpoint",
    "aggregate": "mechanism.aggregation",
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
