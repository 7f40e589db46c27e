"""Report section: what the protocol reveals about each trainer, and what local
differential privacy costs in noise (docs/privacy.md).

Disclosure is counted from the proofs the games submit
(:mod:`mechanism.privacy.disclosure`); epsilon comes from Google's ``dp-accounting``
(:mod:`mechanism.privacy.accounting`, RDP and PLD), checked against the closed-form
zCDP bound of Bun and Steinke (2016). Hiding (salted) leaves are measured by playing
their disputes (:func:`mechanism.privacy.disclosure.hiding_dispute`) and their one-step
gas in the EVM (``HidingLeaf.vy``, :mod:`mechanism.evm.hiding_leaf`). Local DP against
robustness is read from the shipped measured privacy table
(``mechanism/data/tolerance_privacy.json``, :func:`mechanism.economics.tolerance.read_privacy_table`),
not retrained: the accuracy rows for the figure and beta* per (rule, alpha, epsilon) exactly
as ``orfl recommend --privacy-epsilon`` reads it (docs/privacy.md, 'The measured privacy table').
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict

TITLE = "Privacy: disclosure per protocol path and the noise local DP needs"
#: Rules whose aggregation disputes are counted (every rule with a trace program).
RULES = ("mean", "median", "trimmed_mean", "krum", "bulyan", "geometric_median", "centered_clipping")
#: Reference deployment of the disclosure table (the dispute-cost section's size).
TRAINERS, MODEL_SIZE = 50, 1_000_000
#: Delta of the (epsilon, delta) guarantees: below 1 / (number of trainers' records).
DELTA = 1e-5
#: Epsilon targets calibrated in the table.
EPSILONS = (1.0, 4.0, 16.0)
#: Rules whose disputes over salted leaves are played (every hiding-capable coordinate rule).
HIDING_RULES = ("mean", "median", "trimmed_mean")
#: Hiding disputes played per rule (every strategy, both liars).
HIDING_GAMES = 24
#: The committee of design (b) priced in the designs table: an assumed majority threshold,
#: t of m members (docs/privacy_committee.md); t and m are inputs of its cost model.
COMMITTEE_THRESHOLD, COMMITTEE_MEMBERS = 5, 9


@dataclass(frozen=True)
class PrivacyResults(SectionResults):
    disclosure: Any  # DataFrame: one row per path/rule
    accounting: Any  # DataFrame: epsilon per (noise multiplier, rounds, accountant)
    calibrated: Any  # DataFrame: least noise multiplier per epsilon target and rounds
    rounds: int
    delta: float
    chunk: int
    arity: int
    hiding: Any = None  # DataFrame: one row per rule, what its disputes over salted leaves revealed
    designs: Any = None  # DataFrame: one row per design, what is revealed and its extra gas
    hiding_gas: Any = None  # dict: the EVM opening of n chunks, plain vs salted (mechanism.evm.hiding_leaf)
    #: DataFrame: accuracy per (model, alpha, rule, attack, fraction, epsilon) with 95% CI, the
    #: rows of the shipped privacy table (mechanism/data/tolerance_privacy.json)
    ldp_accuracy: Any = None
    #: DataFrame: beta* per (rule, alpha, epsilon) as ``orfl recommend --privacy-epsilon`` reads it
    #: (worst case over the attacks, lower CI end; NaN when the rule learns nothing there)
    ldp_tolerance: Any = None
    ldp_params: Any = None  # dict: the privacy table's file, SHA-256, provenance and grid
    #: {alpha: agents.fl.privacy_tradeoff.TradeoffComparison}: the measured trade-off's shape
    #: against the published analyses (docs/privacy_tradeoff.md)
    ldp_tradeoff: Any = None
    committee: Any = None  # mechanism.privacy.committee_cost.CommitteeCost of design (b)

    @property
    def ldp_costs_accuracy(self) -> Verdict:
        """Does local DP lower clean accuracy at the smallest measured epsilon (the direction
        of Guerraoui et al., PODC 2021; Allouah et al., ICML 2023)?"""
        a = self.ldp_accuracy
        a = a[a["alpha"] == self.ldp_alphas[0]] if "alpha" in a and self.ldp_alphas else a
        clean = a[(a["attack"] == "none") & (a["fraction"] == 0.0)]
        lo, inf = clean["epsilon"].min(), clean[clean["epsilon"] == float("inf")]
        drops = []
        for rule, g in clean.groupby("rule"):
            ref = inf[inf["rule"] == rule]["accuracy"]
            at = g[g["epsilon"] == lo]["accuracy"]
            if len(ref) and len(at):
                drops.append((rule, float(ref.iloc[0]) - float(at.iloc[0])))
        ok = bool(drops) and all(d > 0 for _, d in drops)
        return Verdict("local DP: accuracy falls as epsilon falls (published direction)", ok,
                       "; ".join(f"{r}: {d * 100:.1f} pp lower at epsilon {lo:g} than without noise"
                                 for r, d in drops))

    @property
    def hides(self) -> Verdict:
        h = self.hiding
        if h is None:
            return Verdict("hiding leaves: a dispute reveals only the opened chunks", True, "not measured")
        bad = h[(h["unopened_salts_revealed"] > 0) | (h["own_values"] > self.chunk) | (h["salts"] > 1)
                | (h["honest_wins"] < h["games"])]
        return Verdict("hiding leaves: a dispute reveals only the opened chunks", bad.empty,
                       f"{int(h['games'].sum())} games on {len(h)} rules, honest side won {int(h['honest_wins'].sum())}; "
                       f"{int(h['unopened_salts_revealed'].sum())} "
                       f"unopened salts in any move; at most {int(h['own_values'].max())} values and "
                       f"{int(h['salts'].max())} salt of a trainer per dispute")

    @property
    def ordered(self) -> Verdict:
        a = self.accounting
        bad = a[(a["pld"] > a["rdp"] * 1.001) | (a["rdp"] > a["zcdp_bound"] * 1.001)]
        return Verdict("privacy accounting: PLD <= RDP <= closed-form zCDP bound", bad.empty,
                       f"{len(a) - len(bad)} of {len(a)} (noise, rounds) cells ordered")

    @property
    def max_dispute_values(self) -> int:
        d = self.disclosure
        return int(d[d["path"] == "aggregation_dispute"]["own_values"].max())

    @property
    def ldp_shape(self) -> Verdict:
        """Clean accuracy loss against the noise variance d(2Cz)^2: do the (alpha, rule) fits
        contradict the linear shape of Allouah et al., ICML 2023
        (:class:`agents.fl.privacy_tradeoff.CleanShape`) more often than chance would?

        Each fit is a 95% test, so with k fits about 5% of them reject a true linear shape by
        chance; the check fails when the number that disagree is improbable under that null
        (binomial tail P(X >= disagreeing | k, 0.05) <= 0.05), a family-wise reading of the
        individual intervals rather than a failure on the first rejection."""
        from scipy.stats import binom

        shapes = [(a, c) for a, t in sorted(self.ldp_tradeoff.items()) for c in t.clean]
        bad = [(a, c) for a, c in shapes if c.status == "disagrees"]
        agree = sum(c.status == "agrees" for _, c in shapes)
        tail = float(binom.sf(len(bad) - 1, len(shapes), 0.05)) if bad else 1.0
        return Verdict("local DP: clean accuracy loss linear in the noise variance (Allouah et al., ICML 2023)",
                       bool(shapes) and tail > 0.05,
                       f"{agree} of {len(shapes)} (alpha, rule) fits agree, {len(bad)} disagree"
                       + ("" if not bad else ": " + ", ".join(
                           f"{c.rule} at alpha {a:g} (exponent {c.exponent:.2f} [{c.exponent_ci_low:.2f}, "
                           f"{c.exponent_ci_high:.2f}])" for a, c in bad)
                          + f"; P(at least {len(bad)} of {len(shapes)} 95% fits reject a true linear shape) = "
                            f"{tail:.2f}"))

    @property
    def ldp_vn(self) -> Verdict:
        """No robustness break where the VN condition of Guerraoui et al. (PODC 2021) holds."""
        cells = [b for t in self.ldp_tradeoff.values() for b in t.breakdowns]
        bad = [b for b in cells if b.status == "contradicts"]
        return Verdict("local DP: no robustness break where the VN condition holds (Guerraoui et al., PODC 2021)",
                       not bad, f"{len(bad)} of {len(cells)} (alpha, rule, attack, fraction) cells broke below "
                                "their VN threshold")

    def verdicts(self) -> list[Verdict]:
        return ([self.ordered] + ([self.hides] if self.hiding is not None else [])
                + ([self.ldp_costs_accuracy] if self.ldp_accuracy is not None else [])
                + ([self.ldp_shape, self.ldp_vn] if self.ldp_tradeoff else []))

    def measurements(self) -> list[Measurement]:
        row = self.calibrated[(self.calibrated["epsilon_target"] == 4.0) & (self.calibrated["rounds"] == self.rounds)]
        z = float(row["noise_multiplier"].iloc[0]) if len(row) else float("nan")
        return [Measurement("raw values of one trainer an aggregation dispute opens (worst rule and stage)",
                            self.max_dispute_values, "values", "measured",
                            f"proofs of every stage, chunk {self.chunk}, arity {self.arity}"),
                Measurement(f"noise multiplier for epsilon 4 over {self.rounds} rounds", z, "x 2C", "measured",
                            f"dp-accounting RDP, delta {self.delta:g}"), *self._hiding_measurements(),
                *self._committee_measurements(), *self._tradeoff_measurements()]

    def _committee_measurements(self) -> list[Measurement]:
        c = self.committee
        if c is None:
            return []
        src = c.measured.describe()
        where = f"{Path(src['file']).name}; SHA-256 {src['sha256'][:12]}; CommitteeReveal.vy in the EVM"
        return [Measurement(f"extra one-step gas of committee openings over salted leaves (t={c.threshold}, "
                            f"n={c.trainers})", c.extra_gas_per_dispute, "gas", "measured", where),
                Measurement(f"encryption of one update to the committee, d={c.d:,}, one core",
                            c.encrypt_seconds_per_update, "s", "measured", where)]

    def _tradeoff_measurements(self) -> list[Measurement]:
        if not self.ldp_tradeoff:
            return []
        out = []
        for alpha, t in sorted(self.ldp_tradeoff.items()):
            if t.stats is not None:
                out.append(Measurement(f"VN ratio of honest logreg updates without noise (best round, alpha {alpha:g})",
                                       t.stats.best_vn_ratio(0.0), "1", "measured",
                                       f"agents.fl.privacy_tradeoff.measure_honest_updates, seed 0, "
                                       f"{len(t.stats.update_norm_l2)} rounds"))
        return out

    def _hiding_measurements(self) -> list[Measurement]:
        g = self.hiding_gas
        if g is None:
            return []
        return [Measurement("extra one-step gas of salted leaves (n chunks under a column leaf)",
                            g["salted_gas"] - g["plain_gas"], "gas", "measured",
                            f"HidingLeaf.vy in the EVM, n={g['n']}, chunk {g['chunk']}, arity {g['arity']}, "
                            f"depth {g['depth']}, execution + EIP-2028 calldata"),
                Measurement("extra one-step calldata of salted leaves", g["salted_calldata"] - g["plain_calldata"],
                            "bytes", "measured", f"the {g['n']} salts, HidingLeaf.vy")]

    def tables(self) -> dict[str, Any]:
        out = {"privacy_disclosure": self.disclosure, "privacy_accounting": self.accounting,
               "privacy_calibration": self.calibrated}
        if self.hiding is not None:
            out["privacy_hiding"] = self.hiding
        if self.designs is not None:
            out["privacy_designs"] = self.designs
        if self.ldp_accuracy is not None:
            out["privacy_ldp_accuracy"] = self.ldp_accuracy
            out["privacy_ldp_tolerance"] = self.ldp_tolerance
            if self.ldp_tolerance is not None and "alpha" in self.ldp_tolerance:
                out["privacy_ldp_beta"] = self.ldp_beta_table()
        for alpha, t in sorted((self.ldp_tradeoff or {}).items()):
            for name, frame in t.tables().items():
                out[f"privacy_{name}_alpha{alpha:g}"] = frame
        return out

    @property
    def ldp_alphas(self) -> tuple[float, ...]:
        """The alphas of :data:`LDP_ALPHAS` the privacy table measured."""
        have = set(self.ldp_tolerance["alpha"]) if self.ldp_tolerance is not None else set()
        return tuple(a for a in LDP_ALPHAS if a in have)

    def ldp_beta_table(self) -> Any:
        """beta* per (alpha, rule) and epsilon: the design's value, or "-" where the rule learns nothing."""
        import pandas as pd

        t = self.ldp_tolerance
        rows: dict[tuple[float, str], dict[str, Any]] = {}
        for r in t.itertuples(index=False):
            row = rows.setdefault((r.alpha, r.rule), {"alpha": r.alpha, "rule": r.rule})
            row[f"epsilon {r.epsilon:g}"] = f"{r.tolerance_ci_low:g}" if r.usable else "-"
        return pd.DataFrame(list(rows.values()))

    def numbers(self) -> dict[str, Any]:
        out: dict[str, Any] = {"max_dispute_values": self.max_dispute_values, "rounds": self.rounds,
                               "accountants_ordered": "yes" if self.ordered.passed else "no"}
        g = self.hiding_gas
        if g is not None:
            out |= {"hiding_extra_gas": g["salted_gas"] - g["plain_gas"],
                    "hiding_extra_calldata": g["salted_calldata"] - g["plain_calldata"],
                    "hiding_extra_percent": round(100 * (g["salted_gas"] - g["plain_gas"]) / g["plain_gas"], 1),
                    "hiding_leaves_hide": "yes" if self.hides.passed else "no"}
        c = self.committee
        if c is not None:
            out |= {"committee_threshold": c.threshold, "committee_members": c.members,
                    "committee_extra_gas": round(c.extra_gas_per_dispute),
                    "committee_encrypt_seconds": round(c.encrypt_seconds_per_update, 1),
                    "committee_expansion": round(c.expansion, 3)}
        return out

    def params(self) -> dict[str, Any]:
        return {"trainers": TRAINERS, "model_size": MODEL_SIZE, "delta": self.delta, "rounds": self.rounds,
                "chunk": self.chunk, "arity": self.arity, "epsilons": list(EPSILONS)}

    def seeds(self) -> list[int]:
        return [0]


