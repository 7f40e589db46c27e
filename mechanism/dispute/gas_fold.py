"""Gas of dispute games on Fold programs (Krum, Bulyan, geometric median, centered
clipping, clipping by norm), calibrated against the EVM one-steps of FoldVerifier.vy,
KrumVerifier.vy, SelectVerifier.vy and MapVerifier.vy.

A game ends in one of the program's stages (the challenger disputes the first stage it
disagrees with). Per stage kind, with D = depth(ceil(d / C), k), P = D (k - 1) path
siblings and the per-move costs of :mod:`.gas` (the same challenge / reveal / choose code
paths as ``DisputeGame.vy``):

* ``sum``    challenge, depth(items) x (reveal, choose), the item reveal, D x (reveal,
  choose) in the sum tree (64-byte children), the Fold one-step
  ``s0 + s_row n + s_val n C + s_sib P + s_read r C + e (s_c0 + s_csib P)`` (total gas,
  calldata included), with r the vectors read per coordinate (2 for a pair distance or a
  distance to a centre, 1 for a norm) and e = 1 when a centre vector chunk is opened
  (Weiszfeld's distances to z_t, centered clipping's norms of x - v: one more leaf
  hash, one more path, its calldata; ``sum_center``), e = 0 otherwise (``sum``: pair
  distances, ``sum_norm``: norms of x);
* ``max``    challenge, the claim, the witness one-step ``m0 + m_row n + m_val n C
  + m_sib P + e (m_c0 + m_csib P + m_cval C)`` (``max_center``: max |x - v|);
* ``select`` Krum's order: challenge, ``o0 + o_pair * P + o_sq * n**2 + o_keep * n (n - f - 2)
  + o_node * P / (k - 1)`` with P = n (n - 1) / 2 distances: their packed commitment
  (P leaves, about P / (k - 1) nodes), the n x n matrix, and the linear-time scores
  (KrumVerifier.vy: each row's entries below its (n - f - 2)-th smallest are summed,
  hence the f term); each tie of distinct rows adds its own ``prove_lex`` transaction;
* ``map``    challenge, D x (reveal, choose) (DisputeGame.vy's chunk tree) and the
  stage's own Map one-step: the plain mean / median / trimmed mean by
  ``DisputeGame.onestep`` (:func:`.gas.dispute_cost`), every other Map stage by
  ``MapVerifier.map_step`` in its mode (:func:`mechanism.dispute.onestep.map_spec`),
  ``a0 + a_row n + a_val n C + a_use u C + a_sib P + a_vec v + a_node v / (k - 1)``
  with u the rows the arithmetic reads (Krum 1, Multi-Krum n - f, Bulyan n - 2f, ...)
  and v the length of the small vector it reads (order, chosen rows, weights, clip
  factors), one coefficient set per mode (:data:`MAP_KINDS`);
* ``column`` the column game of :func:`.gas.dispute_cost`.

The one-step coefficients are non-negative least-squares fits of EVM runs
(:func:`calibrate_fold`, ``python -m mechanism.dispute.gas_fold`` re-fits them); the
tests check the fit off the calibration grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import num_chunks, tree_depth
from mechanism.dispute.gas import DEFAULT, GameCost, GasCoefficients, _calldata, dispute_cost


@dataclass(frozen=True)
class FoldCoefficients:
    sum0: float = 89_455.6
    sum_row: float = 549.7
    sum_val: float = 117.8
    sum_sib: float = 971.4
    max0: float = 82_556.0
    max_row: float = 489.7
    max_val: float = 990.1
    max_sib: float = 790.0
    order0: float = 218_579.8
    order_pair: float = 0.0
    order_sq: float = 1_220.5
    order_keep: float = 174.0
    order_node: float = 1_316.3
    clip0: float = 227_189.0
    clip_row: float = 4_055.3
    clip_node: float = 2_301.0
    weights0: float = 230_716.6
    weights_row: float = 4_307.9
    weights_node: float = 2_300.9
    bulyan0: float = 986_500.7
    bulyan_sq: float = 2_037.7
    bulyan_round: float = 505.8
    bulyan_node: float = 1_140.3
    #: sum one-steps: per value of each vector read per coordinate; the centre opening
    sum_read: float = 637.0
    sum_center0: float = 5_300.7
    sum_center_sib: float = 593.2
    #: max one-steps over x - v: the centre opening and its values
    max_center0: float = 11_404.2
    max_center_sib: float = 677.9
    max_center_val: float = 274.3
    #: MapVerifier.map_step per mode: (kind, (a0, a_row, a_val, a_use, a_sib, a_vec, a_node))
    map_coef: tuple[tuple[str, tuple[float, ...]], ...] = (
        ("map_zero", (80_101.1, 712.8, 118.3, 0.0, 791.0, 0.0, 0.0)),
        ("map_mean", (86_162.7, 251.5, 229.3, 582.3, 1_339.2, 1_983.1, 2_813.0)),
        ("map_weighted", (77_823.8, 2_466.7, 956.4, 0.0, 1_749.2, 0.0, 3_789.6)),
        ("map_centered", (83_846.2, 2_147.2, 1_053.3, 0.0, 2_803.4, 0.0, 4_794.4)),
        ("map_trimmed", (150_800.3, 920.9, 109.8, 871.4, 981.7, 0.0, 7_283.6)),
        ("map_clip_trimmed", (72_916.2, 2_240.7, 1_112.5, 0.0, 2_933.5, 0.0, 5_782.5)),
        ("map_clip_median", (64_931.8, 2_388.9, 1_047.5, 0.0, 2_922.8, 0.0, 7_214.9)),
    )

    def map_weights(self, kind: str) -> list[float]:
        got = dict(self.map_coef).get(kind)
        if got is None:
            raise KeyError(f"Map one-step {kind!r} has no fitted coefficients")
        return list(got)


FOLD_DEFAULT = FoldCoefficients()


#: one-step kinds of the select stages and the coefficient prefix of each
SELECT_KINDS = ("clip", "weights", "bulyan")
#: one-step kinds of the sum and max stages (FoldVerifier.vy modes)
SUM_KINDS = ("sum", "sum_center", "sum_norm")
MAX_KINDS = ("max", "max_center")
#: MapVerifier.vy modes by their one-step kind (mechanism/dispute/onestep.py MapSpec.kind)
MAP_KINDS = ("map_zero", "map_mean", "map_weighted", "map_centered", "map_trimmed", "map_clip_trimmed",
             "map_clip_median")
_SUM_NAMES = ("sum0", "sum_row", "sum_val", "sum_sib", "sum_read", "sum_center0", "sum_center_sib")
_MAX_NAMES = ("max0", "max_row", "max_val", "max_sib", "max_center0", "max_center_sib", "max_center_val")


def _features(kind: str, n: int, chunk: int, path: int, f: int = 1, arity: int = 2, rows: int = 0,
              vec: int = 0) -> list[float]:
    pairs = n * (n - 1) / 2
    if kind == "order":
        return [1.0, pairs, float(n * n), float(n * max(n - f - 2, 0)), pairs / (arity - 1)]
    if kind in ("clip", "weights"):  # two packed small vectors of n values: read and commit
        return [1.0, float(n), n / (arity - 1)]
    if kind == "bulyan":  # the distance matrix and sorted rows (n^2), n - 2f rounds over n rows
        return [1.0, float(n * n), float(n * max(n - 2 * f, 0)), pairs / (arity - 1)]
    if kind in SUM_KINDS:
        e = float(kind == "sum_center")
        reads = 1.0 if kind == "sum_norm" else 2.0
        return [1.0, float(n), float(n * chunk), float(path), reads * chunk, e, e * path]
    if kind in MAX_KINDS:
        e = float(kind == "max_center")
        return [1.0, float(n), float(n * chunk), float(path), e, e * path, e * chunk]
    if kind in MAP_KINDS:
        return [1.0, float(n), float(n * chunk), float(rows * chunk), float(path), float(vec), vec / (arity - 1)]
    raise KeyError(f"one-step {kind!r} has no gas model")


def _weights(kind: str, fc: FoldCoefficients) -> list[float]:
    if kind in MAP_KINDS:
        return fc.map_weights(kind)
    names = {"order": ("order0", "order_pair", "order_sq", "order_keep", "order_node"),
             "clip": ("clip0", "clip_row", "clip_node"), "weights": ("weights0", "weights_row", "weights_node"),
             "bulyan": ("bulyan0", "bulyan_sq", "bulyan_round", "bulyan_node"),
             **{k: _SUM_NAMES for k in SUM_KINDS}, **{k: _MAX_NAMES for k in MAX_KINDS}}[kind]
    return [float(getattr(fc, a)) for a in names]


def onestep_gas(kind: str, n: int, d: int, chunk: int, arity: int, fc: FoldCoefficients = FOLD_DEFAULT,
                f: int = 1, rows: int = 0, vec: int = 0) -> float:
    """Total gas (execution + intrinsic) of one ``sum`` / ``sum_center`` / ``sum_norm`` /
    ``max`` / ``max_center`` / ``order`` / ``clip`` / ``weights`` / ``bulyan`` / ``map_*``
    one-step (``f``: Krum's or Bulyan's Byzantine count; ``rows``, ``vec``: a Map
    one-step's rows read and small-vector length)."""
    depth = tree_depth(num_chunks(d, chunk), arity)
    x = _features(kind, n, min(chunk, d), depth * (arity - 1), f, arity, rows, vec)
    return float(np.dot(_weights(kind, fc), x))


def select_onestep(name: str) -> str:
    """The one-step kind of a select stage by its name (programs.py): Krum's ``order``,
    Bulyan's ``chosen``, clip factors ``clip*``, Weiszfeld weights ``w*``."""
    if name == "order":
        return "order"
    if name == "chosen":
        return "bulyan"
    return "clip" if name.startswith("clip") else "weights"


@dataclass(frozen=True)
class StageOneStep:
    """The on-chain one-step deciding a game that ends in one stage: its gas-model kind,
    the contract and function that run it, and a Map one-step's rows and vector length."""

    kind: str
    contract: str
    rows: int = 0
    vec: int = 0


def stage_onestep(program: object, s: int) -> StageOneStep:
    """Which on-chain one-step decides a game ending in stage s of ``program``."""
    from mechanism.dispute.onestep import map_spec
    from mechanism.dispute.trace import Program

    assert isinstance(program, Program)
    st = program.stages[s]
    if st.kind == "column":
        return StageOneStep("column", "DisputeGame.onestep_column")
    if st.kind == "sum":
        kind = "sum" if st.name == "dist" else ("sum_center" if len(st.reads) == 2 else "sum_norm")
        return StageOneStep(kind, "FoldVerifier.sum_step")
    if st.kind == "max":
        return StageOneStep("max_center" if len(st.reads) == 2 else "max", "FoldVerifier.max_witness")
    if st.kind == "select":
        kind = select_onestep(st.name)
        fn = {"order": "KrumVerifier.krum_order", "clip": "SelectVerifier.clip_select",
              "weights": "SelectVerifier.weights_select", "bulyan": "SelectVerifier.bulyan_select"}[kind]
        return StageOneStep(kind, fn)
    spec = map_spec(program, s)
    if spec.kind == "coordinate":
        return StageOneStep(f"map ({program.rule})", "DisputeGame.onestep")
    vec = 0  # the small vector's length: Bulyan's chosen rows, else one value per row
    if spec.vector is not None:
        vec = spec.rows if spec.kind == "trimmed" else program.n
    return StageOneStep(f"map_{spec.kind}", "MapVerifier.map_step", spec.rows, vec)


def stage_cost(kind: str, name: str, n: int, d: int, chunk: int, arity: int, items: int,
               coef: GasCoefficients = DEFAULT, fc: FoldCoefficients = FOLD_DEFAULT, f: int = 1,
               map_rule: str = "trimmed_mean", step: StageOneStep | None = None) -> GameCost | None:
    """Full-depth cost of a game ending in a stage of this kind (None: not modelled).
    ``step``: the stage's one-step (:func:`stage_onestep`); without it a ``sum`` is a pair
    distance, a ``max`` is over x, and a ``map`` is DisputeGame.vy's one-step of
    ``map_rule``."""
    k = arity
    moves: list[tuple[str, float]] = []
    cd = 0.0
    one = step.kind if step is not None else ""

    def tx(kind_: str, exec_gas: float, nbytes: float, zeros: float) -> None:
        nonlocal cd
        moves.append((kind_, exec_gas + _calldata(nbytes, zeros, False)))
        cd += nbytes

    if kind == "column":
        return dispute_cost(map_rule, n, d, chunk, arity, coef, stage="cols")
    if kind == "map":
        if one not in MAP_KINDS:
            return dispute_cost(map_rule, n, d, chunk, arity, coef, stage="out")
        assert step is not None
        game = dispute_cost("mean", n, d, chunk, arity, coef, stage="out")  # the bisection moves
        assert game.gas_per_move[-1][0] == "onestep"
        moves = [*game.gas_per_move[:-1], ("onestep", onestep_gas(one, n, d, chunk, arity, fc, f, step.rows,
                                                                   step.vec))]
        return GameCost(len(moves), moves, game.calldata_bytes)
    tx("challenge", coef.challenge, 36, 35)
    if kind == "sum":
        for _ in range(tree_depth(items, k)):
            tx("reveal", coef.reveal0 + coef.reveal1 * k, 4 + 64 + 32 * k, 62)
            tx("choose", coef.choose0 + coef.choose1 * k, 4 + 96 + 32 * k, 93)
        tx("reveal_item", coef.reveal0, 4 + 96, 60)
        for _ in range(tree_depth(num_chunks(d, chunk), k)):
            tx("reveal", coef.reveal0 + 2 * coef.reveal1 * k, 4 + 64 + 64 * k, 62 + 24 * k)
            tx("choose", coef.choose0 + 2 * coef.choose1 * k, 4 + 96 + 64 * k, 93 + 24 * k)
        moves.append(("onestep", onestep_gas(one if one in SUM_KINDS else "sum", n, d, chunk, arity, fc)))
    elif kind == "max":
        tx("reveal_item", coef.reveal0, 4 + 32, 28)
        moves.append(("onestep", onestep_gas(one if one in MAX_KINDS else "max", n, d, chunk, arity, fc)))
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
    """(stage name, stage kind, full-depth cost of a game ending there) for every stage,
    each ending in that stage's own on-chain one-step (:func:`stage_onestep`)."""
    from mechanism.dispute.trace import Program

    assert isinstance(program, Program)
    f = int(program.params.get("f", 1))
    out = []
    for s, st in enumerate(program.stages):
        c = stage_cost(st.kind, st.name, program.n, program.d, chunk, arity, len(st.items), coef, fc, f,
                       _map_rule(program), stage_onestep(program, s))
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


def rule_game_cost(rule: str, n: int, d: int, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                   fc: FoldCoefficients = FOLD_DEFAULT) -> RuleGameCost:
    """Every stage game of the rule's own program, priced by the EVM-calibrated model."""
    prog = rule_program(rule, n, d)
    rows = []
    for s, (name, kind, c) in enumerate(program_stage_costs(prog, chunk, arity, coef, fc)):
        rows.append((name, kind, stage_onestep(prog, s).kind, per_side_gas(c), per_side_moves(c),
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


#: one EVM one-step: (kind, n, d, chunk, arity, f, total gas[, rows, vector length])
OneStepSample = tuple[Any, ...]


def _setup(rule: str, params: dict[str, Any], x: np.ndarray, c: int, k: int) -> tuple[Any, Any, Any, Any]:
    from mechanism.dispute import build_program, honest_trace
    from mechanism.dispute.onestep import VerifierContext
    from mechanism.dispute.proofs import Prover

    n, d = x.shape
    prog = build_program(rule, n, d, **params)
    tr = honest_trace(prog, x, c, k)
    pv = Prover.build(x, tr)
    return prog, tr, pv, VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), c, k)


def _sum_sample(prog: Any, tr: Any, pv: Any, ctx: Any, x: np.ndarray, name: str) -> int:
    """Total gas of the honest sum one-step of stage ``name``'s last item at the middle chunk."""
    from mechanism.commitment import sum_leaf
    from mechanism.dispute.trace import item_deltas
    from mechanism.evm.fold_verifier import verdict

    s = prog.index(name)
    j = num_chunks(prog.d, ctx.chunk_size) // 2
    last = len(prog.stages[s].items) - 1  # the last pair: the longest pair enumeration (worst case)
    ev = verdict(ctx, s, pv.sum_proof(s, j), sum_leaf(j, item_deltas(tr, x, s, last)[j]), last)
    assert ev.verdict == "right", name
    return ev.total_gas


def _max_sample(prog: Any, tr: Any, pv: Any, ctx: Any, name: str) -> int:
    from mechanism.evm.fold_verifier import verdict

    s = prog.index(name)
    ev = verdict(ctx, s, pv.max_proof(s), max_value=int(tr.values[s][0]), attain=True)
    assert ev.verdict == "right", name
    return ev.total_gas


def samples(grid: tuple[tuple[int, ...], ...] = GRID, centred: bool = True) -> list[OneStepSample]:
    """EVM one-steps: (kind, n, d, chunk, arity, f, total gas). Krum's program gives the
    pair-distance sum, the max over x and the order; with ``centred`` also the sums with a
    centre (Weiszfeld's D_0, centered clipping's norms of x - v_0), the max over x - v_0
    and the norms of clipping by norm."""
    from mechanism.evm.fold_verifier import verdict

    out: list[OneStepSample] = []
    for n, d, c, k, *rest in grid:
        f = rest[0] if rest else 1
        x = np.random.default_rng(n).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)  # full range
        prog, tr, pv, ctx = _setup("krum", {"f": f}, x, c, k)
        out.append(("sum", n, d, c, k, f, _sum_sample(prog, tr, pv, ctx, x, "dist")))
        out.append(("max", n, d, c, k, f, _max_sample(prog, tr, pv, ctx, "M")))
        s = prog.index("order")
        out.append(("order", n, d, c, k, f, verdict(ctx, s, pv.select_proof(s)).total_gas))
        if not centred:
            continue
        prog, tr, pv, ctx = _setup("geometric_median", {"iterations": 1}, x, c, k)
        out.append(("sum_center", n, d, c, k, f, _sum_sample(prog, tr, pv, ctx, x, "D0")))
        prog, tr, pv, ctx = _setup("centered_clipping", {"iterations": 1}, x, c, k)
        out.append(("sum_center", n, d, c, k, f, _sum_sample(prog, tr, pv, ctx, x, "norm20")))
        out.append(("max_center", n, d, c, k, f, _max_sample(prog, tr, pv, ctx, "M0")))
        prog, tr, pv, ctx = _setup("median", {"clip_norm": 1 << 30}, x, c, k)
        out.append(("sum_norm", n, d, c, k, f, _sum_sample(prog, tr, pv, ctx, x, "norm2")))
    return out


