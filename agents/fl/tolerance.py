"""The measured Malicious Device Tolerance: a grid of federated runs and its summary.

For every model x rule x attack x alpha x malicious fraction x seed, :func:`run_grid` runs
:func:`agents.fl.training.run_federated` (results cached by config hash in a Parquet
store, so nothing is recomputed). :func:`summarise` gives the final test accuracy mean
over seeds with a 95% Student-t interval ``mean +- t_{0.975, K-1} * s / sqrt(K)``.

**Tolerance.** With ``clean(f)`` the mean accuracy of the *same* rule with the same
``f`` and no attack (attack ``none``: the m trainers follow the protocol), a fraction
``beta`` is tolerated when the rule is applicable and ``acc(beta) >= clean(beta) -
delta`` (``delta`` = 0.05, i.e. 5 percentage points). ``beta*(rule, attack, alpha)`` is
the largest grid fraction such that it *and every smaller grid fraction* are tolerated
(monotone, so one lucky seed cannot create a tolerance island); the worst case over
attacks is the minimum. ``beta*_fedavg`` uses the clean FedAvg accuracy (rule ``mean``,
fraction 0) as the reference instead, and is -1 when even the clean run of the rule is
more than ``delta`` below FedAvg (robustness bought with all of the accuracy). The
conservative ``tolerance_ci_low`` applies the same test to the *lower end* of the attacked
accuracy's 95% interval; the design reads that column (:mod:`mechanism.economics.tolerance`).

**Settings.** ``predicates`` is the protocol as deployed today: a trainer's update is
checked only by the validity predicates, so every attack of the grid counts.
``proof_checked`` assumes training fraud proofs (docs/training_proof.md): an update that
is not honest SGD on the trainer's committed shard is slashed, so only the data-only
attacks (:func:`agents.fl.poisoning.data_only_attacks`: label flipping, the unboosted
backdoor) remain. The settings share their runs; a setting only selects which attacks
its worst case ranges over. Every tolerance row carries its ``setting``.

The default :class:`Grid` trains logistic regression and the MLP each for its measured
rounds to convergence (:mod:`agents.fl.convergence`) with 50 trainers (the default
scenario of ``orfl recommend``). Default locations (under the git-ignored ``results/``):
the run cache :data:`DEFAULT_CACHE_DIR` and the table :data:`DEFAULT_TABLE_PATH` (JSON, a
CSV twin and a ``.sha256`` file beside it; :func:`build_table`). The table the design
reads by default is the one shipped as package data,
``mechanism/data/tolerance_default.json``, written by ``orfl tolerance --out`` on the
default grid; the report regenerates it and compares the content SHA-256.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.fl.convergence import CONVERGED_ROUNDS
from agents.fl.poisoning import ATTACKS, attack_names, data_only_attacks
from agents.fl.training import FLConfig
from agents.store import RESULTS_DIR, TOLERANCE_TABLE_PATH, ResultsStore, config_key
from mechanism.economics.tolerance import SETTINGS
from mechanism.errors import ParameterError, UnknownRuleError
from mechanism.serialization import json_safe

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CACHE_DIR = RESULTS_DIR / "cache" / "tolerance"
DEFAULT_TABLE_PATH = TOLERANCE_TABLE_PATH
DEFAULT_DELTA = 0.05
#: Bump when the meaning of a cached run changes (training, attacks, evaluation).
SCHEMA_VERSION = 3  # 3: closed-form batched gradients (float rounding differs from autograd)

DEFAULT_RULES = ("mean", "median", "trimmed_mean", "krum", "geometric_median", "centered_clipping", "bulyan")
DEFAULT_ALPHAS = (0.1, 100.0)
DEFAULT_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4)
#: Trainers per run: the default scenario of ``orfl recommend`` (``DesignInputs.trainers``).
DEFAULT_TRAINERS = 50


def _default_base() -> FLConfig:
    return FLConfig(n_trainers=DEFAULT_TRAINERS)


@dataclass(frozen=True)
class Grid:
    """A tolerance grid; ``base`` holds every other :class:`FLConfig` setting.

    ``models`` pairs each model with its number of rounds (default: the rounds to
    convergence measured by :mod:`agents.fl.convergence`, :data:`CONVERGED_ROUNDS`)."""

    rules: tuple[str, ...] = DEFAULT_RULES
    attacks: tuple[str, ...] = tuple(attack_names())
    alphas: tuple[float, ...] = DEFAULT_ALPHAS
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seeds: int = 3
    seed: int = 0
    models: tuple[tuple[str, int], ...] = CONVERGED_ROUNDS
    base: FLConfig = field(default_factory=_default_base)
    settings: tuple[str, ...] = SETTINGS

    def __post_init__(self) -> None:
        from agents.fl.networks import MODELS
        from mechanism.aggregation import RULES

        for r in self.rules:
            if r not in RULES:
                raise UnknownRuleError.bad("rules", r, f"one of {', '.join(RULES)}")
        for a in self.attacks:
            if a not in ATTACKS or a == "none":
                raise UnknownRuleError.bad("attacks", a, f"one of {', '.join(attack_names())}")
        for a in self.alphas:
            if not (isinstance(a, (int, float)) and a > 0):
                raise ParameterError.bad("alphas", a, "positive Dirichlet concentrations (inf = IID)")
        for f in self.fractions:
            if not (isinstance(f, (int, float)) and 0.0 <= f < 1.0):
                raise ParameterError.bad("fractions", f, "malicious fractions in [0, 1)")
        if not self.rules or not self.attacks or not self.alphas or not self.fractions or not self.models:
            raise ParameterError.bad("grid", "empty axis", "at least one rule, attack, alpha, fraction and model")
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, int) or not 1 <= self.seeds <= 100:
            raise ParameterError.bad("seeds", self.seeds, "an integer in [1, 100]")
        if not self.settings or any(x not in SETTINGS for x in self.settings):
            raise ParameterError.bad("settings", self.settings, f"a non-empty subset of {', '.join(SETTINGS)}")
        for m in self.models:
            if not (isinstance(m, tuple) and len(m) == 2 and m[0] in MODELS and isinstance(m[1], int) and m[1] >= 1):
                raise ParameterError.bad("models", m, f"(model, rounds) pairs, model one of {', '.join(MODELS)}, rounds >= 1")

    @property
    def model_names(self) -> tuple[str, ...]:
        return tuple(m for m, _ in self.models)

    def setting_attacks(self, setting: str) -> tuple[str, ...]:
        """The attacks a setting's worst case ranges over (``proof_checked``: the data-only
        ones; possibly none, and then the setting has no rows)."""
        if setting == "proof_checked":
            return tuple(data_only_attacks(self.attacks))
        return self.attacks

    def configs(self) -> list[FLConfig]:
        """Every run of the grid: attacks at f > 0, clean runs at every f, FedAvg baseline."""
        out: dict[str, FLConfig] = {}
        fractions = sorted(set(self.fractions) | {0.0})
        for model, rounds in self.models:
            for alpha in self.alphas:
                for s in range(self.seeds):
                    seed = self.seed + s
                    base = dataclasses.replace(self.base, model=model, rounds=rounds, alpha=float(alpha), seed=seed,
                                               attack="none", fraction=0.0)
                    runs = [dataclasses.replace(base, rule="mean")]
                    for rule in self.rules:
                        for f in fractions:
                            runs.append(dataclasses.replace(base, rule=rule, fraction=float(f)))
                            if f > 0:
                                runs += [dataclasses.replace(base, rule=rule, fraction=float(f), attack=a)
                                         for a in self.attacks]
                    for c in runs:
                        out.setdefault(run_key(c), c)
        return list(out.values())

    def describe(self) -> dict[str, Any]:
        """The grid's axes and base configuration as plain JSON values (provenance)."""
        axes = {k: v for k, v in dataclasses.asdict(self).items() if k != "base"}
        axes["models"] = [list(m) for m in self.models]
        base = dataclasses.asdict(self.base)
        if math.isinf(self.base.ldp_epsilon):  # no local DP: the fields it would add say nothing
            del base["ldp_epsilon"], base["ldp_delta"]
        return {**axes, "base": base}


