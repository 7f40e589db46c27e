"""The deployed contracts of one run and the round data the trainers publish.

:class:`Deployment` holds the rollup (``Rollup.vy`` or its Python mirror
:class:`mechanism.rollup.state.RollupState`), the arbiter of assertion disputes
(``Arbiter.vy`` + ``DisputeGame.vy``, or :class:`mechanism.rollup.arbiter.ArbiterModel`)
and the trainer-validity contract (``TrainerValidity.vy``, or
:class:`mechanism.rollup.trainer_validity.ValidityModel`). Both kinds of dispute are
decided by contracts, so the rollup runs no bisection itself (``dispute_depth`` and
``assertion_depth`` 0); its verdict clock covers the longer of the two games.

It also holds the data-availability side of a round: every update a trainer published
(in int64 fixed point), which the sequencer aggregates and the watcher checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.protocol.config import ProtocolConfig
from mechanism.design import Design
from mechanism.rollup.params import RollupParams
from mechanism.units import eth_to_wei


@dataclass
class Deployment:
    """Contracts, parameters and published round data of one protocol run."""

    design: Design
    cfg: ProtocolConfig
    params: RollupParams
    rollup: Any
    arbiter: Any
    validity: Any
    game_cfg: Any
    validity_cfg: Any
    #: round -> trainer -> the int64 update it published (data availability)
    data: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    _violations: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def deploy(cls, design: Design, cfg: ProtocolConfig) -> Deployment:
        from mechanism.rollup.arbiter import ARBITER_ADDRESS, ArbiterModel
        from mechanism.rollup.state import RollupState
        from mechanism.rollup.trainer_validity import VALIDITY_ADDRESS, ValidityModel

        gcfg, vcfg = cfg.game_config(design), cfg.validity_config(design)
        params = RollupParams.from_design(
            design, dispute_depth=0, assertion_depth=0, arity=cfg.arity_for(design),
            verdict_clock_blocks=max(gcfg.verdict_clock_blocks, vcfg.verdict_clock_blocks))
        if cfg.evm:
            from mechanism.evm.arbiter import ArbiterEVM

            arb: Any = ArbiterEVM(params, gcfg, validity=vcfg)
            impl, val = arb.rollup, arb.validity
        else:
            impl = RollupState(params, arbiter=ARBITER_ADDRESS, validity=VALIDITY_ADDRESS)
            arb = ArbiterModel(impl, gcfg)
            val = ValidityModel(impl, vcfg)
        return cls(design, cfg, params, impl, arb, val, gcfg, vcfg)

    def new_account(self) -> str:
        """A funded party (``cfg.funding_eth``)."""
        return str(self.rollup.new_account(eth_to_wei(self.cfg.funding_eth)))

    # ------------------------------------------------------------ published data
    def update_of(self, trainer: str, rnd: int) -> np.ndarray:
        return self.data[rnd][trainer]

    def violation(self, trainer: str, rnd: int) -> int:
        """First validity predicate the published update breaks (0: valid); what anyone
        holding the data computes, cached per (round, trainer)."""
        key = (rnd, trainer)
        if key not in self._violations:
            from mechanism.commitment import commit
            from mechanism.rollup.disputes import trainer_violation

            c = self.cfg
            upd = self.data[rnd][trainer]
            arity = c.arity_for(self.design)
            self._violations[key] = trainer_violation(upd, commit(upd, c.chunk_size, arity).root, c.update_dim,
                                                      c.norm_bound_fixed, c.chunk_size, arity)
        return self._violations[key]

    def round_inputs(self, rnd: int) -> list[str]:
        """The round's inputs: published updates in order of publication, none proven invalid."""
        r = self.rollup
        return [t for t in r.publishers(rnd) if not r.invalid_from(t, rnd)]

    def validity_move(self, did: int, block: int) -> tuple[str, str, tuple[Any, ...]] | None:
        """The next transaction due in trainer dispute ``did`` (the trainer's defence or
        the watcher's proof), or None while nobody has a move."""
        from mechanism.rollup.trainer_validity import next_move

        d = self.rollup.dispute(did)
        rnd, trainer = d["subject"], d["trainer"]
        upd = self.update_of(trainer, rnd)
        return next_move(self.validity, did, upd, upd, self.violation(trainer, rnd) == 0, block)
