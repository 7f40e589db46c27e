"""Lazy package exports (PEP 562): a package names its public objects without importing
the modules that define them until first use, so ``import mechanism`` stays cheap and
torch, boa or mesa load only when a name that needs them is touched."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], list[str]]:
    """``(__getattr__, __all__)`` for ``package``: each name in ``exports`` resolves, on
    first access, to the attribute of the same name in the module ``exports[name]``."""
    table = dict(exports)

    def __getattr__(name: str) -> Any:
        if name in table:
            return getattr(importlib.import_module(table[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(table)
