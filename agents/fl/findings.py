"""Published Byzantine-FL findings checked against the measured grid, and the controlled
experiment that switches the protocol's norm-bound predicate on and off.

**Findings** (directions, not magnitudes; each rule given f = the true m):

* ALIE (Baruch, Baruch and Goldberg, NeurIPS 2019, "A little is enough") breaks Krum and
  the trimmed mean at about a fifth of the trainers;
* inner-product manipulation (Xie, Koyejo and Gupta, UAI 2019, "Fall of empires") breaks
  the coordinate median and Krum;
* unbounded attacks (e.g. Gaussian updates, Blanchard et al., NeurIPS 2017, Sec. 5;
  large-epsilon IPM, Xie et al.) break the mean at any malicious fraction.

A finding *reproduces* in a (model, alpha) slice when the rule's measured beta* under the
attack is below :data:`AT_FRACTION` (0.2): at some grid fraction up to one fifth the
final accuracy is more than delta below the rule's clean run (the tolerance criterion of
:mod:`agents.fl.tolerance`).

**Norm-bound experiment.** In this protocol an update longer than the L2 bound breaks a
validity predicate and is slashed by a fraud proof, so a rational attacker stays inside
the ball and "unbounded" attacks do not exist. :func:`norm_bound_configs` runs the same
unbounded attacks (Gaussian sigma 200 per coordinate as in Blanchard et al., sign flip scaled by 10, IPM with
epsilon 10) with the predicate on and off, everything else equal (same seeds, same
honest updates), so the difference in accuracy is the predicate's effect.

**ALIE vs Krum experiment.** The grid does not reproduce ALIE breaking Krum.
:func:`alie_krum_configs` runs Krum under ALIE against its clean run (same seeds, same
f) in the grid's setting and with one factor at a time switched to the paper's setting
(Baruch et al. 2019: no norm bound, IID data, workers sending one-step gradients -- with
as many rounds as gives the same number of SGD steps), then all three together, and
with z above the paper's z_max. Each cell reports the paired accuracy drop with a 95%
t-interval over seeds and the share of rounds in which Krum selected the ALIE row
(:attr:`agents.fl.training.RunResult.malicious_selected`), which is the mechanism the
paper describes: the crafted row sits within z standard deviations of the honest mean,
so Krum picks it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agents.fl.training import FLConfig

if TYPE_CHECKING:
    import pandas as pd

AT_FRACTION: Final = 0.2


@dataclass(frozen=True)
class Finding:
    """A published direction: ``attack`` breaks ``rule``."""

    key: str
    rule: str
    attack: str
    reference: str


FINDINGS: Final = (
    Finding("alie_krum", "krum", "alie", "Baruch et al., NeurIPS 2019"),
    Finding("alie_trimmed_mean", "trimmed_mean", "alie", "Baruch et al., NeurIPS 2019"),
    Finding("ipm_median", "median", "ipm", "Xie et al., UAI 2019"),
    Finding("ipm_krum", "krum", "ipm", "Xie et al., UAI 2019"),
)

#: The unbounded attacks of the norm-bound experiment: (label, attack, parameters).
UNBOUNDED_ATTACKS: Final = (
    ("gaussian sigma 200", "gaussian", (("sigma", 200.0),)),
    ("sign flip x10", "sign_flip", (("scale", 10.0),)),
    ("IPM epsilon 10", "ipm", (("epsilon", 10.0),)),
)
NORM_RULES: Final = ("mean", "median", "trimmed_mean", "krum")
NORM_FRACTIONS: Final = (0.1, 0.2)


@dataclass(frozen=True)
class FindingVerdict:
    key: str
    rule: str
    attack: str
    reference: str
    model: str
    alpha: float
    beta: float | None  # measured beta*(rule, attack); None when the grid lacks the cell
    reproduced: bool | None  # None: not measured


def finding_verdicts(tolerance: pd.DataFrame, at_fraction: float = AT_FRACTION) -> list[FindingVerdict]:
    """One verdict per finding and (model, alpha) slice of a tolerance frame."""
    if "setting" in tolerance:
        tolerance = tolerance[tolerance.setting == "predicates"]  # the papers' attacks: every attack counts
    out = []
    slices = sorted({(str(r.model), float(r.alpha)) for r in tolerance.itertuples()})
    for f in FINDINGS:
        for model, alpha in slices:
            t = tolerance[(tolerance.model == model) & (tolerance.alpha == alpha) & (tolerance.rule == f.rule)
                          & (tolerance.attack == f.attack)]
            beta = float(t.tolerance.iloc[0]) if len(t) else None
            out.append(FindingVerdict(f.key, f.rule, f.attack, f.reference, model, alpha, beta,
                                      None if beta is None else beta < at_fraction))
    return out


def norm_bound_configs(base: FLConfig, model: str, rounds: int, alpha: float, seeds: int, seed: int = 0) -> list[FLConfig]:
    """The controlled experiment's runs: rules x unbounded attacks x fractions x predicate
    on/off x seeds, plus each rule's clean runs (the reference)."""
    out = []
    for s in range(seeds):
        b = dataclasses.replace(base, model=model, rounds=rounds, alpha=float(alpha), seed=seed + s)
        for rule in NORM_RULES:
            for frac in (0.0, *NORM_FRACTIONS):
                out.append(dataclasses.replace(b, rule=rule, fraction=frac, attack="none"))
                if frac == 0:
                    continue
                for _, attack, params in UNBOUNDED_ATTACKS:
                    for on in (True, False):
                        out.append(dataclasses.replace(b, rule=rule, fraction=frac, attack=attack,
                                                       attack_params=params, norm_predicate=on))
    return out


