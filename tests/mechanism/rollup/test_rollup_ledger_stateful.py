"""Ledger invariants under random protocol play (hypothesis RuleBasedStateMachine).

Parties: an honest and a malicious proposer, an honest and a malicious challenger, two
honest trainers and a malicious one. Honest parties act after every step (they move
within their clocks, ask the arbiter for the one-step verdict at the leaf, cancel
disputes whose subject is gone, finalise); the arbiter always returns the truth. After
every step: deposited == contract ETH + withdrawn + burned, the contract holds exactly its
liabilities, no balance is negative, no assertion or round finalises twice, nobody has
withdrawn more than was credited to it by finalisation or dispute resolution, and no
honest party holds less than it started with.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mechanism.rollup.state import ACTIVE, PENDING, RollupParams, RollupRevert, RollupState

FUND = 10**21
PARAMS = RollupParams(challenge_period_blocks=6, move_clock_blocks=3, dispute_depth=1, arity=2)


class LedgerMachine(RuleBasedStateMachine):
    backend = "sim"

    @initialize(share=st.sampled_from([0, 2_500, 10_000]), depth=st.integers(0, 2))
    def setup(self, share: int, depth: int) -> None:
        params = RollupParams(challenge_period_blocks=6, move_clock_blocks=3, dispute_depth=depth,
                              arity=2, reward_share_bps=share)
        if self.backend == "evm":
            from mechanism.evm.rollup import RollupEVM

            self.r: Any = RollupEVM(params)
        else:
            self.r = RollupState(params, arbiter="0x" + "ee" * 20)
        self.p = params
        names = ["seq_h", "seq_m", "ch_h", "ch_m", "t_h1", "t_h2", "t_m"]
        self.acct = {n: self.r.new_account(FUND) for n in names}
        self.honest = {self.acct[n] for n in ("seq_h", "ch_h", "t_h1", "t_h2")}
        self.wrong: dict[int, bool] = {}  # assertion id -> wrong output root
        self.credited: Counter[str] = Counter()
        self.withdrawn: Counter[str] = Counter()
        self.finalised: Counter[Any] = Counter()

    # ------------------------------------------------------------ helpers
    def tx(self, who: str, fn: str, *args: Any, value: int = 0) -> Any:
        try:
            rec = self.r.transact(who, fn, *args, value_wei=value)
        except RollupRevert:
            return None
        for name, ev in rec.events:
            if name == "AssertionFinalised":
                self.finalised[("aid", ev["assertion_id"])] += 1
                self.finalised[("round", ev["round"])] += 1
                a = self.r.assertion(ev["assertion_id"])
                self.credited[a["proposer"]] += a["bond_wei"]
            elif name == "DisputeResolved":
                d = self.r.dispute(ev["dispute_id"])
                self.credited[ev["winner"]] += ev["reward_wei"]
                if ev["winner"] == d["challenger"]:
                    self.credited[d["challenger"]] += d["bond_wei"]
            elif name == "DisputeCancelled":
                self.credited[self.r.dispute(ev["dispute_id"])["challenger"]] += ev["refund_wei"]
            elif name == "TrainerExited":
                self.credited[ev["trainer"]] += ev["stake_wei"]
            elif name == "Withdrawn":
                self.withdrawn[ev["account"]] += ev["amount_wei"]
        return rec.value

    def truth_defender_wins(self, d: dict[str, Any]) -> bool:
        if d["kind"] == 1:
            return not self.wrong[d["subject"]]
        return d["defender"] != self.acct["t_m"]

    def disputes(self) -> list[tuple[int, dict[str, Any]]]:
        return [(i, self.r.dispute(i)) for i in range(1, self.r.counter("dispute_count") + 1)]

    def honest_act(self) -> None:
        for did, d in self.disputes():
            if d["status"] != ACTIVE or self.r.block > d["deadline_block"]:
                continue
            if d["challenger"] in self.honest:
                self.tx(d["challenger"], "cancel_dispute", did)
            if self.r.dispute(did)["status"] != ACTIVE:
                continue
            depth_done = d["moves_made"] >= 2 * self.p.dispute_depth
            mover = None if depth_done else (d["defender"] if d["moves_made"] % 2 == 0 else d["challenger"])
            if depth_done and (d["defender"] in self.honest or d["challenger"] in self.honest):
                self.tx(self.r.arbiter, "resolve", did, self.truth_defender_wins(d))
            elif mover in self.honest:
                data = b"\x07" * 32 if mover == d["defender"] else (1).to_bytes(32, "big")
                self.tx(mover, "move", did, data)
        for aid in range(1, self.r.counter("assertion_count") + 1):
            if self.r.assertion(aid)["proposer"] == self.acct["seq_h"]:
                self.tx(self.acct["seq_h"], "finalise", aid)

    def step_done(self) -> None:
        self.honest_act()

    # ------------------------------------------------------------ rules
    @rule(who=st.sampled_from(["t_h1", "t_h2", "t_m"]), short=st.booleans())
    def register(self, who: str, short: bool) -> None:
        self.tx(self.acct[who], "register_trainer", value=self.p.trainer_stake_wei - int(short))
        self.step_done()

    @rule(who=st.sampled_from(["t_h1", "t_h2", "t_m"]), rnd=st.integers(0, 1))
    def publish(self, who: str, rnd: int) -> None:
        rnd += self.r.counter("next_round")  # only the current round is open (rnd=1: refused)
        self.tx(self.acct[who], "publish_update", rnd, b"\x0a" * 32, b"\x0b" * 32)
        self.step_done()

    @rule(malicious=st.booleans(), wrong=st.booleans())
    def post(self, malicious: bool, wrong: bool) -> None:
        who = self.acct["seq_m" if malicious else "seq_h"]
        rnd = self.r.counter("next_round")
        roots = (b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 3) if self.r.publishers(rnd) else (bytes(32),) * 3 + (0,)
        aid = self.tx(who, "post_assertion", rnd, *roots, value=self.p.sequencer_bond_wei)
        if aid is not None:
            self.wrong[aid] = malicious and wrong
        self.step_done()

    @rule(honest=st.booleans(), pick=st.integers(0, 10))
    def challenge(self, honest: bool, pick: int) -> None:
        n = self.r.counter("assertion_count")
        if n == 0:
            return
        aid = 1 + pick % n
        if honest and not self.wrong[aid]:
            return  # an honest challenger challenges only wrong assertions
        self.tx(self.acct["ch_h" if honest else "ch_m"], "challenge_assertion", aid,
                value=self.p.challenger_bond_wei)
        self.step_done()

    @rule(honest=st.booleans(), who=st.sampled_from(["t_h1", "t_h2", "t_m"]), pred=st.integers(0, 5),
          current=st.booleans())
    def slash_trainer(self, honest: bool, who: str, pred: int, current: bool) -> None:
        if honest and who != "t_m":
            return
        rnd = self.r.counter("next_round") if current else 0
        self.tx(self.acct["ch_h" if honest else "ch_m"], "challenge_trainer", self.acct[who], rnd, pred,
                value=self.p.challenger_bond_wei)
        self.step_done()

    @rule(pick=st.integers(0, 20), index=st.integers(0, 2))
    def dishonest_move(self, pick: int, index: int) -> None:
        ds = self.disputes()
        if not ds:
            return
        did, d = ds[pick % len(ds)]
        mover = d["defender"] if d["moves_made"] % 2 == 0 else d["challenger"]
        if mover not in self.honest:
            data = b"\x09" * 32 if mover == d["defender"] else index.to_bytes(32, "big")
            self.tx(mover, "move", did, data)
        self.step_done()

    @rule(blocks=st.integers(1, 3))
    def advance(self, blocks: int) -> None:
        self.honest_act()
        self.r.block = self.r.block + blocks
        self.step_done()

    @rule(pick=st.integers(0, 20))
    def timeout(self, pick: int) -> None:
        n = self.r.counter("dispute_count")
        if n:
            self.tx(self.acct["ch_m"], "timeout", 1 + pick % n)
        self.step_done()

    @rule(pick=st.integers(0, 20))
    def finalise(self, pick: int) -> None:
        n = self.r.counter("assertion_count")
        if n:
            self.tx(self.acct["seq_m"], "finalise", 1 + pick % n)
        self.step_done()

    @rule(who=st.sampled_from(["seq_h", "seq_m", "ch_h", "ch_m", "t_h1", "t_h2", "t_m"]))
    def withdraw(self, who: str) -> None:
        self.tx(self.acct[who], "withdraw")
        self.step_done()

    @rule(who=st.sampled_from(["t_h1", "t_h2", "t_m"]), complete=st.booleans())
    def exit(self, who: str, complete: bool) -> None:
        self.tx(self.acct[who], "complete_exit" if complete else "request_exit")
        self.step_done()

    # ------------------------------------------------------------ invariants
    @invariant()
    def conservation(self) -> None:
        assert self.r.ledger_ok()
        dep = self.r.counter("total_deposited_wei")
        out = self.r.counter("total_withdrawn_wei") + self.r.burned_wei
        assert dep == self.r.eth_wei + out
        assert sum(self.r.wallet(a) for a in self.acct.values()) + self.r.eth_wei + self.r.burned_wei \
            == FUND * len(self.acct)

    @invariant()
    def no_negative_no_double_final(self) -> None:
        for a in self.acct.values():
            assert self.r.balance_of(a) >= 0 and self.r.stake_of(a) >= 0 and self.r.wallet(a) >= 0
        assert all(v == 1 for v in self.finalised.values())

    @invariant()
    def withdrawals_only_of_credited_funds(self) -> None:
        for a in self.acct.values():
            assert self.withdrawn[a] <= self.credited[a]
            assert self.withdrawn[a] + self.r.balance_of(a) == self.credited[a]

    @invariant()
    def honest_never_lose(self) -> None:
        locked: Counter[str] = Counter()
        for _, d in self.disputes():
            if d["status"] == ACTIVE:
                locked[d["challenger"]] += d["bond_wei"]
        for aid in range(1, self.r.counter("assertion_count") + 1):
            a = self.r.assertion(aid)
            if a["status"] == PENDING:
                locked[a["proposer"]] += a["bond_wei"]
        for a in self.honest:
            held = self.r.wallet(a) + self.r.balance_of(a) + self.r.stake_of(a) + locked[a]
            assert held >= FUND, f"honest {a} holds {held} < {FUND}"


TestLedgerSim = LedgerMachine.TestCase
TestLedgerSim.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)


class LedgerMachineEVM(LedgerMachine):
    backend = "evm"


TestLedgerEVM = pytest.mark.slow(pytest.mark.evm(LedgerMachineEVM.TestCase))
TestLedgerEVM.settings = settings(max_examples=8, stateful_step_count=25, deadline=None)
