"""Locating the disputed stage by bisection over the trainer's stage roots
(docs/training_proof.md, "Many local steps").

With many local steps, posting every stage root (32 (3S + 1) bytes per trainer and
round) costs more than the dispute it enables. Instead the trainer posts one **trace
root**: a k-ary Merkle tree (nodes and zero padding as in :mod:`mechanism.commitment`)
over the leaves

    trace_leaf(s) = sha256(0x08 || uint256_be(s) || stage_root_s),  s = 0 .. 3S,

whose last stage root is the update root already published. A dispute then has two
phases:

1. **Locate** (:class:`LocateGame`). The trainer reveals the k children of the current
   node (they must hash to it); the challenger names the first child it disagrees
   with. Everything left of the chosen child is agreed, so at the leaf the disputed
   stage s is the first wrong one. The trainer then reveals ``stage_root_s`` (it must
   hash to the leaf) and opens the roots of stages s-3 .. s-1 under the trace root:
   the only earlier stages a one-step of stage s reads (:func:`needed_stages`). They
   lie left of s, in subtrees the challenger agreed to, so collision resistance makes
   them the honest roots. A padding leaf (s > 3S) is decided at once: the trainer wins
   iff the leaf is zero.
2. **Stage game**: the existing game of :mod:`.game` on stage s alone, with a context
   holding only the opened roots (:func:`located_context`); a one-step that reads any
   other stage fails its opening.

Every move has the clock of the stage game; a party that does not move loses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import (
    ZERO,
    MerkleTree,
    Opening,
    _build_levels,
    node_hash,
    root_from_path,
    tree_depth,
)
from mechanism.dispute.game import CHALLENGER, PROPOSER, Move, require_turn
from mechanism.errors import DisputeError, ParameterError

TRACE_TAG = b"\x08"
#: Earlier stages a one-step of stage s may read: s-1, s-2 (same local step) and s-3
#: (the previous step's weights; docs/training_proof.md, "The game").
LOOKBACK = 3


def trace_leaf(s: int, root: bytes) -> bytes:
    return hashlib.sha256(TRACE_TAG + int(s).to_bytes(32, "big") + root).digest()


def trace_tree(stage_roots: Sequence[bytes], arity: int) -> MerkleTree:
    """The trainer's trace commitment (module docstring)."""
    if len(stage_roots) < 1:
        raise ParameterError.bad("stage_roots", len(stage_roots), "at least one stage root")
    leaves = [trace_leaf(s, r) for s, r in enumerate(stage_roots)]
    levels = _build_levels(leaves, arity)
    return MerkleTree(tuple(tuple(v) for v in levels), len(leaves), 1, arity)


def needed_stages(s: int) -> tuple[int, ...]:
    return tuple(i for i in range(s - LOOKBACK, s) if i >= 0)


def located_roots(s: int, roots: dict[int, bytes]) -> list[bytes]:
    """Stage roots 0..s with only the opened ones set (zero elsewhere)."""
    return [roots.get(i, ZERO) for i in range(s + 1)]


