"""Report section: the challenge period under the threat model, like for like with
Arbitrum and the OP Stack (docs/economics.md, 'Threat model').

``run`` computes this protocol's period under the default :class:`ThreatModel`
(the binding threat named), reproduces Arbitrum One's and the OP Stack's periods from their
own stated assumptions and places this protocol under each, sweeps the period against
every threat parameter, checks the analytic landing probability against the simulated L1
(Clopper-Pearson 95 %), reports BoLD's stakes from Offchain Labs' published inputs, and runs
the agent-based model at the design ``orfl recommend --threat-model default`` gives, under
both order flows (:func:`agents.abm.threat_experiment.threat_experiment`): no fraud may
finalise at the recommended period, and some must once the binding threat's component is
20 % shorter (docs/abm_threats.md).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, ReportContext, SectionResults, Verdict, sci

TITLE = "Threat model: the challenge period under censorship, outages, offline watchers and delay, like for like"

#: Target probability that a fraud finalises (the design's default).
EPS = 1e-6
#: Swept threat parameters: field, values, axis label.
SWEEPS: tuple[tuple[str, tuple[float, ...], str], ...] = (
    ("social_response_hours", (12.0, 24.0, 48.0, 84.0, 168.0, 336.0), "social response time [h]"),
    ("censor_fraction", (0.1, 0.3, 0.5, 0.7, 0.9, 0.99), "censoring share of proposers q [1]"),
    ("censor_burst_blocks", (0.0, 4.0, 16.0, 64.0, 256.0), "mean censoring run [blocks]"),
    ("outage_mean_minutes", (10.0, 41.6, 120.0, 360.0, 1440.0), "mean L1 outage [min]"),
    ("common_mode_prob", (0.0, 1e-3, 1e-2, 0.1, 0.5), "common-mode watcher outage probability [1]"),
    ("watcher_online_prob", (0.9, 0.95, 0.99, 0.995, 0.999), "watcher availability a [1]"),
)
#: Attempted frauds per ABM setting and order flow (issue 13: at least 1,000); quick mode fewer.
ABM_FRAUDS, ABM_FRAUDS_QUICK = 1000, 200


@dataclass(frozen=True)
class ThreatModelResults(SectionResults):
    eps: float
    protocol: dict[str, int]
    default: dict[str, Any]  # ThreatPeriod.as_dict() of the default model
    default_weak_only: dict[str, Any]  # without strong censorship (what the rest needs)
    like_for_like: Any  # DataFrame
    sweeps: dict[str, Any]  # field -> DataFrame (value, period_blocks, binding)
    mc: Any  # DataFrame of the agreement grid
    mc_inside: int
    mc_cells: int
    mc_trials: int
    bold: Any  # DataFrame
    bold_delay_bond_eth: float
    eth_price_usd: float
    seed: int
    abm: Any  # DataFrame: one row per (setting, order flow) of the threat experiment
    abm_check: Verdict
    abm_frauds: int
    abm_eps: float
    abm_bound: float  # the analytic union bound on P(fraud finalises) at the recommended period

    def tables(self) -> dict[str, Any]:
        return {"threat_like_for_like": self.like_for_like, "threat_mc_agreement": self.mc,
                "bold_published_inputs": self.bold, "threat_abm": self.abm}

    def numbers(self) -> dict[str, Any]:
        rec = self.abm[self.abm["setting"] == "recommended"]
        return {"period_blocks": self.default["period_blocks"], "period_days": self.default["period_days"],
                "mc_inside": self.mc_inside, "mc_cells": self.mc_cells, "abm_frauds": self.abm_frauds,
                "abm_finalised_at_rec": int(rec["finalised"].sum()),
                "abm_ok": "yes" if self.abm_check.passed else "no"}

    def verdicts(self) -> list[Verdict]:
        return [self.abm_check]

    def params(self) -> dict[str, Any]:
        return {"eps": self.eps, **self.protocol, "threat_model": self.default["threat_model"]}

    def seeds(self) -> list[int]:
        return sorted({self.seed, *(int(x) for x in self.abm["seed"])})


def _abm(ctx: ReportContext) -> tuple[Any, Verdict, int, float, float]:
    """The threat experiment at the design recommended under the default threat model."""
    from agents.abm.threat_experiment import RECOMMENDED, threat_experiment
    from analyses.report import report_scenario
    from mechanism.economics.recommend import recommend
    from mechanism.economics.threats import ThreatModel

    frauds = ABM_FRAUDS_QUICK if ctx.quick else ABM_FRAUDS
    ctx.progress(f"threat model: ABM, {frauds} frauds per setting and order flow")
    rec = recommend(report_scenario()[0], with_sensitivity=False, threats=ThreatModel())
    exp = threat_experiment(rec, frauds=frauds, seed=ctx.seed)
    df = exp.frame()[["setting", "order_flow", "episode_target", "period_blocks", "move_clock_blocks", "attempts",
                      "finalised", "rate_ci_low", "rate_ci_high", "caught", "self_challenge_reverts",
                      "sequencer_loss_per_caught_eth", "honest_timeouts", "binding_threat", "binding_component_blocks",
                      "expect_finalise", "as_expected", "seed", "batches", "seconds"]]
    at_rec = df[df["setting"] == RECOMMENDED]
    cut = df[df["expect_finalise"]]
    detail = (f"{int(at_rec['finalised'].sum())} of {int(at_rec['attempts'].sum())} frauds finalised at the "
              f"recommended period ({int(at_rec['period_blocks'].iloc[0]):,} blocks, "
              f"{', '.join(sorted(set(at_rec['order_flow'])))} order flow); with 20% less of the binding "
              f"{at_rec['binding_threat'].iloc[0]} component: "
              + "; ".join(f"{r.setting} ({r.order_flow}) {r.finalised}/{r.attempts}" for r in cut.itertuples()))
    check = Verdict("ABM: no fraud finalises at the period recommended under the default threat model; "
                    "20% less of the binding component lets some finalise", exp.passed, detail)
    return df, check, frauds, exp.eps, exp.fraud_probability_bound


def _protocol() -> dict[str, int]:
    from mechanism.economics import period, workload
    from mechanism.economics.scenario import DesignInputs, reexec_seconds
    from mechanism.units import hours_to_blocks

    i = DesignInputs()
    return {"detect_blocks": period.detection_blocks(reexec_seconds(i)),
            "buffer_blocks": hours_to_blocks(i.response_buffer_hours),
            "moves_per_side": int(workload.dispute_moves_per_side(i.trainers, i.model_size)),
            "move_clock_blocks": hours_to_blocks(i.move_clock_hours)}


def _mc_grid(trials: int, seed: int) -> Any:
    import numpy as np
    import pandas as pd

    from analyses.censorship import clopper_pearson
    from mechanism.chain import challenge_lands, moves_in_time
    from mechanism.economics.threats import availability, censorship, liveness

    rows = []
    rng = np.random.default_rng(seed)

    def cell(threat: str, params: str, analytic: float, trial: Any) -> None:
        k = sum(bool(trial()) for _ in range(trials))
        lo, hi = clopper_pearson(k, trials)
        rows.append({"threat": threat, "parameters": params, "analytic": analytic, "simulated": k / trials,
                     "ci_low": lo, "ci_high": hi, "inside": lo <= analytic <= hi})

    for q, b, w in itertools.product([0.3, 0.7], [0.0, 6.0], [2, 6]):
        cell("censorship (timed, bursty)", f"q={q}, L={b}, W={w}",
             1 - float(censorship.miss_probability(w, q, b, timed=True)),
             lambda q=q, b=b, w=w: challenge_lands(w, rng, q=q, burst_blocks=b, timed=True))
    for q, k, w in itertools.product([0.5, 0.8], [1, 2], [2]):
        cell("inclusion lists", f"q={q}, k={k}, W={w}",
             1 - float(censorship.miss_probability(w, q, 0.0, inclusion_lists=True, committee=k)),
             lambda q=q, k=k, w=w: challenge_lands(w, rng, q=q, il_committee=k))
    for r, w in [(5, 5), (5, 7)]:
        cell("strong censorship", f"R={r}, q=0.5, W={w}", 0.0 if w <= r else 1 - 0.5 ** (w - r),
             lambda r=r, w=w: challenge_lands(w, rng, q=0.5, strong_blocks=r))
    for mu, w in itertools.product([2.0, 6.0], [3, 10]):
        cell("L1 outage", f"mu={mu}, W={w}", 1 - float(liveness.outage_survival(w - 1, mu)),
             lambda mu=mu, w=w: challenge_lands(w, rng, outage_prob=1.0, outage_mean_blocks=mu))
    for m, a, c in itertools.product([1, 3], [0.7, 0.95], [0.0, 0.5]):
        cell("watchers", f"m={m}, a={a}, c={c}, W=4", float(availability.watcher_act_probability(4, m, a, c, 4.0)),
             lambda m=m, a=a, c=c: challenge_lands(4, rng, watchers=m, watcher_online_prob=a, common_prob=c,
                                                   common_mean_blocks=4.0))
    from mechanism.economics.threats import clocks
    from mechanism.economics.threats.model import ThreatModel

    for q, b in itertools.product([0.4, 0.7], [0.0, 6.0]):
        mod = ThreatModel(censor_fraction=q, censor_burst_blocks=b, strong_censorship=False, outage_prob=0.0,
                          common_mode_prob=0.0)
        cell("moves, per-move clock", f"q={q}, L={b}, n=3, c=4", (1 - float(clocks.weak_miss(mod, 4))) ** 3,
             lambda q=q, b=b: moves_in_time(3, 4, rng, q=q, burst_blocks=b, timed=True))
        cell("moves, chess clock", f"q={q}, L={b}, n=3, C=10", 1 - float(clocks.weak_sum_survival(mod, 3)[10]),
             lambda q=q, b=b: moves_in_time(3, 10, rng, chess=True, q=q, burst_blocks=b, timed=True))
    return pd.DataFrame(rows)


def run(ctx: ReportContext) -> ThreatModelResults:
    import pandas as pd

    from mechanism.economics import bounds
    from mechanism.economics.threats import ThreatModel, threat_period
    from mechanism.economics.threats.anchors import ANCHORS, anchor_period
    from mechanism.errors import InfeasibleError
    from mechanism.units import DEFAULT_ETH_PRICE_USD, blocks_to_days

    proto = _protocol()
    kw: dict[str, Any] = dict(detect_blocks=proto["detect_blocks"], buffer_blocks=proto["buffer_blocks"],
              moves_per_side=proto["moves_per_side"], move_clock_blocks=proto["move_clock_blocks"])
    ctx.progress("threat model: default period")
    default = threat_period(ThreatModel(), EPS, **kw).as_dict()
    weak_only = threat_period(ThreatModel(strong_censorship=False), EPS, **kw).as_dict()

    rows = []
    for a in ANCHORS:
        rep = anchor_period(a, EPS)
        comps = rep.components_blocks
        ours = threat_period(a.model, EPS, **kw)
        rows.append({"rollup": a.name, "published_period_blocks": a.published_period_blocks,
                     "published_period_days_at_12s": float(blocks_to_days(a.published_period_blocks)),
                     "reproduced_period_blocks": rep.period_blocks,
                     "gap": rep.period_blocks / a.published_period_blocks - 1.0,
                     "driver": a.driver, "binding_threat": rep.binding_threat,
                     "binding_share": comps[rep.binding_threat] / rep.period_blocks,
                     "buffer_share": rep.buffer_blocks / rep.period_blocks,
                     "this_protocol_period_blocks": ours.period_blocks,
                     "this_protocol_binding": ours.binding_threat,
                     "this_protocol_confirmation_blocks": ours.confirmation_bound_blocks})
    rows.append({"rollup": "this protocol (default threat model)", "published_period_blocks": None,
                 "published_period_days_at_12s": None, "reproduced_period_blocks": None, "gap": None,
                 "driver": "its own threat model", "binding_threat": default["binding_threat"],
                 "binding_share": default["components_blocks"][default["binding_threat"]] / default["period_blocks"],
                 "buffer_share": default["buffer_blocks"] / default["period_blocks"],
                 "this_protocol_period_blocks": default["period_blocks"],
                 "this_protocol_binding": default["binding_threat"],
                 "this_protocol_confirmation_blocks": default["confirmation_bound_blocks"]})
    table = pd.DataFrame(rows)

    sweeps = {}
    for name, values, _ in SWEEPS:
        ctx.progress(f"threat model: sweep {name}")
        srows = []
        for v in values:
            base = ThreatModel(strong_censorship=name == "social_response_hours")
            try:
                r = threat_period(base.with_(**{name: v}), EPS, **kw)
                srows.append({"value": v, "period_blocks": r.period_blocks, "binding": r.binding_threat})
            except InfeasibleError as exc:
                srows.append({"value": v, "period_blocks": float("nan"), "binding": str(exc).split(":")[0]})
        sweeps[name] = pd.DataFrame(srows)

    trials = 200 if ctx.quick else 1000
    ctx.progress(f"threat model: Monte Carlo grid, {trials} trials per cell")
    mc = _mc_grid(trials, ctx.seed)

    abm, abm_check, abm_frauds, abm_eps, abm_bound = _abm(ctx)

    published = [bounds.ARBITRUM_ASSERTION_BOND_ETH, *bounds.ARBITRUM_SUBCHALLENGE_BONDS_ETH]
    bold = pd.DataFrame({"level": ["assertion/block", "big step", "small step"],
                         "published_inputs_eth": bounds.bold_published_stakes_eth(),
                         "deployed_eth": published, "gap": bounds.bold_published_gap()})
    return ThreatModelResults(
        eps=EPS, protocol=proto, default=default, default_weak_only=weak_only, like_for_like=table, sweeps=sweeps,
        mc=mc, mc_inside=int(mc["inside"].sum()), mc_cells=len(mc), mc_trials=trials, bold=bold,
        bold_delay_bond_eth=bounds.arbitrum_delay_cost_bond_eth(DEFAULT_ETH_PRICE_USD, bounds_period_blocks()),
        eth_price_usd=DEFAULT_ETH_PRICE_USD, seed=ctx.seed, abm=abm, abm_check=abm_check, abm_frauds=abm_frauds,
        abm_eps=abm_eps, abm_bound=abm_bound,
    )


def bounds_period_blocks() -> int:
    from mechanism.economics.period import ARBITRUM_PERIOD_BLOCKS

    return ARBITRUM_PERIOD_BLOCKS


def plot(results: ThreatModelResults, ctx: ReportContext) -> list[Figure]:
    from analyses.style import new_figure, save_figure
    from mechanism.units import BLOCKS_PER_DAY

    fig, axes = new_figure(ncols=3, nrows=2)
    for ax, (name, _, label) in zip(axes.ravel(), SWEEPS, strict=True):
        df = results.sweeps[name]
        ax.plot(df["value"], df["period_blocks"] / BLOCKS_PER_DAY, "o-", ms=3)
        if name in ("censor_burst_blocks", "outage_mean_minutes"):
            ax.set_xscale("symlog" if name == "censor_burst_blocks" else "log")
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel("challenge period [days]", fontsize=8)
    fig.suptitle(f"period at eps = {sci(results.eps)} against each threat parameter")
    fig.tight_layout()
    save_figure(fig, ctx.figures_dir, "threat_period_sweeps")
    return [("threat_period_sweeps", "Challenge period against each threat parameter (the others at their defaults; "
             "strong censorship off except in the social-response panel).")]


def _abm_text(r: ThreatModelResults) -> str:
    """The ABM paragraph, every number from :attr:`ThreatModelResults.abm`."""
    df = r.abm
    first = df.iloc[0]
    lines = []
    for setting in dict.fromkeys(df["setting"]):
        rows = df[df["setting"] == setting]
        parts = []
        for row in rows.itertuples():
            how = ""
            if row.finalised == 0 and row.caught:
                who = (f"{row.self_challenge_reverts:,} reverted by the sequencer's own front-running self-challenge"
                       if row.self_challenge_reverts else "every one reverted by an honest watcher's challenge")
                how = f"; {who}, the sequencer losing {row.sequencer_loss_per_caught_eth:,.1f} ETH per caught fraud"
            elif row.honest_timeouts:
                how = f"; {row.honest_timeouts:,} honest disputes lost by timeout"
            parts.append(f"{row.order_flow} {row.finalised:,} of {row.attempts:,} finalised "
                         f"(95% CI {row.rate_ci_low:.2g} to {row.rate_ci_high:.2g}{how})")
        row0 = rows.iloc[0]
        lines.append(f"* **{setting}** (period {int(row0['period_blocks']):,} blocks, move clock "
                     f"{int(row0['move_clock_blocks']):,}, episode on the {row0['episode_target']}): " + "; ".join(parts) + ".")
    verdict = r.abm_check.said("as the period requires", f"**against what the period requires** ({r.abm_check.detail})")
    return f"""
