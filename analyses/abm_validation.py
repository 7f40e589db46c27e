"""Report section: does the agent-based model confirm the economics?

(a) Empirical fraud and verification rates of equilibrium-playing agents against the
solver's mixed equilibrium, across reward share and verification cost (95 % t-intervals
over seeds). (b) At exactly the design ``orfl recommend`` gives for the default scenario
(:func:`analyses.report.recommendation`, the same object the bond and period sections
and the summary read; economy at the worst vertex of the box), every attack scenario is
run in the ABM and its attacker profit and finalised frauds are reported. (c) Tightness:
the binding sequencer bond and registration fee 20 % below the recommendation, the
censorship window (the part of the period the EIP-1559 stuffing bound sizes) 20 % below,
and the whole period 20 % below. (d) The protocol itself (the actors of ``orfl simulate``,
:func:`agents.protocol.run_protocol`) at the same design, honest and lying sequencer.
Every run's design is identified by :meth:`mechanism.design.Design.sha256`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict
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
FEE_CUT = f"registration fee {CUT}"
WINDOW = "censorship window T'"
WINDOW_CUT = f"censorship window T' {CUT}"
PERIOD_CUT = f"period {CUT}"
#: Rate points may miss their equilibrium value by chance; more misses than this quantile
#: of Binomial(points, 1 - CONFIDENCE) fail the check.
MISS_QUANTILE = 0.99


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
    out.append((FEE_CUT, "sybil", sybil.replace(registration_cost_eth=SHRINK * sybil.registration_cost_eth)))
    return out


def _window_settings(rec_cfg: Any, censor_blocks: int, blocks: int) -> list[tuple[str, str, Any]]:
    """Censorship window = the T' the design sizes (challenges must land within it), and -20 %."""
    from agents.abm.adversary import scenario_overrides

    out = []
    for label, frac in ((WINDOW, 1.0), (WINDOW_CUT, SHRINK)):
        t = rec_cfg.detect_blocks + max(1, math.floor(frac * censor_blocks))
        for sc in ("stuffing", "censorship"):
            out.append((label, sc, rec_cfg.replace(**scenario_overrides(sc), challenge_period_blocks=t, blocks=blocks)))
    for sc in ("stuffing", "censorship"):
        t = math.floor(SHRINK * rec_cfg.challenge_period_blocks)
        out.append((PERIOD_CUT, sc, rec_cfg.replace(**scenario_overrides(sc), challenge_period_blocks=t)))
    return out


def _attacker_profit(row: dict[str, Any], scenario: str) -> float:
    return float(row["adversary_profit_eth"] if scenario in ("griefing", "sybil") else row["attacker_profit_eth"])


def design_config(design: Any, blocks: int) -> Any:
    """ABM config whose protocol fields are exactly ``design`` (every field of
    :data:`agents.abm.config.DESIGN_FIELDS`), economy at the worst vertex of the
    recommendation's inputs (:func:`agents.abm.adapter.recommended_config`)."""
    from agents.abm.adapter import recommended_config
    from agents.abm.config import DESIGN_FIELDS
    from analyses.report import recommendation

    return recommended_config(rec=recommendation(), blocks=blocks,
                              **{a: getattr(design, d) for a, d in DESIGN_FIELDS.items()})


def _scenarios(ctx: ReportContext, jobs: int, rec: Any) -> tuple[Any, list[int], str]:
    import pandas as pd

    from agents.abm.sweep import run_configs

    design = rec.as_design()
    seeds = [ctx.seed + s for s in range(2 if ctx.quick else 5)]
    period = rec.challenge_period_blocks
    blocks = period + (300 if ctx.quick else period)
    rec_cfg = design_config(design, blocks)
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
            "profitable": bool(final > 0 and m > 0), "design_sha256": cfg.design.sha256()[:12],
        })
    return pd.DataFrame(out), seeds, rec_cfg.design.sha256()


