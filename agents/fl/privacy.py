"""Local differential privacy against robustness: accuracy of each rule at each epsilon,
clean and under attack, with 95% intervals over seeds (docs/privacy.md, "Local DP
against robustness").

Each honest trainer publishes its clipped update plus Gaussian noise calibrated by the
accountant (:attr:`agents.fl.training.FLConfig.ldp_noise_multiplier`); epsilon is the
accountant's, never typed in. The norm predicate widens to let honest noisy updates
through, and attackers get the same larger ball. The runs go through the tolerance
grid's cache (:func:`agents.fl.tolerance.run_configs`), so a run is never recomputed.

beta* at an epsilon follows :func:`agents.fl.tolerance.tolerances`: the largest malicious
fraction whose attacked accuracy (lower end of its 95% interval) stays within ``delta_pp``
of the same rule's clean accuracy *at that epsilon*, for every smaller fraction too.

:func:`privacy_table` writes the measured privacy table the design reads at an epsilon
(:func:`mechanism.economics.tolerance.load_tolerance_table` with ``epsilon``; the shipped
one is ``mechanism/data/tolerance_privacy.json``, written by ``orfl tolerance
--privacy-epsilon ... --out``; docs/privacy.md, 'The measured privacy table').
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agents.fl.training import FLConfig
from mechanism.errors import ParameterError

#: Epsilons of the shipped privacy table (inf = no noise), chosen from the measured accuracy
#: curve: logistic regression learns almost nothing at 30 and is close to noiseless at 3000.
DEFAULT_EPSILONS = (30.0, 100.0, 300.0, 1000.0, 3000.0, math.inf)
#: Schema of the privacy table written by :func:`build_privacy_table`.
PRIVACY_SCHEMA = 1


def privacy_configs(rules: Sequence[str], attacks: Sequence[str], epsilons: Sequence[float],
                    fractions: Sequence[float], seeds: int, base: FLConfig) -> list[FLConfig]:
    """Clean runs (fraction 0) and every (attack, fraction > 0) per rule, epsilon and seed."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ParameterError.bad("seeds", seeds, "an integer >= 1")
    for e in epsilons:
        if not e > 0:
            raise ParameterError.bad("privacy_epsilon", e, "numbers > 0, or inf for no noise")
    out = []
    for eps in epsilons:
        for rule in rules:
            for s in range(seeds):
                b = dataclasses.replace(base, rule=rule, ldp_epsilon=float(eps), seed=base.seed + s,
                                        attack="none", fraction=0.0)
                out.append(b)
                out += [dataclasses.replace(b, attack=a, fraction=float(f)) for a in attacks for f in fractions if f > 0]
    return out


def run_privacy_configs(configs: Sequence[FLConfig], cache_dir: Path | str | None = None, workers: int = 1,
                        progress: Callable[[int, int], None] | None = None) -> Any:
    """Run (or load) ``configs`` through the tolerance grid's cache; the privacy columns
    come from the configs, so runs without noise cached by the tolerance grid (whose rows
    predate them) count as epsilon = inf."""
    from agents.fl.tolerance import DEFAULT_CACHE_DIR, run_configs

    runs = run_configs(configs, DEFAULT_CACHE_DIR if cache_dir is None else cache_dir, progress, workers)
    runs["epsilon"] = [c.ldp_epsilon for c in configs]
    runs["delta"] = [c.ldp_delta for c in configs]
    runs["noise_multiplier"] = [c.ldp_noise_multiplier for c in configs]
    return runs


