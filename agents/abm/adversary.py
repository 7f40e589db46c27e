"""The adversary: censors, stuffs blocks, bribes challengers, grief-challenges, or
registers Sybil trainers -- one ``scenario`` per run (``agents.abm.config.SCENARIOS``).

* ``censorship``: a fraction q of proposers drop challenge transactions (Felten's
  ``q**T'``, ECONOMICS.md §1); the sequencer cheats.
* ``stuffing``: fills every block of the challenge window if the exact EIP-1559 cost
  (:func:`agents.abm.adapter.stuffing_cost_eth`) is below the gain G.
* ``bribing``: offers every challenger what a defector would earn,
  ``(1 - Q)(alpha B_s - c_d - r B_c t_d) - c_v`` (:func:`mechanism.economics.payoffs.bribe_needed_eth`),
  paid only if the fraud finalises, when ``m`` bribes cost less than G.
* ``griefing``: challenges honest assertions (rate ``griefing_rate``) and plays slowly;
  values the harm it does, ``c_d + V r t_delay`` (ECONOMICS.md §4).
* ``sybil``: registers ``sybil_identities`` trainers (or, when 0, just enough that they and
  the malicious trainers it already controls exceed beta) and poisons inside the
  validity predicate; gains G once the aggregate is poisoned and pays the burned
  registration fee plus the stake's capital cost, ``k (c_reg + S_t r t_lock)`` (ECONOMICS.md §5).
* ``self_challenge`` / ``plain_fraud`` / ``lazy_challengers`` involve only the sequencer
  and challengers' strategies (set by :func:`scenario_overrides`); ``self_challenge`` is a
  fraud with a public mempool (``order_flow``), where the sequencer sees the first challenge
  and includes its own self-challenge ahead of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from agents.abm.adapter import effective_censor_prob, stuffing_cost_eth
from mechanism.economics.bounds import sybil_identities_needed
from mechanism.economics.threats.mempool import defector_reward_eth
from mechanism.units import BLOCKS_PER_YEAR

if TYPE_CHECKING:
    from agents.abm.model import RollupModel


def scenario_overrides(scenario: str) -> dict[str, Any]:
    """Strategy settings that define each attack scenario of the validation."""
    fraud = {"sequencer_strategy": "fraudulent"}
    # the sequencer front-runs a challenge it sees with its own self-challenge: a public mempool
    self_challenge = {**fraud, "order_flow": "public"}
    table: dict[str, dict[str, Any]] = {
        "none": {}, "plain_fraud": fraud, "self_challenge": self_challenge, "censorship": fraud, "stuffing": fraud,
        "bribing": fraud, "griefing": {"sequencer_strategy": "honest"}, "sybil": {"sequencer_strategy": "honest"},
        "lazy_challengers": {**fraud, "challenger_strategy": "lazy"},
    }
    return {"scenario": scenario, **table[scenario]}


class AdversaryAgent(mesa.Agent):
    """External attacker; its profit is what the scenario is about."""

    model: RollupModel

    def __init__(self, model: RollupModel) -> None:
        super().__init__(model)
        self.scenario = model.cfg.scenario
        self.gains_eth = 0.0
        self.costs_eth = 0.0
        self.locked_wei = 0
        capital = model.cfg.challenger_capital_eth if self.scenario == "griefing" else 0.0
        self.address = model.ledger.account(capital)
        self.initial_wei = model.ledger.holdings_wei(self.address)
        self.sybils = 0

    def sybil_count(self, honest: int, beta: float, controlled: int = 0) -> int:
        """Identities to register: configured, or the fewest exceeding beta."""
        if self.scenario != "sybil":
            return 0
        k = self.model.cfg.sybil_identities
        return k if k > 0 else int(sybil_identities_needed(beta, honest, controlled))

    def pay_sybils(self, k: int) -> float:
        """Charge the registration fee and the stake's capital cost over the lock-up."""
        cfg = self.model.cfg
        lock_years = cfg.trainer_lock_blocks / BLOCKS_PER_YEAR
        cost = k * (cfg.registration_cost_eth + cfg.trainer_stake_eth * cfg.interest_rate_per_year * lock_years)
        self.costs_eth += cost
        return cost

    def stuff_window(self, window_blocks: int) -> bool:
        """Stuff the whole challenge window if that costs less than the gain."""
        if self.scenario != "stuffing":
            return False
        cfg = self.model.cfg
        cost = stuffing_cost_eth(window_blocks, cfg.base_fee_gwei, cfg.block_gas_limit)
        if cost >= cfg.gain_eth:
            return False
        self.costs_eth += cost
        self.model.stuffing_spent_eth += cost
        return True

    def bribe_each(self, challengers: int) -> float | None:
        """Bribe per challenger (None: no bribe), paid if the fraud finalises.

        A defector earns ``(1 - f)`` of the challenge's value (it is front-run with
        probability f, :func:`mechanism.economics.threats.mempool.defector_reward_eth`), so
        the bribe covers ``(1 - Q)(1 - f)(alpha B_s - c_d - r B_c t_d) - c_v``; with a public
        mempool (f = 1) a bribe of nothing keeps a rational challenger quiet."""
        if self.scenario != "bribing":
            return None
        cfg, model = self.model.cfg, self.model
        capital = cfg.reward_share * cfg.sequencer_bond_eth - cfg.dispute_cost_eth - model.challenge_value_eth
        defector = float(defector_reward_eth(cfg.reward_share * cfg.sequencer_bond_eth, cfg.dispute_cost_eth,
                                             capital, model.frontrun))
        value = max((1.0 - effective_censor_prob(cfg)) * defector - cfg.verify_cost_eth, 0.0)
        if value <= 0 and model.frontrun == 0:
            return None  # nothing to buy: a rational challenger does not challenge anyway
        return value if challengers * value < cfg.gain_eth else None

    def griefs(self) -> bool:
        return self.scenario == "griefing" and bool(self.model.rng.random() < self.model.cfg.griefing_rate)

    @property
    def profit_eth(self) -> float:
        return self.model.profit_of(self)
