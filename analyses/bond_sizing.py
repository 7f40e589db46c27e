"""Report section: how large must the bonds be, and what binds them?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import (
    Figure,
    Measurement,
    ReportContext,
    SectionResults,
    Verdict,
    recommendation_inputs,
)
from analyses.style import colors, new_figure, save_figure

TITLE = "Bond sizing"
#: The BoLD recursion reproduces Arbitrum One's published bonds if every level is within
#: this relative error (its gas price and resource ratio are fitted, so this is a check of
#: the recursion and the gas tables, not of the fit).
BOLD_REL_TOL = 0.01


def recommended_table(rec: object) -> object:
    import pandas as pd

    d = rec.to_dict()  # type: ignore[attr-defined]
    rows = [{"parameter": p["name"], "value": p["value"], "unit": p["unit"],
             "alt value": p["alt_value"], "alt unit": p["alt_unit"], "binding constraint": p["binding_constraint"]}
            for p in d["parameters"]]
    rows.append({"parameter": "aggregation_rule", "value": d["aggregation_rule"], "unit": "",
                 "alt value": d["aggregation"]["tolerance"], "alt unit": "tolerance beta* [1]",
                 "binding constraint": "lowest dispute gas covering f"})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BondSizingResults(SectionResults):
    """The default recommendation, the deterrence bound's curves and the BoLD stake recursion."""

    rec: Any  # mechanism.economics.recommend result for the default scenario
    rec_dict: dict[str, Any]  # rec.to_dict()
    challengers: int  # m of the left panel
    verify_prob: float  # v of the left panel
    window_blocks: int  # T' of the left panel
    gains: Any  # array: attacker's gain [ETH]
    bond_vs_gain: dict[float, Any]  # q -> deterring bond [ETH] against the gain
    qgrid: Any  # array: censoring fractions
    bond_vs_q: dict[float, Any]  # G -> deterring bond [ETH] against q
    arbitrum_assertion_bond_eth: float
    op_root_bond_eth: float
    bold_gas_price_gwei: float
    bold_resource_ratio: float
    bold_levels: int
    bold_edge_gas: float  # largest gas per edge (both sides plus the honest extra) over the levels
    bold: Any  # DataFrame: BoLD recursion vs Arbitrum One's published bonds
    recommended: Any  # DataFrame

    @property
    def bribery(self) -> Verdict:
        b = self.rec.bribery
        return Verdict("bribery: bribing every challenger costs more than the attacker's largest spend",
                       b["bribe_all_cost_eth"] >= b["attacker_spend_eth"],
                       f"{b['challengers']} challengers x {b['bribe_per_challenger_eth']:.4g} ETH = "
                       f"{b['bribe_all_cost_eth']:.4g} ETH vs W = max(G, budget) = {b['attacker_spend_eth']:.4g} ETH")

    @property
    def sybil(self) -> Verdict:
        sy = self.rec.sybil
        return Verdict("Sybil poisoning: identities above the tolerance cost at least the poisoning gain",
                       sy["attack_cost_eth"] >= sy["poisoning_gain_eth"],
                       f"{sy['identities_needed']:g} identities cost {sy['attack_cost_eth']:.4g} ETH vs gain "
                       f"{sy['poisoning_gain_eth']:.4g} ETH")

    @property
    def bold_error(self) -> float:
        """Largest relative error of the BoLD recursion against Arbitrum One's published bonds."""
        cols = list(self.bold.columns)
        ours, theirs = self.bold[cols[1]].to_numpy(float), self.bold[cols[2]].to_numpy(float)
        return float(np.max(np.abs(ours - theirs) / theirs))

    @property
    def bold_reproduced(self) -> Verdict:
        return Verdict("BoLD stake recursion reproduces Arbitrum One's published bonds",
                       self.bold_error <= BOLD_REL_TOL,
                       f"largest relative error {self.bold_error:.2%} over {self.bold_levels} levels "
                       f"(tolerance {BOLD_REL_TOL:.0%})")

    @property
    def bribery_binds(self) -> bool:
        """The sequencer bond is set by the bribery bound (not by dispute resources)."""
        return "brib" in str(self.rec_dict["binding_constraints"]["sequencer_bond_eth"])

    def verdicts(self) -> list[Verdict]:
        return [self.bribery, self.sybil, self.bold_reproduced]

    def measurements(self) -> list[Measurement]:
        return recommendation_inputs(self.rec)

    def tables(self) -> dict[str, Any]:
        return {"recommended_parameters": self.recommended, "bold_stakes": self.bold}

    def numbers(self) -> dict[str, Any]:
        rec = self.rec
        return {"sequencerBondEth": rec.sequencer_bond_eth, "challengerBondEth": rec.challenger_bond_eth,
                "rewardShare": rec.reward_share, "trainerStakeEth": rec.trainer_stake_eth,
                "jackpotRate": rec.jackpot_rate, "registrationFeeEth": rec.registration_fee_eth,
                "costUsdPerAssertion": self.rec_dict["cost"]["total_usd_per_assertion"]}

    def params(self) -> dict[str, Any]:
        return self.rec.inputs.as_dict()


