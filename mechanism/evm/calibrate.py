"""Fit :data:`mechanism.dispute.gas.DEFAULT` from games replayed in the EVM, and measure
the on-chain one-step of any stage of any rule's program.

    python -m mechanism.evm.calibrate        # prints the fitted coefficients
    python -m mechanism.evm.calibrate --rules [n d chunk arity]   # per-rule dispute gas,
                                             # model vs measured one-steps (default 50 1e6 16 16)

Games: every rule, both stage games (a lie in the column tree or in the output), a grid
of n, d, chunk size and arity small enough to replay in seconds. :func:`samples` is
also what the tests and the report use to measure the model-vs-EVM gap.
:func:`measure_stage` runs the honest one-step of one stage on chain, in the contract
that decides it (:func:`mechanism.dispute.gas_fold.stage_onestep`): the column and plain
coordinate Map one-steps inside a ``DisputeGame.vy`` game replayed on the same inputs,
sum and max steps on ``FoldVerifier.vy``, Krum's order on ``KrumVerifier.vy``, the other
selections on ``SelectVerifier.vy`` and every other Map stage on ``MapVerifier.vy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.dispute.gas import RULES, GasCoefficients, Sample, calibrate

#: (n, d, chunk, arity) of the calibration games
GRID = ((5, 300, 4, 2), (9, 2000, 8, 4), (20, 4000, 16, 8), (50, 6000, 16, 16), (33, 20_000, 32, 16),
        (64, 1500, 32, 2), (12, 50_000, 16, 4))


def _seed_for(stage: int) -> int:
    """A seed whose random lie (:func:`~.strategies.corrupted_trace`) is in ``stage``."""
    return next(s for s in range(100) if int(np.random.default_rng(s).integers(2)) == stage)


def replayed_game(rule: str, x: np.ndarray, chunk: int, arity: int, stage: int, input_trees: Any = None) -> Any:
    """The EVM replay (:class:`~.dispute_game.EvmResult`) of a game on inputs ``x`` whose
    lie sits in stage 0 (``cols``) or 1 (``out``) of the rule's program ``[cols, out]``."""
    from mechanism.dispute import build_program, honest_trace, play
    from mechanism.evm.dispute_game import replay

    n, d = x.shape
    prog = build_program(rule, n, d, **({"f": 1} if rule == "trimmed_mean" else {}))
    tr = honest_trace(prog, x, chunk, arity, input_trees=input_trees)
    _res, g = play(prog, x, tr, "proposer", "random_step", np.random.default_rng(_seed_for(stage)))
    assert g is not None and g.stage == stage
    return replay(g)


def play_stage(rule: str, n: int, d: int, chunk: int, arity: int, stage: int, seed: int = 0) -> Sample:
    """One EVM game whose lie sits in stage 0 (``cols``) or 1 (``out``)."""
    x = np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    ev = replayed_game(rule, x, chunk, arity, stage)
    return rule, n, d, chunk, arity, ("cols" if stage == 0 else "out"), [(k, e) for k, e, _t in ev.gas]


def samples(grid: tuple[tuple[int, int, int, int], ...] = GRID) -> list[Sample]:
    out = []
    for n, d, c, k in grid:
        for rule in RULES:
            out.append(play_stage(rule, n, d, c, k, 1))
        out.append(play_stage("mean", n, d, c, k, 0))
    return out


def fitted() -> GasCoefficients:
    return calibrate(samples())


@dataclass(frozen=True)
class StageMeasurement:
    """The honest one-step of one stage, run on chain."""

    stage: str
    #: the gas model's one-step kind (:func:`mechanism.dispute.gas_fold.stage_onestep`)
    kind: str
    #: the contract function that ran it
    contract: str
    verdict: str
    #: total gas of the one-step transaction (execution + intrinsic), plus any
    #: ``prove_lex`` transactions it needs
    onestep_gas: int
    #: the costliest single transaction (EIP-7825's cap applies to it)
    max_tx_gas: int


