"""Report section: does the agent-based model confirm the economics?

(a) Empirical fraud and verification rates of equilibrium-playing agents against the
solver's mixed equilibrium, across reward share and verification cost (95 % t-intervals
over seeds). (b) At the parameters ``orfl recommend`` gives for the default scenario
(economy at the worst vertex of the box), every attack scenario is run in the ABM and
its attacker profit and finalised frauds are reported. (c) Tightness: the binding
sequencer bond and registration fee 20 % below the recommendation, the censorship window
(the part of the period the EIP-1559 stuffing bound sizes) 20 % below, and the whole
period 20 % below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import Figure, ReportContext, SectionResults
from analyses.style import colors, new_figure, save_figure

TITLE = "Agent-based validation"

ATTACKS = ("plain_fraud", "self_challenge", "griefing", "censorship", "stuffing", "bribing", "sybil",
           "lazy_challengers")
#: Confidence level of every interval in the section.
CONFIDENCE = 0.95
#: Tightness checks scale a parameter by this factor.
SHRINK = 0.8
#: Label suffix of a shrunk parameter ("-20%").
CUT = f"-{1 - SHRINK:.0%}"
#: The setting at the recommended parameters, and the one the profit figure sets beside it.
RECOMMENDED = "recommended"
BOND_CUT = f"sequencer bond {CUT}"


def t_interval(x: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 95 % Student-t interval (NaN half-width for one value)."""
    from scipy.stats import t

    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(x.mean()), math.nan
    return float(x.mean()), float(t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """Exact 95 % interval of a binomial proportion."""
    from scipy.stats import beta

    if n == 0:
        return math.nan, math.nan
    lo = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return lo, hi


def _rates(ctx: ReportContext, jobs: int) -> tuple[Any, list[int], Any]:
    """Part (a): equilibrium agents vs the solver, over (reward share, verification cost)."""
    import pandas as pd

    from agents.abm.config import ABMConfig
    from agents.abm.sweep import run_configs

    shares = [0.3, 0.6, 0.9] if ctx.quick else [0.2, 0.35, 0.5, 0.65, 0.8]
    costs = [0.02, 0.1, 0.3] if ctx.quick else [0.02, 0.08, 0.16, 0.3]
    seeds = [ctx.seed + s for s in range(3 if ctx.quick else 8)]
    base = ABMConfig(blocks=20_000, challengers=3)
    cfgs = [base.replace(reward_share=a, verify_cost_eth=c, seed=s) for a in shares for c in costs for s in seeds]
    df = pd.DataFrame(run_configs(cfgs, jobs=jobs))
    rows = []
    for (a, c), g in df.groupby(["cfg_reward_share", "cfg_verify_cost_eth"]):
        p, p_ci = t_interval(g["fraud_rate"].to_numpy())
        v, v_ci = t_interval(g["verify_rate"].to_numpy())
        rows.append({"reward_share": a, "verify_cost_eth": c, "seeds": len(g), "fraud_rate": p, "fraud_rate_ci95": p_ci,
                     "equilibrium_fraud_prob": float(g["equilibrium_fraud_prob"].iloc[0]), "verify_rate": v,
                     "verify_rate_ci95": v_ci, "equilibrium_verify_prob": float(g["equilibrium_verify_prob"].iloc[0]),
                     "assertions_per_run": float(g["assertions"].mean())})
    return pd.DataFrame(rows), seeds, base


def _settings(rec_cfg: Any) -> list[tuple[str, str, Any]]:
    """(setting, scenario, config) of parts (b) and (c)."""
    from agents.abm.adversary import scenario_overrides

    out = []
    for sc in ATTACKS:
        cfg = rec_cfg.replace(**scenario_overrides(sc))
        out.append((RECOMMENDED, sc, cfg))
        out.append((BOND_CUT, sc, cfg.replace(sequencer_bond_eth=SHRINK * cfg.sequencer_bond_eth)))
    sybil = rec_cfg.replace(**scenario_overrides("sybil"))
    out.append((f"registration fee {CUT}", "sybil", sybil.replace(registration_cost_eth=SHRINK * sybil.registration_cost_eth)))
    return out


def _window_settings(rec_cfg: Any, censor_blocks: int, blocks: int) -> list[tuple[str, str, Any]]:
    """Censorship window = the T' the design sizes (challenges must land within it), and -20 %."""
    from agents.abm.adversary import scenario_overrides

    out = []
    for label, frac in (("censorship window T'", 1.0), (f"censorship window T' {CUT}", SHRINK)):
        t = rec_cfg.detect_blocks + max(1, math.floor(frac * censor_blocks))
        for sc in ("stuffing", "censorship"):
            out.append((label, sc, rec_cfg.replace(**scenario_overrides(sc), challenge_period_blocks=t, blocks=blocks)))
    for sc in ("stuffing", "censorship"):
        t = math.floor(SHRINK * rec_cfg.challenge_period_blocks)
        out.append((f"period {CUT}", sc, rec_cfg.replace(**scenario_overrides(sc), challenge_period_blocks=t)))
    return out


def _attacker_profit(row: dict[str, Any], scenario: str) -> float:
    return float(row["adversary_profit_eth"] if scenario in ("griefing", "sybil") else row["attacker_profit_eth"])


def _scenarios(ctx: ReportContext, jobs: int) -> tuple[Any, Any, list[int]]:
    import pandas as pd

    from agents.abm.adapter import recommended_config, recommended_design
    from agents.abm.sweep import run_configs

    rec = recommended_design()
    seeds = [ctx.seed + s for s in range(2 if ctx.quick else 5)]
    period = rec.challenge_period_blocks
    blocks = period + (300 if ctx.quick else period)
    rec_cfg = recommended_config(blocks=blocks)
    settings = _settings(rec_cfg) + _window_settings(rec_cfg, rec.design.breakdown.censor_blocks, 2_000)
    cfgs = [cfg.replace(seed=s) for _, _, cfg in settings for s in seeds]
    rows = run_configs(cfgs, jobs=jobs)
    out = []
    for i, (setting, sc, cfg) in enumerate(settings):
        got = rows[i * len(seeds):(i + 1) * len(seeds)]
        profit = np.array([_attacker_profit(r, sc) for r in got])
        m, ci = t_interval(profit)
        attempts = int(sum(r["frauds_attempted"] for r in got))
        final = int(sum(r["frauds_finalized"] for r in got)) if sc != "sybil" else int(sum(r["sybil_poisonings"] > 0 for r in got))
        lo, hi = clopper_pearson(final, attempts if sc != "sybil" else len(got))
        out.append({
            "setting": setting, "scenario": sc, "seeds": len(got), "blocks": cfg.blocks,
            "period_blocks": cfg.challenge_period_blocks, "sequencer_bond_eth": cfg.sequencer_bond_eth,
            "registration_fee_eth": cfg.registration_cost_eth,
            "attempts": attempts, "finalised": final, "finalised_rate_lo95": lo, "finalised_rate_hi95": hi,
            "attacker_profit_eth": m, "attacker_profit_ci95": ci,
            "profitable": bool(final > 0 and m > 0),
        })
    return pd.DataFrame(out), rec, seeds


@dataclass(frozen=True)
class ABMValidationResults(SectionResults):
    """ABM rates against the solver, attack scenarios at the recommendation, and the tightness checks."""

    quick: bool
    rate_base: Any  # agents.abm.config.ABMConfig of part (a)
    rates: Any  # DataFrame: one row per (reward share, verification cost)
    rate_seeds: list[int]
    rates_within_p: int  # points whose fraud-rate interval covers p*
    rates_within_v: int  # points whose verification-rate interval covers v*
    rec: Any  # the recommended design of the default scenario
    rec_dict: dict[str, Any]  # rec.to_dict()
    scenarios: Any  # DataFrame: one row per (setting, scenario)
    scenario_seeds: list[int]
    profitable_at_rec: list[str]  # scenarios profitable at the recommendation
    tight: list[tuple[str, str]]  # (setting, scenario) made profitable by a shrunk parameter
    not_tight: list[str]  # shrunk settings under which every scenario stays unprofitable

    def tables(self) -> dict[str, Any]:
        return {"abm_rates": self.rates, "abm_scenarios": self.scenarios}

    def numbers(self) -> dict[str, Any]:
        return {"abmProfitableAtRec": len(self.profitable_at_rec), "abmTightSettings": len(self.tight),
                "abmRatePointsWithinCI": self.rates_within_p}

    def params(self) -> dict[str, Any]:
        d = self.rec_dict
        return {"recommended": {k: d[k] for k in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth",
                                                  "reward_share", "trainer_stake_eth", "registration_fee_eth",
                                                  "jackpot_rate")}, "quick": self.quick}

    def seeds(self) -> list[int]:
        return sorted(set(self.rate_seeds) | set(self.scenario_seeds))