def _training_rounds() -> int:
    """Rounds of the tolerance grid's logistic-regression runs (its convergence criterion),
    the number of releases a trainer makes in a training run."""
    from agents.fl.convergence import CONVERGED_ROUNDS

    return int(dict(CONVERGED_ROUNDS)["logreg"])


def run(ctx: ReportContext) -> PrivacyResults:
    import pandas as pd

    from mechanism.economics.workload import dispute_geometry
    from mechanism.privacy.accounting import ldp_epsilon, noise_multiplier_for, zcdp_epsilon
    from mechanism.privacy.disclosure import aggregation_dispute, publication, training_dispute

    chunk, arity = dispute_geometry()
    rows: list[dict[str, Any]] = []
    p = publication(MODEL_SIZE)
    rows.append({"path": "publication", "rule": "-", "own_values": p.own_values_per_dispute,
                 "fraction_of_update": p.fraction_of_update, "derived_values": 0, "worst_stage": "-"})
    for rule in RULES:
        ctx.progress(f"privacy: disclosure of a {rule} dispute")
        kw: dict[str, Any] = {"f": 2} if rule in ("krum", "bulyan") else {}
        n = 12 if rule != "bulyan" else 15
        d = aggregation_dispute(rule, n, MODEL_SIZE, chunk_size=chunk, arity=arity, **kw)
        rows.append({"path": "aggregation_dispute", "rule": rule, "own_values": d.own_values_per_dispute,
                     "fraction_of_update": d.fraction_of_update, "derived_values": d.derived_values_per_dispute,
                     "worst_stage": d.worst_stage})
    for model in ("logreg", "mlp"):
        t = training_dispute(model, steps=1)
        rows.append({"path": "training_dispute", "rule": model, "own_values": t.feature_values + t.labels,
                     "fraction_of_update": float("nan"), "derived_values": t.state_values,
                     "worst_stage": f"{t.worst_stage} ({t.examples_opened} examples, "
                                    f"{t.data_fraction:.1%} of the shard's features)"})
    disclosure = pd.DataFrame(rows)

    rounds = _training_rounds()
    zs = (0.5, 1.0, 2.0, 4.0, 8.0) if not ctx.quick else (1.0, 4.0)
    rs = sorted({1, 10, rounds, 100})
    acc = pd.DataFrame([{"noise_multiplier": z, "rounds": r, "rdp": ldp_epsilon(z, r, DELTA, "rdp"),
                         "pld": ldp_epsilon(z, r, DELTA, "pld"), "zcdp_bound": zcdp_epsilon(z, r, DELTA)}
                        for z in zs for r in rs])
    cal = pd.DataFrame([{"epsilon_target": e, "rounds": r, "noise_multiplier": noise_multiplier_for(e, DELTA, r),
                         "epsilon_rdp": ldp_epsilon(noise_multiplier_for(e, DELTA, r), r, DELTA)}
                        for e in EPSILONS for r in (rounds,)])
    hiding, designs, gas, committee = _hiding(ctx, chunk, arity)
    ldp_acc, ldp_tol, ldp_params = _ldp(ctx)
    return PrivacyResults(disclosure, acc, cal, rounds, DELTA, chunk, arity, hiding, designs, gas,
                          ldp_acc, ldp_tol, ldp_params, _ldp_tradeoff(ctx, ldp_acc, ldp_params), committee)