def norm_bound_summary(runs: pd.DataFrame, delta: float) -> pd.DataFrame:
    """Per rule x attack x fraction: clean accuracy, accuracy with the predicate on and
    off (means over seeds), the drops and whether each breaks the delta criterion."""
    import json

    import pandas as pd

    labels = {(a, json.dumps(dict(p), sort_keys=True)): label for label, a, p in UNBOUNDED_ATTACKS}
    r = runs.copy()
    r["params"] = [json.dumps(dict(json.loads(c)["attack_params"]), sort_keys=True) for c in r.config]
    clean = r[r.attack == "none"].groupby(["rule", "fraction"]).accuracy.mean()
    rows = []
    for (rule, attack, params, frac), g in r[r.attack != "none"].groupby(["rule", "attack", "params", "fraction"]):
        on = g[g.norm_predicate].accuracy.mean()
        off = g[~g.norm_predicate].accuracy.mean()
        c = float(clean[(rule, frac)])
        rows.append({"rule": rule, "attack": labels.get((attack, params), attack), "fraction": frac,
                     "clean_accuracy": c, "accuracy_predicate_on": float(on), "accuracy_predicate_off": float(off),
                     "breaks_on": bool(not (on >= c - delta)), "breaks_off": bool(not (off >= c - delta)),
                     "rejected_on": int(g[g.norm_predicate].rejected.sum())})
    return pd.DataFrame(rows)


def unbounded_mean_verdict(norm: pd.DataFrame) -> dict[str, Any]:
    """Does every unbounded attack break the mean at the smallest fraction without the
    predicate, and how many of them still break it with the predicate on?"""
    m = norm[(norm.rule == "mean")]
    if m.empty:
        return {"measured": False}
    f0 = float(m.fraction.min())
    at = m[m.fraction == f0]
    worst_on = float((at.clean_accuracy - at.accuracy_predicate_on).max())
    return {"measured": True, "fraction": f0, "reproduced_off": bool(at.breaks_off.all()),
            "breaks_on": sorted(at[at.breaks_on].attack), "attacks": sorted(at.attack),
            "largest_drop_on_pp": 100 * worst_on,
            "largest_drop_off_pp": 100 * float((at.clean_accuracy - at.accuracy_predicate_off).max())
            if not math.isnan(float(at.accuracy_predicate_off.max())) else math.nan}



@dataclass(frozen=True)
class AlieKrumCondition:
    """One arm of the ALIE-vs-Krum experiment: :class:`FLConfig` overrides of the grid's
    setting and the attack's z (None: the paper's z_max(n, m))."""

    label: str
    overrides: tuple[tuple[str, Any], ...] = ()
    z: float | None = None