def run_key(cfg: FLConfig) -> str:
    """Cache key: the full config plus the attack's effective parameters (defaults included)."""
    from agents.fl.poisoning import get_attack

    attack = dataclasses.asdict(get_attack(cfg.attack, **dict(cfg.attack_params)))
    fields = dataclasses.asdict(cfg)
    if math.isinf(cfg.ldp_epsilon):  # runs without local DP keep the keys they had before it existed
        del fields["ldp_epsilon"], fields["ldp_delta"]
    return config_key({"schema": SCHEMA_VERSION, **fields, "attack_effective": attack})


def run_one(cfg: FLConfig) -> dict[str, Any]:
    """One grid cell as a flat row (accuracy NaN and applicable False on breakdown)."""
    from agents.fl.training import run_federated
    from mechanism.errors import BreakdownError

    row: dict[str, Any] = {
        "model": cfg.model, "rounds": cfg.rounds, "norm_predicate": cfg.norm_predicate,
        "rule": cfg.rule, "attack": cfg.attack, "alpha": cfg.alpha, "fraction": cfg.fraction,
        "seed": cfg.seed, "n_trainers": cfg.n_trainers, "n_malicious": cfg.n_malicious,
        "epsilon": cfg.ldp_epsilon, "delta": cfg.ldp_delta, "noise_multiplier": cfg.ldp_noise_multiplier,
        "config": json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=str),
    }
    try:
        r = run_federated(cfg)
    except BreakdownError:
        return {**row, "applicable": False, "accuracy": math.nan, "loss": math.nan,
                "backdoor": math.nan, "rejected": 0, "malicious_selected": 0, "seconds": 0.0, "curve": "[]"}
    return {**row, "applicable": True, "accuracy": r.accuracy, "loss": r.loss,
            "backdoor": r.backdoor, "rejected": r.rejected, "malicious_selected": r.malicious_selected,
            "seconds": r.seconds,
            "curve": json.dumps([round(a, 6) for a in r.curve])}