#: Columns of the protocol-run table, from :func:`agents.protocol.run_protocol`'s summary.
PROTOCOL_KEYS = ("frauds_attempted", "frauds_caught", "frauds_finalized", "rounds_finalised", "trainer_frauds",
                 "trainers_slashed", "honest_parties_whole", "conservation_ok", "challenge_period_blocks",
                 "finality_delay_blocks", "dispute_gas", "blocks")


def _protocol_runs(ctx: ReportContext, rec: Any) -> tuple[Any, list[int], str, str]:
    """(d) ``orfl simulate``'s actors at the recommended design: honest and lying sequencer,
    the recommendation's trainers (capped at the contract's round capacity), its largest
    censoring fraction and the design's rule. Returns the table, the seeds, the design
    hash of the runs and an error if the protocol cannot run the design."""
    import pandas as pd

    from agents.protocol import ProtocolConfig, run_protocol
    from mechanism.errors import OrflError
    from mechanism.rollup.params import MAX_PUBLISHERS

    design = rec.as_design()
    inputs = rec.inputs
    rounds = 4 if ctx.quick else 8
    seeds = [ctx.seed + s for s in range(2 if ctx.quick else 4)]
    rows = []
    try:
        for malicious in (False, True):
            for seed in seeds:
                cfg = ProtocolConfig(rounds=rounds, trainers=min(inputs.trainers, MAX_PUBLISHERS), rule=design.rule,
                                     malicious_sequencer=malicious, censor_fraction=float(inputs.censor_fraction.high),
                                     seed=seed)
                ctx.progress(f"protocol run at the recommended design, {'lying' if malicious else 'honest'} "
                             f"sequencer, seed {seed}")
                summary = run_protocol(design, cfg)
                rows.append({"sequencer": "lying" if malicious else "honest", "seed": seed, "trainers": cfg.trainers,
                             "censor_fraction": cfg.censor_fraction, "rule": cfg.rule,
                             **{k: summary[k] for k in PROTOCOL_KEYS}})
    except OrflError as exc:
        return pd.DataFrame(rows), seeds, design.sha256(), " ".join(str(exc).split())
    return pd.DataFrame(rows), seeds, design.sha256(), ""


def _rows(scen: Any, setting: str, scenario: str | None = None) -> Any:
    g = scen[scen["setting"] == setting]
    return g if scenario is None else g[g["scenario"] == scenario]