#: (n, d, chunk, arity, f) of the Map one-steps (Bulyan where n >= 4f + 3)
MAP_GRID: tuple[tuple[int, int, int, int, int], ...] = (
    (5, 300, 4, 2, 1), (9, 2000, 8, 4, 2), (20, 4000, 16, 8, 1), (33, 3000, 16, 16, 4), (50, 4000, 16, 16, 1),
    (12, 600, 32, 2, 2), (64, 128, 64, 2, 15), (64, 128, 64, 16, 1), (48, 64, 32, 4, 11), (40, 64, 16, 8, 5))

#: the programs whose Map stages the Map calibration runs (each rule's parameters)
MAP_PROGRAMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("krum", {}), ("multi_krum", {}), ("bulyan", {}), ("geometric_median", {"iterations": 1}),
    ("centered_clipping", {"iterations": 1}), ("median", {"clip_norm": 1 << 30}),
    ("trimmed_mean", {"clip_norm": 1 << 30}))


def map_samples(grid: tuple[tuple[int, int, int, int, int], ...] = MAP_GRID,
                programs: tuple[tuple[str, dict[str, Any]], ...] = MAP_PROGRAMS) -> list[OneStepSample]:
    """EVM Map one-steps (MapVerifier.vy) on full-range random rows, honest claim at the
    middle chunk: (kind, n, d, chunk, arity, f, total gas, rows read, vector length)."""
    from mechanism.evm.map_verifier import honest_claim, verdict

    out: list[OneStepSample] = []
    for n, d, c, k, f in grid:
        x = np.random.default_rng(n + f).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)
        for rule, params in programs:
            p = dict(params)
            if rule in ("krum", "multi_krum", "bulyan", "trimmed_mean"):
                p["f"] = f if rule != "trimmed_mean" else min(f, (n - 1) // 2)
            if rule == "bulyan" and n < 4 * f + 3:
                continue
            prog, tr, pv, ctx = _setup(rule, p, x, c, k)
            for s, st in enumerate(prog.stages):
                step = stage_onestep(prog, s)
                if st.kind != "map" or step.kind not in MAP_KINDS:
                    continue
                j = num_chunks(d, c) // 2
                ev = verdict(ctx, s, pv.map_proof(s, j), honest_claim(ctx, tr, s, j))
                assert ev.verdict == "right", (rule, st.name, n, d, c, k, f)
                out.append((step.kind, n, d, c, k, f, ev.total_gas, step.rows, step.vec))
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


def calibrate_fold(data: list[OneStepSample], base: FoldCoefficients = FOLD_DEFAULT) -> FoldCoefficients:
    """Non-negative least squares of the relative error per one-step group present in
    ``data`` (the sum kinds share one coefficient set, as do the max kinds; each Map kind
    has its own; the others keep ``base``'s coefficients)."""
    from dataclasses import replace

    from scipy.optimize import nnls

    groups: dict[str, tuple[str, ...]] = {"sum": SUM_KINDS, "max": MAX_KINDS, "order": ("order",),
                                          **{k: (k,) for k in (*SELECT_KINDS, *MAP_KINDS)}}
    fitted: dict[str, Any] = {}
    maps = dict(base.map_coef)
    for group, kinds in groups.items():
        rows = [r for r in data if r[0] in kinds]
        if not rows:
            continue
        a = np.array([_features(kd, n, min(c, d), tree_depth(num_chunks(d, c), k) * (k - 1), f, k, *rest)
                      for kd, n, d, c, k, f, _g, *rest in rows])
        y = np.array([r[6] for r in rows], dtype=float)
        coef = nnls(a / y[:, None], np.ones(len(y)))[0]  # non-negative: every term is a real cost
        if group in MAP_KINDS:
            maps[group] = tuple(round(float(v), 1) for v in coef)
            continue
        keys = {"sum": _SUM_NAMES, "max": _MAX_NAMES,
                "order": ("order0", "order_pair", "order_sq", "order_keep", "order_node"),
                "clip": ("clip0", "clip_row", "clip_node"), "weights": ("weights0", "weights_row", "weights_node"),
                "bulyan": ("bulyan0", "bulyan_sq", "bulyan_round", "bulyan_node")}[group]
        fitted.update({key: round(float(v), 1) for key, v in zip(keys, coef, strict=True)})
    return replace(base, **fitted, map_coef=tuple((k, maps[k]) for k in MAP_KINDS if k in maps))


if __name__ == "__main__":
    fc = calibrate_fold(samples() + select_samples() + map_samples())
    for name, value in vars(fc).items():
        if name == "map_coef":
            print("    map_coef: tuple[tuple[str, tuple[float, ...]], ...] = (")
            for kind, cs in value:
                print(f"        ({kind!r}, ({', '.join(f'{v:_.1f}' for v in cs)})),")
            print("    )")
        else:
            print(f"    {name}: float = {value:_.1f}")
