"""Aggregation rules over int64 fixed-point updates: one rule per module plus a registry.

>>> import torch
>>> from mechanism.aggregation import aggregate
>>> x = torch.tensor([[1, 5], [2, 7], [100, -3]])
>>> aggregate("median", x).tolist()
[2, 5]
"""

from mechanism.aggregation.base import AggregationRule
from mechanism.aggregation.bulyan import Bulyan
from mechanism.aggregation.centered_clipping import CenteredClipping
from mechanism.aggregation.clipping import NormClip
from mechanism.aggregation.geometric_median import GeometricMedian
from mechanism.aggregation.krum import Krum, MultiKrum
from mechanism.aggregation.mean import WeightedMean
from mechanism.aggregation.median import CoordinateMedian
from mechanism.aggregation.registry import (
    PREPROCESSORS,
    RULES,
    aggregate,
    aggregate_reference,
    get_rule,
    rule_names,
)
from mechanism.aggregation.trimmed_mean import TrimmedMean


def trimmed_mean(updates, f=1):  # type: ignore[no-untyped-def]
    """Functional form: ``trimmed_mean(x, f)`` == ``aggregate("trimmed_mean", x, f=f)``."""
    return TrimmedMean(f=f)(updates)


def median(updates):  # type: ignore[no-untyped-def]
    return CoordinateMedian()(updates)


__all__ = [
    "PREPROCESSORS",
    "RULES",
    "AggregationRule",
    "Bulyan",
    "CenteredClipping",
    "CoordinateMedian",
    "GeometricMedian",
    "Krum",
    "MultiKrum",
    "NormClip",
    "TrimmedMean",
    "WeightedMean",
    "aggregate",
    "aggregate_reference",
    "get_rule",
    "median",
    "rule_names",
    "trimmed_mean",
]
