"""Titanoboa driver of ``SelectVerifier.vy``: the clip-factor, Weiszfeld-weight and
Bulyan-selection one-steps in the EVM.

:func:`verdict` runs the one-step of a ``select`` stage on chain from the same
:class:`~mechanism.dispute.onestep.StepProof` the Python verifier gets and reports
``"right"`` / ``"wrong"`` (the proposer's committed selection) or ``"reject"`` (the call
reverted: a malformed proof), with the gas of the transaction (execution + intrinsic,
:func:`mechanism.units.intrinsic_gas`); Bulyan's lexicographic tie witnesses are
``prove_lex`` transactions of their own, sent first. :func:`python_verdict` asks
:mod:`mechanism.dispute.onestep` (``clip_factors``, ``weiszfeld_weights``,
``bulyan_picks``) the same question.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechanism.commitment import chunk_bytes
from mechanism.dispute import onestep
from mechanism.dispute.onestep import LexWitness, StepProof, VerifierContext
from mechanism.dispute.trace import Stage
from mechanism.errors import CommitmentError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.fold_verifier import StepCall, _call, _env, _geo

KINDS = ("clip", "weights", "bulyan")
_DEPLOYED: dict[str, Any] = {}


def supports_stage(st: Stage) -> bool:
    """Whether SelectVerifier.vy runs this stage's one-step (clip factors, Weiszfeld
    weights, Bulyan's selection)."""
    if st.kind != "select":
        return False
    try:
        return onestep.select_kind(st) in KINDS
    except CommitmentError:
        return False


def verifier(fresh: bool = False) -> Any:
    """SelectVerifier.vy in the drivers' private environment (``fresh``: a new instance
    without lexicographic records, so a step stands on its own proof)."""
    import boa

    if "partial" not in _DEPLOYED:
        _DEPLOYED["partial"] = boa.load_partial(str(CONTRACTS_DIR / "SelectVerifier.vy"))
    if fresh or "c" not in _DEPLOYED:
        with boa.swap_env(_env()):
            c = _DEPLOYED["partial"].deploy()
        if fresh:
            return c
        _DEPLOYED["c"] = c
    return _DEPLOYED["c"]


def _packed(v: Any) -> bytes:
    return chunk_bytes(np.asarray(v, dtype=np.int64).reshape(-1)) + bytes(32)


def _scalar(proof: StepProof, name: str) -> int:
    v = proof.scalars.get(name)
    arr = np.asarray(v, dtype=object).reshape(-1) if v is not None else np.zeros(0)
    return int(arr[0]) if arr.size else 0


def _vector(proof: StepProof, name: str) -> bytes:
    v = proof.scalars.get(name)
    if v is None:
        return bytes(32)
    try:
        return _packed(v)
    except OverflowError:  # a value outside int64: encode its low 64 bits (the root check fails)
        return b"".join(int(u % (1 << 64)).to_bytes(8, "little") for u in np.asarray(v, dtype=object).reshape(-1)) \
            + bytes(32)


def sorted_rows(dist: np.ndarray, n: int) -> bytes:
    """Bulyan's witness: per row i, the other rows by non-decreasing distance (one byte
    each, ties by index), rows one after another, + 32 padding bytes."""
    from mechanism.dispute.programs import dist_matrix

    dm = dist_matrix(dist, n) if dist.size == n * (n - 1) // 2 else [[0] * n for _ in range(n)]
    out = bytearray()
    for i in range(n):
        out += bytes(sorted((t for t in range(n) if t != i), key=lambda t: (dm[i][t], t)))
    return bytes(out) + bytes(32)


