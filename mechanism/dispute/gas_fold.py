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
    clip0: float = 227_972.2
    clip_row: float = 4_014.2
    clip_node: float = 2_363.2
    weights0: float = 231_543.3
    weights_row: float = 4_265.2
    weights_node: float = 2_363.3
    bulyan0: float = 994_873.9
    bulyan_sq: float = 2_029.5
    bulyan_round: float = 506.5
    bulyan_node: float = 1_145.2


FOLD_DEFAULT = FoldCoefficients()


#: one-step kinds of the select stages and the coefficient prefix of each
SELECT_KINDS = ("clip", "weights", "bulyan")


def _features(kind: str, n: int, chunk: int, path: int, f: int = 1, arity: int = 2) -> list[float]:
    pairs = n * (n - 1) / 2
    if kind == "order":
        return [1.0, pairs, float(n * n), float(n * max(n - f - 2, 0)), pairs / (arity - 1)]
    if kind in ("clip", "weights"):  # two packed small vectors of n values: read and commit
        return [1.0, float(n), n / (arity - 1)]
    if kind == "bulyan":  # the distance matrix and sorted rows (n^2), n - 2f rounds over n rows
        return [1.0, float(n * n), float(n * max(n - 2 * f, 0)), pairs / (arity - 1)]
    return [1.0, float(n), float(n * chunk), float(path)]


def _weights(kind: str, fc: FoldCoefficients) -> list[float]:
    names = {"sum": ("sum0", "sum_row", "sum_val", "sum_sib"), "max": ("max0", "max_row", "max_val", "max_sib"),
             "order": ("order0", "order_pair", "order_sq", "order_keep", "order_node"),
             "clip": ("clip0", "clip_row", "clip_node"), "weights": ("weights0", "weights_row", "weights_node"),
             "bulyan": ("bulyan0", "bulyan_sq", "bulyan_round", "bulyan_node")}[kind]
    return [float(getattr(fc, a)) for a in names]


def onestep_gas(kind: str, n: int, d: int, chunk: int, arity: int, fc: FoldCoefficients = FOLD_DEFAULT,
                f: int = 1) -> float:
    """Total gas (execution + intrinsic) of one ``sum`` / ``max`` / ``order`` / ``clip`` /
    ``weights`` / ``bulyan`` one-step (``f``: Krum's or Bulyan's Byzantine count)."""
    depth = tree_depth(num_chunks(d, chunk), arity)
    x = _features(kind, n, min(chunk, d), depth * (arity - 1), f, arity)
    return float(np.dot(_weights(kind, fc), x))


def select_onestep(name: str) -> str:
    """The one-step kind of a select stage by its name (programs.py): Krum's ``order``,
    Bulyan's ``chosen``, clip factors ``clip*``, Weiszfeld weights ``w*``."""
    if name == "order":
        return "order"
    if name == "chosen":
        return "bulyan"
    return "clip" if name.startswith("clip") else "weights"


def stage_cost(kind: str, name: str, n: int, d: int, chunk: int, arity: int, items: int,
               coef: GasCoefficients = DEFAULT, fc: FoldCoefficients = FOLD_DEFAULT, f: int = 1,
               map_rule: str = "trimmed_mean") -> GameCost | None:
    """Full-depth cost of a game ending in a stage of this kind (None: not modelled).
    ``map_rule``: the DisputeGame.vy Map one-step a ``map`` stage is priced with (the
    rule's own for mean / median / trimmed mean, the trimmed mean's otherwise)."""
    k = arity
    moves: list[tuple[str, float]] = []
    cd = 0.0

    def tx(kind_: str, exec_gas: float, nbytes: float, zeros: float) -> None:
        nonlocal cd
        moves.append((kind_, exec_gas + _calldata(nbytes, zeros, False)))
        cd += nbytes

    if kind in ("map", "column"):
        return dispute_cost(map_rule, n, d, chunk, arity, coef, stage="cols" if kind == "column" else "out")
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
    elif kind == "select":
        moves.append(("onestep", onestep_gas(select_onestep(name), n, d, chunk, arity, fc, f)))
    else:
        return None
    return GameCost(len(moves), moves, cd)


def _map_rule(program: object) -> str:
    from mechanism.dispute.gas import RULES

    return str(getattr(program, "rule", "")) if getattr(program, "rule", "") in RULES else "trimmed_mean"


def program_stage_costs(program: object, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                        fc: FoldCoefficients = FOLD_DEFAULT) -> list[tuple[str, str, GameCost]]:
    """(stage name, stage kind, full-depth cost of a game ending there) for every stage."""
    from mechanism.dispute.trace import Program

    assert isinstance(program, Program)
    f = int(program.params.get("f", 1))
    out = []
    for st in program.stages:
        c = stage_cost(st.kind, st.name, program.n, program.d, chunk, arity, len(st.items), coef, fc, f,
                       _map_rule(program))
        if c is None:
            raise KeyError(f"stage {st.name!r} of kind {st.kind!r} has no gas model")
        out.append((st.name, st.kind, c))
    return out


