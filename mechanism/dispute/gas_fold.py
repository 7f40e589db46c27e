"""Gas of dispute games on Fold programs (Krum, Bulyan, geometric median, centered
clipping, clipping by norm), calibrated against the EVM one-steps of FoldVerifier.vy,
KrumVerifier.vy, SelectVerifier.vy and MapVerifier.vy.

A game ends in one of the program's stages (the challenger disputes the first stage it
disagrees with). Per stage kind, with D = depth(ceil(d / C), k), P = D (k - 1) path
siblings and the per-move costs of :mod:`.gas` (the same challenge / reveal / choose code
paths as ``DisputeGame.vy``):

* ``sum``    challenge, depth(items) x (reveal, choose), the item reveal, D x (reveal,
  choose) in the sum tree (64-byte children), the Fold one-step
  ``s0 + s_row n + s_val n C + s_sib P + s_lvl D + s_read r C + e (s_c0 + s_csib P)
  + s_pair n [pair] + s_out C`` (total gas, calldata included; the pair item is found by walking
  the rows), with r the vectors read per coordinate (2 for a pair distance or a
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
  ``a0 + a_row n + a_out C + a_val n C + a_use u C + a_sib P + a_lvl D + a_vec v + a_node v / (k - 1)
  + (a_mask u + a_v0) [v > 0]`` with u the rows the arithmetic reads (Krum 1, Multi-Krum n - f,
  Bulyan n - 2f, ...; selected from the vector when there is one) and v the length of
  the small vector it reads (order, chosen rows, weights, clip factors), one
  coefficient set per mode (:data:`MAP_KINDS`);
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
    sum0: float = 75_809.2
    sum_row: float = 738.8
    sum_val: float = 114.7
    sum_sib: float = 941.4
    max0: float = 82_556.0
    max_row: float = 489.7
    max_val: float = 990.1
    max_sib: float = 790.0
    order0: float = 218_579.8
    order_pair: float = 0.0
    order_sq: float = 1_220.5
    order_keep: float = 174.0
    order_node: float = 1_316.3
    clip0: float = 227_868.3
    clip_row: float = 4_016.6
    clip_node: float = 2_390.5
    weights0: float = 231_392.1
    weights_row: float = 4_269.7
    weights_node: float = 2_389.5
    bulyan0: float = 985_356.9
    bulyan_sq: float = 2_041.2
    bulyan_round: float = 499.9
    bulyan_node: float = 1_180.3
    #: one prove_lex transaction (SelectVerifier.vy / KrumVerifier.vy): two chunk openings
    lex0: float = 71_293.3
    lex_val: float = 0.0
    lex_sib: float = 1_998.9
    #: sum one-steps: per value of each vector read per coordinate; the centre opening
    sum_read: float = 381.2
    sum_center0: float = 10_006.1
    sum_center_sib: float = 708.5
    sum_level: float = 1_559.1
    sum_pair_row: float = 297.2
    sum_out: float = 561.8
    #: max one-steps over x - v: the centre opening and its values
    max_center0: float = 11_404.2
    max_center_sib: float = 677.9
    max_center_val: float = 274.3
    #: MapVerifier.map_step per mode: (kind, (a0, a_row, a_out, a_val, a_use, a_sib, a_lvl, a_vec, a_node, a_mask,
    #: a_v0))
    map_coef: tuple[tuple[str, tuple[float, ...]], ...] = (
        ("map_zero", (68_351.1, 869.7, 113.2, 116.5, 0.0, 909.8, 1_542.0, 0.0, 0.0, 0.0, 0.0)),
        ("map_mean", (67_806.9, 857.2, 1_334.7, 222.7, 556.5, 917.0, 1_708.5, 1_367.7, 1_180.0, 471.8, 10_109.8)),
        ("map_weighted", (77_180.1, 2_603.3, 1_363.1, 949.0, 0.0, 888.6, 1_915.4, 0.0, 1_128.0, 0.0, 0.0)),
        ("map_centered", (74_659.1, 2_384.7, 1_927.9, 1_043.8, 0.0, 1_822.5, 3_602.1, 0.0, 1_114.0, 0.0, 0.0)),
        ("map_trimmed", (80_137.8, 915.6, 3_635.8, 147.0, 776.2, 911.4, 1_618.4, 1_755.2, 1_182.9, 0.0, 0.0)),
        ("map_clip_trimmed", (77_929.4, 2_473.8, 4_047.5, 1_065.3, 0.0, 839.9, 1_849.6, 0.0, 1_089.2, 0.0, 0.0)),
        ("map_clip_median", (76_027.9, 2_430.3, 3_933.6, 1_011.6, 0.0, 896.0, 2_017.7, 0.0, 1_126.1, 0.0, 0.0)),
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
_SUM_NAMES = ("sum0", "sum_row", "sum_val", "sum_sib", "sum_read", "sum_center0", "sum_center_sib", "sum_level",
              "sum_pair_row", "sum_out")
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
    if kind == "lex":  # two chunks opened under two row roots, compared value by value
        return [1.0, float(chunk), float(path)]
    if kind in SUM_KINDS:
        e = float(kind == "sum_center")
        reads = 1.0 if kind == "sum_norm" else 2.0
        pair = float(kind == "sum")  # the pair enumeration walks the rows (the last pair: all of them)
        return [1.0, float(n), float(n * chunk), float(path), reads * chunk, e, e * path, path / (arity - 1), pair * n,
                float(chunk)]
    if kind in MAX_KINDS:
        e = float(kind == "max_center")
        return [1.0, float(n), float(n * chunk), float(path), e, e * path, e * chunk]
    if kind in MAP_KINDS:
        return [1.0, float(n), float(chunk), float(n * chunk), float(rows * chunk), float(path), path / (arity - 1),
                float(vec), vec / (arity - 1), float(rows if vec else 0), float(vec > 0)]
    raise KeyError(f"one-step {kind!r} has no gas model")


def _weights(kind: str, fc: FoldCoefficients) -> list[float]:
    if kind in MAP_KINDS:
        return fc.map_weights(kind)
    names = {"order": ("order0", "order_pair", "order_sq", "order_keep", "order_node"),
             "clip": ("clip0", "clip_row", "clip_node"), "weights": ("weights0", "weights_row", "weights_node"),
             "bulyan": ("bulyan0", "bulyan_sq", "bulyan_round", "bulyan_node"), "lex": ("lex0", "lex_val", "lex_sib"),
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


def bulyan_lex_proofs(f: int) -> int:
    """``prove_lex`` transactions Bulyan's selection needs on rows in general position
    (no two equal distances): a round whose Krum score sums keep = n' - f - 2 <= 1
    distances ties by construction (keep = 1, at n' = f + 3 rows: both rows of the
    closest pair; keep <= 0, at n' <= f + 2: every remaining row), and the rounds run
    down to n' = 2f + 1 rows (El Mhamdi et al. 2018). So f <= 1 ranks the f + 2 rows of
    round n' = f + 2 and the closest pair's loser of round f + 3 (f + 3 rows, f + 2
    proofs), f = 2 ranks one pair (1 proof), f >= 3 needs none. Equal distances (copied
    rows, lattices) can need up to n - 1 (SelectVerifier.vy accepts that many)."""
    if f <= 1:
        return f + 2
    return 1 if f == 2 else 0


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
        if select_onestep(name) == "bulyan":  # the structural ties, each a prove_lex of its own
            moves += [("prove_lex", onestep_gas("lex", n, d, chunk, arity, fc))] * bulyan_lex_proofs(f)
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


#: Relative gas difference the calibrated model resolves: every stage's one-step is
#: within 5% of the EVM (tests/mechanism/evm/test_stage_gas_model_evm.py), so geometries
#: whose worst-case gas differs by less are ties for :func:`choose_geometry`.
GAS_RESOLUTION = 0.05


@dataclass(frozen=True)
class GeometryChoice:
    """The (chunk, arity) of the dispute game and why: among the geometries whose
    worst-case gas per side over the rules is within :data:`GAS_RESOLUTION` of the
    least, the fewest moves per side, then the least worst-case gas, then the least total gas."""

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
    EIP-7825's per-transaction cap (:data:`mechanism.units.MAX_TX_GAS`), those whose
    worst-case (over ``rules``) gas per side is within :data:`GAS_RESOLUTION` of the
    least count as equally cheap (the model resolves no smaller difference); of these,
    the one with the fewest moves per side (a shorter dispute, docs/economics.md
    t_dispute), then the least worst-case gas, then the least total gas per side over
    the rules."""
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
    least = min(g[2] for g in ok)
    near = [g for g in ok if g[2] <= least * (1 + GAS_RESOLUTION)]
    best = min(near, key=lambda g: (g[3], round(g[2]), g[4]))
    return GeometryChoice(best[0], best[1], n, d, best[2], best[3], best[4], tuple(grid))


#: (n, d, chunk, arity[, f]) of the calibration one-steps (f = 1 when left out)
GRID: tuple[tuple[int, ...], ...] = (
    (5, 300, 4, 2), (9, 2000, 8, 4), (20, 4000, 16, 8), (33, 3000, 16, 16), (50, 4000, 16, 16), (12, 600, 32, 2),
    (64, 128, 64, 2, 30), (64, 128, 64, 16, 1), (48, 64, 32, 4, 20), (40, 64, 16, 8, 10),
    (56, 3200, 2, 2), (33, 3217, 1, 4), (54, 4528, 32, 8), (15, 550, 64, 8), (43, 604, 16, 16), (25, 732, 2, 4),
    (64, 980, 4, 2), (40, 3317, 4, 4), (52, 1039, 8, 8), (29, 1580, 16, 4), (20, 2139, 1, 8), (37, 2903, 8, 4))


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


#: (n, d, chunk, arity, f) of the Map one-steps (Bulyan where n >= 4f + 3): the corners
#: of the contracts' bounds and 30 geometries drawn once (numpy default_rng(2026): n in
#: [5, 64], chunk and arity powers of two up to 64 and 16, d in [chunk, 5000], f up to (n - 3) / 4)
MAP_GRID: tuple[tuple[int, int, int, int, int], ...] = (
    (5, 300, 4, 2, 1), (9, 2000, 8, 4, 2), (20, 4000, 16, 8, 1), (33, 3000, 16, 16, 4), (50, 4000, 16, 16, 1),
    (12, 600, 32, 2, 2), (64, 128, 64, 2, 15), (64, 128, 64, 16, 1), (48, 64, 32, 4, 11), (40, 64, 16, 8, 5),
    (56, 3200, 2, 2, 5), (33, 3217, 1, 4, 3), (54, 4528, 32, 8, 9), (15, 550, 64, 8, 1), (14, 4604, 64, 8, 1),
    (43, 604, 16, 16, 6), (43, 2259, 32, 8, 5), (25, 732, 2, 4, 2), (56, 2159, 8, 2, 4), (44, 2346, 32, 2, 5),
    (64, 980, 4, 2, 8), (40, 3317, 4, 4, 3), (62, 4373, 2, 16, 14), (52, 1039, 8, 8, 5), (32, 2844, 64, 16, 5),
    (30, 24, 4, 16, 2), (29, 1580, 16, 4, 1), (20, 2139, 1, 8, 1), (37, 2903, 8, 4, 6), (16, 4863, 2, 8, 2),
    (32, 1870, 16, 2, 3), (30, 4283, 32, 4, 3), (7, 2892, 16, 16, 1), (61, 13, 4, 16, 1), (52, 3779, 64, 8, 4),
    (48, 474, 8, 4, 2), (59, 1769, 8, 16, 1), (20, 3651, 4, 8, 3), (23, 3033, 4, 8, 3), (16, 4793, 32, 8, 3))

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
    (40, 64, 16, 8, 5), (64, 128, 64, 2, 1), (64, 128, 64, 16, 15),
    (56, 3200, 2, 2, 5), (33, 3217, 1, 4, 3), (54, 4528, 32, 8, 9), (15, 550, 64, 8, 1), (43, 604, 16, 16, 6),
    (25, 732, 2, 4, 2), (64, 980, 4, 2, 8), (40, 3317, 4, 4, 3), (62, 4373, 2, 16, 14), (52, 1039, 8, 8, 5),
    (29, 1580, 16, 4, 1), (37, 2903, 8, 4, 6))


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


