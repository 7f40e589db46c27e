"""Merkle commitments: openings verify, tampering fails, encoding matches the spec."""

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.commitment import (
    commit,
    commit_rows,
    commit_sums,
    leaf_hash,
    node_hash,
    verify_opening,
)


@settings(max_examples=60, deadline=None)
@given(d=st.integers(1, 300), c=st.sampled_from([1, 2, 8, 32]), k=st.sampled_from([2, 4, 8]), seed=st.integers(0, 99))
def test_openings_verify_and_tampering_fails(d: int, c: int, k: int, seed: int) -> None:
    v = np.random.default_rng(seed).integers(-(2**40), 2**40, size=d)
    t = commit(v, c, k)
    for j in {0, t.num_leaves - 1}:
        chunk = v[j * c : (j + 1) * c]
        assert verify_opening(t.root, chunk, t.opening(j), k)
        bad = chunk.copy()
        bad[0] += 1
        assert not verify_opening(t.root, bad, t.opening(j), k)
        if t.num_leaves > 1:
            other = (j + 1) % t.num_leaves
            assert not verify_opening(t.root, chunk, t.opening(other), k)


def test_leaf_encoding_is_little_endian_with_index_and_tags() -> None:
    v = np.array([1, -2], dtype=np.int64)
    pre = b"\x00" + (3).to_bytes(32, "big") + (1).to_bytes(8, "little") + (-2).to_bytes(8, "little", signed=True)
    assert leaf_hash(3, v) == hashlib.sha256(pre).digest()
    assert node_hash([b"a" * 32, b"b" * 32]) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


def test_large_and_small_chunk_paths_agree_and_rows() -> None:
    v = np.random.default_rng(1).integers(-5, 5, size=(3, 5000))
    for c in (16, 512):
        trees = commit_rows(v, c, 4)
        assert [t.root for t in trees] == [commit(r, c, 4).root for r in v]
        t = trees[0]
        assert t.levels[0][0] == leaf_hash(0, v[0, :c])


def test_sum_tree_totals() -> None:
    t = commit_sums([3, -1, 5], 2)
    assert t.root[1] == 7 and t.depth == 2
