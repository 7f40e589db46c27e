"""Salted (hiding) leaves: the commitment, the dispute over it, and what a dispute reveals."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.commitment import chunk_bytes, commit, leaf_hash, root_from_path
from mechanism.dispute import STRATEGIES, build_program
from mechanism.dispute.onestep import StepProof, VerifierContext
from mechanism.errors import CommitmentError, ParameterError
from mechanism.privacy.hiding import (
    HIDING_LEAF_TAG,
    commit_hiding,
    commit_hiding_rows,
    salt,
    salted_leaf,
    trainer_key,
    verify_salted_opening,
)
from mechanism.privacy.hiding_game import (
    HidingProver,
    SaltedChunkOpening,
    hiding_trace,
    map_step,
    play_hiding,
    revealed,
)

HIDING_RULES = [("mean", {}), ("median", {}), ("trimmed_mean", {"f": 1}), ("geometric_median", {"iterations": 1}),
                ("centered_clipping", {"tau": 1 << 16, "iterations": 1})]


def _setup(n: int, d: int, c: int, k: int, seed: int) -> tuple[np.ndarray, list]:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**30), 2**30, size=(n, d))
    return x, commit_hiding_rows(x, [trainer_key(seed, t) for t in range(n)], c, k)


# --------------------------------------------------------------------------- commitment


@pytest.mark.parametrize("d,c,k", [(64, 16, 16), (37, 4, 4), (5, 8, 2), (1, 1, 2)])
def test_batch_leaves_follow_the_spec(d: int, c: int, k: int) -> None:
    vec = np.arange(d, dtype=np.int64) * 7919 - 1000
    key = trainer_key(3, 1)
    cm = commit_hiding(vec, key, c, k)
    for j in range(-(-d // c)):
        spec = hashlib.sha256(HIDING_LEAF_TAG + j.to_bytes(32, "big") + salt(key, j)
                              + chunk_bytes(vec[j * c:(j + 1) * c])).digest()
        assert cm.tree.levels[0][j] == spec
        assert salt(key, j) == hashlib.sha256(b"\x0a" + j.to_bytes(32, "big") + key).digest()
        assert verify_salted_opening(cm.root, j, salt(key, j), vec[j * c:(j + 1) * c], cm.opening(j), k)
    # the tree above the leaves is the plain one (0x01 nodes); only the leaves differ
    assert cm.root != commit(vec, c, k).root


def test_salt_binds_and_keys_differ() -> None:
    vec = np.zeros(32, dtype=np.int64)
    a, b = commit_hiding(vec, trainer_key(0, 0), 8, 4), commit_hiding(vec, trainer_key(0, 1), 8, 4)
    assert a.root != b.root  # the same update, different trainers: unlinkable roots
    assert commit_hiding(vec, trainer_key(0, 0), 8, 4).root == a.root  # seeded: reproducible
    good = a.salt(1)
    bad = bytes([good[0] ^ 1]) + good[1:]
    assert verify_salted_opening(a.root, 1, good, vec[8:16], a.opening(1), 4)
    assert not verify_salted_opening(a.root, 1, bad, vec[8:16], a.opening(1), 4)
    assert not verify_salted_opening(a.root, 1, good, vec[8:16] + 1, a.opening(1), 4)
    with pytest.raises(CommitmentError, match="salt"):
        salted_leaf(0, b"short", vec[:8])


def test_a_plain_leaf_of_a_low_entropy_chunk_is_brute_forced_a_salted_one_is_not() -> None:
    """A chunk of 8 sign bits (a signSGD-like update) has 256 candidates: the plain leaf
    hash gives it away, the salted one matches none of them."""
    rng = np.random.default_rng(1)
    chunk = rng.choice([-1, 1], size=8).astype(np.int64)
    plain = leaf_hash(0, chunk)
    salted = commit_hiding(chunk, trainer_key(1, 0), 8, 2).tree.levels[0][0]
    cands = [np.array(bits, dtype=np.int64) for bits in itertools.product([-1, 1], repeat=8)]
    found = [c for c in cands if leaf_hash(0, c) == plain]
    assert len(found) == 1 and np.array_equal(found[0], chunk)
    assert not any(salted_leaf(0, bytes(32), c) == salted or leaf_hash(0, c) == salted for c in cands)


@pytest.mark.parametrize("name,val", [("seed", -1), ("trainer", 1.5)])
def test_bad_key_inputs(name: str, val: object) -> None:
    kw = {"seed": 0, "trainer": 0} | {name: val}
    with pytest.raises(ParameterError, match=name):
        trainer_key(**kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- dispute


def _check_disclosure(g: object, x: np.ndarray, cms: list, c: int) -> set[tuple[int, int]]:
    """Every opened chunk is a true (values, salt) of its trainer; every proof opens one
    chunk of all n trainers; no unopened leaf's salt appears anywhere in any move."""
    n, d = x.shape
    r = revealed(g)  # type: ignore[arg-type]
    opened = {(oc.trainer, oc.j) for oc in r.chunks}
    salted = {(oc.trainer, oc.j) for oc in r.chunks if oc.salt}
    for oc in r.chunks:
        if oc.accepted:  # a rejected forgery may carry altered values or drop a salt
            assert oc.values == tuple(x[oc.trainer, oc.j * c:(oc.j + 1) * c].tolist())
            assert oc.salt == cms[oc.trainer].salt(oc.j)
        assert oc.salt in (b"", cms[oc.trainer].salt(oc.j))
    for j in {j for _, j in opened}:
        assert {t for t, jj in opened if jj == j} == set(range(n))  # the column opens all n
    for t in range(n):
        for j in range(-(-d // c)):
            assert r.contains(cms[t].salt(j)) == ((t, j) in salted), (t, j)
    return opened


def test_a_map_dispute_reveals_exactly_the_opened_chunk_of_each_trainer() -> None:
    n, d, c, k = 6, 64, 8, 4
    x, cms = _setup(n, d, c, k, 5)
    prog = build_program("median", n, d)
    found = False
    for seed in range(40):
        res, g = play_hiding(prog, x, cms, "proposer", "after_point", np.random.default_rng(seed))
        assert res.honest_won and g is not None
        if res.reason != "one-step verifier" or prog.stages[g.stage].kind != "map":
            continue
        opened = _check_disclosure(g, x, cms, c)
        assert opened == {(t, g.pos) for t in range(n)}  # chunk j* of every trainer, nothing else
        r = revealed(g)
        assert all(r.values_of(t) == c for t in range(n))  # c of the d values of each trainer
        found = True
        break
    assert found


def test_a_column_dispute_reveals_no_values_and_no_salts() -> None:
    n, d, c, k = 5, 40, 4, 4
    x, cms = _setup(n, d, c, k, 2)
    prog = build_program("mean", n, d)
    seen = 0
    for seed in range(60):
        res, g = play_hiding(prog, x, cms, "proposer", "random_step", np.random.default_rng(seed))
        assert res.honest_won and g is not None
        if prog.stages[g.stage].kind == "column" and res.reason == "one-step verifier":
            assert _check_disclosure(g, x, cms, c) == set()
            seen += 1
    assert seen > 0


def test_a_wrong_salt_is_a_malformed_proof() -> None:
    n, d, c, k = 4, 16, 4, 2
    x, cms = _setup(n, d, c, k, 0)
    prog = build_program("mean", n, d)
    tr = hiding_trace(prog, x, cms)
    prover = HidingProver(x, [cm.tree for cm in cms], tr, tuple(cms))
    ctx = VerifierContext(prog, tuple(cm.root for cm in cms), tuple(tr.roots), c, k)
    s, j = prog.index("out"), 2
    proof = prover.map_proof(s, j)
    claimed = tr.trees[s].levels[0][j]
    assert map_step(ctx, s, claimed, proof)
    row = proof.rows[1]
    assert isinstance(row, SaltedChunkOpening)
    forged = dataclasses.replace(proof, rows=(proof.rows[0], dataclasses.replace(row, salt=cms[1].salt(j + 1)),
                                              *proof.rows[2:]))
    with pytest.raises(CommitmentError, match="column root"):
        map_step(ctx, s, claimed, forged)
    unsalted = StepProof(j=j, rows=tuple(dataclasses.replace(proof.rows[0], salt=b"") for _ in range(n)),
                         col=proof.col)
    with pytest.raises(CommitmentError, match="salt"):
        map_step(ctx, s, claimed, unsalted)
    # the column leaf is over salted leaves: the plain leaves do not open under it
    plain = [leaf_hash(j, x[t, j * c:(j + 1) * c]) for t in range(n)]
    from mechanism.commitment import col_leaf

    assert root_from_path(col_leaf(j, plain), proof.col, k) != tr.roots[0]  # type: ignore[arg-type]


def test_lexicographic_rules_are_rejected() -> None:
    x, cms = _setup(5, 8, 4, 2, 0)
    with pytest.raises(ParameterError, match="rule"):
        hiding_trace(build_program("krum", 5, 8, f=1), x, cms)


def _game(data: st.DataObject, max_d: int = 40) -> None:
    rule, params = data.draw(st.sampled_from(HIDING_RULES))
    liar = data.draw(st.sampled_from(["proposer", "challenger"]))
    strategy = data.draw(st.sampled_from(STRATEGIES))
    n = data.draw(st.integers(3, 9))
    d = data.draw(st.integers(1, max_d))
    c = data.draw(st.sampled_from([1, 4, 8]))
    k = data.draw(st.sampled_from([2, 4]))
    seed = data.draw(st.integers(0, 2**31))
    x, cms = _setup(n, d, c, k, seed)
    if data.draw(st.booleans()):
        x[1] = x[2]
        cms = commit_hiding_rows(x, [trainer_key(seed, t) for t in range(n)], c, k)
    prog = build_program(rule, n, d, **params)
    res, g = play_hiding(prog, x, cms, liar, strategy, np.random.default_rng(seed))
    assert res.honest_won, res
    assert res.moves <= res.move_bound + 1
    assert res.winner == ("challenger" if liar == "proposer" else "proposer")
    assert g is not None
    _check_disclosure(g, x, cms, c)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_honest_side_always_wins_over_hiding_leaves(data: st.DataObject) -> None:
    _game(data)


@pytest.mark.slow
@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_honest_side_always_wins_over_hiding_leaves_slow(data: st.DataObject) -> None:
    _game(data, 160)
