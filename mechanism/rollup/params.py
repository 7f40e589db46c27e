"""Constants, parameters, receipts and the revert error of the rollup (``contracts/Rollup.vy``).

Shared by the Python state machine (:mod:`mechanism.rollup.state`), its gas model
(:mod:`mechanism.rollup.gas`), the EVM driver (:mod:`mechanism.evm.rollup`) and the
on-chain arbiter (:mod:`mechanism.rollup.arbiter`). Numbers mirror the contract's
constants; units are in the names (wei, blocks, basis points).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mechanism.design import Design
from mechanism.errors import OrflError, ParameterError
from mechanism.units import eth_to_wei

BURN = "0x000000000000000000000000000000000000dEaD"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
BPS = 10_000
PENDING, FINALISED, REVERTED = 1, 2, 3
KIND_ASSERTION, KIND_TRAINER = 1, 2
ACTIVE, DEFENDER_WON, CHALLENGER_WON, CANCELLED = 1, 2, 3, 4
#: Trainer-validity predicate ids (Rollup.vy / TrainerValidity.vy constants).
NON_FINITE, SHAPE, NORM, COMMITMENT = 1, 2, 3, 4
PREDICATES = {NON_FINITE: "non-finite encoding", SHAPE: "shape", NORM: "L2 norm bound",
              COMMITMENT: "commitment mismatch"}
MAX_PREDICATE = max(PREDICATES)
#: Updates per round (``Rollup.vy``): the inputs one dispute game accepts
#: (``DisputeGame.vy`` MAX_N), so every publishable round can be defended.
MAX_PUBLISHERS = 64
#: Smallest publication window ``Rollup.vy`` accepts (blocks): no assertion can close a
#: round in the block it opened.
MIN_PUBLICATION_WINDOW_BLOCKS = 2
#: Default publication window: an assertion on round r may be posted no earlier than
#: this many blocks after r opened (round r-1 finalised, or deployment for r = 0).
PUBLICATION_WINDOW_BLOCKS = 4
#: Smallest trainer-challenge window ``Rollup.vy`` accepts (blocks): an update published in
#: the publication window's last block can still be disputed in the block after it.
MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS = 1
#: Default trainer-challenge window: after round r's publication window closes, its updates
#: can be disputed for this many more blocks; an assertion on r is accepted only after it
#: (docs/protocol.md "Publication and trainer-challenge windows"). Against a censor holding
#: a share q of the blocks, an invalid update escapes its dispute with probability q^(T+1).
#: The default is :class:`~mechanism.design.Design`'s (a small economy for tests); ``orfl
#: recommend`` sizes T under the threat model and ``from_design`` carries it.
TRAINER_CHALLENGE_WINDOW_BLOCKS = Design().trainer_challenge_window_blocks

ASSERTION_FIELDS = ("round", "proposer", "bond_wei", "input_root", "output_root", "stats_root",
                    "num_inputs", "posted_block", "status", "open_disputes")
DISPUTE_FIELDS = ("kind", "subject", "trainer", "defender", "challenger", "bond_wei", "predicate",
                  "moves_made", "deadline_block", "position", "commitment", "status")


_DEFAULT = Design()


class RollupRevert(OrflError):
    """A transaction the contract rejects; ``reason`` is the contract's revert string."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RollupParams:
    """Constructor arguments of ``Rollup.vy`` (units in names; wei, blocks, basis points).

    ``dispute_depth`` is the number of bisection levels the rollup itself runs for a
    trainer dispute and, unless ``assertion_depth`` is given, for an assertion dispute.
    ``assertion_depth=0`` is the deployment with an on-chain dispute game as arbiter
    (``contracts/Arbiter.vy``): the whole bisection runs in ``DisputeGame.vy`` and the
    rollup only escrows the bonds and waits at most ``verdict_clock_blocks`` (default:
    ``move_clock_blocks``) after the leaf -- i.e. after opening -- for the verdict.

    Defaults are those of :class:`mechanism.design.Design` (the one home of default
    bonds, period and clocks); :meth:`from_design` converts any design.
    """

    trainer_stake_wei: int = eth_to_wei(_DEFAULT.trainer_stake_eth)
    sequencer_bond_wei: int = eth_to_wei(_DEFAULT.sequencer_bond_eth)
    challenger_bond_wei: int = eth_to_wei(_DEFAULT.challenger_bond_eth)
    reward_share_bps: int = _DEFAULT.reward_share_bps
    challenge_period_blocks: int = _DEFAULT.challenge_period_blocks
    move_clock_blocks: int = _DEFAULT.move_clock_blocks
    dispute_depth: int = _DEFAULT.dispute_depth
    arity: int = _DEFAULT.arity
    assertion_depth: int | None = None
    verdict_clock_blocks: int | None = None
    publication_window_blocks: int = PUBLICATION_WINDOW_BLOCKS
    trainer_challenge_window_blocks: int = TRAINER_CHALLENGE_WINDOW_BLOCKS

    def __post_init__(self) -> None:
        for name in ("trainer_stake_wei", "sequencer_bond_wei", "challenger_bond_wei"):
            if getattr(self, name) <= 0:
                raise ParameterError.bad(name, getattr(self, name), "a positive integer (wei)")
        if not 0 <= self.reward_share_bps <= BPS:
            raise ParameterError.bad("reward_share_bps", self.reward_share_bps, "an integer in [0, 10000]")
        for name in ("challenge_period_blocks", "move_clock_blocks"):
            if getattr(self, name) <= 0:
                raise ParameterError.bad(name, getattr(self, name), "a positive integer (blocks)")
        if self.verdict_clock_blocks is not None and self.verdict_clock_blocks <= 0:
            raise ParameterError.bad("verdict_clock_blocks", self.verdict_clock_blocks, "a positive integer (blocks)")
        for name in ("dispute_depth", "assertion_depth"):
            v = getattr(self, name)
            if v is not None and v < 0:
                raise ParameterError.bad(name, v, "an integer >= 0")
        if self.arity < 2:
            raise ParameterError.bad("arity", self.arity, "an integer >= 2")
        if self.publication_window_blocks < MIN_PUBLICATION_WINDOW_BLOCKS:
            raise ParameterError.bad("publication_window_blocks", self.publication_window_blocks,
                                     f"an integer >= {MIN_PUBLICATION_WINDOW_BLOCKS} (blocks)")
        if self.trainer_challenge_window_blocks < MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS:
            raise ParameterError.bad("trainer_challenge_window_blocks", self.trainer_challenge_window_blocks,
                                     f"an integer >= {MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS} (blocks)")

    @classmethod
    def from_design(cls, design: Design, **overrides: Any) -> RollupParams:
        """Constructor arguments of ``Rollup.vy`` for ``design`` (ETH -> wei, share ->
        basis points); ``overrides`` set deployment fields the design does not fix
        (``assertion_depth``, ``verdict_clock_blocks``, or a ``dispute_depth`` of 0 when
        contracts decide the disputes)."""
        kw: dict[str, Any] = {
            "trainer_stake_wei": eth_to_wei(design.trainer_stake_eth),
            "sequencer_bond_wei": eth_to_wei(design.sequencer_bond_eth),
            "challenger_bond_wei": eth_to_wei(design.challenger_bond_eth),
            "reward_share_bps": design.reward_share_bps,
            "challenge_period_blocks": design.challenge_period_blocks,
            "move_clock_blocks": design.move_clock_blocks,
            "dispute_depth": design.dispute_depth,
            "arity": design.arity,
            "trainer_challenge_window_blocks": design.trainer_challenge_window_blocks,
        }
        kw.update(overrides)
        return cls(**kw)

    @property
    def assertion_delay_blocks(self) -> int:
        """Blocks from a round's opening to the first block an assertion on it is accepted:
        the publication window plus the trainer-challenge window (``Rollup.vy``)."""
        return self.publication_window_blocks + self.trainer_challenge_window_blocks

    @property
    def assertion_levels(self) -> int:
        """Bisection levels the rollup runs for an assertion dispute."""
        return self.dispute_depth if self.assertion_depth is None else self.assertion_depth

    @property
    def verdict_clock(self) -> int:
        """Blocks the arbiter has for its verdict once a dispute is at its leaf."""
        return self.move_clock_blocks if self.verdict_clock_blocks is None else self.verdict_clock_blocks

    def depth_of(self, kind: int) -> int:
        """Bisection levels of a dispute of ``kind`` (KIND_ASSERTION or KIND_TRAINER)."""
        return self.assertion_levels if kind == KIND_ASSERTION else self.dispute_depth

    def constructor_args(self) -> tuple[int, ...]:
        """Arguments of ``Rollup.vy``'s constructor, in order, before the arbiter."""
        return (self.trainer_stake_wei, self.sequencer_bond_wei, self.challenger_bond_wei,
                self.reward_share_bps, self.challenge_period_blocks, self.move_clock_blocks,
                self.dispute_depth, self.assertion_levels, self.verdict_clock, self.arity,
                self.publication_window_blocks, self.trainer_challenge_window_blocks)


Event = tuple[str, dict[str, Any]]


@dataclass
class Receipt:
    """Outcome of one transaction: return value, events, gas charged (after refund).

    For an internal call (one contract calling another, :meth:`RollupState.transact` with
    ``internal=True``) ``gas`` is the execution gas only and ``refund`` the storage refund
    the enclosing transaction applies (EIP-3529)."""

    value: Any
    events: list[Event]
    gas: int
    refund: int = 0