#: The arms: the grid's setting, one factor at a time switched to the paper's, all three
#: together, and larger z in the grid's setting.
ALIE_KRUM_CONDITIONS: Final = (
    AlieKrumCondition("grid setting"),
    AlieKrumCondition("norm predicate off", (("norm_predicate", False),)),
    AlieKrumCondition("IID data", (("alpha", math.inf),)),
    AlieKrumCondition("one-step gradients", (("local_steps", 1),)),
    AlieKrumCondition("paper's setting (all three)", (("norm_predicate", False), ("alpha", math.inf), ("local_steps", 1))),
    AlieKrumCondition("grid setting, z = 1", (), 1.0),
    AlieKrumCondition("grid setting, z = 4", (), 4.0),
)
#: The grid's finding threshold and the paper's share (12 of 50 workers).
ALIE_KRUM_FRACTIONS: Final = (0.2, 0.24)


def _arm(base: FLConfig, cond: AlieKrumCondition) -> FLConfig:
    """``base`` with the arm's overrides; fewer local steps get proportionally more rounds
    (the same number of SGD steps per trainer)."""
    cfg = dataclasses.replace(base, **dict(cond.overrides))
    if cfg.local_steps != base.local_steps:
        cfg = dataclasses.replace(cfg, rounds=max(1, round(base.rounds * base.local_steps / cfg.local_steps)))
    return cfg


def alie_krum_configs(base: FLConfig, model: str, rounds: int, alpha: float, seeds: int, seed: int = 0,
                      conditions: tuple[AlieKrumCondition, ...] = ALIE_KRUM_CONDITIONS,
                      fractions: tuple[float, ...] = ALIE_KRUM_FRACTIONS) -> list[FLConfig]:
    """Every arm x fraction x seed: Krum under ALIE and Krum's clean run (no duplicates)."""
    from agents.fl.tolerance import run_key

    out: dict[str, FLConfig] = {}
    for cond in conditions:
        for s in range(seeds):
            b = dataclasses.replace(base, model=model, rounds=rounds, alpha=float(alpha), seed=seed + s, rule="krum")
            arm = _arm(b, cond)
            for frac in fractions:
                params = () if cond.z is None else (("z", float(cond.z)),)
                for c in (dataclasses.replace(arm, fraction=frac, attack="none"),
                          dataclasses.replace(arm, fraction=frac, attack="alie", attack_params=params)):
                    out.setdefault(run_key(c), c)
    return list(out.values())


def alie_krum_summary(runs: pd.DataFrame, base: FLConfig, model: str, rounds: int, alpha: float,
                      delta: float, conditions: tuple[AlieKrumCondition, ...] = ALIE_KRUM_CONDITIONS,
                      fractions: tuple[float, ...] = ALIE_KRUM_FRACTIONS) -> pd.DataFrame:
    """Per arm and fraction: clean and attacked accuracy (means over seeds), the paired drop
    [pp] with its 95% t-interval, whether ALIE breaks Krum (attacked mean more than
    ``delta`` below the clean mean, the tolerance criterion), and the share of rounds in
    which Krum selected the ALIE row."""
    import json

    import pandas as pd

    from agents.fl.tolerance import t_interval

    r = runs.copy()
    cfgs = [json.loads(c) for c in r.config]
    r["z"] = [dict(c["attack_params"]).get("z") if c["attack"] == "alie" else None for c in cfgs]
    for k in ("local_steps", "norm_predicate"):
        r[k] = [c[k] for c in cfgs]
    r["alpha_cfg"] = [float(c["alpha"]) for c in cfgs]
    rows = []
    for cond in conditions:
        arm = _arm(dataclasses.replace(base, model=model, rounds=rounds, alpha=float(alpha), rule="krum"), cond)
        mine = r[(r.model == model) & (r.rule == "krum") & (r.local_steps == arm.local_steps)
                 & (r.norm_predicate == arm.norm_predicate) & (r.alpha_cfg == float(arm.alpha))
                 & (r.rounds == arm.rounds)]
        for frac in fractions:
            at = mine[mine.fraction == frac]
            clean = at[at.attack == "none"].set_index("seed").accuracy
            hit = at[(at.attack == "alie") & at.z.map(lambda z, c=cond: (z is None or z != z) if c.z is None else z == c.z)]
            att = hit.set_index("seed").accuracy
            seeds = sorted(set(clean.index) & set(att.index))
            if not seeds:
                continue
            drop, lo, hi = t_interval([100 * (float(clean[s]) - float(att[s])) for s in seeds])
            c_mean, a_mean = float(clean[seeds].mean()), float(att[seeds].mean())
            sel = hit.malicious_selected if "malicious_selected" in hit else pd.Series(dtype=float)
            rows.append({
                "condition": cond.label, "fraction": frac, "z": "z_max(n, m)" if cond.z is None else f"{cond.z:g}",
                "local_steps": arm.local_steps, "rounds": arm.rounds, "alpha": arm.alpha,
                "norm_predicate": arm.norm_predicate, "seeds": seeds,
                "clean_accuracy": c_mean, "alie_accuracy": a_mean, "drop_pp": drop,
                "drop_ci_low_pp": lo, "drop_ci_high_pp": hi, "breaks": bool(a_mean < c_mean - delta),
                "krum_selects_alie": float(sel.sum()) / (arm.rounds * len(hit)) if len(hit) and sel.notna().all() else math.nan,
            })
    return pd.DataFrame(rows)


