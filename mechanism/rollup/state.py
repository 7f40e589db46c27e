"""Fast Python state machine of ``contracts/Rollup.vy`` (same checks, reasons, events, gas).

Every public method is one transaction of the contract: it performs the contract's
``assert`` checks in the same order and raises :class:`RollupRevert` with the same reason
string, or applies the same state change, emits the same events (name + arguments) and
returns the same value; the differential tests in ``tests/mechanism/rollup`` drive this
class and the contract (:mod:`mechanism.evm.rollup`) with the same transactions.
Storage is a flat map slot -> int, like the EVM's, so the gas model
(:mod:`mechanism.rollup.gas`) prices storage writes per slot. Constants, parameters and
receipts live in :mod:`mechanism.rollup.params` (re-exported here); the on-chain arbiter
(``Arbiter.vy``) and its Python mirror in :mod:`mechanism.rollup.arbiter`.

Ledger invariant after every transaction (the tests check it)::

    total_deposited_wei == eth_wei + total_withdrawn_wei + total_burned_wei
    eth_wei == sum(stakes) + sum(active bonds) + sum(balance_of)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mechanism.rollup.gas import (  # re-exported: the gas model lives there
    GasMeter,
)
from mechanism.rollup.params import (  # re-exported: constants, parameters, receipts
    ACTIVE,
    ASSERTION_FIELDS,
    BPS,
    BURN,
    CANCELLED,
    CHALLENGER_WON,
    DEFENDER_WON,
    DISPUTE_FIELDS,
    FINALISED,
    KIND_ASSERTION,
    KIND_TRAINER,
    MAX_PREDICATE,
    MAX_PUBLISHERS,
    MIN_PUBLICATION_WINDOW_BLOCKS,
    MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS,
    PENDING,
    PREDICATES,
    REVERTED,
    ZERO_ADDRESS,
    Event,
    Receipt,
    RollupParams,
    RollupRevert,
)

__all__ = ["ACTIVE", "ASSERTION_FIELDS", "BPS", "BURN", "CANCELLED", "CHALLENGER_WON", "DEFENDER_WON",
           "DISPUTE_FIELDS", "FINALISED", "KIND_ASSERTION", "KIND_TRAINER", "MAX_PREDICATE", "MAX_PUBLISHERS",
           "MIN_PUBLICATION_WINDOW_BLOCKS", "MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS", "PENDING",
           "PREDICATES", "REVERTED", "ZERO_ADDRESS", "Event", "GasMeter", "Receipt", "RollupParams",
           "RollupRevert", "RollupState"]


@dataclass
class RollupState:
    """The Python rollup. ``block`` is the current block number (set by the chain)."""

    params: RollupParams
    arbiter: str
    block: int = 1
    validity: str = ZERO_ADDRESS
    slots: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    eth_wei: int = 0
    wallets_wei: dict[str, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    gas_spent: int = 0
    last_path: str = ""
    last_storage_gas: int = 0
    _meter: GasMeter | None = None
    #: Undo log of the open transaction: (key, was it set, old value) per storage write.
    _journal: list[tuple[tuple[Any, ...], bool, Any]] | None = None

    def __post_init__(self) -> None:
        self.slots[("round_open_block",)] = self.block  # set by the constructor

    def new_account(self, wei: int, name: str | None = None) -> str:
        """Fund a fresh deterministic address (the EVM driver generates real ones)."""
        addr = "0x" + (len(self.wallets_wei) + 1).to_bytes(20, "big").hex()
        self.wallets_wei[addr] = wei
        return addr

    def wallet(self, account: str) -> int:
        return self.wallets_wei.get(account, 0)

    @property
    def burned_wei(self) -> int:
        return self.wallets_wei.get(BURN, 0)

    # ------------------------------------------------------------ storage
    def get(self, *key: Any) -> Any:
        default: Any = False if key[0] in ("assertion_challenged", "trainer_challenged") else 0
        if key[-1] in ("proposer", "trainer", "defender", "challenger") or key[0] == "publishers":
            default = ZERO_ADDRESS
        elif key[-1] in ("input_root", "output_root", "stats_root", "commitment") \
                or key[0] in ("update_root", "data_root"):
            default = b"\x00" * 32
        return self.slots.get(key, default)

    def _set(self, value: Any, *key: Any) -> None:
        old = self.get(*key)
        if self._meter is not None:
            self._meter.sstore(key, old, value)
        if self._journal is not None:
            self._journal.append((key, key in self.slots, self.slots.get(key)))
        self.slots[key] = value

    def assertion(self, aid: int) -> dict[str, Any]:
        return {f: self.get("assertions", aid, f) for f in ASSERTION_FIELDS}

    def dispute(self, did: int) -> dict[str, Any]:
        return {f: self.get("disputes", did, f) for f in DISPUTE_FIELDS}

    def counter(self, name: str) -> int:
        return int(self.get(name))

    def open_trainer_disputes(self, rnd: int) -> int:
        """Trainer disputes on round ``rnd``'s updates still open (``round_trainer_disputes``)."""
        return int(self.get("round_trainer_disputes", rnd))

    def balance_of(self, account: str) -> int:
        return int(self.get("balance_of", account))

    def stake_of(self, account: str) -> int:
        return int(self.get("stake_of", account))

    def exit_block_of(self, account: str) -> int:
        return int(self.get("exit_block", account))

    def roots_of(self, trainer: str, rnd: int) -> tuple[bytes, bytes]:
        """(update root, data root) the trainer published for round ``rnd``."""
        return self.get("update_root", trainer, rnd), self.get("data_root", trainer, rnd)

    def publishers(self, rnd: int) -> list[str]:
        """The trainers that published for round ``rnd``, in order of publication."""
        return [self.get("publishers", rnd, i) for i in range(self.get("publisher_count", rnd))]

    def invalid_from(self, trainer: str, rnd: int) -> int:
        """First assertion id that excludes the trainer's round-``rnd`` update (0: none)."""
        return int(self.get("invalid_from", trainer, rnd))

    def input_trainers(self, aid: int) -> list[str]:
        """The trainers whose updates assertion ``aid`` aggregates (``round_inputs``'s order)."""
        rnd = self.get("assertions", aid, "round")
        return [t for t in self.publishers(rnd) if not 0 < self.invalid_from(t, rnd) <= aid]

    def round_inputs(self, aid: int) -> list[bytes]:
        """``Rollup.round_inputs(aid)``: the update roots assertion ``aid`` must aggregate --
        those published for its round, in order of publication, without the updates
        proven invalid (a trainer dispute on (trainer, round) lost) before ``aid`` was posted."""
        rnd = self.get("assertions", aid, "round")
        return [self.get("update_root", t, rnd) for t in self.input_trainers(aid)]

    # ------------------------------------------------------------ transactions
    def transact(self, sender: str, fn: str, *args: Any, value_wei: int = 0, internal: bool = False) -> Receipt:
        """Apply one transaction atomically: on revert nothing changes and it raises.

        ``internal``: a call from another contract inside its transaction (the arbiter's
        ``resolve``): no intrinsic gas, the refund is left to the caller, and the gas is
        not added to :attr:`gas_spent` (the caller's transaction pays it)."""
        if self.wallets_wei.get(sender, 0) < value_wei:
            raise RollupRevert("insufficient funds")
        # storage is rolled back from an undo log of this transaction's writes (copying every
        # slot per transaction dominated long simulations); balances and events from a snapshot
        snapshot = (self.eth_wei, dict(self.wallets_wei), len(self.events))
        outer, self._journal = self._journal, []
        outer_meter, self._meter = self._meter, GasMeter()
        try:
            method = getattr(self, "_tx_" + fn)
            self.wallets_wei[sender] = self.wallets_wei.get(sender, 0) - value_wei
            self.eth_wei += value_wei
            n0 = len(self.events)
            path, ret = method(sender, value_wei, *args)
            meter = self._meter
            gas = meter.exec_gas(path) if internal else meter.charged(args, path)
            refund = max(meter.refund, 0) if internal else 0
            self.last_path, self.last_storage_gas = path, meter.storage_gas
        except RollupRevert:
            for key, was_set, value in reversed(self._journal):
                if was_set:
                    self.slots[key] = value
                else:
                    self.slots.pop(key, None)
            self.eth_wei, self.wallets_wei = snapshot[0], snapshot[1]
            del self.events[snapshot[2]:]
            raise
        else:
            if outer is not None:  # a call inside another transaction: its writes join the caller's log
                outer.extend(self._journal)
        finally:
            self._meter = outer_meter
            self._journal = outer
        if not internal:
            self.gas_spent += gas
        return Receipt(ret, self.events[n0:], gas, refund)

    def _emit(self, name: str, **args: Any) -> None:
        self.events.append((name, args))

    def _pay_out(self, to: str, amount_wei: int) -> None:
        self.eth_wei -= amount_wei
        self.wallets_wei[to] = self.wallets_wei.get(to, 0) + amount_wei

    @staticmethod
    def _require(cond: bool, reason: str) -> None:
        if not cond:
            raise RollupRevert(reason)

    # trainers ----------------------------------------------------------
    def _tx_register_trainer(self, s: str, v: int) -> tuple[str, None]:
        p = self.params
        self._require(self.get("stake_of", s) == 0, "already registered")
        self._require(self.get("trainer_open_disputes", s) == 0, "disputes open")
        n = self.get("trainer_count")
        self._require(n + self.get("slashed_publishers", self.get("next_round")) < MAX_PUBLISHERS,
                      "trainer set full")
        self._require(v >= p.trainer_stake_wei, "insufficient stake")
        self._require(v == p.trainer_stake_wei, "excess stake")
        self._set(n + 1, "trainer_count")
        self._set(v, "stake_of", s)
        self._set(0, "exit_block", s)
        self._set(self.get("total_deposited_wei") + v, "total_deposited_wei")
        self._emit("TrainerRegistered", trainer=s, stake_wei=v)
        return "register_trainer", None

    def _tx_publish_update(self, s: str, v: int, rnd: int, update_root: bytes, data_root: bytes) -> tuple[str, None]:
        self._require(self.get("stake_of", s) > 0, "unknown trainer")
        self._require(self.get("exit_block", s) == 0, "exit requested")
        self._require(update_root != b"\x00" * 32, "empty root")
        self._require(self.get("update_root", s, rnd) == b"\x00" * 32, "already published")
        self._require(rnd == self.get("next_round") and self.get("pending_assertion", rnd) == 0, "round closed")
        self._require(self.block < self.get("round_open_block") + self.params.publication_window_blocks,
                      "publication closed")
        i = self.get("publisher_count", rnd)
        self._require(i < MAX_PUBLISHERS, "round full")
        self._set(s, "publishers", rnd, i)
        self._set(i + 1, "publisher_count", rnd)
        self._set(rnd + 1, "published_until", s)
        self._set(update_root, "update_root", s, rnd)
        self._set(data_root, "data_root", s, rnd)
        self._emit("UpdatePublished", trainer=s, round=rnd, update_root=update_root, data_root=data_root)
        return "publish_update", None

    def _tx_request_exit(self, s: str, v: int) -> tuple[str, None]:
        self._require(self.get("stake_of", s) > 0, "unknown trainer")
        self._require(self.get("exit_block", s) == 0, "exit requested")
        e = self.block + self.params.challenge_period_blocks
        self._set(e, "exit_block", s)
        self._emit("TrainerExitRequested", trainer=s, exit_block=e)
        return "request_exit", None

    def _tx_complete_exit(self, s: str, v: int) -> tuple[str, None]:
        stake = self.get("stake_of", s)
        self._require(stake > 0, "unknown trainer")
        self._require(self.get("exit_block", s) != 0, "exit not requested")
        self._require(self.block >= self.get("exit_block", s), "exit delay active")
        self._require(self.get("trainer_open_disputes", s) == 0, "disputes open")
        self._require(self.get("published_until", s) <= self.get("next_round"), "updates pending")
        self._set(0, "stake_of", s)
        self._set(0, "exit_block", s)
        self._set(self.get("trainer_count") - 1, "trainer_count")
        self._set(self.get("balance_of", s) + stake, "balance_of", s)
        self._emit("TrainerExited", trainer=s, stake_wei=stake)
        return "complete_exit", None

    # assertions --------------------------------------------------------
    def _tx_post_assertion(self, s: str, v: int, rnd: int, input_root: bytes, output_root: bytes,
                           stats_root: bytes, num_inputs: int) -> tuple[str, int]:
        p = self.params
        self._require(rnd == self.get("next_round"), "wrong round")
        self._require(self.get("pending_assertion", rnd) == 0, "round pending")
        self._require(self.block >= self.get("round_open_block") + p.assertion_delay_blocks,
                      "trainer challenge window")
        self._require(self.get("round_trainer_disputes", rnd) == 0, "trainer disputes open")
        live = self.get("publisher_count", rnd) - self.get("excluded_count", rnd)
        if num_inputs == 0 or live == 0:
            zero = b"\x00" * 32
            self._require(num_inputs == 0 and live == 0 and input_root == zero and output_root == zero
                          and stats_root == zero, "empty round")
        self._require(num_inputs == live, "inputs changed")
        self._require(v >= p.sequencer_bond_wei, "insufficient bond")
        self._require(v == p.sequencer_bond_wei, "excess bond")
        aid = self.get("assertion_count") + 1
        self._set(aid, "assertion_count")
        values = (rnd, s, v, input_root, output_root, stats_root, num_inputs, self.block, PENDING, 0)
        for f, x in zip(ASSERTION_FIELDS, values, strict=True):
            self._set(x, "assertions", aid, f)
        self._set(aid, "pending_assertion", rnd)
        self._set(self.get("total_deposited_wei") + v, "total_deposited_wei")
        self._emit("AssertionPosted", assertion_id=aid, round=rnd, proposer=s, output_root=output_root)
        return ("post_assertion:empty" if num_inputs == 0 else "post_assertion"), aid

    def _tx_finalise(self, s: str, v: int, aid: int) -> tuple[str, None]:
        a = self.assertion(aid)
        self._require(a["status"] != 0, "unknown assertion")
        self._require(a["status"] != FINALISED, "already finalised")
        self._require(a["status"] != REVERTED, "assertion reverted")
        self._require(self.block >= a["posted_block"] + self.params.challenge_period_blocks,
                      "challenge period active")
        self._require(a["open_disputes"] == 0, "disputes open")
        self._set(FINALISED, "assertions", aid, "status")
        self._set(0, "pending_assertion", a["round"])
        self._set(a["round"] + 1, "next_round")
        self._set(self.block, "round_open_block")
        self._set(self.get("balance_of", a["proposer"]) + a["bond_wei"], "balance_of", a["proposer"])
        self._emit("AssertionFinalised", assertion_id=aid, round=a["round"])
        return "finalise", None

    # disputes ----------------------------------------------------------
    def _open(self, s: str, kind: int, subject: int, trainer: str, defender: str, predicate: int,
              bond: int) -> int:
        did = self.get("dispute_count") + 1
        self._set(did, "dispute_count")
        p = self.params
        clock = p.move_clock_blocks if p.depth_of(kind) > 0 else p.verdict_clock
        values = (kind, subject, trainer, defender, s, bond, predicate, 0,
                  self.block + clock, 0, b"\x00" * 32, ACTIVE)
        for f, x in zip(DISPUTE_FIELDS, values, strict=True):
            self._set(x, "disputes", did, f)
        self._set(self.get("total_deposited_wei") + bond, "total_deposited_wei")
        self._emit("Challenged", dispute_id=did, kind=kind, subject=subject, defender=defender, challenger=s)
        return int(did)

    def _tx_challenge_assertion(self, s: str, v: int, aid: int) -> tuple[str, int]:
        p = self.params
        a = self.assertion(aid)
        self._require(a["status"] != 0, "unknown assertion")
        self._require(a["status"] == PENDING, "assertion not pending")
        self._require(self.block < a["posted_block"] + p.challenge_period_blocks, "challenge period over")
        self._require(a["num_inputs"] > 0, "empty round")
        self._require(not self.get("assertion_challenged", aid, s), "already challenged")
        self._require(v >= p.challenger_bond_wei, "insufficient bond")
        self._require(v == p.challenger_bond_wei, "excess bond")
        self._set(True, "assertion_challenged", aid, s)
        self._set(a["open_disputes"] + 1, "assertions", aid, "open_disputes")
        return "challenge_assertion", self._open(s, KIND_ASSERTION, aid, ZERO_ADDRESS, a["proposer"], 0, v)

    def _tx_challenge_trainer(self, s: str, v: int, trainer: str, rnd: int, predicate: int) -> tuple[str, int]:
        p = self.params
        self._require(1 <= predicate <= MAX_PREDICATE, "unknown predicate")
        self._require(self.get("update_root", trainer, rnd) != b"\x00" * 32, "no update")
        self._require(self.get("invalid_from", trainer, rnd) == 0, "proven invalid")
        self._require(rnd < self.get("next_round")
                      or self.block < self.get("round_open_block") + p.assertion_delay_blocks,
                      "challenge window over")
        self._require(not self.get("trainer_challenged", trainer, rnd, s), "already challenged")
        self._require(v >= p.challenger_bond_wei, "insufficient bond")
        self._require(v == p.challenger_bond_wei, "excess bond")
        self._set(True, "trainer_challenged", trainer, rnd, s)
        self._set(self.get("trainer_open_disputes", trainer) + 1, "trainer_open_disputes", trainer)
        self._set(self.get("round_trainer_disputes", rnd) + 1, "round_trainer_disputes", rnd)
        return "challenge_trainer", self._open(s, KIND_TRAINER, rnd, trainer, trainer, predicate, v)

    def subject_live(self, d: dict[str, Any]) -> bool:
        if d["kind"] == KIND_ASSERTION:
            return bool(self.get("assertions", d["subject"], "status") == PENDING)
        return bool(self.get("invalid_from", d["trainer"], d["subject"]) == 0)

    def _check_active(self, d: dict[str, Any]) -> None:
        self._require(d["status"] != 0, "unknown dispute")
        self._require(d["status"] == ACTIVE, "dispute over")
        self._require(self.subject_live(d), "subject gone")

    def to_move(self, did: int) -> str | None:
        """Who must act next in dispute ``did``: defender, challenger, or None at the leaf."""
        d = self.dispute(did)
        if d["moves_made"] >= 2 * self.params.depth_of(d["kind"]):
            return None
        return str(d["defender"] if d["moves_made"] % 2 == 0 else d["challenger"])

    def _tx_move(self, s: str, v: int, did: int, data: bytes) -> tuple[str, None]:
        p = self.params
        d = self.dispute(did)
        self._check_active(d)
        depth = p.depth_of(d["kind"])
        self._require(d["moves_made"] < 2 * depth, "bisection complete")
        defender_turn = d["moves_made"] % 2 == 0
        self._require(s == (d["defender"] if defender_turn else d["challenger"]), "not your turn")
        self._require(self.block <= d["deadline_block"], "clock expired")
        if defender_turn:
            self._set(data, "disputes", did, "commitment")
        else:
            index = int.from_bytes(data, "big")
            self._require(index < p.arity, "bad index")
            self._set(d["position"] * p.arity + index, "disputes", did, "position")
        self._set(d["moves_made"] + 1, "disputes", did, "moves_made")
        clock = p.verdict_clock if d["moves_made"] + 1 == 2 * depth else p.move_clock_blocks
        self._set(self.block + clock, "disputes", did, "deadline_block")
        self._emit("Moved", dispute_id=did, mover=s, moves_made=d["moves_made"] + 1, data=data)
        return ("move_commit" if defender_turn else "move_index"), None

    def _settle(self, did: int, d: dict[str, Any], defender_wins: bool) -> str:
        winner, loser, slashed = d["defender"], d["challenger"], d["bond_wei"]
        assertion_kind = d["kind"] == KIND_ASSERTION
        if defender_wins:
            self._set(DEFENDER_WON, "disputes", did, "status")
        else:
            self._set(CHALLENGER_WON, "disputes", did, "status")
            winner, loser = d["challenger"], d["defender"]
            self._set(self.get("balance_of", winner) + d["bond_wei"], "balance_of", winner)
            if assertion_kind:
                slashed = self.get("assertions", d["subject"], "bond_wei")
            else:
                slashed = self.get("stake_of", d["trainer"])
        if assertion_kind:
            key = ("assertions", d["subject"])
            self._set(self.get(*key, "open_disputes") - 1, *key, "open_disputes")
            if not defender_wins:
                rnd = self.get(*key, "round")
                self._set(REVERTED, *key, "status")
                self._set(0, "pending_assertion", rnd)
                self._emit("AssertionReverted", assertion_id=d["subject"], round=rnd)
        else:
            t = d["trainer"]
            rnd = d["subject"]
            self._set(self.get("trainer_open_disputes", t) - 1, "trainer_open_disputes", t)
            self._set(self.get("round_trainer_disputes", rnd) - 1, "round_trainer_disputes", rnd)
            if not defender_wins:
                nr = self.get("next_round")
                if self.get("stake_of", t) > 0:
                    self._set(self.get("trainer_count") - 1, "trainer_count")
                    if self.get("update_root", t, nr) != b"\x00" * 32:
                        self._set(self.get("slashed_publishers", nr) + 1, "slashed_publishers", nr)
                self._set(0, "stake_of", t)
                self._set(0, "exit_block", t)
                self._set(self.get("assertion_count") + 1, "invalid_from", t, rnd)
                self._set(self.get("excluded_count", rnd) + 1, "excluded_count", rnd)
        reward = slashed * self.params.reward_share_bps // BPS
        burned = slashed - reward
        self._set(self.get("balance_of", winner) + reward, "balance_of", winner)
        self._set(self.get("total_burned_wei") + burned, "total_burned_wei")
        self._emit("DisputeResolved", dispute_id=did, winner=winner, loser=loser, reward_wei=reward,
                   burned_wei=burned)
        if burned > 0:
            self._pay_out(BURN, burned)
        return (f"{'assertion' if assertion_kind else 'trainer'}:"
                f"{'defender' if defender_wins else 'challenger'}:{'burn' if burned else 'noburn'}")

    def _tx_resolve(self, s: str, v: int, did: int, defender_wins: bool) -> tuple[str, None]:
        d = self.dispute(did)
        resolver = self.validity if d["kind"] == KIND_TRAINER and self.validity != ZERO_ADDRESS else self.arbiter
        self._require(s == resolver, "not arbiter")
        self._check_active(d)
        self._require(d["moves_made"] == 2 * self.params.depth_of(d["kind"]), "bisection incomplete")
        self._require(self.block <= d["deadline_block"], "clock expired")
        return "resolve:" + self._settle(did, d, bool(defender_wins)), None

    def _tx_timeout(self, s: str, v: int, did: int) -> tuple[str, None]:
        d = self.dispute(did)
        self._check_active(d)
        self._require(self.block > d["deadline_block"], "clock running")
        depth = self.params.depth_of(d["kind"])
        defender_wins = not (d["moves_made"] < 2 * depth and d["moves_made"] % 2 == 0)
        return "timeout:" + self._settle(did, d, defender_wins), None

    def _tx_cancel_dispute(self, s: str, v: int, did: int) -> tuple[str, None]:
        d = self.dispute(did)
        self._require(d["status"] != 0, "unknown dispute")
        self._require(d["status"] == ACTIVE, "dispute over")
        self._require(not self.subject_live(d), "subject live")
        self._set(CANCELLED, "disputes", did, "status")
        key: tuple[Any, ...]
        if d["kind"] == KIND_ASSERTION:
            key = ("assertions", d["subject"], "open_disputes")
            kind = "assertion"
        else:
            key = ("trainer_open_disputes", d["trainer"])
            kind = "trainer"
            rkey = ("round_trainer_disputes", d["subject"])
            self._set(self.get(*rkey) - 1, *rkey)
        self._set(self.get(*key) - 1, *key)
        c = d["challenger"]
        self._set(self.get("balance_of", c) + d["bond_wei"], "balance_of", c)
        self._emit("DisputeCancelled", dispute_id=did, refund_wei=d["bond_wei"])
        return "cancel_dispute:" + kind, None

    # withdrawals -------------------------------------------------------
    def _tx_withdraw(self, s: str, v: int) -> tuple[str, None]:
        amount = self.get("balance_of", s)
        self._require(amount > 0, "nothing to withdraw")
        self._set(0, "balance_of", s)
        self._set(self.get("total_withdrawn_wei") + amount, "total_withdrawn_wei")
        self._emit("Withdrawn", account=s, amount_wei=amount)
        self._pay_out(s, amount)
        return "withdraw", None

    # ------------------------------------------------------------ ledger views
    def ledger_ok(self) -> bool:
        """Conservation: deposited == held + withdrawn + burned, and held == liabilities."""
        dep, wd, burned = (self.counter(k) for k in ("total_deposited_wei", "total_withdrawn_wei",
                                                     "total_burned_wei"))
        liabilities = 0
        for key, val in self.slots.items():
            if key[0] in ("stake_of", "balance_of"):
                liabilities += val
        for did in range(1, self.counter("dispute_count") + 1):
            if self.get("disputes", did, "status") == ACTIVE:
                liabilities += self.get("disputes", did, "bond_wei")
        for aid in range(1, self.counter("assertion_count") + 1):
            if self.get("assertions", aid, "status") == PENDING:
                liabilities += self.get("assertions", aid, "bond_wei")
        return dep == self.eth_wei + wd + burned and self.eth_wei == liabilities
