"""Report section: how long must the challenge period be?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import Figure, ReportContext, SectionResults, Verdict, sci
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
    design_detect_blocks: int  # the recommended Design's detection term
    design_dispute_blocks: int  # the Design's longest dispute: (2 depth + 1) move clocks
    design_depth: int
    design_move_clock_blocks: int
    worst_q: float  # largest censoring fraction of the scenario
    target_eps: float  # target fraud probability
    worst_gain_eth: float  # largest attacker spend of the scenario, W = max(G, budget) (the gain without a budget)
    window_stuffing_cost_eth: float  # EIP-1559 cost of stuffing the censorship window at the lowest base fee

    @property
    def dispute_term_covers_design(self) -> Verdict:
        ok = self.dispute_blocks >= self.design_dispute_blocks
        return Verdict("period: its dispute term covers the design's longest dispute", ok,
                       f"dispute term {self.dispute_blocks:,} blocks vs (2 x {self.design_depth} + 1) x "
                       f"{self.design_move_clock_blocks} = {self.design_dispute_blocks:,} blocks")

    @property
    def period_fits_dispute(self) -> Verdict:
        need = self.design_detect_blocks + self.design_dispute_blocks
        return Verdict("period: detection plus the design's longest dispute fit in it", self.period_blocks >= need,
                       f"{self.period_blocks:,} blocks vs {self.design_detect_blocks} + {self.design_dispute_blocks:,} "
                       f"= {need:,} blocks")

    @property
    def censor_prob(self) -> float:
        """q^T' at the largest q over the censorship window alone."""
        return float(self.worst_q ** self.censor_blocks)

    @property
    def window_holds(self) -> Verdict:
        ok = self.censor_prob <= self.target_eps and self.window_stuffing_cost_eth > self.worst_gain_eth
        return Verdict("period: the censorship window resists censorship and stuffing", ok,
                       f"q^T' = {self.worst_q:g}^{self.censor_blocks} = {self.censor_prob:.2g} vs eps = "
                       f"{self.target_eps:g}; stuffing {self.censor_blocks} blocks costs "
                       f"{self.window_stuffing_cost_eth:,.4g} ETH vs W = max(G, budget) = {self.worst_gain_eth:,.4g} ETH")

    def verdicts(self) -> list[Verdict]:
        return [self.period_fits_dispute, self.dispute_term_covers_design, self.window_holds]

    @property
    def largest_parts(self) -> list[tuple[str, int]]:
        """The period's components, largest first."""
        parts = {"dispute clocks": self.dispute_blocks, "censorship window": self.censor_blocks,
                 "detection": self.fixed_blocks - self.dispute_blocks - self.buffer_blocks,
                 "response buffer": self.buffer_blocks}
        return sorted(parts.items(), key=lambda kv: -kv[1])

    @property
    def buffer_blocks(self) -> int:
        return int(self.breakdown.set_index("component").loc["buffer_blocks", "length [blocks]"])

    def tables(self) -> dict[str, Any]:
        return {"period_comparison": self.comparison, "period_breakdown": self.breakdown}

    def numbers(self) -> dict[str, Any]:
        return {"periodBlocks": self.period_blocks, "periodHours": self.period_blocks / self.blocks_per_hour,
                "censorBlocks": self.censor_blocks, "designDisputeBlocks": self.design_dispute_blocks,
                "disputeTermBlocks": self.dispute_blocks}

    def params(self) -> dict[str, Any]:
        return {"eps_grid": [float(self.eps[0]), float(self.eps[-1]), self.n]}


def run(ctx: ReportContext) -> ChallengePeriodResults:
    import pandas as pd

    from analyses.report import recommendation
    from mechanism.economics import period as per
    from mechanism.units import BASE_FEE_MAX_CHANGE_DENOMINATOR, BLOCKS_PER_DAY, BLOCKS_PER_HOUR

    n = 30 if ctx.quick else 120
    rec = recommendation()
    design = rec.as_design()
    inputs = rec.inputs
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
    parts = parts.rename(columns={"blocks": "length [blocks]", "hours": "length [h]"})
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
        comparison=comp, breakdown=parts, design_detect_blocks=design.detect_blocks,
        design_dispute_blocks=design.dispute_blocks, design_depth=design.dispute_depth,
        design_move_clock_blocks=design.move_clock_blocks, worst_q=float(inputs.censor_fraction.high),
        target_eps=float(inputs.target_fraud_probability), worst_gain_eth=float(rec.bribery["attacker_spend_eth"]),
        window_stuffing_cost_eth=float(per.stuffing_cost_eth(bd.censor_blocks, inputs.gas_price_gwei.low,
                                                              inputs.block_gas_limit)),
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
    (top, top_blocks), (second, second_blocks) = r.largest_parts[:2]
    share = (top_blocks + second_blocks) / r.period_blocks
    fits = r.period_fits_dispute.said(
        "fit in the period", f"**do not fit** in the period ({r.period_fits_dispute.detail})")
    covers = r.dispute_term_covers_design.said(
        f"Its dispute term ({r.dispute_blocks:,} blocks) covers the longest dispute the design's clocks allow",
        f"**Its dispute term ({r.dispute_blocks:,} blocks) is shorter than the longest dispute the design's clocks "
        f"allow** ({r.design_dispute_blocks:,} blocks)" + r.period_fits_dispute.said(
            "; the period still holds that dispute only thanks to its other terms", ""))
    window = r.window_holds.said("holds", "**does not hold**")
    return f"""
``T = t_detect + t_dispute + T_censor + t_buffer`` (docs/economics.md, 'Period decomposition'). Under Felten's independent
censorship the censorship window is short: ``ceil(ln eps / ln q)`` blocks, {r.example_censor_blocks} blocks for q = {r.example_q:g} at
eps = {sci(r.example_eps)}; EIP-1559 block stuffing costs grow by {100 * r.base_fee_growth:g} % per block, so a gain of G buys only
``log_{1 + r.base_fee_growth:g}(1 + G / ({1 / r.base_fee_growth:g} L b_0))`` blocks. In the default scenario the period is
**{r.period_blocks:,} blocks ({r.period_blocks / r.blocks_per_hour:.1f} h)**; its two largest parts are the {top}
({top_blocks:,} blocks) and the {second} ({second_blocks:,} blocks), {share:.0%} of it, and the censorship window
({r.censor_blocks:,} blocks) is bound by `{r.binding_censor}`. That window {window} at the worst vertex:
{r.window_holds.detail}. Detection and the design's longest dispute ((2 x depth + 1) move clocks) {fits}.
{covers} ({r.dispute_term_covers_design.detail}).
Arbitrum's {r.arbitrum_blocks:,} blocks and OP's {r.op_stack_blocks / r.blocks_per_day:g} days are sized for a social
response to strong (correlated) censorship: under the independence assumption they would tolerate
q > {r.incumbent_min_q:.4f} at eps = {sci(r.tolerance_eps)}. Our period is only as good as the independence assumption and the
buffer; raise `--response-buffer-hours` if a social-layer response must fit in the period.
"""
