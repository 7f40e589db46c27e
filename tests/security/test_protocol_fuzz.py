"""Adversarial stateful fuzzing of the whole protocol in the EVM, with the Python mirror
run side by side (docs/protocol.md, "Safety and liveness properties").

Rollup.vy + Arbiter.vy + DisputeGame.vy + TrainerValidity.vy are deployed per run with a
sampled rule (mean, median, trimmed mean), trim share, clocks, challenge period,
publication and trainer-challenge windows and reward share; n and f follow from who
publishes. Honest actors (trainers, a sequencer, a watcher: ``_fuzz_actors.World``) act at
every block. The attacker controls two sequencers, three challengers and up to eight Sybil
trainers (``ORFL_FUZZ_SYBILS`` more in the dedicated capacity test, enough to reach the
64-publisher cap): it
registers, publishes valid and invalid updates (out of range, norm above the bound,
wrong shape, committed vector other than the published bytes, a root without a
preimage), posts wrong assertions (consistent output lies played, stalled or never
defended, dropped/reordered inputs, wrong counts, junk), challenges honest assertions and
updates with griefing game strategies, calls every external function with arbitrary
indices, proofs and values, exits, withdraws, advances time and orders its transactions
before the honest ones of a block.

Invariants after every step: the mirror agrees with the EVM (every outcome, revert
reason, event, balance, stake, wallet); funds are conserved; no honest trainer is
slashed or has its valid update excluded; no honest challenger or sequencer loses; no
wrong aggregate finalises; every dispute and assertion ends within its clock bound and
every round within the budget bound of docs/protocol.md.

Steps: ``ORFL_FUZZ_STEPS`` (default 300, the fast suite); the slow test runs at least
``ORFL_FUZZ_SLOW_STEPS`` (default 10,000). ``ORFL_FUZZ_SEED`` picks the seeds. The
attacker may order a publication before the honest sequencer's assertion in its block,
and the honest sequencer signs the inputs it saw at the start of the block (the
orderings of findings A and B, tests/security/test_fuzz_findings.py).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mechanism.dispute.strategies import STRATEGIES
from mechanism.rollup.arbiter import GameConfig
from mechanism.rollup.params import (
    ACTIVE,
    CHALLENGER_WON,
    DEFENDER_WON,
    FINALISED,
    KIND_ASSERTION,
    PENDING,
    REVERTED,
)
from tests.security._fuzz_actors import ASSERTION_OUTCOMES, DISPUTE_OUTCOMES, FUND, World

pytestmark = pytest.mark.evm

STEPS = 0  # rules executed, all runs of this process
STATS: Counter[str] = Counter()  # what the runs reached (printed by the tests)
CALLS: Counter[str] = Counter()  # transactions by function and outcome
FAST_STEPS = int(os.environ.get("ORFL_FUZZ_STEPS", "300"))
SLOW_STEPS = int(os.environ.get("ORFL_FUZZ_SLOW_STEPS", "10000"))
SEED = int(os.environ.get("ORFL_FUZZ_SEED", "20240601"))
#: Sybil identities of the capacity test (with the honest trainers: past the 64-trainer cap)
CAP_SYBILS = int(os.environ.get("ORFL_FUZZ_SYBILS", "66"))
SYBIL_KINDS = ("valid", "valid", "range", "norm", "mismatch", "garbage", "shape")
LIES = ("honest", "stats", "output", "output", "output_stall", "output_silent", "drop", "reorder", "count",
        "junk")
CHALLENGER_POLICIES = (None, "silent", *STRATEGIES)


class ProtocolFuzz(RuleBasedStateMachine):
    """One deployment; rules are the attacker's moves, honest actors react every block."""

    def __init__(self) -> None:
        super().__init__()
        self.w: Any = None
        self.finalised_checked: set[int] = set()

    n_sybils_max = 8

    @initialize(rule_=st.sampled_from(["mean", "median", "trimmed_mean"]), trim=st.integers(0, 4_999),
                chunk=st.sampled_from([2, 4]), clock=st.integers(1, 3), period=st.integers(2, 12),
                window=st.integers(2, 5), tcw=st.integers(1, 4), share=st.sampled_from([0, 5_000, 10_000]),
                n_honest=st.integers(1, 3), sybil_share=st.integers(0, 8), seed=st.integers(0, 2**31))
    def deploy(self, rule_: str, trim: int, chunk: int, clock: int, period: int, window: int, tcw: int,
               share: int, n_honest: int, sybil_share: int, seed: int) -> None:
        cfg = GameConfig(dim=8, chunk=chunk, arity=2, rule=rule_, trim_bps=trim, clock_blocks=clock)
        params = cfg.rollup_params(challenge_period_blocks=period, move_clock_blocks=clock,
                                   publication_window_blocks=window, trainer_challenge_window_blocks=tcw,
                                   reward_share_bps=share)
        n_sybils = self.n_sybils_max if self.n_sybils_max > 8 else sybil_share
        self.w = World(cfg, params, n_honest, n_sybils, seed)
        self.p = params
        for s in self.w.sybils[: max(0, n_sybils - 1)]:
            self.w.rollup(s, "register_trainer", value=params.trainer_stake_wei)
        self.w.honest_round()

    # ------------------------------------------------------------------ helpers
    def _count(self) -> None:
        global STEPS
        STEPS += 1

    def next_block(self, front: Any = None) -> None:
        """One block: honest transactions prepared at its start, the attacker's ``front``
        ordered before them, then the attacker's standing orders and honest reactions."""
        w = self.w
        w.advance()
        plan = w.honest_plan()
        if front is not None:
            front()
        w.honest_round(plan)
        w.attacker_autopilot()
        w.honest_round()

    def _pick(self, seq: list[Any], i: int) -> Any:
        return seq[i % len(seq)] if seq else None

    # ------------------------------------------------------------------ attacker: trainers
    @rule(i=st.integers(0, 99), delta=st.sampled_from([0, 0, 0, -1, 1]))
    def register_sybil(self, i: int, delta: int) -> None:
        self._count()
        s = self._pick(self.w.sybils, i)
        if s is not None:
            self.w.rollup(s, "register_trainer", value=self.p.trainer_stake_wei + delta)

    @rule(i=st.integers(0, 99), kind=st.sampled_from(SYBIL_KINDS), ahead=st.sampled_from([0, 0, 0, 1, -1]))
    def sybil_publish(self, i: int, kind: str, ahead: int) -> None:
        self._count()
        w = self.w
        s = self._pick(w.sybils, i)
        if s is None:
            return
        committed, published, root = w.sybil_update(kind)
        w.publish(s, committed, published, root=root, rnd=max(0, w.sim.counter("next_round") + ahead))

    @rule(i=st.integers(0, 5), complete=st.booleans())
    def sybil_exit(self, i: int, complete: bool) -> None:
        self._count()
        s = self._pick(self.w.sybils, i)
        if s is not None:
            self.w.rollup(s, "complete_exit" if complete else "request_exit")

    @rule(i=st.integers(0, 5), defend=st.booleans())
    def sybil_policy(self, i: int, defend: bool) -> None:
        self._count()
        s = self._pick(self.w.sybils, i)
        if s is not None:
            self.w.sybil_defends[s] = defend

    # ------------------------------------------------------------------ attacker: assertions
    @rule(j=st.integers(0, 1), kind=st.sampled_from(LIES), ahead=st.sampled_from([0, 0, 0, 0, 1, -1]),
          now=st.booleans())
    def post(self, j: int, kind: str, ahead: int, now: bool) -> None:
        """The attacker's assertion: now, or first in the next block a post is possible
        (before the honest sequencer's)."""
        self._count()
        w = self.w

        def front() -> None:
            rnd = w.sim.counter("next_round")
            roots, claim = w.lie(rnd, kind)
            w.post(w.seq_a[j], max(0, rnd + ahead), roots, claim)

        if now:
            front()
            return
        self.wait_until_postable()
        self.next_block(front)

    def wait_until_postable(self) -> None:
        """Advance (honest actors online) until an assertion can be posted in the next block."""
        w, p = self.w, self.p
        for _ in range(3 * (p.challenge_period_blocks + p.verdict_clock)):
            sim = w.sim
            rnd = sim.counter("next_round")
            if sim.get("pending_assertion", rnd) == 0 and sim.get("round_trainer_disputes", rnd) == 0 \
                    and w.block + 1 >= sim.counter("round_open_block") + p.assertion_delay_blocks:
                return
            self.next_block()

    @rule(j=st.integers(0, 2), pick=st.integers(0, 50), policy=st.sampled_from(CHALLENGER_POLICIES))
    def challenge_assertion(self, j: int, pick: int, policy: str | None) -> None:
        self._count()
        w = self.w
        n = w.sim.counter("assertion_count")
        aid = n - pick % (n + 1) + (1 if pick % 7 == 0 else 0)  # mostly recent ones, sometimes unknown
        rec = w.rollup(w.chal_a[j], "challenge_assertion", aid, value=self.p.challenger_bond_wei)
        if rec is not None:
            w.chal_policy[int(rec.value)] = policy

    @rule(j=st.integers(0, 2), victim=st.integers(0, 10), pred=st.integers(0, 5), back=st.integers(-1, 2))
    def challenge_trainer(self, j: int, victim: int, pred: int, back: int) -> None:
        self._count()
        w = self.w
        trainers = [*w.honest_trainers, *w.sybils]
        rnd = max(0, w.sim.counter("next_round") - back)
        w.rollup(w.chal_a[j], "challenge_trainer", trainers[victim % len(trainers)], rnd, pred,
                 value=self.p.challenger_bond_wei)

    # ------------------------------------------------------------------ attacker: arbitrary calls
    @rule(who=st.integers(0, 20), fn=st.sampled_from(["move", "resolve", "timeout", "cancel_dispute", "finalise",
                                                      "withdraw", "request_exit", "complete_exit"]),
          idx=st.integers(0, 60), flag=st.booleans(), data=st.binary(min_size=32, max_size=32))
    def junk_rollup(self, who: int, fn: str, idx: int, flag: bool, data: bytes) -> None:
        self._count()
        w = self.w
        sender = self._pick(sorted(w.attacker), who)
        nd = w.sim.counter("dispute_count")
        did = max(0, nd - idx % (nd + 2))
        if fn == "move":
            w.rollup(sender, "move", did, data)
        elif fn == "resolve":
            w.rollup(sender, "resolve", did, flag)
        elif fn in ("timeout", "cancel_dispute"):
            w.rollup(sender, fn, did)
        elif fn == "finalise":
            w.rollup(sender, "finalise", max(0, w.sim.counter("assertion_count") - idx % 3))
        else:
            w.rollup(sender, fn)

    @rule(who=st.integers(0, 20), pick=st.integers(0, 60), variant=st.integers(0, 5),
          junk=st.binary(min_size=32, max_size=32))
    def junk_arbiter(self, who: int, pick: int, variant: int, junk: bytes) -> None:
        self._count()
        w = self.w
        nd = w.sim.counter("dispute_count")
        did = max(0, nd - pick % (nd + 2))
        d = w.sim.dispute(did) if did else None
        sender = d["defender"] if d is not None and variant < 3 and d["defender"] in w.attacker else \
            self._pick(sorted(w.attacker), who)
        if variant == 5:
            w.arbiter(sender, "settle", did)
            return
        roots: list[bytes] = []
        if d is not None and d["kind"] == KIND_ASSERTION:
            roots = w.sim.round_inputs(d["subject"])
        if variant == 1:
            roots = roots[::-1]
        elif variant == 2:
            roots = [*roots, junk]
        elif variant == 3:
            roots = roots[:-1]
        if w.arbiter(sender, "open_game", did, roots, junk) is not None:
            w.setup_parties(did, junk)

    @rule(who=st.integers(0, 20), pick=st.integers(0, 60),
          fn=st.sampled_from(["prove_range", "prove_shape", "prove_mismatch", "defend_norm", "reveal", "choose",
                              "onestep", "settle"]),
          j=st.integers(0, 5), t=st.integers(0, 3), value=st.integers(-(2**70), 2**70),
          blob=st.binary(min_size=0, max_size=80), nsib=st.integers(0, 4))
    def junk_validity(self, who: int, pick: int, fn: str, j: int, t: int, value: int, blob: bytes,
                      nsib: int) -> None:
        self._count()
        w = self.w
        nd = w.sim.counter("dispute_count")
        did = max(0, nd - pick % (nd + 2))
        d = w.sim.dispute(did) if did else None
        sender = self._pick(sorted(w.attacker), who)
        if d is not None and who % 2 == 0:
            party = d["challenger"] if fn in ("prove_range", "prove_shape", "prove_mismatch", "choose") \
                else d["defender"]
            sender = party if party in w.attacker else sender
        sib = [bytes([k + 1]) * 32 for k in range(nsib)]
        k = w.cfg.arity
        hs = [bytes([7 + q]) * 32 for q in range(k)]
        vs = [value // k] * k
        value = max(min(value, 2**255 - 1), -(2**255))
        args: tuple[Any, ...] = {
            "prove_range": (did, j, blob, sib),
            "prove_shape": (did, t, j, blob[:32].ljust(32, b"\0"), sib, blob),
            "prove_mismatch": (did,),
            "defend_norm": (did, blob[:32].ljust(32, b"\0"), value),
            "reveal": (did, hs, vs),
            "choose": (did, j, hs, vs),
            "onestep": (did, blob, sib),
            "settle": (did,),
        }[fn]
        w.validity(sender, fn, *args)

    # ------------------------------------------------------------------ time and ordering
    @rule(blocks=st.integers(1, 4))
    def advance(self, blocks: int) -> None:
        self._count()
        for _ in range(blocks):
            self.next_block()

    @rule(action=st.sampled_from(["post_honest", "post_lie", "finalise", "challenge", "exit", "publish"]),
          i=st.integers(0, 5), kind=st.sampled_from(SYBIL_KINDS))
    def front_run(self, action: str, i: int, kind: str) -> None:
        """The next block, with an attacker transaction ordered before the honest ones."""
        self._count()
        w = self.w

        def front() -> None:
            rnd = w.sim.counter("next_round")
            if action in ("post_honest", "post_lie"):
                roots, claim = w.lie(rnd, "honest" if action == "post_honest" else LIES[i % len(LIES)])
                w.post(w.seq_a[i % 2], rnd, roots, claim)
            elif action == "finalise":
                w.rollup(w.seq_a[i % 2], "finalise", max(1, w.sim.counter("assertion_count")))
            elif action == "challenge":
                n = w.sim.counter("assertion_count")
                rec = w.rollup(w.chal_a[i % 3], "challenge_assertion", max(1, n), value=self.p.challenger_bond_wei)
                if rec is not None:
                    w.chal_policy[int(rec.value)] = CHALLENGER_POLICIES[i % len(CHALLENGER_POLICIES)]
            elif action == "exit" and w.sybils:
                w.rollup(w.sybils[i % len(w.sybils)], "complete_exit")
            elif action == "publish" and w.sybils:
                committed, published, root = w.sybil_update(kind)
                w.publish(w.sybils[i % len(w.sybils)], committed, published, root=root)

        if action in ("post_honest", "post_lie", "publish") and i % 2 == 0:
            self.wait_until_postable()  # the block the honest sequencer posts in
        self.next_block(front)

    @rule(i=st.integers(0, 2))
    def honest_exit(self, i: int) -> None:
        """An honest trainer leaves (it completes its exit as soon as it may, then rejoins)."""
        self._count()
        w = self.w
        t = self._pick(w.honest_trainers, i)
        if t not in w.exiting and w.sim.stake_of(t) > 0 and w.rollup(t, "request_exit") is not None:
            w.exiting.add(t)

    @precondition(lambda self: self.w is not None)
    @rule(who=st.integers(0, 20))
    def attacker_withdraw(self, who: int) -> None:
        self._count()
        self.w.rollup(self._pick(sorted(self.w.attacker), who), "withdraw")

    # ------------------------------------------------------------------ invariants
    @invariant()
    def mirror_agrees(self) -> None:
        w = self.w
        if w is None:
            return
        assert not w.mismatches, "mirror and EVM disagree: " + "; ".join(w.mismatches[:3])
        sim, evm = w.sim, w.evm
        for name in ("assertion_count", "dispute_count", "next_round", "round_open_block", "total_deposited_wei",
                     "total_withdrawn_wei", "total_burned_wei"):
            assert sim.counter(name) == evm.counter(name), name
        for a in w.accounts:
            assert (sim.balance_of(a), sim.stake_of(a), sim.wallet(a)) == \
                (evm.balance_of(a), evm.stake_of(a), evm.wallet(a)), f"account {a}"
        nd, na = sim.counter("dispute_count"), sim.counter("assertion_count")
        for did in {nd, nd - 1, *[i for i in range(1, nd + 1) if sim.dispute(i)["status"] == ACTIVE]} - {0, -1}:
            assert sim.dispute(did) == evm.dispute(did), f"dispute {did}"
        for aid in {na, na - 1} - {0, -1}:
            assert sim.assertion(aid) == evm.assertion(aid), f"assertion {aid}"

    @invariant()
    def funds_conserved(self) -> None:
        w = self.w
        if w is None:
            return
        sim = w.sim
        assert sim.ledger_ok() and w.evm.ledger_ok()
        locked = 0
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            if d["status"] == ACTIVE:
                locked += d["bond_wei"]
        for aid in range(1, sim.counter("assertion_count") + 1):
            a = sim.assertion(aid)
            if a["status"] == PENDING:
                locked += a["bond_wei"]
        held = sum(sim.stake_of(a) + sim.balance_of(a) for a in w.accounts)
        assert sim.eth_wei == held + locked == w.evm.eth_wei
        assert sum(sim.wallet(a) for a in w.accounts) + sim.eth_wei + sim.burned_wei == FUND * len(w.accounts)
        assert sim.burned_wei == w.evm.burned_wei == sim.counter("total_burned_wei")

    @invariant()
    def honest_never_lose(self) -> None:
        w = self.w
        if w is None:
            return
        sim, p = w.sim, self.p
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            if d["defender"] in w.honest:
                assert d["status"] != CHALLENGER_WON, f"honest defender {d['defender']} lost dispute {did}"
            if d["challenger"] in w.honest:
                assert d["status"] != DEFENDER_WON, f"honest challenger lost its bond in dispute {did}"
        for aid in range(1, sim.counter("assertion_count") + 1):
            a = sim.assertion(aid)
            if a["proposer"] == w.seq_h:
                assert a["status"] != REVERTED, f"the honest sequencer's assertion {aid} was reverted"
        for t in w.honest_trainers:
            for (tr, r) in w.updates:
                if tr == t:
                    assert sim.invalid_from(t, r) == 0, f"honest trainer {t}'s update of round {r} excluded"
            assert sim.stake_of(t) in (0, p.trainer_stake_wei)

    @invariant()
    def no_wrong_aggregate_finalises(self) -> None:
        w = self.w
        if w is None:
            return
        sim = w.sim
        for aid in range(1, sim.counter("assertion_count") + 1):
            if aid in self.finalised_checked or sim.assertion(aid)["status"] != FINALISED:
                continue
            self.finalised_checked.add(aid)
            rnd = sim.assertion(aid)["round"]
            inputs = sim.round_inputs(aid)
            for (tr, r), upd in w.updates.items():
                if r != rnd:
                    continue
                if tr in w.honest:
                    assert upd.update_root in inputs, f"round {rnd}: honest update of {tr} excluded"
                elif not upd.valid:
                    assert upd.update_root not in inputs, \
                        f"round {rnd}: invalid update (predicates {sorted(upd.bad)}) of {tr} aggregated by {aid}"
            assert w.assertion_wrong(aid) is False, f"assertion {aid} on round {rnd} finalised a wrong aggregate"

    @invariant()
    def liveness(self) -> None:
        w = self.w
        if w is None:
            return
        sim, p = w.sim, self.p
        b, V, P = w.block, p.verdict_clock, p.challenge_period_blocks
        W, T = p.publication_window_blocks, p.trainer_challenge_window_blocks
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            if d["status"] == ACTIVE:
                assert sim.subject_live(d), f"dispute {did} on a gone subject not refunded"
                assert b <= d["deadline_block"], f"dispute {did} active past its deadline"
        reverted: dict[int, int] = {}
        for aid in range(1, sim.counter("assertion_count") + 1):
            a = sim.assertion(aid)
            if a["status"] == PENDING:
                assert b <= a["posted_block"] + P + V, f"assertion {aid} pending past posted + P + V"
            if a["status"] == REVERTED:
                reverted[a["round"]] = reverted.get(a["round"], 0) + 1
        r = sim.counter("next_round")
        bound = w.round_open[r] + W + T + (V + 1) * min(1, w.round_disputes.get(r, 0)) \
            + (P + V + 1) * (1 + reverted.get(r, 0))
        assert b <= bound, f"round {r} open since {w.round_open[r]} not final at block {b} (bound {bound})"

    def teardown(self) -> None:
        w = self.w
        if w is None:
            return
        sim = w.sim
        STATS["runs"] += 1
        STATS[f"rule:{w.cfg.rule}"] += 1
        STATS["transactions"] += w.tx_count
        CALLS.update(w.calls)
        STATS["rounds final"] += sim.counter("next_round")
        for aid in range(1, sim.counter("assertion_count") + 1):
            a = sim.assertion(aid)
            who = "honest" if a["proposer"] == w.seq_h else "attacker"
            STATS[f"assertion {who} {ASSERTION_OUTCOMES[a['status']]}"] += 1
        for did in range(1, sim.counter("dispute_count") + 1):
            d = sim.dispute(did)
            kind = "assertion" if d["kind"] == KIND_ASSERTION else "trainer"
            STATS[f"{kind} dispute {DISPUTE_OUTCOMES[d['status']]}"] += 1
        STATS["games opened"] += len(w.pr.sim.games)
        STATS["games ended by one-step"] += sum(1 for g in w.pr.sim.games.values() if g.reason == "one-step verifier")
        STATS["max inputs"] = max(STATS["max inputs"], max([len(sim.round_inputs(a)) for a in
                                                             range(1, sim.counter("assertion_count") + 1)] or [0]))
        STATS["max publishers"] = max(STATS["max publishers"], max(len(sim.publishers(r)) for r in
                                                                   range(sim.counter("next_round") + 1)))
        STATS["max trainers"] = max(STATS["max trainers"], w.max_trainers)
        self.w = None  # free the EVM environment


class CapacityFuzz(ProtocolFuzz):
    """The same machine with ``CAP_SYBILS`` Sybils, enough to reach the 64-trainer cap and
    the 64-publisher round (a rule that registers and publishes with many at once)."""

    n_sybils_max = CAP_SYBILS

    @rule(start=st.integers(0, 99), count=st.integers(0, 70), kind=st.sampled_from(["valid", "valid", "range"]))
    def sybil_swarm(self, start: int, count: int, kind: str) -> None:
        """Every Sybil tries to register, ``count`` of them publish, all in one block,
        ordered before the honest transactions."""
        self._count()
        w = self.w
        if not w.sybils:
            return
        order = w.sybils[start % len(w.sybils):] + w.sybils[:start % len(w.sybils)]
        for s in order:
            if w.sim.stake_of(s) == 0:
                w.rollup(s, "register_trainer", value=self.p.trainer_stake_wei)
        for s in order[:count]:
            committed, published, root = w.sybil_update(kind)
            w.publish(s, committed, published, root=root)


def _run(total: int, per_run: int, seed: int, machine: type[ProtocolFuzz] = ProtocolFuzz) -> tuple[int, float]:
    """Run state-machine examples of ``per_run`` steps until ``total`` rules executed."""
    start, t0 = STEPS, time.time()
    batch = 0
    while STEPS - start < total:
        runs = max(1, -(-(total - (STEPS - start)) // per_run))
        factory = hseed(seed + batch)(machine)
        run_state_machine_as_test(factory, settings=settings(
            max_examples=runs, stateful_step_count=per_run, deadline=None, database=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=True))
        batch += 1
    return STEPS - start, time.time() - t0


def test_protocol_fuzz_fast() -> None:
    steps, secs = _run(FAST_STEPS, 50, SEED)
    print(f"protocol fuzz: {steps} steps in {secs:.1f} s; {dict(sorted(STATS.items()))}")
    print(dict(sorted(CALLS.items())))
    assert steps >= FAST_STEPS


@pytest.mark.slow
def test_protocol_fuzz_capacity() -> None:
    """Sybils enough to fill the trainer set: the cap is reached, honest trainers still
    publish in every round (the invariants), and some round has 64 publishers."""
    STATS["max publishers"] = STATS["max trainers"] = 0
    steps, secs = _run(FAST_STEPS, 50, SEED + 7, CapacityFuzz)
    print(f"protocol fuzz (capacity): {steps} steps in {secs:.1f} s; {dict(sorted(STATS.items()))}")
    assert steps >= FAST_STEPS
    assert STATS["max trainers"] == 64, STATS["max trainers"]
    assert CALLS["Rollup.register_trainer reverted"] > 0


@pytest.mark.slow
def test_protocol_fuzz_slow() -> None:
    steps, secs = _run(SLOW_STEPS, 200, SEED + 1_000)
    print(f"protocol fuzz (slow): {steps} steps in {secs:.1f} s; {dict(sorted(STATS.items()))}")
    assert steps >= 10_000 or SLOW_STEPS < 10_000
    assert steps >= SLOW_STEPS
