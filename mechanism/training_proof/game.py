"""The training dispute: the project's k-ary bisection game over a trainer's stage roots,
ending in a one-step that re-executes one leaf of one stage of one local step.

* The trainer (proposer) posted its :class:`~.commit.TrainerCommitment`: every stage
  root of every local step. A challenger names the first stage whose root it disputes
  (``challenge(s)``; all earlier roots are agreed), the game descends that stage's
  k-ary tree (``reveal`` / ``choose``, exactly :class:`mechanism.dispute.game.DisputeGame`)
  to one leaf, and ``onestep`` re-executes it (:func:`verify_step`).
* The first-layer products ``z{t}`` (logits of logistic regression, hidden units of the
  MLP) are a ``sum`` stage (an additive Fold, as
  for norms in :mod:`mechanism.dispute.trace`): at the disputed item the trainer reveals
  its value and the root of its per-chunk partial sums (a Merkle sum tree whose root
  carries the total), the game descends that tree (every reveal checks hashes *and*
  sums), and the one-step re-executes one chunk's contribution
  (:func:`verify_sum_step`), so its cost does not grow with the row length.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import (
    SUM_ZERO,
    ZERO,
    Opening,
    SumNode,
    SumTree,
    commit_sums,
    leaf_hash,
    require_opening,
    root_from_path,
    sum_leaf,
    tree_depth,
)
from mechanism.dispute.game import CHALLENGER, PROPOSER, DisputeGame
from mechanism.dispute.onestep import StepProof, VerifierContext
from mechanism.dispute.strategies import LIE_DELTAS, GameResult, Party, play_out, shift_value
from mechanism.dispute.trace import Program, Stage
from mechanism.errors import CommitmentError, DisputeError, ParameterError
from mechanism.training_proof.commit import example_leaf
from mechanism.training_proof.trace import (
    START,
    Setting,
    TrainingTrace,
    View,
    leaf_values,
    run_trace,
    stage_chunk,
    z_delta,
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
    """The trace as a program: ``sum`` stages for the first-layer products (items
    b*L + r), ``map`` stages for every other committed vector."""
    items = tuple(range(st.hyper.batch * st.spec.layer1_rows))
    return Program("training:" + st.spec.kind, {}, 1, st.spec.d,
                   tuple(Stage(n, "sum", items=items) if n[0] == "z" else Stage(n, "map") for n in st.names))


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


def verify_sum_step(st: Setting, ctx: VerifierContext, s: int, item: int, k: int, claimed: SumNode,
                    proof: TrainingProof) -> bool:
    """True iff the proposer's partial sum k of fold item ``item`` of stage s is right
    (:func:`.trace.z_delta` on one chunk); CommitmentError on a bad proof."""
    if proof.j != k:
        raise CommitmentError(f"proof is for chunk {proof.j}, the disputed sum leaf is {k}")
    if not st.is_fold(s) or not 0 <= item < st.leaves(s):
        raise CommitmentError(f"item {item} of stage {s} is not a fold item")
    if k >= st.row_chunks:
        return claimed == SUM_ZERO
    return sum_leaf(k, z_delta(st, _Checker(st, ctx, s, proof), s, item, k)) == claimed


# ------------------------------------------------------------------ prover


@dataclass
class TrainingProver:
    """A party's view for the strategies' :class:`Party`: the trace it believes in."""

    trace: TrainingTrace
    _sums: dict[tuple[int, int], SumTree] = field(default_factory=dict)

    def deltas(self, s: int, item: int) -> list[int]:
        """Per-chunk partial sums of fold item ``item`` of stage s (a liar's overrides)."""
        tr = self.trace
        if (s, item) in tr.delta_overrides:
            return list(tr.delta_overrides[(s, item)])
        rec = _Recorder(tr)
        return [z_delta(tr.setting, rec, s, item, k) for k in range(tr.setting.row_chunks)]

    def sum_tree(self, s: int, item: int) -> SumTree:
        if (s, item) not in self._sums:
            self._sums[(s, item)] = commit_sums(self.deltas(s, item), self.trace.setting.arity)
        return self._sums[(s, item)]

    def map_proof(self, s: int, j: int) -> TrainingProof:
        if j >= self.trace.setting.leaves(s):
            return TrainingProof(j=j)
        return self._proof(j, lambda v: leaf_values(self.trace.setting, v, s, j))

    def sum_proof(self, s: int, item: int, k: int) -> TrainingProof:
        if k >= self.trace.setting.row_chunks:
            return TrainingProof(j=k)
        return self._proof(k, lambda v: z_delta(self.trace.setting, v, s, item, k))

    def _proof(self, j: int, run: Callable[[View], object]) -> TrainingProof:
        tr, st = self.trace, self.trace.setting
        rec = _Recorder(tr)
        run(rec)
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
    #: After the locate phase (:mod:`.locate`): the only stage that may be challenged.
    only_stage: int | None = None

    @property
    def leaves(self) -> int:
        assert self.setting is not None
        return self.setting.row_chunks if self.tree == "sum" else self.setting.leaves(self.stage)

    def challenge(self, s: int, block: int) -> None:
        if self.only_stage is not None and s != self.only_stage:
            raise DisputeError(f"stage {s} was not located (the located stage is {self.only_stage})")
        super().challenge(s, block)

    def onestep(self, proof: StepProof, block: int, too_large: bool = False) -> None:
        self._require(CHALLENGER, "onestep", block)
        assert self.setting is not None
        if not isinstance(proof, TrainingProof):
            raise DisputeError("one-step proof rejected: not a training proof")
        try:
            if self.tree == "sum":
                right = verify_sum_step(self.setting, self.ctx, self.stage, self.item, self.pos,
                                        self.node, proof)  # type: ignore[arg-type]
            else:
                right = verify_step(self.setting, self.ctx, self.stage, self.pos, self.node, proof)  # type: ignore[arg-type]
        except CommitmentError as exc:
            raise DisputeError(f"one-step proof rejected: {exc}") from exc
        self._advance(CHALLENGER, "onestep", proof.calldata_bytes(), block, "done", CHALLENGER)
        self._finish(PROPOSER if right else CHALLENGER, "one-step verifier")


class TrainingParty(Party):
    """:class:`Party` whose fold-stage sum trees and sum one-steps come from the
    training prover (the item decides which row and which example a chunk reads)."""

    def _sum_tree(self, s: int, p: int) -> SumTree:
        return self._training_prover().sum_tree(s, p)

    def _training_prover(self) -> TrainingProver:
        prover: Any = self.prover
        assert isinstance(prover, TrainingProver)
        return prover

    def _children(self, g: DisputeGame, prover: Any) -> list[Any]:
        if g.tree == "sum":
            return prover.sum_tree(g.stage, g.item).children(g.level, g.pos)
        return prover.trace.trees[g.stage].children(g.level, g.pos)

    def _act_challenger(self, g: DisputeGame, block: int) -> bool:
        located = g.only_stage if isinstance(g, TrainingGame) else None
        if g.phase == "open" and located is not None:
            if self.strategy in (None, "wrong_output", "after_point"):
                return self._try(g.challenge, located, block)
            return self._try(g.challenge, int(self.rng.integers(len(g.ctx.stage_roots))), block)
        if g.phase != "onestep" or g.tree != "sum":
            return super()._act_challenger(g, block)
        proof: StepProof = self._training_prover().sum_proof(g.stage, g.item, g.pos)
        return self._onestep(g, proof, block, self.strategy)


def move_bound(st: Setting) -> int:
    """challenge + (reveal, choose) per level of the deepest stage tree + one-step; a fold
    stage adds the item reveal and the descent of the item's sum tree."""
    k = st.arity
    return max(3 + 2 * tree_depth(st.leaves(s), k) + 2 * tree_depth(st.row_chunks, k) if st.is_fold(s)
               else 2 + 2 * tree_depth(st.leaves(s), k) for s in range(len(st.names)))


def corrupted_trace(honest: TrainingTrace, rng: np.random.Generator, strategy: str) -> tuple[TrainingTrace, int]:
    """A consistent lie: one stage is wrong at one value (``after_point``: from one value
    on), later stages computed from the lie."""
    st = honest.setting
    s = int(rng.integers(len(st.names)))
    delta = int(rng.choice(LIE_DELTAS))

    def corrupt(i: int, v: np.ndarray) -> np.ndarray:
        if i != s:
            return v
        v = v.copy()
        shift_value(v, int(rng.integers(len(v))), delta, strategy)
        return v

    lie = run_trace(st, honest.shard, honest.w0, corrupt)
    if st.is_fold(s):  # the liar's partial sums total its lie: one chunk carries the difference
        hp = TrainingProver(honest)
        for p in np.nonzero(lie.values[s] != honest.values[s])[0].tolist():
            deltas = hp.deltas(s, p)
            deltas[int(rng.integers(len(deltas)))] += int(lie.values[s][p] - honest.values[s][p])
            lie.delta_overrides[(s, p)] = deltas
    return lie, s


def play_training(honest: TrainingTrace, liar: str, strategy: str | None, rng: np.random.Generator,
                  clock_blocks: int = 20) -> tuple[GameResult, TrainingGame | None]:
    """One dispute over a trainer's run; ``liar='trainer'`` posts a lie, ``'challenger'``
    disputes an honest trainer, ``'none'`` opens no dispute."""
    if liar not in LIARS:
        raise ParameterError.bad("liar", liar, "trainer, challenger or none")
    st = honest.setting
    bound = move_bound(st)
    if liar == "none" or strategy is None:
        return GameResult(PROPOSER, True, "none", None, 0, bound, 0, 0, "no dispute", -1, ()), None
    roots, prop, chal = parties(honest, liar, strategy, rng)
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


def parties(honest: TrainingTrace, liar: str, strategy: str,
            rng: np.random.Generator) -> tuple[list[bytes], TrainingParty, TrainingParty]:
    """The stage roots the trainer commits and the two players of a dispute in which
    ``liar`` ('trainer' or 'challenger') plays ``strategy``."""
    st = honest.setting
    prog = program_of(st)
    honest.program = prog
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
        prop = TrainingParty(PROPOSER, TrainingProver(lie), rng, strategy, hp)  # type: ignore[arg-type]
        chal = TrainingParty(CHALLENGER, hp, rng)  # type: ignore[arg-type]
    else:
        roots = honest.roots
        prop = TrainingParty(PROPOSER, hp, rng)  # type: ignore[arg-type]
        chal = TrainingParty(CHALLENGER, hp, rng, strategy, hp)  # type: ignore[arg-type]
    return list(roots), prop, chal


def forced_game(tr: TrainingTrace, s: int, j: int, k: int = 0) -> TrainingGame:
    """A challenger disputes leaf j of stage s of an honest trace (for a fold stage:
    item j, then partial sum k of its sum tree); the trainer answers every reveal; the
    one-step decides. This is the longest game for that stage (benchmarks, tests)."""
    st = tr.setting
    prover = TrainingProver(tr)
    g = TrainingGame(context(st, tr.shard.root, tr.start_tree.root, tr.roots), setting=st)
    block = 1

    def move(name: str, *args: Any) -> None:
        nonlocal block
        getattr(g, name)(*args, block)
        g.attempts.append((name, args, True, block))
        block += 1

    def descend(target: int, children: Callable[[int, int], list[Any]]) -> None:
        for level in range(g.level, 0, -1):
            move("reveal", children(level, g.pos))
            move("choose", (target // st.arity ** (level - 1)) % st.arity)

    move("challenge", s)
    descend(j, tr.trees[s].children)
    if st.is_fold(s):
        move("reveal_item", int(tr.values[s][j]), prover.sum_tree(s, j).root)
        descend(k, prover.sum_tree(s, j).children)
        move("onestep", prover.sum_proof(s, j, k))
    else:
        move("onestep", prover.map_proof(s, j))
    assert g.winner == PROPOSER, g.reason
    return g
