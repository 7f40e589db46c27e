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
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agents.fl.training import FLConfig
from mechanism.errors import ParameterError

#: Epsilons of the report's accuracy-epsilon figure (inf = no noise).
DEFAULT_EPSILONS = (10.0, 30.0, 100.0, 300.0, 1000.0, math.inf)


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


def privacy_tolerance(summary: Any, delta_pp: float | None = None) -> Any:
    """beta* per (rule, epsilon), worst case over the attacks (module docstring); the
    accuracy margin is the tolerance grid's (:data:`agents.fl.tolerance.DEFAULT_DELTA`)."""
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
        worst = math.inf
        for attack in sorted(set(g["attack"]) - {"none"}):
            a = g[g["attack"] == attack].set_index("fraction")
            beta = 0.0
            for f in fractions:
                low = float(a.loc[f, "accuracy_ci_low"]) if f in a.index else math.nan
                if not (low == low and low >= base - delta_pp):
                    break
                beta = f
            worst = min(worst, beta)
        out.append({"rule": rule, "epsilon": float(eps), "clean_accuracy": base,
                    "tolerance_ci_low": 0.0 if math.isinf(worst) else worst, "delta": delta_pp})
    return pd.DataFrame(out)


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
