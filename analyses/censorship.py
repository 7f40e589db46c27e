"""Report section: censorship and block stuffing against the challenge period.

A challenge submitted at the start of a window of T blocks is lost if every proposer in
the window censors it. With a fraction q of proposers adversarial (independently per
block), P(miss) = q^T (Felten, "Why is the challenge period seven days?", Offchain Labs
2022; docs/economics.md, 'Censorship'). We measure it on the simulated L1
(:func:`mechanism.chain.censorship_trial`, real mempool and proposer draws) with exact
Clopper-Pearson 95% intervals. Block stuffing instead pays the EIP-1559 price of every
full block, sum_{i<k} gas_limit * (b_0 * 1.125^i + tip), which the simulator charges
block by block with the spec's integer base-fee updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict, sci

TITLE = "Censorship and block stuffing: measured miss probability vs q^T, stuffing cost vs EIP-1559"
#: Confidence level of the Clopper-Pearson intervals.
CONFIDENCE = 0.95
#: q^T agrees with the simulation if the cells whose interval misses it are no more than
#: this quantile of Binomial(cells, 1 - CONFIDENCE) (Clopper-Pearson covers >= CONFIDENCE).
AGREEMENT_QUANTILE = 0.99
#: The simulated stuffing cost matches the closed form if the relative gap is at most this
#: (the integer base-fee update floors once per block: a relative 1/b_0 per block).
STUFFING_REL_TOL = 1e-6


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial interval (Clopper and Pearson 1934) via beta quantiles."""
    from scipy.stats import beta

    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def miss_probability(q: float, window_blocks: int, trials: int, rng: Any) -> dict[str, float]:
    """Monte Carlo of :func:`mechanism.chain.censorship_trial` with a 95% interval."""
    from mechanism.chain import censorship_trial

    misses = sum(censorship_trial(q, window_blocks, rng) for _ in range(trials))
    lo, hi = clopper_pearson(misses, trials)
    return {"q": q, "T_blocks": window_blocks, "trials": trials, "misses": misses,
            "measured": misses / trials, "ci_low": lo, "ci_high": hi, "q_pow_T": q**window_blocks}


def largest_gain_eth() -> float:
    """The attacker's largest gain in the default scenario: the highest value at stake at
    the lowest ETH price (the worst vertex ``orfl recommend`` designs against)."""
    from mechanism.economics.scenario import DesignInputs

    i = DesignInputs()
    return float(i.value_at_stake_usd.high / i.eth_price_usd.low)


