"""The dispute game of the Krum family (krum, multi_krum, bulyan) over an update file.

Their trace program (:func:`mechanism.dispute.programs.build_program`) is
``[cols, M, dist, order | chosen, out]``: the column tree over the trainers' trees, the
max ``M = max |x|``, the squared distances ``D_ab`` (a < b) of the rescaled rows
``x >> rescale_shift(M, d)``, the selection (Krum's order, Bulyan's chosen rows) and the
output (the first row of the order, the floor mean of the first m, Bulyan's trimmed mean
of the chosen rows). Built from the file in three passes over coordinate blocks:

1. every row tree, the column tree (:mod:`.merkle`) and ``M`` with its first position
   (:class:`~.krum_prover.MaxAt`, the max stage's attaining witness);
2. the exact int64 Gram matrix of the rescaled rows, summed over blocks
   (:mod:`.krum`: every partial sum is an integer below 2**52, so the blocks' sums add up
   to the whole one), hence ``D_ab = G_aa + G_bb - 2 G_ab`` as
   :func:`mechanism.aggregation._intmath.pairwise_sqdist` gives them;
3. the output stage's own function on each block, written to a file with its tree
   (skipped for Krum: the output is row ``order[0]``, whose tree is that trainer's).

The selection is the stage's own function with ties broken by row content read block by
block (:class:`~.krum_prover.FileOrder`). The game is
:func:`mechanism.dispute.strategies.run_dispute` with :class:`~.krum_prover.FileProver`
parties; a lying proposer's trace is built as
:func:`~mechanism.dispute.strategies.corrupted_trace` builds it, drawing the same random
numbers in the same order (stage, delta, position, then one chunk per forged sum item or
one trainer per forged column leaf) and recomputing the stages after the lie, so with the
same generator the game has the same moves, winner and roots as the in-memory one.

Peak memory (``B`` coordinates a block, ``C`` a chunk, ``k`` the arity, n rows), none of
it growing with d except the kept upper tree levels:

* the block and its hashes: ``8 n B`` bytes for the (n, B) int64 block, ``32 n B / C`` for
  its leaf hashes (the Gram kernel converts tiles in place);
* kept levels: ``32 (n + 1) d / (C k^2)`` bytes of row and output trees (levels >= 2;
  the column leaves, ``32 d / C`` bytes, stay in a file);
* the game: single chunks, two row blocks (``16 B`` bytes) to compare rows or to compute a
  distance item's chunk deltas, and that item's sum tree with levels >= 2 only
  (``~100 d / (C k^2)`` bytes, :mod:`.sumtree`).

At n = 50, B = 2**19, C = k = 16: 210 MB + 52 MB for the block, and about 0.4 MB of
kept levels per million coordinates.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.commitment import MerkleTree, num_chunks, tree_depth
from mechanism.dispute.game import DisputeGame
from mechanism.dispute.strategies import LIE_DELTAS, GameResult, run_dispute, shift_value
from mechanism.dispute.trace import Program, Trace, commit_stage
from mechanism.errors import ParameterError
from mechanism.outofcore.dispute import (
    FileTrace,
    Fingerprints,
    ShiftedVector,
    _vector_upper,
)
from mechanism.outofcore.forged_columns import draw_forged, forged_column_tree
from mechanism.outofcore.krum_prover import (
    FileOrder,
    FileProver,
    ItemDeltas,
    MaxAt,
    block_max_at,
    with_deltas,
)
from mechanism.outofcore.merkle import (
    Committed,
    LeafLevel,
    assemble,
    check_block,
    finish_tree,
    hash_block,
    vector_tree,
)
from mechanism.outofcore.store import BLOCK_COORDS, FileVector, blocks

SELECTION_RULES = ("krum", "multi_krum", "bulyan")


@dataclass
class SelectionFileTrace(FileTrace):
    """A Krum-family trace over an update file (the honest one) and what its provers need."""

    uf: Any = None
    block: int = 0
    max_at: MaxAt | None = None
    order: FileOrder | None = None
    seconds_passes: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _lies: int = 0

    def prover(self, trace: Trace) -> FileProver:
        return FileProver(self.x, self.trace.input_trees, trace, order=self.order, max_at=self.max_at)


def _program(rule: str, n: int, d: int, params: dict[str, Any]) -> Program:
    from mechanism.dispute.programs import build_program

    if rule not in SELECTION_RULES:
        raise ParameterError.bad("rule", rule, f"a Krum-family rule out of core: {', '.join(SELECTION_RULES)}")
    return build_program(rule, n, d, **params)


def pair_distances(g: np.ndarray, n: int) -> np.ndarray:
    """``D_ab = G_aa + G_bb - 2 G_ab`` for a < b in the program's pair order
    (:func:`mechanism.aggregation._intmath.pairwise_sqdist`)."""
    gl = g.tolist()
    return np.array([gl[a][a] + gl[b][b] - 2 * gl[a][b] for a in range(n) for b in range(a + 1, n)],
                    dtype=np.int64)


def _out_key(prog: Program, scal: dict[str, np.ndarray]) -> tuple[int, ...]:
    """What the output stage reads of its selection (programs.py ``_krum`` / ``_bulyan``):
    Krum the first row of the order, multi-Krum the set of the first m, Bulyan the chosen rows."""
    o = [int(v) for v in scal[prog.stages[-1].scalars[0]]]
    if prog.rule == "krum":
        return (o[0],)
    if prog.rule == "multi_krum":
        f = int(prog.params.get("f", 1))
        return tuple(sorted(o[: int(prog.params.get("m") or prog.n - f)]))
    return tuple(o)


def output_stage(uf: Any, prog: Program, scal: dict[str, np.ndarray], rows: list[MerkleTree], chunk_size: int,
                 arity: int, block: int, path: str, scheduler: Any = None) -> tuple[Any, MerkleTree]:
    """The output stage's value (read from its file on slicing) and tree: Krum's is row
    ``order[0]`` of the update file with that trainer's tree; otherwise one pass writing ``path``."""
    if prog.rule == "krum":
        o0 = int(scal["order"][0])
        return FileVector.row(uf, o0), rows[o0]
    st = prog.stages[-1]
    assert st.fn is not None
    upper: list[bytes] = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if scheduler is None:
            buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)
            for lo, hi in blocks(uf.d, block):
                o = np.ascontiguousarray(st.fn(scal, {"x": uf.read_block(lo, hi, buf)}), dtype="<i8")
                os.pwrite(fd, o.data, 8 * lo)
                upper.append(_vector_upper(o, lo, chunk_size, arity))
        else:
            from mechanism.outofcore.cluster import output_blocks

            for lo, o, up in output_blocks(scheduler, uf, prog, scal, chunk_size, arity, block):
                os.pwrite(fd, np.ascontiguousarray(o, dtype="<i8").data, 8 * lo)
                upper.append(up)
    finally:
        os.close(fd)
    out_r = FileVector(path, 0, uf.d)
    size = arity ** tree_depth(num_chunks(uf.d, chunk_size), arity)
    return out_r, finish_tree(b"".join(upper), LeafLevel(out_r, uf.d, chunk_size, size), uf.d, chunk_size, arity)


