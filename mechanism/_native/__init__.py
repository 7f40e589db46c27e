"""Optional compiled kernels (C sources next to this file, built by ``setup.py``).

Every kernel has a pure-Python (or numpy) equivalent in the module that uses it, which
is the specification; the kernel must equal it bit for bit (``tests/mechanism/test_native.py``).
When the extension was not built (no compiler at install time) or ``ORFL_NO_NATIVE=1``
is set, the attributes below are ``None`` and callers take the fallback path.

* ``sha256``: batch SHA-256 of many equally long records, each with an optional tag byte
  and 32-byte big-endian index prefix (the Merkle preimages of :mod:`mechanism.commitment`);
  x86 SHA extensions when cpuid reports them, a portable scalar compression otherwise.
* ``select``: coordinate kernels of :mod:`mechanism.aggregation`: sums of order
  statistics per coordinate (median, trimmed mean, Bulyan; a sorting network), and the
  exact Gram matrix of rescaled operands (Krum, multi-Krum, Bulyan; float64 tiles with
  the int64 conversion fused).
"""

from __future__ import annotations

import os
from types import ModuleType


def _load(name: str) -> ModuleType | None:
    if os.environ.get("ORFL_NO_NATIVE", "") not in ("", "0"):
        return None
    try:
        import importlib

        return importlib.import_module(f"mechanism._native.{name}")
    except ImportError:
        return None


sha256: ModuleType | None = _load("_sha256")
select: ModuleType | None = _load("_select")


def threads() -> int:
    """Worker threads for the kernels: the CPUs this process may run on (at most 16)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 16))


__all__ = ["select", "sha256", "threads"]
