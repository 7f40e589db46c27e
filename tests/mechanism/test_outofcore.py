"""Out-of-core commitments, aggregation and median dispute equal the in-memory path."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch

from mechanism.aggregation.registry import aggregate
from mechanism.commitment import commit_columns, commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.dispute.strategies import STRATEGIES
from mechanism.errors import ParameterError
from mechanism.outofcore import (
    aggregate_file,
    commit_file,
    create_updates,
    outofcore_trace,
    play_file,
    write_updates,
)
from mechanism.outofcore.store import random_fill


def _x(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)


@pytest.mark.parametrize(("n", "d", "chunk", "arity", "block"), [
    (5, 100_003, 16, 16, 4096),  # short last chunk, last block partial
    (7, 50_000, 16, 2, 1024),
    (3, 70_000, 32, 4, 2048),
    (4, 4096 * 3, 16, 16, 4096),  # whole blocks only
])
def test_roots_and_openings_equal_in_memory(tmp_path: Path, n: int, d: int, chunk: int, arity: int,
                                            block: int) -> None:
    x = _x(n, d, d)
    uf = write_updates(tmp_path / "x.npy", x)
    got = commit_file(uf, chunk, arity, block, col_path=tmp_path / "cols.bin")
    ref = commit_rows(x, chunk, arity)
    cref = commit_columns(ref)
    assert [t.root for t in got.rows] == [t.root for t in ref]
    assert got.columns is not None and got.columns.root == cref.root
    last = ref[0].num_leaves - 1
    for j in (0, 1, last // 2, last, len(ref[0].levels[0]) - 1):
        assert got.rows[n - 1].opening(j) == ref[n - 1].opening(j)
        assert got.columns.opening(j) == cref.opening(j)


@pytest.mark.parametrize(("rule", "params"), [("mean", {}), ("median", {}), ("trimmed_mean", {"f": 2})])
@pytest.mark.parametrize("n", [6, 7])
def test_block_aggregation_equals_aggregate(tmp_path: Path, rule: str, params: dict[str, int], n: int) -> None:
    x = _x(n, 30_001, n)
    uf = write_updates(tmp_path / "x.npy", x)
    want = aggregate(rule, torch.from_numpy(x), **params).numpy()
    assert np.array_equal(aggregate_file(uf, rule, 4096, **params), want)
    assert np.array_equal(aggregate_file(uf, rule, 8192, tmp_path / "out.i64", **params), want)


def test_generated_file_is_reproducible_block_by_block(tmp_path: Path) -> None:
    a = create_updates(tmp_path / "a.npy", 4, 10_000, random_fill(4, 3), 4096)
    b = create_updates(tmp_path / "b.npy", 4, 10_000, random_fill(4, 3), 4096)
    assert np.array_equal(a.memmap(), b.memmap())
    assert np.array_equal(a.read_block(4096, 8192), random_fill(4, 3)(4096, 8192))


def test_block_must_hold_whole_level2_subtrees(tmp_path: Path) -> None:
    uf = write_updates(tmp_path / "x.npy", _x(3, 10_000))
    with pytest.raises(ParameterError, match="block"):
        commit_file(uf, 16, 16, 1000)


def test_peak_memory_does_not_grow_with_d(tmp_path: Path) -> None:
    """Python-heap peak (numpy buffers are traced) of a commit + aggregation pass: the same
    block at 8x the length grows only by the kept upper levels (32 bytes per 4096
    coordinates a tree), far below 1% of the input's growth."""
    peaks = []
    for d in (100_000, 800_000):
        uf = create_updates(tmp_path / f"x{d}.npy", 8, d, random_fill(8, 0), 8192)
        tracemalloc.start()
        commit_file(uf, 16, 16, 8192, col_path=tmp_path / f"c{d}.bin")
        aggregate_file(uf, "median", 8192, tmp_path / f"o{d}.i64")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] - peaks[0] < 0.01 * 8 * 8 * (800_000 - 100_000)
    assert peaks[1] < 0.2 * 8 * 8 * 800_000  # a fraction of the input itself