def selection_trace(uf: Any, rule: str, chunk_size: int, arity: int, workdir: str | Path, block: int = 0,
                    scheduler: Any = None, **params: Any) -> SelectionFileTrace:
    """The honest trace of ``rule``'s program on the update file (three passes, module
    doc); ``scheduler``: a :mod:`.cluster` client for the passes' blocks."""
    from mechanism.aggregation._intmath import rescale_shift
    from mechanism.outofcore.krum import block_gram

    n, d = uf.n, uf.d
    prog = _program(rule, n, d, params)
    block = check_block(block or BLOCK_COORDS, chunk_size, arity)
    if tree_depth(num_chunks(d, chunk_size), arity) < 2:
        raise ParameterError.bad("params", d, f"more than chunk_size * arity = {chunk_size * arity} out of core")
    os.makedirs(workdir, exist_ok=True)
    t0 = time.perf_counter()
    best: list[MaxAt] = []
    if scheduler is None:
        buf = np.empty((n, min(block, d)), dtype=np.int64)

        def results() -> Any:
            for lo, hi in blocks(d, block):
                vals = uf.read_block(lo, hi, buf)
                m = block_max_at(vals, lo)
                best[:] = [best[0].better(m) if best else m]
                yield hash_block(vals, lo, chunk_size, arity)
        res: Any = results()
    else:
        from mechanism.outofcore.cluster import hash_max_blocks

        res = hash_max_blocks(scheduler, uf, chunk_size, arity, block, best)
    cm: Committed = assemble(uf.memmap(), d, n, chunk_size, arity, res, os.path.join(workdir, "cols.bin"))
    assert cm.columns is not None and cm.col_path is not None and best
    t1 = time.perf_counter()
    shift = rescale_shift(best[0].value, d)
    if scheduler is None:
        g = np.zeros((n, n), dtype=np.int64)
        for lo, hi in blocks(d, block):
            g += block_gram(uf.read_block(lo, hi, buf), shift)
    else:
        from mechanism.outofcore.cluster import gram_blocks

        g = gram_blocks(scheduler, uf, shift, block)
    t2 = time.perf_counter()
    order = FileOrder(uf, block)
    fp = Fingerprints(np.memmap(cm.col_path, dtype=np.uint8, mode="r"), num_chunks(d, chunk_size))
    values: list[Any] = [fp, np.array([best[0].value], dtype=np.int64), pair_distances(g, n)]
    trees: list[MerkleTree] = [cm.columns, *(commit_stage(prog, i, values[i], chunk_size, arity) for i in (1, 2))]
    tr = Trace(prog, values, trees, chunk_size, arity, input_trees=cm.rows)
    sel = prog.stages[3]
    assert sel.select is not None
    values.append(np.array(sel.select(tr.scalars_for(3), order), dtype=np.int64))
    trees.append(commit_stage(prog, 3, values[3], chunk_size, arity))
    out, out_tree = output_stage(uf, prog, tr.scalars_for(4), cm.rows, chunk_size, arity, block,
                                 os.path.join(workdir, "out.i64"), scheduler)
    values.append(out)
    trees.append(out_tree)
    with_deltas(tr, ItemDeltas(uf, block))
    t3 = time.perf_counter()
    return SelectionFileTrace(tr, uf.memmap(), str(workdir), t3 - t0, uf, block, best[0], order,
                              (t1 - t0, t2 - t1, t3 - t2))