def summarise_privacy(runs: Any) -> Any:
    """One row per (rule, attack, fraction, epsilon target): mean accuracy with its 95%
    t-interval over seeds (clipped to [0, 1]), delta, the noise multiplier and the epsilon
    the accountant gives that noise over the run (at most the target)."""
    import pandas as pd

    from agents.fl.tolerance import t_interval
    from mechanism.privacy.accounting import ldp_epsilon

    rows = []
    for (rule, attack, frac, eps), g in runs.groupby(["rule", "attack", "fraction", "epsilon"], sort=True):
        mean, lo, hi = t_interval(g["accuracy"].tolist())
        z, dlt, rounds = float(g["noise_multiplier"].iloc[0]), float(g["delta"].iloc[0]), int(g["rounds"].iloc[0])
        rows.append({"rule": rule, "attack": attack, "fraction": float(frac), "epsilon": float(eps),
                     "epsilon_accountant": ldp_epsilon(z, rounds, dlt) if z > 0 else math.inf,
                     "delta": dlt, "noise_multiplier": z,
                     "accuracy": mean, "accuracy_ci_low": max(lo, 0.0) if lo == lo else lo,
                     "accuracy_ci_high": min(hi, 1.0) if hi == hi else hi,
                     "seeds": sorted(int(s) for s in g["seed"])})
    return pd.DataFrame(rows)


def privacy_tolerance(summary: Any, delta_pp: float | None = None, attacks: Sequence[str] | None = None) -> Any:
    """beta* per (rule, epsilon), worst case over ``attacks`` (default: every attack of
    ``summary``; module docstring); the accuracy margin is the tolerance grid's
    (:data:`agents.fl.tolerance.DEFAULT_DELTA`).

    ``tolerance_ci_low`` tests the lower end of the attacked accuracy's 95% interval,
    ``tolerance`` the attacked mean; ``worst_attack`` is the attack of the smallest
    (``tolerance_ci_low``, ``tolerance``); the clean accuracy at that epsilon comes with
    its interval."""
    import pandas as pd

    from agents.fl.tolerance import DEFAULT_DELTA

    delta_pp = DEFAULT_DELTA if delta_pp is None else delta_pp
    out = []
    for (rule, eps), g in summary.groupby(["rule", "epsilon"], sort=True):
        clean = g[(g["attack"] == "none") & (g["fraction"] == 0.0)]
        if clean.empty:
            continue
        base = float(clean["accuracy"].iloc[0])
        fractions = sorted(set(g["fraction"]) - {0.0})
        present = sorted(set(g["attack"]) - {"none"})
        worst: tuple[float, float, str | None] = (math.inf, math.inf, None)
        for attack in present if attacks is None else [a for a in attacks if a in present]:
            a = g[g["attack"] == attack].set_index("fraction")
            beta = {"accuracy_ci_low": 0.0, "accuracy": 0.0}
            for column in beta:
                for f in fractions:
                    value = float(a.loc[f, column]) if f in a.index else math.nan
                    if not (value == value and value >= base - delta_pp):
                        break
                    beta[column] = f
            worst = min(worst, (beta["accuracy_ci_low"], beta["accuracy"], attack))
        out.append({"rule": rule, "epsilon": float(eps), "clean_accuracy": base,
                    "clean_accuracy_ci_low": _first(clean, "accuracy_ci_low"),
                    "clean_accuracy_ci_high": _first(clean, "accuracy_ci_high"),
                    "tolerance_ci_low": 0.0 if math.isinf(worst[0]) else worst[0],
                    "tolerance": 0.0 if math.isinf(worst[1]) else worst[1], "worst_attack": worst[2],
                    "delta": delta_pp})
    return pd.DataFrame(out)


def _first(frame: Any, column: str) -> float:
    return float(frame[column].iloc[0]) if column in frame else math.nan


def run_privacy(rules: Sequence[str], attacks: Sequence[str], epsilons: Sequence[float],
                fractions: Sequence[float] = (0.1, 0.2), seeds: int = 3, model: str = "logreg",
                alpha: float = 100.0, delta: float = 1e-5, cache_dir: Path | str | None = None,
                workers: int = 1, progress: Callable[[int, int], None] | None = None) -> tuple[Any, Any, Any]:
    """(runs, summary, tolerance) of the privacy grid; the model trains to convergence
    (:data:`agents.fl.convergence.CONVERGED_ROUNDS`) with 50 trainers, as the tolerance grid."""
    from agents.fl.convergence import CONVERGED_ROUNDS

    rounds = dict(CONVERGED_ROUNDS).get(model)
    if rounds is None:
        raise ParameterError.bad("model", model, "one of " + ", ".join(m for m, _ in CONVERGED_ROUNDS))
    base = FLConfig(model=model, n_trainers=50, rounds=rounds, alpha=float(alpha), ldp_delta=delta)
    configs = privacy_configs(rules, attacks, epsilons, fractions, seeds, base)
    runs = run_privacy_configs(configs, cache_dir, workers, progress)
    summary = summarise_privacy(runs)
    return runs, summary, privacy_tolerance(summary)