def _ldp_tradeoff(ctx: ReportContext, acc: Any, params: dict[str, Any]) -> dict[float, Any]:
    """The measured trade-off's shape against the published analyses, per alpha of the
    privacy table (:func:`agents.fl.privacy_tradeoff.compare_grid`; docs/privacy_tradeoff.md).
    Cells a rule cannot run (Bulyan needs n >= 4f + 3) have no accuracy and are left out."""
    from agents.fl.privacy_tradeoff import compare_grid
    from agents.fl.training import FLConfig

    ctx.progress("privacy: the trade-off's shape against the published analyses")
    base = FLConfig(model="logreg", n_trainers=int(params["trainers"]), alpha=LDP_ALPHAS[0])
    measured = acc.dropna(subset=["accuracy"])
    return {alpha: t for (_, alpha), t in compare_grid(measured, base, measure=True, seed=0).items()}


#: Alphas of the section's beta* table (near-IID first, then the most heterogeneous measured).
LDP_ALPHAS = (100.0, 0.1)
#: Malicious fraction of the attacked curves of the accuracy-epsilon figure.
LDP_FIGURE_FRACTION = 0.2


def _ldp(ctx: ReportContext, path: Any = None) -> tuple[Any, Any, dict[str, Any]]:
    """Accuracy against epsilon per rule, clean and attacked, and beta* per (rule, alpha,
    epsilon), read from the shipped measured privacy table (no retraining; the table is
    written by ``orfl tolerance --privacy-epsilon ... --out``). beta* is what ``orfl recommend
    --privacy-epsilon`` uses (:func:`mechanism.economics.tolerance.load_tolerance_table`)."""
    import math

    import pandas as pd

    from mechanism.economics.tolerance import load_tolerance_table, read_privacy_table

    raw, digest, path = read_privacy_table(path)
    ctx.progress(f"privacy: the measured privacy table {path.name}")
    acc = pd.DataFrame(raw["rows"])
    for col in ("epsilon", "epsilon_accountant", "accuracy", "accuracy_ci_low", "accuracy_ci_high"):
        acc[col] = [math.nan if v is None else float(v) for v in acc[col]]
    grid = raw["grid"]
    eps = sorted(float(e) for e in grid["epsilons"])
    rows = []
    for alpha in (a for a in LDP_ALPHAS if a in {float(x) for x in grid["alphas"]}):
        for e in eps:
            t = load_tolerance_table(path, alpha, epsilon=e)
            for entry in t.entries:
                clean = t.clean_accuracy.get(entry.rule, {}).get("at_epsilon") or {"mean": math.nan,
                                                                                    "ci95": [math.nan, math.nan]}
                rows.append({"rule": entry.rule, "alpha": t.alpha, "epsilon": e,
                             "noise_multiplier": t.privacy.get("noise_multiplier"),
                             "tolerance_ci_low": math.nan if entry.beta is None else entry.beta,
                             "worst_attack": entry.worst_attack, "usable": entry.missing is None,
                             "clean_accuracy": clean["mean"], "clean_accuracy_ci_low": clean["ci95"][0],
                             "missing": entry.missing or ""})
    params = {"table": str(path), "sha256": digest, "content_sha256": raw["provenance"].get("content_sha256"),
              "git_commit": raw["provenance"].get("git_commit"), "rules": grid["rules"], "attacks": grid["attacks"],
              "alphas": grid["alphas"], "fractions": grid["fractions"], "epsilons": [str(e) for e in eps],
              "seeds": grid["seeds"], "models": grid["models"], "trainers": grid["trainers"],
              "dataset": grid.get("dataset", "digits"),
              "delta": raw["delta"], "privacy_delta": raw["privacy_delta"], "chance_accuracy": raw["chance_accuracy"]}
    return acc, pd.DataFrame(rows), params


