"""The one-step verifier, in Python, mirroring the contract (``contracts/DisputeGame.vy``).

At a leaf of the bisection the chain re-executes one step of one stage from Merkle-opened
inputs and decides who was right. Every function returns ``True`` when the
**proposer's** claim is correct and raises :class:`CommitmentError` when the proof itself
is malformed (a tampered opening is rejected; the submitter keeps its clock running):

* map step, leaf j:   ``leaf_hash(j, f(chunk j of sources)) == claimed leaf``
  (``ZERO`` for padding leaves j >= L); the n input chunks j are proven by **one**
  opening of column leaf j (their leaf hashes rehashed into it) under the agreed
  ``cols`` stage root;
* column step, leaf j: after the proposer revealed the n leaf hashes of its column
  leaf, the challenger opens one trainer's true leaf j (its own tree) that differs
  from the revealed one (challenger wins) -- an equal leaf is no proof;
* sum step, leaf j:   ``sum_leaf(j, sum_k delta_p(chunk j)_k) == claimed (hash, value)``;
* max stage:          a witness chunk with ``max|v| > M`` (challenger wins) or, when the
  challenger says M is too large, a witness with ``max|v| == M`` (proposer wins);
* select stage:       recompute it whole from earlier small vectors, ties ordered by
  lexicographic row content proven by :class:`LexWitness` (prefix equality from equal
  left siblings of two Merkle paths at the first differing chunk). Krum's order is
  ``KrumVerifier.vy``; clip factors, Weiszfeld weights and Bulyan's selection are
  ``SelectVerifier.vy`` (:func:`clip_factors`, :func:`weiszfeld_weights`,
  :func:`bulyan_picks` mirror it, including what it rejects).

Earlier stages' roots are *agreed* (the challenger names the first stage it disputes),
so they are the anchors for openings of earlier vectors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import (
    SUM_ZERO,
    ZERO,
    Opening,
    SumNode,
    col_leaf,
    commit,
    leaf_hash,
    num_chunks,
    require_opening,
    root_from_path,
    sum_leaf,
)
from mechanism.dispute.trace import OrderFn, Program, Stage
from mechanism.errors import CommitmentError


@dataclass(frozen=True)
class ChunkOpening:
    values: np.ndarray
    opening: Opening


@dataclass(frozen=True)
class LexWitness:
    """Rows a, b first differ in chunk ``a.opening.index`` (or are equal: roots equal)."""

    a: ChunkOpening | None
    b: ChunkOpening | None


@dataclass(frozen=True)
class ColumnWitness:
    """Trainer t's true leaf j with its opening under the trainer's own root."""

    t: int
    leaf: bytes
    opening: Opening


@dataclass(frozen=True)
class StepProof:
    """Everything the verifier needs for one step (built by :mod:`.proofs`)."""

    j: int = -1
    rows: tuple[ChunkOpening, ...] = ()
    vectors: dict[str, ChunkOpening] = field(default_factory=dict)
    scalars: dict[str, np.ndarray] = field(default_factory=dict)
    lex: dict[tuple[int, int], LexWitness] = field(default_factory=dict)
    max_value: int | None = None
    #: opening of column leaf j (proves all input rows' chunk j at once)
    col: Opening | None = None
    #: column one-step: a trainer's true leaf differing from the revealed column preimage
    column: ColumnWitness | None = None
    #: Bulyan's selection: rows in increasing content order (identical rows by index),
    #: each adjacent pair of distinct rows proven by a witness in ``lex``
    rank: tuple[int, ...] = ()

    def calldata_bytes(self) -> int:
        """Bytes of this proof as calldata (values 8 B, hashes 32 B, indices 32 B)."""
        b = 64
        for co in (*self.rows, *self.vectors.values()):
            b += 8 * len(co.values) + 32 * len(co.opening.flat())
        if self.col is not None:
            b += 32 * len(self.col.flat())
        if self.column is not None:
            b += 64 + 32 * len(self.column.opening.flat())
        b += sum(8 * len(v) for v in self.scalars.values()) + 32 * len(self.rank)
        for w in self.lex.values():
            for half in (w.a, w.b):
                if half is not None:
                    b += 8 * len(half.values) + 32 * len(half.opening.flat()) + 32
        return b


@dataclass(frozen=True)
class VerifierContext:
    program: Program
    input_roots: tuple[bytes, ...]
    stage_roots: tuple[bytes, ...]
    chunk_size: int
    arity: int

    def stage_root(self, name: str) -> bytes:
        return self.stage_roots[self.program.index(name)]


def _scalars(ctx: VerifierContext, st: Stage, proof: StepProof) -> dict[str, np.ndarray]:
    out = {}
    for name in st.scalars:
        v = _int64s(proof.scalars.get(name), name)
        if v is None or commit(v, 1, ctx.arity).root != ctx.stage_root(name):
            raise CommitmentError(f"scalar vector {name!r} does not match its committed root")
        out[name] = v
    return out


def _int64s(v: object, name: str) -> np.ndarray | None:
    """``v`` as int64 values; a value outside int64 is a malformed proof (its low 64 bits
    would match the commitment of another value, FoldVerifier.vy's "scalar")."""
    if v is None:
        return None
    if any(not -(1 << 63) <= int(x) < 1 << 63 for x in np.asarray(v, dtype=object).reshape(-1)):
        raise CommitmentError(f"scalar vector {name!r} holds a value outside int64")
    return np.asarray(v, dtype=np.int64)


def _input_rows(ctx: VerifierContext, proof: StepProof, j: int, width: int) -> np.ndarray:
    """The opened input chunks j of all trainers, checked against the column root."""
    return opened_rows(ctx, proof, j, width, lambda co: leaf_hash(j, co.values))


def opened_rows(ctx: VerifierContext, proof: StepProof, j: int, width: int, leaf: Callable[[Any], bytes],
                check: Callable[[StepProof], None] | None = None, label: str = "input chunks") -> np.ndarray:
    """Input chunks j hashed by ``leaf`` and checked against the column root (``check`` runs on the
    proof after the count check); the chunks as an (n, width) int64 array."""
    prog = ctx.program
    if len(proof.rows) != prog.n:
        raise CommitmentError(f"expected {prog.n} input chunks, got {len(proof.rows)}")
    if check is not None:
        check(proof)
    if any(len(co.values) != width for co in proof.rows):
        raise CommitmentError(f"input chunks must have {width} values")
    if proof.col is None or proof.col.index != j:
        raise CommitmentError(f"missing the opening of column leaf {j}")
    lh = [leaf(co) for co in proof.rows]
    if root_from_path(col_leaf(j, lh), proof.col, ctx.arity) != ctx.stage_root("cols"):
        raise CommitmentError(f"{label} {j} do not match the column root")
    return np.stack([np.asarray(co.values, dtype=np.int64) for co in proof.rows])


#: checks and returns the opened input chunks: (ctx, proof, j, width) -> (n, width) int64
RowsCheck = Callable[[VerifierContext, StepProof, int, int], np.ndarray]


def _sources(ctx: VerifierContext, st: Stage, proof: StepProof, j: int,
             rows: RowsCheck = _input_rows) -> dict[str, np.ndarray]:
    prog, c = ctx.program, ctx.chunk_size
    width = min(c, prog.d - j * c)
    src: dict[str, np.ndarray] = {}
    for name in st.reads:
        if name == "x":
            src["x"] = rows(ctx, proof, j, width)
        else:
            vo = proof.vectors.get(name)
            if vo is None or vo.opening.index != j or len(vo.values) != width:
                raise CommitmentError(f"vector {name!r}: missing or not chunk {j}")
            require_opening(ctx.stage_root(name), vo.values, vo.opening, ctx.arity, f"vector {name!r}")
            src[name] = np.asarray(vo.values, dtype=np.int64)
    return src


def _in_range(ctx: VerifierContext, j: int) -> bool:
    return 0 <= j < num_chunks(ctx.program.d, ctx.chunk_size)


def map_step(ctx: VerifierContext, s: int, claimed: bytes, proof: StepProof,
             rows: RowsCheck = _input_rows) -> bool:
    st = ctx.program.stages[s]
    if not _in_range(ctx, proof.j):
        return claimed == ZERO
    assert st.fn is not None
    out = st.fn(_scalars(ctx, st, proof), _sources(ctx, st, proof, proof.j, rows))
    return leaf_hash(proof.j, np.asarray(out, dtype=np.int64)) == claimed


def column_step(ctx: VerifierContext, revealed: list[bytes], proof: StepProof) -> bool:
    """Column leaf j: False (the claim is wrong) iff trainer t's true leaf j, opened
    under its root, differs from the revealed ``revealed[t]``; malformed otherwise."""
    w = proof.column
    if w is None or w.opening.index != proof.j or not 0 <= w.t < ctx.program.n:
        raise CommitmentError("column proof needs a trainer index and its leaf opening")
    if root_from_path(w.leaf, w.opening, ctx.arity) != ctx.input_roots[w.t]:
        raise CommitmentError(f"leaf of trainer {w.t} does not match its root")
    if w.leaf == revealed[w.t]:
        raise CommitmentError(f"leaf of trainer {w.t} equals the revealed one")
    return False


def sum_step(ctx: VerifierContext, s: int, item: int, claimed: SumNode, proof: StepProof,
             rows: RowsCheck = _input_rows) -> bool:
    st = ctx.program.stages[s]
    if not _in_range(ctx, proof.j):
        return claimed == SUM_ZERO
    assert st.delta is not None
    contrib = st.delta(_scalars(ctx, st, proof), _sources(ctx, st, proof, proof.j, rows), st.items[item])
    return sum_leaf(proof.j, int(np.asarray(contrib, dtype=np.int64).sum())) == claimed


def max_claim(ctx: VerifierContext, s: int, proof: StepProof) -> int:
    """The committed M, checked against the stage root."""
    if proof.max_value is None or not -(1 << 63) <= int(proof.max_value) < 1 << 63 \
            or commit(np.array([proof.max_value], dtype=np.int64), 1, ctx.arity).root != ctx.stage_roots[s]:
        raise CommitmentError("max value does not match the committed stage root")
    return int(proof.max_value)


def max_witness(ctx: VerifierContext, s: int, proof: StepProof, rows: RowsCheck = _input_rows) -> int:
    """Largest |v| in the opened witness chunk (after checking the openings)."""
    st = ctx.program.stages[s]
    if not _in_range(ctx, proof.j):
        raise CommitmentError(f"witness chunk {proof.j} out of range")
    assert st.fn is not None
    return int(np.max(st.fn(_scalars(ctx, st, proof), _sources(ctx, st, proof, proof.j, rows))))


def verify_lex(ctx: VerifierContext, i: int, j: int, w: LexWitness) -> int:
    """-1 / 0 / 1: input row i compared with row j lexicographically, from a witness."""
    if ctx.input_roots[i] == ctx.input_roots[j]:
        return 0
    if w.a is None or w.b is None or w.a.opening.index != w.b.opening.index:
        raise CommitmentError(f"lex witness ({i}, {j}) is incomplete")
    require_opening(ctx.input_roots[i], w.a.values, w.a.opening, ctx.arity, f"lex row {i}")
    require_opening(ctx.input_roots[j], w.b.values, w.b.opening, ctx.arity, f"lex row {j}")
    pos = w.a.opening.index
    for sa, sb in zip(w.a.opening.siblings, w.b.opening.siblings, strict=True):
        left = pos % ctx.arity
        if sa[:left] != sb[:left]:
            raise CommitmentError(f"lex witness ({i}, {j}): rows differ before chunk {w.a.opening.index}")
        pos //= ctx.arity
    for u, v in zip(w.a.values.tolist(), w.b.values.tolist(), strict=True):
        if u != v:
            return -1 if u < v else 1
    raise CommitmentError(f"lex witness ({i}, {j}): chunk {w.a.opening.index} does not differ")


def verifier_order_fn(ctx: VerifierContext, lex: dict[tuple[int, int], LexWitness]) -> OrderFn:
    def cmp_rows(i: int, j: int) -> int:
        if (i, j) in lex:
            return verify_lex(ctx, i, j, lex[(i, j)])
        if (j, i) in lex:
            return -verify_lex(ctx, j, i, lex[(j, i)])
        if ctx.input_roots[i] == ctx.input_roots[j]:
            return 0
        raise CommitmentError(f"tie between rows {i} and {j} needs a lexicographic witness")

    def order_fn(scores: list[int], members: list[int]) -> list[int]:
        def cmp(p: int, q: int) -> int:
            if scores[p] != scores[q]:
                return -1 if scores[p] < scores[q] else 1
            return cmp_rows(members[p], members[q])

        return sorted(range(len(scores)), key=functools.cmp_to_key(cmp))

    return order_fn


def select_kind(st: Stage) -> str:
    """Which selection a ``select`` stage is (each has its own on-chain one-step):
    ``krum_order`` (KrumVerifier.vy), ``bulyan``, ``clip`` or ``weights`` (SelectVerifier.vy)."""
    if st.name == "order":
        return "krum_order"
    if st.name == "chosen":
        return "bulyan"
    if st.name.startswith("clip"):
        return "clip"
    if st.name.startswith("w"):
        return "weights"
    raise CommitmentError(f"stage {st.name!r} is not a known selection")


def rule_param(program: Program, name: str) -> int:
    """A parameter of the program's rule with the rule's default (``tau``, ``nu``, ``f``);
    clipping by norm reads its radius from ``clip_norm``."""
    from mechanism.aggregation.registry import get_rule

    params = dict(program.params)
    if name == "tau" and "clip_norm" in params:
        return int(params["clip_norm"])
    params.pop("clip_norm", None)
    return int(getattr(get_rule(program.rule, **params), name))


def _small_vector(ctx: VerifierContext, scal: dict[str, np.ndarray], name: str, m: int) -> list[int]:
    v = scal[name]
    if len(v) != m:
        raise CommitmentError(f"scalar vector {name!r} must hold {m} values, got {len(v)}")
    return [int(u) for u in v]


def _radius(v: int, shift: int) -> int:
    """``isqrt(v) << shift`` of a squared norm; a negative one is a malformed vector."""
    if v < 0:
        raise CommitmentError(f"squared norm {v} is negative")
    return math.isqrt(v) << shift


def clip_factors(ctx: VerifierContext, s: int, proof: StepProof) -> list[int]:
    """SelectVerifier.clip_select: the clip factors of the n agreed squared norms
    (:func:`mechanism.aggregation._intmath.clip_factor`)."""
    from mechanism.aggregation._intmath import clip_factor, rescale_shift

    st = ctx.program.stages[s]
    scal = _scalars(ctx, st, proof)
    m, q = st.scalars
    shift = rescale_shift(int(scal[m][0]), ctx.program.d)
    tau = rule_param(ctx.program, "tau")
    return [clip_factor(_radius(v, shift), tau) for v in _small_vector(ctx, scal, q, ctx.program.n)]


def weiszfeld_weights(ctx: VerifierContext, s: int, proof: StepProof) -> list[int]:
    """SelectVerifier.weights_select: the Weiszfeld weights of the n agreed squared
    distances to z_t (:func:`mechanism.aggregation.geometric_median.weiszfeld_weights`)."""
    from mechanism.aggregation._intmath import ceil_log2, rescale_shift

    st = ctx.program.stages[s]
    scal = _scalars(ctx, st, proof)
    m, dn = st.scalars
    n = ctx.program.n
    shift = rescale_shift(int(scal[m][0]), ctx.program.d)
    nu = rule_param(ctx.program, "nu")
    radii = [max(_radius(v, shift), nu) for v in _small_vector(ctx, scal, dn, n)]
    lo, p = min(radii), 22 - ceil_log2(n)
    return [(lo << p) // r for r in radii]


def lex_rank(ctx: VerifierContext, rank: tuple[int, ...], lex: dict[tuple[int, int], LexWitness]) -> dict[int, int]:
    """Position of each ranked row, after checking the chain: distinct rows, each
    adjacent pair either identical (by index) or proven in content order by a valid
    witness (SelectVerifier.bulyan_select's ``rank``; a malformed chain is rejected)."""
    pos: dict[int, int] = {}
    for p, a in enumerate(rank):
        if not 0 <= a < ctx.program.n or a in pos:
            raise CommitmentError(f"rank entry {a} is not a new row index")
        pos[a] = p
        if p == 0:
            continue
        b = rank[p - 1]
        if ctx.input_roots[a] == ctx.input_roots[b]:
            if b > a:
                raise CommitmentError(f"identical rows {b}, {a} ranked out of index order")
            continue
        w = lex.get((min(a, b), max(a, b)))
        if w is None or verify_lex(ctx, min(a, b), max(a, b), w) != (-1 if b < a else 1):
            raise CommitmentError(f"rank pair ({b}, {a}) needs a lexicographic witness of that order")
    return pos


def bulyan_picks(ctx: VerifierContext, s: int, proof: StepProof) -> list[int]:
    """SelectVerifier.bulyan_select: the winner of each of Bulyan's n - 2f Krum rounds.
    A winner has the least score among the remaining rows and precedes every other row
    of that score: identical rows by index, distinct ones by their positions in the
    proven content ranking ``proof.rank`` (a tie it does not cover is a malformed proof,
    as on chain)."""
    from mechanism.aggregation.krum import krum_scores
    from mechanism.dispute.programs import dist_matrix

    st = ctx.program.stages[s]
    n, f = ctx.program.n, rule_param(ctx.program, "f")
    scal = _scalars(ctx, st, proof)
    dm = dist_matrix(np.array(_small_vector(ctx, scal, "dist", n * (n - 1) // 2)), n)
    pos = lex_rank(ctx, proof.rank, proof.lex)

    def before(a: int, b: int) -> bool:
        if ctx.input_roots[a] == ctx.input_roots[b]:
            return a < b
        if a not in pos or b not in pos:
            raise CommitmentError(f"tie of rows {a} and {b} is not ranked")
        return pos[a] < pos[b]

    remaining, picks = list(range(n)), []
    for _ in range(n - 2 * f):
        scores = dict(zip(remaining, krum_scores(dm, remaining, f), strict=True))
        low = min(scores.values())
        tied = [i for i in remaining if scores[i] == low]
        win = tied[0]
        for o in tied[1:]:
            win = win if before(win, o) else o
        picks.append(win)
        remaining.remove(win)
    return picks


def select_values(ctx: VerifierContext, s: int, proof: StepProof) -> list[int]:
    """The selection stage s recomputed from the proof (what its on-chain one-step commits)."""
    st = ctx.program.stages[s]
    kind = select_kind(st)
    if kind == "clip":
        return clip_factors(ctx, s, proof)
    if kind == "weights":
        return weiszfeld_weights(ctx, s, proof)
    if kind == "bulyan":
        return sorted(bulyan_picks(ctx, s, proof))
    assert st.select is not None
    return [int(v) for v in st.select(_scalars(ctx, st, proof), verifier_order_fn(ctx, proof.lex))]


def select_step(ctx: VerifierContext, s: int, proof: StepProof) -> bool:
    out = select_values(ctx, s, proof)
    return commit(np.array(out, dtype=np.int64), 1, ctx.arity).root == ctx.stage_roots[s]


@dataclass(frozen=True)
class MapSpec:
    """Which on-chain Map one-step re-executes a ``map`` stage (``MapVerifier.vy``
    ``map_step`` modes; the plain coordinate rules' output is ``DisputeGame.onestep``).

    ``kind``: ``zero`` / ``mean`` / ``weighted`` / ``centered`` / ``trimmed`` /
    ``clip_trimmed`` / ``clip_median`` (MapVerifier.vy) or ``coordinate`` (mean, median,
    trimmed mean without clipping: DisputeGame.vy, also runnable as MapVerifier modes 4
    and 6); ``rows``: the input rows the arithmetic reads per coordinate."""

    kind: str
    mode: int
    f: int = 0
    m: int = 0
    vector: str | None = None
    center: str | None = None
    rows: int = 0


MAP_MODES = {"zero": 0, "mean": 1, "weighted": 2, "centered": 3, "trimmed": 4, "clip_trimmed": 5,
             "clip_median": 6}


def map_spec(program: Program, s: int) -> MapSpec:
    """The on-chain Map one-step of map stage s of ``program`` (programs.py): Krum and
    Multi-Krum take the mean of the first 1 / m rows of ``order``; Bulyan the trimmed
    mean (f per side) of the ``chosen`` rows; the geometric median the mean of all rows
    (z_0) and then Weiszfeld's weighted mean; centered clipping v_0 = 0 and then the
    clipped-difference step; clipping by norm the rule over the clipped rows."""
    st = program.stages[s]
    if st.kind != "map":
        raise CommitmentError(f"stage {st.name!r} is not a map stage")
    n, rule, params = program.n, program.rule, program.params
    f = int(params.get("f", 1)) if rule in ("trimmed_mean", "krum", "multi_krum", "bulyan") else 0
    if rule in ("mean", "median", "trimmed_mean"):
        if "clip" in st.scalars:
            kind = "clip_median" if rule == "median" else "clip_trimmed"
            return MapSpec(kind, MAP_MODES[kind], f, 0, "clip", None, n)
        return MapSpec("coordinate", 6 if rule == "median" else 4, f, 0, None, None, n)
    if rule in ("krum", "multi_krum"):
        m = 1 if rule == "krum" else int(params.get("m") or n - f)
        return MapSpec("mean", 1, f, m, "order", None, m)
    if rule == "bulyan":
        return MapSpec("trimmed", 4, f, 0, "chosen", None, n - 2 * f)
    if rule == "geometric_median":
        if not st.scalars:
            return MapSpec("mean", 1, 0, n, None, None, n)
        return MapSpec("weighted", 2, 0, 0, st.scalars[0], None, n)
    if rule == "centered_clipping":
        if not st.scalars:
            return MapSpec("zero", 0, 0, 0, None, None, 0)
        return MapSpec("centered", 3, 0, 0, st.scalars[0], st.reads[1], n)
    raise CommitmentError(f"map stage {st.name!r} of rule {rule!r} has no on-chain one-step")