def run(ctx: ReportContext) -> ABMValidationResults:
    jobs = 2
    rates, rate_seeds, rate_base = _rates(ctx, jobs)
    scen, rec, seeds = _scenarios(ctx, jobs)
    z_p = (rates["fraud_rate"] - rates["equilibrium_fraud_prob"]).abs() <= rates["fraud_rate_ci95"].fillna(0) + 1e-12
    z_v = (rates["verify_rate"] - rates["equilibrium_verify_prob"]).abs() <= rates["verify_rate_ci95"].fillna(0) + 1e-12
    at_rec = scen[scen["setting"] == RECOMMENDED]
    shrunk = scen[scen["setting"] != RECOMMENDED]
    tight = [tuple(x) for x in shrunk[shrunk["profitable"]][["setting", "scenario"]].values.tolist()]
    return ABMValidationResults(
        quick=ctx.quick, rate_base=rate_base, rates=rates, rate_seeds=rate_seeds, rates_within_p=int(z_p.sum()),
        rates_within_v=int(z_v.sum()), rec=rec, rec_dict=rec.to_dict(), scenarios=scen, scenario_seeds=seeds,
        profitable_at_rec=at_rec[at_rec["profitable"]]["scenario"].tolist(), tight=tight,
        not_tight=sorted(set(shrunk["setting"]) - {s for s, _ in tight}),
    )