def _hiding(ctx: ReportContext, chunk: int, arity: int) -> tuple[Any, Any, dict[str, Any]]:
    """Disputes over salted leaves played per rule, the designs compared, and the one-step
    gas of plain vs salted openings measured in the EVM at the reference deployment."""
    import pandas as pd

    from mechanism.evm.hiding_leaf import measure
    from mechanism.privacy.committee_cost import cost as committee_cost
    from mechanism.privacy.disclosure import aggregation_dispute, designs, hiding_dispute

    rows = []
    for rule in HIDING_RULES:
        ctx.progress(f"privacy: disputes of {rule} over salted leaves")
        kw: dict[str, Any] = {"f": 2} if rule == "trimmed_mean" else {}
        h = hiding_dispute(rule, 12, MODEL_SIZE, chunk_size=chunk, arity=arity, games=HIDING_GAMES, **kw)
        rows.append({"rule": rule, "games": h.games, "disputes_opening_values": h.disputes_opening_values,
                     "own_values": h.own_values_per_dispute, "salts": h.salts_per_dispute,
                     "trainers_opened": h.trainers_opened, "unopened_salts_revealed": h.unopened_salts_revealed,
                     "honest_wins": h.honest_wins})
    ctx.progress("privacy: one-step gas of salted leaves in the EVM")
    g = measure(TRAINERS, MODEL_SIZE, chunk, arity)
    gas = {"n": g.n, "chunk": g.chunk, "arity": g.arity, "depth": g.depth, "plain_gas": g.plain.total_gas,
           "salted_gas": g.salted.total_gas, "plain_exec": g.plain.exec_gas, "salted_exec": g.salted.exec_gas,
           "plain_calldata": g.plain.calldata_bytes, "salted_calldata": g.salted.calldata_bytes,
           "plain_gas_eip7623": g.plain.total_gas_eip7623, "salted_gas_eip7623": g.salted.total_gas_eip7623}
    plain = aggregation_dispute("median", 12, MODEL_SIZE, chunk_size=chunk, arity=arity)
    med = hiding_dispute("median", 12, MODEL_SIZE, chunk_size=chunk, arity=arity, games=HIDING_GAMES)
    com = committee_cost(COMMITTEE_THRESHOLD, COMMITTEE_MEMBERS, TRAINERS, MODEL_SIZE, chunk)
    compared = designs(MODEL_SIZE, plain, med, committee=com)
    extra = {"commitments, salted leaves": (g.extra_gas, g.extra_calldata_bytes)}
    for r in compared:  # the committee's extra is over the salted one-step: add the salted one's over plain
        if r.extra_gas_over_salted is not None:
            extra[r.design] = (g.extra_gas + r.extra_gas_over_salted,
                               g.extra_calldata_bytes + (r.extra_calldata_bytes_over_salted or 0))
    table = pd.DataFrame([{"design": r.design, "published_values": r.published_values,
                           "dispute_values": r.dispute_values, "dispute_salts": r.dispute_salts,
                           "unopened": r.unopened, "fraud_proofs": r.fraud_proofs,
                           "extra_onestep_gas": round(extra.get(r.design, (0, 0))[0]),
                           "extra_calldata_bytes": round(extra.get(r.design, (0, 0))[1]),
                           "offchain": r.offchain, "data_availability": r.data_availability}
                          for r in compared])
    return pd.DataFrame(rows), table, gas, com


