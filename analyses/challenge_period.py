"""Report section: how long must the challenge period be?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import Figure, ReportContext, SectionResults, sci
from analyses.style import colors, new_figure, save_figure

TITLE = "Challenge period"


@dataclass(frozen=True)
class ChallengePeriodResults(SectionResults):
    """The default design's period, its parts, and the period against eps, q and the gain."""

    n: int  # points per curve
    period_blocks: int
    dispute_blocks: int
    censor_blocks: int
    fixed_blocks: int  # detection + dispute + buffer
    binding_censor: str  # what bounds the censorship window
    blocks_per_hour: float
    blocks_per_day: float
    arbitrum_blocks: int
    op_stack_blocks: int
    base_fee_growth: float  # per full block under EIP-1559
    example_q: float
    example_eps: float
    example_censor_blocks: int  # ceil(ln eps / ln q) at the example
    tolerance_eps: float
    incumbent_min_q: float  # smallest q Arbitrum's and OP's periods tolerate at tolerance_eps
    eps: Any  # array: target fraud probabilities of the left panel
    eps_q: dict[float, Any]  # q -> period [blocks] against eps
    qs: Any  # array: censoring fractions of the right panel
    q_eps: dict[float, Any]  # eps -> period [blocks] against q
    gains: Any  # array: attacker's gain [ETH]
    stuffing: dict[float, Any]  # base fee [gwei] -> blocks stuffing cannot buy, against the gain
    comparison: Any  # DataFrame
    breakdown: Any  # DataFrame

    def tables(self) -> dict[str, Any]:
        return {"period_comparison": self.comparison, "period_breakdown": self.breakdown}

    def numbers(self) -> dict[str, Any]:
        return {"periodBlocks": self.period_blocks, "periodHours": self.period_blocks / self.blocks_per_hour,
                "censorBlocks": self.censor_blocks}

    def params(self) -> dict[str, Any]:
        return {"eps_grid": [float(self.eps[0]), float(self.eps[-1]), self.n]}


def run(ctx: ReportContext) -> ChallengePeriodResults:
    import pandas as pd

    from mechanism.economics import period as per
    from mechanism.economics.recommend import recommend
    from mechanism.economics.scenario import DesignInputs
    from mechanism.units import BASE_FEE_MAX_CHANGE_DENOMINATOR, BLOCKS_PER_DAY, BLOCKS_PER_HOUR

    n = 30 if ctx.quick else 120
    rec = recommend(DesignInputs(), with_sensitivity=False)
    bd = rec.design.breakdown
    fixed = bd.detect_blocks + bd.dispute_blocks + bd.buffer_blocks
    eps = np.geomspace(1e-12, 1e-1, n)
    qs = np.linspace(0.01, 0.999, n)
    gains = np.geomspace(1, 1e6, n)
    tol_eps = 1e-9
    comp = pd.DataFrame({
        "protocol": ["Arbitrum One", "OP Stack", "orfl default"],
        "period [blocks]": [per.ARBITRUM_PERIOD_BLOCKS, per.OP_STACK_PERIOD_BLOCKS, rec.challenge_period_blocks],
        "period [days]": [per.ARBITRUM_PERIOD_BLOCKS / BLOCKS_PER_DAY, per.OP_STACK_PERIOD_BLOCKS / BLOCKS_PER_DAY,
                          rec.challenge_period_blocks / BLOCKS_PER_DAY],
        f"q tolerated at eps={sci(tol_eps)} [1]": [
            float(per.implied_censor_fraction(per.ARBITRUM_PERIOD_BLOCKS, tol_eps)),
            float(per.implied_censor_fraction(per.OP_STACK_PERIOD_BLOCKS, tol_eps)),
            float(per.implied_censor_fraction(bd.censor_blocks, tol_eps))],
    })
    parts = pd.DataFrame([{"component": k, "blocks": v, "hours": v / BLOCKS_PER_HOUR} for k, v in bd.as_dict().items()])
    example_q, example_eps = 0.5, 1e-6
    return ChallengePeriodResults(
        n=n, period_blocks=rec.challenge_period_blocks, dispute_blocks=bd.dispute_blocks,
        censor_blocks=bd.censor_blocks, fixed_blocks=fixed,
        binding_censor=rec.design.binding["challenge_period_blocks"], blocks_per_hour=BLOCKS_PER_HOUR,
        blocks_per_day=BLOCKS_PER_DAY, arbitrum_blocks=per.ARBITRUM_PERIOD_BLOCKS,
        op_stack_blocks=per.OP_STACK_PERIOD_BLOCKS, base_fee_growth=1 / BASE_FEE_MAX_CHANGE_DENOMINATOR,
        example_q=example_q, example_eps=example_eps,
        example_censor_blocks=int(per.censorship_blocks(example_eps, example_q)), tolerance_eps=tol_eps,
        incumbent_min_q=float(comp[comp.columns[3]].iloc[:2].min()),
        eps=eps, eps_q={q: fixed + per.censorship_blocks(eps, q) for q in (0.1, 0.5, 0.9, 0.99)},
        qs=qs, q_eps={e: fixed + per.censorship_blocks(e, qs) for e in (1e-3, 1e-6, 1e-9)},
        gains=gains, stuffing={g: per.stuffing_blocks(gains, g) for g in (1.0, 10.0, 100.0)},
        comparison=comp, breakdown=parts,
    )


