"""Strict-JSON helpers shared by the library and the CLI."""

from __future__ import annotations

import math
from typing import Any


def json_safe(o: Any) -> Any:
    """Recursively map NaN to ``None`` and +-Inf to ``"inf"``/``"-inf"`` (strict JSON)."""
    if isinstance(o, float) and not math.isfinite(o):
        return None if math.isnan(o) else ("inf" if o > 0 else "-inf")
    if isinstance(o, dict):
        return {str(k): json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_safe(v) for v in o]
    return o
