"""The rollup's on-chain arbiter (``contracts/Arbiter.vy``) and its Python mirror.

With an on-chain arbiter the rollup is deployed with ``assertion_depth`` 0: an assertion
dispute escrows the bonds in ``Rollup.vy`` and the whole verification game runs in a
``DisputeGame.vy`` that the arbiter creates from a blueprint. Transactions (each its own):

* ``open_game(did, input_roots, cols_root)`` (defender, within ``clock_blocks`` of the
  challenge) -- the input roots must hash to the assertion's input root and be the
  round's published updates (``Rollup.round_inputs``: in order of publication, without
  those proven invalid before the assertion was posted);
* the game's moves, sent by the parties to the game contract (challenge, reveal, choose,
  reveal_column, onestep; :meth:`Arbiter.act` plays one turn of a
  :class:`mechanism.dispute.strategies.Party`);
* ``settle(did)`` (anyone) -- times the game out if a clock ran out, then calls
  ``Rollup.resolve(did, defender_wins)``: a contract-to-contract call.

:class:`ArbiterModel` is the Python mirror (same checks, revert reasons and events, the
Python :class:`~mechanism.dispute.game.DisputeGame`, gas from
:mod:`mechanism.dispute.gas` for the game and :data:`ARBITER_GAS` for the arbiter's own
code, calibrated by :func:`mechanism.evm.arbiter.calibrate`).
:class:`mechanism.evm.arbiter.ArbiterEVM` runs the same on titanoboa.

Gas of ``open_game`` = intrinsic + ``a + b n + c e`` (n input roots: the game's constructor
stores them, ``Rollup.round_inputs`` reads them; e published updates excluded as invalid); of ``settle`` = intrinsic + base[path] + the rollup's ``resolve`` execution
gas (:meth:`mechanism.rollup.RollupState.transact` with ``internal=True``), minus the
EIP-3529 refund cap.
"""

from __future__ import annotations

import abc
import functools
from dataclasses import dataclass, field
from typing import Any

from mechanism.commitment import node_hash, num_chunks, tree_depth
from mechanism.dispute.game import CHALLENGER, PROPOSER, DisputeGame
from mechanism.rollup.gas import intrinsic_gas
from mechanism.rollup.params import (
    ACTIVE,
    BPS,
    KIND_ASSERTION,
    Event,
    Receipt,
    RollupParams,
    RollupRevert,
)
from mechanism.rollup.state import RollupState

ARBITER_ADDRESS = "0x" + "ab" * 20

#: Execution gas of the arbiter's own code (calibrated against the EVM, vyper 0.4.3, by
#: ``python -m mechanism.evm.arbiter --calibrate``): ``open_game`` as (a, b) of
#: ``a + b * n``; ``settle:*`` excluding the rollup's ``resolve`` it calls.
ARBITER_GAS: dict[str, tuple[int, int]] = {
    "open_game": (2859241, 29678),  # ~2.8M: the game's code deposit (200 gas/byte, EIP-170)
    "open_game:excluded": (4773, 0),  # per publisher of the round that is no input
    "settle:done": (18898, 0),
    "settle:timeout": (48902, 0),
    "settle:unopened": (12086, 0),
}