@dataclass(frozen=True)
class CensorshipResults(SectionResults):
    """The censorship grid against q^T and the stuffing cost against the EIP-1559 closed form."""

    qs: list[float]
    windows: list[int]
    trials: int
    grid: Any  # DataFrame: one row per (q, T) cell
    agreement: float  # fraction of cells whose q^T lies inside the interval
    example_q: float
    example_eps: float
    example_blocks: int  # ceil(log eps / log q) at the example
    block_seconds: int
    base_fee_gwei: float
    tip_gwei: float
    gas_limit: int
    base_fee_growth: float  # per full block
    stuffing: Any  # DataFrame: one row per number of stuffed blocks
    worst_gap: float
    max_gain_eth: float  # largest attacker gain of the recommendation's scenario
    seed: int

    @property
    def cells_outside(self) -> int:
        """Cells whose Clopper-Pearson interval does not contain q^T."""
        return round((1.0 - self.agreement) * len(self.grid))

    @property
    def outside_allowed(self) -> int:
        """Most cells that may miss q^T by chance (:data:`AGREEMENT_QUANTILE` of the binomial)."""
        from scipy.stats import binom

        return int(binom.ppf(AGREEMENT_QUANTILE, len(self.grid), 1.0 - CONFIDENCE))

    @property
    def felten(self) -> Verdict:
        n, out, ok = len(self.grid), self.cells_outside, self.cells_outside <= self.outside_allowed
        return Verdict("censorship: simulated miss probability agrees with Felten's q^T", ok,
                       f"q^T outside the {CONFIDENCE:.0%} interval in {out} of {n} cells "
                       f"(at most {self.outside_allowed} expected by chance; {self.trials} trials per cell)")

    @property
    def stuffing_matches(self) -> Verdict:
        ok = self.worst_gap <= STUFFING_REL_TOL
        return Verdict("block stuffing: simulated cost matches the EIP-1559 closed form", ok,
                       f"largest relative gap {self.worst_gap:.1e} (tolerance {STUFFING_REL_TOL:.0e})")

    @property
    def stuffing_cost_max_eth(self) -> float:
        return float(self.stuffing["simulated_cost_eth"].iloc[-1])

    @property
    def stuffing_exceeds_gain(self) -> bool:
        """Stuffing the longest simulated run costs more than the scenario's largest gain."""
        return self.stuffing_cost_max_eth > self.max_gain_eth

    def verdicts(self) -> list[Verdict]:
        return [self.felten, self.stuffing_matches]

    def measurements(self) -> list[Measurement]:
        return [Measurement("censorship cells agreeing with q^T", f"{len(self.grid) - self.cells_outside}/{len(self.grid)}",
                            "cells", "measured", f"simulated L1, {self.trials} trials per cell, seed {self.seed}"),
                Measurement(f"cost of stuffing {int(self.stuffing['blocks'].iloc[-1])} blocks", self.stuffing_cost_max_eth,
                            "ETH", "measured", f"simulated L1 (integer EIP-1559) from {self.base_fee_gwei:g} gwei")]

    def tables(self) -> dict[str, Any]:
        return {"censorship_grid": self.grid, "stuffing_cost": self.stuffing}

    def numbers(self) -> dict[str, Any]:
        return {"agreement": self.agreement, "trials": self.trials, "stuffing_gap": self.worst_gap,
                "stuffing_cost_eth_max": self.stuffing_cost_max_eth, "cells_outside": self.cells_outside,
                "felten_agrees": "yes" if self.felten.passed else "no"}

    def params(self) -> dict[str, Any]:
        return {"q": self.qs, "T_blocks": self.windows, "base_fee_gwei": self.base_fee_gwei,
                "tip_gwei": self.tip_gwei}

    def seeds(self) -> list[int]:
        return [self.seed]


def run(ctx: ReportContext) -> CensorshipResults:
    import numpy as np
    import pandas as pd

    from mechanism.chain import (
        BLOCK_SECONDS,
        GAS_LIMIT,
        GWEI,
        stuffing_cost_prediction_wei,
        stuffing_run,
    )

    rng = np.random.default_rng(ctx.seed)
    qs = [0.1, 0.3, 0.5, 0.7, 0.9]
    windows = [1, 2, 4, 8, 16]
    trials = 400 if ctx.quick else 3000
    ctx.progress(f"censorship grid {len(qs)}x{len(windows)}, {trials} trials per cell")
    grid = pd.DataFrame([miss_probability(q, t, trials, rng) for q in qs for t in windows])
    grid["q_pow_T_in_ci"] = (grid["ci_low"] <= grid["q_pow_T"]) & (grid["q_pow_T"] <= grid["ci_high"])
    agree = float(grid["q_pow_T_in_ci"].mean())
    example_q, example_eps = 0.5, 1e-9

    base_fee = 20 * GWEI
    tip = GWEI
    ks = [1, 2, 4, 8, 16, 32, 64] if not ctx.quick else [1, 4, 16, 32]
    rows = []
    for k in ks:
        cost, _ = stuffing_run(k, base_fee, tip_wei=tip)
        pred = stuffing_cost_prediction_wei(k, base_fee, tip)
        rows.append({"blocks": k, "hours": k * BLOCK_SECONDS / 3600, "simulated_cost_eth": cost / 1e18,
                     "eip1559_prediction_eth": pred / 1e18, "relative_gap": abs(cost - pred) / pred})
    stuff = pd.DataFrame(rows)
    return CensorshipResults(
        qs=qs, windows=windows, trials=trials, grid=grid, agreement=agree, example_q=example_q,
        example_eps=example_eps, example_blocks=int(np.ceil(np.log(example_eps) / np.log(example_q))),
        block_seconds=BLOCK_SECONDS, base_fee_gwei=base_fee / GWEI, tip_gwei=tip // GWEI, gas_limit=GAS_LIMIT,
        base_fee_growth=0.125, stuffing=stuff, worst_gap=float(stuff["relative_gap"].max()),
        max_gain_eth=largest_gain_eth(), seed=ctx.seed,
    )