def run_privacy_grid(rules: Sequence[str], attacks: Sequence[str], epsilons: Sequence[float],
                     fractions: Sequence[float], seeds: int, models: Sequence[tuple[str, int]],
                     alphas: Sequence[float], base: FLConfig, cache_dir: Path | str | None = None,
                     workers: int = 1, progress: Callable[[int, int], None] | None = None) -> tuple[Any, Any]:
    """(runs, summary) of the privacy grid over every (model, rounds) and alpha; ``base``
    holds the other settings (trainers, data set, norm bound, first seed, ``ldp_delta``).
    The summary (:func:`summarise_privacy`) gains ``model`` and ``alpha`` columns."""
    import pandas as pd

    configs = []
    for model, rounds in models:
        for alpha in alphas:
            b = dataclasses.replace(base, model=model, rounds=int(rounds), alpha=float(alpha))
            configs += privacy_configs(rules, attacks, epsilons, fractions, seeds, b)
    runs = run_privacy_configs(configs, cache_dir, workers, progress)
    parts = [summarise_privacy(g).assign(model=model, alpha=float(alpha))
             for (model, alpha), g in runs.groupby(["model", "alpha"], sort=True)]
    return runs, pd.concat(parts, ignore_index=True)


def grid_tolerances(summary: Any, attacks: Sequence[str], delta_pp: float) -> Any:
    """beta* per (setting, model, alpha, rule, epsilon) of a grid summary: ``predicates``
    over every attack, ``proof_checked`` over the data-only ones (when the grid has any;
    :func:`agents.fl.poisoning.data_only_attacks`), with the epsilon the accountant gives
    and the noise multiplier."""
    import pandas as pd

    from agents.fl.poisoning import data_only_attacks

    settings = {"predicates": list(attacks), "proof_checked": data_only_attacks(list(attacks))}
    parts = []
    for (model, alpha), s in summary.groupby(["model", "alpha"], sort=True):
        clean = s[(s["attack"] == "none") & (s["fraction"] == 0.0)].set_index(["rule", "epsilon"])
        for setting, chosen in settings.items():
            if not chosen:
                continue
            t = privacy_tolerance(s, delta_pp, chosen).assign(model=model, alpha=float(alpha), setting=setting)
            keys = list(zip(t["rule"], t["epsilon"], strict=True))
            t["epsilon_accountant"] = [float(clean.loc[k, "epsilon_accountant"]) for k in keys]
            t["noise_multiplier"] = [float(clean.loc[k, "noise_multiplier"]) for k in keys]
            t["privacy_delta"] = [float(clean.loc[k, "delta"]) for k in keys]
            parts.append(t)
    return pd.concat(parts, ignore_index=True)