def plot(results: PrivacyResults, ctx: ReportContext) -> list[Figure]:
    from analyses.style import colors, new_figure, save_figure

    a = results.accounting
    fig, ax = new_figure()
    rs = sorted(a["rounds"].unique())
    for c, r in zip(colors(len(rs)), rs, strict=True):
        g = a[a["rounds"] == r]
        ax.plot(g["noise_multiplier"], g["rdp"], "o-", color=c, label=f"R={r}: RDP")
        ax.plot(g["noise_multiplier"], g["pld"], "s--", color=c, ms=3, lw=1, label=f"R={r}: PLD")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("noise multiplier z [std / (2 C)]")
    ax.set_ylabel(f"epsilon at delta = {results.delta:g} [1]")
    ax.set_title("local DP of a trainer after R rounds (dp-accounting)")
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, ctx.figures_dir, "privacy_epsilon")
    figs = [("privacy_epsilon", "Epsilon of a trainer's local-DP guarantee against the noise multiplier, "
                                "after R rounds: RDP and PLD accountants.")]
    if results.ldp_accuracy is not None:
        figs.append(_plot_ldp(results, ctx))
    return figs


def _plot_ldp(results: PrivacyResults, ctx: ReportContext) -> Figure:
    """Accuracy against epsilon per rule at each alpha of the beta* table: clean, and under
    the worst attack at :data:`LDP_FIGURE_FRACTION` (lowest mean accuracy at that epsilon)."""
    import numpy as np

    from analyses.style import colors, new_figure, save_figure

    a = results.ldp_accuracy
    fig, axes = new_figure(ncols=len(results.ldp_alphas), sharey=True)
    finite = a[np.isfinite(a["epsilon"])]["epsilon"]
    inf_x = float(finite.max()) * 3 if len(finite) else 1.0
    rules = sorted(a["rule"].unique())
    for ax, alpha in zip(np.atleast_1d(axes), results.ldp_alphas, strict=True):
        at = a[a["alpha"] == alpha]
        for c, rule in zip(colors(len(rules)), rules, strict=True):
            mine = at[at["rule"] == rule]
            clean = mine[mine["attack"] == "none"].sort_values("epsilon")
            hit = mine[(mine["attack"] != "none") & (mine["fraction"] == LDP_FIGURE_FRACTION)].dropna(subset=["accuracy"])
            worst = hit.loc[hit.groupby("epsilon")["accuracy"].idxmin()].sort_values("epsilon") if len(hit) else hit
            for g, ls, mk, label in ((clean, "-", "o", f"{rule}: clean"),
                                     (worst, "--", "x", f"{rule}: worst attack, {LDP_FIGURE_FRACTION:.0%}")):
                if g.empty:
                    continue
                x = np.where(np.isfinite(g["epsilon"]), g["epsilon"], inf_x)
                err = np.vstack([g["accuracy"] - g["accuracy_ci_low"], g["accuracy_ci_high"] - g["accuracy"]])
                ax.errorbar(x, g["accuracy"], yerr=np.nan_to_num(np.clip(err, 0, None)), color=c, capsize=2, ls=ls,
                            marker=mk, ms=3, lw=1, label=label)
        ax.axhline(float(results.ldp_params["chance_accuracy"]), color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_title(f"alpha = {alpha:g}")
        ax.set_xlabel(f"local-DP epsilon over the run [1] (no noise at {inf_x:g})")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("test accuracy [1]")
    handles, labels = first.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=6, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.38)
    save_figure(fig, ctx.figures_dir, "privacy_accuracy_epsilon")
    p = results.ldp_params
    return ("privacy_accuracy_epsilon",
            f"Test accuracy against the local-DP epsilon per rule ({', '.join(m for m, _ in p['models'])} on "
            f"{p['dataset']}, {p['trainers']} trainers), "
            f"clean (solid) and under the worst attack at a malicious fraction of {LDP_FIGURE_FRACTION:.0%} (dashed), "
            "with 95% intervals over seeds, read from the shipped measured privacy table; dotted: chance.")


