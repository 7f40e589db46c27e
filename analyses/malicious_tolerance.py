"""Report section: the measured Malicious Device Tolerance of each aggregation rule.

Runs the tolerance grid of :mod:`agents.fl.tolerance` (cached; the default grid in full
mode, :func:`quick_grid` with ``ctx.quick``), regenerates the machine-readable table and
compares its content SHA-256 with the shipped one (:data:`SHIPPED_TABLE`), quotes the
tolerance the design uses through the one reader
(:func:`mechanism.economics.tolerance.load_tolerance_table`), checks the published
findings of :mod:`agents.fl.findings` (ALIE vs Krum and trimmed mean, Baruch et al. 2019;
IPM vs median and Krum, Xie et al. 2019), runs the norm-bound experiment (predicate on
vs off; unbounded attacks vs the mean) and the ALIE-vs-Krum experiment (the paper's
setting switched on one factor at a time), and compares each rule's design tolerance in
the two settings of the table: ``predicates`` (every attack) and ``proof_checked``
(training fraud proofs leave only data poisoning). The literature tolerances the economics used
before this measurement existed are kept as a *cited comparison column* only
(:data:`LITERATURE_TOLERANCE`). Every sentence is formatted from the results.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict

TITLE = "Malicious device tolerance"
#: Run cache shared with ``orfl tolerance`` (tests may point it elsewhere).
CACHE_DIR: Any = None  # None -> agents.fl.tolerance.DEFAULT_CACHE_DIR


#: Literature tolerances (largest malicious fraction a rule is usually credited with),
#: kept only as a cited comparison column: mean 0 (Blanchard et al., NeurIPS 2017: one
#: update moves it arbitrarily); coordinate and geometric median 1/2 in theory (Yin et al.,
#: ICML 2018; Pillutla et al., IEEE TSP 2022) but ~0.3 under in-distribution attacks
#: (Baruch et al., NeurIPS 2019); trimmed mean its trim share (~0.2); Krum attacked well
#: below n > 2f + 2 (~0.2; Blanchard et al. 2017; Baruch et al. 2019); Bulyan n >= 4f + 3
#: (El Mhamdi et al., ICML 2018, ~0.15); centered clipping ~0.25 (Karimireddy et al., ICML 2021).
LITERATURE_TOLERANCE = {
    "mean": 0.0, "median": 0.3, "trimmed_mean": 0.2, "krum": 0.2, "geometric_median": 0.3,
    "bulyan": 0.15, "centered_clipping": 0.25,
}


def quick_grid(seed: int) -> Any:
    """Reduced grid for ``ctx.quick`` (logistic regression; its cells are cells of the
    default grid, so with the default grid cached it costs nothing). The tolerance grid's
    seeds are part of the measured table's definition, so the report seed is not used."""
    from agents.fl.convergence import CONVERGED_ROUNDS
    from agents.fl.tolerance import Grid

    return Grid(
        rules=("mean", "median", "trimmed_mean", "krum"), attacks=("sign_flip", "ipm", "alie", "adaptive"),
        alphas=(100.0,), fractions=(0.0, 0.1, 0.2), seeds=2, models=(CONVERGED_ROUNDS[0],),
    )


def full_grid(seed: int) -> Any:
    """The default grid, the one the shipped table was measured on (its own seeds 0-2)."""
    from agents.fl.tolerance import Grid

    return Grid()


def _alpha_labels(alphas: tuple[float, ...]) -> dict[float, str]:
    return {a: "alpha" + chr(ord("A") + i) for i, a in enumerate(sorted(alphas))}


