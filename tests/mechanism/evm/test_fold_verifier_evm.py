"""FoldVerifier.vy / KrumVerifier.vy reach the Python one-step verifier's verdict.

Every generated step is asked twice -- on chain (:func:`evm_fold.verdict`) and in
Python (:func:`evm_fold.python_verdict`) -- for honest claims, wrong claims and tampered
proofs: right / wrong / reject must agree.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.commitment import sum_leaf
from mechanism.dispute import build_program, honest_trace
from mechanism.dispute.onestep import LexWitness, VerifierContext
from mechanism.dispute.proofs import Prover, tamper
from mechanism.dispute.trace import item_deltas
from mechanism.evm.fold_verifier import python_verdict, verdict

pytestmark = pytest.mark.evm

FOLD_RULES = [
    ("krum", {"f": 1}), ("geometric_median", {"iterations": 1}),
    ("centered_clipping", {"tau": 1 << 16, "iterations": 1}), ("median", {"clip_norm": 1 << 18}),
]


def _setup(rule: str, params: dict, n: int, d: int, c: int, k: int, seed: int, x: np.ndarray | None = None):
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.integers(-(2**30), 2**30, size=(n, d))
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, c, k)
    pv = Prover.build(x, tr)
    ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)
    return rng, x, prog, tr, pv, ctx


def _agree(ctx: VerifierContext, s: int, proof, **kw) -> str:
    ev = verdict(ctx, s, proof, **kw)
    py = python_verdict(ctx, s, proof, **kw)
    assert ev.verdict == py, (ctx.program.stages[s].name, kw, ev, py)
    return py


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(FOLD_RULES), n=st.integers(5, 8), d=st.integers(1, 40), c=st.sampled_from([1, 4, 8]),
       k=st.sampled_from([2, 4, 16]), seed=st.integers(0, 10**6), wrong=st.booleans(), forge=st.booleans())
def test_sum_and_max_steps_agree(case, n, d, c, k, seed, wrong, forge) -> None:
    rule, params = case
    rng, x, prog, tr, pv, ctx = _setup(rule, params, n, d, c, k, seed)
    seen = set()
    for s, stage in enumerate(prog.stages):
        if stage.kind == "sum":
            item = int(rng.integers(len(stage.items)))
            deltas = item_deltas(tr, x, s, item)
            j = int(rng.integers(len(deltas) + 1))  # one past the end: a padding leaf
            honest = sum_leaf(j, deltas[j]) if j < len(deltas) else (bytes(32), 0)
            claimed = sum_leaf(j, honest[1] + 1) if wrong else honest
            proof = pv.sum_proof(s, min(j, len(deltas) - 1))
            if j >= len(deltas):
                proof = type(proof)(j=j)
            elif forge:
                proof = tamper(proof)
            seen.add(_agree(ctx, s, proof, claimed=claimed, item=item))
        elif stage.kind == "max":
            proof = pv.max_proof(s, int(rng.integers(tr.trees[prog.index("cols")].num_leaves)))
            proof = tamper(proof) if forge else proof
            m = int(tr.values[s][0])
            for mv, attain in ((m, True), (m - 1, False), (m, False)):
                seen.add(_agree(ctx, s, proof, max_value=mv, attain=attain))
    assert seen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=st.sampled_from(["krum", "multi_krum"]), n=st.integers(5, 9), d=st.integers(1, 30),
       c=st.sampled_from([1, 4, 8]), k=st.sampled_from([2, 4, 16]), seed=st.integers(0, 10**6),
       tie=st.sampled_from(["none", "mirror", "copies"]), fault=st.sampled_from(["none", "swap", "tamper", "drop_lex"]))
def test_krum_order_agrees(rule, n, d, c, k, seed, tie, fault) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**20), 2**20, size=(n, d))
    if tie == "mirror":  # rows 0 and 1 tie on score but differ: a lexicographic witness decides
        x[2:] = 0
        x[1] = -x[0]
    elif tie == "copies":
        x[3] = x[1]
    _rng, x, prog, tr, pv, ctx = _setup(rule, {"f": 1}, n, d, c, k, seed, x)
    s = prog.index("order")
    proof = pv.select_proof(s)
    if fault == "swap":  # the proposer's committed order is not the honest one
        order = tr.values[s].copy()
        order[[0, 1]] = order[[1, 0]]
        roots = list(ctx.stage_roots)
        from mechanism.commitment import commit

        roots[s] = commit(order, 1, k).root
        ctx = VerifierContext(prog, ctx.input_roots, tuple(roots), c, k)
    elif fault == "tamper":
        proof = tamper(proof)
    elif fault == "drop_lex" and proof.lex:
        proof = type(proof)(j=-1, scalars=proof.scalars, lex={p: LexWitness(None, None) for p in proof.lex})
    _agree(ctx, s, proof)


def test_mirror_tie_needs_the_witness() -> None:
    x = np.zeros((6, 9), dtype=np.int64)
    x[0] = np.arange(9) - 4
    x[1] = -x[0]
    _rng, x, prog, _tr, pv, ctx = _setup("krum", {"f": 1}, 6, 9, 4, 2, 0, x)
    s = prog.index("order")
    proof = pv.select_proof(s)
    assert proof.lex and _agree(ctx, s, proof) == "right"


def test_fold_gas_model_tracks_the_evm() -> None:
    """The calibrated one-step model is within 10% of EVM runs off its grid."""
    from mechanism.dispute.gas_fold import onestep_gas, samples

    for kind, n, d, c, k, f, gas in samples(((15, 1000, 8, 4), (40, 3000, 16, 16), (56, 64, 64, 4, 25)), centred=False):
        assert abs(onestep_gas(kind, n, d, c, k, f=f) / gas - 1) < 0.10, (kind, n, d, c, k, f, gas)