@dataclass(frozen=True)
class ABMValidationResults(SectionResults):
    """ABM rates against the solver, attack scenarios at the recommendation, the tightness
    checks, and the protocol runs at the recommended design."""

    quick: bool
    rate_base: Any  # agents.abm.config.ABMConfig of part (a)
    rates: Any  # DataFrame: one row per (reward share, verification cost)
    rate_seeds: list[int]
    rates_within_p: int  # points whose fraud-rate interval covers p*
    rates_within_v: int  # points whose verification-rate interval covers v*
    rec: Any  # the recommendation of the default scenario (analyses.report.recommendation)
    rec_dict: dict[str, Any]  # rec.to_dict()
    design_sha256: str  # hash of rec.as_design()
    abm_design_sha256: str  # hash of the design of the ABM's recommended setting
    scenarios: Any  # DataFrame: one row per (setting, scenario)
    scenario_seeds: list[int]
    protocol: Any  # DataFrame: one row per protocol run
    protocol_seeds: list[int]
    protocol_design_sha256: str  # hash of the design the protocol runs used
    protocol_error: str  # why the protocol could not run the design ("" if it ran)

    # ----------------------------------------------------------- derived facts
    @property
    def at_rec(self) -> Any:
        return _rows(self.scenarios, RECOMMENDED)

    @property
    def profitable_at_rec(self) -> list[str]:
        """Scenarios profitable at the recommendation."""
        return self.at_rec[self.at_rec["profitable"]]["scenario"].tolist()

    @property
    def tight(self) -> list[tuple[str, str]]:
        """(setting, scenario) made profitable by a shrunk parameter."""
        shrunk = self.scenarios[~self.scenarios["setting"].isin([RECOMMENDED, WINDOW])]
        return [tuple(x) for x in shrunk[shrunk["profitable"]][["setting", "scenario"]].values.tolist()]

    @property
    def not_tight(self) -> list[str]:
        """Shrunk settings under which every scenario stays unprofitable."""
        shrunk = self.scenarios[~self.scenarios["setting"].isin([RECOMMENDED, WINDOW])]
        return sorted(set(shrunk["setting"]) - {s for s, _ in self.tight})

    def _any_profitable(self, setting: str, scenario: str | None = None) -> bool:
        return bool(_rows(self.scenarios, setting, scenario)["profitable"].any())

    def _row(self, scenario: str) -> Any:
        return _rows(self.scenarios, RECOMMENDED, scenario).iloc[0]

    def _misses_allowed(self, n: int) -> int:
        from scipy.stats import binom

        return int(binom.ppf(MISS_QUANTILE, n, 1.0 - CONFIDENCE))

    # ----------------------------------------------------------- verdicts
    @property
    def rates_match(self) -> Verdict:
        n = len(self.rates)
        miss_p, miss_v, allowed = n - self.rates_within_p, n - self.rates_within_v, self._misses_allowed(n)
        return Verdict("ABM: empirical fraud and verification rates match the solver's equilibrium",
                       miss_p <= allowed and miss_v <= allowed,
                       f"p* outside the {CONFIDENCE:.0%} interval at {miss_p}/{n} points, v* at {miss_v}/{n} "
                       f"(at most {allowed} expected by chance)")

    @property
    def safe_at_rec(self) -> Verdict:
        bad = self.profitable_at_rec
        return Verdict("ABM: no attack scenario profits at the recommended design", not bad,
                       f"{len(self.at_rec) - len(bad)}/{len(self.at_rec)} scenarios unprofitable" +
                       (f"; profitable: {', '.join(bad)}" if bad else ""))

    @property
    def briber_fails(self) -> Verdict:
        r = self._row("bribing")
        return Verdict("ABM: the briber gains nothing at the recommended design",
                       int(r["finalised"]) == 0 and float(r["attacker_profit_eth"]) <= 0,
                       f"{int(r['finalised'])} of {int(r['attempts'])} frauds finalised, attacker profit "
                       f"{float(r['attacker_profit_eth']):,.4g} ETH per run")

    @property
    def griefers_lose(self) -> Verdict:
        r = self._row("griefing")
        return Verdict("ABM: griefers lose money at the recommended design", float(r["attacker_profit_eth"]) < 0,
                       f"griefer profit {float(r['attacker_profit_eth']):,.4g} ETH per run")

    @property
    def sybil_unprofitable(self) -> Verdict:
        r = self._row("sybil")
        return Verdict("ABM: Sybil poisoning does not pay at the recommended design",
                       float(r["attacker_profit_eth"]) <= 0,
                       f"{int(r['finalised'])}/{int(r['seeds'])} runs poisoned, attacker profit "
                       f"{float(r['attacker_profit_eth']):,.4g} ETH per run")

    @property
    def bond_tight(self) -> Verdict:
        hit = [sc for s, sc in self.tight if s == BOND_CUT]
        return Verdict(f"ABM: the sequencer bond is tight (an attack pays with it {CUT})", bool(hit),
                       "profitable: " + ", ".join(hit) if hit else "no scenario became profitable")

    @property
    def fee_tight(self) -> Verdict:
        hit = self._any_profitable(FEE_CUT, "sybil")
        return Verdict(f"ABM: the registration fee is tight (Sybil poisoning pays with it {CUT})", hit,
                       "Sybil profitable" if hit else "Sybil still unprofitable")

    @property
    def window_tight(self) -> Verdict:
        at, cut = self._any_profitable(WINDOW, "stuffing"), self._any_profitable(WINDOW_CUT, "stuffing")
        return Verdict(f"ABM: the stuffing bound is tight (stuffing pays with the censorship window {CUT}, not at it)",
                       cut and not at, f"stuffing profitable at T': {'yes' if at else 'no'}, at T' {CUT}: "
                       f"{'yes' if cut else 'no'}")

    @property
    def period_cut_safe(self) -> bool:
        return not self._any_profitable(PERIOD_CUT)

    @property
    def abm_at_design(self) -> Verdict:
        return Verdict("one loop: the ABM ran at the recommended design", self.abm_design_sha256 == self.design_sha256,
                       f"ABM design {self.abm_design_sha256[:12]}, recommended {self.design_sha256[:12]}")

    @property
    def protocol_at_design(self) -> Verdict:
        ok = not self.protocol_error and self.protocol_design_sha256 == self.design_sha256 and len(self.protocol) > 0
        return Verdict("one loop: the protocol run (orfl simulate) ran at the recommended design", ok,
                       self.protocol_error or f"protocol design {self.protocol_design_sha256[:12]}, "
                       f"recommended {self.design_sha256[:12]}, {len(self.protocol)} runs")

    @property
    def protocol_sound(self) -> Verdict:
        p = self.protocol
        if self.protocol_error or len(p) == 0:
            return Verdict("protocol run: frauds caught, honest parties whole, funds conserved", False,
                           self.protocol_error or "no run")
        attempted, caught, final = (int(p[k].sum()) for k in ("frauds_attempted", "frauds_caught", "frauds_finalized"))
        rounds_ok = bool((p["rounds_finalised"] == self._protocol_rounds).all())
        whole, conserved = bool(p["honest_parties_whole"].all()), bool(p["conservation_ok"].all())
        ok = final == 0 and caught == attempted and attempted > 0 and rounds_ok and whole and conserved
        return Verdict("protocol run: frauds caught, honest parties whole, funds conserved", ok,
                       f"{caught}/{attempted} frauds caught, {final} finalised; every round final: "
                       f"{'yes' if rounds_ok else 'no'}; honest parties whole: {'yes' if whole else 'no'}; "
                       f"funds conserved: {'yes' if conserved else 'no'}")

    @property
    def _protocol_rounds(self) -> int:
        return 4 if self.quick else 8

    def verdicts(self) -> list[Verdict]:
        return [self.abm_at_design, self.protocol_at_design, self.rates_match, self.safe_at_rec, self.briber_fails,
                self.griefers_lose, self.sybil_unprofitable, self.bond_tight, self.fee_tight, self.window_tight,
                self.protocol_sound]

    def measurements(self) -> list[Measurement]:
        out = [Measurement("ABM scenarios profitable at the recommended design",
                           f"{len(self.profitable_at_rec)}/{len(self.at_rec)}", "scenarios", "measured",
                           f"ABM, seeds {self.scenario_seeds[0]}..{self.scenario_seeds[-1]}")]
        if len(self.protocol):
            out.append(Measurement("largest dispute gas of a protocol run", float(self.protocol["dispute_gas"].max()),
                                   "gas", "measured", f"orfl simulate actors at design {self.design_sha256[:12]}"))
        return out

    def tables(self) -> dict[str, Any]:
        return {"abm_rates": self.rates, "abm_scenarios": self.scenarios, "abm_protocol_runs": self.protocol}

    def numbers(self) -> dict[str, Any]:
        return {"abmProfitableAtRec": len(self.profitable_at_rec), "abmTightSettings": len(self.tight),
                "abmRatePointsWithinCI": self.rates_within_p, "designSha": self.design_sha256[:12],
                "verdictsPassed": sum(v.passed for v in self.verdicts()), "verdicts": len(self.verdicts())}

    def params(self) -> dict[str, Any]:
        d = self.rec_dict
        return {"recommended": {k: d[k] for k in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth",
                                                  "reward_share", "trainer_stake_eth", "registration_fee_eth",
                                                  "jackpot_rate")}, "design_sha256": self.design_sha256,
                "quick": self.quick}

    def seeds(self) -> list[int]:
        return sorted(set(self.rate_seeds) | set(self.scenario_seeds) | set(self.protocol_seeds))