def text(results: PrivacyResults) -> str:
    r = results
    d = r.disclosure
    agg = d[d["path"] == "aggregation_dispute"]
    worst = agg.loc[agg["derived_values"].idxmax()]
    cal = r.calibrated
    zline = ", ".join(f"epsilon {e:g}: z = {z:.2f}" for e, z in zip(cal["epsilon_target"], cal["noise_multiplier"],
                                                                   strict=True))
    ordered = r.ordered.said("are ordered as theory requires (PLD <= RDP <= zCDP bound)",
                             "are **not** ordered as theory requires")
    return f"""
Publishing an update for data availability reveals all of it: {MODEL_SIZE:,} values per
trainer per round. An aggregation dispute opens at most **{r.max_dispute_values}** raw values of
one trainer (one chunk of {r.chunk} coordinates, worst rule and stage), a fraction
{r.max_dispute_values / MODEL_SIZE:.1e} of its update; the rule that opens most derived values
is {worst['rule']} ({int(worst['derived_values'])} values at stage {worst['worst_stage']}: distances,
norms or weights computed from several trainers). A training dispute opens raw examples of one
minibatch (table). So hiding the updates (salted leaves, or encryption to a committee) would
limit a trainer's disclosure to what disputes open; as long as updates are published for data
availability, only local differential privacy protects the data.

Local DP with the Gaussian mechanism on clipped updates, over the {r.rounds} rounds of a
training run at delta = {r.delta:g}, needs noise multipliers {zline} (std = z x 2C). The
accountants {ordered} ({r.ordered.detail}).
{_hiding_text(r)}{_committee_text(r)}{_ldp_text(r)}{_tradeoff_text(r)}"""