@pytest.mark.parametrize("liar", ["proposer", "challenger"])
def test_file_game_equals_in_memory_game(tmp_path: Path, liar: str) -> None:
    n, d, c, k = 9, 20_000, 16, 4
    x = _x(n, d, 1)
    prog = build_program("median", n, d)
    trees = commit_rows(x, c, k)
    tr = honest_trace(prog, x, c, k, input_trees=trees)
    ft = outofcore_trace(write_updates(tmp_path / "x.npy", x), "median", c, k, tmp_path / "w", 1024)
    assert ft.trace.roots == tr.roots
    assert np.array_equal(np.asarray(ft.trace.values[1]), tr.values[1])
    assert np.array_equal(ft.trace.values[0][:], tr.values[0])
    for strategy in STRATEGIES:
        for seed in range(4):
            a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
            b, gb = play_file(ft, liar, strategy, np.random.default_rng(seed), block=1024)
            assert a == b, (strategy, seed)
            assert ga is not None and gb is not None and ga.ctx.stage_roots == gb.ctx.stage_roots
            assert [m for m in ga.moves] == [m for m in gb.moves]
    ft.cleanup()
    assert not (tmp_path / "w").exists()


def test_median_dispute_50_by_1e5(tmp_path: Path) -> None:
    n, d, c, k = 50, 100_000, 16, 16
    x = _x(n, d, 2)
    prog = build_program("median", n, d)
    trees = commit_rows(x, c, k)
    tr = honest_trace(prog, x, c, k, input_trees=trees)
    ft = outofcore_trace(write_updates(tmp_path / "x.npy", x), "median", c, k, tmp_path / "w", 16384)
    assert ft.trace.roots == tr.roots
    assert [t.root for t in ft.trace.input_trees] == [t.root for t in trees]
    for liar, strategy, seed in (("proposer", "random_step", 0), ("proposer", "after_point", 1),
                                 ("challenger", "random_step", 2)):
        a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
        b, gb = play_file(ft, liar, strategy, np.random.default_rng(seed), block=16384)
        assert a == b and a.honest_won
        assert ga is not None and gb is not None and ga.ctx.stage_roots == gb.ctx.stage_roots


def test_trimmed_mean_trace_equals_in_memory(tmp_path: Path) -> None:
    n, d, c, k = 7, 9_000, 16, 2
    x = _x(n, d, 3)
    prog = build_program("trimmed_mean", n, d, f=2)
    tr = honest_trace(prog, x, c, k)
    ft = outofcore_trace(write_updates(tmp_path / "x.npy", x), "trimmed_mean", c, k, tmp_path / "w", 128, f=2)
    assert ft.trace.roots == tr.roots


def test_non_coordinate_rule_is_refused(tmp_path: Path) -> None:
    uf = write_updates(tmp_path / "x.npy", _x(5, 5000))
    with pytest.raises(ParameterError, match="rule"):
        outofcore_trace(uf, "krum", 16, 2, tmp_path / "w", 1024, f=1)


@pytest.mark.parametrize(("rule", "params"), [("krum", {"f": 2}), ("multi_krum", {"f": 1}),
                                              ("multi_krum", {"f": 2, "m": 3})])
def test_krum_from_block_gram_sums_equals_aggregate(tmp_path: Path, rule: str, params: dict[str, int]) -> None:
    from mechanism.outofcore.krum import krum_file

    x = np.random.default_rng(4).integers(-(1 << 40), 1 << 40, size=(9, 30_001), dtype=np.int64)
    x[3] = x[5]  # a tie, broken by row content
    uf = write_updates(tmp_path / "x.npy", x)
    want = aggregate(rule, torch.from_numpy(x), **params).numpy()
    assert np.array_equal(krum_file(uf, rule, block=4096, **params), want)