def program_worst_case(program: object, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                       fc: FoldCoefficients = FOLD_DEFAULT) -> tuple[GameCost, list[str]]:
    """The costliest stage game of a program (with the largest move count over stages),
    and the stages left unmodelled (none: every stage kind has an on-chain one-step)."""
    costs = program_stage_costs(program, chunk, arity, coef, fc)
    best = max((c for _, _, c in costs), key=lambda c: c.gas_total)
    return GameCost(max(c.moves for _, _, c in costs), best.gas_per_move, best.calldata_bytes), []


#: moves of the challenger / the proposer (a one-step may be sent by either side)
CHALLENGER_MOVES = ("challenge", "choose")
PROPOSER_MOVES = ("reveal", "reveal_item", "reveal_column")


def per_side_gas(cost: GameCost) -> float:
    """Gas one side may spend on this game: the larger side's moves plus every one-step
    transaction (either side may have to submit it; docs/economics.md, c_d)."""
    ch = sum(g for k, g in cost.gas_per_move if k in CHALLENGER_MOVES)
    pr = sum(g for k, g in cost.gas_per_move if k in PROPOSER_MOVES)
    return max(ch, pr) + sum(g for k, g in cost.gas_per_move if k not in CHALLENGER_MOVES + PROPOSER_MOVES)


def per_side_moves(cost: GameCost) -> int:
    """Moves one side may make in this game (the larger side's, plus the one-steps)."""
    ch = sum(1 for k, _ in cost.gas_per_move if k in CHALLENGER_MOVES)
    pr = sum(1 for k, _ in cost.gas_per_move if k in PROPOSER_MOVES)
    return max(ch, pr) + sum(1 for k, _ in cost.gas_per_move if k not in CHALLENGER_MOVES + PROPOSER_MOVES)


@dataclass(frozen=True)
class RuleGameCost:
    """Per-stage dispute cost of one rule's own trace program at one geometry."""

    rule: str
    n: int
    d: int
    chunk: int
    arity: int
    #: (stage, kind, one-step kind, gas per side, moves per side, largest transaction gas)
    stages: tuple[tuple[str, str, str, float, int, float], ...]

    @property
    def gas_per_side(self) -> float:
        return max(s[3] for s in self.stages)

    @property
    def moves_per_side(self) -> int:
        return max(s[4] for s in self.stages)

    @property
    def worst_stage(self) -> str:
        return max(self.stages, key=lambda s: s[3])[0]

    @property
    def max_tx_gas(self) -> float:
        return max(s[5] for s in self.stages)


def rule_program(rule: str, n: int, d: int) -> object:
    """The rule's trace program with the rule's default parameters (Byzantine count f = 1
    where the rule takes one: the trimmed mean, Krum, Multi-Krum and Bulyan)."""
    from mechanism.dispute import build_program

    params = {"f": 1} if rule in ("trimmed_mean", "krum", "multi_krum", "bulyan") else {}
    return build_program(rule, n, d, **params)


def onestep_kind(kind: str, name: str, rule: str) -> str:
    """The on-chain one-step that decides a game ending in this stage."""
    if kind == "select":
        return select_onestep(name)
    if kind == "map":
        return f"map ({rule if rule in ('mean', 'median', 'trimmed_mean') else 'trimmed_mean'})"
    return kind


def rule_game_cost(rule: str, n: int, d: int, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                   fc: FoldCoefficients = FOLD_DEFAULT) -> RuleGameCost:
    """Every stage game of the rule's own program, priced by the EVM-calibrated model."""
    prog = rule_program(rule, n, d)
    rows = []
    for name, kind, c in program_stage_costs(prog, chunk, arity, coef, fc):
        rows.append((name, kind, onestep_kind(kind, name, rule), per_side_gas(c), per_side_moves(c),
                     max(g for _, g in c.gas_per_move)))
    return RuleGameCost(rule, n, d, chunk, arity, tuple(rows))


#: every rule with a trace program, hence a modelled dispute game
GAME_RULES = ("mean", "median", "trimmed_mean", "krum", "multi_krum", "bulyan", "geometric_median",
              "centered_clipping")
#: geometries the contracts accept (DisputeGame.vy / FoldVerifier.vy: chunk <= 64, arity <= 16)
CHUNKS = (4, 8, 16, 32, 64)
ARITIES = (2, 4, 8, 16)


@dataclass(frozen=True)
class GeometryChoice:
    """The (chunk, arity) of the dispute game and why: the least worst-case gas per side
    over the rules, then the fewest moves per side, then the least total gas."""

    chunk: int
    arity: int
    n: int
    d: int
    worst_gas_per_side: float
    moves_per_side: int
    total_gas_per_side: float
    #: (chunk, arity, worst gas per side, moves per side, total gas per side, fits the cap)
    grid: tuple[tuple[int, int, float, int, float, bool], ...]


