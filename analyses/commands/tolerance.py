"""``orfl tolerance``: measure the Malicious Device Tolerance of aggregation rules.

Runs the grid rule x attack x alpha x fraction x seeds (cached, so reruns are instant),
prints the tolerance table (per setting: ``predicates``, every attack; ``proof_checked``,
only the data-only attacks) and writes the machine-readable table (JSON + CSV) to
``results/tolerance/tolerance.json`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer

from analyses.commands._common import (
    OUTPUT,
    PROTOCOL,
    RUN,
    SCENARIO,
    arrange,
    bad_input,
    emit_json,
    examples,
    parse_csv,
    print_table,
)

EXAMPLES = examples(
    ("orfl tolerance --rules median,trimmed_mean --attacks sign_flip,alie --models logreg --seeds 3",
     "beta* of two rules under two attacks"),
    ("orfl tolerance --privacy-epsilon 1,4,inf --rules median,trimmed_mean --attacks sign_flip --json",
     "accuracy and beta* under local differential privacy"),
    ("orfl tolerance --workers 2 --out results/tolerance/mine.json", "the default grid on two processes"),
    ("orfl tolerance --privacy-epsilon 30,100,300,1000,3000,inf --models logreg --fractions 0,0.1,0.2,0.3 "
     "--workers 2 --out mechanism/data/tolerance_privacy.json", "regenerate the shipped privacy table"),
)
PANELS = {"rules": PROTOCOL, "norm_bound": PROTOCOL, "delta": PROTOCOL,
          "attacks": SCENARIO, "alphas": SCENARIO, "fractions": SCENARIO, "trainers": SCENARIO,
          "rounds": SCENARIO, "models": SCENARIO, "dataset": SCENARIO, "privacy_epsilon": SCENARIO,
          "privacy_delta": SCENARIO, "seeds": RUN, "seed": RUN, "workers": RUN, "cache_dir": RUN,
          "out": OUTPUT, "as_json": OUTPUT}


def _floats(parameter: str, text: str) -> list[float]:
    items = parse_csv(parameter, text)
    try:
        return [float(t) for t in items]
    except ValueError:
        bad_input(parameter, text, "a comma-separated list of numbers")


def register(app: typer.Typer) -> None:
    @app.command("tolerance", epilog=EXAMPLES)
    def tolerance(
        rules: str = typer.Option(
            "mean,median,trimmed_mean,krum,geometric_median,centered_clipping,bulyan",
            help="Comma-separated aggregation rules.",
        ),
        attacks: str = typer.Option(
            "sign_flip,gaussian,label_flip,ipm,alie,mimic,model_replacement,adaptive,backdoor",
            help="Comma-separated attacks.",
        ),
        alphas: str = typer.Option("0.1,100", help="Dirichlet concentrations (inf = IID)."),
        fractions: str = typer.Option("0,0.1,0.2,0.3,0.4", help="Malicious fractions in [0, 1)."),
        seeds: int = typer.Option(3, help="Seeds per grid cell (95% t-intervals need >= 2)."),
        seed: int = typer.Option(0, help="First seed."),
        trainers: int = typer.Option(50, help="Trainers per run."),
        rounds: int | None = typer.Option(
            None, help="Federated rounds per run (default: each model's measured rounds to convergence)."),
        models: str = typer.Option("logreg,mlp", help="Comma-separated models: logreg, mlp, cnn."),
        dataset: str = typer.Option("digits", help="digits or generated."),
        norm_bound: float = typer.Option(2.0, help="L2 validity bound on an update [model units]."),
        delta: float = typer.Option(0.05, help="Tolerated accuracy drop (0.05 = 5 pp)."),
        workers: int = typer.Option(1, help="Worker processes for missing runs."),
        cache_dir: Path | None = typer.Option(None, help="Run cache (default results/cache/tolerance)."),
        out: Path | None = typer.Option(
            None, help="Table path (default results/tolerance/tolerance.json; with --privacy-epsilon the privacy "
                       "table is written only when given, e.g. mechanism/data/tolerance_privacy.json)."),
        as_json: bool = typer.Option(False, "--json", help="Print rows and tolerances as JSON."),
        privacy_epsilon: str | None = typer.Option(
            None, "--privacy-epsilon",
            help="Local DP: comma-separated epsilons (inf = no noise); each honest trainer adds the Gaussian "
                 "noise the accountant calibrates to epsilon over the run (docs/privacy.md)."),
        privacy_delta: float = typer.Option(1e-5, "--privacy-delta", help="Delta of the local-DP guarantee."),
    ) -> None:
        """Accuracy under poisoning and the tolerance beta* of each rule (worst case over attacks)."""
        from agents.fl.poisoning import ATTACKS, attack_names
        from mechanism.aggregation import RULES

        rule_list = parse_csv("rules", rules)
        for r in rule_list:
            if r not in RULES:
                bad_input("rules", r, f"one of {', '.join(RULES)}")
        attack_list = parse_csv("attacks", attacks)
        for a in attack_list:
            if a not in ATTACKS or a == "none":
                bad_input("attacks", a, f"one of {', '.join(attack_names())}")
        alpha_list = _floats("alphas", alphas)
        for a in alpha_list:
            if not a > 0:
                bad_input("alphas", a, "positive Dirichlet concentrations (inf = IID)")
        fraction_list = _floats("fractions", fractions)
        for f in fraction_list:
            if not (math.isfinite(f) and 0.0 <= f < 1.0):
                bad_input("fractions", f, "malicious fractions in [0, 1)")
        if not 1 <= seeds <= 100:
            bad_input("seeds", seeds, "an integer in [1, 100]")
        if not 0 < delta < 1:
            bad_input("delta", delta, "an accuracy drop in (0, 1)")
        from agents.fl.convergence import CONVERGED_ROUNDS
        from agents.fl.networks import MODELS

        measured = dict(CONVERGED_ROUNDS)
        model_list = parse_csv("models", models)
        for m in model_list:
            if m not in MODELS:
                bad_input("models", m, f"one of {', '.join(MODELS)}")
        if rounds is not None and not 1 <= rounds <= 10_000:
            bad_input("rounds", rounds, "an integer in [1, 10000]")
        if rounds is None and any(m not in measured for m in model_list):
            bad_input("rounds", None, f"a number of rounds (no measured convergence for {', '.join(m for m in model_list if m not in measured)})")
        model_rounds = tuple((m, rounds if rounds is not None else measured[m]) for m in model_list)
        if not 1 <= workers <= 64:
            bad_input("workers", workers, "an integer in [1, 64]")

        if privacy_epsilon is not None:
            eps = _floats("privacy-epsilon", privacy_epsilon)
            for e in eps:
                if not e > 0:
                    bad_input("privacy-epsilon", e, "epsilons > 0, or inf for no noise")
            if not 0 < privacy_delta < 1:
                bad_input("privacy-delta", privacy_delta, "a number in (0, 1)")
            _privacy(rule_list, attack_list, eps, privacy_delta, fraction_list, seeds, seed, trainers,
                     model_rounds, alpha_list, dataset, norm_bound, delta, workers, cache_dir, out, as_json)
            return
        from agents.fl.tolerance import DEFAULT_CACHE_DIR, DEFAULT_TABLE_PATH, Grid
        from agents.fl.training import FLConfig

        base = FLConfig(n_trainers=trainers, dataset=dataset, norm_bound=norm_bound)
        grid = Grid(
            rules=tuple(rule_list), attacks=tuple(attack_list), alphas=tuple(alpha_list),
            fractions=tuple(fraction_list), seeds=seeds, seed=seed, models=model_rounds, base=base,
        )
        path = out or DEFAULT_TABLE_PATH
        table = _run(grid, cache_dir or DEFAULT_CACHE_DIR, path, delta, workers)
        if as_json:
            rows = [
                {"rule": r["rule"], "attack": r["attack"], "alpha": r["alpha"], "fraction": r["fraction"],
                 "applicable": r["applicable"], "accuracy": r["accuracy_mean"],
                 "accuracy_ci95": [r["accuracy_ci_low"], r["accuracy_ci_high"]], "seeds": r["seeds"]}
                for r in table["rows"]
            ]
            emit_json({"delta": delta, "table_path": str(path), "rows": rows, "tolerances": table["tolerances"]})
            return
        titles = {"predicates": "updates checked by the validity predicates: every attack",
                  "proof_checked": "training fraud proofs: only the data-only attacks"}
        for setting in dict.fromkeys(t["setting"] for t in table["tolerances"]):
            print_table(
                f"Malicious device tolerance beta*, {setting} ({titles.get(setting, setting)}; delta = {delta:g}; "
                "-1 = none tolerated)",
                ["model", "rule", "attack", "alpha", "beta*", "lower CI"],
                [(t["model"], t["rule"], t["attack"], t["alpha"], t["tolerance"], t["tolerance_ci_low"])
                 for t in table["tolerances"] if t["setting"] == setting],
            )
        typer.echo(f"table: {path} (+ .csv)", err=True)

    arrange(tolerance, PANELS)


def _run(grid, cache_dir, path, delta, workers):  # type: ignore[no-untyped-def]
    from agents.fl.tolerance import tolerance_table
    from analyses.progress import track

    with track("tolerance grid", total=len(grid.configs())) as bar:
        return tolerance_table(grid, cache_dir=cache_dir, path=path, delta=delta, progress=bar.callback,
                               workers=workers)


def _privacy(rules, attacks, eps, privacy_delta, fractions, seeds, seed, trainers, model_rounds, alphas,  # type: ignore[no-untyped-def]
             dataset, norm_bound, delta, workers, cache_dir, out, as_json) -> None:
    """Accuracy per (rule, attack, fraction, epsilon) with 95% intervals, and beta* per
    (rule, epsilon): :mod:`agents.fl.privacy` on each (model, alpha) of the grid; with
    ``out`` the measured privacy table is written there (:func:`agents.fl.privacy.privacy_table`)."""
    from agents.fl.privacy import privacy_configs, privacy_table
    from agents.fl.training import FLConfig
    from analyses.progress import track

    base = FLConfig(n_trainers=trainers, dataset=dataset, norm_bound=norm_bound, seed=seed, ldp_delta=privacy_delta)
    total = len(privacy_configs(rules, attacks, eps, fractions, seeds, base)) * len(model_rounds) * len(alphas)
    with track("privacy grid", total=total) as bar:
        _, summary, tol = privacy_table(rules, attacks, eps, fractions, alphas, seeds, model_rounds, base, delta,
                                        out, cache_dir, workers, bar.callback)
    tol = tol[tol["setting"] == "predicates"]
    if out is not None:
        typer.echo(f"privacy table: {out} (+ .csv, .sha256)", err=True)
    if as_json:
        def num(x: float) -> float | str:
            return "inf" if math.isinf(x) else x

        rows = [{"model": r.model, "alpha": num(r.alpha), "rule": r.rule, "attack": r.attack, "fraction": r.fraction,
                 "epsilon": num(r.epsilon_accountant), "epsilon_target": num(r.epsilon), "delta": r.delta,
                 "noise_multiplier": r.noise_multiplier,
                 "accuracy": r.accuracy, "accuracy_ci95": [r.accuracy_ci_low, r.accuracy_ci_high],
                 "seeds": list(r.seeds)} for r in summary.itertuples(index=False)]
        tolerances = [{"model": r.model, "alpha": num(r.alpha), "rule": r.rule, "epsilon": num(r.epsilon),
                       "tolerance_ci_low": r.tolerance_ci_low, "worst_attack": r.worst_attack,
                       "clean_accuracy": r.clean_accuracy,
                       "clean_accuracy_ci95": [r.clean_accuracy_ci_low, r.clean_accuracy_ci_high]}
                      for r in tol.itertuples(index=False)]
        emit_json({"delta": delta, "privacy_delta": privacy_delta, "table_path": None if out is None else str(out),
                   "rows": rows, "tolerances": tolerances})
        return
    print_table(f"Accuracy under local DP (delta = {privacy_delta:g}; 95% t-interval over seeds)",
                ["model", "alpha", "rule", "attack", "fraction", "epsilon", "z", "accuracy", "95% CI"],
                [(r.model, r.alpha, r.rule, r.attack, r.fraction, r.epsilon, f"{r.noise_multiplier:.3g}",
                  f"{r.accuracy:.3f}", f"[{r.accuracy_ci_low:.3f}, {r.accuracy_ci_high:.3f}]")
                 for r in summary.itertuples(index=False)])
    print_table("Malicious device tolerance beta* per epsilon (lower CI, worst attack)",
                ["model", "alpha", "rule", "epsilon", "beta*", "worst attack", "clean accuracy"],
                [(r.model, r.alpha, r.rule, r.epsilon, r.tolerance_ci_low, r.worst_attack, f"{r.clean_accuracy:.3f}")
                 for r in tol.itertuples(index=False)])
