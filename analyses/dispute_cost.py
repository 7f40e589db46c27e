"""Report section: what a fraud proof costs (gas, moves, off-chain time) and its defaults.

Executed games (Python game + EVM replay of ``DisputeGame.vy``) for d = 1e3..1e5 (1e6
outside quick mode), the calibrated gas model from there up to d = 1e9, sweeps over n,
chunk size and arity, the Pareto-optimal (gas, moves) defaults, the ratio to full
on-chain re-execution and the model-vs-EVM gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, ReportContext, SectionResults, sci

TITLE = "Cost of a fraud proof"
RULES = ("mean", "median", "trimmed_mean")


def _executed(rule: str, n: int, d: int, chunk: int, arity: int, seed: int) -> dict[str, Any]:
    """One EVM game (a lie at a random stage) with the model's figure for the same stage."""
    from analyses.commands.dispute import run
    from mechanism.dispute.gas import dispute_cost, full_reexecution

    r = run(rule, n, d, "proposer", "random_step", chunk, arity, seed, True)
    stage = "cols" if r["stage"] == "cols" else "out"
    model = dispute_cost(rule, n, d, chunk, arity, stage=stage).gas_total
    return {"rule": rule, "n": n, "d": d, "chunk": chunk, "arity": arity, "stage": stage, "moves": r["moves"],
            "gas_evm": r["gas_total"], "gas_model": model, "gap": model / r["gas_total"] - 1,
            "full": full_reexecution(rule, n, d), "ratio_full": full_reexecution(rule, n, d) / r["gas_total"],
            "offchain_s": r["offchain_seconds"]}


ROBUST_RULES = ("krum", "multi_krum", "bulyan", "geometric_median", "centered_clipping")


def _robust_rules(ctx: Any, n: int, chunk: int, arity: int, ds: list[int]) -> Any:
    """Every Fold-based rule's own game (all stages, EVM-calibrated one-steps) next to the
    median's, per d: gas and moves per side of its costliest stage."""
    import pandas as pd

    from analyses.commands.dispute import run
    from mechanism.dispute.gas_fold import rule_game_cost

    rows = []
    for d in ds:
        median = rule_game_cost("median", n, d, chunk, arity).gas_per_side
        for rule in ROBUST_RULES:
            ctx.progress(f"dispute {rule} d={d}")
            r = run(rule, n, d, "proposer", "random_step", chunk, arity, ctx.seed, False)
            cost = rule_game_cost(rule, n, d, chunk, arity)
            rows.append({"rule": rule, "n": n, "d": d, "gas": cost.gas_per_side, "moves": cost.moves_per_side,
                         "vs_median": cost.gas_per_side / median, "worst_stage": cost.worst_stage,
                         "stages": len(r["gas_per_stage"]), "offchain_s": r["offchain_seconds"]})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class DisputeCostResults(SectionResults):
    """Executed games, the gas model, the chunk/arity grid and its Pareto defaults."""

    n: int  # trainers of the executed games
    chunk: int
    arity: int
    tx_intrinsic_gas: int
    executed: Any  # DataFrame: one EVM game per (rule, d)
    by_n: Any  # DataFrame: executed median games against n
    by_n_d: int
    model: Any  # DataFrame: modelled worst case per (rule, d)
    grid: Any  # DataFrame: modelled median worst case per (chunk, arity)
    grid_d: int
    pareto: Any  # DataFrame: Pareto-optimal rows of grid
    max_moves: int  # move budget of the default
    best: Any  # row of pareto: the default (chunk, arity)
    robust: Any  # DataFrame: Fold/Krum rules against the median
    geometry: Any  # GeometryChoice: the (chunk, arity) the economics uses
    gap: float  # largest |model / EVM - 1| over executed games
    seconds: float  # wall time of run
    seed: int

    @property
    def gap_table(self) -> Any:
        return self.executed[["rule", "d", "stage", "moves", "gas_evm", "gas_model", "gap"]]

    def tables(self) -> dict[str, Any]:
        return {"dispute_executed": self.executed, "dispute_model": self.model, "dispute_chunk_arity": self.grid,
                "dispute_pareto": self.pareto, "dispute_by_n": self.by_n, "dispute_model_gap": self.gap_table,
                "dispute_robust_rules": self.robust}

    def numbers(self) -> dict[str, Any]:
        return {"disputeGapMax": f"{self.gap:.4f}", "disputeDefaultChunk": int(self.best.chunk),
                "disputeDefaultArity": int(self.best.arity)}

    def params(self) -> dict[str, Any]:
        return {"n": self.n, "chunk": self.chunk, "arity": self.arity}

    def seeds(self) -> list[int]:
        return [self.seed]


