"""The k-ary bisection game, as a Python state machine mirroring ``DisputeGame.vy``.

The proposer asserted stage roots ``r_1..r_m`` (its trace, :mod:`.trace`); a challenger
disputes. Moves (each one transaction; a rejected move changes nothing):

1. ``challenge(s)`` (challenger): the first stage whose root it disputes; r_<s are agreed.
2. map / sum stages: the node is the stage root at level ``depth``. ``reveal(children)``
   (proposer) must satisfy ``node_hash(children) == node`` (sum trees: hash *and*
   ``sum(children) == node.sum``); ``choose(i)`` (challenger) names the first child it
   disputes. At an item leaf of a sum stage ``reveal_item(value, sum_root)`` opens the
   item total and commits its per-chunk sum tree (``sum_root.sum == value``); descent
   continues in that tree.
   Column stage: at the leaf the proposer must ``reveal_column(hashes)`` (the n input
   leaf hashes of its column leaf); the challenger's one-step then opens one trainer's
   true leaf that differs. A padding leaf (j >= L) is decided at once (must be zero).
3. max stages: ``reveal_item(M)``, then ``max_claim`` (a witness above M wins for the
   challenger; "too large" hands the proposer a clock to ``attain`` M with a witness).
4. ``onestep(proof)`` (challenger) at a leaf / on a select stage: :mod:`.onestep` decides.

Every move sets ``deadline = block + clock_blocks`` for the other party; ``timeout(b)``
with ``b > deadline`` ends the game against the party to move (docs/design.md, "The verification game": "a party that
misses its clock loses"). Move bound: :meth:`Program.move_bound` (+1 for max stages).

With ``chess_clock_blocks`` C set (``DisputeGame.vy``'s ``set_chess_clock``) the clocks are
per party instead, as BoLD's and the OP Stack's chess clocks: each party has C blocks over
all its moves, a move costs its party the blocks since its turn began, and the party to
move must move by ``turn start + its time left``; the whole game ends within ``2 C`` blocks
(:attr:`DisputeGame.bound_blocks`; docs/economics.md, 'Threat model: clocks').
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from mechanism.commitment import (
    ZERO,
    SumNode,
    col_leaf,
    commit,
    leaf_hash,
    node_hash,
    num_chunks,
    sum_node,
    tree_depth,
)
from mechanism.dispute import onestep
from mechanism.dispute.onestep import StepProof, VerifierContext
from mechanism.errors import CommitmentError, DisputeError

PROPOSER, CHALLENGER = "proposer", "challenger"
#: Rule ids of ``DisputeGame.vy``'s Map one-step (the rules it re-executes on chain).
RULE_IDS = {"mean": 0, "median": 1, "trimmed_mean": 2}


@dataclass(frozen=True)
class Move:
    party: str
    kind: str
    calldata_bytes: int
    block: int


class Turn(Protocol):
    """What a clocked two-party game exposes to :func:`require_turn`."""

    winner: str | None
    phase: str
    turn: str
    deadline: int
    block: int


def require_turn(g: Turn, party: str, phase: str | tuple[str, ...], block: int) -> None:
    """A move of ``party`` at ``block`` is legal only while the game runs, in one of
    ``phase``, on its turn, by its deadline, with blocks running forward (DisputeError
    otherwise); shared by every bisection game (this one, the training locate phase)."""
    if g.winner is not None:
        raise DisputeError("the game is over")
    phases = (phase,) if isinstance(phase, str) else phase
    if g.phase not in phases or g.turn != party:
        raise DisputeError(f"{party} cannot move in phase {g.phase!r} ({g.turn} to move)")
    if block > g.deadline:
        raise DisputeError(f"{party} moved at block {block} after its deadline {g.deadline}")
    if block < g.block:
        raise DisputeError("blocks run forward")


@dataclass
class DisputeGame:
    ctx: VerifierContext
    clock_blocks: int = 50
    block: int = 0
    phase: str = "open"
    turn: str = CHALLENGER
    deadline: int = 0
    winner: str | None = None
    reason: str = ""
    moves: list[Move] = field(default_factory=list)
    stage: int = -1
    tree: str = "merkle"
    level: int = 0
    pos: int = 0
    node: bytes | SumNode = ZERO
    children: list[bytes] | list[SumNode] | None = None
    item: int = -1
    max_value: int = 0
    #: every attempted move (name, args, accepted, block), for replay on the EVM
    attempts: list[tuple[str, tuple[object, ...], bool, int]] = field(default_factory=list)
    #: per-party chess clock C (blocks); None: per-move clocks of ``clock_blocks``
    chess_clock_blocks: int | None = None
    #: chess clock: blocks each party has left
    time_left: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.chess_clock_blocks is not None:
            if self.chess_clock_blocks < 1:
                raise DisputeError(f"chess_clock_blocks={self.chess_clock_blocks} must be >= 1")
            self.time_left = {PROPOSER: self.chess_clock_blocks, CHALLENGER: self.chess_clock_blocks}
            self.deadline = self.block + self.chess_clock_blocks
        else:
            self.deadline = self.block + self.clock_blocks

    @property
    def bound_blocks(self) -> int | None:
        """Longest game from its creation with chess clocks, ``2 C`` blocks (None with per-move
        clocks, whose bound depends on the number of moves)."""
        return None if self.chess_clock_blocks is None else 2 * self.chess_clock_blocks

    # ------------------------------------------------------------------ helpers
    @property
    def leaves(self) -> int:
        return num_chunks(self.ctx.program.d, self.ctx.chunk_size)

    def _kind(self) -> str:
        return self.ctx.program.stages[self.stage].kind

    def _require(self, party: str, phase: str | tuple[str, ...], block: int) -> None:
        require_turn(self, party, phase, block)

    def _advance(self, party: str, kind: str, nbytes: int, block: int, phase: str, turn: str) -> None:
        self.moves.append(Move(party, kind, nbytes, block))
        if self.chess_clock_blocks is None:
            self.block, self.phase, self.turn = block, phase, turn
            self.deadline = block + self.clock_blocks
            return
        self.time_left[party] -= block - self.block  # _require: block <= deadline, so never negative
        self.block, self.phase, self.turn = block, phase, turn
        self.deadline = block + self.time_left[turn]

    def _finish(self, winner: str, reason: str) -> None:
        self.winner, self.reason, self.phase = winner, reason, "done"

    # ------------------------------------------------------------------ moves
    def challenge(self, s: int, block: int) -> None:
        self._require(CHALLENGER, "open", block)
        if not 0 <= s < len(self.ctx.stage_roots):
            raise DisputeError(f"stage {s} does not exist")
        self.stage = s
        kind = self._kind()
        root = self.ctx.stage_roots[s]
        self.tree, self.node, self.pos = "merkle", root, 0
        if kind in ("map", "column"):
            self.level = tree_depth(self.leaves, self.ctx.arity)
            nxt, turn = "reveal", PROPOSER
        elif kind == "sum":
            self.level = tree_depth(len(self.ctx.program.stages[s].items), self.ctx.arity)
            nxt, turn = "reveal", PROPOSER
        elif kind == "max":
            self.level, self.item = 0, 0
            nxt, turn = "item", PROPOSER
        else:
            nxt, turn = "onestep", CHALLENGER
        self._advance(CHALLENGER, "challenge", 4 + 32, block, nxt, turn)

    def reveal(self, children: list[bytes] | list[SumNode], block: int) -> None:
        self._require(PROPOSER, "reveal", block)
        if len(children) != self.ctx.arity:
            raise DisputeError(f"reveal needs {self.ctx.arity} children, got {len(children)}")
        if self.tree == "merkle":
            ok = node_hash(children) == self.node  # type: ignore[arg-type]
        else:
            ok = sum_node(children) == self.node  # type: ignore[arg-type]
        if not ok:
            raise DisputeError("revealed children do not hash to the disputed node")
        self.children = list(children)  # type: ignore[assignment]
        nbytes = 4 + (32 if self.tree == "merkle" else 64) * self.ctx.arity
        self._advance(PROPOSER, "reveal", nbytes, block, "choose", CHALLENGER)

    def choose(self, i: int, block: int) -> None:
        self._require(CHALLENGER, "choose", block)
        if not 0 <= i < self.ctx.arity or self.children is None:
            raise DisputeError(f"child index {i} outside [0, {self.ctx.arity})")
        self.node, self.children = self.children[i], None
        self.pos, self.level = self.pos * self.ctx.arity + i, self.level - 1
        if self.level > 0:
            self._advance(CHALLENGER, "choose", 4 + 32, block, "reveal", PROPOSER)
        elif self.tree == "merkle" and self._kind() == "column":
            self._advance(CHALLENGER, "choose", 4 + 32, block, "preimage", PROPOSER)
            if self.pos >= self.leaves:
                self._finish(PROPOSER if self.node == ZERO else CHALLENGER, "padding column leaf")
        elif self.tree == "sum" or self._kind() == "map":
            self._advance(CHALLENGER, "choose", 4 + 32, block, "onestep", CHALLENGER)
        else:  # item leaf of a sum stage
            m = len(self.ctx.program.stages[self.stage].items)
            self._advance(CHALLENGER, "choose", 4 + 32, block, "item", PROPOSER)
            if self.pos >= m:
                honest_pad = self.node == ZERO
                self._finish(PROPOSER if honest_pad else CHALLENGER, "padding item leaf")
            self.item = self.pos

    def reveal_item(self, value: int, sum_root: SumNode | None, block: int) -> None:
        self._require(PROPOSER, "item", block)
        if self._kind() == "max":
            ok = commit(np.array([value], dtype=np.int64), 1, self.ctx.arity).root == self.node
        else:
            ok = leaf_hash(self.item, np.array([value], dtype=np.int64)) == self.node
        if not ok:
            raise DisputeError("item value does not match its committed leaf")
        if self._kind() == "max":
            self.max_value = int(value)
            self._advance(PROPOSER, "reveal_item", 4 + 32, block, "onestep", CHALLENGER)
            return
        if sum_root is None or sum_root[1] != value:
            raise DisputeError("the item's sum tree must total the revealed value")
        self.tree, self.node, self.pos = "sum", sum_root, 0
        self.level = tree_depth(self.leaves, self.ctx.arity)
        self._advance(PROPOSER, "reveal_item", 4 + 96, block, "reveal", PROPOSER)

    def reveal_column(self, hashes: list[bytes], block: int) -> None:
        self._require(PROPOSER, "preimage", block)
        if len(hashes) != self.ctx.program.n or col_leaf(self.pos, hashes) != self.node:
            raise DisputeError("revealed leaf hashes do not hash to the disputed column leaf")
        self.children = list(hashes)
        self._advance(PROPOSER, "preimage", 4 + 64 + 32 * len(hashes), block, "onestep", CHALLENGER)

    def onestep(self, proof: StepProof, block: int, too_large: bool = False) -> None:
        self._require(CHALLENGER, "onestep", block)
        kind = self._kind()
        try:
            if kind == "column":
                assert self.children is not None
                right = onestep.column_step(self.ctx, self.children, _at(proof, self.pos))  # type: ignore[arg-type]
            elif kind == "map":
                right = onestep.map_step(self.ctx, self.stage, self.node, _at(proof, self.pos),  # type: ignore[arg-type]
                                         self._rows)
            elif kind == "sum":
                right = onestep.sum_step(self.ctx, self.stage, self.item, self.node,  # type: ignore[arg-type]
                                         _at(proof, self.pos), self._rows)
            elif kind == "select":
                right = onestep.select_step(self.ctx, self.stage, proof)
            elif too_large:
                self._advance(CHALLENGER, "max_claim", 4 + 32, block, "attain", PROPOSER)
                return
            else:
                if onestep.max_witness(self.ctx, self.stage, proof, self._rows) <= self.max_value:
                    raise CommitmentError("witness is not above the claimed maximum")
                right = False
        except CommitmentError as exc:
            raise DisputeError(f"one-step proof rejected: {exc}") from exc
        self._advance(CHALLENGER, "onestep", self._calldata(proof), block, "done", CHALLENGER)
        self._finish(PROPOSER if right else CHALLENGER, "one-step verifier")

    def _rows(self, ctx: VerifierContext, proof: StepProof, j: int, width: int) -> np.ndarray:
        """How the one-step checks opened input chunks (plain leaves; a hiding game salts them)."""
        return onestep._input_rows(ctx, proof, j, width)

    def _calldata(self, proof: StepProof) -> int:
        """Calldata bytes of a one-step proof (a hiding game adds the salts)."""
        return proof.calldata_bytes()

    def attain(self, proof: StepProof, block: int) -> None:
        self._require(PROPOSER, "attain", block)
        try:
            if onestep.max_witness(self.ctx, self.stage, proof, self._rows) != self.max_value:
                raise CommitmentError("witness does not attain the claimed maximum")
        except CommitmentError as exc:
            raise DisputeError(f"attaining witness rejected: {exc}") from exc
        self._advance(PROPOSER, "attain", self._calldata(proof), block, "done", PROPOSER)
        self._finish(PROPOSER, "maximum attained")

    def timeout(self, block: int) -> None:
        if self.winner is not None:
            raise DisputeError("the game is over")
        if block <= self.deadline:
            raise DisputeError(f"deadline {self.deadline} has not passed at block {block}")
        loser = self.turn
        self._finish(CHALLENGER if loser == PROPOSER else PROPOSER, f"{loser} missed its clock")


def _at(proof: StepProof, j: int) -> StepProof:
    if proof.j != j:
        raise CommitmentError(f"proof is for chunk {proof.j}, the disputed leaf is {j}")
    return proof
