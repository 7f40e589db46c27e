"""Titanoboa driver of ``FoldVerifier.vy``: Fold, max and Krum-order one-steps in the EVM.

:func:`verdict` runs one step of a Python game (the same :class:`~.onestep.StepProof`
the Python verifier gets) on chain and reports ``"right"`` / ``"wrong"`` (the
proposer's claim) or ``"reject"`` (the call reverted: a malformed proof), plus the
transaction's gas (execution + intrinsic calldata gas, :func:`mechanism.units.intrinsic_gas`).
:func:`python_verdict` is the same question put to :mod:`.onestep`; the differential
tests assert they agree on honest and tampered steps.

Stage -> mode (see the contract's doc): the pair-distance sum ``dist`` is mode 0, a
distance to a committed centre vector (Weiszfeld's ``D_t``) mode 1, a norm of ``x - v``
(centered clipping) mode 2, a norm of ``x`` (clipping by norm) mode 3; max stages read
``x`` (mode 0) or ``x - v`` (mode 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import SumNode, chunk_bytes, num_chunks, tree_depth
from mechanism.dispute import onestep
from mechanism.dispute.onestep import LexWitness, StepProof, VerifierContext
from mechanism.dispute.trace import Stage
from mechanism.errors import CommitmentError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import begin_transaction
from mechanism.units import intrinsic_gas

CONTRACTS = CONTRACTS_DIR
_ENV: dict[str, Any] = {}


@dataclass(frozen=True)
class StepCall:
    """One on-chain one-step: the verdict and what the transaction cost."""

    verdict: str  # right | wrong | reject
    exec_gas: int
    total_gas: int
    calldata_bytes: int
    #: Krum's order: the total gas of the ``prove_lex`` transactions sent before it
    lex_gas: int = 0
    #: the costliest single transaction of the step (the per-transaction cap applies to it)
    max_tx_gas: int = 0


def _env() -> Any:
    """A private titanoboa environment: committing state per transaction must not
    disturb other environments (e.g. the test plugin's checkpoints)."""
    import boa

    if "env" not in _ENV:
        _ENV["env"] = boa.Env()
    return _ENV["env"]


def verifier(name: str = "FoldVerifier") -> Any:
    """A verifier contract (``FoldVerifier`` / ``KrumVerifier``) in the private
    environment, deployed once."""
    import boa

    if name not in _ENV:
        with boa.swap_env(_env()):
            _ENV[name] = boa.load(str(CONTRACTS / f"{name}.vy"))
    return _ENV[name]


def fresh_krum_verifier() -> Any:
    """A new ``KrumVerifier`` (empty lexicographic records) in the private environment."""
    import boa

    if "KrumVerifier:partial" not in _ENV:
        _ENV["KrumVerifier:partial"] = boa.load_partial(str(CONTRACTS / "KrumVerifier.vy"))
    with boa.swap_env(_env()):
        return _ENV["KrumVerifier:partial"].deploy()


def supports_stage(st: Stage) -> bool:
    """Whether this stage's one-step runs on chain (sum, max, Krum's order)."""
    return st.kind in ("sum", "max") or (st.kind == "select" and st.name == "order")


def sum_mode(st: Stage) -> int:
    if st.name == "dist":
        return 0
    if st.name.startswith("D"):
        return 1
    return 2 if len(st.reads) == 2 else 3


def _geo(ctx: VerifierContext) -> tuple[int, int, int, int, int]:
    p = ctx.program
    return p.n, p.d, ctx.chunk_size, ctx.arity, tree_depth(num_chunks(p.d, ctx.chunk_size), ctx.arity)


def _sources(ctx: VerifierContext, st: Stage, proof: StepProof) -> tuple[Any, ...]:
    chunks = b"".join(chunk_bytes(co.values) for co in proof.rows) + bytes(32)
    col = proof.col.flat() if proof.col is not None else []
    center, csibs, croot = b"", [], bytes(32)
    if len(st.reads) == 2:
        name = st.reads[1]
        croot = ctx.stage_root(name)
        vo = proof.vectors.get(name)
        if vo is not None:
            center, csibs = chunk_bytes(vo.values) + bytes(32), vo.opening.flat()
    return ctx.stage_root("cols"), chunks, col, croot, center, csibs


def _sum_args(ctx: VerifierContext, s: int, item: int, claimed: SumNode, proof: StepProof) -> tuple[Any, ...]:
    st = ctx.program.stages[s]
    m = st.scalars[0]
    mv = proof.scalars.get(m)
    m_val = int(np.asarray(mv).reshape(-1)[0]) if mv is not None and np.asarray(mv).size else 0
    return (_geo(ctx), sum_mode(st), item, proof.j, m_val, ctx.stage_root(m), *_sources(ctx, st, proof),
            claimed[0], int(claimed[1]))


def _max_args(ctx: VerifierContext, s: int, proof: StepProof) -> tuple[Any, ...]:
    st = ctx.program.stages[s]
    return (_geo(ctx), 2 if len(st.reads) == 2 else 0, proof.j, *_sources(ctx, st, proof))


def _order(ctx: VerifierContext, st: Stage, proof: StepProof) -> list[int]:
    """The order the challenger submits: the verifier's own, or (when the Python verifier
    would reject the witnesses) the order with unresolved ties left by index."""
    scal = {k: np.asarray(v, dtype=np.int64) for k, v in proof.scalars.items()}
    assert st.select is not None
    try:
        return [int(v) for v in st.select(scal, onestep.verifier_order_fn(ctx, proof.lex))]
    except (CommitmentError, KeyError):
        def loose(scores: list[int], members: list[int]) -> list[int]:
            return sorted(range(len(scores)), key=lambda p: (scores[p], members[p]))

        return [int(v) for v in st.select(scal, loose)]


def _lex_witnesses(ctx: VerifierContext, order: list[int], scores: list[int],
                   lex: dict[tuple[int, int], LexWitness]) -> list[tuple[Any, ...]]:
    """``KrumVerifier.prove_lex`` arguments, one transaction per adjacent tie of distinct
    roots in ``order`` (lower row first): (geometry, lo, hi, chunk, both chunks, both paths)."""
    out: list[tuple[Any, ...]] = []
    for p in range(len(order) - 1):
        o, q = order[p], order[p + 1]
        if scores[o] != scores[q] or ctx.input_roots[o] == ctx.input_roots[q]:
            continue
        w = lex.get((min(o, q), max(o, q)))
        if w is None or w.a is None or w.b is None:
            continue
        lo, hi = (w.a, w.b) if o < q else (w.b, w.a)
        vals = chunk_bytes(lo.values) + chunk_bytes(hi.values) + bytes(32)
        out.append((_geo(ctx), ctx.input_roots[o], ctx.input_roots[q], lo.opening.index, vals,
                    lo.opening.flat() + hi.opening.flat()))
    return out


def kth_smallest(dist: np.ndarray, n: int, f: int) -> list[int]:
    """Per row i, its (n - f - 2)-th smallest distance to the others: the linear-time
    score witness of ``KrumVerifier.krum_order`` (0 when the scores are 0)."""
    from mechanism.dispute.programs import dist_matrix

    keep = n - f - 2
    if keep <= 0 or dist.size != n * (n - 1) // 2:
        return [0] * n
    dm = dist_matrix(dist, n)
    return [int(sorted(int(dm[i][t]) for t in range(n) if t != i)[keep - 1]) for i in range(n)]


def _order_args(ctx: VerifierContext, s: int, proof: StepProof) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """``krum_order`` arguments and the ``prove_lex`` transactions that precede it."""
    from mechanism.aggregation.krum import krum_scores
    from mechanism.dispute.programs import dist_matrix

    prog = ctx.program
    st = prog.stages[s]
    n, f = prog.n, int(prog.params.get("f", 1))
    dist = np.asarray(proof.scalars.get("dist", np.zeros(0)), dtype=np.int64)
    order = _order(ctx, st, proof)
    scores = krum_scores(dist_matrix(dist, n), list(range(n)), f) if dist.size == n * (n - 1) // 2 else [0] * n
    args = (_geo(ctx), f, chunk_bytes(dist) + bytes(32), ctx.stage_root("dist"), order, list(ctx.input_roots),
            kth_smallest(dist, n, f))
    return args, _lex_witnesses(ctx, order, scores, proof.lex)


def _call(method: Any, args: tuple[Any, ...], who: Any = None) -> tuple[Any, int, int, int]:
    """Call as its own transaction; (result or BaseException, exec gas, total gas, bytes)."""
    import boa

    data = method.prepare_calldata(*args)
    with boa.swap_env(_env()):
        begin_transaction(boa.env)
        try:
            out = method(*args)
        except Exception as exc:  # a revert (boa.BoaError)
            return exc, 0, 0, len(data)
    c = method.contract
    exec_gas = int(c._computation.get_gas_used())
    return out, exec_gas, exec_gas + intrinsic_gas(data), len(data)


def verdict(ctx: VerifierContext, s: int, proof: StepProof, claimed: Any = None, item: int = -1,
            max_value: int | None = None, attain: bool = False) -> StepCall:
    """Run stage s's one-step on chain (``claimed``/``item`` for sums; ``max_value`` for
    max stages: a challenger's witness must exceed it, an attaining one equal it)."""
    c = verifier()
    st = ctx.program.stages[s]
    if st.kind == "sum":
        out, e, t, b = _call(c.sum_step, _sum_args(ctx, s, item, claimed, proof))
        res = out if isinstance(out, bool) else None
    elif st.kind == "max":
        assert max_value is not None
        if not 0 <= proof.j < num_chunks(ctx.program.d, ctx.chunk_size):
            return StepCall("reject", 0, 0, 0)
        out, e, t, b = _call(c.max_witness, _max_args(ctx, s, proof))
        res = None
        if isinstance(out, int) and (out == max_value if attain else out > max_value):
            res = attain  # attained: the proposer is right; exceeded: it is wrong
    elif st.kind == "select" and st.name == "order":
        kv = fresh_krum_verifier()  # no records of earlier calls: the step stands on its own proof
        args, lex_txs = _order_args(ctx, s, proof)
        lex_gas, peak = 0, 0
        for w in lex_txs:  # each tie witness is its own transaction (none is ever capped)
            _o, _e, lt, _b = _call(kv.prove_lex, w)
            lex_gas, peak = lex_gas + lt, max(peak, lt)
        out, e, t, b = _call(kv.krum_order, args)
        res = out == ctx.stage_roots[s] if isinstance(out, bytes) else None
        return StepCall("reject" if res is None else ("right" if res else "wrong"), e, t, b,
                        lex_gas=lex_gas, max_tx_gas=max(peak, t))
    else:
        raise CommitmentError(f"stage {st.name!r} ({st.kind}) has no on-chain one-step")
    return StepCall("reject" if res is None else ("right" if res else "wrong"), e, t, b, max_tx_gas=t)


def python_verdict(ctx: VerifierContext, s: int, proof: StepProof, claimed: Any = None, item: int = -1,
                   max_value: int | None = None, attain: bool = False) -> str:
    """The Python one-step verifier's answer to the same question."""
    st = ctx.program.stages[s]
    try:
        if st.kind == "sum":
            ok = onestep.sum_step(ctx, s, item, claimed, proof)
        elif st.kind == "max":
            w = onestep.max_witness(ctx, s, proof)
            if w != max_value if attain else w <= (max_value or 0):
                return "reject"
            ok = attain
        else:
            ok = onestep.select_step(ctx, s, proof)
    except CommitmentError:
        return "reject"
    return "right" if ok else "wrong"


__all__ = ["StepCall", "kth_smallest", "python_verdict", "sum_mode", "supports_stage", "verdict", "verifier"]
