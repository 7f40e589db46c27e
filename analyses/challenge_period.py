"""Report section: how long must the challenge period be?"""

from __future__ import annotations

import numpy as np

from analyses.report import ReportContext, Section
from analyses.style import colors, new_figure, save_figure

TITLE = "Challenge period"


def build(ctx: ReportContext) -> Section:
    import pandas as pd

    from mechanism.economics import period as per
    from mechanism.economics.recommend import recommend
    from mechanism.economics.scenario import DesignInputs

    n = 30 if ctx.quick else 120
    rec = recommend(DesignInputs(), with_sensitivity=False)
    bd = rec.design.breakdown
    fixed = bd.detect_blocks + bd.dispute_blocks + bd.buffer_blocks
    eps = np.geomspace(1e-12, 1e-1, n)
    fig, (ax1, ax2) = new_figure(ncols=2)
    for q, col in zip([0.1, 0.5, 0.9, 0.99], colors(4), strict=True):
        ax1.loglog(eps, fixed + per.censorship_blocks(eps, q), color=col, label=f"q = {q:g}")
    for ax in (ax1,):
        ax.axhline(per.ARBITRUM_PERIOD_BLOCKS, ls="--", color="k", lw=1, label="Arbitrum (45,818)")
        ax.axhline(per.OP_STACK_PERIOD_BLOCKS, ls=":", color="k", lw=1, label="OP Stack (7 days)")
    ax1.set_xlabel("target fraud probability eps [1]")
    ax1.set_ylabel("challenge period T [blocks]")
    ax1.legend(fontsize=7)
    qs = np.linspace(0.01, 0.999, n)
    for e, col in zip([1e-3, 1e-6, 1e-9], colors(3), strict=True):
        ax2.semilogy(qs, fixed + per.censorship_blocks(e, qs), color=col, label=f"eps = {e:g}")
    ax2.axhline(per.ARBITRUM_PERIOD_BLOCKS, ls="--", color="k", lw=1, label="Arbitrum")
    ax2.axhline(per.OP_STACK_PERIOD_BLOCKS, ls=":", color="k", lw=1, label="OP Stack")
    ax2.set_xlabel("censoring fraction q [1]")
    ax2.set_ylabel("challenge period T [blocks]")
    ax2.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "period_vs_eps_q")

    fig, ax = new_figure()
    gains = np.geomspace(1, 1e6, n)
    for g, col in zip([1.0, 10.0, 100.0], colors(3), strict=True):
        ax.semilogx(gains, per.stuffing_blocks(gains, g), color=col, label=f"base fee {g:g} gwei")
    ax.set_xlabel("attacker's gain G [ETH]")
    ax.set_ylabel("blocks stuffing cannot buy [blocks]")
    ax.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "stuffing_blocks")

    comp = pd.DataFrame({
        "protocol": ["Arbitrum One", "OP Stack", "orfl default"],
        "period [blocks]": [per.ARBITRUM_PERIOD_BLOCKS, per.OP_STACK_PERIOD_BLOCKS, rec.challenge_period_blocks],
        "period [days]": [per.ARBITRUM_PERIOD_BLOCKS / 7200, 7.0, rec.challenge_period_blocks / 7200],
        "q tolerated at eps=1e-9 [1]": [float(per.implied_censor_fraction(per.ARBITRUM_PERIOD_BLOCKS, 1e-9)),
                                        float(per.implied_censor_fraction(per.OP_STACK_PERIOD_BLOCKS, 1e-9)),
                                        float(per.implied_censor_fraction(bd.censor_blocks, 1e-9))],
    })
    parts = pd.DataFrame([{"component": k, "blocks": v, "hours": v / 300} for k, v in bd.as_dict().items()])
    md = f"""
``T = t_detect + t_dispute + T_censor + t_buffer`` (ECONOMICS.md §6). Under Felten's independent
censorship the censorship window is tiny: ``ceil(ln eps / ln q)`` blocks, 20 blocks for q = 0.5 at
eps = 1e-6; EIP-1559 block stuffing costs grow by 12.5 % per block, so a gain of G buys only
``log_1.125(1 + G / (8 L b_0))`` blocks. In the default scenario the period is
**{rec.challenge_period_blocks:,} blocks ({rec.challenge_period_blocks / 300:.1f} h)**, dominated by the dispute game's
clocks ({bd.dispute_blocks} blocks) and the response buffer, with the censorship window bound by
`{rec.design.binding['challenge_period_blocks']}`. Arbitrum's 45,818 blocks and OP's 7 days are sized for a social
response to strong (correlated) censorship: under the independence assumption they would tolerate
q > 0.9995 at eps = 1e-9. Our short period is only as good as the independence assumption and the
buffer; raise `--response-buffer-hours` if a social-layer response must fit in the period.
"""
    return Section(
        key="challenge_period", title=TITLE, markdown=md,
        figures=[("period_vs_eps_q", "Challenge period against the target fraud probability (left) and the censoring fraction (right); Arbitrum and OP Stack marked."),
                 ("stuffing_blocks", "Blocks an attacker cannot afford to stuff under EIP-1559, against its gain.")],
        tables={"period_comparison": comp, "period_breakdown": parts},
        numbers={"periodBlocks": rec.challenge_period_blocks, "periodHours": rec.challenge_period_blocks / 300,
                 "censorBlocks": bd.censor_blocks},
        params={"eps_grid": [float(eps[0]), float(eps[-1]), n]},
    )
