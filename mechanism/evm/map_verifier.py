"""Titanoboa driver of ``MapVerifier.vy``: the Map one-steps of every rule in the EVM.

:func:`verdict` runs the one-step of a ``map`` stage on chain from the same
:class:`~mechanism.dispute.onestep.StepProof` and claimed output leaf the Python
verifier gets, and reports ``"right"`` / ``"wrong"`` (the proposer's claimed leaf) or
``"reject"`` (the call reverted: a malformed proof), with the transaction's gas
(execution + intrinsic calldata gas, :func:`mechanism.units.intrinsic_gas`).
:func:`python_verdict` asks :func:`mechanism.dispute.onestep.map_step` the same question.
The contract mode of each stage is :func:`mechanism.dispute.onestep.map_spec`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechanism.commitment import chunk_bytes, num_chunks
from mechanism.dispute import onestep
from mechanism.dispute.onestep import StepProof, VerifierContext
from mechanism.dispute.trace import Stage
from mechanism.errors import CommitmentError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.fold_verifier import StepCall, _call, _env, _geo

CONTRACT = "MapVerifier"
_DEPLOYED: dict[str, Any] = {}


def supports_stage(st: Stage) -> bool:
    """Whether MapVerifier.vy runs this stage's one-step (every ``map`` stage)."""
    return st.kind == "map"


def verifier() -> Any:
    """MapVerifier.vy in the drivers' private environment, deployed once."""
    import boa

    if "c" not in _DEPLOYED:
        with boa.swap_env(_env()):
            _DEPLOYED["c"] = boa.load(str(CONTRACTS_DIR / f"{CONTRACT}.vy"))
    return _DEPLOYED["c"]


def _packed(v: Any) -> bytes:
    """Packed little-endian int64 values + 32 padding bytes (low 64 bits of a wider value:
    its root check then fails, as the Python verifier rejects it)."""
    vals = np.asarray(v, dtype=object).reshape(-1)
    return b"".join(int(u % (1 << 64)).to_bytes(8, "little") for u in vals) + bytes(32)


def _rows_view(spec: onestep.MapSpec, rows: np.ndarray, vec: np.ndarray | None) -> tuple[np.ndarray, list[int]]:
    """The values the order statistics of modes 4-6 are taken over, and their row indices."""
    n = rows.shape[0]
    if spec.mode == 4 and vec is not None:
        members = [int(v) for v in vec if 0 <= int(v) < n]
        return rows[members], members
    if spec.mode in (5, 6) and vec is not None and len(vec) == n:
        return (rows * np.asarray(vec, dtype=np.int64)[:, None]) >> 20, list(range(n))
    return rows, list(range(n))


def _witness(spec: onestep.MapSpec, rows: np.ndarray, vec: np.ndarray | None) -> bytes:
    """Per coordinate, the rows holding the lo-th and hi-th order statistic (modes 4-6)."""
    if spec.mode < 4 or rows.size == 0:
        return b""
    view, members = _rows_view(spec, rows, vec)
    size = view.shape[0]
    if size == 0:
        return bytes(2 * rows.shape[1]) + bytes(32)
    lo, hi = ((size - 1) // 2, size // 2) if spec.mode == 6 else (spec.f, size - spec.f - 1)
    lo, hi = min(max(lo, 0), size - 1), min(max(hi, 0), size - 1)
    order = np.argsort(view, axis=0, kind="stable")
    pairs = [(members[int(order[lo, c])], members[int(order[hi, c])]) for c in range(view.shape[1])]
    return bytes(b for ab in pairs for b in ab) + bytes(32)


def step_args(ctx: VerifierContext, s: int, proof: StepProof, claimed: bytes) -> tuple[Any, ...]:
    """The arguments of ``MapVerifier.map_step`` for map stage s (layout in the contract)."""
    prog = ctx.program
    spec = onestep.map_spec(prog, s)
    rows = (np.stack([np.asarray(co.values, dtype=np.int64) for co in proof.rows]) if proof.rows
            else np.zeros((prog.n, 0), dtype=np.int64))
    chunks = b"".join(chunk_bytes(r) for r in rows) + bytes(32)
    col = proof.col.flat() if proof.col is not None else []
    center, csibs, croot = b"", [], bytes(32)
    if spec.center is not None:
        croot = ctx.stage_root(spec.center)
        vo = proof.vectors.get(spec.center)
        if vo is not None:
            center, csibs = chunk_bytes(vo.values) + bytes(32), vo.opening.flat()
    vec, vec_len, vroot = b"", 0, bytes(32)
    arr: np.ndarray | None = None
    if spec.vector is not None:
        raw = proof.scalars.get(spec.vector)
        vroot = ctx.stage_root(spec.vector)
        if raw is not None:
            obj = np.asarray(raw, dtype=object).reshape(-1)
            vec, vec_len = _packed(obj), len(obj)
            if all(-(1 << 63) <= int(u) < 1 << 63 for u in obj):
                arr = np.asarray(obj.astype(np.int64))
    wit = _witness(spec, rows, arr)
    return (_geo(ctx), spec.mode, spec.f, spec.m, proof.j, ctx.stage_root("cols"), chunks, col, croot, center,
            csibs, vec, vec_len, vroot, wit, claimed)


def verdict(ctx: VerifierContext, s: int, proof: StepProof, claimed: bytes) -> StepCall:
    """Run map stage s's one-step on chain (the proposer claims output leaf ``claimed``)."""
    st = ctx.program.stages[s]
    if not supports_stage(st):
        raise CommitmentError(f"stage {st.name!r} ({st.kind}) is not a map stage")
    c = verifier()
    out, e, t, b = _call(c.map_step, step_args(ctx, s, proof, claimed))
    res = out if isinstance(out, bool) else None
    return StepCall("reject" if res is None else ("right" if res else "wrong"), e, t, b, max_tx_gas=t)


def python_verdict(ctx: VerifierContext, s: int, proof: StepProof, claimed: bytes) -> str:
    """The Python one-step verifier's answer to the same question."""
    try:
        return "right" if onestep.map_step(ctx, s, claimed, proof) else "wrong"
    except CommitmentError:
        return "reject"


def honest_claim(ctx: VerifierContext, trace: Any, s: int, j: int) -> bytes:
    """The honest output leaf j of map stage s (the padding leaf beyond the last chunk)."""
    if j >= num_chunks(ctx.program.d, ctx.chunk_size):
        return bytes(32)
    return bytes(trace.trees[s].levels[0][j])


__all__ = ["CONTRACT", "honest_claim", "python_verdict", "step_args", "supports_stage", "verdict", "verifier"]
