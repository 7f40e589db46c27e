"""Differential tests: the same transaction sequences on Rollup.vy (EVM) and the Python
machine give the same outcomes, revert reasons, events, balances and gas (within 5%)."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.evm.rollup import Paired
from mechanism.rollup.state import RollupParams, RollupRevert

pytestmark = pytest.mark.evm

FNS = ("register_trainer", "request_exit", "complete_exit", "post_assertion", "finalise",
       "challenge_assertion", "challenge_trainer", "move", "resolve", "timeout", "cancel_dispute",
       "withdraw", "publish_update")


def random_tx(pr: Paired, rng: np.random.Generator, accounts: list[str]) -> tuple[str, str, tuple, int]:
    p = pr.sim.params
    fn = FNS[int(rng.integers(len(FNS)))]
    who = accounts[int(rng.integers(len(accounts)))]
    if fn == "resolve" and rng.random() < 0.8:
        who = pr.evm.arbiter
    nd = pr.sim.counter("dispute_count") + 1
    na = pr.sim.counter("assertion_count") + 1
    did, aid = int(rng.integers(0, nd + 1)), int(rng.integers(0, na + 1))
    if did and rng.random() < 0.7:  # the party to move, usually
        d = pr.sim.dispute(did)
        mover = pr.sim.to_move(did)
        if fn == "move" and mover is not None:
            who = mover
    bond = [p.challenger_bond_wei, p.challenger_bond_wei - 1, p.challenger_bond_wei + 1][int(rng.choice(3, p=[.8, .1, .1]))]
    root = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
    args: tuple
    value = 0
    if fn == "register_trainer":
        value = [p.trainer_stake_wei, p.trainer_stake_wei // 2][int(rng.random() < 0.1)]
        args = ()
    elif fn == "post_assertion":
        value = [p.sequencer_bond_wei, 1][int(rng.random() < 0.1)]
        rnd = pr.sim.counter("next_round") + int(rng.random() < 0.1)
        live = pr.sim.get("publisher_count", rnd) - pr.sim.get("excluded_count", rnd)
        if rng.random() < (0.7 if live == 0 else 0.1):  # the empty assertion (valid iff no live update)
            args = (rnd, bytes(32), bytes(32), bytes(32), 0)
        else:
            n = live if live and rng.random() < 0.7 else int(rng.integers(1, 50))  # mostly the live count
            args = (rnd, root, root, root, n)
    elif fn in ("finalise", "challenge_assertion"):
        args, value = (aid,), bond if fn == "challenge_assertion" else 0
    elif fn == "publish_update":
        staked = [a for a in accounts if pr.sim.stake_of(a) > 0 and pr.sim.exit_block_of(a) == 0]
        if staked and rng.random() < 0.8:  # usually a trainer that may publish
            who = staked[int(rng.integers(len(staked)))]
        rnd = max(0, pr.sim.counter("next_round") + int(rng.integers(-1, 2)))
        args = (rnd, root if rng.random() < 0.9 else bytes(32), root)
    elif fn == "challenge_trainer":
        args, value = (accounts[int(rng.integers(len(accounts)))], int(rng.integers(0, 3)), int(rng.integers(0, 6))), bond
    elif fn == "move":
        d = pr.sim.dispute(did)
        data = root if d["moves_made"] % 2 == 0 else int(rng.integers(0, p.arity + 1)).to_bytes(32, "big")
        args = (did, data)
    elif fn == "resolve":
        args = (did, bool(rng.random() < 0.5))
    elif fn in ("timeout", "cancel_dispute"):
        args = (did,)
    else:
        args = ()
    return who, fn, args, value


def assert_same(pr: Paired, accounts: list[str]) -> None:
    sim, evm = pr.sim, pr.evm
    for a in [*accounts, pr.evm.arbiter]:
        assert sim.balance_of(a) == evm.balance_of(a)
        assert sim.stake_of(a) == evm.stake_of(a)
        assert sim.wallet(a) == evm.wallet(a)
    assert sim.eth_wei == evm.eth_wei
    assert sim.burned_wei == evm.burned_wei
    for k in ("total_deposited_wei", "total_withdrawn_wei", "total_burned_wei", "next_round",
              "assertion_count", "dispute_count"):
        assert sim.counter(k) == evm.counter(k), k
    for aid in range(1, sim.counter("assertion_count") + 1):
        assert sim.assertion(aid) == evm.assertion(aid)
    for did in range(1, sim.counter("dispute_count") + 1):
        assert sim.dispute(did) == evm.dispute(did)
    assert sim.ledger_ok() and evm.ledger_ok()


@pytest.mark.parametrize("seed", range(3))
def test_random_sequences_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = RollupParams(challenge_period_blocks=8, move_clock_blocks=3, dispute_depth=int(rng.integers(0, 3)),
                          arity=2, reward_share_bps=int(rng.choice([0, 5000, 10000])),
                          assertion_depth=int(rng.integers(0, 3)), verdict_clock_blocks=int(rng.integers(2, 6)),
                          publication_window_blocks=10, trainer_challenge_window_blocks=3)
    pr = Paired(params)
    accounts = [pr.new_account(10**21) for _ in range(5)]
    ok = reverted = 0
    gaps = []
    done: set[str] = set()
    for _ in range(140):
        if rng.random() < 0.25:
            pr.advance(int(rng.integers(1, 5)))
        who, fn, args, value = random_tx(pr, rng, accounts)
        a, b = pr.transact(who, fn, *args, value_wei=value)
        assert type(a) is type(b), (fn, args, a, b)
        if isinstance(a, RollupRevert):
            assert a.reason == b.reason, (fn, args)
            reverted += 1
        else:
            assert a.value == b.value and a.events == b.events, (fn, args)
            gaps.append(abs(a.gas - b.gas) / b.gas)
            ok += 1
            done.add(fn)
        assert_same(pr, accounts)
    assert ok >= 10 and reverted >= 20
    assert max(gaps) <= 0.05, f"simulator gas differs from the EVM by {max(gaps):.2%}"


def test_invalid_transactions_revert_with_same_reason() -> None:
    p = RollupParams(challenge_period_blocks=5, move_clock_blocks=2, dispute_depth=1)
    pr = Paired(p)
    seq, c1, t1, stranger = (pr.new_account(10**21) for _ in range(4))
    root = b"\x11" * 32
    cases: list[tuple[str, str, tuple, int, str]] = [
        (stranger, "request_exit", (), 0, "unknown trainer"),
        (c1, "challenge_trainer", (stranger, 0, 3), p.challenger_bond_wei, "no update"),
        (stranger, "publish_update", (0, root, root), 0, "unknown trainer"),
        (seq, "post_assertion", (0, root, root, root, 3), p.sequencer_bond_wei, "trainer challenge window"),
        (seq, "post_assertion", (1, root, root, root, 3), p.sequencer_bond_wei, "wrong round"),
        (t1, "register_trainer", (), p.trainer_stake_wei - 1, "insufficient stake"),
    ]
    for who, fn, args, value, reason in cases:
        a, b = pr.transact(who, fn, *args, value_wei=value)
        assert isinstance(a, RollupRevert) and isinstance(b, RollupRevert)
        assert a.reason == b.reason == reason
    pr.transact(t1, "register_trainer", value_wei=p.trainer_stake_wei)
    a, b = pr.transact(c1, "challenge_trainer", t1, 0, 3, value_wei=p.challenger_bond_wei)
    assert a.reason == b.reason == "no update"
    a, b = pr.transact(t1, "publish_update", 0, bytes(32), root)
    assert a.reason == b.reason == "empty root"
    a, b = pr.transact(t1, "publish_update", 1, root, root)
    assert a.reason == b.reason == "round closed"  # only the current round is open
    pr.transact(t1, "publish_update", 0, root, root)
    a, b = pr.transact(t1, "publish_update", 0, root, root)
    assert a.reason == b.reason == "already published"
    t3 = pr.new_account(10**21)
    pr.transact(t3, "register_trainer", value_wei=p.trainer_stake_wei)
    pr.advance(p.publication_window_blocks)
    a, b = pr.transact(t3, "publish_update", 0, root, root)
    assert a.reason == b.reason == "publication closed"  # the window of round 0 is over
    a, b = pr.transact(seq, "post_assertion", 0, root, root, root, 1, value_wei=p.sequencer_bond_wei)
    assert a.reason == b.reason == "trainer challenge window"  # its updates can still be disputed
    pr.advance(p.trainer_challenge_window_blocks)
    a, b = pr.transact(c1, "challenge_trainer", t1, 0, 3, value_wei=p.challenger_bond_wei)
    assert a.reason == b.reason == "challenge window over"
    a, b = pr.transact(seq, "post_assertion", 0, bytes(32), bytes(32), bytes(32), 0, value_wei=p.sequencer_bond_wei)
    assert a.reason == b.reason == "empty round"  # an update is live: the empty assertion is refused
    a, b = pr.transact(seq, "post_assertion", 0, root, root, root, 3, value_wei=p.sequencer_bond_wei)
    assert a.reason == b.reason == "inputs changed"  # 1 live input, not 3
    a, b = pr.transact(seq, "post_assertion", 0, root, root, root, 1, value_wei=p.sequencer_bond_wei - 1)
    assert a.reason == b.reason == "insufficient bond"
    aid = pr.transact(seq, "post_assertion", 0, root, root, root, 1, value_wei=p.sequencer_bond_wei)[1].value
    t2 = pr.new_account(10**21)
    pr.transact(t2, "register_trainer", value_wei=p.trainer_stake_wei)
    a, b = pr.transact(t2, "publish_update", 0, root, root)
    assert a.reason == b.reason == "round closed"  # the pending assertion fixed the round's inputs
    assert pr.sim.round_inputs(aid) == pr.evm.round_inputs(aid) == [root]
    assert pr.sim.publishers(1) == pr.evm.publishers(1) == []
    a, b = pr.transact(c1, "challenge_assertion", aid, value_wei=p.challenger_bond_wei - 1)
    assert a.reason == b.reason == "insufficient bond"
    did = pr.transact(c1, "challenge_assertion", aid, value_wei=p.challenger_bond_wei)[1].value
    a, b = pr.transact(c1, "challenge_assertion", aid, value_wei=p.challenger_bond_wei)
    assert a.reason == b.reason == "already challenged"
    a, b = pr.transact(c1, "move", did, root)
    assert a.reason == b.reason == "not your turn"
    pr.advance(p.move_clock_blocks + 1)
    a, b = pr.transact(seq, "move", did, root)
    assert a.reason == b.reason == "clock expired"  # late move
    pr.advance(p.challenge_period_blocks)
    a, b = pr.transact(seq, "finalise", aid)
    assert a.reason == b.reason == "disputes open"
    pr.transact(c1, "timeout", did)  # the proposer missed its clock: assertion reverted
    a, b = pr.transact(seq, "finalise", aid)
    assert a.reason == b.reason == "assertion reverted"
    a, b = pr.transact(seq, "withdraw")
    assert a.reason == b.reason == "nothing to withdraw"  # slashed bond is not withdrawable
    assert_same(pr, [seq, c1, t1, t2, t3, stranger])
