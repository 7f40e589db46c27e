"""Soundness of the Python game: the honest side always wins, within the move bound."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.dispute import STRATEGIES, build_program, honest_trace, play
from mechanism.dispute.onestep import VerifierContext, map_step
from mechanism.dispute.proofs import Prover, tamper
from mechanism.errors import CommitmentError

RULES = [
    ("mean", {}), ("median", {}), ("trimmed_mean", {"f": 1}), ("krum", {"f": 1}), ("multi_krum", {"f": 1}),
    ("bulyan", {"f": 1}), ("geometric_median", {"iterations": 1}),
    ("centered_clipping", {"tau": 1 << 16, "iterations": 1}), ("median", {"clip_norm": 1 << 18}),
]


def _game(data: st.DataObject, max_d: int) -> None:
    rule, params = data.draw(st.sampled_from(RULES))
    liar = data.draw(st.sampled_from(["proposer", "challenger"]))
    strategy = data.draw(st.sampled_from(STRATEGIES))
    d = data.draw(st.integers(1, max_d))
    c = data.draw(st.sampled_from([1, 4, 8]))
    k = data.draw(st.sampled_from([2, 4]))
    seed = data.draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    n = 7
    x = rng.integers(-(2**30), 2**30, size=(n, d))
    if data.draw(st.booleans()):
        x[2] = x[4]
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, c, k)
    res, _g = play(prog, x, tr, liar, strategy, rng)
    assert res.honest_won, res
    assert res.moves <= res.move_bound
    if liar == "proposer":  # a wrong assertion is never finalised
        assert res.winner == "challenger"
    else:  # a correct one is never reverted
        assert res.winner == "proposer"


@settings(max_examples=520, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_honest_side_always_wins(data: st.DataObject) -> None:
    _game(data, 24)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_honest_side_always_wins_slow(data: st.DataObject) -> None:
    _game(data, 200)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), d=st.integers(1, 50))
def test_tampered_openings_rejected(seed: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**30), 2**30, size=(5, d))
    prog = build_program("median", 5, d)
    tr = honest_trace(prog, x, 4, 2)
    pv = Prover.build(x, tr)
    ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), 4, 2)
    s = prog.index("out")
    j = int(rng.integers(tr.trees[s].num_leaves))
    proof = pv.map_proof(s, j)
    assert map_step(ctx, s, tr.trees[s].levels[0][j], proof)
    with pytest.raises(CommitmentError):
        map_step(ctx, s, tr.trees[s].levels[0][j], tamper(proof))
