"""Report section: the measured Malicious Device Tolerance of each aggregation rule.

The tolerance grid of :mod:`agents.fl.tolerance` (3,444 federated runs) and the two
controlled experiments of :mod:`agents.fl.findings` are measurement campaigns of their
own: their results are shipped as package data with provenance (commit, seeds, content
SHA-256): ``mechanism/data/tolerance_default.json`` (``orfl tolerance``) and
``mechanism/data/findings_controlled.json``. Every build reads those tables and re-measures
a bounded deterministic sample of them afresh, without the run cache (:func:`sample_cells`:
every rule, both models, both alphas, the attacks in turn, all seeds of each cell;
:func:`controlled_sample`), and states whether the shipped numbers reproduce on this
machine (largest difference at most :data:`REPRODUCE_PP`). ``orfl report --remeasure``
(``ctx.remeasure``) re-runs both campaigns in full through the run cache, writes their
tables to ``results/tolerance/`` and compares their content SHA-256 with the shipped ones.
``--quick`` re-measures a smaller sample.

From the tables the section quotes the tolerance the design uses through the one reader
(:func:`mechanism.economics.tolerance.load_tolerance_table`), checks the published
findings of :mod:`agents.fl.findings` (ALIE vs Krum and trimmed mean, Baruch et al. 2019;
IPM vs median and Krum, Xie et al. 2019), summarises the norm-bound experiment (predicate
on vs off; unbounded attacks vs the mean) and the ALIE-vs-Krum experiment (the paper's
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
from pathlib import Path
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


#: The shipped tolerance table the section reads (None: mechanism/data/tolerance_default.json).
TABLE_PATH: Any = None
#: The shipped table of the controlled experiments (None: mechanism/data/findings_controlled.json).
FINDINGS_PATH: Any = None
#: Largest difference [pp] between a re-measured cell's mean accuracy (or a re-measured
#: run's accuracy) and the shipped value that still counts as reproduced: below one test
#: sample of the digits split (1/540 = 0.19 pp) it would flag only float rounding.
REPRODUCE_PP = 0.5


def grid_from_description(d: dict[str, Any]) -> Any:
    """The :class:`agents.fl.tolerance.Grid` a table's ``grid`` entry describes (:meth:`Grid.describe`)."""
    from agents.fl.tolerance import Grid
    from agents.fl.training import FLConfig

    base = dict(d["base"])
    base["alpha"] = float(base["alpha"])
    base["attack_params"] = tuple(tuple(p) for p in base.get("attack_params", ()))
    return Grid(rules=tuple(d["rules"]), attacks=tuple(d["attacks"]), alphas=tuple(float(a) for a in d["alphas"]),
                fractions=tuple(float(f) for f in d["fractions"]), seeds=int(d["seeds"]), seed=int(d["seed"]),
                models=tuple((str(m), int(r)) for m, r in d["models"]), settings=tuple(d["settings"]),
                base=FLConfig(**base))


Cell = tuple[str, str, str, float, float]  # (model, rule, attack, alpha, fraction)


def sample_cells(grid: Any, quick: bool) -> list[Cell]:
    """The cells of ``grid`` a build re-measures (every seed of each), deterministic: per
    model and alpha (with ``quick`` the first model at the most IID alpha only) the clean
    FedAvg cell (the reference of every drop and the convergence check) and, for every
    rule, one attacked cell, the attacks taken in turn (so every attack is sampled) at the
    grid's two smallest positive fractions in turn."""
    fracs = sorted(f for f in grid.fractions if f > 0)[:2]
    models = grid.model_names[:1] if quick else grid.model_names
    alphas = [max(grid.alphas)] if quick else sorted(grid.alphas)
    cells: list[Cell] = []
    k = 0
    for model in models:
        for alpha in alphas:
            cells.append((model, "mean", "none", float(alpha), 0.0))
            for rule in grid.rules:
                cells.append((model, rule, grid.attacks[k % len(grid.attacks)], float(alpha), fracs[k % len(fracs)]))
                k += 1
    return cells


def sample_configs(grid: Any, cells: list[Cell]) -> list[Any]:
    """Every run of ``grid`` (all seeds) that belongs to one of ``cells``."""
    want = set(cells)
    return [c for c in grid.configs() if (c.model, c.rule, c.attack, float(c.alpha), float(c.fraction)) in want]


