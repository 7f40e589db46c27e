"""Honest and dishonest parties of the bisection game, and the game runner.

Dishonest strategies (either role may lie; the other side plays honestly):

==================== ============================================= ==============================
strategy              liar = proposer                               liar = challenger
==================== ============================================= ==============================
random_step           one random value of one random stage is       challenges a random stage and
                      wrong; later stages follow the lie            names random children
after_point           a stage is wrong from some index on           first children, then random
wrong_output          only the asserted final root is wrong         disputes the (correct) output
inconsistent_children reveals children not hashing to the parent     submits a tampered opening
equivocation          tries a second, different reveal per node     tries to re-choose a child
stall                 stops moving at a random move                 stops moving at a random move
==================== ============================================= ==============================

A rejected move changes nothing; a party with no accepted move loses on its clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from mechanism.commitment import SumTree, commit_columns
from mechanism.dispute.game import CHALLENGER, PROPOSER, DisputeGame
from mechanism.dispute.onestep import VerifierContext
from mechanism.dispute.proofs import Prover, tamper
from mechanism.dispute.trace import Program, Trace, commit_stage, execute, item_deltas
from mechanism.errors import DisputeError

STRATEGIES = ("random_step", "after_point", "wrong_output", "inconsistent_children", "equivocation", "stall")
LIARS = ("proposer", "challenger", "none")


LIE_DELTAS = (1, 7, 1 << 20)
G = TypeVar("G", bound=DisputeGame)


def shift_value(v: np.ndarray, p: int, delta: int, strategy: str) -> None:
    """The lie in one committed vector, in place: ``v[p] += delta``, or from ``p`` on for the
    ``after_point`` strategy (shared by the aggregation and training games)."""
    if strategy == "after_point":
        v[p:] += delta
    else:
        v[p] += delta


def corrupted_trace(prover: Prover, rng: np.random.Generator, strategy: str) -> tuple[Trace, int]:
    """A consistent lie: one stage's value is wrong, later stages computed from it."""
    honest = prover.trace
    prog = honest.program
    s = int(rng.integers(len(prog.stages)))
    kind = prog.stages[s].kind
    delta = int(rng.choice(LIE_DELTAS))

    def corrupt(i: int, v: np.ndarray) -> np.ndarray:
        if i != s:
            return v
        v = v.copy()
        p = int(rng.integers(len(v)))
        name = prog.stages[s].name
        if kind == "select" and name == "order" and len(v) > 1:
            v[[0, 1]] = v[[1, 0]]
        elif kind == "select" and name == "chosen":
            spare = sorted(set(range(prog.n)) - {int(t) for t in v})
            v[p] = spare[0]
            v.sort()
        elif kind == "select" or kind == "max":
            v[p] = v[p] + 1
        else:
            shift_value(v, p, delta, strategy)
        return v

    lie = execute(prog, prover.x, prover.order_fn(), honest.chunk_size, honest.arity, corrupt,
                  input_trees=prover.input_trees, reuse=honest)
    if kind == "column":  # forge one trainer's leaf hash in every changed column leaf
        for p in np.nonzero(lie.values[s] != honest.values[s])[0].tolist():
            hashes = honest.column_hashes(p)
            t = int(rng.integers(len(hashes)))
            hashes[t] = hashlib.sha256(b"forged" + hashes[t]).digest()
            lie.column_overrides[p] = hashes
        lie.trees[s] = commit_columns(prover.input_trees, lie.column_overrides)
    if kind == "sum":
        for p in np.nonzero(lie.values[s] != honest.values[s])[0].tolist():
            deltas = item_deltas(honest, prover.x, s, p)
            j = int(rng.integers(len(deltas)))
            deltas[j] += int(lie.values[s][p] - honest.values[s][p])
            lie.delta_overrides[(s, p)] = deltas
    return lie, s