def plot(results: ABMValidationResults, ctx: ReportContext) -> list[Figure]:
    rates, scen = results.rates, results.scenarios
    fig, (ax1, ax2) = new_figure(ncols=2)
    costs = sorted(rates["verify_cost_eth"].unique())
    for c, col in zip(costs, colors(len(costs)), strict=True):
        g = rates[rates["verify_cost_eth"] == c].sort_values("reward_share")
        ax1.errorbar(g["reward_share"], g["fraud_rate"], yerr=g["fraud_rate_ci95"], color=col, fmt="o", capsize=3,
                     label=f"ABM, c_v = {c:g} ETH")
        ax1.plot(g["reward_share"], g["equilibrium_fraud_prob"], color=col, ls="--")
        ax2.errorbar(g["reward_share"], g["verify_rate"], yerr=g["verify_rate_ci95"], color=col, fmt="o", capsize=3)
        ax2.plot(g["reward_share"], g["equilibrium_verify_prob"], color=col, ls="--")
    ax1.set_xlabel("reward share alpha [1]")
    ax1.set_ylabel("fraud rate [1/assertion]")
    ax1.legend(fontsize=7, title="dashed: solver", title_fontsize=7)
    ax2.set_xlabel("reward share alpha [1]")
    ax2.set_ylabel("verification rate [1/challenger]")
    save_figure(fig, ctx.figures_dir, "abm_rates_vs_equilibrium")

    fig, ax = new_figure()
    shown = [RECOMMENDED, BOND_CUT]
    sub = scen[scen["setting"].isin(shown)]
    x = np.arange(len(ATTACKS))
    for j, (setting, col) in enumerate(zip(shown, colors(2), strict=True)):
        g = sub[sub["setting"] == setting].set_index("scenario").loc[list(ATTACKS)]
        ax.bar(x + (j - 0.5) * 0.4, g["attacker_profit_eth"], width=0.4, color=col, label=setting,
               yerr=g["attacker_profit_ci95"].fillna(0.0), capsize=2)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xticks(x, [a.replace("_", " ") for a in ATTACKS], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("attacker profit per run [ETH]")
    ax.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "abm_attack_profits")
    ci, cut = f"{CONFIDENCE:.0%}", f"{1 - SHRINK:.0%}"
    return [("abm_rates_vs_equilibrium", f"Empirical fraud (left) and verification (right) rates of equilibrium agents with {ci} t-intervals over seeds; dashed: the solver's equilibrium."),
            ("abm_attack_profits", f"Attacker profit per run (mean, {ci} t-interval over seeds) in each attack scenario at the recommended parameters and with the sequencer bond {cut} lower.")]


