"""The dispute game of a coordinate-wise rule over an update file (challenger's side).

The trace program of mean / median / trimmed mean is ``[cols, out]``
(:func:`mechanism.dispute.programs.build_program`): the column tree over the trainers'
trees, and ``out = rule(x)``. One pass over coordinate blocks builds every row tree, the
column tree and ``out`` (written to a file) with its tree (:mod:`.merkle`); the game
(:func:`mechanism.dispute.strategies.play_out`, the same parties and state machine as
the in-memory :func:`~mechanism.dispute.strategies.play`) then opens only the paths it
visits, reading a few chunks of the files through read-only maps.

A dishonest proposer's trace is built exactly as
:func:`~mechanism.dispute.strategies.corrupted_trace` builds it, drawing the same random
numbers in the same order, so with the same generator the game has the same moves,
winner and roots as the in-memory one; the lie's tree is rebuilt by one pass over the
lied vector (or, for forged column leaves, :mod:`.forged_columns`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.commitment import num_chunks, tree_depth
from mechanism.dispute.game import DisputeGame
from mechanism.dispute.proofs import Prover
from mechanism.dispute.strategies import (
    LIE_DELTAS,
    GameResult,
    run_dispute,
)
from mechanism.dispute.trace import Program, Trace
from mechanism.errors import ParameterError
from mechanism.outofcore.aggregate import COORDINATE_RULES, BlockRule
from mechanism.outofcore.forged_columns import draw_forged, forged_column_tree
from mechanism.outofcore.merkle import (
    Committed,
    assemble,
    check_block,
    finish_tree,
    hash_block,
    reduce_levels,
    vector_tree,
)
from mechanism.outofcore.store import BLOCK_COORDS, UpdateFile, blocks


class ShiftedVector:
    """``base`` with ``delta`` added at ``p`` (or from ``p`` on): a lied stage value that
    is never materialised (reads a slice of ``base`` and shifts it)."""

    def __init__(self, base: Any, p: int, delta: int, after: bool) -> None:
        self.base, self.p, self.delta, self.after = base, p, delta, after

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            lo, hi, _ = i.indices(len(self.base))
            v = np.array(self.base[lo:hi], dtype=np.int64)
            if self.after:
                v[max(0, self.p - lo):] += self.delta
            elif lo <= self.p < hi:
                v[self.p - lo] += self.delta
            return v
        k = int(i)
        return int(self.base[k]) + (self.delta if (k >= self.p if self.after else k == self.p) else 0)


class Fingerprints:
    """The column stage's value (first 8 bytes of every column leaf, big-endian) read from
    the column leaf file."""

    def __init__(self, raw: Any, m: int) -> None:
        self.raw, self.m = raw, m

    def __len__(self) -> int:
        return self.m

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            lo, hi, _ = i.indices(self.m)
            a = np.asarray(self.raw[32 * lo : 32 * hi]).reshape(-1, 32)[:, :8]
            return np.ascontiguousarray(a).view(">i8").reshape(-1).astype(np.int64)
        return int.from_bytes(bytes(self.raw[32 * int(i) : 32 * int(i) + 8]), "big", signed=True)


@dataclass
class FileTrace:
    """An honest trace over an update file and the files it wrote (``cleanup`` removes them)."""

    trace: Trace
    x: np.ndarray
    workdir: str
    seconds_build: float = 0.0

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def update_file(self) -> UpdateFile:
        """The update file ``x`` maps."""
        return UpdateFile.open(self.x.filename)  # type: ignore[attr-defined]


def _program(rule: str, n: int, d: int, params: dict[str, Any]) -> Program:
    from mechanism.dispute.programs import build_program

    if rule not in COORDINATE_RULES:
        raise ParameterError.bad("rule", rule, f"a coordinate-wise rule out of core: {', '.join(COORDINATE_RULES)}")
    return build_program(rule, n, d, **params)


def outofcore_trace(uf: Any, rule: str, chunk_size: int, arity: int, workdir: str | Path, block: int = 0,
                    scheduler: Any = None, **params: Any) -> FileTrace:
    """The honest trace of ``rule``'s program on the update file: one pass builds the row
    trees, the column tree (leaves in ``workdir/cols.bin``) and ``out`` (``workdir/out.i64``)
    with its tree. ``scheduler``: a :mod:`.cluster` client to run the blocks on."""
    import time

    prog = _program(rule, uf.n, uf.d, params)
    block = check_block(block or BLOCK_COORDS, chunk_size, arity)
    os.makedirs(workdir, exist_ok=True)
    t0 = time.perf_counter()
    out_path = os.path.join(workdir, "out.i64")
    fn = BlockRule(rule, tuple(sorted(params.items())), stage=True)
    out_upper: list[bytes] = []
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def sink(lo: int, hi: int, o: np.ndarray) -> None:  # written, not mapped: not resident
        os.pwrite(fd, np.ascontiguousarray(o, dtype="<i8").data, 8 * lo)

    try:
        if scheduler is None:
            buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)

            def results() -> Any:
                for lo, hi in blocks(uf.d, block):
                    vals = uf.read_block(lo, hi, buf)
                    o = fn(vals)
                    sink(lo, hi, o)
                    out_upper.append(_vector_upper(o, lo, chunk_size, arity))
                    yield hash_block(vals, lo, chunk_size, arity)
            res: Any = results()
        else:
            from mechanism.outofcore.cluster import trace_blocks

            res = trace_blocks(scheduler, uf, fn, chunk_size, arity, block, sink, out_upper)
        cm: Committed = assemble(uf.memmap(), uf.d, uf.n, chunk_size, arity, res, os.path.join(workdir, "cols.bin"))
    finally:
        os.close(fd)
    out_r = np.memmap(out_path, dtype=np.int64, mode="r", shape=(uf.d,))
    from mechanism.outofcore.merkle import LeafLevel

    size = arity ** tree_depth(num_chunks(uf.d, chunk_size), arity)
    out_tree = finish_tree(b"".join(out_upper), LeafLevel(out_r, uf.d, chunk_size, size), uf.d, chunk_size, arity)
    assert cm.columns is not None and cm.col_path is not None
    m = num_chunks(uf.d, chunk_size)
    fp = Fingerprints(np.memmap(cm.col_path, dtype=np.uint8, mode="r"), m)
    tr = Trace(prog, [fp, out_r], [cm.columns, out_tree], chunk_size, arity,  # type: ignore[list-item]
               input_trees=cm.rows)
    return FileTrace(tr, uf.memmap(), str(workdir), time.perf_counter() - t0)


def _vector_upper(v: np.ndarray, lo: int, chunk_size: int, arity: int) -> bytes:
    from mechanism.outofcore.merkle import block_leaves

    return reduce_levels(block_leaves(v[None, :], chunk_size, lo // chunk_size), 1, arity)


def corrupted_file_trace(ft: FileTrace, rng: np.random.Generator, strategy: str, block: int = 0
                         ) -> tuple[Trace, int]:
    """:func:`mechanism.dispute.strategies.corrupted_trace` for a coordinate program over
    files: the same draws in the same order (stage, delta, position, forged trainer)."""
    honest = ft.trace
    prog = honest.program
    block = block or BLOCK_COORDS
    s = int(rng.integers(len(prog.stages)))
    kind = prog.stages[s].kind
    delta = int(rng.choice(LIE_DELTAS))
    after = strategy == "after_point"
    p = int(rng.integers(len(honest.values[s])))
    lie = Trace(prog, list(honest.values), list(honest.trees), honest.chunk_size, honest.arity,
                input_trees=honest.input_trees)
    if kind == "column":
        forged = draw_forged(honest, rng, p, after)
        lie.column_overrides = forged
        lie.values[s] = ShiftedVector(honest.values[s], p, delta, after)  # type: ignore[call-overload]
        lie.trees[s] = forged_column_tree(ft.update_file(), ft.workdir, forged,
                                          check_block(block, honest.chunk_size, honest.arity))
    else:
        v = ShiftedVector(honest.values[s], p, delta, after)
        lie.values[s] = v  # type: ignore[call-overload]
        lie.trees[s] = vector_tree(lambda lo, hi: v[lo:hi], v, prog.d, honest.chunk_size, honest.arity, block)
    return lie, s


def play_file(ft: FileTrace, liar: str, strategy: str | None, rng: np.random.Generator, clock_blocks: int = 20,
              block: int = 0) -> tuple[GameResult, DisputeGame | None]:
    """:func:`mechanism.dispute.strategies.play` on a file trace (same parties, same game)."""
    honest = ft.trace
    program = honest.program
    hp = Prover(ft.x, honest.input_trees, honest)
    return run_dispute(program, honest, hp, liar, strategy, rng, lambda lie: Prover(ft.x, hp.input_trees, lie),
                       lambda s: corrupted_file_trace(ft, rng, s, block)[0], DisputeGame, clock_blocks)


__all__ = ["FileTrace", "ShiftedVector", "corrupted_file_trace", "outofcore_trace", "play_file"]
