"""SelectVerifier.vy reaches the Python one-step verifier's verdict (clip factors,
Weiszfeld weights, Bulyan's selection).

Every generated step is asked on chain (:func:`select_verifier.verdict`) and in Python
(:func:`select_verifier.python_verdict`): honest claims are right on both, a lying
committed selection is wrong on both, tampered or incomplete proofs are rejected by both.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.commitment import commit
from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.onestep import LexWitness, VerifierContext, select_values
from mechanism.dispute.proofs import Prover, tamper
from mechanism.evm.select_verifier import python_verdict, supports_stage, verdict

pytestmark = pytest.mark.evm

CASES = [
    ("bulyan", {"f": 1}), ("geometric_median", {"iterations": 2}), ("geometric_median", {"iterations": 1, "nu": 1 << 30}),
    ("centered_clipping", {"tau": 1 << 16, "iterations": 2}), ("median", {"clip_norm": 1 << 18}),
    ("trimmed_mean", {"f": 1, "clip_norm": 1 << 34}),
]


def _setup(rule: str, params: dict, x: np.ndarray, c: int, k: int):
    n, d = x.shape
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, c, k)
    pv = Prover.build(x, tr)
    ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)
    return prog, tr, pv, ctx


def _agree(ctx: VerifierContext, s: int, proof) -> str:
    ev = verdict(ctx, s, proof)
    py = python_verdict(ctx, s, proof)
    assert ev.verdict == py, (ctx.program.stages[s].name, ev, py)
    return py


def _lying(ctx: VerifierContext, s: int, values: np.ndarray) -> VerifierContext:
    """The same context with stage s's committed value replaced (a lying proposer)."""
    roots = list(ctx.stage_roots)
    roots[s] = commit(values, 1, ctx.arity).root
    return VerifierContext(ctx.program, ctx.input_roots, tuple(roots), ctx.chunk_size, ctx.arity)


def _rows(rng: np.random.Generator, n: int, d: int, tie: str) -> np.ndarray:
    x = rng.integers(-(2**30), 2**30, size=(n, d))
    if tie == "simplex":  # all pairwise distances equal: every Bulyan round ties
        x = np.zeros((n, d), dtype=np.int64)
        for i in range(n):
            x[i, i % d] = (1 << 20) * (1 if i < d else -1)
    elif tie == "copies":
        x[3] = x[1]
        x[4] = x[1]
    elif tie == "mirror":
        x[2:] = 0
        x[1] = -x[0]
    return x


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), n=st.integers(7, 10), d=st.integers(1, 24), c=st.sampled_from([1, 4, 8]),
       k=st.sampled_from([2, 4, 16]), seed=st.integers(0, 10**6), tie=st.sampled_from(["none", "copies", "mirror"]),
       fault=st.sampled_from(["none", "lie", "tamper", "drop_lex"]))
def test_select_steps_agree(case, n, d, c, k, seed, tie, fault) -> None:
    rule, params = case
    x = _rows(np.random.default_rng(seed), n, d, tie)
    prog, tr, pv, ctx = _setup(rule, params, x, c, k)
    steps = [s for s, stage in enumerate(prog.stages) if supports_stage(stage)]
    assert steps
    for s in steps:
        proof = pv.select_proof(s)
        want = "right"
        if fault == "lie":
            v = tr.values[s].copy()
            v[0] += 1
            ctx_s = _lying(ctx, s, v)
            want = "wrong"
        else:
            ctx_s = ctx
        if fault == "tamper":
            proof, want = tamper(proof), "reject"
        elif fault == "drop_lex" and proof.lex:
            proof = type(proof)(j=-1, scalars=proof.scalars, rank=proof.rank,
                                lex={p: LexWitness(None, None) for p in proof.lex})
            want = "reject"
        assert _agree(ctx_s, s, proof) == want


@pytest.mark.parametrize("tie", ["simplex", "copies", "mirror"])
def test_bulyan_ties_need_the_ranking(tie) -> None:
    x = _rows(np.random.default_rng(0), 9, 12, tie)
    prog, tr, pv, ctx = _setup("bulyan", {"f": 1}, x, 4, 2)
    s = prog.index("chosen")
    proof = pv.select_proof(s)
    assert [int(v) for v in tr.values[s]] == select_values(ctx, s, proof)
    assert _agree(ctx, s, proof) == "right"
    if tie != "copies":  # distinct tied rows: without the ranking the tie is unsettled
        assert proof.rank
        assert _agree(ctx, s, type(proof)(j=-1, scalars=proof.scalars, lex=proof.lex)) == "reject"


def test_python_mirror_equals_the_rule() -> None:
    """The dedicated one-steps recompute exactly the program's selections."""
    rng = np.random.default_rng(3)
    for rule, params in CASES:
        x = rng.integers(-(2**35), 2**35, size=(11, 40))
        prog, tr, pv, ctx = _setup(rule, params, x, 8, 4)
        for s, stage in enumerate(prog.stages):
            if supports_stage(stage):
                assert select_values(ctx, s, pv.select_proof(s)) == [int(v) for v in tr.values[s]]


def test_select_gas_model_tracks_the_evm() -> None:
    """The calibrated selection one-steps are within 5% of EVM runs off their grid."""
    from mechanism.dispute.gas_fold import onestep_gas, select_samples

    for kind, n, d, c, k, f, gas in select_samples(((15, 200, 8, 4, 2), (27, 100, 16, 16, 6), (36, 64, 32, 2, 3))):
        assert abs(onestep_gas(kind, n, d, c, k, f=f) / gas - 1) < 0.05, (kind, n, d, c, k, f, gas)
