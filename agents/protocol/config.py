"""What one protocol run needs beyond the :class:`~mechanism.design.Design`.

Money, clocks, period and dispute arity come from the design (through
:meth:`mechanism.rollup.params.RollupParams.from_design`); this frozen config holds the
size of the run, the shape of the updates, the aggregation program, the validity bound,
the transaction pricing and the parties' funding. Units are in the names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mechanism.design import Design
from mechanism.errors import ParameterError
from mechanism.rollup.params import MAX_PUBLISHERS
from mechanism.units import TX_INTRINSIC_GAS


@dataclass(frozen=True)
class ProtocolConfig:
    """One run of :func:`agents.protocol.run.run_protocol`.

    * ``rounds`` to finalise, ``trainers`` registered, ``max_blocks`` of L1 at most;
    * ``update_dim`` coordinates per update, ``chunk_size`` coordinates per commitment
      leaf, ``arity`` of the commitment trees and of the bisection (``None``: the
      design's), ``rule`` / ``trim_bps`` of the aggregation program the arbiter verifies;
    * ``norm_bound_fixed``: L2-norm bound of a valid update in fixed point
      (``2**24`` = 16.0 at 20 fractional bits);
    * ``tx_gas_limit``, ``max_fee_gwei``, ``priority_fee_gwei``: every protocol transaction;
    * ``funding_eth``: each party's starting wallet;
    * ``malicious_sequencer``, ``censor_fraction`` q (share of proposers censoring the
      watcher), ``evm`` (the Vyper contracts in titanoboa instead of their Python
      mirrors), ``seed``.
    """

    rounds: int = 5
    trainers: int = 20
    update_dim: int = 64
    chunk_size: int = 8
    arity: int | None = None
    rule: str = "trimmed_mean"
    trim_bps: int = 1_000
    norm_bound_fixed: int = 1 << 24
    tx_gas_limit: int = 200_000
    max_fee_gwei: float = 1_000.0
    priority_fee_gwei: float = 2.0
    funding_eth: float = 10_000.0
    max_blocks: int | None = None  # None: budget_blocks(design, rounds)
    malicious_sequencer: bool = False
    censor_fraction: float = 0.0
    evm: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name, low in (("rounds", 1), ("update_dim", 1), ("chunk_size", 1), ("norm_bound_fixed", 1),
                          ("tx_gas_limit", TX_INTRINSIC_GAS), ("seed", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ParameterError.bad(name, v, f"an integer >= {low}")
        if self.max_blocks is not None and (isinstance(self.max_blocks, bool) or not isinstance(self.max_blocks, int)
                                            or self.max_blocks < 1):
            raise ParameterError.bad("max_blocks", self.max_blocks, "an integer >= 1, or None for the design's budget")
        if not 1 <= self.trainers <= MAX_PUBLISHERS:
            raise ParameterError.bad("trainers", self.trainers, f"an integer in [1, {MAX_PUBLISHERS}]")
        if self.arity is not None and self.arity < 2:
            raise ParameterError.bad("arity", self.arity, "an integer >= 2, or None for the design's")
        if not 0.0 <= self.censor_fraction < 1.0:
            raise ParameterError.bad("censor_fraction", self.censor_fraction, "a number in [0, 1)")
        for name in ("max_fee_gwei", "priority_fee_gwei", "funding_eth"):
            if not getattr(self, name) > 0:
                raise ParameterError.bad(name, getattr(self, name), "a positive number")

    def arity_for(self, design: Design) -> int:
        return design.arity if self.arity is None else self.arity

    def game_config(self, design: Design) -> Any:
        """The aggregation program of the arbiter's games (``Arbiter.vy``'s immutables)."""
        from mechanism.rollup.arbiter import GameConfig

        return GameConfig(dim=self.update_dim, chunk=self.chunk_size, arity=self.arity_for(design), rule=self.rule,
                          trim_bps=self.trim_bps, clock_blocks=design.move_clock_blocks)

    def validity_config(self, design: Design) -> Any:
        """The validity predicates ``TrainerValidity.vy`` checks."""
        from mechanism.rollup.predicates import ValidityConfig

        return ValidityConfig(d=self.update_dim, chunk=self.chunk_size, arity=self.arity_for(design),
                              norm_bound=self.norm_bound_fixed, clock_blocks=design.move_clock_blocks)


def budget_blocks(design: Design, rounds: int) -> int:
    """L1 blocks a run of ``rounds`` rounds may take at ``design``: twice, per round, the
    period, the longest dispute, the round, the detection time and the publication and
    trainer-challenge windows (the liveness bound of docs/protocol.md with one reverted
    assertion per round), plus 1,000 blocks to wind down and withdraw."""
    from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS

    per_round = (design.challenge_period_blocks + design.dispute_blocks + design.round_blocks + design.detect_blocks
                 + PUBLICATION_WINDOW_BLOCKS + design.trainer_challenge_window_blocks)
    return 2 * rounds * per_round + 1_000
