"""The run: steps the L1 (:class:`mechanism.chain.Chain`) and routes included transactions.

Every block, the included protocol transactions are executed by the party that sent them
(:meth:`agents.protocol.actor.Actor.perform`: a rollup call, an arbiter or game move, a
``TrainerValidity`` move), their events are counted and handed to the parties that
react to them; then each party decides what to send next: the trainers publish when a
round opens, the watcher checks updates and assertions, the sequencer posts and
finalises, and whoever is due moves in each open dispute. Once ``rounds`` rounds are
final the trainers exit and everyone withdraws; the run ends when nothing is owed.

``gas_spent`` = rollup transactions + ``dispute_gas`` (open, game moves and settle of
assertion games; every transaction of the trainer-validity games, also reported alone as
``validity_gas``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from agents.protocol.actor import Actor, Outbox
from agents.protocol.config import ProtocolConfig, budget_blocks
from agents.protocol.deployment import Deployment
from agents.protocol.sequencer import Sequencer
from agents.protocol.trainer import Trainer, pick_invalid
from agents.protocol.updates import UpdateProvider, synthetic_updates
from agents.protocol.watcher import Watcher
from mechanism.design import Design
from mechanism.units import blocks_to_hours

EventSink = Callable[[int, str, str], None]

STAT_KEYS = ("frauds_attempted", "frauds_caught", "frauds_finalized", "trainer_frauds", "trainers_slashed",
             "rounds_finalised", "reverted_txs", "bonds_moved_wei", "burned_wei", "games_played",
             "one_step_verdicts", "trainer_verdicts", "trainer_proofs")


class ProtocolRun:
    """One run: the deployment, the chain, the parties and the counters."""

    def __init__(self, design: Design, cfg: ProtocolConfig, updates: UpdateProvider | None = None,
                 on_event: EventSink | None = None) -> None:
        from mechanism.chain import Chain

        self.design, self.cfg, self.on_event = design, cfg, on_event
        self.updates = updates or synthetic_updates(cfg.seed, cfg.update_dim)
        self.rng = np.random.default_rng(cfg.seed)
        self.dep = Deployment.deploy(design, cfg)
        self.chain = Chain(seed=cfg.seed, censor_fraction=cfg.censor_fraction)
        self.outbox = Outbox(self.chain, self.dep)
        self.sequencer = Sequencer(self.dep, self.outbox, cfg.malicious_sequencer, self.rng)
        self.watcher = Watcher(self.dep, self.outbox)
        self.trainers = [Trainer(self.dep, self.outbox) for _ in range(cfg.trainers)]
        self.parties: list[Actor] = [self.sequencer, self.watcher, *self.trainers]
        self.by_address = {p.address: p for p in self.parties}
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self.invalid: dict[int, str] = {}  # round -> trainer that published an invalid update
        self.finality: list[int] = []
        self.round = 0
        self.ledger_ok = True
        self.completed = False  # every round final and every account withdrawn
        self.started = False

    # ------------------------------------------------------------ events
    def _emit(self, block: int, name: str, text: str) -> None:
        if self.on_event:
            self.on_event(block, name, text)

    def _handle(self, block: int, name: str, ev: dict[str, Any]) -> None:
        from mechanism.rollup.params import KIND_ASSERTION, KIND_TRAINER

        r, st = self.dep.rollup, self.stats
        self._emit(block, name, ", ".join(f"{k}={v.hex()[:8] if isinstance(v, bytes) else v}" for k, v in ev.items()))
        if name == "AssertionPosted":
            self.sequencer.on_posted(ev["assertion_id"])
        elif name == "Challenged" and ev["kind"] == KIND_ASSERTION:
            self.sequencer.on_challenged(ev["dispute_id"], ev["subject"])
            self.watcher.on_challenged(ev["dispute_id"], ev["subject"])
        elif name == "GameOpened":
            st["games_played"] += 1
        elif name == "Settled":
            g = self.dep.arbiter.game(ev["dispute_id"])
            st["one_step_verdicts"] += int(g is not None and g.reason.startswith("one-step"))
        elif name == "Verdict":
            st["trainer_verdicts"] += 1
            st["trainer_proofs"] += int(not ev["defender_wins"])
        elif name == "DisputeResolved":
            st["bonds_moved_wei"] += ev["reward_wei"] + ev["burned_wei"]
            st["burned_wei"] += ev["burned_wei"]
            d = r.dispute(ev["dispute_id"])
            if d["kind"] == KIND_TRAINER and ev["winner"] == d["challenger"]:
                st["trainers_slashed"] += 1
        elif name == "AssertionReverted":
            st["frauds_caught"] += 1
            self.sequencer.on_reverted()
        elif name == "AssertionFinalised":
            st["frauds_finalized"] += int(self.sequencer.claims[ev["assertion_id"]].wrong)
            st["rounds_finalised"] += 1
            self.finality.append(block - r.assertion(ev["assertion_id"])["posted_block"])
            self.round += 1
            self.sequencer.on_finalised()

    def _include(self, block: Any) -> None:
        from mechanism.rollup.params import RollupRevert

        for t in block.txs:
            key, value, tag = t.payload
            self.outbox.included(key, tag)
            try:
                events = self.by_address[key[0]].perform(key[1], key[2:], value, block.number)
                self.outbox.executed(key, tag)
            except RollupRevert as exc:
                self.stats["reverted_txs"] += 1
                self._emit(block.number, "revert", f"{key[1]} by {key[0][:8]}: {exc.reason}")
                continue
            self.ledger_ok = self.ledger_ok and self.dep.rollup.ledger_ok()
            for name, ev in events:
                self._handle(block.number, name, ev)

    # ------------------------------------------------------------ decisions
    def _open_round(self, rnd: int) -> None:
        """Every staked trainer publishes its update; one is scheduled to be invalid."""
        x = self.updates(rnd, self.cfg.trainers)
        alive = [t for t in self.trainers if t.staked]
        bad = pick_invalid(rnd, alive, self.rng)
        if bad is not None:
            self.invalid[rnd] = bad.address
            self.stats["trainer_frauds"] += 1
        self.dep.data[rnd] = {}
        for i, t in enumerate(self.trainers):
            if t.staked:
                t.publish(rnd, x[i], invalid=t is bad)

    def _disputes(self, n: int) -> None:
        """Whoever is due moves in each open dispute (or sends its timeout)."""
        from mechanism.rollup.params import ACTIVE, KIND_ASSERTION

        r, arb, seq, w = self.dep.rollup, self.dep.arbiter, self.sequencer, self.watcher
        for did in range(1, r.counter("dispute_count") + 1):
            d = r.dispute(did)
            if d["status"] != ACTIVE:
                continue
            if n > d["deadline_block"]:
                (w if d["challenger"] == w.address else seq).send("timeout", did)
                continue
            if d["kind"] == KIND_ASSERTION:
                g = arb.game(did)
                opened = d["deadline_block"] - self.dep.params.verdict_clock
                if g is None and n <= opened + self.design.move_clock_blocks:
                    seq.send("open_game", did)
                elif g is not None and g.winner is None and n <= g.deadline:
                    mover = d["defender"] if g.turn == "proposer" else d["challenger"]
                    self.by_address[mover].send("game_act", did, censor=True, tag=len(g.attempts))
                elif g is None or g.winner is not None or n > g.deadline:
                    won = g is None or (g.winner or ("proposer" if g.turn == "challenger" else "challenger")) \
                        == "challenger"
                    self.by_address[d["challenger"] if won else d["defender"]].send("settle", did, censor=won)
                continue
            m = self.dep.validity_move(did, n)  # trainer dispute: the TrainerValidity game
            if m is not None:
                g = self.dep.validity.game(did)
                self.by_address[m[0]].send("validity", did, m[1], censor=True, tag=(g["phase"], g["level"]))

    def _wind_down(self, n: int) -> bool:
        """After the last round: trainers exit, everyone withdraws; True when all is paid out."""
        owed = [p for p in self.parties if self.dep.rollup.balance_of(p.address) > 0]
        staked = [t for t in self.trainers if t.staked]
        if not owed and not staked and not self.chain.mempool:
            return True
        for t in staked:
            t.exit(n)
        for p in owed:
            p.withdraw()
        return False

    def step(self) -> bool:
        """Mine one block and let every party act; True when the run is over."""
        self.start()
        block = self.chain.step()
        self.dep.rollup.block = block.number
        self._include(block)
        n = block.number + 1
        if self.stats["rounds_finalised"] >= self.cfg.rounds:
            return self._wind_down(n)
        rnd = self.round
        if rnd not in self.dep.data:
            self._open_round(rnd)
        self.watcher.check_updates(rnd, self.trainers, n)
        self.sequencer.propose(rnd, self.trainers, n)
        seq = self.sequencer
        if seq.posted and seq.aid in seq.claims:
            self.watcher.check_assertion(seq.aid, n)
            seq.finalise_due(n)
        self._disputes(n)
        return False

    def start(self) -> None:
        """The trainers send their registrations (once)."""
        if not self.started:
            self.started = True
            for t in self.trainers:
                t.register()

    def run(self) -> dict[str, Any]:
        """Run until ``rounds`` rounds are final and all funds withdrawn; the summary."""
        self.start()
        limit = self.cfg.max_blocks if self.cfg.max_blocks is not None else budget_blocks(self.design, self.cfg.rounds)
        while self.chain.number < limit:
            if self.step():
                self.completed = True
                break
        return self.summary()

    # ------------------------------------------------------------ results
    def summary(self) -> dict[str, Any]:
        dep, cfg = self.dep, self.cfg
        r, arb, val = dep.rollup, dep.arbiter, dep.validity
        final = {p.address: p.wallet_wei for p in self.parties}
        honest = [self.watcher, *self.trainers] + ([] if cfg.malicious_sequencer else [self.sequencer])
        honest_ok = all(final[p.address] >= p.initial_wei for p in honest
                        if p.address not in set(self.invalid.values()))
        # funds are conserved inside the ledger at every step; once the run completed,
        # every wei has also left the contract (nothing stuck)
        ledger_ok = self.ledger_ok and r.ledger_ok() and (r.eth_wei == 0 or not self.completed)
        delay = float(np.mean(self.finality)) if self.finality else float("nan")
        self.stats["frauds_attempted"] = self.sequencer.frauds_attempted
        return {
            **self.stats, "rounds": cfg.rounds, "trainers": cfg.trainers,
            "malicious_sequencer": cfg.malicious_sequencer, "censor_fraction": cfg.censor_fraction,
            "challenge_period_blocks": self.design.challenge_period_blocks,
            "backend": "evm" if cfg.evm else "sim", "seed": cfg.seed, "blocks": self.chain.number - 1,
            "gas_spent": r.gas_spent + arb.gas_spent + val.gas_spent, "rollup_gas": r.gas_spent,
            "dispute_gas": arb.gas_spent + val.gas_spent, "validity_gas": val.gas_spent,
            "update_dim": cfg.update_dim, "aggregation_rule": cfg.rule,
            "finality_delay_blocks": delay, "finality_delay_hours": float(blocks_to_hours(delay)),
            "completed": self.completed, "honest_parties_whole": honest_ok, "conservation_ok": bool(ledger_ok),
            "sequencer_net_wei": final[self.sequencer.address] - self.sequencer.initial_wei,
            "watcher_net_wei": final[self.watcher.address] - self.watcher.initial_wei,
        }


def run_protocol(design: Design, cfg: ProtocolConfig, updates: UpdateProvider | None = None,
                 on_event: EventSink | None = None) -> dict[str, Any]:
    """Run the protocol with ``design``'s money, clocks and period; the summary."""
    return ProtocolRun(design, cfg, updates, on_event).run()