def _ldp_text(r: PrivacyResults) -> str:
    if r.ldp_accuracy is None:
        return ""
    import math

    v, t, p = r.ldp_costs_accuracy, r.ldp_tolerance, r.ldp_params
    said = v.said("Local DP costs accuracy, as the published analyses find",
                  "**Local DP did not lower accuracy everywhere** in this grid")
    eps = sorted(set(t["epsilon"]))
    n_rules = len(set(t["rule"]))
    usable = "; ".join(f"at alpha {a:g}: " + ", ".join(
        f"{int(t[(t['alpha'] == a) & (t['epsilon'] == e)]['usable'].sum())} "
        + (f"at epsilon {e:g}" if math.isfinite(e) else "without noise") for e in eps) for a in r.ldp_alphas)
    table = r.ldp_beta_table()
    cols = [c for c in table.columns if c.startswith("epsilon ")]
    md = []
    for a in r.ldp_alphas:
        md.append(f"\n*beta\\* at alpha {a:g}* (\"-\": the rule learns nothing there)\n\n| rule | "
                  + " | ".join(c.removeprefix("epsilon ") for c in cols) + " |\n|---|" + "---|" * len(cols))
        md += ["| " + " | ".join([str(rec["rule"]), *(str(rec[c]) for c in cols)]) + " |"
               for rec in table[table["alpha"] == a].to_dict(orient="records")]
    shape = _ldp_shape(t, r.ldp_alphas[0])
    usable_t = t[t["usable"]]
    best = "; ".join(
        f"at alpha {a:g}, {_max(usable_t[(usable_t['alpha'] == a) & (usable_t['epsilon'] != math.inf)])} over the "
        f"finite epsilons and {_max(usable_t[(usable_t['alpha'] == a) & (usable_t['epsilon'] == math.inf)])} without noise"
        for a in r.ldp_alphas)
    finite = [e for e in eps if math.isfinite(e)]
    return f"""
**Local DP against robustness** (measured: the Gaussian mechanism at every honest trainer, epsilon
from the accountant, the norm predicate widened so noisy honest updates pass; attackers use the
same larger ball). The numbers are read from the shipped measured privacy table
`{Path(p["table"]).name}` (file SHA-256 {p["sha256"][:12]}..., content SHA-256 {str(p["content_sha256"])[:12]}...,
runs at commit {str(p["git_commit"])[:8]}): {n_rules} rules, attacks {", ".join(p["attacks"])}, alphas
{", ".join(f"{a:g}" for a in p["alphas"])}, malicious fractions {", ".join(f"{f:g}" for f in p["fractions"] if f > 0)},
{p["seeds"]} seeds, models {", ".join(f"{m} ({n} rounds)" for m, n in p["models"])}, {p["trainers"]} trainers,
epsilons {", ".join(f"{e:g}" for e in finite)} and no noise, at delta = {p["privacy_delta"]:g}. {said} ({v.detail}).

`orfl recommend --privacy-epsilon E` reads this table: beta* at E is the largest malicious fraction
whose attacked accuracy (lower end of its 95% interval, worst attack) stays within {p["delta"]:g}
of the rule's own clean accuracy at E, and a rule whose clean accuracy at E does not learn (lower
end of its interval within {p["delta"]:g} of chance, {p["chance_accuracy"]:g}) is excluded. Rules
that learn, of {n_rules}, per epsilon: {usable} (table `privacy_ldp_beta`).
{chr(10).join(md)}

The largest beta\\* of any rule that learns: {best}. {shape} Guerraoui et al. (PODC 2021) and Allouah et al. (ICML 2023) find that local DP and
Byzantine robustness compound: the noise adds error that grows as epsilon falls, and robust
aggregation under noise costs more accuracy than either alone.
"""


def _max(frame: Any) -> str:
    return f"{float(frame['tolerance_ci_low'].max()):g}" if len(frame) else "none (no rule learns)"


def _ldp_shape(t: Any, alpha: float) -> str:
    """How beta* at the smallest epsilon where each rule still learns compares with no noise."""
    import math

    lower, same, higher = [], [], []
    for rule, g in t[t["alpha"] == alpha].groupby("rule"):
        ok = g[g["usable"]].sort_values("epsilon")
        ref = ok[ok["epsilon"] == math.inf]["tolerance_ci_low"]
        noisy = ok[ok["epsilon"] != math.inf]
        if ref.empty or noisy.empty:
            continue
        b0, b = float(ref.iloc[0]), float(noisy["tolerance_ci_low"].iloc[0])
        e = float(noisy["epsilon"].iloc[0])
        (lower if b < b0 else higher if b > b0 else same).append(f"{rule} ({b0:g} -> {b:g} at epsilon {e:g})")
    parts = [f"{label}: {', '.join(x)}" for label, x in (("lower", lower), ("unchanged", same), ("higher", higher))
             if x]
    return (f"At alpha {alpha:g}, beta* at the smallest epsilon where the rule still learns, against no noise, is "
            + "; ".join(parts) + " (beta* is relative to the rule's own clean accuracy at that epsilon, itself lower)."
            if parts else f"At alpha {alpha:g} no rule learns at any finite measured epsilon.")