def run_grid(
    grid: Grid,
    cache_dir: Path | str | None = DEFAULT_CACHE_DIR,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    flush_seconds: float = 10.0,
) -> pd.DataFrame:
    """Run (or load from the cache) every config of ``grid``; one row per run."""
    return run_configs(grid.configs(), cache_dir, progress, workers, flush_seconds)


def run_configs(
    configs: Sequence[FLConfig],
    cache_dir: Path | str | None = DEFAULT_CACHE_DIR,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    flush_seconds: float = 10.0,
) -> pd.DataFrame:
    """Run (or load from the cache) every config; one row per config.

    ``workers > 1`` runs the missing configs in that many spawned processes (each
    single-threaded; results do not depend on the worker count). Finished runs are
    flushed to the cache every ``flush_seconds`` and on exit, even on interrupt.
    """
    import pandas as pd

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError.bad("workers", workers, "a positive integer")
    cache = ResultsStore(cache_dir)
    keys = [run_key(c) for c in configs]
    todo = [(k, c) for k, c in zip(keys, configs, strict=True) if k not in cache]
    done, last = len(configs) - len(todo), time.monotonic()

    def record(key: str, row: dict[str, Any]) -> None:
        nonlocal done, last
        cache.put(key, row)
        done += 1
        if time.monotonic() - last > flush_seconds:
            cache.flush()
            last = time.monotonic()
        if progress is not None:
            progress(done, len(configs))

    if progress is not None:
        progress(done, len(configs))
    try:
        if workers == 1 or len(todo) < 2:
            for key, cfg in todo:
                record(key, run_one(cfg))
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                for key, row in zip((k for k, _ in todo), pool.map(run_one, [c for _, c in todo], chunksize=4), strict=True):
                    record(key, row)
    finally:
        cache.flush()
    return pd.DataFrame([cache.get(k) for k in keys])


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, lower, upper) Student-t interval; NaN bounds for fewer than 2 values."""
    import numpy as np
    from scipy import stats

    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (model, rule, attack, alpha, fraction): accuracy mean and 95% CI over seeds.

    The t-interval is clipped to [0, 1], the range of an accuracy."""
    import pandas as pd

    out = []
    keys = ["model", "rule", "attack", "alpha", "fraction"]
    for (model, rule, attack, alpha, frac), g in runs.groupby(keys, sort=True):
        mean, lo, hi = t_interval(g["accuracy"].tolist())
        out.append({
            "model": model, "rule": rule, "attack": attack, "alpha": alpha, "fraction": frac,
            "applicable": bool(g["applicable"].all()), "accuracy_mean": mean,
            "accuracy_ci_low": max(lo, 0.0) if lo == lo else lo,
            "accuracy_ci_high": min(hi, 1.0) if hi == hi else hi, "loss_mean": float(g["loss"].mean()),
            "backdoor_mean": float(g["backdoor"].mean()), "seeds": sorted(int(s) for s in g["seed"]),
        })
    return pd.DataFrame(out)


