"""The compiled batch SHA-256 kernel and the hashlib path give the same bytes.

Roots are compared three ways on random inputs (odd sizes, d = 1, padded last levels,
several chunk sizes and arities): the native batch path, the hashlib batch path
(``native=False``) and a naive Merkle tree written from the module doc's encoding.
"""

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism import _native
from mechanism.commitment import (
    HashLevel,
    commit,
    commit_columns,
    commit_rows,
    commit_sums,
    hash_records,
    hash_records_py,
    tree_depth,
)

needs_kernel = pytest.mark.skipif(_native.sha256 is None, reason="native kernel not built")


def naive_root(v: np.ndarray, c: int, k: int) -> bytes:
    """Merkle root straight from the encoding (one hashlib call per node)."""
    chunks = [v[j : j + c] for j in range(0, len(v), c)]
    level = [hashlib.sha256(b"\x00" + j.to_bytes(32, "big") + ch.astype("<i8").tobytes()).digest()
             for j, ch in enumerate(chunks)]
    level += [bytes(32)] * (k ** tree_depth(len(level), k) - len(level))
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + b"".join(level[i : i + k])).digest() for i in range(0, len(level), k)]
    return level[0]


@settings(max_examples=80, deadline=None)
@given(d=st.integers(1, 700), c=st.sampled_from([1, 2, 4, 16, 32, 64]), k=st.sampled_from([2, 4, 16]),
       seed=st.integers(0, 10**6))
def test_native_python_and_naive_roots_agree(d: int, c: int, k: int, seed: int) -> None:
    v = np.random.default_rng(seed).integers(-(2**40), 2**40, size=d)
    fast, slow = commit(v, c, k), commit(v, c, k, native=False)
    assert fast == slow
    assert fast.root == naive_root(v, c, k)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 9), d=st.integers(1, 300), c=st.sampled_from([1, 4, 16]), k=st.sampled_from([2, 16]),
       seed=st.integers(0, 10**6))
def test_column_trees_agree(n: int, d: int, c: int, k: int, seed: int) -> None:
    x = np.random.default_rng(seed).integers(-(2**40), 2**40, size=(n, d))
    trees = commit_rows(x, c, k)
    assert trees == commit_rows(x, c, k, native=False)
    fast, slow = commit_columns(trees), commit_columns(trees, native=False)
    assert fast == slow
    m = trees[0].num_leaves
    want = [hashlib.sha256(b"\x04" + j.to_bytes(32, "big") + b"".join(t.levels[0][j] for t in trees)).digest()
            for j in range(m)]
    assert list(fast.levels[0][:m]) == want


@settings(max_examples=60, deadline=None)
@given(w=st.integers(0, 1200), count=st.integers(0, 40), tag=st.sampled_from([-1, 0, 1, 4, 255]),
       indexed=st.booleans(), start=st.integers(0, 2**40), seed=st.integers(0, 10**6))
def test_hash_records_matches_hashlib_at_every_length(w: int, count: int, tag: int, indexed: bool, start: int,
                                                      seed: int) -> None:
    data = np.random.default_rng(seed).integers(0, 256, size=w * count + 5, dtype=np.uint8).tobytes()
    assert hash_records(data, w, count, tag, indexed, start) == hash_records_py(data, w, count, tag, indexed, start)


@needs_kernel
def test_every_compression_backend_and_thread_count_agree() -> None:
    kernel = _native.sha256
    assert kernel is not None
    data = np.random.default_rng(3).integers(0, 256, size=(1 << 20) + 77, dtype=np.uint8).tobytes()
    want = hash_records_py(data, 161, 6000, 0, True, 9)
    was = kernel.backend()
    try:
        for backend in ("scalar", was):
            kernel.use_backend(backend)
            for threads in (1, 2, 3, 8):
                assert kernel.hash_records(data, 161, 6000, 0, True, 9, threads) == want
    finally:
        kernel.use_backend(was)


@needs_kernel
def test_kernel_rejects_short_buffers() -> None:
    assert _native.sha256 is not None
    with pytest.raises(ValueError):
        _native.sha256.hash_records(b"abc", 2, 2)


def test_hash_level_reads_like_a_tuple() -> None:
    hashes = tuple(hashlib.sha256(bytes([i])).digest() for i in range(5))
    lv = HashLevel(b"".join(hashes))
    assert len(lv) == 5 and lv[-1] == hashes[-1] and lv[1:3] == hashes[1:3] and tuple(lv) == hashes
    assert lv == hashes and lv == HashLevel(b"".join(hashes))
    with pytest.raises(IndexError):
        lv[5]


@pytest.mark.skipif(_native.select is None, reason="native kernel not built")
@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 70), d=st.integers(1, 300), seed=st.integers(0, 10**6), wide=st.booleans(),
       threads=st.sampled_from([1, 2, 5]))