def run(ctx: ReportContext) -> BondSizingResults:
    import pandas as pd

    from analyses.report import recommendation
    from mechanism.economics import bounds
    from mechanism.economics.payoffs import censorship_probability, fraud_success_probability

    n = 40 if ctx.quick else 200
    rec = recommendation()
    m, v, t_eff = 10, 0.75, 20
    gains = np.geomspace(1, 1e5, n)
    by_gain = {}
    for q in [0.0, 0.5, 0.8, 0.9]:
        ps = fraud_success_probability(v, m, censorship_probability(q, t_eff))
        by_gain[q] = np.maximum(bounds.min_sequencer_bond_eth(gains, ps), 1e-8)
    qgrid = np.linspace(0, 0.99, n)
    by_q = {}
    for g in [10.0, 100.0, 1000.0]:
        ps = fraud_success_probability(v, m, censorship_probability(qgrid, t_eff))
        by_q[g] = np.maximum(bounds.min_sequencer_bond_eth(g, ps), 1e-8)
    price, ratio = 500.0, 6.4
    stakes = bounds.bold_stakes_eth(price, ratio)
    bold = pd.DataFrame({"level": ["assertion/block", "big step", "small step"],
                         f"recursion ({price:g} gwei, rho={ratio:g}) [ETH]": stakes,
                         "Arbitrum One published [ETH]": [bounds.ARBITRUM_ASSERTION_BOND_ETH, *bounds.ARBITRUM_SUBCHALLENGE_BONDS_ETH]})
    return BondSizingResults(
        rec=rec, rec_dict=rec.to_dict(), challengers=m, verify_prob=v, window_blocks=t_eff,
        gains=gains, bond_vs_gain=by_gain, qgrid=qgrid, bond_vs_q=by_q,
        arbitrum_assertion_bond_eth=bounds.ARBITRUM_ASSERTION_BOND_ETH,
        op_root_bond_eth=float(bounds.op_stack_bond_eth(0)), bold_gas_price_gwei=price, bold_resource_ratio=ratio,
        bold_levels=len(stakes), bold_edge_gas=max(g + w for g, w in zip(bounds.BOLD_G_GAS, bounds.BOLD_W_GAS, strict=True)),
        bold=bold, recommended=recommended_table(rec),
    )


def plot(results: BondSizingResults, ctx: ReportContext) -> list[Figure]:
    r = results
    fig, (ax1, ax2) = new_figure(ncols=2)
    for (q, bond), col in zip(r.bond_vs_gain.items(), colors(len(r.bond_vs_gain)), strict=True):
        ax1.loglog(r.gains, bond, color=col, label=f"q = {q:g}")
    ax1.axhline(r.arbitrum_assertion_bond_eth, ls="--", color="k", lw=1, label="Arbitrum assertion bond")
    ax1.axhline(r.op_root_bond_eth, ls=":", color="k", lw=1, label="OP Stack root bond")
    ax1.axhline(r.rec.sequencer_bond_eth, ls="-.", color="grey", lw=1, label="recommended (default)")
    ax1.set_xlabel("attacker's gain G [ETH]")
    ax1.set_ylabel("deterring bond B_s [ETH]")
    ax1.legend(fontsize=7)
    for (g, bond), col in zip(r.bond_vs_q.items(), colors(len(r.bond_vs_q)), strict=True):
        ax2.semilogy(r.qgrid, bond, color=col, label=f"G = {g:g} ETH")
    ax2.set_xlabel("censoring fraction q [1]")
    ax2.set_ylabel("deterring bond B_s [ETH]")
    ax2.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "bond_vs_gain_censorship")
    return [("bond_vs_gain_censorship", "Deterring sequencer bond against the attacker's gain (left) and the censoring fraction (right); Arbitrum's and OP's bonds marked.")]