def _beta_star(fractions: list[float], ok: dict[float, bool]) -> float:
    best = -1.0
    for f in sorted(fractions):
        if not ok.get(f, False):
            break
        best = f
    return best


def tolerances(summary: pd.DataFrame, grid: Grid, delta: float = DEFAULT_DELTA) -> pd.DataFrame:
    """beta* per (setting, model, rule, attack, alpha) plus a ``worst_case`` row per
    (setting, model, rule, alpha); ``setting`` selects the attacks (:meth:`Grid.setting_attacks`).

    ``tolerance`` compares the attacked mean accuracy with the clean mean; the conservative
    ``tolerance_ci_low`` compares the *lower end* of the attacked accuracy's 95% interval
    with the clean mean (a fraction counts as tolerated only if the whole interval of its
    mean stays at or above ``clean - delta``). The table's consumers use the conservative
    column (:mod:`mechanism.economics.tolerance`)."""
    import pandas as pd

    idx = {(r.model, r.rule, r.attack, r.alpha, r.fraction): r for r in summary.itertuples(index=False)}
    fractions = sorted(set(grid.fractions) | {0.0})
    out = []
    for setting, model, alpha in ((s, m, a) for s in grid.settings for m in grid.model_names for a in grid.alphas):
        attacks = grid.setting_attacks(setting)
        if not attacks:
            continue
        fedavg = idx[(model, "mean", "none", float(alpha), 0.0)].accuracy_mean
        for rule in grid.rules:
            clean = {f: idx[(model, rule, "none", float(alpha), f)] for f in fractions}
            rows = []
            for attack in attacks:
                cell = {f: (clean[f] if f == 0 else idx[(model, rule, attack, float(alpha), f)]) for f in fractions}
                ok = {f: c.applicable and c.accuracy_mean >= clean[f].accuracy_mean - delta for f, c in cell.items()}
                ok_low = {f: c.applicable and (f == 0 or _lower(c) >= clean[f].accuracy_mean - delta)
                          for f, c in cell.items()}
                ok_abs = {f: c.applicable and c.accuracy_mean >= fedavg - delta for f, c in cell.items()}
                rows.append({"model": model, "rule": rule, "attack": attack, "alpha": float(alpha),
                             "tolerance": _beta_star(fractions, ok),
                             "tolerance_ci_low": _beta_star(fractions, ok_low),
                             "tolerance_vs_fedavg": _beta_star(fractions, ok_abs),
                             "clean_accuracy": clean[0.0].accuracy_mean, "fedavg_accuracy": fedavg,
                             "delta": delta, "setting": setting})
            worst = {**rows[0], "attack": "worst_case",
                     "tolerance": min(r["tolerance"] for r in rows),
                     "tolerance_ci_low": min(r["tolerance_ci_low"] for r in rows),
                     "tolerance_vs_fedavg": min(r["tolerance_vs_fedavg"] for r in rows)}
            out += [*rows, worst]
    return pd.DataFrame(out)


def _lower(cell: Any) -> float:
    """Lower end of a cell's 95% interval (its mean when the interval is undefined)."""
    lo = cell.accuracy_ci_low
    return float(cell.accuracy_mean if lo != lo else lo)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; tables are data for everyone
    os.replace(tmp, path)


#: Paths (relative to the repository) whose uncommitted edits would change a measured run.
RESULT_SOURCES = ("agents/fl", "mechanism/aggregation", "mechanism/fixedpoint.py", "mechanism/params.py")


