"""MapVerifier.vy reaches the Python one-step verifier's verdict on every Map stage
(Krum / Multi-Krum's selected rows, Bulyan's trimmed mean of the chosen rows, Weiszfeld's
z_0 and weighted step, centered clipping's v_0 and clipped-difference step, the
coordinate rules over clipped rows).

Every generated step is asked on chain (:func:`map_verifier.verdict`) and in Python
(:func:`map_verifier.python_verdict`): the honest claim is right on both, a lying claimed
leaf is wrong on both, a tampered proof is rejected by both.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.commitment import leaf_hash, num_chunks
from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.onestep import VerifierContext, map_spec
from mechanism.dispute.proofs import Prover, tamper
from mechanism.evm.map_verifier import honest_claim, python_verdict, verdict
from mechanism.units import MAX_TX_GAS

pytestmark = pytest.mark.evm

CASES = [
    ("krum", {"f": 1}), ("multi_krum", {"f": 2}), ("bulyan", {"f": 1}), ("geometric_median", {"iterations": 2}),
    ("centered_clipping", {"tau": 1 << 16, "iterations": 2}), ("median", {"clip_norm": 1 << 18}),
    ("trimmed_mean", {"f": 1, "clip_norm": 1 << 34}), ("mean", {"clip_norm": 1 << 30}), ("median", {}),
    ("trimmed_mean", {"f": 2}),
]


def _setup(rule: str, params: dict, x: np.ndarray, c: int, k: int):
    n, d = x.shape
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, c, k)
    pv = Prover.build(x, tr)
    ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)
    return prog, tr, pv, ctx


def _agree(ctx: VerifierContext, s: int, proof, claimed: bytes) -> str:
    ev = verdict(ctx, s, proof, claimed)
    py = python_verdict(ctx, s, proof, claimed)
    assert ev.verdict == py, (ctx.program.stages[s].name, ev, py)
    return py


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), n=st.integers(7, 10), d=st.integers(1, 30), c=st.sampled_from([1, 4, 8]),
       k=st.sampled_from([2, 4, 16]), seed=st.integers(0, 10**6), ties=st.booleans(),
       fault=st.sampled_from(["none", "lie", "tamper", "padding"]))
def test_map_steps_agree(case, n, d, c, k, seed, ties, fault) -> None:
    rule, params = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**39), 2**39, size=(n, d))
    if ties:  # repeated rows and values: order statistics with equal values
        x[2] = x[1]
        x[:, 0] = 7
    prog, tr, pv, ctx = _setup(rule, params, x, c, k)
    steps = [s for s, stage in enumerate(prog.stages) if stage.kind == "map"]
    assert steps
    last = num_chunks(d, c) - 1
    for s in steps:
        j = int(rng.integers(last + 1))
        claimed, want = honest_claim(ctx, tr, s, j), "right"
        proof = pv.map_proof(s, j)
        if fault == "lie":
            claimed, want = leaf_hash(j, np.asarray(tr.values[s][j * c:(j + 1) * c]) + 1), "wrong"
        elif fault == "tamper":
            proof, want = tamper(proof), "reject"
        elif fault == "padding":  # a padding leaf beyond the last chunk: only ZERO is right
            proof, claimed, want = pv.map_proof(s, last + 1), honest_claim(ctx, tr, s, last + 1), "right"
        assert _agree(ctx, s, proof, claimed) == want


def test_lying_selection_is_rejected() -> None:
    """A scalar vector (Bulyan's chosen rows) other than the committed one is malformed."""
    x = np.random.default_rng(5).integers(-(2**30), 2**30, size=(9, 12))
    prog, tr, pv, ctx = _setup("bulyan", {"f": 1}, x, 4, 2)
    s = prog.index("out")
    proof = pv.map_proof(s, 1)
    chosen = np.asarray(proof.scalars["chosen"]).copy()
    chosen[0] = next(i for i in range(9) if i not in chosen)
    forged = type(proof)(j=proof.j, rows=proof.rows, scalars={"chosen": chosen}, col=proof.col)
    assert _agree(ctx, s, forged, honest_claim(ctx, tr, s, 1)) == "reject"


@pytest.mark.slow
def test_every_map_kind_fits_the_transaction_cap_at_n64() -> None:
    """EIP-7825: each Map one-step fits 16,777,216 gas at the contracts' bounds (n = 64,
    chunk 64, full-range values), including Bulyan's trimmed stage and the clipped median."""
    x = np.random.default_rng(0).integers(-(1 << 39), 1 << 39, size=(64, 64))
    kinds = {}
    for rule, params in [("multi_krum", {"f": 1}), ("bulyan", {"f": 1}), ("geometric_median", {"iterations": 1}),
                         ("centered_clipping", {"iterations": 1}), ("median", {"clip_norm": 1 << 18})]:
        prog, tr, pv, ctx = _setup(rule, params, x, 64, 16)
        for s, stage in enumerate(prog.stages):
            if stage.kind == "map":
                ev = verdict(ctx, s, pv.map_proof(s, 0), honest_claim(ctx, tr, s, 0))
                assert ev.verdict == "right"
                kinds[map_spec(prog, s).kind] = ev.total_gas
    assert set(kinds) >= {"mean", "trimmed", "weighted", "zero", "centered", "clip_median"}
    assert max(kinds.values()) < MAX_TX_GAS