def controlled_sample(table: dict[str, Any], quick: bool) -> list[Any]:
    """The runs of the controlled experiments a build re-measures (every seed of each):
    the norm-bound experiment's mean at its smallest fraction (clean, and each unbounded
    attack -- with ``quick`` the first -- with the predicate on and off), and the
    ALIE-vs-Krum experiment at its smallest fraction in the grid's setting and (not with
    ``quick``) in the paper's setting (all three factors together)."""
    from agents.fl.findings import (
        ALIE_KRUM_CONDITIONS,
        ALIE_KRUM_FRACTIONS,
        NORM_FRACTIONS,
        UNBOUNDED_ATTACKS,
        alie_krum_configs,
        norm_bound_configs,
    )

    grid = grid_from_description(table["grid"])
    s = table["setup"]
    args = (grid.base, s["model"], int(s["rounds"]), float(s["alpha"]), int(s["seeds"]), int(s["seed"]))
    attacks = {a for _, a, _ in UNBOUNDED_ATTACKS[: 1 if quick else None]}
    norm = [c for c in norm_bound_configs(*args) if c.rule == "mean" and c.fraction in (0.0, min(NORM_FRACTIONS))
            and (c.attack == "none" or c.attack in attacks)]
    arms = ALIE_KRUM_CONDITIONS[:1] if quick else (ALIE_KRUM_CONDITIONS[0], ALIE_KRUM_CONDITIONS[4])
    return norm + alie_krum_configs(*args, conditions=arms, fractions=(min(ALIE_KRUM_FRACTIONS),))


def _diff_pp(a: Any, b: Any) -> float:
    """|a - b| in percentage points; 0 when both are undefined (a rule not applicable), inf when one is."""
    a = math.nan if a is None else float(a)
    b = math.nan if b is None else float(b)
    if a != a or b != b:
        return 0.0 if (a != a and b != b) else math.inf
    return abs(100 * (a - b))


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
    findings_source: dict[str, Any]  # the controlled-experiment table read: path, sha256, git_commit, content_sha256
    remeasured: bool  # this build re-ran both campaigns in full (orfl report --remeasure)
    regenerated_sha256: str  # with remeasured: content SHA-256 of the regenerated tolerance table ("" otherwise)
    regenerated_path: str
    findings_regenerated_sha256: str  # with remeasured: the same for the controlled experiments
    sample: Any  # DataFrame: each re-measured cell, shipped vs re-measured mean accuracy (empty with remeasured)
    controlled_sample: Any  # DataFrame: each re-measured controlled run, shipped vs re-measured accuracy
    sample_runs: int  # runs this build trained afresh (no run cache) to check the shipped tables
    sample_seconds: float  # their single-threaded compute [s]
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
    def findings_match(self) -> bool:
        return self.findings_regenerated_sha256 == str(self.findings_source.get("content_sha256", ""))

    @property
    def sample_max_pp(self) -> float:
        """Largest difference [pp] between a re-measured cell's mean accuracy and the shipped one."""
        return float(self.sample["difference [pp]"].max()) if len(self.sample) else math.nan

    @property
    def controlled_max_pp(self) -> float:
        """Largest difference [pp] between a re-measured controlled run's accuracy and the shipped one."""
        return float(self.controlled_sample["difference [pp]"].max()) if len(self.controlled_sample) else math.nan

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
        if len(self.sample):
            out["tolerance_remeasured"] = self.sample.round(4)
        if len(self.controlled_sample):
            out["tolerance_controlled_remeasured"] = self.controlled_sample.round(4)
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
        numbers["sample_runs"] = self.sample_runs
        if len(self.sample):
            numbers["sample_max_diff_pp"] = self.sample_max_pp
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
        if self.remeasured:
            out.append(Verdict("shipped tolerance table regenerated", self.table_matches,
                               f"content SHA-256 {self.regenerated_sha256[:12]} vs shipped {self.shipped_sha256[:12]}"))
            out.append(Verdict("shipped controlled experiments regenerated", self.findings_match,
                               f"content SHA-256 {self.findings_regenerated_sha256[:12]} vs shipped "
                               f"{str(self.findings_source.get('content_sha256', ''))[:12]}"))
        else:
            for name, frame, what in (("the shipped tolerance table reproduces on this machine", self.sample, "cells"),
                                      ("the shipped controlled experiments reproduce on this machine",
                                       self.controlled_sample, "runs")):
                worst = float(frame["difference [pp]"].max()) if len(frame) else math.nan
                out.append(Verdict(name, bool(len(frame)) and worst <= REPRODUCE_PP,
                                   f"largest difference {worst:.2f} pp over {len(frame)} re-measured {what} "
                                   f"(criterion <= {REPRODUCE_PP:g} pp)"))
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


