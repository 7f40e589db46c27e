"""Titanoboa driver of ``TrainingStep.vy``: replay a Python training dispute in the EVM.

Scope on chain: logistic regression and the one-hidden-layer MLP (stages ``z{t}`` with
their sum trees, ``e{t}``, ``w{t}``, ``u``). Every attempted
move of the Python game (accepted or rejected) is one transaction; accepted moves must
succeed on chain and rejected ones revert (else :class:`DisputeError`). The contract's
size bounds are compile-time constants; :func:`replay` compiles a copy whose bounds fit
the model (cached per bounds), so the measured gas includes no memory for larger models.
Gas per transaction: execution + intrinsic (:func:`mechanism.units.intrinsic_gas`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.commitment import chunk_bytes, num_chunks, tree_depth
from mechanism.errors import DisputeError, ParameterError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.dispute_game import EvmResult
from mechanism.evm.tx import replay_move
from mechanism.training_proof.game import TrainingGame, TrainingProof
from mechanism.training_proof.trace import START, Setting
from mechanism.units import intrinsic_gas

CONTRACT = CONTRACTS_DIR / "TrainingStep.vy"
_COMPILED: dict[tuple[object, ...], Any] = {}
_BLOCK = r"^# @model {kind} begin$.*?^# @model {kind} end$\n"


def variant(src: str, kind: str) -> str:
    """The contract for one model: drop the other model's ``@model`` block (both do not
    fit under the EIP-170 code-size limit)."""
    for other in ("logreg", "mlp"):
        if other != kind:
            src, n = re.subn(_BLOCK.format(kind=other), "", src, flags=re.M | re.S)
            assert n == 1, other
    return src


def supports(st: Setting) -> bool:
    return st.spec.chunk_size <= 64 and st.arity in (2, 4, 8, 16) and st.hyper.batch * st.spec.classes <= 512


def bounds(st: Setting) -> dict[str, int]:
    """Size bounds of the contract for this setting (module doc)."""
    sp, hy, k = st.spec, st.hyper, st.arity
    P, ch, B, C, H = sp.row_len, sp.chunk_size, hy.batch, sp.classes, sp.hidden
    R = P // ch
    dw = tree_depth(num_chunks(sp.d, ch), k)
    dx, dd, de = tree_depth(R, k), tree_depth(st.data_size, k), tree_depth(B * C, k)
    dz = tree_depth(B * sp.layer1_rows, k)
    path = (k - 1) * max(B * max(dd, de, dx), dw, dx, dd, de)
    data = 32 + 8 * max(ch, B, B * ch)
    if sp.kind == "mlp":
        path = max(path, (k - 1) * max(C * dw, B * C * de, B * dz, (sp.row_len2 // ch) * dw, H * dz, B * min(ch, H) * dz))
        data = max(data, 32 + 8 * max(C * ch, B * C, sp.row_len2, H))
    return {"MAX_STAGES": 3 * hy.steps + 1, "MAX_PATH": path, "MAX_DATA": -(-data // 32) * 32, "MAX_B": B}


def _deployer(st: Setting) -> Any:
    import boa

    bd = bounds(st)
    key = (st.spec.kind, *bd.values())
    if key not in _COMPILED:
        src = variant(CONTRACT.read_text(), st.spec.kind)
        for name, v in bd.items():
            src, n = re.subn(rf"^{name}: constant\(uint256\) = \d+$", f"{name}: constant(uint256) = {v}", src, flags=re.M)
            assert n == 1, name
        tmp = Path(tempfile.mkdtemp(prefix="orfl-training-step-"))
        shutil.copy(CONTRACTS_DIR / "merkle_lib.vy", tmp / "merkle_lib.vy")
        (tmp / "TrainingStep.vy").write_text(src)
        _COMPILED[key] = boa.load_partial(str(tmp / "TrainingStep.vy"))
    return _COMPILED[key]


def _cat(proof: TrainingProof, keys: list[str]) -> tuple[bytes, list[bytes]]:
    vals = b"".join(chunk_bytes(np.asarray(proof.scalars[k], dtype=np.int64)) for k in keys)
    return vals + bytes(32), [h for k in keys for h in proof.paths[k].flat()]


def onestep_call(st: Setting, s: int, j: int, proof: TrainingProof, item: int = -1) -> tuple[str, tuple[Any, ...]]:
    """Function name and ABI arguments of the one-step of leaf j of stage s (of the sum
    tree of fold item ``item`` when ``item >= 0``)."""
    sp, S = st.spec, st.hyper.steps
    fn = "onestep_u" if s == 3 * S else ("onestep_z", "onestep_e", "onestep_w")[s % 3]
    if sp.kind == "mlp" and fn == "onestep_e":
        fn = "onestep_e2"
    elif sp.kind == "mlp" and fn == "onestep_w":
        fn = "onestep_w1" if j * sp.chunk_size < sp.w2_offset else "onestep_w2"
    leaves = st.row_chunks if fn == "onestep_z" else st.leaves(s)
    if j >= leaves or not proof.scalars:
        empty: dict[str, tuple[Any, ...]] = {
            "onestep_u": (b"", [], b"", []), "onestep_e": (0, [], 0, bytes(32), []),
            "onestep_z": (b"", [], b"", [], 0, bytes(32), []), "onestep_e2": (b"", [], b"", [], 0, bytes(32), []),
            "onestep_w2": (b"", [], b"", [], b"", []),
            "onestep_w1": (b"", [], b"", [], b"", [], b"", [], b"", [], b"", [], []),
            "onestep_w": (b"", [], b"", [], b"", [], b"", [], [])}
        return fn, empty[fn]
    if fn == "onestep_u":
        ws, wsib = _cat(proof, [f"s{s - 1}:{j}"])
        w0, w0sib = _cat(proof, [f"s{START}:{j}"])
        return fn, (ws, wsib, w0, w0sib)
    t = s // 3 + 1
    prev = st.prev_tree(t)
    batch, C, ch = st.batch(t), sp.classes, sp.chunk_size
    R = sp.row_len // ch
    if fn == "onestep_z":
        b, c = divmod(item, sp.layer1_rows)
        pos = batch[b]
        wc, wsib = _cat(proof, [f"s{prev}:{c * R + j}"])
        xc, xsib = _cat(proof, [f"x{pos}:{j}"])
        label = int(proof.scalars[f"d{pos}"][0])
        return fn, (wc, wsib, xc, xsib, label, proof.feature_roots[pos], proof.paths[f"d{pos}"].flat())
    H, z_tree = sp.hidden, s - 1 - (s % 3 == 2)
    if fn == "onestep_e2":
        b, c = divmod(j, C)
        pos = batch[b]
        c0 = (sp.w2_offset + c * sp.row_len2) // ch
        w2, wsib = _cat(proof, [f"s{prev}:{c0 + q}" for q in range(sp.row_len2 // ch)])
        zs, zsib = _cat(proof, [f"s{z_tree}:{b * H + h}" for h in range(H)])
        label = int(proof.scalars[f"d{pos}"][0])
        return fn, (w2, wsib, zs, zsib, label, proof.feature_roots[pos], proof.paths[f"d{pos}"].flat())
    if fn == "onestep_w2":
        lo = j * ch
        r, col0 = divmod(lo - sp.w2_offset, sp.row_len2)
        width = min(ch, sp.d - lo)
        hs = [col - 1 for col in range(col0, col0 + width) if 1 <= col <= H]
        old, osib = _cat(proof, [f"s{prev}:{j}"])
        es, esib = _cat(proof, [f"s{s - 1}:{b * C + r}" for b in range(len(batch))])
        zs, zsib = _cat(proof, [f"s{z_tree}:{b * H + h}" for b in range(len(batch)) for h in hs])
        return fn, (old, osib, es, esib, zs, zsib)
    if fn == "onestep_w1":
        lo = j * ch
        r, q = lo // sp.row_len, (lo % sp.row_len) // ch
        old, osib = _cat(proof, [f"s{prev}:{j}"])
        w2c, w2sib = _cat(proof, [f"s{prev}:{(sp.w2_offset + c * sp.row_len2 + 1 + r) // ch}" for c in range(C)])
        es, esib = _cat(proof, [f"s{s - 1}:{i}" for i in range(len(batch) * C)])
        zs, zsib = _cat(proof, [f"s{z_tree}:{b * H + r}" for b in range(len(batch))])
        xs, xsib = _cat(proof, [f"x{p}:{q}" for p in batch])
        labels, _ = _cat(proof, [f"d{p}" for p in batch])
        froots = [proof.feature_roots[p] for p in batch]
        dsib = [h for p in batch for h in proof.paths[f"d{p}"].flat()]
        return fn, (old, osib, w2c, w2sib, es, esib, zs, zsib, xs, xsib, labels, froots, dsib)
    if fn == "onestep_e":
        pos = batch[j // C]
        key = f"s{s - 1}:{j}"
        z = int(proof.scalars[key][0])
        label = int(proof.scalars[f"d{pos}"][0])
        return fn, (z, proof.paths[key].flat(), label, proof.feature_roots[pos], proof.paths[f"d{pos}"].flat())
    lo = j * ch
    r, q = lo // sp.row_len, (lo % sp.row_len) // ch
    old, osib = _cat(proof, [f"s{prev}:{j}"])
    es, esib = _cat(proof, [f"s{s - 1}:{b * C + r}" for b in range(len(batch))])
    xs, xsib = _cat(proof, [f"x{p}:{q}" for p in batch])
    labels, _ = _cat(proof, [f"d{p}" for p in batch])
    froots = [proof.feature_roots[p] for p in batch]
    dsib = [h for p in batch for h in proof.paths[f"d{p}"].flat()]
    return fn, (old, osib, es, esib, xs, xsib, labels, froots, dsib)


def replay(g: TrainingGame, eip7623: bool = False) -> EvmResult:
    """Replay ``g.attempts`` on a fresh contract in a private environment."""
    import boa

    st = g.setting
    assert st is not None
    if not supports(st):
        raise ParameterError.bad("model", (st.spec.kind, st.spec.chunk_size, st.arity),
                                 "chunk size <= 64, arity 2/4/8/16 and B*C <= 512 (the on-chain one-step's bounds)")
    env = boa.Env()
    env.evm.patch.block_number = 1
    with boa.swap_env(env):
        return _replay(g, st, eip7623)


def _replay(g: TrainingGame, st: Setting, eip7623: bool) -> EvmResult:
    import boa

    sp, hy, ctx = st.spec, st.hyper, g.ctx
    prop, chal = boa.env.generate_address("trainer"), boa.env.generate_address("challenger")
    # after a locate phase only stages 0..s are known (zero where not opened): pad to 3S + 1
    roots = [*ctx.stage_roots, *[bytes(32)] * (3 * hy.steps + 1 - len(ctx.stage_roots))]
    located = 0 if g.only_stage is None else g.only_stage + 1
    c = _deployer(st).deploy(prop, chal, roots, ctx.input_roots[1], ctx.input_roots[0], st.seed,
                             st.data_size, sp.classes, sp.row_len, sp.chunk_size, st.arity, hy.batch, hy.steps,
                             hy.lr_q, g.clock_blocks, sp.hidden, sp.row_len2, located)
    b0 = boa.env.evm.patch.block_number
    res = EvmResult(winner="")
    children: list[Any] = []
    in_sum = False
    for name, args, accepted, block in g.attempts:
        now = boa.env.evm.patch.block_number
        if b0 + block > now:
            boa.env.time_travel(blocks=b0 + block - now)
        call: tuple[Any, ...]
        if name == "challenge":
            who, fn, call = chal, "challenge", (args[0],)
        elif name == "reveal" and in_sum:
            kids = list(args[0])  # type: ignore[call-overload]
            who, fn, call = prop, "reveal_sums", ([h for h, _ in kids], [v for _, v in kids])
        elif name == "reveal":
            who, fn, call = prop, "reveal", (list(args[0]),)  # type: ignore[call-overload]
        elif name == "choose" and in_sum:
            who, fn, call = chal, "choose_sum", (args[0], [h for h, _ in children], [v for _, v in children])
        elif name == "choose":
            who, fn, call = chal, "choose", (args[0], list(children))
        elif name == "reveal_item":
            root = args[1] if args[1] is not None else (bytes(32), 0)
            who, fn, call = prop, "reveal_item", (args[0], root[0], root[1])  # type: ignore[index]
        elif name == "onestep":
            who = chal
            proof = args[0]
            if not isinstance(proof, TrainingProof):
                raise DisputeError("one-step without a training proof")
            fn, call = onestep_call(st, g.stage, g.pos, proof, g.item if g.tree == "sum" else -1)
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
        if name == "reveal_item":
            in_sum = True
        exec_gas = int(c._computation.get_gas_used())
        res.gas.append((name, exec_gas, exec_gas + intrinsic_gas(data, eip7623)))
        res.calldata_bytes += len(data)
    w = c.winner()
    res.winner = "proposer" if w == prop else ("challenger" if w == chal else "none")
    return res