**The agent-based model under the threat model.** At the design `orfl recommend --threat-model default`
gives (period {int(first['period_blocks']):,} blocks, binding threat **{first['binding_threat']}** with a
component of {first['binding_component_blocks']:,.0f} blocks, analytic bound on P(fraud finalises)
{r.abm_bound:.3g} <= eps = {r.abm_eps:.3g}), each fraud's honest watchers meet the threat processes drawn
from the simulated L1 (watcher availability and common-mode outages, the strong-censorship episode ended by
the social response, L1 outages, censoring proposers; censored moves against the contract's clocks), and the
mempool is public (the sequencer front-runs the first challenge with its self-challenge) or private. Each
row is {r.abm_frauds:,} attempted frauds, {verdict}:

{chr(10).join(lines)}
"""


def text(results: ThreatModelResults) -> str:
    r = results
    d, w = r.default, r.default_weak_only
    lines = []
    for row in r.like_for_like.itertuples():
        if row.published_period_blocks is None or row.published_period_blocks != row.published_period_blocks:
            continue
        lines.append(f"* **{row.rollup}**: published {int(row.published_period_blocks):,} blocks, reproduced "
                     f"{int(row.reproduced_period_blocks):,} ({row.gap:+.1%}); driver: {row.driver} "
                     f"({row.binding_share:.0%} of the period, buffer {row.buffer_share:.0%}). This protocol under "
                     f"the same assumptions: {int(row.this_protocol_period_blocks):,} blocks, final or reverted by "
                     f"{int(row.this_protocol_confirmation_blocks):,}.")
    gaps = ", ".join(f"{g:+.1%}" for g in r.bold["gap"])
    stakes = " / ".join(f"{s:,.1f}" for s in r.bold["published_inputs_eth"])
    return f"""
Under the default threat model (every default cited or marked as an assumption in
`mechanism/economics/threats/model.py`) a fraud finalises with probability at most
{sci(d['fraud_probability'])} <= eps = {sci(r.eps)} once the period is **{d['period_blocks']:,} blocks
({d['period_days']:.2f} days)**; the binding threat is **{d['binding_threat']}**
({d['components_blocks'][d['binding_threat']]:,.0f} blocks on its own). Without strong censorship the
other threats need {w['period_blocks']:,} blocks, bound by {w['binding_threat']}. The game's clocks are
checked under the same threats: a per-move clock must be {d['game']['per_move_clock_blocks']:,.0f} blocks
(game bound {d['game']['per_move_bound_blocks']:,.0f}), a chess clock per party
{d['game']['chess_clock_blocks']:,.0f} blocks (game bound {d['game']['chess_bound_blocks']:,.0f}).

Like for like, from each rollup's own stated assumptions:

{chr(10).join(lines)}

Monte Carlo on the simulated L1: the analytic probability that the honest challenge (and
each honest move) lands in time lies inside the 95% Clopper-Pearson interval in
**{r.mc_inside} of {r.mc_cells}** cells ({r.mc_trials} trials each).

BoLD from Offchain Labs' published inputs (500 gwei, resource ratio 6.46, no fitting):
{stakes} ETH against the deployed 3,600 / 555 / 79 ETH (gaps {gaps}). BoLD's own sizing of the
assertion bond by the cost of delaying withdrawals (3.27M USD per week over one challenge
period at {r.eth_price_usd:,.0f} USD/ETH) gives {r.bold_delay_bond_eth:,.0f} ETH.
""" + _abm_text(r)
