"""The sequencer: aggregates each round and posts an assertion with bond B_s.

Strategies (``sequencer_strategy``): ``honest`` (never cheats), ``fraudulent`` (always),
``fixed`` (cheats with ``fraud_prob``), ``equilibrium`` (the solver's p* from
:func:`mechanism.economics.inspection.mixed_equilibrium`), ``learning`` (a rule from
:mod:`agents.abm.learning_rules` on realised payoffs / observed verification).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.abm import learning_rules as learning

if TYPE_CHECKING:
    from agents.abm.model import RollupModel


class SequencerAgent(mesa.Agent):
    """Posts assertions; ``shadow`` is its own challenger account (self-challenge)."""

    model: RollupModel

    def __init__(self, model: RollupModel, capital_eth: float) -> None:
        super().__init__(model)
        cfg = model.cfg
        self.strategy = cfg.sequencer_strategy
        self.gains_eth = 0.0
        self.costs_eth = 0.0
        self.locked_wei = 0
        self.address = model.ledger.account(capital_eth)
        self.shadow = model.ledger.account(cfg.challenger_bond_eth * 10)
        self.shadow_locked_wei = 0
        self.initial_wei = model.ledger.holdings_wei(self.address) + model.ledger.holdings_wei(self.shadow)
        self.learner: learning.Learner | None = None
        if self.strategy == "learning":
            spread = cfg.gain_eth + cfg.sequencer_bond_eth + cfg.post_cost_eth
            self.learner = learning.make_learner(
                cfg.learning_rule, rate=cfg.learning_rate, precision_per_eth=cfg.logit_precision_per_eth,
                low_eth=-spread, high_eth=spread)
        self._payoffs = learning.sequencer_payoffs(model.game)
        self.round_start_profit = 0.0

    def fraud_probability(self) -> float:
        if self.strategy == "honest":
            return 0.0
        if self.strategy == "fraudulent":
            return 1.0
        if self.strategy == "fixed":
            return self.model.cfg.fraud_prob
        if self.strategy == "equilibrium":
            return self.model.equilibrium.fraud_prob
        assert self.learner is not None
        return self.learner.probability(self._payoffs)

    def decide(self) -> bool:
        """Cheat this round?"""
        if self.learner is not None:
            return bool(self.learner.choose(self._payoffs, self.model.rng))
        return bool(self.model.rng.random() < self.fraud_probability())

    def learn(self, cheated: bool, payoff_eth: float, verify_share: float) -> None:
        if self.learner is not None:
            self.learner.reward(int(cheated), payoff_eth)
            self.learner.observe(verify_share)

    @property
    def profit_eth(self) -> float:
        return self.model.profit_of(self)