@dataclass(frozen=True)
class GameConfig:
    """The aggregation program the arbiter's games verify (``Arbiter.vy``'s immutables)."""

    dim: int
    chunk: int
    arity: int
    rule: str = "trimmed_mean"
    trim_bps: int = 1_000
    clock_blocks: int = 5

    @property
    def depth(self) -> int:
        return tree_depth(num_chunks(self.dim, self.chunk), self.arity)

    def f(self, n: int) -> int:
        """Trimmed per side: ``min(max(1, n * trim_bps // 10^4), (n - 1) // 2)`` (trimmed
        mean; so ``n >= 2f + 1`` for every ``n >= 1``), else 0."""
        return min(max(1, n * self.trim_bps // BPS), (n - 1) // 2) if self.rule == "trimmed_mean" else 0

    def rule_params(self, n: int) -> dict[str, int]:
        return {"f": self.f(n)} if self.rule == "trimmed_mean" else {}

    def program(self, n: int) -> Any:
        from mechanism.dispute import build_program

        return build_program(self.rule, n, self.dim, **self.rule_params(n))

    @property
    def min_verdict_clock_blocks(self) -> int:
        """Shortest rollup verdict clock ``Arbiter.bind`` accepts: the longest game
        (open, challenge, 2 depth reveal/choose, column preimage, one-step: 2 depth + 4
        clocks) plus the block of ``settle``."""
        return (2 * self.depth + 4) * self.clock_blocks + 1

    @property
    def verdict_clock_blocks(self) -> int:
        """Longest open + game + settle: ``(2 depth + 4) clock + 2`` blocks."""
        return self.min_verdict_clock_blocks + 1

    def validity_config(self, norm_bound: int = 1 << 40) -> Any:
        """The trainer-validity contract deployed with this arbiter (same shape)."""
        from mechanism.rollup.predicates import ValidityConfig

        return ValidityConfig(d=self.dim, chunk=self.chunk, arity=self.arity, norm_bound=norm_bound,
                              clock_blocks=self.clock_blocks)

    def rollup_params(self, **kw: Any) -> RollupParams:
        """Rollup parameters for this arbiter and the trainer-validity contract it needs:
        no rollup-side bisection; a verdict clock long enough for both kinds of game."""
        kw.setdefault("verdict_clock_blocks", max(self.verdict_clock_blocks,
                                                  self.validity_config().verdict_clock_blocks))
        return RollupParams(assertion_depth=0, dispute_depth=0, arity=self.arity, **kw)


def check_bind(params: RollupParams, cfg: GameConfig, validity: str) -> None:
    """``Arbiter.bind``'s checks of the rollup (same order and reasons): an on-chain game
    needs ``assertion_depth`` 0, a verdict clock that outlasts the longest game (else a
    stalling defender wins by ``Rollup.timeout``) and a trainer-validity contract (this
    arbiter cannot judge trainer disputes)."""
    from mechanism.rollup.params import ZERO_ADDRESS

    if params.assertion_levels != 0:
        raise RollupRevert("rollup bisects itself")
    if params.verdict_clock < cfg.min_verdict_clock_blocks:
        raise RollupRevert("verdict clock")
    if validity == ZERO_ADDRESS:
        raise RollupRevert("no trainer validity")


@functools.lru_cache(maxsize=256)
def _game_gas_table(rule: str, n: int, dim: int, chunk: int, arity: int, stage: int) -> dict[str, int]:
    from mechanism.dispute.gas import dispute_cost

    cost = dispute_cost(rule, n, dim, chunk, arity, stage="cols" if stage == 0 else "out")
    kinds = [k for k, _ in cost.gas_per_move]
    table = {k: round(g) for k, g in cost.gas_per_move}
    if "reveal_column" in kinds:  # the last move of a column game is its one-step
        table["onestep"] = round(cost.gas_per_move[-1][1])
    return table


def game_move_gas(cfg: GameConfig, n: int, stage: int, move: str) -> int:
    """Gas of one game transaction by the calibrated model :mod:`mechanism.dispute.gas`."""
    return _game_gas_table(cfg.rule, n, cfg.dim, cfg.chunk, cfg.arity, max(stage, 0))[move]


@dataclass
class ArbiterBase(abc.ABC):
    """State shared by the Python and the EVM arbiter: the games (Python games are the
    parties' view; in the EVM backend the contract is authoritative)."""

    cfg: GameConfig
    games: dict[int, DisputeGame] = field(default_factory=dict)
    inputs: dict[int, int] = field(default_factory=dict)  # did -> n
    gas_spent: int = 0
    game_gas: int = 0
    events: list[Event] = field(default_factory=list)

    def game(self, did: int) -> DisputeGame | None:
        return self.games.get(did)

    def _new_game(self, did: int, input_roots: list[bytes], cols_root: bytes, output_root: bytes,
                  block: int) -> None:
        from mechanism.dispute.onestep import VerifierContext

        n = len(input_roots)
        ctx = VerifierContext(self.cfg.program(n), tuple(input_roots), (cols_root, output_root),
                              self.cfg.chunk, self.cfg.arity)
        self.games[did] = DisputeGame(ctx, clock_blocks=self.cfg.clock_blocks, block=block)
        self.inputs[did] = n

    def act(self, did: int, party: Any, block: int) -> list[Receipt]:
        """``party`` (a :class:`~mechanism.dispute.strategies.Party`) takes its turn in the
        game of dispute ``did`` at ``block``; each accepted move is one transaction."""
        g = self.games[did]
        if g.winner is not None or g.turn != party.role or block > g.deadline:
            return []
        n0 = len(g.attempts)
        party.act(g, block)
        out = []
        for name, args, accepted, _ in g.attempts[n0:]:
            if accepted:
                out.append(self._game_tx(did, g, name, args))
        return out

    @abc.abstractmethod
    def _game_tx(self, did: int, g: DisputeGame, name: str, args: tuple[Any, ...]) -> Receipt:
        """Send one accepted game move as a transaction; its receipt (gas)."""


class ArbiterModel(ArbiterBase):
    """Python mirror of ``Arbiter.vy`` over a :class:`~mechanism.rollup.RollupState`."""

    def __init__(self, rollup: RollupState, cfg: GameConfig) -> None:
        super().__init__(cfg)
        check_bind(rollup.params, cfg, rollup.validity)
        self.rollup = rollup
        self.address = rollup.arbiter
        self.last_inner_gas = 0

    @staticmethod
    def _require(cond: bool, reason: str) -> None:
        if not cond:
            raise RollupRevert(reason)

    def _opened(self, d: dict[str, Any]) -> int:
        return int(d["deadline_block"]) - self.rollup.params.verdict_clock

    def transact(self, sender: str, fn: str, *args: Any) -> Receipt:
        """``open_game(did, input_roots, cols_root)`` or ``settle(did)``; raises RollupRevert."""
        rec = self.open_game(sender, *args) if fn == "open_game" else self.settle(sender, *args)
        self.gas_spent += rec.gas
        self.events.extend(rec.events)
        return rec

    def open_game(self, sender: str, did: int, input_roots: list[bytes], cols_root: bytes) -> Receipt:
        r, cfg = self.rollup, self.cfg
        self._require(did not in self.games, "game open")
        d = r.dispute(did)
        self._require(d["kind"] == KIND_ASSERTION, "not an assertion dispute")
        self._require(d["status"] == ACTIVE, "dispute over")
        self._require(sender == d["defender"], "not defender")
        self._require(r.block <= self._opened(d) + cfg.clock_blocks, "clock expired")
        a = r.assertion(d["subject"])
        n = len(input_roots)
        self._require(n == a["num_inputs"], "input count")
        self._require(node_hash(list(input_roots)) == a["input_root"], "input roots")
        published = r.round_inputs(d["subject"])
        self._require(len(published) == n, "published count")
        self._require(list(input_roots) == published, "unpublished input")
        self._require(cols_root == a["stats_root"], "column root")
        self._new_game(did, list(input_roots), cols_root, a["output_root"], r.block)
        base, per_root = ARBITER_GAS["open_game"]
        excluded = len(r.publishers(a["round"])) - n
        gas = intrinsic_gas((did, 96, cols_root, n, *input_roots)) + base + per_root * n \
            + ARBITER_GAS["open_game:excluded"][0] * excluded
        return Receipt(self.games[did], [("GameOpened", {"dispute_id": did, "num_inputs": n})], gas)

    def settle(self, sender: str, did: int) -> Receipt:
        r, cfg = self.rollup, self.cfg
        d = r.dispute(did)
        self._require(d["kind"] == KIND_ASSERTION, "not an assertion dispute")
        g = self.games.get(did)
        if g is None:
            self._require(r.block > self._opened(d) + cfg.clock_blocks, "clock running")
            defender_wins, path = False, "settle:unopened"
        elif g.winner is None:
            self._require(r.block > g.deadline, "early")
            defender_wins, path = g.turn == CHALLENGER, "settle:timeout"
        else:
            defender_wins, path = g.winner == PROPOSER, "settle:done"
        inner = r.transact(self.address, "resolve", did, defender_wins, internal=True)
        self.last_inner_gas = inner.gas
        if g is not None and g.winner is None:
            g.timeout(r.block)
        total = intrinsic_gas((did,)) + ARBITER_GAS[path][0] + inner.gas
        gas = total - min(inner.refund, total // 5)
        events = [*inner.events, ("Settled", {"dispute_id": did, "defender_wins": defender_wins})]
        return Receipt(None, events, gas)

    def _game_tx(self, did: int, g: DisputeGame, name: str, args: tuple[Any, ...]) -> Receipt:
        gas = game_move_gas(self.cfg, self.inputs[did], g.stage, name)
        self.gas_spent += gas
        self.game_gas += gas
        return Receipt(None, [], gas)

