"""Trainer agents: stake, then one update per FL round.

In ``economic`` mode a trainer's update quality comes from the measured malicious
device tolerance (``agents/fl/tolerance.py``): the round's aggregate is poisoned iff the
malicious share of registered identities exceeds beta (ECONOMICS.md §5); in ``full``
mode :class:`agents.workload.FullWorkload` trains every trainer for real and the
malicious ones apply the configured attack (``agents/fl/poisoning.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from agents.abm.model import RollupModel


class TrainerAgent(mesa.Agent):
    """A registered trainer (stake ``trainer_stake_eth``); ``sybil`` marks adversary identities."""

    model: RollupModel

    def __init__(self, model: RollupModel, malicious: bool = False, sybil: bool = False) -> None:
        super().__init__(model)
        self.malicious = malicious or sybil
        self.sybil = sybil
        self.gains_eth = 0.0
        self.costs_eth = 0.0
        self.locked_wei = 0
        ledger = model.ledger
        self.address = ledger.account(model.cfg.trainer_stake_eth + 1.0)
        self.initial_wei = ledger.holdings_wei(self.address)
        ledger.register_trainer(self.address)

    @property
    def profit_eth(self) -> float:
        return self.model.profit_of(self)