@dataclass
class Party:
    """A player: its prover (the trace it believes) and its strategy (None = honest)."""

    role: str
    prover: Prover
    rng: np.random.Generator
    strategy: str | None = None
    honest: Prover | None = None  # a liar still knows the truth
    stall_at: int = 10**9
    acted: int = 0
    sum_trees: dict[tuple[int, int], SumTree] = field(default_factory=dict)
    rejected: int = 0

    def _sum_tree(self, s: int, p: int) -> SumTree:
        key = (s, p)
        if key not in self.sum_trees:
            self.sum_trees[key] = self.prover.sum_tree(s, p)
        return self.sum_trees[key]

    def _children(self, g: DisputeGame, prover: Prover) -> list[Any]:
        if g.tree == "sum":
            tree = self._sum_tree(g.stage, g.item) if prover is self.prover else Party(
                self.role, prover, self.rng)._sum_tree(g.stage, g.item)
            return tree.children(g.level, g.pos)
        return prover.trace.trees[g.stage].children(g.level, g.pos)

    def _try(self, fn: Any, *args: Any) -> bool:
        g: DisputeGame = fn.__self__
        try:
            fn(*args)
            g.attempts.append((fn.__name__, args, True, g.block))
            return True
        except DisputeError:
            self.rejected += 1
            g.attempts.append((fn.__name__, args, False, g.block))
            return False

    def _onestep(self, g: DisputeGame, proof: Any, block: int, strategy: str | None) -> bool:
        """Submit ``proof`` at the leaf; an ``inconsistent_children`` liar forges it instead
        (the verifier rejects the forgery and the liar then stalls)."""
        if strategy == "inconsistent_children":
            try:
                proof = tamper(proof)
            except Exception:
                return False
            self._try(g.onestep, proof, block)
            return False
        return self._try(g.onestep, proof, block)

    def act(self, g: DisputeGame, block: int) -> bool:
        """Attempt this party's move(s); True when one was accepted."""
        self.acted += 1
        if self.strategy == "stall" and self.acted >= self.stall_at:
            return False
        return self._act_proposer(g, block) if self.role == PROPOSER else self._act_challenger(g, block)

    # ------------------------------------------------------------------ proposer
    def _act_proposer(self, g: DisputeGame, block: int) -> bool:
        tr, st = self.prover.trace, self.strategy
        if g.phase == "reveal":
            kids = self._children(g, self.prover)
            if st in ("wrong_output", "inconsistent_children") and self.honest is not None:
                return self._try(g.reveal, self._children(g, self.honest), block)
            ok = self._try(g.reveal, kids, block)
            if ok and st == "equivocation" and self.honest is not None:
                self._try(g.reveal, self._children(g, self.honest), block)
            return ok
        if g.phase == "item":
            v = int(tr.values[g.stage][g.item])
            root = None if tr.program.stages[g.stage].kind == "max" else self._sum_tree(g.stage, g.item).root
            return self._try(g.reveal_item, v, root, block)
        if g.phase == "attain":
            return self._try(g.attain, self.prover.max_proof(g.stage), block)
        if g.phase == "preimage":
            if st == "inconsistent_children" and self.honest is not None:
                return self._try(g.reveal_column, self.honest.trace.column_hashes(g.pos), block)
            return self._try(g.reveal_column, tr.column_hashes(g.pos), block)
        return False

    # ------------------------------------------------------------------ challenger
    def _act_challenger(self, g: DisputeGame, block: int) -> bool:
        st, k = self.strategy, g.ctx.arity
        mine = self.prover.trace
        if g.phase == "open":
            if st is None:
                diff = [i for i, (a, b) in enumerate(zip(g.ctx.stage_roots, mine.roots, strict=True)) if a != b]
                return bool(diff) and self._try(g.challenge, diff[0], block)
            m = len(g.ctx.stage_roots)
            s = m - 1 if st in ("wrong_output", "after_point") else int(self.rng.integers(m))
            return self._try(g.challenge, s, block)
        if g.phase == "choose":
            assert g.children is not None
            if st is None:
                ours = self._children(g, self.prover)
                i = next((t for t, (a, b) in enumerate(zip(g.children, ours, strict=True)) if a != b), 0)
            elif st == "after_point" and g.level > 1:
                i = 0
            else:
                i = int(self.rng.integers(k))
            ok = self._try(g.choose, i, block)
            if ok and st == "equivocation":
                self._try(g.choose, (i + 1) % k, block)
            return ok
        if g.phase == "onestep":
            kind = mine.program.stages[g.stage].kind
            if kind == "max":
                honest_m = int(mine.values[g.stage][0])
                if st is None and g.max_value < honest_m:
                    return self._try(g.onestep, self.prover.max_proof(g.stage), block)
                return self._try(g.onestep, self.prover.max_proof(g.stage), block, True)
            if kind == "column":
                assert g.children is not None
                proof = self.prover.column_proof(g.pos, g.children)  # type: ignore[arg-type]
            elif kind == "select":
                proof = self.prover.select_proof(g.stage)
            elif kind == "map":
                proof = self.prover.map_proof(g.stage, g.pos)
            else:
                proof = self.prover.sum_proof(g.stage, g.pos)
            return self._onestep(g, proof, block, st)
        return False


@dataclass(frozen=True)
class GameResult:
    winner: str
    honest_won: bool
    liar: str
    strategy: str | None
    moves: int
    move_bound: int
    rejected: int
    calldata_bytes: int
    reason: str
    stage: int
    kinds: tuple[str, ...]


