"""Trace programs: the honest executor equals the aggregation core bit for bit."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation import aggregate
from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.trace import item_deltas
from mechanism.errors import ParameterError

CASES = [
    ("mean", {}), ("median", {}), ("trimmed_mean", {"f": 1}), ("krum", {"f": 1}), ("multi_krum", {"f": 1}),
    ("bulyan", {"f": 1}), ("geometric_median", {"iterations": 2}),
    ("centered_clipping", {"tau": 1 << 18, "iterations": 2}), ("mean", {"clip_norm": 1 << 19}),
    ("median", {"clip_norm": 1 << 19}), ("trimmed_mean", {"clip_norm": 1 << 18, "f": 1}),
]


@pytest.mark.parametrize(("rule", "params"), CASES)
@settings(max_examples=8, deadline=None)
@given(d=st.integers(1, 70), seed=st.integers(0, 999), tie=st.booleans())
def test_output_equals_aggregate(rule: str, params: dict, d: int, seed: int, tie: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 7
    x = rng.integers(-(2**39), 2**39, size=(n, d))
    if tie:
        x[1] = x[0]
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, 8, 4)
    want = aggregate(rule, torch.from_numpy(x.copy()), **params).numpy()
    assert tr.output.tobytes() == want.tobytes()
    for i, stage in enumerate(prog.stages):
        if stage.kind == "sum":
            assert sum(item_deltas(tr, x, i, 0)) == tr.values[i][0]


def test_clip_norm_with_krum_is_rejected() -> None:
    with pytest.raises(ParameterError):
        build_program("krum", 7, 10, clip_norm=5, f=1)
