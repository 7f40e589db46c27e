"""The Mesa model: one step = one L1 block; agents act on events, quiet blocks are free.

Time is the L1 block number. A heap of ``(block, priority, seq, kind, payload)`` events
drives everything: an FL **round** (trainers update, the sequencer posts an assertion
through the rollup state machine, challengers decide to verify), a **challenge** (the
block where a challenge transaction is included after censorship/stuffing), a
**dispute** (both sides bisect, the arbiter rules, the loser is slashed by the
contract), and a **finalise** deadline. :meth:`RollupModel.step` advances one block;
:meth:`RollupModel.run` jumps straight from event to event (Mesa's ``steps`` is kept
equal to the block number), so the cost is per event, not per block.

A reverted assertion makes the sequencer redo the round; the next round starts when the
previous one finalised and at least ``round_blocks`` after it began (the contract
serialises rounds). Data are collected at the end of every round.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field
from typing import Any

import mesa

from agents.abm.adapter import WEI, Ledger, equilibrium, inspection_game, tolerance_for
from agents.abm.adversary import AdversaryAgent
from agents.abm.challenger import ChallengerAgent
from agents.abm.config import ABMConfig
from agents.abm.sequencer import SequencerAgent
from agents.abm.threats import FraudThreats, ThreatSampler, load_threats
from agents.abm.trainer import TrainerAgent
from mechanism.economics.threats.mempool import frontrun_probability
from mechanism.rollup.state import ACTIVE, REVERTED
from mechanism.units import BLOCKS_PER_YEAR

HONEST_ROOT, FRAUD_ROOT = b"\x5a" * 32, b"\xee" * 32


@dataclass
class Pending:
    """Book-keeping of one assertion while it is pending."""

    aid: int
    cheat: bool
    posted: int
    round_start: int
    verifiers: list[ChallengerAgent]
    poisoned: bool
    accuracy: float
    not_before: int = 0
    caught: bool = False
    bribe_eth: float = 0.0
    bribed: list[ChallengerAgent] = field(default_factory=list)
    claim: Any = None  # full mode: the sequencer's agents.protocol.sequencer.Claim, for the real game
    threats: FraudThreats | None = None  # the threat processes this fraud's honest side met


class RollupModel(mesa.Model):
    """Trainers, a sequencer, challengers and an adversary around the rollup contract."""

    def __init__(self, cfg: ABMConfig | None = None, collect: bool = True) -> None:
        cfg = cfg or ABMConfig()
        self.collect = collect  # False: no per-round DataCollector rows (sweeps keep only the summary)
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.block = 0
        self.ledger = Ledger(cfg)
        self.game = inspection_game(cfg)
        self.equilibrium = equilibrium(cfg)
        self.tolerance = tolerance_for(cfg.rule) if cfg.tolerance < 0 else None
        self.beta = self.tolerance.beta if self.tolerance else cfg.tolerance
        self.locked: dict[str, int] = {}
        self._events: list[tuple[int, int, int, str, Any]] = []
        self._seq = 0
        for name in ("assertions", "frauds_attempted", "frauds_caught", "frauds_finalized", "disputes",
                     "griefing_disputes", "verifications", "rounds_finalised", "sybil_poisonings", "games_played"):
            setattr(self, name, 0)
        self.bonds_posted_eth = self.bonds_slashed_eth = self.stuffing_spent_eth = 0.0
        self.trainer_stake_slashed_eth = 0.0
        self.jackpots_paid_eth = self.bribes_paid_eth = 0.0
        self.finality_delays: list[int] = []
        self.accuracy = math.nan
        self.verify_rate_estimate = self.equilibrium.verify_prob
        dispute_years = self.ledger.dispute_blocks() / BLOCKS_PER_YEAR
        #: Value of disputing a fraud one found: alpha B_s - c_d - r B_c t_dispute.
        self.challenge_value_eth = (cfg.reward_share * cfg.sequencer_bond_eth - cfg.dispute_cost_eth
                                    - cfg.interest_rate_per_year * cfg.challenger_bond_eth * dispute_years)
        self.sequencer = SequencerAgent(self, capital_eth=cfg.sequencer_bond_eth * 1e4 + cfg.gain_eth)
        self.challengers = [ChallengerAgent(self, honest=i < cfg.honest_watchers) for i in range(cfg.challengers)]
        self.adversary = AdversaryAgent(self)
        n_mal = cfg.n_malicious
        self.trainers = [TrainerAgent(self, malicious=i < n_mal) for i in range(cfg.trainers)]
        n_sybil = self.adversary.sybil_count(cfg.trainers - n_mal, self.beta, n_mal)
        for _ in range(n_sybil):
            self.trainers.append(TrainerAgent(self, sybil=True))
        self.sybil_cost_eth = self.adversary.pay_sybils(n_sybil)
        for t in self.trainers:
            if not t.sybil:
                t.costs_eth += cfg.registration_cost_eth
        #: f: the sequencer front-runs a challenge it sees (docs/economics.md, 'Threat model: order flow').
        self.frontrun = frontrun_probability(cfg.order_flow)
        self.threats: ThreatSampler | None = None
        if cfg.threat_model:
            self.threats = ThreatSampler(load_threats(cfg.threat_model), cfg.gain_eth, cfg.base_fee_gwei,
                                         cfg.block_gas_limit)
        self.timeouts = 0  # honest disputes lost by timeout (a censored move missed its clock)
        self.self_challenge_reverts = 0  # frauds the sequencer's own (front-running) self-challenge reverted
        self.workload = None
        if cfg.mode == "full":
            from agents.abm.adapter import FullWorkload

            self.workload = FullWorkload(cfg, [t.malicious for t in self.trainers])
        self.datacollector = mesa.DataCollector(
            model_reporters={k: k for k in (
                "block", "assertions", "frauds_attempted", "frauds_caught", "frauds_finalized", "disputes",
                "bonds_posted_eth", "bonds_slashed_eth", "accuracy", "verifications")} | {
                "finality_delay_blocks": lambda m: m.finality_delays[-1] if m.finality_delays else math.nan},
            agenttype_reporters={t: {"profit_eth": "profit_eth"} for t in (
                SequencerAgent, ChallengerAgent, TrainerAgent, AdversaryAgent)},
        )
        self._round_profit: dict[int, float] = {}
        self._schedule(0, 0, "round", None)

    # ------------------------------------------------------------ accounting
    def _addresses(self, agent: Any) -> list[str]:
        return [agent.address, agent.shadow] if isinstance(agent, SequencerAgent) else [agent.address]

    def holdings_wei(self, agent: Any) -> int:
        r = self.ledger.rollup
        return sum(r.wallet(a) + r.balance_of(a) + r.stake_of(a) + self.locked.get(a, 0) for a in self._addresses(agent))

    def profit_of(self, agent: Any) -> float:
        """Ledger change (wei, incl. locked bonds) plus off-ledger gains minus costs, ETH."""
        return (self.holdings_wei(agent) - agent.initial_wei) / WEI + agent.gains_eth - agent.costs_eth

    def _lock(self, address: str, wei: int) -> None:
        self.locked[address] = self.locked.get(address, 0) + wei

    # ------------------------------------------------------------ time
    def _schedule(self, block: int, prio: int, kind: str, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._events, (block, prio, self._seq, kind, payload))

    def _process(self, until: int) -> None:
        """Handle every event at blocks <= ``until`` in (block, priority, arrival) order."""
        ev = self._events
        while ev and ev[0][0] <= until:
            block, _, _, kind, payload = heapq.heappop(ev)
            self.block = block
            self.ledger.at(block)
            getattr(self, "_on_" + kind)(block, payload)

    def step(self) -> None:
        """One L1 block."""
        self._process(self.block)
        self.block += 1
        self.ledger.at(self.block)

    def run(self, blocks: int | None = None) -> dict[str, Any]:
        """Advance ``blocks`` (default ``cfg.blocks``) blocks, event to event; return the summary."""
        end = self.block + (self.cfg.blocks if blocks is None else blocks)
        t0 = time.perf_counter()
        self._process(end - 1)
        self.block = end
        self.steps = end
        seconds = time.perf_counter() - t0
        return self.summary(seconds)

    # ------------------------------------------------------------ events
    def _on_round(self, block: int, _: Any) -> None:
        if block < self.ledger.assertions_open_at():  # the round's publication + trainer-challenge windows
            self._schedule(self.ledger.assertions_open_at(), 0, "round", None)
            return
        cfg, seq = self.cfg, self.sequencer
        if cfg.max_frauds and self.frauds_attempted >= cfg.max_frauds:
            return  # the run's frauds are all posted: no further rounds
        agents: list[Any] = [seq, *self.challengers]
        for agent in agents:
            self._round_profit[agent.unique_id] = self.profit_of(agent)
        poisoned, accuracy = self._train_round()
        cheat = seq.decide()
        roots, claim = {"output_root": FRAUD_ROOT if cheat else HONEST_ROOT}, None
        if self.workload is not None:  # full mode: the protocol sequencer's assertion (real trace or a lie)
            from agents.protocol.sequencer import aggregate

            x = self.workload.encoded_updates()
            claim = aggregate(x, cheat, self.rng, **self.workload.program(len(x)))
            roots = {"output_root": claim.claim.output_root, "input_root": claim.claim.input_root,
                     "stats_root": claim.claim.stats_root}
        aid = self.ledger.post_assertion(seq.address, self.ledger.rollup.counter("next_round"), **roots)
        self._lock(seq.address, self.ledger.params.sequencer_bond_wei)
        seq.costs_eth += cfg.post_cost_eth
        self.assertions += 1
        self.bonds_posted_eth += cfg.sequencer_bond_eth
        verifiers = [c for c in self.rng.permutation(self.challengers) if c.decide()]
        self.verifications += len(verifiers)
        p = Pending(aid, cheat, block, block, verifiers, poisoned, accuracy, block + cfg.challenge_period_blocks,
                    claim=claim)
        if cfg.jackpot_rate > 0 and verifiers and self.rng.random() < cfg.jackpot_rate:
            winner = verifiers[int(self.rng.integers(len(verifiers)))]  # first finder
            winner.gains_eth += cfg.jackpot_eth
            self.jackpots_paid_eth += cfg.jackpot_eth
        deadline = block + cfg.challenge_period_blocks
        if cheat:
            self.frauds_attempted += 1
            stuffed = self.adversary.stuff_window(cfg.challenge_period_blocks - cfg.detect_blocks)
            bribe = self.adversary.bribe_each(len(self.challengers))
            p.bribe_eth = bribe or 0.0
            for c in self.challengers:
                c.bribed = bribe is not None and not c.honest
            p.bribed = [c for c in self.challengers if c.bribed]
            if self.threats is not None:
                p.threats = self.threats.draw(deadline - block - cfg.detect_blocks, cfg.dispute_depth,
                                              cfg.move_clock_blocks, cfg.episode_target, self.rng)
            first = None
            for c in verifiers:
                if not c.will_challenge():
                    continue
                at = None if stuffed else self._inclusion(block + cfg.detect_blocks, deadline, p.threats)
                if at is not None:
                    self._schedule(at, 1, "challenge", (p, c, c.address))
                    first = at if first is None else min(first, at)
            # the sequencer sees the challenge before it lands with probability f and
            # includes its own self-challenge first, by tip (docs/economics.md, 'Threat model: order flow'),
            # unless the honest side is about to lose the game by timeout anyway
            if first is not None and self.frontrun > 0 and self.rng.random() < self.frontrun \
                    and self._honest_moves_in_time(p):
                self._schedule(first, 0, "challenge", (p, seq, seq.shadow))
        elif self.adversary.griefs():
            at = self._inclusion(block + 1, deadline)
            if at is not None:
                self._schedule(at, 1, "challenge", (p, self.adversary, self.adversary.address))
        self._schedule(deadline, 3, "finalise", p)

    def _honest_moves_in_time(self, p: Pending) -> bool:
        """Every honest move of this fraud's game lands within its clock (always without threats)."""
        return p.threats is None or all(d <= self.cfg.move_clock_blocks for d in p.threats.move_delay_blocks)

    def _inclusion(self, earliest: int, deadline: int, threats: FraudThreats | None = None) -> int | None:
        """Block where a challenge sent at ``earliest`` lands: each block censors with prob q,
        or, under a threat model, the landing block the fraud's threats gave
        (:mod:`agents.abm.threats`; every watcher's challenge meets the same proposers)."""
        if threats is not None:
            if not threats.watchers_online:
                return None
            at = earliest + threats.challenge_delay_blocks - 1
        else:
            q = self.cfg.censor_fraction
            at = earliest + (int(self.rng.geometric(1.0 - q)) - 1 if q > 0 else 0)
        return at if at < deadline else None

    def _on_challenge(self, block: int, payload: tuple[Pending, Any, str]) -> None:
        p, agent, address = payload
        did = self.ledger.challenge(address, p.aid)
        if did is None:
            return
        self._lock(address, self.ledger.params.challenger_bond_wei)
        self.disputes += 1
        self.bonds_posted_eth += self.cfg.challenger_bond_eth
        self._schedule(block, 2, "dispute", (p, agent, address, did))

    def _on_dispute(self, block: int, payload: tuple[Pending, Any, str, int]) -> None:
        p, agent, address, did = payload
        cfg, seq, ledger = self.cfg, self.sequencer, self.ledger
        griefing = agent is self.adversary
        defender_right = not p.cheat
        rollup = ledger.rollup
        live = rollup.dispute(did)["status"] == ACTIVE and rollup.subject_live(rollup.dispute(did))
        if p.claim is not None and live:  # full mode: the protocol watcher re-executes and plays the real game
            from agents.protocol.watcher import play_dispute

            outcome = play_dispute(p.claim, self.workload.program(len(p.claim.x)), self.rng,  # type: ignore[union-attr]
                                   None if p.cheat else "random_step")
            defender_right = outcome.defender_wins
            self.games_played += 1
        honest_moves = None
        if p.threats is not None and isinstance(agent, ChallengerAgent):  # censored honest moves vs. their clock
            honest_moves = p.threats.move_delay_blocks
        res = ledger.play_dispute(did, block, defender_right=defender_right,
                                  slow_challenger_blocks=cfg.move_clock_blocks if griefing else 0,
                                  challenger_move_blocks=honest_moves)
        self._lock(address, -ledger.params.challenger_bond_wei)
        if res is None:  # subject gone: cancelled, bond refunded
            ledger.withdraw(address)
            return
        defender_won, end, timed_out = res
        self.timeouts += int(timed_out)
        seq.costs_eth += cfg.dispute_cost_eth
        agent.costs_eth += cfg.dispute_cost_eth
        if defender_won:
            self.bonds_slashed_eth += cfg.challenger_bond_eth
            p.not_before = max(p.not_before, end + 1)
            if griefing:
                self.griefing_disputes += 1
                delay = max(0, end + 1 - (p.posted + cfg.challenge_period_blocks))
                agent.gains_eth += cfg.dispute_cost_eth + cfg.pending_value_eth * cfg.interest_rate_per_year * delay / BLOCKS_PER_YEAR
        else:
            self.bonds_slashed_eth += cfg.sequencer_bond_eth
            self._lock(seq.address, -ledger.params.sequencer_bond_wei)
            if not p.caught:
                p.caught = True
                self.frauds_caught += 1
                self.self_challenge_reverts += int(agent is seq)
            self._end_round(p, finalised=False)
            self._schedule(end + 1, 0, "round", None)
        ledger.withdraw(address)
        ledger.withdraw(seq.address)

    def _on_finalise(self, block: int, p: Pending) -> None:
        if self.ledger.status(p.aid) == REVERTED:
            return
        if block < p.not_before:
            self._schedule(p.not_before, 3, "finalise", p)
            return
        if not self.ledger.finalise(p.aid):
            self._schedule(block + 1, 3, "finalise", p)
            return
        cfg, seq = self.cfg, self.sequencer
        self._lock(seq.address, -self.ledger.params.sequencer_bond_wei)
        self.ledger.withdraw(seq.address)
        self.rounds_finalised += 1
        if p.cheat:
            self.frauds_finalized += 1
            seq.gains_eth += cfg.gain_eth
            if p.bribe_eth > 0:
                for c in p.bribed:
                    c.gains_eth += p.bribe_eth
                    self.adversary.costs_eth += p.bribe_eth
                    self.bribes_paid_eth += p.bribe_eth
        if p.poisoned and cfg.scenario == "sybil" and self.sybil_poisonings == 0:
            self.adversary.gains_eth += cfg.gain_eth
        self.sybil_poisonings += int(p.poisoned)
        if not math.isnan(p.accuracy):
            self.accuracy = p.accuracy
        self.finality_delays.append(block - p.round_start)
        self._end_round(p, finalised=True)
        self._schedule(max(block + 1, p.round_start + cfg.round_blocks), 0, "round", None)

    def _end_round(self, p: Pending, finalised: bool) -> None:
        for c in self.challengers:
            c.bribed = False
        share = len(p.verifiers) / max(1, len(self.challengers))
        self.verify_rate_estimate += 0.05 * (share - self.verify_rate_estimate)
        seq = self.sequencer
        seq.learn(p.cheat, self.profit_of(seq) - self._round_profit[seq.unique_id], share)
        verified = {c.unique_id for c in p.verifiers}
        for c in self.challengers:
            c.learn(c.unique_id in verified, self.profit_of(c) - self._round_profit[c.unique_id], p.cheat)
        self.steps = self.block
        if self.collect:
            self.datacollector.collect(self)

    def _train_round(self) -> tuple[bool, float]:
        """(aggregate poisoned beyond tolerance?, accuracy or NaN in economic mode)."""
        n_bad = sum(t.malicious for t in self.trainers)
        poisoned = n_bad / len(self.trainers) > self.beta if n_bad else False
        if self.workload is None:
            return poisoned, math.nan
        accuracy = self.workload.round()
        if self.cfg.training_proofs:
            poisoned = self._settle_trainer_disputes()
        return poisoned, accuracy

    def _settle_trainer_disputes(self) -> bool:
        """Training proofs (full mode): a trainer that lost its training dispute this round
        loses its stake (booked as a cost of the trainer agent; the ledger's stand-in
        publisher carries the rollup's trainer seat) and publishes no more. Returns whether
        the remaining malicious share still exceeds beta."""
        wl = self.workload
        assert wl is not None
        for i in sorted(wl.slashed):
            t = self.trainers[i]
            if not getattr(t, "slashed", False):
                t.slashed = True
                t.costs_eth += self.cfg.trainer_stake_eth
                self.trainer_stake_slashed_eth += self.cfg.trainer_stake_eth
        active = [t for t in self.trainers if not getattr(t, "slashed", False)]
        n_bad = sum(t.malicious for t in active)
        return bool(active) and n_bad / len(active) > self.beta if n_bad else False

    # ------------------------------------------------------------ results
    def summary(self, seconds: float = math.nan) -> dict[str, Any]:
        out = self._summary(seconds)
        if self.cfg.training_proofs and self.workload is not None:
            wl = self.workload
            out.update(trainer_disputes=len(wl.trainer_disputes),
                       trainer_disputes_won_by_watchers=sum(d.slashed for d in wl.trainer_disputes),
                       trainers_slashed=len(wl.slashed), updates_excluded=wl.updates_excluded,
                       slashed_malicious=sum(self.trainers[i].malicious for i in wl.slashed),
                       slashed_honest=sum(not self.trainers[i].malicious for i in wl.slashed),
                       trainer_stake_slashed_eth=self.trainer_stake_slashed_eth,
                       trainer_dispute_gas_total=sum(d.gas for d in wl.trainer_disputes if d.gas is not None)
                       if self.cfg.training_proofs_evm else None)
        return out

    def _summary(self, seconds: float) -> dict[str, Any]:
        m = self.cfg.challengers
        seq = self.sequencer
        attacker = seq.profit_eth + self.adversary.profit_eth if seq.strategy != "honest" else self.adversary.profit_eth
        return {
            "mode": self.cfg.mode, "seed": self.cfg.seed, "blocks": self.block, "assertions": self.assertions,
            "rounds_finalised": self.rounds_finalised, "frauds_attempted": self.frauds_attempted,
            "frauds_caught": self.frauds_caught, "frauds_finalized": self.frauds_finalized,
            "fraud_rate": self.frauds_attempted / self.assertions if self.assertions else math.nan,
            "verify_rate": self.verifications / (self.assertions * m) if self.assertions else math.nan,
            "equilibrium_fraud_prob": self.equilibrium.fraud_prob,
            "equilibrium_verify_prob": self.equilibrium.verify_prob, "equilibrium_kind": self.equilibrium.kind,
            "disputes": self.disputes, "griefing_disputes": self.griefing_disputes,
            "bonds_posted_eth": self.bonds_posted_eth, "bonds_slashed_eth": self.bonds_slashed_eth,
            "burned_eth": self.ledger.burned_wei / WEI, "jackpots_paid_eth": self.jackpots_paid_eth,
            "bribes_paid_eth": self.bribes_paid_eth, "stuffing_spent_eth": self.stuffing_spent_eth,
            "sequencer_profit_eth": seq.profit_eth,
            "challenger_profit_eth": sum(c.profit_eth for c in self.challengers),
            "trainer_profit_eth": sum(t.profit_eth for t in self.trainers),
            "adversary_profit_eth": self.adversary.profit_eth, "attacker_profit_eth": attacker,
            "sybil_identities": sum(t.sybil for t in self.trainers), "tolerance": self.beta,
            "sybil_cost_eth": self.sybil_cost_eth, "sybil_poisonings": self.sybil_poisonings,
            "finality_delay_mean_blocks": (sum(self.finality_delays) / len(self.finality_delays)
                                           if self.finality_delays else math.nan),
            "accuracy": self.accuracy, "rollup_gas": self.ledger.rollup.gas_spent, "games_played": self.games_played,
            "honest_timeouts": self.timeouts, "self_challenge_reverts": self.self_challenge_reverts,
            "seconds": seconds, "blocks_per_second": self.block / seconds if seconds and seconds > 0 else math.nan,
        }


def run_config(cfg: ABMConfig) -> dict[str, Any]:
    """Build and run one model without per-round data collection; the summary row (used by sweeps)."""
    model = RollupModel(cfg, collect=False)
    return model.run()
