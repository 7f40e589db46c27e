"""Fast path == pure-Python reference, bit for bit, on generated inputs (hypothesis)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation import aggregate, aggregate_reference, get_rule
from mechanism.fixedpoint import MAX_ABS_INT

COORDWISE = ["mean", "median", "trimmed_mean"]
DISTANCE = ["krum", "multi_krum", "bulyan", "geometric_median", "centered_clipping"]


def params_for(name, n, draw):
    f_max = {"trimmed_mean": (n - 1) // 2, "median": (n - 1) // 2, "krum": (n - 3) // 2,
             "multi_krum": (n - 3) // 2, "bulyan": (n - 3) // 4}.get(name)
    p = {}
    if f_max is not None:
        if f_max < 0:
            return None
        p["f"] = draw(st.integers(0, f_max))
    if name == "mean":
        w = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
        if sum(w) > 0:
            p["weights"] = tuple(w)
    if name == "geometric_median":
        p["iterations"] = draw(st.integers(0, 5))
        p["nu"] = draw(st.integers(1, 1 << 30))
    if name == "centered_clipping":
        p["tau"] = draw(st.integers(1, 4 * MAX_ABS_INT))
        p["iterations"] = draw(st.integers(1, 3))
    return p


@st.composite
def matrices(draw, max_n, max_d):
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    bound = draw(st.sampled_from([0, 1, 3, 1 << 20, MAX_ABS_INT]))
    kind = draw(st.sampled_from(["random", "ties", "equal", "extreme"]))
    if kind == "equal":
        row = draw(st.lists(st.integers(-bound, bound), min_size=d, max_size=d))
        rows = [list(row) for _ in range(n)]
    elif kind == "extreme":
        rows = [draw(st.lists(st.sampled_from([-bound, bound, 0]), min_size=d, max_size=d)) for _ in range(n)]
    else:
        vals = st.integers(-bound, bound) if kind == "random" else st.sampled_from([-bound, -1, 0, 1, bound])
        rows = [draw(st.lists(vals, min_size=d, max_size=d)) for _ in range(n)]
        if kind == "ties" and n > 1:
            rows[-1] = list(rows[0])
    return rows


def check(name, rows, p):
    x = torch.tensor(rows, dtype=torch.int64)
    fast = aggregate(name, x, **p)
    assert fast.dtype == torch.int64 and fast.shape == (len(rows[0]),)
    assert fast.tolist() == aggregate_reference(name, rows, **p)
    return x, fast


@pytest.mark.parametrize("name", COORDWISE)
@settings(max_examples=60)
@given(data=st.data())
def test_coordinatewise_fast_equals_reference(name, data):
    rows = data.draw(matrices(30, 2000))
    p = params_for(name, len(rows), data.draw)
    if p is None:
        return
    check(name, rows, p)


@pytest.mark.parametrize("name", DISTANCE)
@settings(max_examples=40)
@given(data=st.data())
def test_distance_rules_fast_equals_reference(name, data):
    rows = data.draw(matrices(16, 60))
    p = params_for(name, len(rows), data.draw)
    if p is None or len(rows) < get_rule(name, **p).min_trainers():
        return
    check(name, rows, p)


@pytest.mark.parametrize("name", COORDWISE + DISTANCE)
@settings(max_examples=25)
@given(data=st.data())
def test_permutation_invariance(name, data):
    rows = data.draw(matrices(12, 40))
    n = len(rows)
    p = params_for(name, n, data.draw)
    if p is None or n < get_rule(name, **p).min_trainers():
        return
    perm = data.draw(st.permutations(range(n)))
    x = torch.tensor(rows, dtype=torch.int64)
    q = dict(p)
    if "weights" in q:
        q["weights"] = tuple(q["weights"][i] for i in perm)
    assert torch.equal(aggregate(name, x[list(perm)], **q), aggregate(name, x, **p))


@pytest.mark.parametrize("name", COORDWISE + DISTANCE)
def test_thread_count_does_not_change_bytes(name):
    g = torch.Generator().manual_seed(7)
    x = torch.randint(-(1 << 40) + 1, 1 << 40, (23, 70_000), generator=g)
    p = {"f": 2} if name in ("trimmed_mean", "median", "krum", "multi_krum", "bulyan") else {}
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = aggregate(name, x, **p)
        torch.set_num_threads(2)
        two = aggregate(name, x, **p)
    finally:
        torch.set_num_threads(old)
    assert torch.equal(one, two)


def test_clip_norm_preprocessor_matches_reference():
    rows = [[(i * 37 + k * 101) % 2001 - 1000 for k in range(50)] for i in range(9)]
    tau = 3000
    x = torch.tensor(rows)
    fast = aggregate("median", x, clip_norm=tau)
    assert fast.tolist() == aggregate_reference("median", rows, clip_norm=tau)