def choose_geometry(n: int, d: int, rules: tuple[str, ...] = GAME_RULES, chunks: tuple[int, ...] = CHUNKS,
                    arities: tuple[int, ...] = ARITIES, coef: GasCoefficients = DEFAULT,
                    fc: FoldCoefficients = FOLD_DEFAULT) -> GeometryChoice:
    """The dispute geometry for (n, d): among the pairs whose every transaction fits
    EIP-7825's per-transaction cap (:data:`mechanism.units.MAX_TX_GAS`), the one with
    the least worst-case (over ``rules``) gas per side, ties broken by fewer moves per
    side (a shorter dispute, docs/economics.md t_dispute) and then by the least total
    gas per side over the rules."""
    from mechanism.units import MAX_TX_GAS

    grid = []
    for c in chunks:
        for k in arities:
            costs = [rule_game_cost(r, n, d, c, k, coef, fc) for r in rules]
            grid.append((c, k, max(x.gas_per_side for x in costs), max(x.moves_per_side for x in costs),
                         sum(x.gas_per_side for x in costs), all(x.max_tx_gas <= MAX_TX_GAS for x in costs)))
    ok = [g for g in grid if g[5]]
    if not ok:
        from mechanism.errors import ParameterError

        raise ParameterError.bad("n", n, f"a size whose dispute one-steps fit {MAX_TX_GAS:,} gas at d={d}")
    best = min(ok, key=lambda g: (round(g[2]), g[3], g[4]))
    return GeometryChoice(best[0], best[1], n, d, best[2], best[3], best[4], tuple(grid))


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


#: (n, d, chunk, arity, f) of the selection one-steps (Bulyan needs n >= 4f + 3)
SELECT_GRID: tuple[tuple[int, int, int, int, int], ...] = (
    (7, 64, 4, 2, 1), (12, 600, 32, 2, 2), (20, 400, 16, 8, 1), (33, 300, 16, 16, 4), (48, 64, 32, 4, 11),
    (40, 64, 16, 8, 5), (64, 128, 64, 2, 1), (64, 128, 64, 16, 15))


def select_samples(grid: tuple[tuple[int, int, int, int, int], ...] = SELECT_GRID,
                   kinds: tuple[str, ...] = SELECT_KINDS) -> list[tuple[str, int, int, int, int, int, int]]:
    """EVM selection one-steps (SelectVerifier.vy) on full-range random rows:
    (kind, n, d, chunk, arity, f, total gas of the one-step transaction)."""
    from mechanism.dispute import build_program, honest_trace
    from mechanism.dispute.onestep import VerifierContext
    from mechanism.dispute.proofs import Prover
    from mechanism.evm.select_verifier import verdict

    rules = {"clip": ("median", {"clip_norm": 1 << 30}, "clip"), "weights": ("geometric_median", {"iterations": 1}, "w0"),
             "bulyan": ("bulyan", {}, "chosen")}
    out = []
    for n, d, c, k, f in grid:
        x = np.random.default_rng(n + f).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)
        for kind in kinds:
            rule, params, stage = rules[kind]
            params = {**params, "f": f} if kind == "bulyan" else params
            prog = build_program(rule, n, d, **params)
            tr = honest_trace(prog, x, c, k)
            pv = Prover.build(x, tr)
            ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)
            s = prog.index(stage)
            ev = verdict(ctx, s, pv.select_proof(s))
            assert ev.verdict == "right", (kind, n, d, c, k, f)
            out.append((kind, n, d, c, k, f, ev.total_gas))
    return out


def calibrate_fold(data: list[tuple[str, int, int, int, int, int, int]],
                   base: FoldCoefficients = FOLD_DEFAULT) -> FoldCoefficients:
    """Non-negative least squares per one-step kind present in ``data`` (the others keep
    ``base``'s coefficients)."""
    from dataclasses import fields, replace

    from scipy.optimize import nnls

    names = [fl.name for fl in fields(FoldCoefficients)]
    fitted: dict[str, float] = {}
    for kind in ("sum", "max", "order", *SELECT_KINDS):
        rows = [(n, d, c, k, f, g) for kd, n, d, c, k, f, g in data if kd == kind]
        if not rows:
            continue
        a = np.array([_features(kind, n, min(c, d), tree_depth(num_chunks(d, c), k) * (k - 1), f, k)
                      for n, d, c, k, f, _ in rows])
        y = np.array([g for *_, g in rows], dtype=float)
        coef = nnls(a, y)[0]
        keys = {"sum": names[0:4], "max": names[4:8], "order": names[8:13]}.get(kind)
        keys = keys or [nm for nm in names if nm.startswith(kind)]
        fitted.update({key: float(v) for key, v in zip(keys, coef, strict=True)})
    return replace(base, **fitted)


if __name__ == "__main__":
    fc = calibrate_fold(samples() + select_samples())
    for name, value in vars(fc).items():
        print(f"    {name}: float = {value:,.1f}".replace(",", "_"))