def text(results: BondSizingResults) -> str:
    r = results
    rec, d = r.rec, r.rec_dict
    levels = {2: "two", 3: "three", 4: "four"}.get(r.bold_levels, str(r.bold_levels))
    edge_gas = float(f"{r.bold_edge_gas:.1g}")  # one significant figure
    gas = {m.name: m for m in r.measurements()}.get("dispute gas per side")
    gas_src = f"{gas.source}: {gas.detail}" if gas else "source not stated"
    binding_seq = d["binding_constraints"]["sequencer_bond_eth"]
    what = ("**bribery**" if r.bribery_binds else f"**`{binding_seq}`** (not bribery)")
    capped = rec.reward_share >= rec.inputs.max_reward_share * (1 - 1e-9)
    bribe = r.bribery.said(
        f"Bribing every challenger at these bonds costs {rec.bribery['bribe_all_cost_eth']:.4g} ETH, more than the "
        f"attacker's largest spend of {rec.bribery['attacker_spend_eth']:.4g} ETH: the bribery check passes.",
        f"**Bribing every challenger at these bonds costs only {rec.bribery['bribe_all_cost_eth']:.4g} ETH, less than "
        f"the attacker's largest spend of {rec.bribery['attacker_spend_eth']:.4g} ETH: the bribery check fails.**")
    sybil = r.sybil.said("must cost at least the poisoning gain, and they do:",
                         "must cost at least the poisoning gain, **but they do not** "
                         f"({rec.sybil['attack_cost_eth']:.4g} < {rec.sybil['poisoning_gain_eth']:.4g} ETH);")
    bold = r.bold_reproduced.said("reproduces", "**does not reproduce**")
    resources = ("the bribery bound, not dispute resources, sizes the sequencer bond" if r.bribery_binds
                 else f"the sequencer bond is bound by `{binding_seq}`")
    return f"""
The deterrence bound of docs/economics.md ('Sequencer deterrence'), ``B >= P_s G / (1 - P_s)``, grows linearly in the
attacker's gain and explodes as censorship makes a fraud likely to survive (left: m = {r.challengers}
challengers verifying with v = {r.verify_prob}, T' = {r.window_blocks} blocks). With honest verification sustained
by forced errors, P_s is pinned at the target ({rec.inputs.target_fraud_probability:g}), so
deterrence needs only ``G x eps``. What sizes the sequencer bond in the default scenario is {what}:
an attacker who bribes all m = {rec.inputs.challengers} potential challengers must pay each
what a defector would earn, so fraud is unprofitable only if
``m [(1 - Q)(alpha B_s - c_d - r B_c t_d) - c_v] >= G`` (and the partial-bribery rows for
k < m challengers; `mechanism.economics.payoffs.bribery_profit_eth`): the reward must exceed
G / m = {rec.bribery['max_gain_eth'] / rec.inputs.challengers:.4g} ETH at the worst vertex, with the reward share
{"at its cap" if capped else "below its cap"} of {rec.inputs.max_reward_share:g}. The recommended sequencer bond is
**{rec.sequencer_bond_eth:g} ETH** (binding: `{binding_seq}`), the
challenger bond **{rec.challenger_bond_eth:g} ETH** (binding: `{d['binding_constraints']['challenger_bond_eth']}`;
BoLD resource ratio rho = {rec.inputs.resource_ratio:g} x the dispute cost at the highest gas price), reward share
**{rec.reward_share:g}**, trainer stake **{rec.trainer_stake_eth:g} ETH** and a burned registration fee
**{rec.registration_fee_eth:g} ETH** per trainer (binding: `{d['binding_constraints']['registration_fee_eth']}`:
{rec.sybil['identities_needed']:g} Sybil identities above the tolerance {sybil} {rec.sybil['attack_cost_eth']:.4g} ETH
against {rec.sybil['poisoning_gain_eth']:.4g} ETH; stake that is never slashed costs them only
{rec.sybil['stake_capital_cost_eth']:.3g} ETH of capital). {bribe}
Arbitrum's {r.arbitrum_assertion_bond_eth:,.0f} ETH assertion bond is sized by BoLD's {levels}-level ~{edge_gas / 1e6:.0f}M-gas-per-edge game at
{r.bold_gas_price_gwei:g} gwei; an FL aggregation dispute of rule {rec.rule.name} costs {rec.rule.dispute_gas_per_side / 1e6:.3g}M gas
per side ({gas_src}), {rec.rule.dispute_gas_per_side / r.bold_edge_gas:.2g} x a BoLD edge, and {resources}.

The BoLD stake recursion (bounds.bold_stakes_eth) {bold} Arbitrum One's published bonds
({r.bold_reproduced.detail}) with the calculator's gas tables, a {r.bold_gas_price_gwei:g} gwei gas price and
resource ratio {r.bold_resource_ratio:g} (both fitted by us, not quoted). Warnings of the default scenario:
{'; '.join(rec.warnings) or 'none'}.
"""
