"""The on-chain arbiter: Rollup.vy + Arbiter.vy + DisputeGame.vy with real
contract-to-contract calls, differential-tested against the Python rollup, the Python
arbiter and the Python game (same winners, statuses, balances, events; gas within 5%)."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.rollup import FINALISED, REVERTED, RollupRevert
from mechanism.rollup_arbiter import GameConfig
from mechanism.rollup_arbiter_evm import PairedArbiter, play_round

pytestmark = pytest.mark.evm

CFG = GameConfig(dim=64, chunk=8, arity=4, clock_blocks=4)
PARAMS = CFG.rollup_params(challenge_period_blocks=20, move_clock_blocks=4, dispute_depth=2)


@pytest.fixture(scope="module")
def paired() -> PairedArbiter:
    return PairedArbiter(PARAMS, CFG)


@pytest.mark.parametrize(("lie", "griefer", "opened", "winner", "status"), [
    (True, None, True, "challenger", REVERTED),          # fraud: bisection + one-step expose it
    (False, "after_point", True, "proposer", FINALISED),  # griefing challenger loses its bond
    (True, None, False, "challenger", REVERTED),          # proposer never opens the game
])
def test_round_same_on_python_and_evm(paired: PairedArbiter, lie: bool, griefer: str | None, opened: bool,
                                      winner: str, status: int) -> None:
    x = np.random.default_rng(7).integers(-5000, 5000, size=(12, CFG.dim)).astype(np.int64)
    gas0 = paired.gas
    r = play_round(paired, x, lie, griefer, seed=3, open_game=opened)
    assert r["winner"] == (winner, winner)
    assert r["status"] == (status, status)
    for sim_wei, evm_wei in r["wallets"].values():
        assert sim_wei == evm_wei
    sim_settle, evm_settle = r["settled"]
    assert not isinstance(sim_settle, RollupRevert) and not isinstance(evm_settle, RollupRevert)
    assert sim_settle.events == evm_settle.events
    sim_gas, evm_gas = (b - a for a, b in zip(gas0, paired.gas, strict=True))
    assert abs(sim_gas - evm_gas) / evm_gas < 0.05
    assert paired.sim_rollup.ledger_ok() and paired.evm.rollup.ledger_ok()
    if opened and lie:
        assert paired.sim.games[r["did"]].reason == "one-step verifier"


def test_arbiter_checks_revert_alike(paired: PairedArbiter) -> None:
    pr = paired
    x = np.random.default_rng(8).integers(-5000, 5000, size=(6, CFG.dim)).astype(np.int64)
    from mechanism.dispute_adapter import assert_round_with, input_roots

    claim, _, honest, _ = assert_round_with("trimmed_mean", x, CFG.chunk, CFG.arity, False,
                                            np.random.default_rng(0), **CFG.rule_params(6))
    seq, chal = pr.new_account(10**21), pr.new_account(10**21)
    rnd = pr.sim_rollup.counter("next_round")
    aid = pr.rollup_tx(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root, 6,
                       value_wei=PARAMS.sequencer_bond_wei)[1].value
    did = pr.rollup_tx(chal, "challenge_assertion", aid, value_wei=PARAMS.challenger_bond_wei)[1].value
    roots = input_roots(honest)
    cases = [
        (chal, "open_game", (did, roots, honest.roots[0]), "not defender"),
        (seq, "open_game", (did, roots[:-1], honest.roots[0]), "input count"),
        (seq, "open_game", (did, roots[::-1], honest.roots[0]), "input roots"),
        (seq, "open_game", (did + 99, roots, honest.roots[0]), "not an assertion dispute"),
        (chal, "settle", (did,), "clock running"),
    ]
    for who, fn, args, reason in cases:
        a, b = pr.arbiter_tx(who, fn, *args)
        assert isinstance(a, RollupRevert) and isinstance(b, RollupRevert), (fn, reason)
        assert a.reason == b.reason == reason
    with pytest.raises(RollupRevert, match="not arbiter"):
        pr.evm.rollup.transact(chal, "resolve", did, False)
    pr.arbiter_tx(seq, "open_game", did, roots, honest.roots[0])
    a, b = pr.arbiter_tx(chal, "settle", did)
    assert isinstance(a, RollupRevert) and isinstance(b, RollupRevert) and a.reason == b.reason == "early"
