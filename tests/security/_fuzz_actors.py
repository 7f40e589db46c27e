"""Actors and the paired chain of the adversarial protocol fuzzer (test_protocol_fuzz.py).

:class:`World` runs Rollup.vy + Arbiter.vy + DisputeGame.vy + TrainerValidity.vy in the
EVM and their Python mirrors side by side (:class:`mechanism.evm.arbiter.PairedArbiter`):
every transaction goes to both and must have the same outcome (revert reason, or return
value and events); a divergence is recorded in :attr:`World.mismatches`.

Honest actors (they act at every block, :meth:`World.honest_round`):

* honest trainers publish a valid update as soon as a round opens (inside its
  publication window), defend every norm dispute against them with their true sum tree
  and settle their disputes;
* the honest sequencer posts the correct assertion over the round's inputs as it sees
  them at the start of the block, as soon as the contract lets it (publication and
  trainer-challenge windows over, no trainer dispute of the round open) and defends it
  in every game;
* the honest watcher proves every invalid update of the open round (inside the
  trainer-challenge window), re-executes every
  pending assertion and challenges every wrong one within the challenge period, plays
  its games honestly, settles every dispute whose clock ran out, cancels its disputes
  whose subject is gone, and finalises what can be finalised.

Honest transactions of a block are prepared from the state at the start of the block
(:meth:`World.honest_plan`); the attacker may put its own transactions before them in
the same block (front-running) or after them.

The DA layer is modelled honestly: a trainer chooses the bytes it publishes and its update
root, the data root is the DA commitment of those bytes (``predicates.data_commit``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import commit, node_hash
from mechanism.errors import DisputeError
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.arbiter import GameConfig
from mechanism.rollup.params import (
    ACTIVE,
    CANCELLED,
    CHALLENGER_WON,
    DEFENDER_WON,
    FINALISED,
    KIND_ASSERTION,
    KIND_TRAINER,
    PENDING,
    REVERTED,
    Receipt,
    RollupRevert,
)
from mechanism.rollup.predicates import (
    COMMITMENT,
    NON_FINITE,
    NORM,
    SHAPE,
    ValidityConfig,
    violations,
)
from mechanism.rollup.trainer_validity import DONE, OPEN, next_move

FUND = 10**24
ZERO = bytes(32)
GAME_EVENTS = ("Finished", "Revealed", "ColumnRevealed")
PRED_ORDER = (SHAPE, NON_FINITE, COMMITMENT, NORM)  # cheapest proof first


@dataclass
class Update:
    """What a trainer put on chain for a round and what the DA layer holds."""

    trainer: str
    rnd: int
    committed: np.ndarray | None  # the vector under the update root (None: no preimage known)
    published: np.ndarray  # the bytes on the DA layer (data root = their commitment)
    update_root: bytes
    data_root: bytes
    bad: set[int] = field(default_factory=set)

    @property
    def valid(self) -> bool:
        return not self.bad


@dataclass
class Claim:
    """An assertion as its proposer means it: the inputs and traces it can play."""

    x: np.ndarray | None
    honest: Any
    claimed: Any
    policy: str  # "honest", "defend" (plays its claimed trace), "silent" (never opens), strategy name


class World:
    """The paired deployment, the identities and the honest actors."""

    def __init__(self, cfg: GameConfig, params: Any, n_honest: int, n_sybils: int, seed: int) -> None:
        from mechanism.evm.arbiter import PairedArbiter

        self.cfg, self.params = cfg, params
        self.pr = PairedArbiter(params, cfg)
        self.vcfg: ValidityConfig = self.pr.sim_validity.cfg
        self.rng = np.random.default_rng(seed)
        self.max_trainers = 0  # largest registered trainer set seen
        acct = self.pr.new_account
        self.honest_trainers = [acct(FUND) for _ in range(n_honest)]
        self.seq_h, self.watcher = acct(FUND), acct(FUND)
        self.seq_a = [acct(FUND) for _ in range(2)]
        self.chal_a = [acct(FUND) for _ in range(3)]
        self.sybils = [acct(FUND) for _ in range(n_sybils)]
        self.accounts = [*self.honest_trainers, self.seq_h, self.watcher, *self.seq_a, *self.chal_a, *self.sybils]
        self.honest = {*self.honest_trainers, self.seq_h, self.watcher}
        self.attacker = set(self.accounts) - self.honest
        self.updates: dict[tuple[str, int], Update] = {}
        self.vectors: dict[bytes, np.ndarray] = {}  # update root -> committed vector
        self.claims: dict[int, Claim] = {}  # aid -> the proposer's claim
        self.parties: dict[int, dict[str, Any]] = {}  # did -> role -> (sim party, evm party) or None
        self.chal_policy: dict[int, str | None] = {}  # assertion did -> attacker challenger strategy
        self.sybil_defends: dict[str, bool] = {}
        self.watch_trainer: set[tuple[str, int]] = set()
        self.watch_assertion: set[int] = set()
        self.mismatches: list[str] = []
        self.violations: list[str] = []
        self.tx_count = 0
        self.ok_count = 0
        self.calls: Counter[str] = Counter()
        self.exiting: set[str] = set()
        self._truth: dict[tuple[bytes, ...], Any] = {}
        self.round_open = {0: self.block}
        self.round_disputes: dict[int, int] = {}  # round -> trainer disputes opened while it was open
        for t in self.honest_trainers:
            self.rollup(t, "register_trainer", value=params.trainer_stake_wei)

    # ---------------------------------------------------------------- chain access
    @property
    def sim(self) -> Any:
        return self.pr.sim_rollup

    @property
    def evm(self) -> Any:
        return self.pr.evm.rollup

    @property
    def block(self) -> int:
        return int(self.sim.block)

    def _compare(self, what: str, a: Any, b: Any, value: bool = True) -> Any:
        self.tx_count += 1
        fn = what.split("(")[0]
        self.calls[fn + (" reverted" if isinstance(b, RollupRevert) else " ok")] += 1
        ra, rb = isinstance(a, RollupRevert), isinstance(b, RollupRevert)
        if ra != rb:
            self.mismatches.append(f"{what}: mirror {a!r} / evm {b!r}")
        elif ra:
            if a.reason != b.reason:
                self.mismatches.append(f"{what}: revert reasons differ: mirror {a.reason!r} / evm {b.reason!r}")
        else:
            if value and a.value != b.value:
                self.mismatches.append(f"{what}: return values differ: {a.value!r} / {b.value!r}")
            # the Python game (mechanism.dispute.game) emits no events: DisputeGame.vy's own
            # events (Finished, Revealed, ColumnRevealed) are not part of the mirrored interface
            ea = [e for e in a.events if not (what.startswith("Arbiter") and e[0] in GAME_EVENTS)]
            eb = [e for e in b.events if not (what.startswith("Arbiter") and e[0] in GAME_EVENTS)]
            if ea != eb:
                self.mismatches.append(f"{what}: events differ: mirror {ea} / evm {eb}")
        if ra or rb:
            return None
        self.ok_count += 1
        return b

    @staticmethod
    def _run(fn: Any) -> Any:
        try:
            return fn()
        except RollupRevert as exc:
            return exc

    def rollup(self, sender: str, fn: str, *args: Any, value: int = 0) -> Receipt | None:
        a = self._run(lambda: self.sim.transact(sender, fn, *args, value_wei=value))
        b = self._run(lambda: self.evm.transact(sender, fn, *args, value_wei=value))
        rec = self._compare(f"Rollup.{fn}{args!r}", a, b)
        if rec is not None:
            self._observe(rec)
            if fn == "register_trainer":
                self.max_trainers = max(self.max_trainers, int(self.sim.counter("trainer_count")))
        return rec

    def arbiter(self, sender: str, fn: str, *args: Any) -> Receipt | None:
        a, b = self.pr.arbiter_tx(sender, fn, *args)
        rec = self._compare(f"Arbiter.{fn}({args[0]!r}, ...)", a, b, value=False)
        if rec is not None:
            self._observe(rec)
        return rec

    def validity(self, sender: str, fn: str, *args: Any) -> Receipt | None:
        a = self._run(lambda: self.pr.sim_validity.transact(sender, fn, *args))
        b = self._run(lambda: self.pr.evm.validity.transact(sender, fn, *args))
        rec = self._compare(f"TrainerValidity.{fn}({args[0]!r}, ...)", a, b, value=False)
        if rec is not None:
            self._observe(rec)
        return rec

    def act_game(self, did: int, role: str) -> None:
        pair = self.parties.get(did, {}).get(role)
        if pair is None:
            return
        try:
            sim_moves, evm_moves = self.pr.act(did, pair[0], pair[1])
        except DisputeError as exc:  # the EVM game refused a move the Python game accepted
            self.mismatches.append(f"game {did}: {exc}")
            return
        self.tx_count += 1
        if len(sim_moves) != len(evm_moves):
            self.mismatches.append(f"game {did}: {len(sim_moves)} moves on the mirror, {len(evm_moves)} on the EVM")
        self.ok_count += len(evm_moves)

    def advance(self) -> None:
        self.pr.advance(1)

    def _observe(self, rec: Receipt) -> None:
        for name, ev in rec.events:
            if name == "AssertionFinalised":
                self.round_open[ev["round"] + 1] = self.block
            elif name == "Challenged" and ev["kind"] == KIND_TRAINER:
                rnd = ev["subject"]
                if rnd == self.sim.counter("next_round"):
                    self.round_disputes[rnd] = self.round_disputes.get(rnd, 0) + 1

    # ---------------------------------------------------------------- knowledge
    def publish(self, trainer: str, committed: np.ndarray | None, published: np.ndarray,
                root: bytes | None = None, rnd: int | None = None) -> Receipt | None:
        cfg = self.vcfg
        rnd = self.sim.counter("next_round") if rnd is None else rnd
        data_root = commit(np.ascontiguousarray(published, dtype=np.int64), cfg.chunk, cfg.arity).root
        if root is None:
            assert committed is not None
            root = commit(np.ascontiguousarray(committed, dtype=np.int64), cfg.chunk, cfg.arity).root
        rec = self.rollup(trainer, "publish_update", rnd, root, data_root)
        if rec is not None:
            bad = violations(committed, published, cfg) if committed is not None else {COMMITMENT}
            if committed is not None and len(committed) == cfg.d and len(published) == cfg.d \
                    and bool(np.all(np.asarray(committed) == np.asarray(published))):
                self.vectors[root] = np.asarray(committed, dtype=np.int64)  # what the DA layer shows
            self.updates[(trainer, rnd)] = Update(trainer, rnd, committed, published, root, data_root, bad)
        return rec

    def honest_vector(self) -> np.ndarray:
        return self.rng.integers(-5000, 5000, size=self.cfg.dim).astype(np.int64)

    def truth(self, roots: list[bytes]) -> Any:
        """(claim, honest trace) of the honest aggregate over ``roots``, or None if a
        root has no known preimage of the right shape."""
        key = tuple(roots)
        if key in self._truth:
            return self._truth[key]
        out = None
        if roots and all(r in self.vectors for r in roots):
            from mechanism.rollup.disputes import assert_round_with

            x = np.stack([self.vectors[r] for r in roots])
            claim, _, honest, _ = assert_round_with(self.cfg.rule, x, self.cfg.chunk, self.cfg.arity, False,
                                                    np.random.default_rng(0), **self.cfg.rule_params(len(roots)))
            out = (claim, honest, x)
        self._truth[key] = out
        return out

    def expected_inputs(self, rnd: int) -> list[bytes]:
        """The inputs an assertion posted now on ``rnd`` must aggregate."""
        aid = self.sim.counter("assertion_count") + 1
        return [self.sim.roots_of(t, rnd)[0] for t in self.sim.publishers(rnd)
                if not 0 < self.sim.invalid_from(t, rnd) <= aid]

    def assertion_wrong(self, aid: int) -> bool | None:
        """True if the assertion's aggregate is not the honest one over its inputs
        (None: the watcher cannot re-execute it -- an input without a known preimage)."""
        a = self.sim.assertion(aid)
        inputs = self.sim.round_inputs(aid)
        if not inputs:
            return (a["num_inputs"], a["input_root"], a["output_root"]) != (0, ZERO, ZERO)
        t = self.truth(inputs)
        if t is None:
            return None
        claim = t[0]
        return (a["num_inputs"], a["input_root"], a["output_root"]) != (len(inputs), claim.input_root,
                                                                       claim.output_root)

    # ---------------------------------------------------------------- games
    def setup_parties(self, did: int, cols_root: bytes) -> None:
        """After a game opened: the players of both sides (None: that side never moves)."""
        from mechanism.rollup.disputes import game_parties

        d = self.sim.dispute(did)
        t = self.truth(self.sim.round_inputs(d["subject"]))
        if t is None:
            return
        _, honest, x = t
        claim = self.claims.get(d["subject"])
        claimed = claim.claimed if claim is not None and claim.claimed.roots[0] == cols_root else honest
        strat = None if d["challenger"] in self.honest else self.chal_policy.get(did)
        seed = int(self.rng.integers(1 << 30))
        copies = [game_parties(x, honest, claimed, np.random.default_rng(seed), None if strat == "silent" else strat)
                  for _ in range(2)]
        prop: Any = (copies[0][0], copies[1][0])
        if d["defender"] not in self.honest:
            if claim is None or claim.policy == "silent" or claimed is not claim.claimed:
                prop = None
            elif claim.policy == "stall":
                stall_at = 1 + int(self.rng.integers(4))  # the same for both copies
                for p in prop:
                    p.strategy, p.stall_at = "stall", stall_at
        chal = None if strat == "silent" else (copies[0][1], copies[1][1])
        self.parties[did] = {"proposer": prop, "challenger": chal}

    def open_game(self, did: int) -> None:
        d = self.sim.dispute(did)
        claim = self.claims.get(d["subject"])
        if claim is None or claim.x is None or claim.policy == "silent":
            return
        roots = [commit(row, self.cfg.chunk, self.cfg.arity).root for row in claim.x]
        if self.arbiter(d["defender"], "open_game", did, roots, claim.claimed.roots[0]) is not None:
            self.setup_parties(did, claim.claimed.roots[0])

    def try_settle_assertion(self, did: int) -> None:
        d = self.sim.dispute(did)
        if d["status"] != ACTIVE or not self.sim.subject_live(d):
            return
        g = self.pr.sim.games.get(did)
        opened = int(d["deadline_block"]) - self.params.verdict_clock
        if (g is None and self.block > opened + self.cfg.clock_blocks) or \
                (g is not None and (g.winner is not None or self.block > g.deadline)):
            self.arbiter(self.watcher, "settle", did)

    def trainer_move(self, did: int, upd: Update, trainer_honest: bool, who: set[str]) -> bool:
        """The next validity move of dispute ``did`` if it is by one of ``who``."""
        v = self.pr.sim_validity
        d = self.sim.dispute(did)
        if d["status"] != ACTIVE:
            return False
        g = v.game(did)
        if g["phase"] == DONE:
            return False
        committed = upd.committed if upd.committed is not None else upd.published
        if d["predicate"] == COMMITMENT and g["phase"] == OPEN and COMMITMENT in upd.bad:
            deadline = int(d["deadline_block"]) - self.params.verdict_clock + self.vcfg.clock_blocks
            if self.block <= deadline:
                if d["challenger"] in who:
                    return self.validity(d["challenger"], "prove_mismatch", did) is not None
                return False
        if upd.committed is None and d["predicate"] != COMMITMENT and g["phase"] == OPEN:
            # no preimage: nobody can prove or defend anything else; settle after the clock
            deadline = int(d["deadline_block"]) - self.params.verdict_clock + self.vcfg.clock_blocks
            if self.block > deadline and (who & self.honest):
                return self.validity(next(iter(who & self.honest)), "settle", did) is not None
            return False
        try:
            mv = next_move(v, did, committed, upd.published, trainer_honest, self.block)
        except (IndexError, StopIteration, ValueError):
            return False
        if mv is None:
            return False
        sender, fn, args = mv
        if fn == "settle" and (who & self.honest):
            sender = next(iter(who & self.honest))  # anyone may settle: an honest actor does
        elif sender not in who:
            return False
        return self.validity(sender, fn, *args) is not None

    # ---------------------------------------------------------------- honest actors
    def honest_plan(self) -> list[Any]:
        """The honest transactions of this block, prepared from the current state."""
        sim, p = self.sim, self.params
        plan: list[Any] = []
        rnd = sim.counter("next_round")
        is_open = sim.get("pending_assertion", rnd) == 0
        opened = sim.counter("round_open_block")
        publishing = is_open and self.block < opened + p.publication_window_blocks
        # trainers
        for t in self.honest_trainers:
            if sim.stake_of(t) == 0 and t not in self.exiting:
                if sim.get("trainer_open_disputes", t) == 0:
                    plan.append(lambda t=t: self.rollup(t, "register_trainer", value=p.trainer_stake_wei))
                continue
            if t in self.exiting:
                eb = sim.exit_block_of(t)
                if eb and self.block >= eb and sim.get("published_until", t) <= rnd \
                        and sim.get("trainer_open_disputes", t) == 0:
                    plan.append(lambda t=t: self._complete_exit(t))
                continue
            if publishing and (t, rnd) not in self.updates and sim.stake_of(t) > 0 and sim.exit_block_of(t) == 0:
                x = self.honest_vector()
                plan.append(lambda t=t, x=x, rnd=rnd: self.publish(t, x, x, rnd=rnd))
        # the honest sequencer
        if is_open and self.block >= opened + p.assertion_delay_blocks and sim.get("round_trainer_disputes", rnd) == 0:
            stale = self.expected_inputs(rnd)
            plan.append(lambda: self._sequencer_post(rnd, stale))
        # the watcher: invalid updates of the open round
        for (tr, r), upd in list(self.updates.items()):
            if r == rnd and not upd.valid and (tr, r) not in self.watch_trainer and sim.invalid_from(tr, r) == 0:
                pred = next(q for q in PRED_ORDER if q in upd.bad)
                plan.append(lambda tr=tr, r=r, pred=pred: self._watch_trainer(tr, r, pred))
        # the watcher: wrong assertions
        for aid in range(1, sim.counter("assertion_count") + 1):
            a = sim.assertion(aid)
            if a["status"] != PENDING:
                continue
            if aid not in self.watch_assertion and self.block < a["posted_block"] + p.challenge_period_blocks \
                    and a["num_inputs"] > 0 and self.assertion_wrong(aid):
                plan.append(lambda aid=aid: self._watch_assertion(aid))
            if self.block >= a["posted_block"] + p.challenge_period_blocks and a["open_disputes"] == 0:
                plan.append(lambda aid=aid: self.rollup(self.watcher, "finalise", aid))
        # disputes: moves, settlements, cancellations
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            if d["status"] != ACTIVE:
                continue
            if not sim.subject_live(d):
                plan.append(lambda did=did: self.rollup(self.watcher, "cancel_dispute", did))
                continue
            if d["kind"] == KIND_ASSERTION:
                plan.append(lambda did=did: self._assertion_dispute(did))
            else:
                plan.append(lambda did=did: self._trainer_dispute(did))
        for acct in self.honest:
            if sim.balance_of(acct) > 0:
                plan.append(lambda acct=acct: self.rollup(acct, "withdraw"))
        return plan

    def _sequencer_post(self, rnd: int, stale: list[bytes]) -> None:
        """The honest sequencer's assertion over the inputs it saw when the block began
        (a transaction ordered before it in the block could change them: finding B; the
        windows and the live-count check of ``post_assertion`` make that harmless)."""
        inputs = stale
        if not inputs:
            self.post(self.seq_h, rnd, (ZERO, ZERO, ZERO, 0), None)
            return
        t = self.truth(inputs)
        if t is not None:
            claim, honest, x = t
            self.post(self.seq_h, rnd, (claim.input_root, claim.output_root, claim.stats_root, len(inputs)),
                      Claim(x, honest, honest, "honest"))

    def _complete_exit(self, t: str) -> None:
        if self.rollup(t, "complete_exit") is not None:
            self.exiting.discard(t)

    def post(self, who: str, rnd: int, roots: tuple[bytes, bytes, bytes, int], claim: Claim | None) -> int | None:
        rec = self.rollup(who, "post_assertion", rnd, *roots, value=self.params.sequencer_bond_wei)
        if rec is None:
            return None
        aid = int(rec.value)
        if claim is not None:
            self.claims[aid] = claim
        return aid

    def _watch_trainer(self, tr: str, r: int, pred: int) -> None:
        if self.sim.invalid_from(tr, r) != 0 or (tr, r) in self.watch_trainer:
            return
        rec = self.rollup(self.watcher, "challenge_trainer", tr, r, pred, value=self.params.challenger_bond_wei)
        if rec is not None:
            self.watch_trainer.add((tr, r))
            self.trainer_move(int(rec.value), self.updates[(tr, r)], False, {self.watcher})

    def _watch_assertion(self, aid: int) -> None:
        if aid in self.watch_assertion:
            return
        rec = self.rollup(self.watcher, "challenge_assertion", aid, value=self.params.challenger_bond_wei)
        if rec is not None:
            self.watch_assertion.add(aid)

    def _assertion_dispute(self, did: int) -> None:
        d = self.sim.dispute(did)
        g = self.pr.sim.games.get(did)
        if g is None and d["defender"] == self.seq_h:
            self.open_game(did)
            g = self.pr.sim.games.get(did)
        if g is not None and g.winner is None and self.block <= g.deadline:
            role = g.turn
            who = d["defender"] if role == "proposer" else d["challenger"]
            if who in self.honest:
                self.act_game(did, role)
        self.try_settle_assertion(did)

    def _trainer_dispute(self, did: int) -> None:
        d = self.sim.dispute(did)
        upd = self.updates.get((d["trainer"], d["subject"]))
        if upd is None:
            return
        honest_trainer = d["trainer"] in self.honest
        for _ in range(3):
            if not self.trainer_move(did, upd, honest_trainer or not upd.bad, self.honest):
                break

    def honest_round(self, plan: list[Any] | None = None, rounds: int = 6) -> None:
        """Execute ``plan`` (prepared earlier in the block), then react until quiet."""
        for i in range(rounds):
            plan = self.honest_plan() if plan is None or i > 0 else plan
            if not plan:
                break
            n0 = self.ok_count
            for step in plan:
                step()
            if self.ok_count == n0:
                break

    def attacker_autopilot(self) -> None:
        """The attacker's standing orders at every block: open and play its games by each
        claim's policy, and let the Sybils that defend play their (lying) norm games."""
        sim = self.sim
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            if d["status"] != ACTIVE or not sim.subject_live(d):
                continue
            if d["kind"] == KIND_ASSERTION:
                g = self.pr.sim.games.get(did)
                if g is None and d["defender"] in self.attacker:
                    self.open_game(did)
                    continue
                if g is not None and g.winner is None and self.block <= g.deadline:
                    who = d["defender"] if g.turn == "proposer" else d["challenger"]
                    if who in self.attacker:
                        self.act_game(did, g.turn)
            elif d["defender"] in self.attacker and self.sybil_defends.get(d["defender"], False):
                upd = self.updates.get((d["trainer"], d["subject"]))
                if upd is not None:
                    self.trainer_move(did, upd, not upd.bad, {d["defender"]})

    # ---------------------------------------------------------------- attacker helpers
    def sybil_update(self, kind: str) -> tuple[np.ndarray | None, np.ndarray, bytes | None]:
        """(committed, published, explicit update root) of a Sybil update of ``kind``."""
        d = self.cfg.dim
        x = self.honest_vector()
        if kind == "valid":
            return x, x, None
        if kind == "range":
            y = x.copy()
            y[int(self.rng.integers(d))] = MAX_ABS_INT + 1 + int(self.rng.integers(100))
            return y, y, None
        if kind == "norm":
            y = np.full(d, (MAX_ABS_INT >> 1) + int(self.rng.integers(1000)), dtype=np.int64)
            return y, y, None
        if kind == "mismatch":
            return x, self.honest_vector(), None
        if kind == "garbage":
            return None, x, hashlib.sha256(self.rng.bytes(16)).digest()
        if kind == "shape":
            y = self.rng.integers(-50, 50, size=d + 1).astype(np.int64)
            return y, y, None
        raise ValueError(kind)

    def lie(self, rnd: int, kind: str) -> tuple[tuple[bytes, bytes, bytes, int], Claim | None]:
        """The roots of an attacker assertion of ``kind`` on round ``rnd``."""
        from mechanism.rollup.disputes import assert_round_with

        inputs = self.expected_inputs(rnd)
        t = self.truth(inputs)
        if not inputs or t is None:
            junk = hashlib.sha256(self.rng.bytes(8)).digest()
            if kind == "honest":
                return (ZERO, ZERO, ZERO, 0), None
            return (junk, junk, junk, max(1, len(inputs))), None
        claim, honest, x = t
        n = len(inputs)
        if kind == "honest":
            return (claim.input_root, claim.output_root, claim.stats_root, n), Claim(x, honest, honest, "defend")
        if kind == "stats":
            return (claim.input_root, claim.output_root, b"\x5a" * 32, n), Claim(x, honest, honest, "defend")
        if kind in ("output", "output_stall", "output_silent"):
            wrong, _, _, claimed = assert_round_with(self.cfg.rule, x, self.cfg.chunk, self.cfg.arity, True,
                                                     np.random.default_rng(int(self.rng.integers(1 << 30))),
                                                     **self.cfg.rule_params(n))
            policy = {"output": "random_step", "output_stall": "stall", "output_silent": "silent"}[kind]
            return (wrong.input_root, wrong.output_root, wrong.stats_root, n), Claim(x, honest, claimed, policy)
        if kind == "drop" and n > 1:
            sub = inputs[:-1]
            ts = self.truth(sub)
            assert ts is not None
            return (ts[0].input_root, ts[0].output_root, ts[0].stats_root, n - 1), None
        if kind == "reorder" and n > 1:
            sub = inputs[::-1]
            ts = self.truth(sub)
            assert ts is not None
            return (ts[0].input_root, ts[0].output_root, ts[0].stats_root, n), None
        if kind == "count":
            return (claim.input_root, claim.output_root, claim.stats_root, n + 1), None
        return (node_hash(inputs), b"\x77" * 32, ZERO, n), None


DISPUTE_OUTCOMES = {ACTIVE: "active", DEFENDER_WON: "defender won", CHALLENGER_WON: "challenger won",
                    CANCELLED: "cancelled"}
ASSERTION_OUTCOMES = {PENDING: "pending", FINALISED: "finalised", REVERTED: "reverted"}

__all__ = ["ASSERTION_OUTCOMES", "DISPUTE_OUTCOMES", "FUND", "Claim", "Update", "World"]
