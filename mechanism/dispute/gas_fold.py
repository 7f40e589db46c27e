"""Gas of dispute games on Fold programs (Krum, Bulyan, geometric median, centered
clipping, clipping by norm), calibrated against the EVM one-steps of ``evm_fold.py``.

A game ends in one of the program's stages (the challenger disputes the first stage it
disagrees with). Per stage kind, with D = depth(ceil(d / C), k) and the per-move costs
of :mod:`.gas` (the same challenge / reveal / choose code paths as ``DisputeGame.vy``):

* ``sum``    challenge, depth(items) x (reveal, choose), the item reveal, D x (reveal,
  choose) in the sum tree (64-byte children), the Fold one-step
  ``s0 + s_row * n + s_val * n * C + s_sib * D * (k - 1)`` (total gas, calldata included);
* ``max``    challenge, the claim, the witness one-step ``m0 + m_row * n + m_val * n * C
  + m_sib * D * (k - 1)``;
* ``select`` Krum's order: challenge, ``o0 + o_pair * P + o_sq * n**2 + o_keep * n (n - f - 2)
  + o_node * P / (k - 1)`` with P = n (n - 1) / 2 distances: their packed commitment
  (P leaves, about P / (k - 1) nodes), the n x n matrix, and the linear-time scores
  (KrumVerifier.vy: each row's entries below its (n - f - 2)-th smallest are summed,
  hence the f term); each tie of distinct rows adds its own ``prove_lex`` transaction;
* ``map`` / ``column``: the coordinate game of :func:`.gas.dispute_cost` (the map
  one-step priced with the trimmed-mean per-value coefficient: a weighted or subset
  mean per coordinate, not executed on chain for these rules).

The one-step coefficients are least-squares fits of EVM runs (:func:`calibrate_fold`,
``python -m mechanism.dispute.gas_fold`` re-fits them); the tests check the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanism.commitment import num_chunks, tree_depth
from mechanism.dispute.gas import DEFAULT, GameCost, GasCoefficients, _calldata, dispute_cost


@dataclass(frozen=True)
class FoldCoefficients:
    sum0: float = 104_935.7
    sum_row: float = 754.4
    sum_val: float = 134.4
    sum_sib: float = 682.9
    max0: float = 80_549.7
    max_row: float = 598.1
    max_val: float = 987.4
    max_sib: float = 859.4
    order0: float = 236_755.1
    order_pair: float = 0.0
    order_sq: float = 1_326.8
    order_keep: float = 37.0
    order_node: float = 1_149.0

FOLD_DEFAULT = FoldCoefficients()


def _features(kind: str, n: int, chunk: int, path: int, f: int = 1, arity: int = 2) -> list[float]:
    if kind == "order":
        pairs = n * (n - 1) / 2
        return [1.0, pairs, float(n * n), float(n * max(n - f - 2, 0)), pairs / (arity - 1)]
    return [1.0, float(n), float(n * chunk), float(path)]


def onestep_gas(kind: str, n: int, d: int, chunk: int, arity: int, fc: FoldCoefficients = FOLD_DEFAULT,
                f: int = 1) -> float:
    """Total gas (execution + intrinsic) of one ``sum`` / ``max`` / ``order`` one-step
    (``f``: Krum's Byzantine count, used by ``order``)."""
    depth = tree_depth(num_chunks(d, chunk), arity)
    x = _features(kind, n, min(chunk, d), depth * (arity - 1), f, arity)
    if kind == "sum":
        w = [fc.sum0, fc.sum_row, fc.sum_val, fc.sum_sib]
    elif kind == "max":
        w = [fc.max0, fc.max_row, fc.max_val, fc.max_sib]
    else:
        w = [fc.order0, fc.order_pair, fc.order_sq, fc.order_keep, fc.order_node]
    return float(np.dot(w, x))


def stage_cost(kind: str, name: str, n: int, d: int, chunk: int, arity: int, items: int,
               coef: GasCoefficients = DEFAULT, fc: FoldCoefficients = FOLD_DEFAULT, f: int = 1) -> GameCost | None:
    """Full-depth cost of a game ending in a stage of this kind (None: not modelled)."""
    k = arity
    moves: list[tuple[str, float]] = []
    cd = 0.0

    def tx(kind_: str, exec_gas: float, nbytes: float, zeros: float) -> None:
        nonlocal cd
        moves.append((kind_, exec_gas + _calldata(nbytes, zeros, False)))
        cd += nbytes

    if kind in ("map", "column"):
        return dispute_cost("trimmed_mean", n, d, chunk, arity, coef, stage="cols" if kind == "column" else "out")
    tx("challenge", coef.challenge, 36, 35)
    if kind == "sum":
        for _ in range(tree_depth(items, k)):
            tx("reveal", coef.reveal0 + coef.reveal1 * k, 4 + 64 + 32 * k, 62)
            tx("choose", coef.choose0 + coef.choose1 * k, 4 + 96 + 32 * k, 93)
        tx("reveal_item", coef.reveal0, 4 + 96, 60)
        for _ in range(tree_depth(num_chunks(d, chunk), k)):
            tx("reveal", coef.reveal0 + 2 * coef.reveal1 * k, 4 + 64 + 64 * k, 62 + 24 * k)
            tx("choose", coef.choose0 + 2 * coef.choose1 * k, 4 + 96 + 64 * k, 93 + 24 * k)
        moves.append(("onestep", onestep_gas("sum", n, d, chunk, arity, fc)))
    elif kind == "max":
        tx("reveal_item", coef.reveal0, 4 + 32, 28)
        moves.append(("onestep", onestep_gas("max", n, d, chunk, arity, fc)))
    elif kind == "select" and name == "order":
        moves.append(("onestep", onestep_gas("order", n, d, chunk, arity, fc, f)))
    else:
        return None
    return GameCost(len(moves), moves, cd)


def program_worst_case(program: object, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                       fc: FoldCoefficients = FOLD_DEFAULT) -> tuple[GameCost, list[str]]:
    """The costliest modelled stage game of a program, and the stages left unmodelled
    (selections other than Krum's order: Bulyan's, Weiszfeld's weights, clip factors)."""
    from mechanism.dispute.trace import Program

    assert isinstance(program, Program)
    best: GameCost | None = None
    moves = 0
    missing = []
    for st in program.stages:
        c = stage_cost(st.kind, st.name, program.n, program.d, chunk, arity, len(st.items), coef, fc,
                       int(program.params.get("f", 1)))
        if c is None:
            missing.append(st.name)
            continue
        moves = max(moves, c.moves)
        if best is None or c.gas_total > best.gas_total:
            best = c
    assert best is not None
    return GameCost(moves, best.gas_per_move, best.calldata_bytes), missing


#: (n, d, chunk, arity[, f]) of the calibration one-steps (f = 1 when left out)
GRID: tuple[tuple[int, ...], ...] = (
    (5, 300, 4, 2), (9, 2000, 8, 4), (20, 4000, 16, 8), (33, 3000, 16, 16), (50, 4000, 16, 16), (12, 600, 32, 2),
    (64, 128, 64, 2, 30), (64, 128, 64, 16, 1), (48, 64, 32, 4, 20), (40, 64, 16, 8, 10))


def samples(grid: tuple[tuple[int, ...], ...] = GRID) -> list[tuple[str, int, int, int, int, int, int]]:
    """EVM one-steps: (kind, n, d, chunk, arity, f, total gas)."""
    from mechanism.commitment import sum_leaf
    from mechanism.dispute import build_program, honest_trace
    from mechanism.dispute.onestep import VerifierContext
    from mechanism.dispute.proofs import Prover
    from mechanism.dispute.trace import item_deltas
    from mechanism.evm.fold_verifier import verdict

    out = []
    for n, d, c, k, *rest in grid:
        f = rest[0] if rest else 1
        x = np.random.default_rng(n).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)  # full range
        prog = build_program("krum", n, d, f=f)
        tr = honest_trace(prog, x, c, k)
        pv = Prover.build(x, tr)
        ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)
        s = prog.index("dist")
        j = num_chunks(d, c) // 2
        last = len(prog.stages[s].items) - 1  # the last pair: the longest pair enumeration (worst case)
        claimed = sum_leaf(j, item_deltas(tr, x, s, last)[j])
        out.append(("sum", n, d, c, k, f, verdict(ctx, s, pv.sum_proof(s, j), claimed, last).total_gas))
        s = prog.index("M")
        out.append(("max", n, d, c, k, f, verdict(ctx, s, pv.max_proof(s), max_value=int(tr.values[s][0]),
                                               attain=True).total_gas))
        s = prog.index("order")
        out.append(("order", n, d, c, k, f, verdict(ctx, s, pv.select_proof(s)).total_gas))
    return out


def calibrate_fold(data: list[tuple[str, int, int, int, int, int, int]]) -> FoldCoefficients:
    from scipy.optimize import nnls

    fit: dict[str, list[float]] = {}
    for kind in ("sum", "max", "order"):
        rows = [(n, d, c, k, f, g) for kd, n, d, c, k, f, g in data if kd == kind]
        a = np.array([_features(kind, n, min(c, d), tree_depth(num_chunks(d, c), k) * (k - 1), f, k)
                      for n, d, c, k, f, _ in rows])
        y = np.array([g for *_, g in rows], dtype=float)
        fit[kind] = [float(v) for v in nnls(a, y)[0]]
    s, m, o = fit["sum"], fit["max"], fit["order"]
    return FoldCoefficients(*s, *m, *o)


if __name__ == "__main__":
    fc = calibrate_fold(samples())
    for name, value in vars(fc).items():
        print(f"    {name}: float = {value:,.1f}".replace(",", "_"))