def _picks(ctx: VerifierContext, s: int, proof: StepProof) -> list[int]:
    """The round winners the challenger submits: the verifier's own, or (when the proof's
    ranking does not settle a tie) the winners with unsettled ties broken by index."""
    try:
        return onestep.bulyan_picks(ctx, s, proof)
    except CommitmentError:
        from mechanism.aggregation.krum import krum_scores
        from mechanism.dispute.programs import dist_matrix

        n, f = ctx.program.n, onestep.rule_param(ctx.program, "f")
        dist = np.asarray(proof.scalars.get("dist", np.zeros(0)), dtype=np.int64)
        if dist.size != n * (n - 1) // 2:
            return list(range(max(n - 2 * f, 0)))
        dm = dist_matrix(dist, n)
        remaining, picks = list(range(n)), []
        for _ in range(n - 2 * f):
            scores = krum_scores(dm, remaining, f)
            picks.append(remaining.pop(min(range(len(remaining)), key=lambda p: (scores[p], remaining[p]))))
        return picks


def _lex_txs(ctx: VerifierContext, lex: dict[tuple[int, int], LexWitness]) -> list[tuple[Any, ...]]:
    """``prove_lex`` arguments, one per witness of two distinct rows (smaller row first)."""
    out = []
    for (i, j), w in sorted(lex.items()):
        if w.a is None or w.b is None or ctx.input_roots[i] == ctx.input_roots[j]:
            continue
        diff = np.nonzero(np.asarray(w.a.values) != np.asarray(w.b.values))[0]
        if w.a.values.shape != w.b.values.shape or diff.size == 0:
            continue
        a_first = int(w.a.values[diff[0]]) < int(w.b.values[diff[0]])
        lo, hi, ri, rj = (w.a, w.b, i, j) if a_first else (w.b, w.a, j, i)
        vals = chunk_bytes(lo.values) + chunk_bytes(hi.values) + bytes(32)
        out.append((_geo(ctx), ctx.input_roots[ri], ctx.input_roots[rj], lo.opening.index, vals,
                    lo.opening.flat() + hi.opening.flat()))
    return out


def step_args(ctx: VerifierContext, s: int, proof: StepProof) -> tuple[str, tuple[Any, ...]]:
    """The SelectVerifier method and its arguments for select stage s."""
    prog = ctx.program
    st = prog.stages[s]
    kind = onestep.select_kind(st)
    if kind in ("clip", "weights"):
        m, vec = st.scalars
        param = onestep.rule_param(prog, "tau" if kind == "clip" else "nu")
        return ("clip_select" if kind == "clip" else "weights_select",
                (_geo(ctx), param, _scalar(proof, m), ctx.stage_root(m), _vector(proof, vec), ctx.stage_root(vec)))
    f = onestep.rule_param(prog, "f")
    dist = np.asarray(proof.scalars.get("dist", np.zeros(0)), dtype=np.int64)
    return "bulyan_select", (_geo(ctx), f, _vector(proof, "dist"), ctx.stage_root("dist"), _picks(ctx, s, proof),
                             sorted_rows(dist, prog.n), list(ctx.input_roots), list(proof.rank))


def verdict(ctx: VerifierContext, s: int, proof: StepProof) -> StepCall:
    """Run select stage s's one-step on chain (a fresh contract for Bulyan: no records)."""
    name, args = step_args(ctx, s, proof)
    lex_gas, peak = 0, 0
    if name == "bulyan_select":
        c = verifier(fresh=True)
        for w in _lex_txs(ctx, proof.lex):
            _o, _e, lt, _b = _call(c.prove_lex, w)
            lex_gas, peak = lex_gas + lt, max(peak, lt)
    else:
        c = verifier()
    out, e, t, b = _call(getattr(c, name), args)
    res = out == ctx.stage_roots[s] if isinstance(out, bytes) else None
    return StepCall("reject" if res is None else ("right" if res else "wrong"), e, t, b,
                    lex_gas=lex_gas, max_tx_gas=max(peak, t))


def python_verdict(ctx: VerifierContext, s: int, proof: StepProof) -> str:
    """The Python one-step verifier's answer to the same question."""
    try:
        return "right" if onestep.select_step(ctx, s, proof) else "wrong"
    except CommitmentError:
        return "reject"


__all__ = ["KINDS", "python_verdict", "sorted_rows", "step_args", "supports_stage", "verdict", "verifier"]
