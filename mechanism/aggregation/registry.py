"""Registry of aggregation rules: ``aggregate(name, updates, **params)``.

``clip_norm=TAU`` (a fixed-point radius) applies :class:`NormClip` before any rule.
"""

from __future__ import annotations

from typing import Any

import torch

from mechanism._registry import instantiate
from mechanism.aggregation._intmath import Rows
from mechanism.aggregation.base import AggregationRule
from mechanism.aggregation.bulyan import Bulyan
from mechanism.aggregation.centered_clipping import CenteredClipping
from mechanism.aggregation.clipping import NormClip
from mechanism.aggregation.geometric_median import GeometricMedian
from mechanism.aggregation.krum import Krum, MultiKrum
from mechanism.aggregation.mean import WeightedMean
from mechanism.aggregation.median import CoordinateMedian
from mechanism.aggregation.trimmed_mean import TrimmedMean

RULES: dict[str, type[AggregationRule]] = {
    cls.name: cls
    for cls in (
        WeightedMean,
        CoordinateMedian,
        TrimmedMean,
        Krum,
        MultiKrum,
        GeometricMedian,
        CenteredClipping,
        Bulyan,
    )
}
PREPROCESSORS = {"norm_clip": NormClip}


def rule_names() -> list[str]:
    return list(RULES)


def get_rule(name: str, **params: Any) -> AggregationRule:
    """Instantiate rule ``name`` with ``params`` (unknown names/params raise clearly)."""
    return instantiate("rule", RULES, name, params)


def aggregate(name: str, updates: torch.Tensor, clip_norm: int | None = None, **params: Any) -> torch.Tensor:
    """Aggregate (n, d) int64 fixed-point ``updates`` with rule ``name`` (fast path)."""
    rule = get_rule(name, **params)
    if clip_norm is not None:
        updates = NormClip(clip_norm)(updates)
    return rule(updates)


def aggregate_reference(name: str, rows: Rows, clip_norm: int | None = None, **params: Any) -> list[int]:
    """The pure-Python specification of :func:`aggregate`."""
    rule = get_rule(name, **params)
    if clip_norm is not None:
        rows = NormClip(clip_norm).reference(rows)
    return rule.reference(rows)
