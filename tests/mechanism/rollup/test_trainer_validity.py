"""Trainer fraud proofs (``TrainerValidity.vy`` and its Python mirror): every predicate
violation is slashed, valid trainers never are, tampered openings revert, and the EVM and
the Python machine agree on outcomes, events and balances."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.commitment import commit
from mechanism.evm.trainer_validity import rollup_params
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.predicates import (
    COMMITMENT,
    NON_FINITE,
    NORM,
    SHAPE,
    ValidityConfig,
    data_commit,
    range_proof,
    violations,
)
from mechanism.rollup.state import CHALLENGER_WON, DEFENDER_WON, RollupRevert, RollupState
from mechanism.rollup.trainer_validity import VALIDITY_ADDRESS, ValidityModel, next_move, play

CFG = ValidityConfig(d=40, chunk=8, arity=2, norm_bound=1 << 24, clock_blocks=3)
FUND = 10**21
KINDS = ("valid", "range", "shape_long", "shape_short", "shape_deep", "norm", "mismatch")


def make_update(kind: str, seed: int, cfg: ValidityConfig = CFG) -> tuple[np.ndarray, np.ndarray]:
    """(committed, published) int64 vectors of the given kind of (in)validity."""
    rng = np.random.default_rng(seed)
    d = cfg.d + {"shape_long": 1 + seed % 7, "shape_short": -(1 + seed % 9), "shape_deep": 3 * cfg.d}.get(kind, 0)
    x = rng.integers(-(1 << 20), 1 << 20, size=d, dtype=np.int64)
    if kind == "range":
        x[int(rng.integers(d))] = (MAX_ABS_INT + 1 + int(rng.integers(1000))) * int(rng.choice([-1, 1]))
    if kind == "norm":
        x *= 1 << 6
    published = x.copy()
    if kind == "mismatch":
        published[int(rng.integers(d))] += 1
    return x, published


def backend(kind: str, cfg: ValidityConfig = CFG) -> Any:
    params = rollup_params(cfg)
    if kind == "evm":
        from mechanism.evm.trainer_validity import ValidityEVM

        return ValidityEVM(params, cfg)
    return ValidityModel(RollupState(params, arbiter="0x" + "ee" * 20, validity=VALIDITY_ADDRESS), cfg)


def dispute(v: Any, committed: np.ndarray, published: np.ndarray, pred: int) -> tuple[bool, dict[str, int]]:
    """Register, publish, challenge ``pred`` and play; (defender_wins, balances)."""
    r, p = v.rollup, v.rollup.params
    t, c = r.new_account(FUND), r.new_account(FUND)
    r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(t, "publish_update", 0, commit(committed, CFG.chunk, CFG.arity).root,
               data_commit(published, CFG.chunk, CFG.arity).root)
    did = r.transact(c, "challenge_trainer", t, 0, pred, value_wei=p.challenger_bond_wei).value

    def advance(n: int) -> None:
        r.block = r.block + n

    wins = play(v, did, committed, published, trainer_honest=NORM not in violations(committed, published, CFG),
                advance=advance)
    assert r.dispute(did)["status"] == (DEFENDER_WON if wins else CHALLENGER_WON)
    assert r.ledger_ok()
    return wins, {"trainer_stake": r.stake_of(t), "trainer": r.balance_of(t), "challenger": r.balance_of(c)}


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(KINDS), seed=st.integers(0, 10**6), pred=st.sampled_from([1, 2, 3, 4]))
def test_violations_slashed_valid_never(kind: str, seed: int, pred: int) -> None:
    committed, published = make_update(kind, seed)
    bad = violations(committed, published, CFG)
    v = backend("sim")
    wins, bal = dispute(v, committed, published, pred)
    p = v.rollup.params
    # a tree of the wrong shape has no sum tree to defend its norm with: it loses that game too
    if pred in bad or (pred == NORM and SHAPE in bad):  # proven: stake slashed, reward to the challenger
        assert not wins and bal["trainer_stake"] == 0
        assert bal["challenger"] == p.challenger_bond_wei + p.trainer_stake_wei * p.reward_share_bps // 10_000
    else:  # nothing to prove: the (griefing) challenger loses its bond, the trainer keeps its stake
        assert wins and bal["trainer_stake"] == p.trainer_stake_wei
        assert bal["challenger"] == 0


def test_kinds_break_the_predicate_they_name() -> None:
    want = {"valid": set(), "range": {NON_FINITE, NORM}, "shape_long": {SHAPE}, "shape_short": {SHAPE},
            "shape_deep": {SHAPE}, "norm": {NORM}, "mismatch": {COMMITMENT}}
    for kind, preds in want.items():
        assert violations(*make_update(kind, 3), CFG) == preds, kind


def _challenged(committed: Any, published: Any, pred: int) -> tuple[Any, Any, str, str, int]:
    """A simulator backend with one staked trainer that published ``committed`` /
    ``published`` for round 0, challenged on predicate ``pred``."""
    v = backend("sim")
    r, p = v.rollup, v.rollup.params
    t, c = r.new_account(FUND), r.new_account(FUND)
    r.transact(t, "register_trainer", value_wei=p.trainer_stake_wei)
    r.transact(t, "publish_update", 0, commit(committed, CFG.chunk, CFG.arity).root,
               data_commit(published, CFG.chunk, CFG.arity).root)
    did = r.transact(c, "challenge_trainer", t, 0, pred, value_wei=p.challenger_bond_wei).value
    return v, r, t, c, did


def test_tampered_openings_revert() -> None:
    committed, published = make_update("range", 5)
    v, r, t, c, did = _challenged(committed, published, NON_FINITE)
    j, vals, sibs = range_proof(committed, CFG)
    bad_sibs = [bytes([sibs[0][0] ^ 1]) + sibs[0][1:], *sibs[1:]]
    for args, reason in (((j, vals, bad_sibs), "opening"), ((j, vals[:-8], sibs), "chunk"),
                         (((j + 1) % CFG.leaves, vals, sibs), "opening"), ((j, vals, sibs[:-1]), "path")):
        with pytest.raises(RollupRevert, match=reason):
            v.transact(c, "prove_range", did, *args)
    with pytest.raises(RollupRevert, match="wrong predicate"):
        v.transact(c, "prove_shape", did, 0, 0, b"\x00" * 32, [], b"")
    v.transact(c, "prove_range", did, j, vals, sibs)
    assert r.stake_of(t) == 0


@pytest.mark.evm
@pytest.mark.parametrize(("kind", "pred"), [("valid", 3), ("norm", 3), ("range", 1), ("shape_long", 2),
                                            ("shape_deep", 2), ("mismatch", 4), ("valid", 4)])
def test_evm_and_model_agree(kind: str, pred: int) -> None:
    committed, published = make_update(kind, 11)
    out = []
    for b in ("sim", "evm"):
        v = backend(b)
        wins, bal = dispute(v, committed, published, pred)
        names = [e[0] for e in v.events]
        out.append((wins, bal, names, v.gas_spent))
    assert out[0][:3] == out[1][:3]
    assert abs(out[0][3] - out[1][3]) <= 0.05 * out[1][3], "validity gas model off by more than 5%"


@pytest.mark.parametrize(("kind", "pred"), [("valid", 3), ("norm", 3), ("range", 1), ("shape_long", 2),
                                            ("mismatch", 4), ("valid", 4), ("valid", 1)])
def test_stepwise_player_matches_play(kind: str, pred: int) -> None:
    """:func:`next_move` (one transaction at a time, as ``orfl simulate`` sends them) reaches
    the verdict, balances and gas of :func:`play`, including the clock-run-out cases."""
    committed, published = make_update(kind, 4)
    honest = NORM not in violations(committed, published, CFG)
    out = []
    for stepwise in (False, True):
        v, r, t, c, did = _challenged(committed, published, pred)
        if stepwise:
            while (m := next_move(v, did, committed, published, honest, r.block)) is not None or \
                    r.dispute(did)["status"] == 1:
                if m is not None:
                    v.transact(m[0], m[1], *m[2])
                    if m[1] in ("defend_norm", "reveal", "choose"):
                        r.block += 1
                else:
                    r.block += 1
        else:
            play(v, did, committed, published, honest, lambda n, r=r: setattr(r, "block", r.block + n))
        out.append((r.dispute(did)["status"], r.stake_of(t), r.balance_of(c), [e[0] for e in v.events], v.gas_spent))
    assert out[0] == out[1]
