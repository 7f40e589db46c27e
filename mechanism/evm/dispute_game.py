"""Titanoboa driver: replay a Python game's moves against ``DisputeGame.vy`` in py-evm.

Scope on-chain: the programs ``[cols, out]`` of mean, median and trimmed_mean without
clipping (the column stage and the Map stage, both with their one-steps). Every attempted move of the Python game (accepted or rejected) is sent as a
transaction; accepted Python moves must succeed on chain, rejected ones must revert,
and timeouts are replayed with ``boa.env.time_travel``. Gas per transaction is the EVM's
execution gas plus intrinsic gas (21,000 + calldata 16/4 per non-zero/zero byte;
EIP-7623's floor of 10 gas per calldata token optionally). ``boa`` is imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import chunk_bytes
from mechanism.dispute.game import RULE_IDS, DisputeGame
from mechanism.errors import DisputeError, ParameterError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import replay_move
from mechanism.units import intrinsic_gas

CONTRACT = CONTRACTS_DIR / "DisputeGame.vy"


@dataclass
class EvmResult:
    winner: str
    gas: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, exec gas, total)
    calldata_bytes: int = 0
    reverted: int = 0

    @property
    def gas_total(self) -> int:
        return sum(g[2] for g in self.gas)


_COMPILED: dict[str, Any] = {}


def _deployer() -> Any:
    import boa

    if "c" not in _COMPILED:
        _COMPILED["c"] = boa.load_partial(str(CONTRACT))
    return _COMPILED["c"]


def supports(program: Any, chunk_size: int = 1, arity: int = 2) -> bool:
    """Whether the contract can replay games of this program (and chunking): the
    contract's rules take no parameter but the trimmed mean's f (with n >= 2f + 1), so a
    weighted mean (or any other parameter) is refused, not judged as the unweighted one."""
    allowed = {"f"} if program.rule == "trimmed_mean" else set()
    f = int(program.params.get("f", 0))
    return (program.rule in RULE_IDS and [st.kind for st in program.stages] == ["column", "map"]
            and set(program.params) <= allowed and 2 * f < program.n and program.n <= 64 and program.d >= 1
            and chunk_size <= 64 and arity in (2, 4, 8, 16))


def _order_witness(rows: np.ndarray, lo: int, hi: int) -> bytes:
    """Per coordinate, the trainers holding the lo-th and hi-th order statistic."""
    order = np.argsort(rows, axis=0, kind="stable")
    return bytes(np.stack([order[lo], order[hi]], axis=1).astype(np.uint8).reshape(-1).tolist())


def onestep_args(g: DisputeGame, proof: Any) -> tuple[bytes, list[bytes], bytes, bytes]:
    """ABI arguments of ``DisputeGame.onestep`` for a map one-step ``proof`` (layout in
    the contract's docstring: chunks, column opening, order witness, honest output)."""
    prog = g.ctx.program
    st = prog.stages[1]
    if not proof.rows:
        return b"", [], b"", b""
    rows = np.stack([np.asarray(co.values, dtype=np.int64) for co in proof.rows])
    chunks = b"".join(chunk_bytes(r) for r in rows) + bytes(32)
    sibs = proof.col.flat() if proof.col is not None else []
    n = prog.n
    if prog.rule == "mean":
        wit = b""
    else:
        f = int(prog.params.get("f", 0)) if prog.rule == "trimmed_mean" else 0
        lo, hi = ((n - 1) // 2, n // 2) if prog.rule == "median" else (f, n - f - 1)
        wit = _order_witness(rows, lo, hi) + bytes(32)
    assert st.fn is not None
    out = chunk_bytes(np.asarray(st.fn({}, {"x": rows}), dtype=np.int64)) + bytes(32)
    return chunks, sibs, wit, out


def replay(g: DisputeGame, eip7623: bool = False) -> EvmResult:
    """Replay ``g.attempts`` (recorded by the Python runner) on a fresh contract; every
    call is its own transaction (:func:`~.evm_tx.begin_transaction`)."""
    import boa

    prog, ctx = g.ctx.program, g.ctx
    if not supports(prog, ctx.chunk_size, ctx.arity):
        raise ParameterError.bad("rule", prog.rule, f"on-chain games support {', '.join(RULE_IDS)} without clipping")
    from mechanism.commitment import num_chunks, tree_depth

    depth = tree_depth(num_chunks(prog.d, ctx.chunk_size), ctx.arity)
    # a private environment: committing state per transaction must not disturb others
    env = boa.Env()
    env.evm.patch.block_number = 1
    with boa.swap_env(env):
        return _replay(g, depth, eip7623)


def _replay(g: DisputeGame, depth: int, eip7623: bool) -> EvmResult:
    import boa

    prog, ctx = g.ctx.program, g.ctx
    prop, chal = boa.env.generate_address("proposer"), boa.env.generate_address("challenger")
    f = int(prog.params.get("f", 0)) if prog.rule == "trimmed_mean" else 0
    c = _deployer().deploy(prop, chal, list(ctx.input_roots), ctx.stage_roots[0], ctx.stage_roots[1], prog.d,
                           ctx.chunk_size, ctx.arity, depth, RULE_IDS[prog.rule], f, g.clock_blocks)
    if g.chess_clock_blocks is not None:  # the creator switches to chess clocks before the challenge
        c.set_chess_clock(g.chess_clock_blocks)
    b0 = boa.env.evm.patch.block_number
    res = EvmResult(winner="")
    children: list[bytes] = []
    revealed: list[bytes] = []
    call: tuple[Any, ...]
    for name, args, accepted, block in g.attempts:
        now = boa.env.evm.patch.block_number
        if b0 + block > now:
            boa.env.time_travel(blocks=b0 + block - now)
        if name == "challenge":
            who, fn, call = chal, "challenge", (args[0],)
        elif name == "reveal":
            who, fn, call = prop, "reveal", (list(args[0]),)  # type: ignore[call-overload]
        elif name == "choose":
            who, fn, call = chal, "choose", (args[0], list(children))
        elif name == "reveal_column":
            who, fn, call = prop, "reveal_column", (list(args[0]),)  # type: ignore[call-overload]
        elif name == "onestep" and args[0].column is not None:  # type: ignore[attr-defined]
            w = args[0].column  # type: ignore[attr-defined]
            who, fn, call = chal, "onestep_column", (w.t, list(revealed), w.leaf, w.opening.flat())
        elif name == "onestep":
            who, fn, call = chal, "onestep", onestep_args(g, args[0])
        elif name == "timeout":
            who, fn, call = chal, "timeout", ()
        else:
            raise DisputeError(f"move {name!r} has no on-chain counterpart")
        ok, data = replay_move(boa.env, c, fn, call, who, name, accepted)
        if not ok:
            res.reverted += 1
            continue
        if name == "reveal":
            children = list(args[0])  # type: ignore[call-overload]
        if name == "reveal_column":
            revealed = list(args[0])  # type: ignore[call-overload]
        exec_gas = int(c._computation.get_gas_used())
        res.gas.append((name, exec_gas, exec_gas + intrinsic_gas(data, eip7623)))
        res.calldata_bytes += len(data)
    w = c.winner()
    res.winner = "proposer" if w == prop else ("challenger" if w == chal else "none")
    return res