def git_provenance(root: Path | None = None) -> dict[str, Any]:
    """The commit the runs' code is at and whether the code that makes results is edited."""
    import subprocess

    root = root or Path(__file__).resolve().parents[2]

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout

    commit = (git("rev-parse", "HEAD") or "").strip()
    dirty = git("status", "--porcelain", "--", *RESULT_SOURCES)
    return {"git_commit": commit or "unknown",
            "result_sources_modified": None if dirty is None else sorted(line[3:] for line in dirty.splitlines() if line)}


def content_sha256(table: dict[str, Any]) -> str:
    """SHA-256 of the measured content (everything but the provenance), canonical JSON."""
    import hashlib

    body = {k: v for k, v in table.items() if k != "provenance"}
    text = json.dumps(json_safe(body), sort_keys=True, default=str, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def build_table(grid: Grid, runs: pd.DataFrame, delta: float = DEFAULT_DELTA) -> dict[str, Any]:
    """The machine-readable table of ``runs`` (deterministic: no timings, no clock).

    Layout (schema 2): ``{"schema", "delta", "grid", "convergence", "settings": {setting:
    [its attacks]}, "rows": [summary rows], "tolerances": [{"model", "rule", "attack",
    "alpha", "tolerance", "tolerance_ci_low", "tolerance_vs_fedavg", "clean_accuracy",
    "fedavg_accuracy", "delta", "setting"}, ...],
    "provenance": {"git_commit", "result_sources_modified", "seeds", "command",
    "content_sha256"}}``. Fractions are malicious shares of trainers; -1 means none tolerated.
    """
    from agents.fl.convergence import TOLERANCE_PP, WINDOW_ROUNDS

    if not 0 < delta < 1:
        raise ParameterError.bad("delta", delta, "an accuracy drop in (0, 1)")
    summary = summarise(runs)
    tol = tolerances(summary, grid, delta)
    table: dict[str, Any] = {
        "schema": 2, "delta": delta, "grid": grid.describe(),
        "convergence": {"criterion": f"clean FedAvg accuracy (mean over seeds) within {TOLERANCE_PP:g} pp over the "
                                     f"last {WINDOW_ROUNDS} rounds, largest round over the alphas",
                        "rounds": dict(grid.models)},
        "settings": {x: list(grid.setting_attacks(x)) for x in grid.settings if grid.setting_attacks(x)},
        "rows": json_safe(summary.to_dict(orient="records")), "tolerances": json_safe(tol.to_dict(orient="records")),
    }
    table = json.loads(json.dumps(json_safe(table), default=str, allow_nan=False))  # canonical plain values
    table["provenance"] = {
        **git_provenance(), "seeds": list(range(grid.seed, grid.seed + grid.seeds)),
        "command": "orfl tolerance", "content_sha256": content_sha256(table),
    }
    return table


def write_table(table: dict[str, Any], path: Path | str) -> str:
    """Write ``table`` (JSON, a ``.csv`` twin of the tolerances and a ``.sha256`` file
    holding the SHA-256 of the JSON's bytes); return that SHA-256."""
    import hashlib

    import pandas as pd

    path = Path(path)
    text = json.dumps(table, indent=1, allow_nan=False) + "\n"
    _atomic_write(path, text)
    _atomic_write(path.with_suffix(".csv"), pd.DataFrame(table["tolerances"]).to_csv(index=False))
    digest = hashlib.sha256(text.encode()).hexdigest()
    _atomic_write(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n")
    return digest


def tolerance_table(
    grid: Grid | None = None,
    cache_dir: Path | str | None = DEFAULT_CACHE_DIR,
    path: Path | str | None = DEFAULT_TABLE_PATH,
    delta: float = DEFAULT_DELTA,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Run/load ``grid`` and return (and write to ``path``, see :func:`write_table`) the
    table of :func:`build_table`."""
    if not 0 < delta < 1:
        raise ParameterError.bad("delta", delta, "an accuracy drop in (0, 1)")
    grid = grid or Grid()
    runs = run_grid(grid, cache_dir, progress, workers=workers)
    table = build_table(grid, runs, delta)
    if path is not None:
        write_table(table, path)
    return table
