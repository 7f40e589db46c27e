"""The Krum family's dispute trace with its passes on a Dask LocalCluster of 2 separate
worker processes: the same roots and games as the in-memory path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mechanism.commitment import commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.outofcore import write_updates
from mechanism.outofcore.krum_dispute import play_selection_file, selection_trace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("distributed")
    from mechanism.outofcore.cluster import close, connect

    c = connect("local", workers=2, memory_limit="2GB")
    yield c
    close(c)


@pytest.mark.parametrize(("rule", "params"), [("krum", {"f": 2}), ("multi_krum", {"f": 1}), ("bulyan", {"f": 2})])
def test_cluster_trace_and_games_equal_in_memory(tmp_path: Path, client: Any, rule: str,
                                                 params: dict[str, int]) -> None:
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # separate worker processes
    n, d, c, k = 12, 40_001, 16, 16
    x = np.random.default_rng(6).integers(-(1 << 30), 1 << 30, size=(n, d), dtype=np.int64)
    x[7] = x[3]
    uf = write_updates(tmp_path / "x.npy", x)
    prog = build_program(rule, n, d, **params)
    trees = commit_rows(x, c, k)
    tr = honest_trace(prog, x, c, k, input_trees=trees)
    ft = selection_trace(uf, rule, c, k, tmp_path / "w", 4096, client, **params)
    serial = selection_trace(uf, rule, c, k, tmp_path / "s", 4096, **params)
    assert ft.trace.roots == tr.roots == serial.trace.roots
    assert ft.max_at == serial.max_at
    assert np.array_equal(np.asarray(ft.trace.values[-1]), tr.values[-1])
    for liar, strategy, seed in (("proposer", "random_step", 1), ("proposer", "after_point", 21),
                                 ("proposer", "random_step", 4), ("challenger", "random_step", 0)):
        a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
        b, gb = play_selection_file(ft, liar, strategy, np.random.default_rng(seed))
        assert a == b and a.honest_won
        assert ga is not None and gb is not None and ga.ctx.stage_roots == gb.ctx.stage_roots


def test_cli_cluster_run_equals_in_process(tmp_path: Path) -> None:
    from analyses.commands.dispute import run_outofcore

    args = ("multi_krum", 10, 50_000, "proposer", "random_step", 16, 16, 1, 0.02)
    one = run_outofcore(*args, None, str(tmp_path))
    two = run_outofcore(*args, "local", str(tmp_path))
    assert two["scheduler"] == "local" and two["worker_peak_rss_gb"] is not None
    for key in ("stage_roots", "input_roots_sha256", "winner", "moves", "reason", "calldata_bytes"):
        assert one[key] == two[key], key