def measure_stage(prog: Any, x: np.ndarray, tr: Any, s: int) -> StageMeasurement:
    """Run the honest one-step of stage s of ``prog`` (honest trace ``tr`` of inputs ``x``)
    on chain. A sum step opens the last item at the middle chunk, a max step the
    attaining chunk, a Map step the middle chunk; the column and plain coordinate Map
    one-steps end a ``DisputeGame.vy`` game replayed on the same inputs whose lie sits
    in that stage (the column game is the same for every rule: the mean's program)."""
    from mechanism.commitment import num_chunks, sum_leaf
    from mechanism.dispute.gas_fold import MAP_KINDS, stage_onestep
    from mechanism.dispute.onestep import VerifierContext
    from mechanism.dispute.proofs import Prover
    from mechanism.dispute.trace import item_deltas
    from mechanism.evm import fold_verifier, map_verifier, select_verifier

    st = prog.stages[s]
    one = stage_onestep(prog, s)
    chunk, arity = tr.chunk_size, tr.arity
    if st.kind == "column" or (st.kind == "map" and one.kind not in MAP_KINDS):
        rule = prog.rule if st.kind == "map" else "mean"
        game = replayed_game(rule, x, chunk, arity, 0 if st.kind == "column" else 1, tr.input_trees)
        if game.winner != "challenger":
            raise RuntimeError(f"the honest challenger lost the {st.name!r} game on chain")
        g = max(t for kind, _e, t in game.gas if kind == "onestep")
        return StageMeasurement(st.name, one.kind, one.contract, "wrong", g, max(t for _k, _e, t in game.gas))
    pv = Prover.build(x, tr)
    ctx = VerifierContext(prog, tuple(t.root for t in pv.input_trees), tuple(tr.roots), chunk, arity)
    j = num_chunks(prog.d, chunk) // 2
    if st.kind == "map":
        ev = map_verifier.verdict(ctx, s, pv.map_proof(s, j), map_verifier.honest_claim(ctx, tr, s, j))
    elif st.kind == "select" and select_verifier.supports_stage(st):
        ev = select_verifier.verdict(ctx, s, pv.select_proof(s))
    elif st.kind == "select":
        ev = fold_verifier.verdict(ctx, s, pv.select_proof(s))
    elif st.kind == "sum":
        last = len(st.items) - 1
        ev = fold_verifier.verdict(ctx, s, pv.sum_proof(s, j), sum_leaf(j, item_deltas(tr, x, s, last)[j]), last)
    else:
        ev = fold_verifier.verdict(ctx, s, pv.max_proof(s), max_value=int(tr.values[s][0]), attain=True)
    if ev.verdict != "right":
        raise RuntimeError(f"honest one-step of stage {st.name!r} judged {ev.verdict} on chain")
    return StageMeasurement(st.name, one.kind, one.contract, ev.verdict, ev.total_gas + ev.lex_gas, ev.max_tx_gas)


@dataclass(frozen=True)
class RuleMeasurement:
    """One rule's dispute gas per side at one geometry: the calibrated model's, and the same
    games with every Fold, select and Map one-step replaced by its on-chain measurement
    (the column and plain coordinate Map games keep the model, itself fitted on
    DisputeGame.vy replays, :func:`fitted`)."""

    rule: str
    gas_per_side_model: float
    gas_per_side_measured: float
    #: (stage, one-step kind, contract, one-step gas model, one-step gas measured or None)
    stages: tuple[tuple[str, str, str, float, int | None], ...]


def rule_measurements(rules: tuple[str, ...], n: int, d: int, chunk: int, arity: int,
                      seed: int = 0) -> list[RuleMeasurement]:
    """Every rule's own program (the rule's defaults) on random rows of ``seed`` (values in
    +-2^24), each distinct one-step kind run on chain once (:func:`measure_stage`)."""
    from mechanism.dispute import honest_trace
    from mechanism.dispute.gas import GameCost
    from mechanism.dispute.gas_fold import (
        per_side_gas,
        program_stage_costs,
        rule_program,
        stage_onestep,
    )

    x = np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    trees, out = None, []
    for rule in rules:
        prog = rule_program(rule, n, d)
        tr = honest_trace(prog, x, chunk, arity, input_trees=trees)  # type: ignore[arg-type]
        trees = tr.input_trees
        seen: dict[str, int] = {}
        rows, model, measured = [], 0.0, 0.0
        for s, (name, _kind, cost) in enumerate(program_stage_costs(prog, chunk, arity)):
            one = stage_onestep(prog, s)
            model_one = sum(g for mv, g in cost.gas_per_move if mv in ("onestep", "prove_lex"))
            got: int | None = None
            side = per_side_gas(cost)
            if not one.contract.startswith("DisputeGame"):
                if one.kind not in seen:
                    seen[one.kind] = measure_stage(prog, x, tr, s).onestep_gas
                got = seen[one.kind]
                moves = [(mv, g) for mv, g in cost.gas_per_move if mv not in ("onestep", "prove_lex")]
                side_m = per_side_gas(GameCost(cost.moves, [*moves, ("onestep", float(got))], cost.calldata_bytes))
            else:
                side_m = side
            model, measured = max(model, side), max(measured, side_m)
            rows.append((name, one.kind, one.contract, model_one, got))
        out.append(RuleMeasurement(rule, model, measured, tuple(rows)))
    return out


if __name__ == "__main__":
    import sys

    if "--rules" in sys.argv:
        from mechanism.dispute.gas_fold import GAME_RULES

        args = [int(float(a)) for a in sys.argv[sys.argv.index("--rules") + 1:]] or [50, 10**6, 16, 16]
        for m in rule_measurements(GAME_RULES, *args):
            print(f"{m.rule}: model {m.gas_per_side_model:,.0f} gas per side, with measured one-steps "
                  f"{m.gas_per_side_measured:,.0f}")
            done = set()
            for name, kind, contract, gm, ge in m.stages:
                if ge is not None and kind not in done:
                    done.add(kind)
                    print(f"    {name} {kind} ({contract}): model {gm:,.0f}, EVM {ge:,} ({gm / ge - 1:+.1%})")
    else:
        coef = fitted()
        for name, value in vars(coef).items():
            print(f"    {name}: {value!r}")
