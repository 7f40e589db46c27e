"""Locating the disputed stage by bisection over the trace root: the honest side wins
every generated dispute, and every forged move of the locate phase is rejected."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.commitment import ZERO
from mechanism.dispute.game import CHALLENGER, PROPOSER
from mechanism.dispute.strategies import STRATEGIES
from mechanism.errors import CommitmentError, DisputeError
from mechanism.training_proof import demo_trace
from mechanism.training_proof.game import TrainingProver, verify_step
from mechanism.training_proof.locate import (
    LocateGame,
    located_roots,
    needed_stages,
    play_located,
    trace_tree,
)

_TRACES: dict[tuple[str, int, int], object] = {}


def _trace(model: str, steps: int, arity: int):  # type: ignore[no-untyped-def]
    key = (model, steps, arity)
    if key not in _TRACES:
        _TRACES[key] = demo_trace(model, steps=steps, seed=steps, chunk=16, arity=arity)
    return _TRACES[key]


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(["logreg", "mlp"]), liar=st.sampled_from(["trainer", "challenger"]),
       strategy=st.sampled_from(STRATEGIES), steps=st.integers(1, 4), arity=st.sampled_from([2, 4, 16]),
       seed=st.integers(0, 10**6))
def test_honest_side_wins_after_locating(model: str, liar: str, strategy: str, steps: int, arity: int,
                                         seed: int) -> None:
    tr = _trace(model, steps, arity)
    res, g1, g2 = play_located(tr, liar, strategy, np.random.default_rng(seed))  # type: ignore[arg-type]
    assert res.honest_won, res
    assert res.moves <= res.move_bound
    if liar == "trainer" and strategy in ("random_step", "after_point") and g2 is not None:
        # the honest challenger locates the first stage whose root is wrong
        assert g1 is not None and g1.located == res.stage


def test_the_honest_challenger_locates_the_first_wrong_stage() -> None:
    tr = _trace("logreg", 3, 4)
    roots = list(tr.roots)  # type: ignore[attr-defined]
    for s in range(len(roots)):
        lie = list(roots)
        for i in range(s, len(roots)):  # a lie at s makes every later root differ too
            lie[i] = bytes([i + 1]) * 32
        committed, truth = trace_tree(lie, 4), trace_tree(roots, 4)
        g = LocateGame(committed.root, len(roots), 4)
        block = 1
        while g.phase != "open":
            if g.phase == "reveal":
                g.reveal(committed.children(g.level, g.pos), block)
            else:
                assert g.children is not None
                ours = truth.children(g.level, g.pos)
                g.choose(next(t for t, (a, b) in enumerate(zip(g.children, ours, strict=True)) if a != b), block)
            block += 1
        assert g.pos == s
        g.open_roots(lie[s], {i: (lie[i], committed.opening(i)) for i in needed_stages(s)}, block)
        assert g.located == s and g.winner is None


def _at_leaf(s: int, arity: int = 4):  # type: ignore[no-untyped-def]
    tr = _trace("logreg", 3, arity)
    roots = list(tr.roots)  # type: ignore[attr-defined]
    tree = trace_tree(roots, arity)
    g = LocateGame(tree.root, len(roots), arity)
    block = 1
    while g.phase != "open":
        if g.phase == "reveal":
            g.reveal(tree.children(g.level, g.pos), block)
        else:
            g.choose((s // arity ** (g.level - 1)) % arity, block)
        block += 1
    return g, tree, roots, block


def test_forged_openings_are_rejected() -> None:
    g, tree, roots, block = _at_leaf(7)
    good = {i: (roots[i], tree.opening(i)) for i in needed_stages(7)}
    with pytest.raises(DisputeError, match="does not match"):
        g.open_roots(roots[6], good, block)
    forged = dict(good) | {6: (bytes(32), tree.opening(6))}
    with pytest.raises(DisputeError, match="stage 6"):
        g.open_roots(roots[7], forged, block)
    swapped = dict(good) | {5: (roots[4], tree.opening(4))}
    with pytest.raises(DisputeError, match="stage 5"):
        g.open_roots(roots[7], swapped, block)
    missing = {i: good[i] for i in (4, 6)}
    with pytest.raises(DisputeError, match="stage 5"):
        g.open_roots(roots[7], missing, block)
    g.open_roots(roots[7], good, block)
    assert g.roots == {i: roots[i] for i in (4, 5, 6, 7)}


def test_revealed_children_must_hash_to_the_node() -> None:
    tr = _trace("logreg", 2, 4)
    tree = trace_tree(list(tr.roots), 4)  # type: ignore[attr-defined]
    g = LocateGame(tree.root, len(tr.roots), 4)  # type: ignore[attr-defined]
    kids = tree.children(g.level, 0)
    with pytest.raises(DisputeError):
        g.reveal([*kids[:-1], bytes(32)], 1)
    with pytest.raises(DisputeError):
        g.choose(0, 1)  # not the challenger's turn
    g.reveal(kids, 1)
    with pytest.raises(DisputeError):
        g.choose(4, 2)


def test_a_padding_leaf_is_decided_at_once() -> None:
    tr16 = _trace("logreg", 1, 16)
    roots = list(tr16.roots)  # type: ignore[attr-defined]
    tree = trace_tree(roots, 16)
    g = LocateGame(tree.root, len(roots), 16)
    g.reveal(tree.children(g.level, 0), 1)
    g.choose(len(roots), 2)  # a padding slot: its leaf is zero, the trainer wins
    assert g.winner == PROPOSER and g.reason == "padding stage leaf"
    assert tree.children(1, 0)[len(roots)] == ZERO


def test_a_timeout_in_the_locate_phase_loses() -> None:
    tr = _trace("logreg", 2, 4)
    tree = trace_tree(list(tr.roots), 4)  # type: ignore[attr-defined]
    g = LocateGame(tree.root, len(tr.roots), 4, clock_blocks=5)  # type: ignore[attr-defined]
    with pytest.raises(DisputeError):
        g.timeout(5)
    g.timeout(6)
    assert g.winner == CHALLENGER


def test_a_one_step_reading_an_unopened_stage_fails() -> None:
    tr = _trace("logreg", 3, 4)
    st_ = tr.setting  # type: ignore[attr-defined]
    s = 7  # w of step 3 reads e3 (6), z3 (5... via e), w2 (5); stage 1 is not opened
    roots = list(tr.roots)  # type: ignore[attr-defined]
    from mechanism.training_proof.game import context

    opened = {i: roots[i] for i in (*needed_stages(s), s)}
    ctx = context(st_, tr.shard.root, tr.start_tree.root, located_roots(s, opened))  # type: ignore[attr-defined]
    prover = TrainingProver(tr)  # type: ignore[arg-type]
    assert verify_step(st_, ctx, s, 0, tr.trees[s].levels[0][0], prover.map_proof(s, 0))  # type: ignore[attr-defined]
    far = context(st_, tr.shard.root, tr.start_tree.root,  # type: ignore[attr-defined]
                  located_roots(s, {i: roots[i] for i in (s,)}))
    with pytest.raises(CommitmentError):
        verify_step(st_, far, s, 0, tr.trees[s].levels[0][0], prover.map_proof(s, 0))  # type: ignore[attr-defined]


def test_calldata_of_the_trace_root_against_posting_every_root() -> None:
    for steps in (5, 50):
        tr = demo_trace("logreg", steps=steps, seed=0, chunk=16, arity=4)
        posted = 32 * len(tr.roots)
        res, g1, _ = play_located(tr, "trainer", "random_step", np.random.default_rng(1))
        locate_bytes = sum(m.calldata_bytes for m in g1.moves) if g1 is not None else 0
        assert res.honest_won
        assert locate_bytes > 0
        if steps == 50:  # one 32-byte root instead of 151, and the dispute's extra bytes
            assert 32 + locate_bytes < posted