def alie_krum_verdict(summary: pd.DataFrame) -> dict[str, Any]:
    """Which arms ALIE breaks Krum in (at some fraction), the largest drop and its interval,
    and how often Krum selected the ALIE row in the grid's setting and the paper's."""
    if summary.empty:
        return {"measured": False}
    arms = list(dict.fromkeys(summary.condition))
    worst = summary.loc[summary.drop_pp.idxmax()]

    def selects(label: str) -> float:
        s = summary[summary.condition == label].krum_selects_alie
        return float(s.mean()) if len(s) else math.nan

    return {
        "measured": True, "arms": arms, "fractions": sorted(set(summary.fraction)),
        "breaks_in": [a for a in arms if bool(summary[summary.condition == a].breaks.any())],
        "largest_drop_pp": float(worst.drop_pp), "largest_drop_ci_pp": [float(worst.drop_ci_low_pp), float(worst.drop_ci_high_pp)],
        "largest_drop_arm": str(worst.condition), "largest_drop_fraction": float(worst.fraction),
        "selects_grid": selects(arms[0]), "selects": {a: selects(a) for a in arms},
        "seeds": sorted({int(s) for ss in summary.seeds for s in ss}),
    }


# -- the shipped table of the controlled experiments -----------------------------------------

#: The controlled experiments' runs as measured on the default grid's setting (package
#: data, written by ``orfl report --remeasure``; :func:`findings_table`).
SHIPPED_FINDINGS: Final = Path(__file__).resolve().parents[2] / "mechanism" / "data" / "findings_controlled.json"
#: Where ``orfl report --remeasure`` writes the regenerated table (``results/`` is not versioned).
FINDINGS_TABLE_PATH: Final = Path(__file__).resolve().parents[2] / "results" / "tolerance" / "findings_controlled.json"
#: The columns of a run kept in the table (no timings and no curves: the content is deterministic).
RUN_COLUMNS: Final = ("key", "model", "rounds", "norm_predicate", "rule", "attack", "alpha", "fraction", "seed",
                      "n_trainers", "n_malicious", "applicable", "accuracy", "loss", "rejected",
                      "malicious_selected", "config")
#: Bump when the table's layout changes.
FINDINGS_SCHEMA: Final = 1


def controlled_setup(grid: Any) -> dict[str, Any]:
    """The setting both controlled experiments run in, from a tolerance grid
    (:class:`agents.fl.tolerance.Grid`): its first model at its rounds, its most IID alpha
    (the papers' setting), its seeds and trainers."""
    model, rounds = grid.models[0]
    return {"model": model, "rounds": rounds, "alpha": float(max(grid.alphas)), "seeds": grid.seeds,
            "seed": grid.seed, "trainers": grid.base.n_trainers, "local_steps": grid.base.local_steps}