def build_privacy_table(summary: Any, rules: Sequence[str], attacks: Sequence[str], epsilons: Sequence[float],
                        fractions: Sequence[float], seeds: int, models: Sequence[tuple[str, int]],
                        alphas: Sequence[float], base: FLConfig, delta_pp: float) -> dict[str, Any]:
    """The machine-readable privacy table (deterministic: no timings, no clock).

    Layout (schema 1, ``kind`` "privacy"): ``{"schema", "kind", "delta" (accuracy margin),
    "privacy_delta", "chance_accuracy" (1 / classes), "grid", "settings": {setting: [its
    attacks]}, "rows": [one per (model, alpha, rule, attack, fraction, epsilon): epsilon
    target, epsilon_accountant, delta, noise_multiplier, accuracy mean and 95% interval,
    seeds], "tolerances": [one per (setting, model, alpha, rule, epsilon): beta* on the
    lower CI end and on the mean, worst attack, clean accuracy with its interval,
    epsilon_accountant, noise_multiplier], "provenance": {git commit, sources modified,
    seeds, command, grid, privacy_delta, models, trainers, rounds, content_sha256}}``.
    Infinity is written ``"inf"``."""
    from agents.fl.datasets import load_dataset
    from agents.fl.poisoning import data_only_attacks
    from agents.fl.tolerance import content_sha256, git_provenance
    from mechanism.serialization import json_safe

    if not 0 < delta_pp < 1:
        raise ParameterError.bad("delta", delta_pp, "an accuracy drop in (0, 1)")
    tol = grid_tolerances(summary, attacks, delta_pp)
    chance = 1.0 / load_dataset(base.dataset, base.seed).n_classes
    settings = {"predicates": list(attacks), "proof_checked": data_only_attacks(list(attacks))}
    grid = {"rules": list(rules), "attacks": list(attacks), "alphas": [float(a) for a in alphas],
            "fractions": sorted({0.0, *(float(f) for f in fractions)}),
            "epsilons": sorted(float(e) for e in epsilons), "seeds": seeds, "seed": base.seed,
            "models": [[m, int(r)] for m, r in models], "trainers": base.n_trainers, "dataset": base.dataset,
            "norm_bound": base.norm_bound}
    table: dict[str, Any] = {
        "schema": PRIVACY_SCHEMA, "kind": "privacy", "delta": delta_pp, "privacy_delta": base.ldp_delta,
        "chance_accuracy": chance, "grid": grid, "settings": {k: v for k, v in settings.items() if v},
        "rows": summary.to_dict(orient="records"), "tolerances": tol.to_dict(orient="records"),
    }
    table = json.loads(json.dumps(json_safe(table), default=str, allow_nan=False))  # canonical plain values
    table["provenance"] = {
        **git_provenance(), "seeds": list(range(base.seed, base.seed + seeds)),
        "command": "orfl tolerance --privacy-epsilon", "grid": table["grid"], "privacy_delta": base.ldp_delta,
        "models": table["grid"]["models"], "trainers": base.n_trainers,
        "rounds": {m: int(r) for m, r in models}, "content_sha256": content_sha256(table),
    }
    return table


def privacy_table(rules: Sequence[str], attacks: Sequence[str], epsilons: Sequence[float] = DEFAULT_EPSILONS,
                  fractions: Sequence[float] = (0.1, 0.2, 0.3), alphas: Sequence[float] = (0.1, 100.0),
                  seeds: int = 3, models: Sequence[tuple[str, int]] | None = None, base: FLConfig | None = None,
                  delta_pp: float | None = None, path: Path | str | None = None,
                  cache_dir: Path | str | None = None, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, Any], Any, Any]:
    """Run (or load) the privacy grid and return (table, summary, tolerances); with
    ``path`` write the table there (JSON, a CSV twin of the tolerances and a ``.sha256``
    file; :func:`agents.fl.tolerance.write_table`). ``models`` defaults to logistic
    regression at its rounds to convergence, ``base`` to 50 trainers on digits."""
    from agents.fl.convergence import CONVERGED_ROUNDS
    from agents.fl.tolerance import DEFAULT_DELTA, DEFAULT_TRAINERS, write_table

    models = tuple(models) if models is not None else (("logreg", dict(CONVERGED_ROUNDS)["logreg"]),)
    base = base if base is not None else FLConfig(n_trainers=DEFAULT_TRAINERS)
    delta_pp = DEFAULT_DELTA if delta_pp is None else delta_pp
    _, summary = run_privacy_grid(rules, attacks, epsilons, fractions, seeds, models, alphas, base, cache_dir,
                                  workers, progress)
    table = build_privacy_table(summary, rules, attacks, epsilons, fractions, seeds, models, alphas, base, delta_pp)
    if path is not None:
        write_table(table, path)
    return table, summary, grid_tolerances(summary, attacks, delta_pp)
