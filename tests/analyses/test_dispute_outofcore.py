"""orfl dispute out of core: engages past the memory budget, same roots and winner as the
in-memory trace on the same inputs, files deleted, peak memory reported."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analyses.commands.dispute import block_coords, needs_outofcore, run_outofcore
from mechanism.commitment import commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.outofcore.store import blocks, random_fill


def _inputs(n: int, d: int, seed: int, block: int) -> np.ndarray:
    fill = random_fill(n, seed)
    return np.concatenate([fill(lo, hi) for lo, hi in blocks(d, block)], axis=1)


def test_budget_decides_the_path() -> None:
    assert needs_outofcore(50, 100_000_000, 8.0)  # 40 GB of int64
    assert not needs_outofcore(50, 1_000_000, 4.0)
    b = block_coords(50, 4.0, 16, 16)
    assert b & (b - 1) == 0 and b % (16 * 16 * 16) == 0 and 8 * 50 * b <= 4e9 / 16


@pytest.mark.parametrize(("rule", "liar"), [("median", "proposer"), ("trimmed_mean", "challenger"),
                                            ("mean", "proposer")])
def test_same_roots_and_winner_as_in_memory(tmp_path: Path, rule: str, liar: str) -> None:
    n, d, chunk, arity, seed, budget = 9, 70_001, 16, 4, 3, 0.05
    out = run_outofcore(rule, n, d, liar, "random_step", chunk, arity, seed, budget, None, str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # inputs and trace files deleted
    x = _inputs(n, d, seed, out["block_coords"])
    params = {"f": 1} if rule == "trimmed_mean" else {}
    prog = build_program(rule, n, d, **params)
    trees = commit_rows(x, chunk, arity)
    tr = honest_trace(prog, x, chunk, arity, input_trees=trees)
    assert out["stage_roots"] == [r.hex() for r in tr.roots]
    res, _ = play(prog, x, tr, liar, "random_step", np.random.default_rng(seed), input_trees=trees)
    assert (out["winner"], out["moves"], out["reason"]) == (res.winner, res.moves, res.reason)
    assert out["honest_won"] and out["outofcore"]
    assert 0 < out["peak_rss_gb"] < 4
    assert out["offchain_seconds"] >= out["trace_seconds"] > 0
    json.dumps(out)


def test_cli_refuses_non_coordinate_rule_past_budget(capsys: pytest.CaptureFixture[str]) -> None:
    from analyses.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["dispute", "--rule", "geometric_median", "--trainers", "10", "--params", "100000", "--memory-budget-gb", "0.001",
              "--no-evm", "--json"])
    assert exc.value.code == 2
    assert "rule" in capsys.readouterr().err


@pytest.mark.slow
def test_local_cluster_run_equals_in_process(tmp_path: Path) -> None:
    args = ("median", 20, 50_000, "proposer", "random_step", 16, 16, 1, 0.02)
    one = run_outofcore(*args, None, str(tmp_path))
    two = run_outofcore(*args, "local", str(tmp_path))
    assert two["scheduler"] == "local"
    for k in ("stage_roots", "input_roots_sha256", "winner", "moves", "reason"):
        assert one[k] == two[k], k
