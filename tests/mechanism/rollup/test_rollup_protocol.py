"""Protocol properties: multi-challenger rule (no starvation), re-entrancy-safe withdrawals."""

from __future__ import annotations

import pytest

from mechanism.rollup.state import ACTIVE, CHALLENGER_WON, RollupParams, RollupRevert, RollupState

ROOT = b"\x05" * 32


def test_honest_challenger_not_starved_by_fake_challengers() -> None:
    """30 sybil challengers (colluding with a lying proposer) open disputes first and stall;
    the honest challenger's own dispute runs in parallel and wins within its move bound."""
    p = RollupParams(challenge_period_blocks=20, move_clock_blocks=3, dispute_depth=3, arity=4)
    r = RollupState(p, arbiter="0x" + "aa" * 20)
    seq, honest = r.new_account(10**22), r.new_account(10**22)
    fakes = [r.new_account(10**22) for _ in range(30)]
    trainer = r.new_account(10**22)  # a round needs a published update and its publication window
    r.transact(trainer, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(trainer, "publish_update", 0, ROOT, ROOT)
    r.block += p.assertion_delay_blocks
    aid = r.transact(seq, "post_assertion", 0, ROOT, ROOT, ROOT, 1, value_wei=p.sequencer_bond_wei).value
    for f in fakes:
        r.transact(f, "challenge_assertion", aid, value_wei=p.challenger_bond_wei)
    r.block += p.challenge_period_blocks - 1  # the honest challenge arrives at the last moment
    did = r.transact(honest, "challenge_assertion", aid, value_wei=p.challenger_bond_wei).value
    start = r.block
    while r.dispute(did)["status"] == ACTIVE:
        mover = r.to_move(did)
        if mover == honest:
            r.transact(honest, "move", did, (0).to_bytes(32, "big"))
        elif mover is None:
            r.transact(r.arbiter, "resolve", did, False)  # the one-step verifier convicts the lie
        else:  # the proposer stalls its honest opponent as long as the clock allows
            r.block += p.move_clock_blocks
            r.transact(seq, "move", did, ROOT)
    assert r.dispute(did)["status"] == CHALLENGER_WON
    assert r.block - start <= (2 * p.dispute_depth + 1) * p.move_clock_blocks
    assert r.assertion(aid)["status"] == 3  # reverted: the fake disputes could not block it
    for f in fakes[:3]:  # fake disputes are refunded, never paid the proposer's bond
        with pytest.raises(RollupRevert, match="subject gone"):
            r.transact(f, "timeout", 1)
    assert r.balance_of(honest) == p.challenger_bond_wei + p.sequencer_bond_wei * p.reward_share_bps // 10_000
    assert r.ledger_ok()


@pytest.mark.evm
def test_withdraw_is_reentrancy_safe() -> None:
    import boa

    from mechanism.evm.rollup import RollupEVM

    p = RollupParams(challenge_period_blocks=2)
    r = RollupEVM(p)
    attacker_src = """
# pragma version ~=0.4.3
interface R:
    def register_trainer(): payable
    def request_exit(): nonpayable
    def complete_exit(): nonpayable
    def withdraw(): nonpayable
target: public(address)
reentered: public(bool)
@deploy
def __init__(t: address):
    self.target = t
@external
@payable
def join():
    extcall R(self.target).register_trainer(value=msg.value)
@external
def leave(complete: bool):
    if complete:
        extcall R(self.target).complete_exit()
    else:
        extcall R(self.target).request_exit()
@external
def steal():
    extcall R(self.target).withdraw()
@external
@payable
def __default__():
    ok: bool = raw_call(self.target, method_id("withdraw()"), revert_on_failure=False)
    self.reentered = ok
"""
    with boa.swap_env(r.env):
        atk = boa.loads(attacker_src, r.contract.address)
        owner = r.new_account(10**20)
        atk.join(value=p.trainer_stake_wei, sender=owner)
        atk.leave(False, sender=owner)
        r.block = r.block + p.challenge_period_blocks
        atk.leave(True, sender=owner)
        atk.steal(sender=owner)
        assert not atk.reentered()
    assert r.wallet(str(atk.address)) == p.trainer_stake_wei  # paid exactly once
    assert r.balance_of(str(atk.address)) == 0
    assert r.eth_wei == 0 and r.ledger_ok()
