"""The Krum family's dispute over an update file equals the in-memory game: same roots
(bit for bit), and with the same generator the same moves, winner and result for every
lie and both honest sides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation.registry import aggregate
from mechanism.commitment import commit_rows
from mechanism.dispute import build_program, honest_trace, play
from mechanism.dispute.strategies import STRATEGIES
from mechanism.errors import ParameterError
from mechanism.outofcore import write_updates
from mechanism.outofcore.krum_dispute import play_selection_file, selection_trace

#: the first draw (the lied stage of 5) of default_rng(seed) covers every stage: 4, 2, 3, 0, 1, 1
SEEDS = (0, 1, 4, 11, 21, 24)
CASES = [("krum", {"f": 1}), ("multi_krum", {"f": 2}), ("multi_krum", {"f": 1, "m": 1}), ("bulyan", {"f": 1})]


def _x(n: int, d: int, seed: int, ties: bool) -> np.ndarray:
    x = np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    if ties:  # equal rows tie in every score (content tie-break, lexicographic witnesses)
        x[2] = x[4]
        x[5, : d // 2] = x[1, : d // 2]  # rows sharing a long prefix
    return x


def _both(tmp_path: Path, rule: str, params: dict[str, Any], n: int, d: int, c: int, k: int, block: int,
          seed: int, ties: bool = False) -> tuple[Any, ...]:
    x = _x(n, d, seed, ties)
    prog = build_program(rule, n, d, **params)
    trees = commit_rows(x, c, k)
    tr = honest_trace(prog, x, c, k, input_trees=trees)
    ft = selection_trace(write_updates(tmp_path / "x.npy", x), rule, c, k, tmp_path / "w", block, **params)
    return x, prog, trees, tr, ft


@pytest.mark.parametrize(("rule", "params"), CASES)
def test_trace_equals_in_memory(tmp_path: Path, rule: str, params: dict[str, Any]) -> None:
    x, _prog, trees, tr, ft = _both(tmp_path, rule, params, 9, 20_001, 16, 4, 1024, 1, ties=True)
    assert ft.trace.roots == tr.roots
    assert [t.root for t in ft.trace.input_trees] == [t.root for t in trees]
    for i in (1, 2, 3):
        assert np.array_equal(ft.trace.values[i], tr.values[i])
    assert np.array_equal(np.asarray(ft.trace.values[4]), tr.values[4])
    assert np.array_equal(np.asarray(ft.trace.values[4]), aggregate(rule, torch.from_numpy(x), **params).numpy())


@pytest.mark.parametrize(("rule", "params"), CASES)
@pytest.mark.parametrize("liar", ["proposer", "challenger"])
def test_game_equals_in_memory_for_every_lie(tmp_path: Path, rule: str, params: dict[str, Any], liar: str) -> None:
    x, prog, trees, tr, ft = _both(tmp_path, rule, params, 7, 9_000, 16, 4, 1024, 2, ties=True)
    stages = set()
    for strategy in STRATEGIES:
        for seed in SEEDS:
            a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
            b, gb = play_selection_file(ft, liar, strategy, np.random.default_rng(seed))
            assert a == b, (strategy, seed)
            assert ga is not None and gb is not None
            assert ga.ctx.stage_roots == gb.ctx.stage_roots, (strategy, seed)
            assert ga.moves == gb.moves
            assert [(m, ok, blk) for m, _a, ok, blk in ga.attempts] == [(m, ok, blk) for m, _a, ok, blk in gb.attempts]
            assert a.honest_won
            stages.add(a.stage)
    if liar == "proposer":
        assert stages == set(range(len(prog.stages)))  # every stage was lied about and disputed


def test_nobody_lies(tmp_path: Path) -> None:
    *_, ft = _both(tmp_path, "krum", {"f": 1}, 6, 5_000, 16, 4, 1024, 3)
    res, game = play_selection_file(ft, "none", None, np.random.default_rng(0))
    assert game is None and res.moves == 0 and res.honest_won


def test_coordinate_rule_is_refused(tmp_path: Path) -> None:
    uf = write_updates(tmp_path / "x.npy", _x(5, 5_000, 0, False))
    with pytest.raises(ParameterError, match="rule"):
        selection_trace(uf, "median", 16, 4, tmp_path / "w", 1024)


@settings(max_examples=6, deadline=None)
@given(rule=st.sampled_from(["krum", "multi_krum", "bulyan"]), n=st.integers(7, 9), d=st.integers(300, 2_000),
       chunk=st.sampled_from([4, 16]), arity=st.sampled_from([2, 4]), seed=st.integers(0, 10_000),
       liar=st.sampled_from(["proposer", "challenger"]), strategy=st.sampled_from(STRATEGIES))
def test_any_shape_same_game(tmp_path_factory: pytest.TempPathFactory, rule: str, n: int, d: int, chunk: int,
                             arity: int, seed: int, liar: str, strategy: str) -> None:
    tmp = tmp_path_factory.mktemp("h")
    block = chunk * arity * arity * 2
    x, prog, trees, tr, ft = _both(tmp, rule, {"f": 1}, n, d, chunk, arity, block, seed, ties=seed % 2 == 0)
    assert ft.trace.roots == tr.roots
    a, ga = play(prog, x, tr, liar, strategy, np.random.default_rng(seed), input_trees=trees)
    b, gb = play_selection_file(ft, liar, strategy, np.random.default_rng(seed))
    assert a == b and a.honest_won
    assert ga is not None and gb is not None and ga.ctx.stage_roots == gb.ctx.stage_roots