def play_out(g: Any, prop: Any, chal: Any, over: Callable[[Any], bool] | None = None) -> None:
    """Alternate the parties' moves one block apart until the game is ``over`` (default:
    it has a winner); a party with no accepted move loses on its clock (the timeout is
    recorded for replay). Any game with ``turn``, ``winner``, ``block``, ``deadline``,
    ``timeout`` and ``attempts`` (the bisection game, the training locate phase)."""
    done = over or (lambda game: game.winner is not None)
    block = g.block + 1
    while not done(g):
        party = prop if g.turn == PROPOSER else chal
        if party.act(g, block) or done(g):
            block += 1
        else:
            block = g.deadline + 1
            g.timeout(block)
            g.attempts.append(("timeout", (block,), True, block))


def move_bound(program: Program, trace: Trace) -> int:
    base = program.move_bound(trace.chunk_size, trace.arity, [len(v) for v in trace.values])
    return max(base, 4)


def no_dispute(program: Program, honest: Trace) -> GameResult:
    """The result when nobody lies: no dispute is opened."""
    return GameResult(PROPOSER, True, "none", None, 0, move_bound(program, honest), 0, 0, "no dispute", -1, ())


def run_dispute(
    program: Program,
    honest: Trace,
    hp: Prover,
    liar: str,
    strategy: str | None,
    rng: np.random.Generator,
    liar_prover: Callable[[Trace], Prover],
    corrupt: Callable[[str], Trace],
    game_cls: type[G],
    clock_blocks: int = 20,
) -> tuple[GameResult, G | None]:
    """Build the lying and honest parties around ``hp``, play ``game_cls`` to the end and score it.

    ``liar_prover`` wraps a lying trace in the prover kind of ``hp``; ``corrupt(strategy)`` draws a corrupted
    trace (called only for a lying proposer other than ``wrong_output``). The rng draws are, in order: the
    corruption, the liar's stall point, then the parties' moves.
    """
    if liar == "none" or strategy is None:
        return no_dispute(program, honest), None
    if liar == PROPOSER:
        if strategy == "wrong_output":
            lie = Trace(program, list(honest.values), list(honest.trees), honest.chunk_size, honest.arity,
                        input_trees=honest.input_trees)
            roots = list(honest.roots)
            roots[-1] = hashlib.sha256(b"wrong output").digest()
        else:
            lie = corrupt(strategy)
            roots = lie.roots
        prop = Party(PROPOSER, liar_prover(lie), rng, strategy, hp)
        chal = Party(CHALLENGER, hp, rng)
    else:
        roots = honest.roots
        prop = Party(PROPOSER, hp, rng)
        chal = Party(CHALLENGER, hp, rng, strategy, hp)
    bound = move_bound(program, honest)
    liar_party = prop if liar == PROPOSER else chal
    liar_party.stall_at = int(rng.integers(1, bound + 1))
    ctx = VerifierContext(program, tuple(t.root for t in hp.input_trees), tuple(roots), honest.chunk_size,
                          honest.arity)
    g = game_cls(ctx, clock_blocks=clock_blocks)
    play_out(g, prop, chal)
    assert g.winner is not None
    honest_side = CHALLENGER if liar == PROPOSER else PROPOSER
    res = GameResult(
        g.winner, g.winner == honest_side, liar, strategy, len(g.moves), bound,
        prop.rejected + chal.rejected, sum(m.calldata_bytes for m in g.moves), g.reason, g.stage,
        tuple(m.kind for m in g.moves),
    )
    return res, g


def play(
    program: Program,
    x: np.ndarray,
    honest: Trace,
    liar: str,
    strategy: str | None,
    rng: np.random.Generator,
    input_trees: Any = None,
    clock_blocks: int = 20,
) -> tuple[GameResult, DisputeGame | None]:
    """Run one game; ``liar='none'`` means both honest (no dispute is opened)."""
    hp = Prover.build(x, honest, input_trees)
    return run_dispute(program, honest, hp, liar, strategy, rng, lambda lie: Prover(x, hp.input_trees, lie),
                       lambda s: corrupted_trace(hp, rng, s)[0], DisputeGame, clock_blocks)


def honest_trace(program: Program, x: np.ndarray, chunk_size: int, arity: int, input_trees: Any = None) -> Trace:
    from mechanism.dispute.programs import honest_order_fn

    return execute(program, x, honest_order_fn(x), chunk_size, arity, input_trees=input_trees)


__all__ = ["LIARS", "STRATEGIES", "GameResult", "commit_stage", "corrupted_trace", "honest_trace", "no_dispute", "play", "run_dispute"]
