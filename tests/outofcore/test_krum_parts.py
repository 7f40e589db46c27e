"""Parts of the Krum-family dispute over a file: the block-built sum tree, the block-wise
tie-break and lexicographic witnesses, file vectors, and memory that does not grow with d."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation._intmath import order_by_score
from mechanism.commitment import commit_rows, commit_sums
from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.proofs import Prover
from mechanism.outofcore import create_updates, write_updates
from mechanism.outofcore.krum_dispute import play_selection_file, selection_trace
from mechanism.outofcore.krum_prover import FileOrder, FileProver
from mechanism.outofcore.store import FileVector, random_fill
from mechanism.outofcore.sumtree import file_sum_tree


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 700), arity=st.sampled_from([2, 4, 16]), per=st.integers(1, 3), seed=st.integers(0, 99))
def test_block_sum_tree_equals_commit_sums(m: int, arity: int, per: int, seed: int) -> None:
    v = np.random.default_rng(seed).integers(-(1 << 50), 1 << 50, size=m, dtype=np.int64)
    ref = commit_sums(v.tolist(), arity)
    got = file_sum_tree(lambda c0, c1: v[c0:c1].copy(), m, arity, per * arity * arity)
    assert got.root == ref.root and got.depth == ref.depth
    rng = np.random.default_rng(seed + 1)
    for level in range(1, ref.depth + 1):
        for pos in {0, len(ref.levels[level]) - 1, int(rng.integers(len(ref.levels[level])))}:
            assert got.children(level, pos) == ref.children(level, pos), (level, pos)


def _rows_with_ties(n: int, d: int) -> np.ndarray:
    x = np.random.default_rng(0).integers(-50, 50, size=(n, d), dtype=np.int64)
    x[1, : d - 3] = x[0, : d - 3]  # differ only near the end (another block)
    x[4] = x[2]  # identical
    return x


def test_file_order_and_witnesses_equal_in_memory(tmp_path: Path) -> None:
    n, d, c, k = 6, 5000, 16, 4
    x = _rows_with_ties(n, d)
    uf = write_updates(tmp_path / "x.npy", x)
    order = FileOrder(uf, 1024)
    xt = torch.from_numpy(x)
    for scores in ([5, 5, 5, 5, 5, 5], [3, 3, 1, 2, 2, 0], [0, 1, 0, 1, 0, 1]):
        assert order(scores, list(range(n))) == order_by_score(scores, xt)
        members = [4, 0, 1, 2]
        assert order(scores[:4], members) == order_by_score(scores[:4], xt, members)
    trees = commit_rows(x, c, k)
    prog = build_program("krum", n, d, f=1)
    tr = honest_trace(prog, x, c, k, input_trees=trees)
    mem, fil = Prover(x, trees, tr), FileProver(uf.memmap(), trees, tr, order=order)
    for i, j in ((0, 1), (1, 0), (2, 4), (0, 3)):
        a, b = mem.lex_witness(i, j), fil.lex_witness(i, j)
        assert (a.a is None) == (b.a is None)
        if a.a is not None and b.a is not None and a.b is not None and b.b is not None:
            assert a.a.opening == b.a.opening and np.array_equal(a.a.values, b.a.values)
            assert a.b.opening == b.b.opening and np.array_equal(a.b.values, b.b.values)
    assert order.compare(0, 1)[1] == d - 3


def test_file_vector_reads_what_was_written(tmp_path: Path) -> None:
    x = np.random.default_rng(1).integers(-(1 << 40), 1 << 40, size=(3, 1000), dtype=np.int64)
    uf = write_updates(tmp_path / "x.npy", x)
    v = FileVector.row(uf, 2)
    assert len(v) == 1000 and v[7] == x[2, 7] and v[-1] == x[2, -1]
    assert np.array_equal(v[10:990], x[2, 10:990]) and np.array_equal(np.asarray(v), x[2])
    with pytest.raises(IndexError):
        v[1000]


def test_peak_memory_does_not_grow_with_d(tmp_path: Path) -> None:
    """Python-heap peak (numpy buffers are traced) of the trace and of a game that descends
    into a distance item's sum tree (seed 1 lies in the distances): 8x the length grows
    by far less than 1% of the input's growth."""
    peaks = []
    for d in (100_000, 800_000):
        uf = create_updates(tmp_path / f"x{d}.npy", 8, d, random_fill(8, 0), 8192)
        tracemalloc.start()
        ft = selection_trace(uf, "multi_krum", 16, 16, tmp_path / f"w{d}", 8192, f=1)
        res, game = play_selection_file(ft, "proposer", "random_step", np.random.default_rng(1))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert game is not None and ft.trace.program.stages[game.stage].name == "dist" and res.honest_won
        assert "reveal_item" in res.kinds  # the game descended into an item's sum tree
    assert peaks[1] - peaks[0] < 0.01 * 8 * 8 * (800_000 - 100_000)
    assert peaks[1] < 0.2 * 8 * 8 * 800_000