def plot(results: ChallengePeriodResults, ctx: ReportContext) -> list[Figure]:
    r = results
    arb = f"Arbitrum ({r.arbitrum_blocks:,})"
    op = f"OP Stack ({r.op_stack_blocks / r.blocks_per_day:g} days)"
    fig, (ax1, ax2) = new_figure(ncols=2)
    for (q, t), col in zip(r.eps_q.items(), colors(len(r.eps_q)), strict=True):
        ax1.loglog(r.eps, t, color=col, label=f"q = {q:g}")
    ax1.axhline(r.arbitrum_blocks, ls="--", color="k", lw=1, label=arb)
    ax1.axhline(r.op_stack_blocks, ls=":", color="k", lw=1, label=op)
    ax1.set_xlabel("target fraud probability eps [1]")
    ax1.set_ylabel("challenge period T [blocks]")
    ax1.legend(fontsize=7)
    for (e, t), col in zip(r.q_eps.items(), colors(len(r.q_eps)), strict=True):
        ax2.semilogy(r.qs, t, color=col, label=f"eps = {e:g}")
    ax2.axhline(r.arbitrum_blocks, ls="--", color="k", lw=1, label="Arbitrum")
    ax2.axhline(r.op_stack_blocks, ls=":", color="k", lw=1, label="OP Stack")
    ax2.set_xlabel("censoring fraction q [1]")
    ax2.set_ylabel("challenge period T [blocks]")
    ax2.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "period_vs_eps_q")

    fig, ax = new_figure()
    for (g, b), col in zip(r.stuffing.items(), colors(len(r.stuffing)), strict=True):
        ax.semilogx(r.gains, b, color=col, label=f"base fee {g:g} gwei")
    ax.set_xlabel("attacker's gain G [ETH]")
    ax.set_ylabel("blocks stuffing cannot buy [blocks]")
    ax.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "stuffing_blocks")
    return [("period_vs_eps_q", "Challenge period against the target fraud probability (left) and the censoring fraction (right); Arbitrum and OP Stack marked."),
            ("stuffing_blocks", "Blocks an attacker cannot afford to stuff under EIP-1559, against its gain.")]


def text(results: ChallengePeriodResults) -> str:
    r = results
    return f"""
``T = t_detect + t_dispute + T_censor + t_buffer`` (ECONOMICS.md §6). Under Felten's independent
censorship the censorship window is tiny: ``ceil(ln eps / ln q)`` blocks, {r.example_censor_blocks} blocks for q = {r.example_q:g} at
eps = {sci(r.example_eps)}; EIP-1559 block stuffing costs grow by {100 * r.base_fee_growth:g} % per block, so a gain of G buys only
``log_{1 + r.base_fee_growth:g}(1 + G / ({1 / r.base_fee_growth:g} L b_0))`` blocks. In the default scenario the period is
**{r.period_blocks:,} blocks ({r.period_blocks / r.blocks_per_hour:.1f} h)**, dominated by the dispute game's
clocks ({r.dispute_blocks} blocks) and the response buffer, with the censorship window bound by
`{r.binding_censor}`. Arbitrum's {r.arbitrum_blocks:,} blocks and OP's {r.op_stack_blocks / r.blocks_per_day:g} days are sized for a social
response to strong (correlated) censorship: under the independence assumption they would tolerate
q > {r.incumbent_min_q:.4f} at eps = {sci(r.tolerance_eps)}. Our short period is only as good as the independence assumption and the
buffer; raise `--response-buffer-hours` if a social-layer response must fit in the period.
"""