def test_rank_sums_equal_a_sort(n: int, d: int, seed: int, wide: bool, threads: int) -> None:
    """Order-statistic sums of the sorting-network kernel equal numpy's sort (int32 and
    int64 lanes, row subsets, every rank range)."""
    rng = np.random.default_rng(seed)
    bound = 2**40 if wide else 4  # small values: many ties
    x = rng.integers(-bound, bound, size=(n, d))
    rows = np.sort(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False)).astype(np.int64)
    lo = int(rng.integers(0, len(rows) + 1))
    hi = int(rng.integers(lo, len(rows) + 1))
    out = np.empty(d, dtype=np.int64)
    assert _native.select is not None
    _native.select.rank_sum(x, d, rows, lo, hi, out, threads)
    np.testing.assert_array_equal(out, np.sort(x[rows], axis=0)[lo:hi].sum(axis=0))


def test_forged_column_trees_rehash_only_what_changed() -> None:
    """A column tree with overridden leaves equals one built from scratch, and the
    cached honest tree is returned unchanged for the same input trees."""
    x = np.random.default_rng(5).integers(-(2**40), 2**40, size=(4, 999))
    trees = commit_rows(x, 4, 4)
    honest = commit_columns(trees)
    assert commit_columns(trees) is honest
    forged = {3: [hashlib.sha256(b"f").digest()] * 4, 200: [bytes(32)] * 4}
    got = commit_columns(trees, forged)
    assert got == commit_columns(trees, forged, native=False)
    assert got.root != honest.root and got.levels[0][4] == honest.levels[0][4]


@pytest.mark.skipif(_native.select is None, reason="native kernel not built")
@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 70), d=st.integers(1, 3000), shift=st.integers(0, 6), seed=st.integers(0, 10**6),
       threads=st.sampled_from([1, 2, 3]))
def test_gram_kernel_is_exact(n: int, d: int, shift: int, seed: int, threads: int) -> None:
    """The fused shift-convert-multiply Gram kernel equals the integer product (operands
    within the exactness bound of mechanism/aggregation/_intmath.py)."""
    x = np.random.default_rng(seed).integers(-(2**16), 2**16, size=(n, d))
    out = np.empty((n, n), dtype=np.int64)
    assert _native.select is not None
    _native.select.gram(x, n, d, shift, out, threads)
    y = x >> shift
    np.testing.assert_array_equal(out, y @ y.T)


@pytest.mark.skipif(_native.select is None, reason="native kernel not built")
def test_float64_conversion_is_exact_at_the_edges() -> None:
    v = np.array([[2**63 - 1, -(2**63), 2**51, -(2**51), 2**51 - 1, -(2**51) - 1, 0, -1, 5]], dtype=np.int64)
    for shift in (0, 3, 40):
        out = np.empty((1, 7))
        assert _native.select is not None
        _native.select.to_float64(v, 1, 9, 1, 8, shift, out, 1)
        np.testing.assert_array_equal(out, (v[:, 1:8] >> shift).astype(np.float64))


@pytest.mark.skipif(_native.select is None, reason="native kernel not built")
def test_gram_kernel_column_sums() -> None:
    x = np.random.default_rng(2).integers(-(2**40), 2**40, size=(7, 1001))
    out, cs = np.empty((7, 7), dtype=np.int64), np.empty(1001, dtype=np.int64)
    assert _native.select is not None
    _native.select.gram(x, 7, 1001, 30, out, 2, cs)
    np.testing.assert_array_equal(cs, x.sum(axis=0))
    np.testing.assert_array_equal(out, (x >> 30) @ (x >> 30).T)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), per=st.integers(1, 40), c=st.sampled_from([1, 4, 16]), k=st.sampled_from([2, 16]),
       tail=st.integers(0, 3), seed=st.integers(0, 10**6))
def test_rows_hashed_together_equal_rows_hashed_alone(n: int, per: int, c: int, k: int, tail: int, seed: int) -> None:
    """commit_rows' one-call-per-group path (d a multiple of the chunk) and its per-row
    path (a short last chunk) give each row's own tree."""
    d = per * c + (tail % c if c > 1 else 0)
    x = np.random.default_rng(seed).integers(-(2**40), 2**40, size=(n, d))
    assert commit_rows(x, c, k) == [commit(r, c, k, native=False) for r in x]


def test_row_groups_split_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import mechanism.commitment as cm

    x = np.random.default_rng(4).integers(-(2**40), 2**40, size=(5, 64))
    want = [commit(r, 4, 4, native=False) for r in x]
    for limit in (32, 100, 1 << 24):
        monkeypatch.setattr(cm, "ROWS_LEAF_BYTES", limit)
        assert commit_rows(x, 4, 4) == want


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 300), k=st.sampled_from([2, 4, 16]), big=st.booleans(), seed=st.integers(0, 10**6))
def test_sum_trees_batch_and_python_agree(m: int, k: int, big: bool, seed: int) -> None:
    bound = 2**52 if big else 50
    deltas = np.random.default_rng(seed).integers(-bound, bound, size=m).tolist()
    fast, slow = commit_sums(deltas, k), commit_sums(deltas, k, native=False)
    assert fast == slow and fast.root[1] == sum(deltas)