def _curves(summary: Any, grid: Any, ctx: ReportContext, model: str, alpha: float, stem: str, confidence: float) -> None:
    import pandas as pd

    from analyses.style import colors, new_figure, save_figure

    attacks = list(grid.attacks)
    ncols = min(4, len(attacks))
    nrows = math.ceil(len(attacks) / ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, sharey=True, squeeze=False)
    palette = dict(zip(grid.rules, colors(len(grid.rules)), strict=True))
    s = summary[(summary.alpha == alpha) & (summary.model == model)]
    for k, attack in enumerate(attacks):
        ax = axes[k // ncols][k % ncols]
        for rule in grid.rules:
            clean0 = s[(s.rule == rule) & (s.attack == "none") & (s.fraction == 0.0)]
            d = s[(s.rule == rule) & (s.attack == attack)].sort_values("fraction")
            d = pd.concat([clean0, d]).sort_values("fraction")
            ax.plot(d.fraction, 100 * d.accuracy_mean, marker="o", ms=3, color=palette[rule], label=rule)
            ax.fill_between(d.fraction, 100 * d.accuracy_ci_low, 100 * d.accuracy_ci_high,
                            color=palette[rule], alpha=0.15, linewidth=0)
        ax.set_title(attack)
        ax.set_ylim(0, 100)
        ax.set_xlabel("malicious fraction [-]" if k + ncols >= len(attacks) else "")
        if k % ncols == 0:
            ax.set_ylabel("test accuracy [%]")
    for k in range(len(attacks), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Final accuracy vs malicious fraction ({model}, Dirichlet alpha = {alpha:g}; {confidence:.0%} t-intervals)")
    fig.tight_layout()
    save_figure(fig, ctx.figures_dir, stem)


def _heatmap(tol: Any, grid: Any, ctx: ReportContext, model: str, stem: str) -> None:
    import seaborn as sns

    from analyses.style import new_figure, save_figure

    alphas = sorted(grid.alphas)
    fig, axes = new_figure(ncols=len(alphas), squeeze=False)
    cols = [*grid.attacks, "worst_case"]
    for k, (ax, alpha) in enumerate(zip(axes[0], alphas, strict=True)):
        t = tol[(tol.alpha == alpha) & (tol.model == model) & (tol.setting == "predicates")].pivot(index="rule", columns="attack", values="tolerance_ci_low")
        t = t.reindex(index=list(grid.rules), columns=cols)
        last = k == len(alphas) - 1
        sns.heatmap(t, ax=ax, annot=True, fmt=".2f", vmin=-0.1, vmax=max(grid.fractions), cmap="viridis",
                    cbar=last, cbar_kws={"label": "tolerance beta* [malicious fraction]"} if last else None,
                    annot_kws={"fontsize": 7})
        ax.set_title(f"{model}, alpha = {alpha:g}")
        ax.set_xlabel("attack")
        ax.set_ylabel("aggregation rule" if k == 0 else "")
        ax.set_xticks(ax.get_xticks(), ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
        if k:
            ax.set_yticklabels([])
    save_figure(fig, ctx.figures_dir, stem)


def _fmt_beta(b: float | None) -> str:
    if b is None or b != b:
        return "not measured"
    return "none" if b < 0 else f"{b:g}"


@dataclass(frozen=True)
class MaliciousToleranceResults(SectionResults):
    """The tolerance grid's runs summarised, the published findings, the norm-bound
    experiment, and the shipped table the design reads."""

    grid: Any  # agents.fl.tolerance.Grid
    base: dict[str, Any]  # the grid's base run configuration
    total_runs: int
    compute_seconds: float  # sum of the runs' single-threaded compute time
    delta: float  # accuracy drop that counts as not tolerated [1]
    confidence: float  # level of the accuracy intervals
    summary: Any  # DataFrame: one row per cell
    tolerance: Any  # DataFrame: beta* per (model, rule, attack, alpha)
    labels: dict[float, str]  # alpha -> macro-safe label
    clean_converged: dict[str, int | None]  # "model@alpha" -> round where the clean FedAvg run converged
    findings: tuple[Any, ...]  # agents.fl.findings.FindingVerdict
    norm: Any  # DataFrame of the norm-bound experiment
    norm_setup: dict[str, Any]
    mean_verdict: dict[str, Any]
    alie_krum: Any  # DataFrame of the ALIE-vs-Krum experiment (agents.fl.findings.alie_krum_summary)
    alie_krum_setup: dict[str, Any]
    alie_krum_verdict: dict[str, Any]
    settings: Any  # DataFrame: design beta* per rule and alpha in each setting of the shipped table
    shipped: Any  # mechanism.economics.tolerance.ToleranceTable (the design's table)
    regenerated_sha256: str  # content SHA-256 of the table regenerated from this run's grid
    regenerated_path: str
    full_grid: bool  # this run's grid is the default grid (the shipped table's)
    chosen_rule: str  # the recommendation's rule ("" if the default scenario has no design)
    chosen_beta: float  # the tolerance the recommendation used for it (NaN without a design)
    infeasible: str = ""  # why the default scenario has no design, if it has none

    @property
    def shipped_sha256(self) -> str:
        return str(self.shipped.provenance.get("content_sha256", ""))

    @property
    def table_matches(self) -> bool:
        return self.regenerated_sha256 == self.shipped_sha256

    @property
    def design_table(self) -> Any:
        """The design tolerance per rule (shipped table) with the cited literature column."""
        import pandas as pd

        rows = []
        for rule in sorted(set(self.shipped.rules) | set(LITERATURE_TOLERANCE)):
            e = self.shipped.rules.get(rule)
            rows.append({
                "rule": rule,
                "design beta* [fraction] (worst case, lower 95% CI)": None if e is None else e.beta,
                "beta* on the mean accuracy [fraction]": None if e is None else e.beta_mean,
                "worst attack": None if e is None else e.worst_attack,
                "worst model": None if e is None else e.worst_model,
                "missing": None if e is None else e.missing,
                "literature [fraction] (cited)": LITERATURE_TOLERANCE.get(rule),
            })
        return pd.DataFrame(rows)

    @property
    def worst(self) -> Any:
        """Worst case over attacks: (model, rule) x alpha table of beta* (lower CI)."""
        tol = self.tolerance
        tol = tol[tol.setting == "predicates"] if "setting" in tol else tol
        w = tol[tol.attack == "worst_case"].pivot_table(index=["model", "rule"], columns="alpha",
                                                         values="tolerance_ci_low").reset_index()
        w.columns = ["model", "rule", *[f"beta* lower CI [fraction] (alpha={a:g})" for a in w.columns[2:]]]
        return w

    def tables(self) -> dict[str, Any]:
        out = {"tolerance_design": self.design_table, "tolerance_worst_case": self.worst}
        if len(self.settings):
            out["tolerance_settings"] = self.settings
        if len(self.norm):
            out["tolerance_norm_bound"] = self.norm.round(4)
        if len(self.alie_krum):
            out["tolerance_alie_krum"] = self.alie_krum.drop(columns=["seeds"]).round(4)
        return out

    def numbers(self) -> dict[str, Any]:
        numbers: dict[str, Any] = {f"design_{rule}": e.beta for rule, e in self.shipped.rules.items() if e.beta is not None}
        numbers["chosen_beta"] = self.chosen_beta
        numbers["grid_runs"] = self.total_runs
        numbers["grid_compute_seconds"] = self.compute_seconds
        numbers["findings_reproduced"] = sum(1 for v in self.finding_summary().values() if v["reproduced"])
        return numbers

    def params(self) -> dict[str, Any]:
        return {"grid": self.grid.describe(), "delta": self.delta, "norm_bound_experiment": self.norm_setup,
                "shipped_table": self.shipped.describe()}

    def seeds(self) -> list[int]:
        return list(range(self.grid.seed, self.grid.seed + self.grid.seeds))

    def files(self) -> dict[str, str]:
        acc = self.summary.drop(columns=["seeds"]).round(4)
        return {
            "tables/tolerance_accuracy.csv": acc.to_csv(index=False),  # too long for the page
            "tables/tolerance_all.csv": self.tolerance.round(4).to_csv(index=False),
        }

    def finding_summary(self) -> dict[str, dict[str, Any]]:
        """Per published finding: reproduced in every measured slice at the grid's most IID
        alpha (the papers' setting), and the slices that do/do not reproduce."""
        out: dict[str, dict[str, Any]] = {}
        hi = max(self.grid.alphas)
        for v in self.findings:
            d = out.setdefault(v.key, {"rule": v.rule, "attack": v.attack, "reference": v.reference,
                                       "yes": [], "no": [], "unmeasured": []})
            slot = "unmeasured" if v.reproduced is None else ("yes" if v.reproduced else "no")
            d[slot].append((v.model, v.alpha, v.beta))
        for d in out.values():
            at_hi = [s for s in d["yes"] + d["no"] if s[1] == hi]
            d["reproduced"] = bool(at_hi) and all(s in d["yes"] for s in at_hi)
        return out

    def verdicts(self) -> list[Verdict]:
        out = []
        if self.full_grid:
            out.append(Verdict("shipped tolerance table regenerated", self.table_matches,
                               f"content SHA-256 {self.regenerated_sha256[:12]} vs shipped {self.shipped_sha256[:12]}"))
        design = self.shipped.rules.get(self.chosen_rule)
        if self.chosen_rule:
            out.append(Verdict("design tolerance = measured worst case",
                               design is not None and design.beta == self.chosen_beta,
                               f"{self.chosen_rule}: design {self.chosen_beta:g}, table "
                               f"{_fmt_beta(None if design is None else design.beta)}"))
        else:
            out.append(Verdict("a rule covers the default scenario's malicious fraction", False, self.infeasible))
        for d in self.finding_summary().values():
            out.append(Verdict(f"{d['attack']} breaks {d['rule']} ({d['reference']})", d["reproduced"],
                               f"reproduced in {len(d['yes'])} of {len(d['yes']) + len(d['no'])} (model, alpha) slices"))
        mv = self.mean_verdict
        if mv.get("measured"):
            out.append(Verdict("unbounded attacks break the mean (predicate off)", mv["reproduced_off"],
                               f"largest drop {mv['largest_drop_off_pp']:.1f} pp off, {mv['largest_drop_on_pp']:.1f} pp on"))
        ak = self.alie_krum_verdict
        if ak.get("measured"):
            out.append(Verdict("alie breaks krum in some arm of the controlled experiment", bool(ak["breaks_in"]),
                               f"breaks in {len(ak['breaks_in'])} of {len(ak['arms'])} arms; largest drop "
                               f"{ak['largest_drop_pp']:.1f} pp ({ak['largest_drop_arm']})"))
        return out

    def measurements(self) -> list[Measurement]:
        if not self.chosen_rule:
            best = max(self.shipped.complete().items(), key=lambda kv: kv[1], default=("none", 0.0))
            return [Measurement(f"largest tolerance beta* ({best[0]})", best[1], "malicious fraction",
                                self.shipped.source, f"{self.shipped.path}; SHA-256 {self.shipped.sha256[:12]}; "
                                f"alpha {self.shipped.alpha}")]
        return [Measurement(f"tolerance beta* of {self.chosen_rule}", self.chosen_beta, "malicious fraction", self.shipped.source,
                            f"{self.shipped.path}; SHA-256 {self.shipped.sha256[:12]}; alpha {self.shipped.alpha}")]


def run(ctx: ReportContext) -> MaliciousToleranceResults:
    from agents.fl.convergence import converged_round
    from agents.fl.findings import (
        ALIE_KRUM_CONDITIONS,
        alie_krum_configs,
        alie_krum_summary,
        alie_krum_verdict,
        finding_verdicts,
        norm_bound_configs,
        norm_bound_summary,
        unbounded_mean_verdict,
    )
    from agents.fl.tolerance import (
        DEFAULT_CACHE_DIR,
        DEFAULT_DELTA,
        DEFAULT_TABLE_PATH,
        build_table,
        run_configs,
        run_grid,
        summarise,
        tolerances,
        write_table,
    )
    from analyses.report import recommendation
    from mechanism.economics.tolerance import load_tolerance_table

    grid = quick_grid(ctx.seed) if ctx.quick else full_grid(ctx.seed)
    total = len(grid.configs())
    step = max(total // 10, 1)

    def progress(done: int, n: int) -> None:
        if done % step == 0 or done == n:
            ctx.progress(f"tolerance grid {done}/{n}")

    cache = CACHE_DIR or DEFAULT_CACHE_DIR
    runs = run_grid(grid, cache, progress)
    summary = summarise(runs)
    tol = tolerances(summary, grid, DEFAULT_DELTA)
    tol_pred = tol[tol.setting == "predicates"]
    table = build_table(grid, runs, DEFAULT_DELTA)
    full = grid == full_grid(ctx.seed)
    path = DEFAULT_TABLE_PATH if full and CACHE_DIR is None else ctx.out_dir / "tables" / "tolerance_table.json"
    write_table(table, path)

    clean = runs[(runs.rule == "mean") & (runs.attack == "none") & (runs.fraction == 0.0)]
    import numpy as np

    converged: dict[str, int | None] = {}
    for (model, alpha), g in clean.groupby(["model", "alpha"]):
        curves = np.asarray([json.loads(c) for c in g.curve], dtype=float)
        converged[f"{model}@{alpha:g}"] = converged_round(list(curves.mean(axis=0))) if curves.size else None

    model, rounds = grid.models[0]
    hi = max(grid.alphas)
    seeds = 2 if ctx.quick else grid.seeds
    norm_runs = run_configs(norm_bound_configs(grid.base, model, rounds, hi, seeds, grid.seed), cache)
    norm = norm_bound_summary(norm_runs, DEFAULT_DELTA)
    arms = (ALIE_KRUM_CONDITIONS[0], ALIE_KRUM_CONDITIONS[4]) if ctx.quick else ALIE_KRUM_CONDITIONS
    ak_runs = run_configs(alie_krum_configs(grid.base, model, rounds, hi, seeds, grid.seed, arms), cache)
    ak = alie_krum_summary(ak_runs, grid.base, model, rounds, hi, DEFAULT_DELTA, arms)
    from mechanism.errors import InfeasibleError

    design_alpha = None  # the non-IID level the report's design declares (analyses.report.report_scenario)
    try:
        rec = recommendation()
        chosen, beta, why = rec.rule.name, float(rec.rule.tolerance), ""
        design_alpha = rec.inputs.non_iid_alpha
    except InfeasibleError as exc:
        chosen, beta, why = "", math.nan, str(exc)
    return MaliciousToleranceResults(
        grid=grid, base=dataclasses.asdict(grid.base), total_runs=total,
        compute_seconds=round(float(runs.seconds.sum()), 1), delta=DEFAULT_DELTA, confidence=0.95,
        summary=summary, tolerance=tol, labels=_alpha_labels(grid.alphas), clean_converged=converged,
        findings=tuple(finding_verdicts(tol_pred)), norm=norm,
        norm_setup={"model": model, "rounds": rounds, "alpha": hi, "seeds": seeds, "trainers": grid.base.n_trainers},
        mean_verdict=unbounded_mean_verdict(norm), alie_krum=ak,
        alie_krum_setup={"model": model, "rounds": rounds, "alpha": hi, "seeds": seeds, "trainers": grid.base.n_trainers,
                         "local_steps": grid.base.local_steps},
        alie_krum_verdict=alie_krum_verdict(ak), settings=settings_comparison(),
        shipped=load_tolerance_table(None, design_alpha),
        regenerated_sha256=table["provenance"]["content_sha256"], regenerated_path=str(path), full_grid=full,
        chosen_rule=chosen, chosen_beta=beta, infeasible=why,
    )


def settings_comparison(path: Any = None) -> Any:
    """Design beta* (worst case over the setting's attacks and the models, lower 95% CI
    end; :func:`mechanism.economics.tolerance.load_tolerance_table`) per rule and measured
    alpha in each setting of the table at ``path`` (default the shipped one), and the rise
    from ``predicates`` to ``proof_checked``; empty when the table lacks a setting."""
    import pandas as pd

    from mechanism.economics.tolerance import load_tolerance_table
    from mechanism.errors import ParameterError

    base = load_tolerance_table(path)
    rows = []
    for alpha in base.alphas:
        try:
            pred, proof = (load_tolerance_table(path, alpha, s) for s in ("predicates", "proof_checked"))
        except ParameterError:
            return pd.DataFrame()
        for rule in sorted(set(pred.rules) | set(proof.rules)):
            a, b = pred.rules.get(rule), proof.rules.get(rule)
            pa = None if a is None or a.missing else a.beta
            pb = None if b is None or b.missing else b.beta
            rows.append({"rule": rule, "alpha": alpha, "beta* predicates [fraction]": pa,
                         "beta* proof-checked [fraction]": pb,
                         "rise [fraction]": None if pa is None or pb is None else round(pb - pa, 6),
                         "worst attack predicates": None if a is None else a.worst_attack,
                         "worst attack proof-checked": None if b is None else b.worst_attack})
    return pd.DataFrame(rows)


def plot(results: MaliciousToleranceResults, ctx: ReportContext) -> list[Figure]:
    r = results
    figures = []
    for model in r.grid.model_names:
        for alpha in sorted(r.grid.alphas):
            stem = f"tolerance_curves_{model}_{r.labels[alpha]}"
            _curves(r.summary, r.grid, ctx, model, alpha, stem, r.confidence)
            figures.append((stem, f"Accuracy vs malicious fraction per rule and attack, {model}, alpha = {alpha:g}."))
        _heatmap(r.tolerance, r.grid, ctx, model, f"tolerance_heatmap_{model}")
        figures.append((f"tolerance_heatmap_{model}",
                        f"Tolerance beta* of {model} (largest fraction whose attacked accuracy's lower 95% CI end stays "
                        f"within {100 * r.delta:g} pp of the clean run)."))
    return figures


def _slices(items: list[tuple[str, float, float | None]]) -> str:
    return ", ".join(f"{m} at alpha {a:g} (beta* {_fmt_beta(b)})" for m, a, b in items) or "none"


def _findings_text(r: MaliciousToleranceResults) -> str:
    from agents.fl.findings import AT_FRACTION

    hi = max(r.grid.alphas)
    fs = r.finding_summary()
    lines = [
        f"A finding reproduces in a (model, alpha) slice when the measured beta* of the rule under the attack is "
        f"below {AT_FRACTION:g}, i.e. at some grid fraction up to {AT_FRACTION:g} the attack costs more than "
        f"{100 * r.delta:g} pp; it counts as reproduced when it does so in every model at alpha = {hi:g}, the "
        "grid's closest setting to the papers' IID data. "
        f"{sum(d['reproduced'] for d in fs.values())} of {len(fs)} findings reproduce:", ""]
    for d in fs.values():
        verdict = "reproduced" if d["reproduced"] else "not reproduced"
        lines.append(f"- *{d['attack']} breaks {d['rule']}* ({d['reference']}): **{verdict}**. Reproduces in "
                     f"{_slices(d['yes'])}; does not in {_slices(d['no'])}"
                     + (f"; not measured in {_slices(d['unmeasured'])}" if d["unmeasured"] else "") + ".")
    mv = r.mean_verdict
    if mv.get("measured"):
        s = r.norm_setup
        broke_on = mv["breaks_on"]
        lines += ["", (
            f"*Unbounded attacks break the mean* (Blanchard et al. 2017; Xie et al. 2019), controlled experiment "
            f"({s['model']}, alpha = {s['alpha']:g}, {s['seeds']} seeds, the same runs with the norm-bound predicate on and "
            f"off): at a malicious fraction of {mv['fraction']:g}, with the predicate off "
            + ("every" if mv["reproduced_off"] else "not every")
            + f" unbounded attack ({', '.join(mv['attacks'])}) costs the mean more than {100 * r.delta:g} pp "
            f"(largest drop {mv['largest_drop_off_pp']:.1f} pp): **"
            + ("reproduced" if mv["reproduced_off"] else "not reproduced") + "**. With the predicate on, the same "
            f"attacks are scaled into the L2 ball (or rejected and slashed) and the largest drop is "
            f"{mv['largest_drop_on_pp']:.1f} pp; "
            + (f"{', '.join(broke_on)} still break{'s' if len(broke_on) == 1 else ''} it."
               if broke_on else "none of them breaks it: the bound, not the rule, is what protects the mean here.")
        )]
    return "\n".join(lines)


def _alie_krum_text(r: MaliciousToleranceResults) -> str:
    ak, s = r.alie_krum_verdict, r.alie_krum_setup
    if not ak.get("measured"):
        return ""
    t = r.alie_krum
    cells = "; ".join(
        f"{row.condition} at {row.fraction:g}: {row.drop_pp:+.1f} pp [{row.drop_ci_low_pp:+.1f}, {row.drop_ci_high_pp:+.1f}]"
        + (f", Krum picks the ALIE row in {100 * row.krum_selects_alie:.0f}% of rounds" if row.krum_selects_alie == row.krum_selects_alie else "")
        for row in t.itertuples())
    broke = ak["breaks_in"]
    verdict = (f"ALIE breaks Krum (drop > {100 * r.delta:g} pp) in {', '.join(broke)}" if broke
               else f"ALIE breaks Krum in none of the {len(ak['arms'])} arms")
    sel = ak["selects_grid"]
    grid_drop = float(t[t.condition == ak["arms"][0]].drop_pp.mean())
    why = ""
    if not broke and sel == sel and sel > 0.5:
        effect = (f"raises Krum's accuracy by {-grid_drop:.1f} pp on average: the selected row is the honest mean "
                  "shifted by z standard deviations, closer to the honest mean than the one trainer's update Krum "
                  "picks otherwise" if grid_drop < 0 else
                  f"costs Krum {grid_drop:.1f} pp on average, within the {100 * r.delta:g} pp criterion")
        why = (f" The paper's mechanism does happen -- in the grid's setting Krum selects the ALIE row in "
               f"{100 * sel:.0f}% of rounds -- but here it {effect}. The direction is not reproduced, and neither the "
               "norm-bound predicate, the data heterogeneity nor the local steps is the reason: each switched to the "
               "paper's setting, alone or together, leaves the outcome unchanged.")
    return (f"*ALIE vs Krum, controlled experiment* ({s['model']}, {s['trainers']} trainers, {len(ak['seeds'])} seeds "
            f"{ak['seeds']}, Krum given f = m; arms: the grid's setting (alpha = {s['alpha']:g}, {s['local_steps']} local "
            f"steps, {s['rounds']} rounds, norm-bound predicate on, z = z_max(n, m) of Baruch et al.), each of the paper's "
            "conditions alone (predicate off, IID data, one-step gradients with as many rounds as SGD steps), all three "
            "together, and larger z): accuracy drop under ALIE vs Krum's clean run, paired by seed, with 95% t-intervals "
            f"-- {cells}. {verdict}; the largest drop is {ak['largest_drop_pp']:.1f} pp "
            f"({ak['largest_drop_arm']} at {ak['largest_drop_fraction']:g}).{why}")


def _settings_text(r: MaliciousToleranceResults) -> str:
    t = r.settings
    if not len(t):
        return ("The shipped table has no `proof_checked` setting, so how much training fraud proofs raise the "
                "tolerance is not measured here.")
    lines = ["With training fraud proofs (docs/training_proof.md: a trainer's update is re-executable from its "
             "committed shard), an "
             "update that is not honest SGD on that shard is slashed, so only data poisoning remains (label flipping "
             "and the unboosted backdoor on the trainer's own data). The `proof_checked` setting takes the worst case "
             "over those attacks only, on the same runs. Design beta* (worst case, lower 95% CI end) per rule, "
             "predicates only -> proof-checked:", ""]
    for alpha, g in t.groupby("alpha", sort=True):
        parts = []
        for row in g.itertuples(index=False):
            a, b, rise = row[2], row[3], row[4]
            parts.append(f"{row.rule} {_fmt_beta(a)} -> {_fmt_beta(b)}"
                         + ("" if rise is None or rise != rise else f" ({'+' if rise >= 0 else ''}{rise:g})"))
        lines.append(f"- alpha = {alpha:g}: " + "; ".join(parts) + ".")
    rises = [x for x in t["rise [fraction]"] if x is not None and x == x]
    if rises:
        best = t.loc[t["rise [fraction]"].astype(float).idxmax()]
        lines += ["", f"Proof-checking raises beta* by up to {max(rises):g} ({best.rule} at alpha {best.alpha:g}); "
                      f"it raises it for {sum(1 for x in rises if x > 0)} of {len(rises)} (rule, alpha) pairs "
                      f"and lowers it for {sum(1 for x in rises if x < 0)}."]
    return "\n".join(lines)


def text(results: MaliciousToleranceResults) -> str:
    r = results
    base = r.base
    models = ", ".join(f"{m} ({n} rounds)" for m, n in r.grid.models)
    conv = ", ".join(f"{k}: {'round ' + str(v) if v else 'not converged'}" for k, v in r.clean_converged.items())
    shipped = r.shipped
    design = r.shipped.rules.get(r.chosen_rule)
    betas = shipped.complete()
    per_rule = ", ".join(f"{k} {_fmt_beta(v)}" for k, v in sorted(betas.items(), key=lambda kv: (-kv[1], kv[0])))
    if r.chosen_rule:
        used = (f"the design tolerance of the recommended rule {r.chosen_rule} is "
                f"{_fmt_beta(None if design is None else design.beta)} (worst attack "
                f"{None if design is None else design.worst_attack}, model {None if design is None else design.worst_model}); "
                f"the recommendation used {r.chosen_beta:g} ("
                + ("the same number" if design is not None and design.beta == r.chosen_beta else "**a different number**")
                + ").")
    else:
        used = f"**no rule covers the default scenario**: {r.infeasible}."
    if r.full_grid:
        regen = (f"This run regenerated the table from the default grid ({r.regenerated_path}); its content SHA-256 "
                 f"`{r.regenerated_sha256[:16]}` " + ("matches" if r.table_matches else "**differs from**")
                 + f" the shipped table's `{r.shipped_sha256[:16]}`"
                 + ("." if r.table_matches else ": the shipped table is stale and should be replaced by this one."))
    else:
        regen = ("This run used a reduced grid, so it cannot regenerate the shipped table; the tolerance the design "
                 "uses below is the shipped table's.")
    lines = [f"""
How many malicious trainers can the learning itself absorb? Every grid cell is a real
federated run ({base['n_trainers']} trainers, {base['local_steps']} local SGD steps per round, on sklearn
digits; models: {models}), with updates quantised to int64 fixed point and aggregated by the protocol's rule,
and malicious trainers staying inside the L2 validity bound {base['norm_bound']:g} so that no fraud proof can
slash them. Each model trains for its measured rounds to convergence: the clean FedAvg run's accuracy
(mean over seeds) moves less than 0.5 pp over 5 rounds (measured here: {conv}).
Accuracies are means over {r.grid.seeds} seeds with {r.confidence:.0%} t-intervals. The tolerance beta* of a
rule under an attack is the largest malicious fraction such that it and every smaller grid fraction keep the
final accuracy within {100 * r.delta:g} percentage points of the clean run of the same rule (same f, no
attack); the design uses the conservative version, in which the *lower end* of the attacked accuracy's
interval must stay within that margin, and its worst case over attacks and models. Rules are given f = the
true number of malicious trainers (their best case); a rule whose breakdown condition fails (Krum
n > 2f + 2, Bulyan n >= 4f + 3, ...) is not applicable and counts as not tolerated. Grid:
{r.total_runs} runs, {r.compute_seconds:g} s of single-threaded compute (cached in `results/cache/tolerance`;
every cell's accuracy, CI, loss and backdoor success is in
[`tables/tolerance_accuracy.csv`](tables/tolerance_accuracy.csv)).

### The tolerance the design uses

The shipped table `{shipped.path.split('/')[-1]}` (SHA-256 `{shipped.sha256[:16]}`, {shipped.source}, git commit
`{str(shipped.provenance.get('git_commit', 'unknown'))[:12]}`, seeds {shipped.provenance.get('seeds')}) is read
through one function by `orfl recommend`, the ABM and this report. At its most heterogeneous measured alpha
({shipped.alpha:g}; measured: {', '.join(f'{a:g}' for a in shipped.alphas)}) the design tolerances (worst case over
attacks and models, lower 95% CI end) are: {per_rule}. At that alpha {used}
{regen} The literature column is the cited comparison the economics used before this measurement; it is not
used by any computation.
""", "### Proof-checked training\n", _settings_text(r), "\n### Published findings\n", _findings_text(r)]
    ak = _alie_krum_text(r)
    if ak:
        lines += ["", ak]
    missing = [f"{rule} ({e.missing})" for rule, e in shipped.rules.items() if e.missing]
    if missing:
        lines.append(f"\nRules the shipped table cannot vouch for (never recommended): {'; '.join(missing)}.")
    return "\n".join(lines)