def _frame(rows: list[dict[str, Any]], numeric: tuple[str, ...]) -> Any:
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in numeric:
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def compare_cells(summary: Any, shipped_rows: Any, cells: list[Cell]) -> Any:
    """Per re-measured cell: the shipped and the re-measured mean accuracy over its seeds
    (both in %) and their difference [pp]; ``applicable`` must agree too (else the
    difference is infinite)."""
    import pandas as pd

    key = ["model", "rule", "attack", "alpha", "fraction"]
    new = {tuple(r[k] for k in key): r for r in summary.to_dict(orient="records")}
    old = {tuple(r[k] for k in key): r for r in shipped_rows.to_dict(orient="records")}
    rows = []
    for cell in cells:
        n, o = new.get(cell), old.get(cell)
        a, b = (None if o is None else o["accuracy_mean"]), (None if n is None else n["accuracy_mean"])
        same = o is not None and n is not None and bool(o["applicable"]) == bool(n["applicable"])
        rows.append({**dict(zip(key, cell, strict=True)), "seeds": len(n["seeds"]) if n is not None else 0,
                     "shipped accuracy [%]": None if a is None or a != a else 100 * a,
                     "re-measured accuracy [%]": None if b is None or b != b else 100 * b,
                     "difference [pp]": _diff_pp(a, b) if same else math.inf})
    return pd.DataFrame(rows)


def compare_runs(runs: Any, rows: list[dict[str, Any]], configs: list[Any]) -> Any:
    """Per re-measured controlled run: the shipped and the re-measured accuracy and their difference [pp]."""
    import pandas as pd

    from agents.fl.tolerance import run_key

    shipped = {r["key"]: r for r in rows}
    out = []
    for cfg, new in zip(configs, runs.to_dict(orient="records"), strict=True):
        old = shipped.get(run_key(cfg))
        a = None if old is None else old["accuracy"]
        out.append({"rule": cfg.rule, "attack": cfg.attack, "fraction": cfg.fraction, "alpha": cfg.alpha,
                    "local steps": cfg.local_steps, "norm predicate": cfg.norm_predicate, "seed": cfg.seed,
                    "shipped accuracy [%]": None if a is None else 100 * float(a),
                    "re-measured accuracy [%]": 100 * float(new["accuracy"]),
                    "difference [pp]": math.inf if old is None else _diff_pp(a, new["accuracy"])})
    return pd.DataFrame(out)