def text(results: ABMValidationResults) -> str:
    r = results
    rec, d, base = r.rec, r.rec_dict, r.rate_base
    n_rates = len(r.rates)
    ci, miss, cut = f"{100 * CONFIDENCE:.0f} %", f"{100 * (1 - CONFIDENCE):.0f} %", f"{100 * (1 - SHRINK):.0f} %"
    verdict = ("no scenario yields a profitable finalised fraud" if not r.profitable_at_rec else
               f"**profitable at the recommendation: {', '.join(r.profitable_at_rec)}** (see the table)")
    return f"""
**(a) Rates against the equilibrium.** Sequencer and challengers play the solver's mixed
equilibrium (`mechanism.economics.inspection.mixed_equilibrium`) in the ABM with m = {base.challengers}
challengers, G = {base.gain_eth:g} ETH, B_s = {base.sequencer_bond_eth:g} ETH; {n_rates} (alpha, c_v) points x {len(r.rate_seeds)} seeds
({r.rate_seeds[0]}..{r.rate_seeds[-1]}), {base.blocks:,} blocks each. The empirical fraud rate lies within its {ci} t-interval
of p* at {r.rates_within_p}/{n_rates} points and the verification rate within its interval of v* at
{r.rates_within_v}/{n_rates} (with {ci} intervals about {miss} of points are expected to miss).

**(b) Attacks at the recommended parameters.** `orfl recommend` (default scenario): period
{rec.challenge_period_blocks} blocks, sequencer bond {rec.sequencer_bond_eth:g} ETH (binding:
`{d['binding_constraints']['sequencer_bond_eth']}`), challenger bond {rec.challenger_bond_eth:g} ETH, reward share
{rec.reward_share:g}, trainer stake {rec.trainer_stake_eth:g} ETH, registration fee {rec.registration_fee_eth:g} ETH
(binding: `{d['binding_constraints']['registration_fee_eth']}`), jackpot rate {rec.jackpot_rate:g}, rule
{rec.rule.name} (tolerance {rec.rule.tolerance:g}). The economy is the box's worst vertex (largest gain,
highest gas, q = {rec.inputs.censor_fraction.high:g}, lowest base fee for stuffing); seeds {r.scenario_seeds[0]}..{r.scenario_seeds[-1]}.
Across {len(ATTACKS)} attack scenarios {verdict}. Frauds that are caught cost the cheater its bond (or
(1 - alpha) B_s when it front-runs with a self-challenge); bribing all challengers would cost at least
{rec.bribery['bribe_all_cost_eth']:.4g} ETH against a gain of {rec.bribery['max_gain_eth']:.4g} ETH, so the
briber does not bribe; Sybil registration costs {rec.sybil['attack_cost_eth']:.4g} ETH against the poisoning
gain {rec.sybil['poisoning_gain_eth']:.4g} ETH; griefers lose their challenger bonds.

**(c) Tightness.** Settings that make some scenario profitable:
{'; '.join(f'{s} -> {sc}' for s, sc in r.tight) or 'none'}. Settings that stay unprofitable:
{', '.join(r.not_tight) or 'none'}. The whole period {cut} shorter stays safe in the ABM because only
{rec.design.breakdown.censor_blocks} of its {rec.challenge_period_blocks} blocks are the censorship window that stuffing and
censorship attack; the rest is the dispute clock and the response buffer, which the ABM's disputes
(resolved in a few blocks, finalisation waits for them) do not stress. Shrinking the censorship
window itself by {cut} makes stuffing pay, so the stuffing bound is tight.
"""
