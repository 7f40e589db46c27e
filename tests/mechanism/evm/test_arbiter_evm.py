"""The on-chain arbiter: Rollup.vy + Arbiter.vy + DisputeGame.vy with real
contract-to-contract calls, differential-tested against the Python rollup, the Python
arbiter and the Python game (same winners, statuses, balances, events; gas within 5%)."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.evm.arbiter import PairedArbiter, play_round, publish_round
from mechanism.rollup.arbiter import GameConfig
from mechanism.rollup.state import FINALISED, REVERTED, RollupRevert

pytestmark = pytest.mark.evm

CFG = GameConfig(dim=64, chunk=8, arity=4, clock_blocks=4)
PARAMS = CFG.rollup_params(challenge_period_blocks=20, move_clock_blocks=4)  # trainer disputes: TrainerValidity


@pytest.fixture
def paired() -> PairedArbiter:
    """A fresh deployment per test: a reverted round is redone with its publications."""
    return PairedArbiter(PARAMS, CFG)


@pytest.mark.parametrize(("lie", "griefer", "opened", "winner", "status", "invalid"), [
    (True, None, True, "challenger", REVERTED, 0),          # fraud: bisection + one-step expose it
    (False, "after_point", True, "proposer", FINALISED, 0),  # griefing challenger loses its bond
    (True, None, False, "challenger", REVERTED, 0),          # proposer never opens the game
    (False, "after_point", True, "proposer", FINALISED, 1),  # a proven-invalid update is no input
])
def test_round_same_on_python_and_evm(paired: PairedArbiter, lie: bool, griefer: str | None, opened: bool,
                                      winner: str, status: int, invalid: int) -> None:
    x = np.random.default_rng(7).integers(-5000, 5000, size=(12, CFG.dim)).astype(np.int64)
    gas0 = paired.gas
    r = play_round(paired, x, lie, griefer, seed=3, open_game=opened, invalid=invalid)
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
    from mechanism.rollup.disputes import assert_round_with, input_roots

    claim, _, honest, _ = assert_round_with("trimmed_mean", x, CFG.chunk, CFG.arity, False,
                                            np.random.default_rng(0), **CFG.rule_params(6))
    roots = input_roots(honest)
    publish_round(pr, roots)
    seq, chal = pr.new_account(10**21), pr.new_account(10**21)
    rnd = pr.sim_rollup.counter("next_round")
    aid = pr.rollup_tx(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root, 6,
                       value_wei=PARAMS.sequencer_bond_wei)[1].value
    did = pr.rollup_tx(chal, "challenge_assertion", aid, value_wei=PARAMS.challenger_bond_wei)[1].value
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


@pytest.mark.parametrize(("swap", "lie"), [("replace", False), ("replace", True), ("drop", False),
                                           ("reorder", False)])
def test_unpublished_inputs_lose_the_dispute(paired: PairedArbiter, swap: str, lie: bool) -> None:
    """The sequencer aggregates inputs other than the published updates -- one replaced by
    an update nobody published, one dropped, or the publication order changed -- honestly
    (or with a wrong output as well): it cannot open the game with the roots its input
    root commits to ("unpublished input" / "published count"), nor with the published
    ones ("input roots"), so it loses on its clock: bond slashed, assertion reverted, the
    same on both backends. A dropped input with the matching count is refused when posted
    ("inputs changed": the count must be the round's live count), so a drop is posted with
    the live count and an input root over one root fewer ("input count")."""
    from mechanism.rollup.disputes import assert_round_with, input_roots

    pr = paired
    rng = np.random.default_rng(9)
    x = rng.integers(-5000, 5000, size=(7, CFG.dim)).astype(np.int64)
    _, _, published_tr, _ = assert_round_with("trimmed_mean", x, CFG.chunk, CFG.arity, False, rng,
                                              **CFG.rule_params(7))
    published = input_roots(published_tr)
    publish_round(pr, published)
    if swap == "replace":
        xs = x.copy()
        xs[3] = rng.integers(-5000, 5000, size=CFG.dim)
    else:
        xs = x[:-1] if swap == "drop" else x[::-1].copy()
    n = xs.shape[0]
    claim, _, used_tr, _ = assert_round_with("trimmed_mean", xs, CFG.chunk, CFG.arity, lie, rng,
                                             **CFG.rule_params(n))
    used = input_roots(used_tr)
    seq, chal = pr.new_account(10**21), pr.new_account(10**21)
    rnd = pr.sim_rollup.counter("next_round")
    if swap == "drop":
        for impl in (pr.sim_rollup, pr.evm.rollup):
            with pytest.raises(RollupRevert, match="inputs changed"):
                impl.transact(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root, n,
                              value_wei=PARAMS.sequencer_bond_wei)
        n += 1
    aid = pr.rollup_tx(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root, n,
                       value_wei=PARAMS.sequencer_bond_wei)[1].value
    assert pr.sim_rollup.round_inputs(aid) == pr.evm.rollup.round_inputs(aid) == published
    pr.advance(1)
    did = pr.rollup_tx(chal, "challenge_assertion", aid, value_wei=PARAMS.challenger_bond_wei)[1].value
    pr.advance(1)
    want = "input count" if swap == "drop" else "unpublished input"
    for roots, reason in ((used, want), (published, "input roots")):
        a, b = pr.arbiter_tx(seq, "open_game", did, roots, used_tr.roots[0])
        assert isinstance(a, RollupRevert) and isinstance(b, RollupRevert)
        assert a.reason == b.reason == reason
    pr.advance(CFG.clock_blocks + 1)
    a, b = pr.arbiter_tx(chal, "settle", did)
    assert not isinstance(a, RollupRevert) and not isinstance(b, RollupRevert)
    assert a.events == b.events
    assert pr.sim_rollup.assertion(aid)["status"] == pr.evm.rollup.assertion(aid)["status"] == REVERTED
    reward = PARAMS.sequencer_bond_wei * PARAMS.reward_share_bps // 10_000
    assert pr.sim_rollup.balance_of(chal) == pr.evm.rollup.balance_of(chal) == PARAMS.challenger_bond_wei + reward
    assert pr.sim_rollup.balance_of(seq) == pr.evm.rollup.balance_of(seq) == 0
    assert pr.sim_rollup.ledger_ok() and pr.evm.rollup.ledger_ok()
