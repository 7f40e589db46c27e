"""Findings A-C of the protocol fuzzer (test_protocol_fuzz.py), each reduced to a minimal
reproduction through the project's drivers, kept as regression tests. Every test asserts
the property the protocol promises (docs/protocol.md, "Safety and liveness properties");
each failed on the contracts before the fix (publication and trainer-challenge windows,
the live input count checked by ``post_assertion``, the trainer set capped at the
per-round publisher limit)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest

from mechanism.commitment import commit
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.arbiter import GameConfig
from mechanism.rollup.predicates import NON_FINITE, range_proof
from mechanism.rollup.state import (
    FINALISED,
    MAX_PUBLISHERS,
    REVERTED,
    RollupParams,
    RollupRevert,
    RollupState,
)

FUND = 10**22
CFG = GameConfig(dim=8, chunk=4, arity=2, rule="median", clock_blocks=2)


def _arbiter() -> Any:
    from mechanism.evm.arbiter import ArbiterEVM

    params = CFG.rollup_params(challenge_period_blocks=8, move_clock_blocks=2, publication_window_blocks=2)
    return ArbiterEVM(params, CFG)


def _challenge_window(p: Any) -> int:
    """Trainer-challenge window (0 on a deployment without one)."""
    return int(getattr(p, "trainer_challenge_window_blocks", 0))


def _root(x: np.ndarray) -> bytes:
    return commit(x, CFG.chunk, CFG.arity).root


def _claim(rows: list[np.ndarray]) -> Any:
    from mechanism.rollup.disputes import assert_round_with

    return assert_round_with(CFG.rule, np.stack(rows), CFG.chunk, CFG.arity, False, np.random.default_rng(0))


@pytest.mark.evm
@pytest.mark.parametrize("last_block", [False, True])
def test_invalid_update_published_in_the_assertions_block_is_not_aggregated(last_block: bool) -> None:
    """Finding A. A Sybil publishes an out-of-range update and, in the same block, the
    attacker's sequencer posts the (correct) aggregate over the round's inputs including
    it; the watcher proves the update invalid in the next block. Before the fix the
    exclusion applied only to later assertions (``invalid_from = assertion_count + 1``)
    and the poisoned aggregate finalised. Now publication closes at ``round_open + W``
    ("publication closed") and assertions wait T more blocks: the Sybil's best is the
    window's last block (``last_block``), where the watcher proves the update invalid
    inside the trainer-challenge window, before any assertion; the assertion that
    finalises excludes it."""
    arb = _arbiter()
    r, p = arb.rollup, arb.rollup.params
    honest, sybil, seq, watcher = (r.new_account(FUND) for _ in range(4))
    x = np.arange(CFG.dim, dtype=np.int64)
    bad = x.copy()
    bad[0] = MAX_ABS_INT + 1
    for t in (honest, sybil):
        r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(honest, "publish_update", 0, _root(x), _root(x))
    opened = r.counter("round_open_block")
    if last_block:
        r.block = opened + p.publication_window_blocks - 1
    else:  # the first block an assertion is accepted: the Sybil's publication, then the assertion
        r.block = opened + p.publication_window_blocks + _challenge_window(p)
    published = True
    try:
        r.transact(sybil, "publish_update", 0, _root(bad), _root(bad))
    except RollupRevert as exc:
        assert exc.reason == "publication closed"
        published = False
    assert published == last_block or _challenge_window(p) == 0
    if last_block:  # the watcher proves it in the trainer-challenge window
        r.block = r.block + 1
        did = r.transact(watcher, "challenge_trainer", sybil, 0, NON_FINITE, value_wei=p.challenger_bond_wei).value
        assert arb.validity is not None
        arb.validity.transact(watcher, "prove_range", did, *range_proof(bad, arb.validity.cfg))
        r.block = opened + p.publication_window_blocks + _challenge_window(p)
    rows = [x, bad] if published else [x]
    claim, _, _, _ = _claim(rows)
    try:  # the attacker's aggregate over every published update
        aid = r.transact(seq, "post_assertion", 0, claim.input_root, claim.output_root, claim.stats_root,
                         len(rows), value_wei=p.sequencer_bond_wei).value
    except RollupRevert as exc:  # the live count excludes the proven-invalid update
        assert exc.reason == "inputs changed" and last_block
        claim, _, _, _ = _claim([x])
        aid = r.transact(seq, "post_assertion", 0, claim.input_root, claim.output_root, claim.stats_root, 1,
                         value_wei=p.sequencer_bond_wei).value
    if published and r.invalid_from(sybil, 0) == 0:  # the old contract: proven only after the assertion
        r.block = r.block + 1
        did = r.transact(watcher, "challenge_trainer", sybil, 0, NON_FINITE, value_wei=p.challenger_bond_wei).value
        assert arb.validity is not None
        arb.validity.transact(watcher, "prove_range", did, *range_proof(bad, arb.validity.cfg))
    r.block = r.block + p.challenge_period_blocks
    r.transact(watcher, "finalise", aid)
    assert r.assertion(aid)["status"] == FINALISED
    assert _root(bad) not in r.round_inputs(aid), "a finalised aggregate includes an invalid update"
    assert r.round_inputs(aid) == [_root(x)]


@pytest.mark.evm
def test_publication_front_running_the_honest_assertion_does_not_slash_the_sequencer() -> None:
    """Finding B. The honest sequencer posts the correct aggregate over the n updates it
    sees; a Sybil's (valid) publication is ordered before it in the same block. Before the
    fix the assertion's inputs became n + 1 updates, the sequencer could not open the game
    and lost its bond on the clock. Now the publication is refused ("publication closed":
    assertions come after the windows) -- and had the inputs changed, ``post_assertion``
    would refuse the stale count ("inputs changed") and the sequencer keep its bond."""
    arb = _arbiter()
    r, p = arb.rollup, arb.rollup.params
    honest, sybil, seq, attacker = (r.new_account(FUND) for _ in range(4))
    x, y = np.arange(CFG.dim, dtype=np.int64), -np.arange(CFG.dim, dtype=np.int64)
    for t in (honest, sybil):
        r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(honest, "publish_update", 0, _root(x), _root(x))
    r.block = r.block + p.publication_window_blocks
    r.block = r.block + _challenge_window(p)
    claim, _, trace, _ = _claim([x])  # what the honest sequencer sees and signs
    with contextlib.suppress(RollupRevert):
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
    assert r.round_inputs(aid) == [_root(x)]


def _sybil_root(i: int) -> bytes:
    return bytes([1 + i % 250, 1 + i // 250]) * 16


def test_sybils_cannot_fill_the_round_before_a_registered_trainer() -> None:
    """Finding C. MAX_PUBLISHERS = 64 publications per round, first come first served:
    before the fix 64 Sybils published first and the honest update was refused "round
    full", at no loss to them. Now the registered trainer set is capped at 64 ("trainer
    set full"), so a registered trainer always has a slot in every round: the Sybils
    can only keep others from registering, which locks 64 stakes for as long as they
    stay."""
    r = RollupState(RollupParams(), arbiter="0x" + "aa" * 20)
    p = r.params
    honest = r.new_account(FUND)
    r.transact(honest, "register_trainer", value_wei=p.trainer_stake_wei)
    refused = 0
    for i in range(MAX_PUBLISHERS):
        s = r.new_account(FUND)
        try:
            r.transact(s, "register_trainer", value_wei=p.trainer_stake_wei)
        except RollupRevert as exc:
            assert exc.reason == "trainer set full"
            refused += 1
            continue
        r.transact(s, "publish_update", 0, _sybil_root(i), bytes(32))
    r.transact(honest, "publish_update", 0, b"\x99" * 32, b"\x99" * 32)  # the honest update
    assert r.publishers(0)[-1] == honest and len(r.publishers(0)) == MAX_PUBLISHERS
    assert refused == 1


def test_a_slashed_publisher_keeps_its_slot_in_the_open_round() -> None:
    """A Sybil that published for the open round and is slashed leaves the trainer set
    but not the round: its slot is not handed to a new registrant (``slashed_publishers``),
    so slashing Sybils and re-registering others cannot push a registered trainer out of
    the round either. A trainer slashed for an older round's update frees its seat."""
    r = RollupState(RollupParams(dispute_depth=0, assertion_depth=0), arbiter="0x" + "aa" * 20)
    p = r.params
    honest, watcher = r.new_account(FUND), r.new_account(FUND)
    r.transact(honest, "register_trainer", value_wei=p.trainer_stake_wei)
    sybils = [r.new_account(FUND) for _ in range(MAX_PUBLISHERS - 1)]
    for i, s in enumerate(sybils):
        r.transact(s, "register_trainer", value_wei=p.trainer_stake_wei)
        r.transact(s, "publish_update", 0, _sybil_root(i), bytes(32))
    did = r.transact(watcher, "challenge_trainer", sybils[0], 0, NON_FINITE, value_wei=p.challenger_bond_wei).value
    r.transact(r.arbiter, "resolve", did, False)  # the Sybil's update proven invalid, its stake slashed
    assert r.stake_of(sybils[0]) == 0 and r.counter("trainer_count") == MAX_PUBLISHERS - 1
    newcomer = r.new_account(FUND)
    with pytest.raises(RollupRevert, match="trainer set full"):
        r.transact(newcomer, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(honest, "publish_update", 0, b"\x99" * 32, b"\x99" * 32)
    assert len(r.publishers(0)) == MAX_PUBLISHERS
    # the next round: every seat but the slashed Sybil's is held; it is free again
    r.block = r.block + p.assertion_delay_blocks
    r.transact(watcher, "post_assertion", 0, b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, MAX_PUBLISHERS - 1,
               value_wei=p.sequencer_bond_wei)
    r.block = r.block + p.challenge_period_blocks
    r.transact(watcher, "finalise", 1)
    r.transact(newcomer, "register_trainer", value_wei=p.trainer_stake_wei)
    late = r.new_account(FUND)
    with pytest.raises(RollupRevert, match="trainer set full"):
        r.transact(late, "register_trainer", value_wei=p.trainer_stake_wei)
    did = r.transact(watcher, "challenge_trainer", sybils[1], 0, NON_FINITE, value_wei=p.challenger_bond_wei).value
    r.transact(r.arbiter, "resolve", did, False)  # slashed for round 0: no update in round 1
    r.transact(late, "register_trainer", value_wei=p.trainer_stake_wei)
    assert r.counter("trainer_count") == MAX_PUBLISHERS
