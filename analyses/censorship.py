"""Report section: censorship and block stuffing against the challenge period.

A challenge submitted at the start of a window of T blocks is lost if every proposer in
the window censors it. With a fraction q of proposers adversarial (independently per
block), P(miss) = q^T (Felten, "Why is the challenge period seven days?", Offchain Labs
2022; ECONOMICS.md section 1). We measure it on the simulated L1
(:func:`mechanism.chain.censorship_trial`, real mempool and proposer draws) with exact
Clopper-Pearson 95% intervals. Block stuffing instead pays the EIP-1559 price of every
full block, sum_{i<k} gas_limit * (b_0 * 1.125^i + tip), which the simulator charges
block by block with the spec's integer base-fee updates.
"""

from __future__ import annotations

from typing import Any

from analyses.report import ReportContext, Section

TITLE = "Censorship and block stuffing: measured miss probability vs q^T, stuffing cost vs EIP-1559"


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


def build(ctx: ReportContext) -> Section:
    import numpy as np
    import pandas as pd

    from analyses.style import colors, new_figure, save_figure
    from mechanism.chain import GAS_LIMIT, GWEI, stuffing_cost_prediction_wei, stuffing_run

    rng = np.random.default_rng(ctx.seed)
    qs = [0.1, 0.3, 0.5, 0.7, 0.9]
    windows = [1, 2, 4, 8, 16]
    trials = 400 if ctx.quick else 3000
    ctx.progress(f"censorship grid {len(qs)}x{len(windows)}, {trials} trials per cell")
    grid = pd.DataFrame([miss_probability(q, t, trials, rng) for q in qs for t in windows])
    grid["q_pow_T_in_ci"] = (grid["ci_low"] <= grid["q_pow_T"]) & (grid["q_pow_T"] <= grid["ci_high"])
    agree = float(grid["q_pow_T_in_ci"].mean())

    fig, ax = new_figure()
    for c, q in zip(colors(len(qs)), qs, strict=True):
        g = grid[grid["q"] == q]
        ts = np.array(windows)
        ax.plot(ts, q**ts, color=c, lw=1, label=f"q={q}: q^T")
        m = g["measured"].to_numpy()
        err = np.vstack([m - g["ci_low"].to_numpy(), g["ci_high"].to_numpy() - m])
        ax.errorbar(g["T_blocks"], np.maximum(m, 1e-6), yerr=err, fmt="o", color=c, ms=4, capsize=2)
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 1.5)
    ax.set_xlabel("challenge window T [blocks of 12 s]")
    ax.set_ylabel("P(challenge censored in all T blocks) [1]")
    ax.set_title("measured (dots, 95% CI) vs q^T (lines)")
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, ctx.figures_dir, "censorship_miss_probability")

    base_fee = 20 * GWEI
    ks = [1, 2, 4, 8, 16, 32, 64] if not ctx.quick else [1, 4, 16, 32]
    rows = []
    for k in ks:
        cost, _ = stuffing_run(k, base_fee, tip_wei=GWEI)
        pred = stuffing_cost_prediction_wei(k, base_fee, GWEI)
        rows.append({"blocks": k, "hours": k * 12 / 3600, "simulated_cost_eth": cost / 1e18,
                     "eip1559_prediction_eth": pred / 1e18, "relative_gap": abs(cost - pred) / pred})
    stuff = pd.DataFrame(rows)
    fig2, ax2 = new_figure()
    ax2.plot(stuff["blocks"], stuff["eip1559_prediction_eth"], lw=1.5, label="sum gas_limit (b0 1.125^i + tip)")
    ax2.plot(stuff["blocks"], stuff["simulated_cost_eth"], "o", label="simulated L1 (integer EIP-1559)")
    ax2.set_yscale("log")
    ax2.set_xlabel("blocks stuffed k [blocks of 12 s]")
    ax2.set_ylabel("cost of stuffing [ETH]")
    ax2.set_title(f"block stuffing from b0 = {base_fee / GWEI:.0f} gwei, 30M gas per block")
    ax2.legend(fontsize=8)
    save_figure(fig2, ctx.figures_dir, "stuffing_cost")

    worst_gap = float(stuff["relative_gap"].max())
    md = f"""
A challenger submits its challenge at the start of a window of T blocks; every block's
proposer is adversarial with probability q and then omits it (stake-weighted random
selection, independent blocks). The measured miss probability on the simulated L1 agrees
with Felten's q^T: q^T lies inside the 95% Clopper-Pearson interval in
**{agree:.0%}** of the {len(grid)} cells ({trials} trials each; about 95% is expected by
chance). Hence for a target eps the censorship part of the period is
T_censor = ceil(log eps / log q): e.g. q = 0.5, eps = 1e-9 needs {int(np.ceil(np.log(1e-9) / np.log(0.5)))} blocks.

Block stuffing instead must buy every block at the EIP-1559 price; each full block raises
the base fee by 12.5%, so k blocks cost sum_(i<k) gas_limit (b0 1.125^i + tip). The
simulator, which applies the spec's integer update each block, matches the closed form
within a relative {worst_gap:.1e}; stuffing {ks[-1]} blocks ({ks[-1] * 12 / 60:.0f} min) from
{base_fee / GWEI:.0f} gwei costs {stuff["simulated_cost_eth"].iloc[-1]:,.0f} ETH, so stuffing
a multi-day window is irrational for any realistic gain G (gas limit {GAS_LIMIT:,}).
"""
    return Section(
        key="censorship",
        title=TITLE,
        markdown=md,
        figures=[("censorship_miss_probability", "Probability that a challenge is censored for all T blocks: measured vs q^T."),
                 ("stuffing_cost", "Cost of stuffing k consecutive blocks: simulated vs EIP-1559 closed form.")],
        tables={"censorship_grid": grid, "stuffing_cost": stuff},
        numbers={"agreement": agree, "trials": trials, "stuffing_gap": worst_gap,
                 "stuffing_cost_eth_max": float(stuff["simulated_cost_eth"].iloc[-1])},
        params={"q": qs, "T_blocks": windows, "base_fee_gwei": base_fee / GWEI, "tip_gwei": 1},
        seeds=[ctx.seed],
    )
