"""orfl dispute --rule krum|multi_krum|bulyan past the memory budget runs out of core with
the roots and winner of the in-memory game on the same inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analyses.commands.dispute import run_outofcore
from mechanism.commitment import commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.outofcore.store import blocks, random_fill


def _inputs(n: int, d: int, seed: int, block: int) -> np.ndarray:
    fill = random_fill(n, seed)
    return np.concatenate([fill(lo, hi) for lo, hi in blocks(d, block)], axis=1)


@pytest.mark.parametrize(("rule", "liar", "strategy"), [("krum", "proposer", "random_step"),
                                                        ("multi_krum", "challenger", "random_step"),
                                                        ("bulyan", "proposer", "after_point")])
def test_same_roots_and_winner_as_in_memory(tmp_path: Path, rule: str, liar: str, strategy: str) -> None:
    n, d, chunk, arity, seed, budget = 9, 70_001, 16, 4, 3, 0.05
    out = run_outofcore(rule, n, d, liar, strategy, chunk, arity, seed, budget, None, str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # inputs and trace files deleted
    x = _inputs(n, d, seed, out["block_coords"])
    prog = build_program(rule, n, d, f=1)
    trees = commit_rows(x, chunk, arity)
    tr = honest_trace(prog, x, chunk, arity, input_trees=trees)
    assert out["stage_roots"] == [r.hex() for r in tr.roots]
    res, _ = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
    assert (out["winner"], out["moves"], out["reason"], out["calldata_bytes"]) == (
        res.winner, res.moves, res.reason, res.calldata_bytes)
    assert out["honest_won"] and out["outofcore"] and out["gas_total"] > 0
    json.dumps(out)


def test_cli_routes_krum_past_budget(capsys: pytest.CaptureFixture[str]) -> None:
    from analyses.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["dispute", "--rule", "krum", "--trainers", "10", "--params", "100000", "--memory-budget-gb", "0.001",
              "--no-evm", "--json"])
    assert exc.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outofcore"] and out["rule"] == "krum" and out["honest_won"] and len(out["stage_roots"]) == 5


def test_cli_refuses_rules_without_an_outofcore_trace(capsys: pytest.CaptureFixture[str]) -> None:
    from analyses.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["dispute", "--rule", "geometric_median", "--trainers", "10", "--params", "100000",
              "--memory-budget-gb", "0.001", "--no-evm", "--json"])
    assert exc.value.code == 2
    assert "rule" in capsys.readouterr().err