def run(ctx: ReportContext) -> ABMValidationResults:
    from analyses.report import recommendation

    jobs = 2
    rec = recommendation()
    rates, rate_seeds, rate_base = _rates(ctx, jobs)
    scen, seeds, abm_sha = _scenarios(ctx, jobs, rec)
    proto, proto_seeds, proto_sha, proto_err = _protocol_runs(ctx, rec)
    z_p = (rates["fraud_rate"] - rates["equilibrium_fraud_prob"]).abs() <= rates["fraud_rate_ci95"].fillna(0) + 1e-12
    z_v = (rates["verify_rate"] - rates["equilibrium_verify_prob"]).abs() <= rates["verify_rate_ci95"].fillna(0) + 1e-12
    return ABMValidationResults(
        quick=ctx.quick, rate_base=rate_base, rates=rates, rate_seeds=rate_seeds, rates_within_p=int(z_p.sum()),
        rates_within_v=int(z_v.sum()), rec=rec, rec_dict=rec.to_dict(), design_sha256=rec.as_design().sha256(),
        abm_design_sha256=abm_sha, scenarios=scen, scenario_seeds=seeds, protocol=proto, protocol_seeds=proto_seeds,
        protocol_design_sha256=proto_sha, protocol_error=proto_err,
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


def _yes(v: Verdict, passed: str, failed: str) -> str:
    return v.said(passed, f"**{failed}** ({v.detail})")


def text(results: ABMValidationResults) -> str:
    r = results
    rec, d, base = r.rec, r.rec_dict, r.rate_base
    n_rates = len(r.rates)
    ci, cut = f"{100 * CONFIDENCE:.0f} %", f"{100 * (1 - SHRINK):.0f} %"
    sha = r.design_sha256
    loop = (f"The ABM and the protocol runs below use exactly the recommended design, SHA-256 `{sha[:16]}` "
            "(`design.json` in this report)" if r.abm_at_design.passed and r.protocol_at_design.passed else
            f"**Not every run used the recommended design** (SHA-256 `{sha[:16]}`): {r.abm_at_design.detail}; "
            f"{r.protocol_at_design.detail}")
    rates = _yes(r.rates_match, "as many as chance allows", "more than chance allows")
    verdict = r.safe_at_rec.said("no scenario yields a profitable finalised fraud",
                                 f"**profitable at the recommendation: {', '.join(r.profitable_at_rec)}** (see the table)")
    b = rec.bribery
    bribe_cost = ("more than" if b["bribe_all_cost_eth"] >= b["max_gain_eth"] else "**less than**")
    briber = _yes(r.briber_fails, "the briber gains nothing", "the briber gains")
    sy = rec.sybil
    sybil_cost = ("at least" if sy["attack_cost_eth"] >= sy["poisoning_gain_eth"] else "**less than**")
    sybil = _yes(r.sybil_unprofitable, "does not pay in the ABM", "pays in the ABM")
    grief = _yes(r.griefers_lose, "griefers lose money", "griefers do not lose money")
    period_rows = _rows(r.scenarios, PERIOD_CUT)
    if r.period_cut_safe:
        period = (f"The whole period {cut} shorter ({int(period_rows['period_blocks'].iloc[0]):,} blocks) stays "
                  f"unprofitable in the ABM: only {rec.design.breakdown.censor_blocks} of its "
                  f"{rec.challenge_period_blocks:,} blocks are the censorship window that stuffing and censorship "
                  "attack; the rest is the dispute clock and the response buffer, which the ABM's disputes "
                  "(resolved in a few blocks, finalisation waits for them) do not stress.")
    else:
        period = f"**The whole period {cut} shorter makes an attack profitable** (see the table)."
    window = _yes(r.window_tight, f"Shrinking the censorship window itself by {cut} makes stuffing pay while the "
                  "window as designed does not, so the stuffing bound is tight",
                  "The stuffing bound is not shown tight")
    bond = _yes(r.bond_tight, f"The sequencer bond {cut} lower lets an attack pay, so the bond is tight",
                f"The sequencer bond {cut} lower lets no attack pay")
    fee = _yes(r.fee_tight, f"the registration fee {cut} lower lets Sybil poisoning pay, so the fee is tight",
               f"the registration fee {cut} lower lets no Sybil attack pay")
    p = r.protocol
    if len(p):
        rounds = int(p["rounds_finalised"].max())
        proto = (f"{len(p)} runs ({len(r.protocol_seeds)} seeds x honest and lying sequencer; {int(p['trainers'].iloc[0])} "
                 f"trainers, rule {p['rule'].iloc[0]}, censoring fraction q = {float(p['censor_fraction'].iloc[0]):g}, up to "
                 f"{rounds} rounds each): " +
                 _yes(r.protocol_sound, f"every fraud was caught and none finalised ({r.protocol_sound.detail})",
                      "the protocol did not hold"))
    else:
        proto = f"**the protocol could not run the design**: {r.protocol_error or 'no run'}"
    return f"""
{loop}; the economy is the recommendation's inputs at the box's worst vertex.

**(a) Rates against the equilibrium.** Sequencer and challengers play the solver's mixed
equilibrium (`mechanism.economics.inspection.mixed_equilibrium`) in the ABM with m = {base.challengers}
challengers, G = {base.gain_eth:g} ETH, B_s = {base.sequencer_bond_eth:g} ETH; {n_rates} (alpha, c_v) points x {len(r.rate_seeds)} seeds
({r.rate_seeds[0]}..{r.rate_seeds[-1]}), {base.blocks:,} blocks each. The empirical fraud rate lies within its {ci} t-interval
of p* at {r.rates_within_p}/{n_rates} points and the verification rate within its interval of v* at
{r.rates_within_v}/{n_rates}; the misses are {rates}.

**(b) Attacks at the recommended design.** `orfl recommend` (default scenario): period
{rec.challenge_period_blocks:,} blocks, sequencer bond {rec.sequencer_bond_eth:g} ETH (binding:
`{d['binding_constraints']['sequencer_bond_eth']}`), challenger bond {rec.challenger_bond_eth:g} ETH, reward share
{rec.reward_share:g}, trainer stake {rec.trainer_stake_eth:g} ETH, registration fee {rec.registration_fee_eth:g} ETH
(binding: `{d['binding_constraints']['registration_fee_eth']}`), jackpot rate {rec.jackpot_rate:g}, rule
{rec.rule.name} (tolerance beta* = {rec.rule.tolerance:g}, {rec.rule.tolerance_source}). The economy is the box's worst vertex (largest gain,
highest gas, q = {rec.inputs.censor_fraction.high:g}, lowest base fee for stuffing); seeds {r.scenario_seeds[0]}..{r.scenario_seeds[-1]}.
Across {len(r.at_rec)} attack scenarios {verdict}. Bribing all challengers would cost
{b['bribe_all_cost_eth']:.4g} ETH, {bribe_cost} the gain of {b['max_gain_eth']:.4g} ETH, and in the ABM {briber};
Sybil registration costs {sy['attack_cost_eth']:.4g} ETH, {sybil_cost} the poisoning gain
{sy['poisoning_gain_eth']:.4g} ETH, and poisoning {sybil}; {grief}.

**(c) Tightness.** Settings that make some scenario profitable:
{'; '.join(f'{s} -> {sc}' for s, sc in r.tight) or 'none'}. Settings that stay unprofitable:
{', '.join(r.not_tight) or 'none'}. {bond}; {fee}. {period} {window}.

**(d) The protocol at the same design.** The actors of `orfl simulate` (`agents.protocol.run_protocol`:
trainers, sequencer, watcher, real aggregation and dispute games on the simulated L1) at design
`{r.protocol_design_sha256[:16]}`: {proto}.
"""
