"""Slow cross-checks: fast path == reference at the largest sizes of the property range
(n up to 30, d up to 2000) for every rule, including the O(n^2 d) distance rules."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation import aggregate, aggregate_reference, rule_names
from mechanism.fixedpoint import MAX_ABS_INT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", rule_names())
@settings(max_examples=6)
@given(n=st.integers(23, 30), d=st.integers(500, 2000), bound=st.sampled_from([1 << 10, 1 << 30, MAX_ABS_INT]),
       seed=st.integers(0, 2**32 - 1))
def test_large_fast_equals_reference(name, n, d, bound, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(-bound, bound + 1, (n, d), generator=g)
    x[1] = x[0]
    p = {"f": 5} if name in ("median", "trimmed_mean", "krum", "multi_krum", "bulyan") else {}
    assert aggregate(name, x, **p).tolist() == aggregate_reference(name, x.tolist(), **p)