def lex_samples(grid: tuple[tuple[int, int, int, int, int], ...] = SELECT_GRID) -> list[OneStepSample]:
    """EVM ``prove_lex`` transactions (SelectVerifier.vy) of Bulyan's structural ties on
    full-range random rows (f = 1): (``lex``, n, d, chunk, arity, f, mean total gas per
    transaction)."""
    from mechanism.evm.select_verifier import verdict

    out: list[OneStepSample] = []
    for n, d, c, k, _f in grid:
        if n < 7:
            continue
        x = np.random.default_rng(n).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)
        prog, _tr, pv, ctx = _setup("bulyan", {"f": 1}, x, c, k)
        s = prog.index("chosen")
        proof = pv.select_proof(s)
        ev = verdict(ctx, s, proof)
        assert ev.verdict == "right" and len(proof.lex) == bulyan_lex_proofs(1), (n, d, c, k, len(proof.lex))
        out.append(("lex", n, d, c, k, 1, ev.lex_gas // len(proof.lex)))
    return out


def calibrate_fold(data: list[OneStepSample], base: FoldCoefficients = FOLD_DEFAULT) -> FoldCoefficients:
    """Non-negative least squares of the relative error per one-step group present in
    ``data`` (the sum kinds share one coefficient set, as do the max kinds; each Map kind
    has its own; the others keep ``base``'s coefficients)."""
    from dataclasses import replace

    from scipy.optimize import nnls

    groups: dict[str, tuple[str, ...]] = {"sum": SUM_KINDS, "max": MAX_KINDS, "order": ("order",), "lex": ("lex",),
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
                "bulyan": ("bulyan0", "bulyan_sq", "bulyan_round", "bulyan_node"),
                "lex": ("lex0", "lex_val", "lex_sib")}[group]
        fitted.update({key: round(float(v), 1) for key, v in zip(keys, coef, strict=True)})
    return replace(base, **fitted, map_coef=tuple((k, maps[k]) for k in MAP_KINDS if k in maps))


if __name__ == "__main__":
    fc = calibrate_fold(samples() + select_samples() + lex_samples() + map_samples())
    for name, value in vars(fc).items():
        if name == "map_coef":
            print("    map_coef: tuple[tuple[str, tuple[float, ...]], ...] = (")
            for kind, cs in value:
                print(f"        ({kind!r}, ({', '.join(f'{v:_.1f}' for v in cs)})),")
            print("    )")
        else:
            print(f"    {name}: float = {value:_.1f}")
