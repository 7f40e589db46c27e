"""Open findings of the protocol fuzzer (test_protocol_fuzz.py), each reduced to a minimal
reproduction through the project's drivers. Every test asserts the property the
protocol promises (docs/protocol.md, "Safety and liveness properties") and is expected
to fail until the contracts are fixed (``xfail(strict=True)``: a fix makes it pass and
the marker must then go -- together with the ordering the fuzzer masks for it, see
``ORFL_FUZZ_OPEN_FINDINGS`` in test_protocol_fuzz.py)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest

from mechanism.commitment import commit
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.arbiter import GameConfig
from mechanism.rollup.predicates import NON_FINITE, range_proof
from mechanism.rollup.state import FINALISED, REVERTED, RollupParams, RollupRevert, RollupState

FUND = 10**22
CFG = GameConfig(dim=8, chunk=4, arity=2, rule="median", clock_blocks=2)


def _arbiter() -> Any:
    from mechanism.evm.arbiter import ArbiterEVM

    params = CFG.rollup_params(challenge_period_blocks=8, move_clock_blocks=2, publication_window_blocks=2)
    return ArbiterEVM(params, CFG)


def _root(x: np.ndarray) -> bytes:
    return commit(x, CFG.chunk, CFG.arity).root


def _claim(rows: list[np.ndarray]) -> Any:
    from mechanism.rollup.disputes import assert_round_with

    return assert_round_with(CFG.rule, np.stack(rows), CFG.chunk, CFG.arity, False, np.random.default_rng(0))


@pytest.mark.evm
@pytest.mark.xfail(strict=True, reason="open finding A: an update published in the block of the assertion "
                                      "is an input before anyone can prove it invalid")
def test_invalid_update_published_in_the_assertions_block_is_aggregated() -> None:
    """A Sybil publishes an out-of-range update and, in the same block, the attacker's
    sequencer posts the (correct) aggregate over the round's inputs, which now include
    it. The watcher proves the update invalid in the next block, but the exclusion only
    applies to later assertions (``invalid_from = assertion_count + 1``) and no game can
    refute an assertion that aggregates exactly ``round_inputs``: the poisoned aggregate
    finalises. Publication is open until the assertion lands, so the watcher has no
    block in which to challenge."""
    arb = _arbiter()
    r, p = arb.rollup, arb.rollup.params
    honest, sybil, seq, watcher = (r.new_account(FUND) for _ in range(4))
    x = np.arange(CFG.dim, dtype=np.int64)
    bad = x.copy()
    bad[0] = MAX_ABS_INT + 1
    for t in (honest, sybil):
        r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(honest, "publish_update", 0, _root(x), _root(x))
    r.block = r.block + p.publication_window_blocks
    # one block: the Sybil's publication, then the assertion
    r.transact(sybil, "publish_update", 0, _root(bad), _root(bad))
    claim, _, _, _ = _claim([x, bad])
    aid = r.transact(seq, "post_assertion", 0, claim.input_root, claim.output_root, claim.stats_root, 2,
                     value_wei=p.sequencer_bond_wei).value
    r.block = r.block + 1
    did = r.transact(watcher, "challenge_trainer", sybil, 0, NON_FINITE, value_wei=p.challenger_bond_wei).value
    assert arb.validity is not None
    arb.validity.transact(watcher, "prove_range", did, *range_proof(bad, arb.validity.cfg))
    assert r.invalid_from(sybil, 0) > 0  # proven invalid ...
    r.block = r.block + p.challenge_period_blocks
    r.transact(watcher, "finalise", aid)
    assert r.assertion(aid)["status"] == FINALISED
    assert _root(bad) not in r.round_inputs(aid), "a finalised aggregate includes an update proven invalid"


@pytest.mark.evm
@pytest.mark.xfail(strict=True, reason="open finding B: a publication ordered before the honest sequencer's "
                                      "assertion in its block makes the assertion undefendable")
def test_publication_front_running_the_honest_assertion_slashes_the_sequencer() -> None:
    """The honest sequencer posts the correct aggregate over the n updates it sees; a
    Sybil's (valid) publication is ordered before it in the same block, so the
    assertion's inputs are n + 1 updates. ``post_assertion`` does not check the count,
    and ``open_game`` accepts only the published inputs: the sequencer cannot open the
    game, the attacker's challenge wins on the clock and takes ``reward_share`` of the
    honest bond. Repeatable every round, at no cost (the Sybil's update is valid)."""
    arb = _arbiter()
    r, p = arb.rollup, arb.rollup.params
    honest, sybil, seq, attacker = (r.new_account(FUND) for _ in range(4))
    x, y = np.arange(CFG.dim, dtype=np.int64), -np.arange(CFG.dim, dtype=np.int64)
    for t in (honest, sybil):
        r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(honest, "publish_update", 0, _root(x), _root(x))
    r.block = r.block + p.publication_window_blocks
    claim, _, trace, _ = _claim([x])  # what the honest sequencer sees and signs
    r.transact(sybil, "publish_update", 0, _root(y), _root(y))  # ordered first in the block
    rec: Any = None
    try:
        rec = r.transact(seq, "post_assertion", 0, claim.input_root, claim.output_root, claim.stats_root, 1,
                         value_wei=p.sequencer_bond_wei)
    except RollupRevert:
        return  # refused: the honest sequencer keeps its bond and re-posts
    aid = rec.value
    did = r.transact(attacker, "challenge_assertion", aid, value_wei=p.challenger_bond_wei).value
    for roots in ([_root(x)], [_root(x), _root(y)]):
        try:
            arb.transact(seq, "open_game", did, roots, trace.roots[0])
            break
        except RollupRevert:
            pass
    r.block = r.block + CFG.clock_blocks + 1  # the defender's clock to open the game ran out
    with contextlib.suppress(RollupRevert):
        arb.transact(attacker, "settle", did)
    assert r.assertion(aid)["status"] != REVERTED, "the honest sequencer's assertion was reverted"


@pytest.mark.xfail(strict=True, reason="open finding C: 64 Sybil publications fill a round before an honest "
                                      "trainer publishes (round full)")
def test_sybils_filling_the_round_exclude_the_honest_update() -> None:
    """MAX_PUBLISHERS = 64 publications per round, first come first served: Sybils
    ordered first in the block that opens a round (or simply first) fill it with valid
    updates at no loss -- their stakes come back -- and every honest update of the round
    is refused "round full", round after round."""
    r = RollupState(RollupParams(), arbiter="0x" + "aa" * 20)
    p = r.params
    honest = r.new_account(FUND)
    r.transact(honest, "register_trainer", value_wei=p.trainer_stake_wei)
    for i in range(64):
        s = r.new_account(FUND)
        r.transact(s, "register_trainer", value_wei=p.trainer_stake_wei)
        r.transact(s, "publish_update", 0, bytes([1 + i % 250, 1 + i // 250]) * 16, bytes(32))
    r.transact(honest, "publish_update", 0, b"\x99" * 32, b"\x99" * 32)  # the honest update
