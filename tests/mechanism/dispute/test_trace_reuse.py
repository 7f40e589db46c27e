"""Executing a lie with the honest trace reused gives the same trace as executing it
from scratch: only the stages downstream of the lie are recomputed."""

import numpy as np
import pytest

from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.programs import honest_order_fn
from mechanism.dispute.trace import execute

RULES = [
    ("median", {}), ("trimmed_mean", {"f": 1}), ("krum", {"f": 1}), ("bulyan", {"f": 1}),
    ("geometric_median", {"iterations": 1}), ("centered_clipping", {"tau": 1 << 16, "iterations": 1}),
    ("mean", {"clip_norm": 1 << 18}),
]


@pytest.mark.parametrize(("rule", "params"), RULES)
def test_reuse_equals_recomputation_for_a_lie_at_every_stage(rule: str, params: dict) -> None:
    rng = np.random.default_rng(7)
    n, d, c, k = 7, 37, 4, 4
    x = rng.integers(-(2**30), 2**30, size=(n, d))
    prog = build_program(rule, n, d, **params)
    honest = honest_trace(prog, x, c, k)
    order = honest_order_fn(x)
    same = execute(prog, x, order, c, k, reuse=honest)
    assert same.roots == honest.roots and all(a is b for a, b in zip(same.values, honest.values, strict=True))
    for s, st in enumerate(prog.stages):
        if st.kind == "select":
            continue  # a select lie may leave the selection's domain; covered by the games

        def corrupt(i: int, v: np.ndarray, s: int = s) -> np.ndarray:
            if i != s:
                return v
            w = v.copy()
            w[len(w) // 2] += 1
            return w

        fresh = execute(prog, x, order, c, k, corrupt, input_trees=honest.input_trees)
        fast = execute(prog, x, order, c, k, corrupt, reuse=honest)
        assert fast.roots == fresh.roots, (rule, st.name)
        for a, b in zip(fast.values, fresh.values, strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(honest.output, execute(prog, x, order, c, k).output)
