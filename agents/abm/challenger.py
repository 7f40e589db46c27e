"""Challengers: verify an assertion at cost c_v, post bond B_c, dispute, win alpha B_s.

Strategies (``challenger_strategy``): ``always`` (v = 1), ``lazy`` (the rate that is
rational if nobody ever cheats: only forced-error jackpots pay, ECONOMICS.md §3),
``fixed`` (``verify_prob``), ``equilibrium`` (v* of the symmetric inspection game),
``learning`` (:mod:`agents.abm.learning_rules`). A challenger that found fraud challenges only if
it has the capital for the bond and the challenge pays:
``alpha B_s - c_d - r B_c t_dispute > 0`` (:func:`mechanism.economics.payoffs.honest_challenge_profit_eth`),
and it is not bribed. An **honest watcher** (the first ``honest_watchers`` challengers: the
threat model's watchers, docs/economics.md 'Threat model: availability') verifies every
assertion and challenges every fraud it finds, whatever the reward or a bribe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.abm import learning_rules as learning
from agents.abm.adapter import lazy_verify_prob

if TYPE_CHECKING:
    from agents.abm.model import RollupModel


class ChallengerAgent(mesa.Agent):
    """One independent potential challenger (capital ``challenger_capital_eth``)."""

    model: RollupModel

    def __init__(self, model: RollupModel, honest: bool = False) -> None:
        super().__init__(model)
        cfg = model.cfg
        self.honest = honest
        self.strategy = "always" if honest else cfg.challenger_strategy
        self.gains_eth = 0.0
        self.costs_eth = 0.0
        self.locked_wei = 0
        self.verifications = 0
        self.bribed = False
        self.address = model.ledger.account(cfg.challenger_capital_eth)
        self.initial_wei = model.ledger.holdings_wei(self.address)
        self.learner: learning.Learner | None = None
        if self.strategy == "learning":
            spread = cfg.reward_share * cfg.sequencer_bond_eth + cfg.dispute_cost_eth + cfg.verify_cost_eth + cfg.jackpot_eth
            self.learner = learning.make_learner(
                cfg.learning_rule, rate=cfg.learning_rate, precision_per_eth=cfg.logit_precision_per_eth,
                low_eth=-spread, high_eth=spread)
        self._lazy = lazy_verify_prob(cfg) if self.strategy == "lazy" else 0.0

    def verify_probability(self) -> float:
        if self.strategy == "always":
            return 1.0
        if self.strategy == "lazy":
            return self._lazy
        if self.strategy == "fixed":
            return self.model.cfg.verify_prob
        if self.strategy == "equilibrium":
            return self.model.equilibrium.verify_prob
        assert self.learner is not None
        return self.learner.probability(learning.challenger_payoffs(self.model.game, self.model.verify_rate_estimate))

    def decide(self) -> bool:
        """Verify this assertion? (pays c_v if so)."""
        if self.learner is not None:
            v = bool(self.learner.choose(learning.challenger_payoffs(self.model.game, self.model.verify_rate_estimate),
                                         self.model.rng))
        else:
            v = bool(self.model.rng.random() < self.verify_probability())
        if v:
            self.verifications += 1
            self.costs_eth += self.model.cfg.verify_cost_eth
        return v

    def will_challenge(self) -> bool:
        """Found a fraud: challenge iff the bond is affordable and, for a rational challenger,
        it pays and it is not bribed (an honest watcher challenges regardless)."""
        affordable = self.model.ledger.can_pay(self.address, self.model.ledger.params.challenger_bond_wei)
        return affordable and (self.honest or (not self.bribed and self.model.challenge_value_eth > 0))

    def learn(self, verified: bool, payoff_eth: float, cheated: bool) -> None:
        if self.learner is not None:
            self.learner.reward(int(verified), payoff_eth)
            self.learner.observe(float(cheated))

    @property
    def profit_eth(self) -> float:
        return self.model.profit_of(self)