def controlled_configs(grid: Any) -> tuple[list[FLConfig], list[FLConfig]]:
    """Every run of the norm-bound and of the ALIE-vs-Krum experiment on ``grid``'s setting."""
    s = controlled_setup(grid)
    args = (grid.base, s["model"], s["rounds"], s["alpha"], s["seeds"], s["seed"])
    return norm_bound_configs(*args), alie_krum_configs(*args)


def run_rows(runs: pd.DataFrame, configs: list[FLConfig]) -> list[dict[str, Any]]:
    """The table's rows of ``runs`` (one per config, in order, with its cache key)."""
    from agents.fl.tolerance import run_key
    from mechanism.serialization import json_safe

    rows = []
    for cfg, row in zip(configs, runs.to_dict(orient="records"), strict=True):
        rows.append(json_safe({k: (run_key(cfg) if k == "key" else row.get(k)) for k in RUN_COLUMNS}))
    return rows


def findings_table(grid: Any, cache_dir: Any, workers: int = 1, progress: Any = None,
                   grid_compute_seconds: float | None = None) -> dict[str, Any]:
    """Run (or load from the run cache) both controlled experiments on ``grid``'s setting
    and return their table: ``{"schema", "setup", "arms", "norm_bound": [rows],
    "alie_krum": [rows], "provenance": {git commit, seeds, command, compute seconds (and
    ``grid_compute_seconds``, the tolerance grid's, when given), content_sha256}}``. The
    content (everything but the provenance) is deterministic."""
    import json

    from agents.fl.tolerance import content_sha256, git_provenance, run_configs

    norm_cfgs, ak_cfgs = controlled_configs(grid)
    norm = run_configs(norm_cfgs, cache_dir, progress, workers=workers)
    ak = run_configs(ak_cfgs, cache_dir, progress, workers=workers)
    setup = controlled_setup(grid)
    table: dict[str, Any] = {
        "schema": FINDINGS_SCHEMA, "setup": setup, "grid": grid.describe(),
        "arms": [c.label for c in ALIE_KRUM_CONDITIONS],
        "norm_bound": run_rows(norm, norm_cfgs), "alie_krum": run_rows(ak, ak_cfgs),
    }
    from mechanism.serialization import json_safe

    table = json.loads(json.dumps(json_safe(table), default=str, allow_nan=False))
    table["provenance"] = {
        **git_provenance(), "seeds": list(range(setup["seed"], setup["seed"] + setup["seeds"])),
        "command": "orfl report --remeasure",
        "compute_seconds": round(float(norm.seconds.sum()) + float(ak.seconds.sum()), 1),
        **({} if grid_compute_seconds is None else {"grid_compute_seconds": grid_compute_seconds}),
        "content_sha256": content_sha256(table),
    }
    return table


def write_findings_table(table: dict[str, Any], path: Path | str) -> str:
    """Write ``table`` as JSON with a ``.sha256`` file of its bytes beside it; return that SHA-256."""
    import hashlib
    import json

    from agents.fl.tolerance import _atomic_write

    path = Path(path)
    text = json.dumps(table, indent=1, allow_nan=False) + "\n"
    _atomic_write(path, text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    _atomic_write(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n")
    return digest


def load_findings_table(path: Path | str | None = None) -> dict[str, Any]:
    """Read a controlled-experiment table (default :data:`SHIPPED_FINDINGS`), adding
    ``path`` and ``sha256`` (of the file's bytes)."""
    import hashlib
    import json

    from mechanism.errors import ParameterError

    p = Path(path) if path is not None else SHIPPED_FINDINGS
    if not p.is_file():
        raise ParameterError.bad("findings_table", str(p), "an existing file written by orfl report --remeasure")
    raw = p.read_bytes()
    table = json.loads(raw)
    if not isinstance(table, dict) or table.get("schema") != FINDINGS_SCHEMA:
        raise ParameterError.bad("findings_table", str(p), f"a controlled-experiment table of schema {FINDINGS_SCHEMA}")
    return {**table, "path": str(p), "sha256": hashlib.sha256(raw).hexdigest()}


def runs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The table's rows as the run frame :func:`norm_bound_summary` and :func:`alie_krum_summary` read."""
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in ("accuracy", "loss", "malicious_selected", "alpha", "fraction"):
        if col in df:
            df[col] = pd.to_numeric(df[col].replace({"inf": math.inf}), errors="coerce")
    return df