def _hiding_text(r: PrivacyResults) -> str:
    if r.hiding is None or r.hiding_gas is None:
        return ""
    h, g = r.hiding, r.hiding_gas
    extra = g["salted_gas"] - g["plain_gas"]
    wins, games = int(h["honest_wins"].sum()), int(h["games"].sum())
    won = "every one" if wins == games else f"**only {wins} of {games}**"
    hides = r.hides.said(
        f"no salt of an unopened leaf appeared in any move (accepted or reverted), and a dispute opened at most "
        f"**{int(h['own_values'].max())}** values and {int(h['salts'].max())} salt of a trainer: the opened chunk",
        f"**the leaves did not hide**: {int(h['unopened_salts_revealed'].sum())} salts of unopened leaves appeared "
        f"in moves, or a dispute opened more than one chunk per trainer ({r.hides.detail})")
    return f"""
**Hiding leaves.** When trainers publish only commitments with salted leaves, disputes on
{', '.join(h['rule'])} ({int(h['games'].iloc[0])} games each, every strategy, both liars; the honest side won
{won}) show that {hides}. Opening chunk j of all {g['n']} trainers under one column leaf
(depth {g['depth']}, chunk {g['chunk']}, arity {g['arity']}) costs {g['plain_gas']:,} gas with plain
leaves and {g['salted_gas']:,} with salted ones in the EVM: **{extra:,} gas** more
({extra / g['plain_gas']:.1%}; {g['salted_calldata'] - g['plain_calldata']:,} more calldata bytes, the
salts), once per dispute that ends on a one-step over the inputs; with the EIP-7623 floor
{g['plain_gas_eip7623']:,} against {g['salted_gas_eip7623']:,}. Local DP adds no gas: the fraud proofs
run unchanged on the noisy update, which is public. With hiding leaves the update is not public,
so a watcher can re-execute only if it holds the salted bytes: each trainer must deliver its
update and its salt key to the watchers (for example encrypted to them) and data availability
rests on that delivery (table `privacy_designs`).
"""


def _committee_text(r: PrivacyResults) -> str:
    """Design (b), every number from its cost model's measured points (docs/privacy_committee.md)."""
    c = r.committee
    if c is None:
        return ""
    src = c.measured.describe()
    return f"""
**Encryption to a committee** (design (b), docs/privacy_committee.md; measured points in
`{Path(src["file"]).name}`, SHA-256 {src["sha256"][:12]}...). Each leaf is encrypted under a key only a
committee of t of m members can release (threshold ElGamal on alt_bn128, Chaum-Pedersen decryption
shares checked on chain with ecAdd/ecMul in `CommitteeReveal.vy`). For an assumed t = {c.threshold} of
m = {c.members}, n = {c.trainers} trainers and d = {c.d:,}: the one-step's input check costs
{c.onestep_gas:,.0f} gas, **{c.extra_gas_per_dispute:,.0f} gas** ({c.extra_calldata_bytes_per_dispute:,.0f}
calldata bytes) more than with salted leaves, and at most {c.trainers_per_tx_cap} trainers' openings fit
one transaction under the EIP-7825 cap at this t; readers who hold the update key open the same leaves
for {c.reader_extra_gas_per_dispute:,.0f} gas more than salted leaves. Off chain, a trainer spends
{c.encrypt_seconds_per_update:.1f} s of one core encrypting its update (against
{c.hiding_commit_seconds_per_update:.3f} s for design (a)'s salted commitment) and publishes
{c.expansion:.3f}x the plaintext bytes; a member's share of one leaf takes {c.member_seconds_per_leaf * 1e3:.1f} ms
and checking and combining t shares {c.combine_seconds_per_leaf * 1e3:.1f} ms. The trust assumption
changes the fraud proof: fewer than t colluding members keep updates private, at least t honest members
must be online for any dispute or data-availability opening, and only readers holding the key can
re-execute, so the 1-of-N honest watcher must be among them (table `privacy_designs`).
"""


def _tradeoff_text(r: PrivacyResults) -> str:
    """The trade-off's shape against the published analyses, per alpha (every sentence from
    :meth:`agents.fl.privacy_tradeoff.TradeoffComparison.text`)."""
    if not r.ldp_tradeoff:
        return ""
    shape, vn = r.ldp_shape, r.ldp_vn
    parts = [f"\n*Alpha {alpha:g}* (tables `privacy_tradeoff_*_alpha{alpha:g}`):\n\n{t.text()}"
             for alpha, t in sorted(r.ldp_tradeoff.items(), reverse=True)]
    return f"""
**The trade-off's shape against the published analyses** (docs/privacy_tradeoff.md: what each
analysis states, how the measured quantities map onto it, and the assumptions that differ: our
noise protects a trainer's whole update, the task is not convex, attacks are specific rather than
worst case). Verdicts: {shape.mark} {shape.name} ({shape.detail}); {vn.mark} {vn.name} ({vn.detail}).
{chr(10).join(parts)}
"""
