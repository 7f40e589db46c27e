"""Out-of-core work on a Dask LocalCluster of 2 separate worker processes (1 thread each):
results and roots bit-identical to the in-memory path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mechanism.aggregation.registry import aggregate
from mechanism.commitment import commit_columns, commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.outofcore import outofcore_trace, play_file, write_updates

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("distributed")
    from mechanism.outofcore.cluster import close, connect

    c = connect("local", workers=2, memory_limit="2GB")
    workers = c.scheduler_info()["workers"]
    assert len(workers) == 2 and all(w["nthreads"] == 1 for w in workers.values())
    yield c
    close(c)


def test_cluster_roots_aggregates_and_game_equal_in_memory(tmp_path: Path, client: Any) -> None:
    import os

    from mechanism.outofcore.cluster import (
        aggregate_file_cluster,
        commit_file_cluster,
        krum_file_cluster,
    )

    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # separate worker processes
    n, d, c, k = 20, 60_001, 16, 16
    x = np.random.default_rng(5).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    uf = write_updates(tmp_path / "x.npy", x)
    ref = commit_rows(x, c, k)
    got = commit_file_cluster(client, uf, c, k, 8192, tmp_path / "cols.bin")
    assert [t.root for t in got.rows] == [t.root for t in ref]
    assert got.columns is not None and got.columns.root == commit_columns(ref).root
    for rule, params in (("median", {}), ("trimmed_mean", {"f": 3}), ("mean", {})):
        want = aggregate(rule, torch.from_numpy(x), **params).numpy()
        assert np.array_equal(aggregate_file_cluster(client, uf, rule, 8192, **params), want)
    for rule, params in (("krum", {"f": 2}), ("multi_krum", {"f": 3})):
        want = aggregate(rule, torch.from_numpy(x), **params).numpy()
        assert np.array_equal(krum_file_cluster(client, uf, rule, block=8192, **params), want)
    prog = build_program("median", n, d)
    tr = honest_trace(prog, x, c, k, input_trees=ref)
    ft = outofcore_trace(uf, "median", c, k, tmp_path / "w", 8192, client)
    assert ft.trace.roots == tr.roots
    assert np.array_equal(np.asarray(ft.trace.values[1]), tr.values[1])
    for liar, strategy, seed in (("proposer", "random_step", 0), ("proposer", "after_point", 3),
                                 ("challenger", "random_step", 1)):
        a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=ref)
        b, gb = play_file(ft, liar, strategy, np.random.default_rng(seed), block=8192)
        assert a == b and a.honest_won
        assert ga is not None and gb is not None and ga.ctx.stage_roots == gb.ctx.stage_roots