def run(ctx: ReportContext) -> MaliciousToleranceResults:
    from pathlib import Path

    import pandas as pd

    from agents.fl.convergence import converged_round
    from agents.fl.findings import (
        FINDINGS_TABLE_PATH,
        alie_krum_summary,
        alie_krum_verdict,
        controlled_setup,
        finding_verdicts,
        findings_table,
        load_findings_table,
        norm_bound_summary,
        runs_frame,
        unbounded_mean_verdict,
        write_findings_table,
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
    from mechanism.economics.tolerance import SHIPPED_TABLE, load_tolerance_table

    table_path = Path(TABLE_PATH or SHIPPED_TABLE)
    shipped_raw = json.loads(table_path.read_text())
    grid = grid_from_description(shipped_raw["grid"])
    ftable = load_findings_table(FINDINGS_PATH)
    total = len(grid.configs())
    private = TABLE_PATH is not None or CACHE_DIR is not None  # tests: never overwrite results/tolerance
    numeric = ("alpha", "fraction", "accuracy_mean", "accuracy_ci_low", "accuracy_ci_high", "loss_mean", "backdoor_mean")

    def progress(label: str) -> Any:
        def report(done: int, n: int) -> None:
            if done % max(n // 10, 1) == 0 or done == n:
                ctx.progress(f"{label} {done}/{n}")
        return report

    if ctx.remeasure:
        cache = CACHE_DIR or DEFAULT_CACHE_DIR
        runs = run_grid(grid, cache, progress("tolerance grid"), workers=max(1, ctx.jobs))
        table = build_table(grid, runs, DEFAULT_DELTA)
        path = ctx.out_dir / "tables" / "tolerance_table.json" if private else DEFAULT_TABLE_PATH
        write_table(table, path)
        found = findings_table(grid, cache, workers=max(1, ctx.jobs), progress=progress("controlled experiments"),
                               grid_compute_seconds=round(float(runs.seconds.sum()), 1))
        fpath = ctx.out_dir / "tables" / "findings_controlled.json" if private else FINDINGS_TABLE_PATH
        write_findings_table(found, fpath)
        summary = summarise(runs)
        compute = round(float(runs.seconds.sum()), 1)
        sample = controlled = pd.DataFrame()
        clean_runs, n_fresh, sample_seconds = runs, 0, 0.0
        regen, regen_path, fregen = table["provenance"]["content_sha256"], str(path), found["provenance"]["content_sha256"]
        controlled_rows = found
    else:
        summary = _frame(shipped_raw["rows"], numeric)
        cells = sample_cells(grid, ctx.quick)
        grid_cfgs = sample_configs(grid, cells)
        ctl_cfgs = controlled_sample(ftable, ctx.quick)
        fresh = run_configs(grid_cfgs + ctl_cfgs, None, progress("re-measuring the shipped tables"))
        sample = compare_cells(summarise(fresh.iloc[: len(grid_cfgs)]), summary, cells)
        rows = ftable["norm_bound"] + ftable["alie_krum"]
        controlled = compare_runs(fresh.iloc[len(grid_cfgs):], rows, ctl_cfgs)
        compute = float(ftable["provenance"].get("grid_compute_seconds", math.nan))
        clean_runs, n_fresh, sample_seconds = fresh.iloc[: len(grid_cfgs)], len(fresh), round(float(fresh.seconds.sum()), 1)
        regen, regen_path, fregen = "", "", ""
        controlled_rows = ftable
    tol = tolerances(summary, grid, DEFAULT_DELTA)
    tol_pred = tol[tol.setting == "predicates"]

    clean = clean_runs[(clean_runs.rule == "mean") & (clean_runs.attack == "none") & (clean_runs.fraction == 0.0)]
    import numpy as np

    converged: dict[str, int | None] = {}
    for (model, alpha), g in clean.groupby(["model", "alpha"]):
        curves = np.asarray([json.loads(c) for c in g.curve], dtype=float)
        converged[f"{model}@{alpha:g}"] = converged_round(list(curves.mean(axis=0))) if curves.size else None

    setup = controlled_setup(grid)
    model, rounds, hi = setup["model"], setup["rounds"], setup["alpha"]
    norm = norm_bound_summary(runs_frame(controlled_rows["norm_bound"]), DEFAULT_DELTA)
    ak = alie_krum_summary(runs_frame(controlled_rows["alie_krum"]), grid.base, model, rounds, hi, DEFAULT_DELTA)
    from mechanism.errors import InfeasibleError

    design_alpha = None  # the non-IID level the report's design declares (analyses.report.report_scenario)
    try:
        rec = recommendation()
        chosen, beta, why = rec.rule.name, float(rec.rule.tolerance), ""
        design_alpha = rec.inputs.non_iid_alpha
    except InfeasibleError as exc:
        chosen, beta, why = "", math.nan, str(exc)
    prov = ftable.get("provenance", {})
    return MaliciousToleranceResults(
        grid=grid, base=dataclasses.asdict(grid.base), total_runs=total,
        compute_seconds=compute, delta=DEFAULT_DELTA, confidence=0.95,
        summary=summary, tolerance=tol, labels=_alpha_labels(grid.alphas), clean_converged=converged,
        findings=tuple(finding_verdicts(tol_pred)), norm=norm,
        norm_setup={"model": model, "rounds": rounds, "alpha": hi, "seeds": setup["seeds"], "trainers": setup["trainers"]},
        mean_verdict=unbounded_mean_verdict(norm), alie_krum=ak,
        alie_krum_setup={"model": model, "rounds": rounds, "alpha": hi, "seeds": setup["seeds"],
                         "trainers": setup["trainers"], "local_steps": setup["local_steps"]},
        alie_krum_verdict=alie_krum_verdict(ak), settings=settings_comparison(TABLE_PATH),
        shipped=load_tolerance_table(TABLE_PATH, design_alpha),
        findings_source={"path": ftable["path"], "sha256": ftable["sha256"],
                         "git_commit": prov.get("git_commit", "unknown"),
                         "content_sha256": prov.get("content_sha256", ""),
                         "compute_seconds": prov.get("compute_seconds")},
        remeasured=ctx.remeasure, regenerated_sha256=regen, regenerated_path=regen_path,
        findings_regenerated_sha256=fregen, sample=sample, controlled_sample=controlled,
        sample_runs=n_fresh, sample_seconds=sample_seconds,
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


def _cells_text(sample: Any, grid: Any) -> str:
    """What the sample covers, counted from its cells: rules, models, alphas, attacks, fractions."""
    attacks = sorted(set(sample.attack) - {"none"})
    return (f"{sample.rule.nunique()} of {len(grid.rules)} rules, {sample.model.nunique()} of {len(grid.models)} "
            f"models ({', '.join(sorted(set(sample.model)))}), {sample.alpha.nunique()} of {len(grid.alphas)} alphas "
            f"({', '.join(f'{a:g}' for a in sorted(set(sample.alpha)))}), {len(attacks)} of {len(grid.attacks)} "
            f"attacks ({', '.join(attacks)}) at fractions "
            f"{', '.join(f'{f:g}' for f in sorted(set(sample.fraction) - {0.0}))}, and the clean FedAvg cell of every "
            "model and alpha")


def _provenance_text(r: MaliciousToleranceResults) -> str:
    """Where the section's numbers come from: the campaigns re-run in full, or the shipped
    tables with the sample this build re-measured and how far it is from them."""
    f = r.findings_source
    if r.remeasured:
        return (f"This build re-ran both campaigns in full (`orfl report --remeasure`). The regenerated tolerance "
                f"table ({r.regenerated_path}) has content SHA-256 `{r.regenerated_sha256[:16]}`, which "
                + ("matches" if r.table_matches else "**differs from**") + f" the shipped table's "
                f"`{r.shipped_sha256[:16]}`; the regenerated controlled experiments have `"
                f"{r.findings_regenerated_sha256[:16]}`, which "
                + ("matches" if r.findings_match else "**differs from**")
                + f" the shipped `{str(f.get('content_sha256', ''))[:16]}`"
                + ("." if r.table_matches and r.findings_match else
                   ": a shipped table is stale and should be replaced by the regenerated one."))
    cells, ctl = r.sample, r.controlled_sample
    v = {x.name: x for x in r.verdicts()}
    grid_ok = v["the shipped tolerance table reproduces on this machine"]
    ctl_ok = v["the shipped controlled experiments reproduce on this machine"]
    return (f"The grid and the controlled experiments below are read from the shipped tables, not re-run on every "
            f"build (`orfl report --remeasure` re-runs both in full and compares their SHA-256). To check that the "
            f"shipped numbers hold on this machine, this build re-measured {len(cells)} cells of the grid with all "
            f"their seeds ({_cells_text(cells, r.grid)}; each in the table `tolerance_remeasured`) and {len(ctl)} runs of the "
            f"controlled experiments, {r.sample_runs} runs in all ({r.sample_seconds:g} s of single-threaded run "
            "time, without the run cache): the "
            f"largest difference of a cell's mean accuracy from the shipped one is {r.sample_max_pp:.2f} pp and of "
            f"a controlled run's accuracy {r.controlled_max_pp:.2f} pp, so the shipped tables "
            + (grid_ok.said("reproduce", "**do not reproduce**") if grid_ok.passed == ctl_ok.passed
               else ("reproduce only in part" if grid_ok.passed or ctl_ok.passed else "**do not reproduce**"))
            + f" on this machine (criterion: at most {REPRODUCE_PP:g} pp; every cell in "
            f"`tables/tolerance_remeasured.csv`). The controlled experiments' table `{Path(f['path']).name}` has "
            f"SHA-256 `{str(f['sha256'])[:16]}`, content SHA-256 `{str(f.get('content_sha256', ''))[:16]}`, git "
            f"commit `{str(f.get('git_commit', 'unknown'))[:12]}`.")


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
    regen = _provenance_text(r)
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
{r.total_runs} runs, {r.compute_seconds:g} s of single-threaded run time as recorded when measured (a campaign of its own,
`orfl tolerance` or `orfl report --remeasure`, cached in `results/cache/tolerance`; every cell's accuracy, CI, loss
and backdoor success is in [`tables/tolerance_accuracy.csv`](tables/tolerance_accuracy.csv)).

### The tolerance the design uses

The shipped table `{shipped.path.split('/')[-1]}` (SHA-256 `{shipped.sha256[:16]}`, {shipped.source}, git commit
`{str(shipped.provenance.get('git_commit', 'unknown'))[:12]}`, seeds {shipped.provenance.get('seeds')}) is read
through one function by `orfl recommend`, the ABM and this report. At its most heterogeneous measured alpha
({shipped.alpha:g}; measured: {', '.join(f'{a:g}' for a in shipped.alphas)}) the design tolerances (worst case over
attacks and models, lower 95% CI end) are: {per_rule}. At that alpha {used}
The literature column is the cited comparison the economics used before this measurement; it is not
used by any computation.

### Shipped tables and this build's check

{regen}
""", "### Proof-checked training\n", _settings_text(r), "\n### Published findings\n", _findings_text(r)]
    ak = _alie_krum_text(r)
    if ak:
        lines += ["", ak]
    missing = [f"{rule} ({e.missing})" for rule, e in shipped.rules.items() if e.missing]
    if missing:
        lines.append(f"\nRules the shipped table cannot vouch for (never recommended): {'; '.join(missing)}.")
    return "\n".join(lines)