@dataclass
class LocateGame:
    """Phase 1 (module docstring). ``phase``: reveal -> choose -> ... -> open -> located."""

    trace_root: bytes
    num_stages: int
    arity: int
    clock_blocks: int = 20
    block: int = 0
    phase: str = "reveal"
    turn: str = PROPOSER
    deadline: int = 0
    level: int = 0
    pos: int = 0
    node: bytes = ZERO
    children: list[bytes] | None = None
    winner: str | None = None
    reason: str = ""
    located: int | None = None
    roots: dict[int, bytes] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)
    attempts: list[tuple[str, tuple[Any, ...], bool, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.level = tree_depth(self.num_stages, self.arity)
        self.node = self.trace_root
        self.deadline = self.block + self.clock_blocks

    def _require(self, party: str, phase: str, block: int) -> None:
        require_turn(self, party, phase, block)  # "located" is no move's phase: the phase is over

    def _advance(self, party: str, kind: str, nbytes: int, block: int, phase: str, turn: str) -> None:
        self.moves.append(Move(party, kind, nbytes, block))
        self.block, self.phase, self.turn = block, phase, turn
        self.deadline = block + self.clock_blocks

    def reveal(self, children: list[bytes], block: int) -> None:
        self._require(PROPOSER, "reveal", block)
        if len(children) != self.arity or node_hash(children) != self.node:
            raise DisputeError("revealed children do not hash to the disputed node")
        self.children = list(children)
        self._advance(PROPOSER, "reveal", 4 + 32 * self.arity, block, "choose", CHALLENGER)

    def choose(self, i: int, block: int) -> None:
        self._require(CHALLENGER, "choose", block)
        if not 0 <= i < self.arity or self.children is None:
            raise DisputeError(f"child index {i} outside [0, {self.arity})")
        self.node, self.children = self.children[i], None
        self.pos, self.level = self.pos * self.arity + i, self.level - 1
        if self.level > 0:
            self._advance(CHALLENGER, "choose", 4 + 32, block, "reveal", PROPOSER)
            return
        self._advance(CHALLENGER, "choose", 4 + 32, block, "open", PROPOSER)
        if self.pos >= self.num_stages:
            self.winner = PROPOSER if self.node == ZERO else CHALLENGER
            self.reason, self.phase = "padding stage leaf", "done"

    def open_roots(self, root: bytes, earlier: dict[int, tuple[bytes, Opening]], block: int) -> None:
        """The trainer reveals the disputed stage's root and opens the earlier ones."""
        self._require(PROPOSER, "open", block)
        s = self.pos
        if trace_leaf(s, root) != self.node:
            raise DisputeError("revealed stage root does not match the disputed trace leaf")
        depth = tree_depth(self.num_stages, self.arity)
        opened = {s: root}
        for i in needed_stages(s):
            if i not in earlier:
                raise DisputeError(f"stage {i}'s root is not opened")
            r, op = earlier[i]
            if op.index != i or len(op.siblings) != depth or root_from_path(trace_leaf(i, r), op, self.arity) != self.trace_root:
                raise DisputeError(f"stage {i}'s root does not open under the trace root")
            opened[i] = r
        nbytes = 4 + 32 + sum(32 + 32 * len(op.flat()) for _, op in earlier.values())
        self._advance(PROPOSER, "open_roots", nbytes, block, "located", CHALLENGER)
        self.located, self.roots = s, opened

    def timeout(self, block: int) -> None:
        if self.winner is not None or self.phase == "located":
            raise DisputeError("the locate phase is over")
        if block <= self.deadline:
            raise DisputeError(f"deadline {self.deadline} not passed at block {block}")
        self.winner = CHALLENGER if self.turn == PROPOSER else PROPOSER
        self.reason, self.phase = f"{self.turn} missed its deadline", "done"


@dataclass
class LocateParty:
    """A player of the locate phase: the trace tree it believes in (``tree``), the honest
    tree a liar still knows, and the same strategy names as the stage game."""

    role: str
    tree: MerkleTree
    rng: np.random.Generator
    strategy: str | None = None
    honest: MerkleTree | None = None
    stage_roots: Sequence[bytes] = ()
    stall_at: int = 10**9
    acted: int = 0
    rejected: int = 0

    def _try(self, g: LocateGame, name: str, *args: Any) -> bool:
        try:
            getattr(g, name)(*args)
        except DisputeError:
            self.rejected += 1
            g.attempts.append((name, args, False, args[-1]))
            return False
        g.attempts.append((name, args, True, args[-1]))
        return True

    def act(self, g: LocateGame, block: int) -> bool:
        self.acted += 1
        if self.strategy == "stall" and self.acted >= self.stall_at:
            return False
        st = self.strategy
        if g.phase == "reveal":
            if st == "inconsistent_children" and self.honest is not None and self.honest.root != self.tree.root:
                return self._try(g, "reveal", self.honest.children(g.level, g.pos), block)
            ok = self._try(g, "reveal", self.tree.children(g.level, g.pos), block)
            if ok and st == "equivocation" and self.honest is not None:
                self._try(g, "reveal", self.honest.children(g.level, g.pos), block)
            return ok
        if g.phase == "choose":
            assert g.children is not None
            if st is None:
                ours = self.tree.children(g.level, g.pos)
                i = next((t for t, (a, b) in enumerate(zip(g.children, ours, strict=True)) if a != b), 0)
            elif st == "after_point" and g.level > 1:
                i = 0
            elif st == "wrong_output":
                i = min(self.arity_last(g), g.arity - 1)
            else:
                i = int(self.rng.integers(g.arity))
            ok = self._try(g, "choose", i, block)
            if ok and st == "equivocation":
                self._try(g, "choose", (i + 1) % g.arity, block)
            return ok
        if g.phase == "open":
            s = g.pos
            earlier = {i: (self.stage_roots[i], self.tree.opening(i)) for i in needed_stages(s)}
            return self._try(g, "open_roots", self.stage_roots[s], earlier, block)
        return False

    def arity_last(self, g: LocateGame) -> int:
        """Child index on the path to the last real stage (the output)."""
        last = g.num_stages - 1
        return (last // g.arity ** (g.level - 1)) % g.arity


def play_locate(g: LocateGame, prop: LocateParty, chal: LocateParty) -> None:
    """Alternate moves until the stage is located or a party loses on its clock."""
    from mechanism.dispute.strategies import play_out

    play_out(g, prop, chal, over=lambda game: game.winner is not None or game.phase == "located")


def locate_bound(num_stages: int, arity: int) -> int:
    """Moves of the locate phase: (reveal, choose) per level, then the openings."""
    return 2 * tree_depth(num_stages, arity) + 1


def play_located(honest: Any, liar: str, strategy: str | None, rng: np.random.Generator,
                 clock_blocks: int = 20) -> tuple[Any, LocateGame | None, Any]:
    """A training dispute against a trainer that posted only its trace root: the locate
    phase, then the stage game on the located stage (module docstring). Returns the
    combined :class:`~mechanism.dispute.strategies.GameResult`, the locate game and the
    stage game (None when the locate phase already decided the dispute)."""
    from mechanism.dispute.strategies import GameResult
    from mechanism.training_proof.game import (
        LIARS,
        TrainingGame,
        context,
        move_bound,
        parties,
        play_out,
    )

    if liar not in LIARS:
        raise ParameterError.bad("liar", liar, "trainer, challenger or none")
    st = honest.setting
    n = len(st.names)
    bound1, bound2 = locate_bound(n, st.arity), move_bound(st)
    if liar == "none" or strategy is None:
        return GameResult(PROPOSER, True, "none", None, 0, bound1 + bound2, 0, 0, "no dispute", -1, ()), None, None
    roots, prop, chal = parties(honest, liar, strategy, rng)
    committed, truth = trace_tree(roots, st.arity), trace_tree(honest.roots, st.arity)
    lp = LocateParty(PROPOSER, committed, rng, strategy if liar == "trainer" else None, truth, roots)
    lc = LocateParty(CHALLENGER, truth, rng, strategy if liar == "challenger" else None, truth, honest.roots)
    stall = int(rng.integers(1, bound1 + bound2 + 1))
    liar1, liar2 = (lp, prop) if liar == "trainer" else (lc, chal)
    if stall <= bound1:
        liar1.stall_at = stall
    else:
        liar2.stall_at = stall - bound1
    g1 = LocateGame(committed.root, n, st.arity, clock_blocks)
    play_locate(g1, lp, lc)
    honest_side = CHALLENGER if liar == "trainer" else PROPOSER
    rejected = lp.rejected + lc.rejected
    if g1.winner is not None:
        res = GameResult(g1.winner, g1.winner == honest_side, liar, strategy, len(g1.moves), bound1 + bound2,
                         rejected, sum(m.calldata_bytes for m in g1.moves), g1.reason, g1.pos,
                         tuple(m.kind for m in g1.moves))
        return res, g1, None
    s = g1.located
    assert s is not None
    ctx = context(st, honest.shard.root, honest.start_tree.root, located_roots(s, g1.roots))
    g2 = TrainingGame(ctx, clock_blocks=clock_blocks, block=g1.block, setting=st, only_stage=s)
    play_out(g2, prop, chal)
    assert g2.winner is not None
    moves = [*g1.moves, *g2.moves]
    res = GameResult(g2.winner, g2.winner == honest_side, liar, strategy, len(moves), bound1 + bound2,
                     rejected + prop.rejected + chal.rejected, sum(m.calldata_bytes for m in moves),
                     g2.reason, s, tuple(m.kind for m in moves))
    return res, g1, g2
