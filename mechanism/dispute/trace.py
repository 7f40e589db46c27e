"""Trace programs: every aggregation rule as a short list of Map / Fold / Select stages.

A stage produces one committed int64 vector (docs/design.md, "The verification game"):

* ``map``    -- output chunk j = f(chunk j of every source vector; committed scalars).
  Sources are the n input rows ``x`` (optionally viewed through committed clip
  factors) or earlier length-d stage vectors (Weiszfeld's ``z_t``, centered clipping's
  ``v_l``). Coordinate separability means the *same* function computes the whole vector
  (the honest executor, which therefore equals the aggregation core bit for bit) and
  one chunk (the one-step verifier).
* ``sum``    -- an additive Fold: item totals ``T_p = sum_j delta_p(chunk j)`` (squared
  norms, squared distances of rescaled operands). The totals are committed; per-chunk
  partial sums are committed lazily, per disputed item, in a Merkle sum tree.
* ``max``    -- a max Fold: ``M = max |v|`` over a source, committed as a global scalar
  because rescale shifts ``s = rescale_shift(M, d)`` depend on it. It is disputed by a
  single opened witness (a larger value, or the proposer's attaining value).
* ``select`` -- a small function of earlier small vectors (clip factors, Krum's order,
  Bulyan's selection, Weiszfeld's weights), re-executed whole by the verifier; ties are
  broken by lexicographic row content, proven by Merkle witnesses
  (:mod:`mechanism.dispute.onestep`).

* ``column`` -- stage 0 of every program: the column tree over the n input trees
  (:func:`mechanism.commitment.commit_columns`), so a one-step opens chunk j of all n
  inputs with one Merkle path. Its stage value is one int64 per leaf (a fingerprint:
  the first 8 bytes of the column leaf); a forged column is given as leaf hashes in
  :attr:`Trace.column_overrides`.

Small vectors (everything but ``map`` outputs) are committed with chunk size 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import (
    MerkleTree,
    commit,
    commit_columns,
    commit_rows,
    level_bytes,
    num_chunks,
    tree_depth,
)

#: (scalars by stage name, sources by name) -> output (map) / abs values (max)
ArrayFn = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]
#: (scalars, sources, item) -> per-coordinate fold contributions (summed per chunk)
DeltaFn = Callable[[dict[str, np.ndarray], dict[str, np.ndarray], Any], np.ndarray]
#: (scalars, full sources) -> all item totals (the fast path)
TotalsFn = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], list[int]]
#: order_fn(scores, members) -> positions sorted by (score, row content)
OrderFn = Callable[[list[int], list[int]], list[int]]
SelectFn = Callable[[dict[str, np.ndarray], OrderFn], list[int]]

KINDS = ("column", "map", "sum", "max", "select")


@dataclass(frozen=True)
class Stage:
    """One stage of a trace program (see the module doc for the four kinds)."""

    name: str
    kind: str
    reads: tuple[str, ...] = ()  # vector sources: "x" or earlier map stages
    scalars: tuple[str, ...] = ()  # earlier small stages, read whole
    fn: ArrayFn | None = None  # map / max
    delta: DeltaFn | None = None  # sum
    totals: TotalsFn | None = None  # sum (fast path)
    items: tuple[Any, ...] = ()  # sum
    select: SelectFn | None = None  # select
    lex: bool = False  # select: needs row-order tie-breaks


@dataclass(frozen=True)
class Program:
    """A rule as stages; the last stage is the aggregate (a ``map`` of length d)."""

    rule: str
    params: dict[str, Any]
    n: int
    d: int
    stages: tuple[Stage, ...]

    def index(self, name: str) -> int:
        for i, s in enumerate(self.stages):
            if s.name == name:
                return i
        raise KeyError(name)

    def stage_length(self, i: int) -> int:
        st = self.stages[i]
        if st.kind == "map":
            return self.d
        if st.kind == "column":
            return -1  # one per chunk: known with the chunk size
        if st.kind == "sum":
            return len(st.items)
        if st.kind == "max":
            return 1
        return -1  # select: known after execution

    def move_bound(self, chunk_size: int, arity: int, lengths: list[int]) -> int:
        """Largest number of moves (transactions) any game on this program can take.

        map: challenge + 2 * depth (reveal, choose) + one-step; column: the same plus the
        proposer's reveal of the disputed column leaf's preimage; sum: challenge +
        2 * depth(items) + item reveal + 2 * depth(chunks) + one-step; max: challenge +
        claim + attaining witness; select: challenge + one-step.
        """
        leaves = num_chunks(self.d, chunk_size)
        best = 0
        for st, m in zip(self.stages, lengths, strict=True):
            if st.kind == "map":
                b = 2 + 2 * tree_depth(leaves, arity)
            elif st.kind == "column":
                b = 3 + 2 * tree_depth(leaves, arity)
            elif st.kind == "sum":
                b = 3 + 2 * tree_depth(m, arity) + 2 * tree_depth(leaves, arity)
            elif st.kind == "max":
                b = 3
            else:
                b = 2
            best = max(best, b)
        return best


@dataclass
class Trace:
    """An executed program: stage values and their commitments (honest or not)."""

    program: Program
    values: list[np.ndarray]
    trees: list[MerkleTree]
    chunk_size: int
    arity: int
    #: item deltas overridden by a dishonest prover: (stage, item) -> per-chunk deltas
    delta_overrides: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    #: the trainers' trees (the column stage is built over them)
    input_trees: list[MerkleTree] = field(default_factory=list)
    #: forged column leaves of a dishonest prover: chunk j -> the n leaf hashes it claims
    column_overrides: dict[int, list[bytes]] = field(default_factory=dict)

    def column_hashes(self, j: int) -> list[bytes]:
        """The n input leaf hashes this trace commits in column leaf j."""
        if j in self.column_overrides:
            return list(self.column_overrides[j])
        return [t.levels[0][j] for t in self.input_trees]

    @property
    def roots(self) -> list[bytes]:
        return [t.root for t in self.trees]

    @property
    def output(self) -> np.ndarray:
        return self.values[-1]

    def scalars_for(self, i: int) -> dict[str, np.ndarray]:
        st = self.program.stages[i]
        return {name: self.values[self.program.index(name)] for name in st.scalars}


def sources(program: Program, values: list[np.ndarray], x: np.ndarray, st: Stage) -> dict[str, np.ndarray]:
    return {name: (x if name == "x" else values[program.index(name)]) for name in st.reads}


def chunk_sources(program: Program, values: list[np.ndarray], x: np.ndarray, st: Stage, j: int, chunk_size: int) -> dict[str, np.ndarray]:
    lo, hi = j * chunk_size, min((j + 1) * chunk_size, program.d)
    return {k: (v[:, lo:hi] if v.ndim == 2 else v[lo:hi]) for k, v in sources(program, values, x, st).items()}


def run_stage(program: Program, values: list[np.ndarray], x: np.ndarray, i: int, order_fn: OrderFn) -> np.ndarray:
    """Execute stage i on the full vectors (the honest fast path)."""
    st = program.stages[i]
    scal = {name: values[program.index(name)] for name in st.scalars}
    src = sources(program, values, x, st)
    if st.kind == "map":
        assert st.fn is not None
        return np.ascontiguousarray(st.fn(scal, src), dtype=np.int64)
    if st.kind == "max":
        assert st.fn is not None
        return np.array([int(st.fn(scal, src).max())], dtype=np.int64)
    if st.kind == "column":
        raise KeyError("column stages are built from the input trees (execute)")
    if st.kind == "sum":
        assert st.totals is not None
        return np.array(st.totals(scal, src), dtype=np.int64)
    assert st.select is not None
    return np.array(st.select(scal, order_fn), dtype=np.int64)


Corruption = Callable[[int, np.ndarray], np.ndarray]


def execute(
    program: Program,
    x: np.ndarray,
    order_fn: OrderFn,
    chunk_size: int,
    arity: int,
    corrupt: Corruption | None = None,
    input_trees: list[MerkleTree] | None = None,
    reuse: Trace | None = None,
) -> Trace:
    """Run every stage, optionally corrupting stage values as they are produced
    (a dishonest prover's *consistent* lie: later stages are computed from the lie).

    ``reuse``: the honest trace of the same program on the same ``x`` and input trees.
    A stage none of whose sources or scalars changed takes its value and tree from it
    instead of being recomputed and recommitted (stages are deterministic functions of
    their inputs, so the trace is the same; only the stages downstream of a lie run).
    ``corrupt`` then receives a read-only view of a reused value and must return a new
    array to lie."""
    if reuse is not None and input_trees is None:
        input_trees = reuse.input_trees
    inputs = input_trees or commit_rows(x, chunk_size, arity)
    same = (reuse is not None and reuse.program is program and not reuse.column_overrides
            and not reuse.delta_overrides and len(reuse.input_trees) == len(inputs)
            and all(a is b for a, b in zip(reuse.input_trees, inputs, strict=True)))
    changed: set[str] = set()
    values: list[np.ndarray] = []
    trees: list[MerkleTree] = []
    for i, st in enumerate(program.stages):
        reused = same and not (set(st.reads) | set(st.scalars)) & changed
        tree: MerkleTree | None
        if reused:
            assert reuse is not None
            v, tree = reuse.values[i], reuse.trees[i]
        elif st.kind == "column":
            tree = commit_columns(inputs)
            v = column_fingerprints(tree)
        else:
            v, tree = run_stage(program, values, x, i, order_fn), None
        if corrupt is not None:
            given = v
            if reused:
                given = v.view()
                given.flags.writeable = False
            lied = corrupt(i, given)
            if lied is not given:
                v = lied
                if st.kind != "column":
                    tree = None
        if not reused or reuse is None or v is not reuse.values[i]:
            changed.add(st.name)
        values.append(v)
        trees.append(tree if tree is not None else commit_stage(program, i, v, chunk_size, arity))
    return Trace(program, values, trees, chunk_size, arity, input_trees=list(inputs))


def column_fingerprints(tree: MerkleTree) -> np.ndarray:
    """One int64 per column leaf (its first 8 bytes): the column stage's value."""
    m = tree.num_leaves
    raw = np.frombuffer(level_bytes(tree.levels[0]), dtype=np.uint8)[: 32 * m].reshape(m, 32)
    return np.ascontiguousarray(raw[:, :8]).view(">i8").reshape(m).astype(np.int64)


def commit_stage(program: Program, i: int, v: np.ndarray, chunk_size: int, arity: int) -> MerkleTree:
    c = chunk_size if program.stages[i].kind == "map" else 1
    return commit(v, c, arity)


def item_deltas(trace: Trace, x: np.ndarray, i: int, p: int) -> list[int]:
    """Per-chunk deltas of item p of sum stage i (honest unless overridden)."""
    if (i, p) in trace.delta_overrides:
        return trace.delta_overrides[(i, p)]
    prog, st = trace.program, trace.program.stages[i]
    assert st.delta is not None
    contrib = st.delta(trace.scalars_for(i), sources(prog, trace.values, x, st), st.items[p])
    starts = np.arange(0, prog.d, trace.chunk_size)
    return [int(v) for v in np.add.reduceat(contrib.astype(np.int64), starts)]