def corrupted_selection_trace(ft: SelectionFileTrace, rng: np.random.Generator, strategy: str) -> tuple[Trace, int]:
    """:func:`mechanism.dispute.strategies.corrupted_trace` for a Krum-family program over
    the file: the same draws in the same order; the stages after the lie recomputed as
    ``execute`` recomputes them (the distances' totals do not read ``M``, so a lied max
    changes only its own stage)."""
    honest = ft.trace
    prog = honest.program
    c, k = honest.chunk_size, honest.arity
    s = int(rng.integers(len(prog.stages)))
    st = prog.stages[s]
    delta = int(rng.choice(LIE_DELTAS))
    after = strategy == "after_point"
    p = int(rng.integers(len(honest.values[s])))
    lie = Trace(prog, list(honest.values), list(honest.trees), c, k, input_trees=honest.input_trees)
    forged: dict[tuple[int, int], tuple[int, int]] = {}
    if st.kind == "column":
        cols = draw_forged(honest, rng, p, after)
        lie.column_overrides = cols
        lie.values[s] = ShiftedVector(honest.values[s], p, delta, after)  # type: ignore[call-overload]
        lie.trees[s] = forged_column_tree(ft.uf, ft.workdir, cols, ft.block)
    elif st.kind == "map":
        sv = ShiftedVector(honest.values[s], p, delta, after)
        lie.values[s] = sv  # type: ignore[call-overload]
        lie.trees[s] = vector_tree(lambda lo, hi: sv[lo:hi], sv, prog.d, c, k, ft.block)
    else:
        v = np.array(honest.values[s], dtype=np.int64)
        if st.kind == "select" and st.name == "order" and len(v) > 1:
            v[[0, 1]] = v[[1, 0]]
        elif st.kind == "select" and st.name == "chosen":
            v[p] = sorted(set(range(prog.n)) - {int(t) for t in v})[0]
            v.sort()
        elif st.kind in ("select", "max"):
            v[p] = v[p] + 1
        else:
            shift_value(v, p, delta, strategy)
        lie.values[s], lie.trees[s] = v, commit_stage(prog, s, v, c, k)
        _downstream(ft, lie, s)
        if st.kind == "sum":
            m = num_chunks(prog.d, c)
            for q in np.nonzero(v != honest.values[s])[0].tolist():
                forged[(s, q)] = (int(rng.integers(m)), int(v[q]) - int(honest.values[s][q]))
    with_deltas(lie, ItemDeltas(ft.uf, ft.block, forged))
    return lie, s


def _downstream(ft: SelectionFileTrace, lie: Trace, s: int) -> None:
    """Recompute the select and output stages after stage s from the lie."""
    prog, honest = lie.program, ft.trace
    for i in range(s + 1, len(prog.stages)):
        st = prog.stages[i]
        if st.kind == "select":
            assert st.select is not None
            assert ft.order is not None
            v = np.array(st.select(lie.scalars_for(i), ft.order), dtype=np.int64)
            lie.values[i], lie.trees[i] = v, commit_stage(prog, i, v, lie.chunk_size, lie.arity)
        elif st.kind == "map" and _out_key(prog, lie.scalars_for(i)) != _out_key(prog, honest.scalars_for(i)):
            ft._lies += 1
            lie.values[i], lie.trees[i] = output_stage(
                ft.uf, prog, lie.scalars_for(i), honest.input_trees, lie.chunk_size, lie.arity, ft.block,
                os.path.join(ft.workdir, f"out_lie{ft._lies}.i64"))


def play_selection_file(ft: SelectionFileTrace, liar: str, strategy: str | None, rng: np.random.Generator,
                        clock_blocks: int = 20) -> tuple[GameResult, DisputeGame | None]:
    """:func:`mechanism.dispute.strategies.play` on a Krum-family file trace (same parties,
    same game, same draws)."""
    honest = ft.trace
    return run_dispute(honest.program, honest, ft.prover(honest), liar, strategy, rng, ft.prover,
                       lambda strat: corrupted_selection_trace(ft, rng, strat)[0], DisputeGame, clock_blocks)


__all__ = ["SELECTION_RULES", "SelectionFileTrace", "corrupted_selection_trace", "output_stage", "pair_distances",
           "play_selection_file", "selection_trace"]
