"""The training dispute: the project's k-ary bisection game over a trainer's stage roots,
ending in a one-step that re-executes one leaf of one stage of one local step.

* The trainer (proposer) posted its :class:`~.commit.TrainerCommitment`: every stage
  root of every local step. A challenger names the first stage whose root it disputes
  (``challenge(s)``; all earlier roots are agreed), the game descends that stage's
  k-ary tree (``reveal`` / ``choose``, exactly :class:`mechanism.dispute.game.DisputeGame`)
  to one leaf, and ``onestep`` re-executes it (:func:`verify_step`).
* The one-step reads the chunks :func:`.trace.leaf_values` needs: chunks of agreed
  earlier vectors, opened under their roots (the start root for step 1), and chunks of
  the examples the public schedule picks, opened under the data root (example leaf) and
  the example's feature root. A proof whose openings do not match is rejected
  (:class:`~mechanism.errors.CommitmentError`), so it can only report the truth.
* The six lying strategies of :mod:`mechanism.dispute.strategies` play either side,
  through the same :class:`~mechanism.dispute.strategies.Party`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from mechanism.commitment import (
    ZERO,
    Opening,
    leaf_hash,
    require_opening,
    root_from_path,
    tree_depth,
)
from mechanism.dispute.game import CHALLENGER, PROPOSER, DisputeGame
from mechanism.dispute.onestep import StepProof, VerifierContext
from mechanism.dispute.strategies import GameResult, Party, play_out
from mechanism.dispute.trace import Program, Stage
from mechanism.errors import CommitmentError, DisputeError, ParameterError
from mechanism.training_proof.commit import example_leaf
from mechanism.training_proof.trace import (
    START,
    Setting,
    TrainingTrace,
    leaf_values,
    run_trace,
    stage_chunk,
)

LIARS = ("trainer", "challenger", "none")


@dataclass(frozen=True)
class TrainingProof(StepProof):
    """Opened chunks: ``scalars[key]`` the values, ``paths[key]`` the opening, where key is
    ``s{tree}:{chunk}`` (a stage vector, tree -1 = start model), ``d{pos}`` (the example
    leaf: values ``[label]``, its feature root in ``feature_roots``) or ``x{pos}:{chunk}``
    (a chunk of the example's features)."""

    paths: dict[str, Opening] = field(default_factory=dict)
    feature_roots: dict[int, bytes] = field(default_factory=dict)

    def calldata_bytes(self) -> int:
        b = 64
        for k, v in self.scalars.items():
            b += 8 * len(v) + 32 * len(self.paths[k].flat()) if k in self.paths else 8 * len(v)
        return b + 32 * len(self.feature_roots)


def program_of(st: Setting) -> Program:
    """The trace as a program of ``map`` stages (one per committed vector)."""
    return Program("training:" + st.spec.kind, {}, 1, st.spec.d, tuple(Stage(n, "map") for n in st.names))


def context(st: Setting, data_root: bytes, start_root: bytes, stage_roots: list[bytes]) -> VerifierContext:
    return VerifierContext(program_of(st), (data_root, start_root), tuple(stage_roots), st.spec.chunk_size, st.arity)


# ------------------------------------------------------------------ views


class _Recorder:
    """Reads full vectors and records every chunk it touches (the prover's side)."""

    def __init__(self, tr: TrainingTrace) -> None:
        self.tr, self.keys = tr, set[tuple[str, int, int]]()

    def get(self, tree: int, coord: int) -> int:
        c = self._chunk(tree)
        self.keys.add(("s", tree, coord // c))
        return int(self.tr.vector(tree)[coord])

    def _chunk(self, tree: int) -> int:
        st = self.tr.setting
        return st.spec.chunk_size if tree == START else stage_chunk(st.spec, st.names[tree])

    def feat(self, pos: int, i: int) -> int:
        self.keys.add(("d", pos, 0))
        self.keys.add(("x", pos, i // self.tr.setting.spec.chunk_size))
        return int(self.tr.shard.features[pos, i])

    def label(self, pos: int) -> int:
        self.keys.add(("d", pos, 0))
        return int(self.tr.shard.labels[pos])


def _int64s(v: object, key: str) -> np.ndarray:
    a = np.asarray(v, dtype=object).reshape(-1)
    if any(not -(1 << 63) <= int(x) < 1 << 63 for x in a):
        raise CommitmentError(f"opened chunk {key!r} holds a value outside int64")
    return np.asarray(a.astype(np.int64))


class _Checker:
    """Serves reads from a proof, checking each chunk's opening once (the verifier)."""

    def __init__(self, st: Setting, ctx: VerifierContext, s: int, proof: TrainingProof) -> None:
        self.st, self.ctx, self.s, self.proof = st, ctx, s, proof
        self.ok: dict[str, np.ndarray] = {}

    def _open(self, key: str, root: bytes, idx: int) -> np.ndarray:
        if key in self.ok:
            return self.ok[key]
        vals, op = self.proof.scalars.get(key), self.proof.paths.get(key)
        if vals is None or op is None or op.index != idx:
            raise CommitmentError(f"missing opening {key!r}")
        v = _int64s(vals, key)
        require_opening(root, v, op, self.ctx.arity, key)
        self.ok[key] = v
        return v

    def get(self, tree: int, coord: int) -> int:
        if tree >= self.s:
            raise CommitmentError(f"stage {tree} is not agreed")
        spec = self.st.spec
        c = spec.chunk_size if tree == START else stage_chunk(spec, self.st.names[tree])
        root = self.ctx.input_roots[1] if tree == START else self.ctx.stage_roots[tree]
        v = self._open(f"s{tree}:{coord // c}", root, coord // c)
        if not 0 <= coord % c < len(v):
            raise CommitmentError(f"coordinate {coord} outside its opened chunk")
        return int(v[coord % c])

    def _example(self, pos: int) -> tuple[int, bytes]:
        key = f"d{pos}"
        if key not in self.ok:
            vals, op, froot = self.proof.scalars.get(key), self.proof.paths.get(key), self.proof.feature_roots.get(pos)
            if vals is None or op is None or froot is None or op.index != pos or len(vals) != 1:
                raise CommitmentError(f"missing example leaf {pos}")
            v = _int64s(vals, key)
            if root_from_path(example_leaf(pos, int(v[0]), froot), op, self.ctx.arity) != self.ctx.input_roots[0]:
                raise CommitmentError(f"example {pos} does not match the data root")
            self.ok[key] = v
        return int(self.ok[key][0]), self.proof.feature_roots[pos]

    def label(self, pos: int) -> int:
        return self._example(pos)[0]

    def feat(self, pos: int, i: int) -> int:
        froot = self._example(pos)[1]
        c = self.st.spec.chunk_size
        v = self._open(f"x{pos}:{i // c}", froot, i // c)
        if not 0 <= i % c < len(v):
            raise CommitmentError(f"feature {i} outside its opened chunk")
        return int(v[i % c])


def verify_step(st: Setting, ctx: VerifierContext, s: int, j: int, claimed: bytes, proof: TrainingProof) -> bool:
    """True iff the proposer's leaf j of stage s is right; CommitmentError on a bad proof."""
    if proof.j != j:
        raise CommitmentError(f"proof is for leaf {proof.j}, the disputed leaf is {j}")
    if j >= st.leaves(s):
        return claimed == ZERO
    out = leaf_values(st, _Checker(st, ctx, s, proof), s, j)
    return leaf_hash(j, np.asarray(out, dtype=np.int64)) == claimed


# ------------------------------------------------------------------ prover


@dataclass
class TrainingProver:
    """A party's view for the strategies' :class:`Party`: the trace it believes in."""

    trace: TrainingTrace

    def map_proof(self, s: int, j: int) -> TrainingProof:
        tr, st = self.trace, self.trace.setting
        if j >= st.leaves(s):
            return TrainingProof(j=j)
        rec = _Recorder(tr)
        leaf_values(st, rec, s, j)
        vals: dict[str, np.ndarray] = {}
        paths: dict[str, Opening] = {}
        froots: dict[int, bytes] = {}
        for kind, a, b in sorted(rec.keys):
            if kind == "s":
                c = rec._chunk(a)
                key = f"s{a}:{b}"
                vals[key] = np.array(tr.vector(a)[b * c : (b + 1) * c])
                paths[key] = tr.tree(a).opening(b)
            elif kind == "d":
                key = f"d{a}"
                vals[key] = np.array([tr.shard.labels[a]], dtype=np.int64)
                paths[key] = tr.shard.tree.opening(a)
                froots[a] = tr.shard.feature_trees[a].root
            else:
                c = st.spec.chunk_size
                key = f"x{a}:{b}"
                vals[key] = np.array(tr.shard.features[a, b * c : (b + 1) * c])
                paths[key] = tr.shard.feature_trees[a].opening(b)
        return TrainingProof(j=j, scalars=vals, paths=paths, feature_roots=froots)


# ------------------------------------------------------------------ game


@dataclass
class TrainingGame(DisputeGame):
    """:class:`DisputeGame` whose stages have their own lengths and whose one-step is
    :func:`verify_step`."""

    setting: Setting | None = None

    @property
    def leaves(self) -> int:
        assert self.setting is not None
        return self.setting.leaves(self.stage)

    def onestep(self, proof: StepProof, block: int, too_large: bool = False) -> None:
        self._require(CHALLENGER, "onestep", block)
        assert self.setting is not None
        if not isinstance(proof, TrainingProof):
            raise DisputeError("one-step proof rejected: not a training proof")
        try:
            right = verify_step(self.setting, self.ctx, self.stage, self.pos, self.node, proof)  # type: ignore[arg-type]
        except CommitmentError as exc:
            raise DisputeError(f"one-step proof rejected: {exc}") from exc
        self._advance(CHALLENGER, "onestep", proof.calldata_bytes(), block, "done", CHALLENGER)
        self._finish(PROPOSER if right else CHALLENGER, "one-step verifier")


def move_bound(st: Setting) -> int:
    """challenge + (reveal, choose) per level of the deepest stage tree + one-step."""
    return 2 + 2 * max(tree_depth(st.leaves(s), st.arity) for s in range(len(st.names)))


def corrupted_trace(honest: TrainingTrace, rng: np.random.Generator, strategy: str) -> tuple[TrainingTrace, int]:
    """A consistent lie: one stage is wrong at one value (``after_point``: from one value
    on), later stages computed from the lie."""
    st = honest.setting
    s = int(rng.integers(len(st.names)))
    delta = int(rng.choice([1, 7, 1 << 20]))

    def corrupt(i: int, v: np.ndarray) -> np.ndarray:
        if i != s:
            return v
        v = v.copy()
        p = int(rng.integers(len(v)))
        if strategy == "after_point":
            v[p:] += delta
        else:
            v[p] += delta
        return v

    return run_trace(st, honest.shard, honest.w0, corrupt), s


def play_training(honest: TrainingTrace, liar: str, strategy: str | None, rng: np.random.Generator,
                  clock_blocks: int = 20) -> tuple[GameResult, TrainingGame | None]:
    """One dispute over a trainer's run; ``liar='trainer'`` posts a lie, ``'challenger'``
    disputes an honest trainer, ``'none'`` opens no dispute."""
    if liar not in LIARS:
        raise ParameterError.bad("liar", liar, "trainer, challenger or none")
    st = honest.setting
    prog = program_of(st)
    honest.program = prog
    bound = move_bound(st)
    if liar == "none" or strategy is None:
        return GameResult(PROPOSER, True, "none", None, 0, bound, 0, 0, "no dispute", -1, ()), None
    hp = TrainingProver(honest)
    if liar == "trainer":
        if strategy == "wrong_output":
            lie = TrainingTrace(st, honest.shard, honest.w0, honest.start_tree, list(honest.values), list(honest.trees))
            roots = list(honest.roots)
            roots[-1] = hashlib.sha256(b"wrong output").digest()
        else:
            lie, _ = corrupted_trace(honest, rng, strategy)
            roots = lie.roots
        lie.program = prog
        prop = Party(PROPOSER, TrainingProver(lie), rng, strategy, hp)  # type: ignore[arg-type]
        chal = Party(CHALLENGER, hp, rng)  # type: ignore[arg-type]
    else:
        roots = honest.roots
        prop = Party(PROPOSER, hp, rng)  # type: ignore[arg-type]
        chal = Party(CHALLENGER, hp, rng, strategy, hp)  # type: ignore[arg-type]
    (prop if liar == "trainer" else chal).stall_at = int(rng.integers(1, bound + 1))
    ctx = context(st, honest.shard.root, honest.start_tree.root, roots)
    g = TrainingGame(ctx, clock_blocks=clock_blocks, setting=st)
    play_out(g, prop, chal)
    assert g.winner is not None
    honest_side = CHALLENGER if liar == "trainer" else PROPOSER
    res = GameResult(g.winner, g.winner == honest_side, liar, strategy, len(g.moves), bound,
                     prop.rejected + chal.rejected, sum(m.calldata_bytes for m in g.moves), g.reason, g.stage,
                     tuple(m.kind for m in g.moves))
    return res, g