def run(ctx: ReportContext) -> DisputeCostResults:
    import pandas as pd

    from mechanism.dispute.gas import full_reexecution, worst_case
    from mechanism.units import TX_INTRINSIC_GAS

    t0 = time.perf_counter()
    n0, c0, k0 = 50, 16, 16
    ds = [10**3, 10**4, 10**5] + ([] if ctx.quick else [10**6])
    rows = []
    for rule in RULES:
        for d in ds:
            ctx.progress(f"dispute {rule} d={d}")
            rows.append(_executed(rule, n0, d, c0, k0, ctx.seed))
    exe = pd.DataFrame(rows)
    by_n_d = 10**4
    by_n_rows = []
    for n in (10, 25, 50, 64):
        ctx.progress(f"dispute median n={n}")
        by_n_rows.append(_executed("median", n, by_n_d, c0, k0, ctx.seed))
    by_n = pd.DataFrame(by_n_rows)
    model_rows = []
    for rule in RULES:
        for d in [10**k for k in range(3, 10)]:
            c = worst_case(rule, n0, d, c0, k0)
            model_rows.append({"rule": rule, "d": d, "moves": c.moves, "gas": c.gas_total,
                               "full": full_reexecution(rule, n0, d),
                               "ratio_full": full_reexecution(rule, n0, d) / c.gas_total})
    model = pd.DataFrame(model_rows)
    grid_d = 10**6
    grid = []
    for chunk in (4, 8, 16, 32, 64):
        for arity in (2, 4, 8, 16):
            c = worst_case("median", n0, grid_d, chunk, arity)
            grid.append({"chunk": chunk, "arity": arity, "moves": c.moves, "gas": c.gas_total})
    g = pd.DataFrame(grid)
    pareto = g[[not ((g.gas <= r.gas) & (g.moves <= r.moves) & ((g.gas < r.gas) | (g.moves < r.moves))).any()
                for r in g.itertuples()]].sort_values("moves")
    max_moves = 12
    feasible = pareto[pareto.moves <= max_moves]
    best = (feasible if len(feasible) else pareto).sort_values("gas").iloc[0]
    robust = _robust_rules(ctx, n0, c0, k0, [10**4] if ctx.quick else [10**4, 10**5])
    from mechanism.dispute.gas_fold import choose_geometry

    geometry = choose_geometry(n0, grid_d)
    gap = float(pd.concat([exe.gap, by_n.gap]).abs().max())
    return DisputeCostResults(
        n=n0, chunk=c0, arity=k0, tx_intrinsic_gas=TX_INTRINSIC_GAS, executed=exe, by_n=by_n, by_n_d=by_n_d,
        model=model, grid=g, grid_d=grid_d, pareto=pareto, max_moves=max_moves, best=best, robust=robust, geometry=geometry, gap=gap,
        seconds=time.perf_counter() - t0, seed=ctx.seed,
    )


def plot(results: DisputeCostResults, ctx: ReportContext) -> list[Figure]:
    from analyses.style import new_figure, save_figure

    r = results
    fig, ax = new_figure(ncols=2)
    for rule in RULES:
        sub = r.model[r.model.rule == rule]
        ax[0].plot(sub.d, sub.gas, marker="o", label=f"{rule} (model)")
        ex = r.executed[r.executed.rule == rule]
        ax[0].scatter(ex.d, ex.gas_evm, marker="x")
    ax[0].set_xscale("log")
    ax[0].set_xlabel("parameters d")
    ax[0].set_ylabel("dispute gas (gas)")
    ax[0].legend()
    for arity in sorted(r.grid.arity.unique()):
        sub = r.grid[r.grid.arity == arity]
        ax[1].plot(sub.moves, sub.gas, marker="o", label=f"arity {arity}")
    ax[1].set_xlabel("moves (transactions)")
    ax[1].set_ylabel(f"dispute gas, median, n={r.n}, d={sci(r.grid_d)} (gas)")
    ax[1].legend()
    save_figure(fig, ctx.figures_dir, "dispute_cost")
    return [("dispute_cost", "Dispute gas vs d (model lines, EVM crosses) and the chunk/arity trade-off.")]


def text(results: DisputeCostResults) -> str:
    r = results
    at_grid_d = r.model[r.model.d == r.grid_d]
    best = r.best
    md = [
        f"Executed games: n={r.n}, chunk={r.chunk}, arity={r.arity}; gas measured in py-evm (each move its own "
        f"transaction: cold storage), plus {r.tx_intrinsic_gas:,} and calldata. The one-step opens chunk j of all n "
        "inputs with one column-tree path.",
        f"Largest |model/EVM - 1| over executed games: {r.gap:.2%}.",
        f"Worst case at d={sci(r.grid_d)} (model): " + ", ".join(
            f"{m.rule} {m.gas:,.0f} gas in {int(m.moves)} moves, 1/{m.ratio_full:,.0f} of full re-execution"
            for m in at_grid_d.itertuples()) + ".",
        f"Time and gas against n (median, d={sci(r.by_n_d)}, executed): " + ", ".join(
            f"n={int(m.n)}: {m.gas_evm:,.0f} gas, {m.offchain_s:.2f} s" for m in r.by_n.itertuples()) + ".",
        "Robust rules, each rule's own game over all its stages (gas per side of the costliest stage; "
        "Fold, max and selection one-steps calibrated on EVM runs of FoldVerifier.vy, KrumVerifier.vy and "
        "SelectVerifier.vy, each rule's own Map stages on MapVerifier.vy, the bisection moves on "
        "DisputeGame.vy games): " + ", ".join(
            f"{m.rule} d={int(m.d)}: {m.gas:,.0f} gas per side ({m.vs_median:.1f}x median), {int(m.moves)} moves, "
            f"costliest stage {m.worst_stage} of {int(m.stages)}"
            for m in r.robust.itertuples()) + ".",
        f"Pareto defaults (median, n={r.n}, d={sci(r.grid_d)}, <= {r.max_moves} moves): chunk={int(best.chunk)}, "
        f"arity={int(best.arity)}, {int(best.moves)} moves, {best.gas:,.0f} gas.",
        f"Geometry of the economics (least worst-case gas per side over every rule's own game within the "
        f"per-transaction cap, then fewest moves; n={r.geometry.n}, d={sci(r.geometry.d)}): "
        f"chunk={r.geometry.chunk}, arity={r.geometry.arity}, {r.geometry.worst_gas_per_side:,.0f} gas per side "
        f"in the costliest game, {r.geometry.moves_per_side} moves per side.",
        f"Section time {r.seconds:.0f} s.",
    ]
    return "\n\n".join(md)