def plot(results: CensorshipResults, ctx: ReportContext) -> list[Figure]:
    import numpy as np

    from analyses.style import colors, new_figure, save_figure

    r = results
    grid = r.grid
    fig, ax = new_figure()
    for c, q in zip(colors(len(r.qs)), r.qs, strict=True):
        g = grid[grid["q"] == q]
        ts = np.array(r.windows)
        ax.plot(ts, q**ts, color=c, lw=1, label=f"q={q}: q^T")
        m = g["measured"].to_numpy()
        err = np.vstack([m - g["ci_low"].to_numpy(), g["ci_high"].to_numpy() - m])
        ax.errorbar(g["T_blocks"], np.maximum(m, 1e-6), yerr=err, fmt="o", color=c, ms=4, capsize=2)
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 1.5)
    ax.set_xlabel(f"challenge window T [blocks of {r.block_seconds} s]")
    ax.set_ylabel("P(challenge censored in all T blocks) [1]")
    ax.set_title(f"measured (dots, {CONFIDENCE:.0%} CI) vs q^T (lines)")
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, ctx.figures_dir, "censorship_miss_probability")

    stuff = r.stuffing
    fig2, ax2 = new_figure()
    ax2.plot(stuff["blocks"], stuff["eip1559_prediction_eth"], lw=1.5, label="sum gas_limit (b0 1.125^i + tip)")
    ax2.plot(stuff["blocks"], stuff["simulated_cost_eth"], "o", label="simulated L1 (integer EIP-1559)")
    ax2.set_yscale("log")
    ax2.set_xlabel(f"blocks stuffed k [blocks of {r.block_seconds} s]")
    ax2.set_ylabel("cost of stuffing [ETH]")
    ax2.set_title(f"block stuffing from b0 = {r.base_fee_gwei:.0f} gwei, {r.gas_limit / 1e6:.0f}M gas per block")
    ax2.legend(fontsize=8)
    save_figure(fig2, ctx.figures_dir, "stuffing_cost")
    return [("censorship_miss_probability", "Probability that a challenge is censored for all T blocks: measured vs q^T."),
            ("stuffing_cost", "Cost of stuffing k consecutive blocks: simulated vs EIP-1559 closed form.")]


def text(results: CensorshipResults) -> str:
    from analyses.style import format_number

    r = results
    k_max = int(r.stuffing["blocks"].iloc[-1])
    n = len(r.grid)
    agree = r.felten.said(
        "agrees with Felten's q^T", f"**does not agree** with Felten's q^T (more than the {r.outside_allowed} cells "
        "expected by chance miss it)")
    match = r.stuffing_matches.said("matches the closed form", "**does not match** the closed form")
    then = r.felten.said("Hence for", "Were it to hold, for")
    gain = ("more than" if r.stuffing_exceeds_gain else "**less than**")
    return f"""
A challenger submits its challenge at the start of a window of T blocks; every block's
proposer is adversarial with probability q and then omits it (stake-weighted random
selection, independent blocks). The measured miss probability on the simulated L1 {agree}:
q^T lies inside the {CONFIDENCE:.0%} Clopper-Pearson interval in
**{r.agreement:.0%}** of the {n} cells ({r.trials} trials each; {r.cells_outside} outside, at most
{r.outside_allowed} expected by chance at the {AGREEMENT_QUANTILE:.0%} level). {then} a target eps the censorship part of the period is
T_censor = ceil(log eps / log q): e.g. q = {r.example_q:g}, eps = {sci(r.example_eps)} needs {r.example_blocks} blocks.

Block stuffing instead must buy every block at the EIP-1559 price; each full block raises
the base fee by {r.base_fee_growth:.1%}, so k blocks cost sum_(i<k) gas_limit (b0 {1 + r.base_fee_growth:g}^i + tip). The
simulator, which applies the spec's integer update each block, {match}
(largest relative gap {r.worst_gap:.1e}, tolerance {STUFFING_REL_TOL:.0e}); stuffing {k_max} blocks ({k_max * r.block_seconds / 60:,.0f} min) from
{r.base_fee_gwei:.0f} gwei costs {r.stuffing_cost_max_eth:,.0f} ETH, {gain} the largest gain of the
recommendation's scenario (G = {format_number(r.max_gain_eth)} ETH; gas limit {r.gas_limit:,}).
"""
