"""The malicious device tolerance the design uses: read from a measured table.

The table is written by ``orfl tolerance`` (:mod:`agents.fl.tolerance`, schema 2); the
repository ships the default grid's table as package data, :data:`SHIPPED_TABLE`, with
its provenance (commit, grid, seeds, SHA-256 of its measured content; the file's own
SHA-256 beside it). Every consumer of a tolerance -- ``orfl recommend``, the ABM, the
report -- reads it through :func:`load_tolerance_table`, so they quote the same beta*.

**What the design uses** (docs/economics.md, 'Sybil poisoning'): for each rule, at the
declared data heterogeneity ``alpha`` (Dirichlet concentration; default the most
heterogeneous measured; a declared alpha between measured ones uses the next *more*
heterogeneous measured one, never an extrapolation), the worst case over attacks and
models of ``beta*`` computed on the *lower end* of the attacked accuracy's 95% interval
(column ``tolerance_ci_low``). A value of -1 (the rule's clean run is already more than
delta below its own clean reference) is used as 0. A rule absent from the table, or
lacking a row for one of the table's attacks or models at that alpha, is *missing*: it
is reported as such and never recommended.

**Settings** (column ``setting`` of the measured rows; :data:`SETTINGS`): ``predicates``
(the default; updates are checked only by the validity predicates, every attack of the
grid counts) and ``proof_checked`` (training fraud proofs slash any update that is not
honest SGD on the trainer's committed shard, docs/training_proof.md, so only the
data-only attacks of the table's ``settings`` entry count). Rows without a ``setting``
(tables written before the column existed) are ``predicates`` rows.

**At a local-DP epsilon** (docs/privacy.md, 'The measured privacy table'): with
``epsilon`` the tolerance comes from the measured privacy table
(:data:`SHIPPED_PRIVACY_TABLE`, written by ``orfl tolerance --privacy-epsilon ... --out``;
``inf`` without a table path is the non-private :data:`SHIPPED_TABLE`). epsilon must be
one of the table's measured epsilons. beta* at epsilon is relative to the rule's own
clean accuracy at the same epsilon, on the lower end of the attacked accuracy's 95%
interval, worst case over the setting's attacks (:func:`agents.fl.privacy.privacy_tolerance`);
a rule whose clean accuracy at epsilon does not learn (:func:`learns`: the lower end of
its 95% interval within delta of chance) is *missing*, never recommended: beta* relative
to a reference that learned nothing measures nothing.

Hand-made tables (JSON ``{rule: beta}`` or CSV ``rule,tolerance``) are accepted too and
labelled ``user`` rather than ``measured``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from mechanism.errors import ParameterError

#: The default grid's measured table, shipped with the package (``orfl tolerance``).
SHIPPED_TABLE: Final = Path(__file__).resolve().parents[1] / "data" / "tolerance_default.json"
#: Column of the measured table the design reads (lower end of the 95% interval).
DESIGN_COLUMN: Final = "tolerance_ci_low"
#: What checks a trainer's update: the validity predicates only, or also a training fraud proof.
SETTINGS: Final = ("predicates", "proof_checked")
DEFAULT_SETTING: Final = "predicates"
#: The measured privacy table: accuracy and beta* per local-DP epsilon (``orfl tolerance --privacy-epsilon``).
SHIPPED_PRIVACY_TABLE: Final = SHIPPED_TABLE.with_name("tolerance_privacy.json")
#: ``kind`` of a privacy table (its rows and tolerances carry ``epsilon``).
PRIVACY_KIND: Final = "privacy"
#: Accountant of the privacy table's epsilons (mechanism.privacy.accounting).
PRIVACY_ACCOUNTANT: Final = "dp-accounting RDP (Mironov 2017; conversion of Canonne, Kamath and Steinke 2020)"


def learns(clean_ci_low: float, chance: float, delta: float) -> bool:
    """Whether a rule learns at an epsilon: the lower end of its clean accuracy's 95%
    interval lies more than ``delta`` above ``chance`` (1 / classes; docs/privacy.md,
    'The measured privacy table'). An undefined interval does not learn."""
    return clean_ci_low == clean_ci_low and clean_ci_low > chance + delta


@dataclass(frozen=True)
class RuleTolerance:
    """One rule's tolerance at the table's alpha; ``beta`` None when the rule is missing."""

    rule: str
    beta: float | None  # worst case over attacks and models, lower CI end, >= 0 [malicious fraction]
    beta_mean: float | None  # same worst case on the mean accuracy [malicious fraction]
    worst_attack: str | None
    worst_model: str | None
    missing: str | None  # why the rule cannot be used (None: complete)


@dataclass(frozen=True)
class ToleranceTable:
    """A tolerance table at one alpha with where it came from."""

    path: str
    sha256: str  # of the file's bytes
    source: str  # "measured" (an ``orfl tolerance`` table) or "user" (hand-made)
    alpha: float | None  # measured alpha used (None for hand-made tables)
    declared_alpha: float | None
    alphas: tuple[float, ...]
    attacks: tuple[str, ...]
    models: tuple[str, ...]
    entries: tuple[RuleTolerance, ...]
    provenance: Mapping[str, Any]
    setting: str = DEFAULT_SETTING  # which attacks count (SETTINGS)
    epsilon: float = math.inf  # local-DP epsilon the tolerance was measured at (inf: no noise)
    #: At a finite epsilon: delta, noise multiplier, the accountant's epsilon, measured epsilons, chance.
    privacy: Mapping[str, Any] = field(default_factory=dict)
    #: Per rule: clean accuracy at epsilon and without noise (mean and 95% interval).
    clean_accuracy: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rules(self) -> dict[str, RuleTolerance]:
        return {e.rule: e for e in self.entries}

    def complete(self) -> dict[str, float]:
        """``{rule: beta}`` of the rules the design may use."""
        return {e.rule: float(e.beta) for e in self.entries if e.beta is not None and e.missing is None}

    def beta(self, rule: str) -> float:
        """The design tolerance of ``rule``; ParameterError if the table lacks it."""
        e = self.rules.get(rule)
        if e is None or e.beta is None or e.missing is not None:
            why = "absent" if e is None else e.missing
            raise ParameterError.bad("rule", rule, f"a rule measured in {self.path} (this one: {why})")
        return float(e.beta)

    def missing_reason(self, rule: str) -> str | None:
        e = self.rules.get(rule)
        return f"not in the tolerance table {Path(self.path).name}" if e is None else e.missing

    def describe(self, rule: str | None = None) -> dict[str, Any]:
        """The ``inputs.tolerance`` provenance block of ``orfl recommend --json``; with a
        privacy epsilon also the guarantee and ``rule``'s clean accuracy at it and without noise."""
        out: dict[str, Any] = {"source": self.source, "file": self.path, "sha256": self.sha256}
        if self.source == "measured":
            out.update({
                "statistic": "worst case over attacks and models of beta* on the lower end of the 95% "
                             "confidence interval of the attacked accuracy",
                "setting": self.setting,
                "non_iid_alpha": self.alpha, "declared_non_iid_alpha": self.declared_alpha,
                "measured_alphas": list(self.alphas), "attacks": list(self.attacks), "models": list(self.models),
                "content_sha256": self.provenance.get("content_sha256"),
                "git_commit": self.provenance.get("git_commit"),
                "seeds": self.provenance.get("seeds"),
            })
        if self.privacy:
            out["privacy_epsilon"] = self.epsilon
            out.update(self.privacy)
            if "chance_accuracy" in self.privacy:  # read from a privacy table
                out["statistic"] = (f"worst case over attacks of beta* at local-DP epsilon {self.epsilon:g}, relative to "
                                    "the rule's own clean accuracy at that epsilon, on the lower end of the 95% "
                                    "confidence interval of the attacked accuracy; rules whose clean accuracy does not "
                                    "learn at that epsilon are excluded")
            if rule is not None and rule in self.clean_accuracy:
                out["clean_accuracy"] = {**self.clean_accuracy[rule], "rule": rule, "source": "measured",
                                         "file": self.path, "sha256": self.sha256}
        return out


def file_sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _pick_alpha(alphas: tuple[float, ...], alpha: float | None, path: Path) -> float:
    """The measured alpha the design reads: the most heterogeneous without a declared
    alpha, else the largest measured alpha <= the declared one (module docstring)."""
    if not alphas:
        raise ParameterError.bad("tolerance_table", str(path), "at least one measured row")
    if alpha is None:
        return alphas[0]
    if not (isinstance(alpha, (int, float)) and alpha > 0):
        raise ParameterError.bad("non_iid_alpha", alpha, "a positive Dirichlet concentration (inf = IID)")
    below = [a for a in alphas if a <= alpha]
    if not below:
        raise ParameterError.bad("non_iid_alpha", alpha, f"at least the most heterogeneous measured alpha "
                                 f"({alphas[0]:g}; measured: {', '.join(f'{a:g}' for a in alphas)})")
    return below[-1]


def _measured(raw: dict[str, Any], path: Path, digest: str, alpha: float | None, setting: str) -> ToleranceTable:
    every = [r for r in raw["tolerances"] if isinstance(r, dict)]
    present = sorted({str(r.get("setting", DEFAULT_SETTING)) for r in every})
    rows = [r for r in every if r.get("setting", DEFAULT_SETTING) == setting]
    if not rows:
        raise ParameterError.bad("setting", setting, f"a setting measured in {path.name} ({', '.join(present)})")
    grid_raw = raw.get("grid")
    grid: dict[str, Any] = grid_raw if isinstance(grid_raw, dict) else {}
    settings_raw = raw.get("settings")
    declared = settings_raw.get(setting) if isinstance(settings_raw, dict) else None
    alphas = tuple(sorted({float(r["alpha"]) for r in rows}))
    used = _pick_alpha(alphas, alpha, path)
    measured_attacks = sorted({str(r["attack"]) for r in rows if r["attack"] != "worst_case"})
    if declared:
        attacks = tuple(declared)
    elif setting == DEFAULT_SETTING:
        attacks = tuple(grid.get("attacks") or measured_attacks)
    else:
        attacks = tuple(measured_attacks)
    models = tuple(sorted({str(r.get("model", "")) for r in rows}))
    rules = tuple(grid.get("rules") or sorted({str(r["rule"]) for r in rows}))
    at = [r for r in rows if float(r["alpha"]) == used and r["attack"] != "worst_case"]
    entries = []
    for rule in sorted(set(rules) | {str(r["rule"]) for r in at}):
        mine = {(str(r.get("model", "")), str(r["attack"])): r for r in at if r["rule"] == rule}
        gaps = [f"{m}/{a}" for m in models for a in attacks if (m, a) not in mine]
        if not mine or gaps:
            why = f"no rows at alpha {used:g}" if not mine else f"missing attacks at alpha {used:g}: {', '.join(gaps)}"
            entries.append(RuleTolerance(rule, None, None, None, None, why))
            continue
        worst = min(mine.values(), key=lambda r: (float(r[DESIGN_COLUMN]), float(r["tolerance"])))
        beta_mean = min(float(r["tolerance"]) for r in mine.values())
        entries.append(RuleTolerance(rule, max(0.0, float(worst[DESIGN_COLUMN])), max(0.0, beta_mean),
                                     str(worst["attack"]), str(worst.get("model", "")), None))
    prov_raw = raw.get("provenance")
    prov: dict[str, Any] = prov_raw if isinstance(prov_raw, dict) else {}
    return ToleranceTable(str(path), digest, "measured", used, alpha, alphas, attacks, models, tuple(entries), prov,
                          setting)


def _number(x: Any) -> float:
    """A JSON number of a measured table (``"inf"`` for infinity, null for an undefined value)."""
    return math.nan if x is None else float(x)


def _interval(row: Mapping[str, Any] | None, prefix: str) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"mean": _number(row[prefix]), "ci95": [_number(row[f"{prefix}_ci_low"]), _number(row[f"{prefix}_ci_high"])]}


def _at(rows: list[dict[str, Any]], epsilon: float) -> list[dict[str, Any]]:
    return [r for r in rows if _same(_number(r["epsilon"]), epsilon)]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isfinite(a) and math.isfinite(b) and math.isclose(a, b, rel_tol=1e-9))


def _privacy_measured(raw: dict[str, Any], path: Path, digest: str, alpha: float | None, setting: str,
                      epsilon: float) -> ToleranceTable:
    """The table at ``epsilon`` of a measured privacy table (module docstring)."""
    grid_raw = raw.get("grid")
    grid: dict[str, Any] = grid_raw if isinstance(grid_raw, dict) else {}
    measured = tuple(sorted(_number(e) for e in grid.get("epsilons", [])))
    if not any(_same(e, epsilon) for e in measured):
        raise ParameterError.bad("privacy_epsilon", epsilon, f"one of the epsilons measured in {path.name} ("
                                 + ", ".join(f"{e:g}" for e in measured) + ")")
    every = [r for r in raw["tolerances"] if isinstance(r, dict)]
    present = sorted({str(r.get("setting", DEFAULT_SETTING)) for r in every})
    tols = [r for r in every if r.get("setting", DEFAULT_SETTING) == setting]
    if not tols:
        raise ParameterError.bad("setting", setting, f"a setting measured in {path.name} ({', '.join(present)})")
    used = _pick_alpha(tuple(sorted({float(r["alpha"]) for r in tols})), alpha, path)
    settings_raw = raw.get("settings")
    attacks = tuple(settings_raw.get(setting, ())) if isinstance(settings_raw, dict) else ()
    fractions = sorted(float(f) for f in grid.get("fractions", []) if float(f) > 0)
    chance, delta = float(raw["chance_accuracy"]), float(raw["delta"])
    summary = [r for r in raw["rows"] if isinstance(r, dict) and float(r["alpha"]) == used]
    have = {(str(r["rule"]), str(r["attack"]), float(r["fraction"])) for r in _at(summary, epsilon)}
    at = {str(r["rule"]): r for r in _at([r for r in tols if float(r["alpha"]) == used], epsilon)}
    no_noise = {str(r["rule"]): r for r in _at([r for r in tols if float(r["alpha"]) == used], math.inf)}
    models = tuple(sorted({str(r.get("model", "")) for r in tols}))
    entries, clean = [], {}
    for rule in sorted(set(grid.get("rules") or []) | set(at)):
        t = at.get(rule)
        gaps = [f"{a}@{f:g}" for a in attacks for f in fractions if (rule, a, f) not in have]
        gaps += [] if (rule, "none", 0.0) in have else ["clean run"]
        if t is None or gaps:
            why = (f"no rows at alpha {used:g}, epsilon {epsilon:g}" if t is None
                   else f"missing rows at alpha {used:g}, epsilon {epsilon:g}: {', '.join(gaps)}")
            entries.append(RuleTolerance(rule, None, None, None, None, why))
            continue
        clean[rule] = {"at_epsilon": _interval(t, "clean_accuracy"), "without_noise": _interval(no_noise.get(rule),
                                                                                                "clean_accuracy")}
        low = _number(t["clean_accuracy_ci_low"])
        if not learns(low, chance, delta):
            entries.append(RuleTolerance(rule, None, None, None, None,
                                         f"learns nothing at privacy epsilon {epsilon:g}: clean accuracy "
                                         f"{_number(t['clean_accuracy']):.3f} (95% CI low {low:.3f}) within delta "
                                         f"{delta:g} of chance {chance:g}"))
            continue
        entries.append(RuleTolerance(rule, max(0.0, _number(t["tolerance_ci_low"])),
                                     max(0.0, _number(t["tolerance"])), str(t.get("worst_attack")),
                                     str(t.get("model", "")), None))
    ref = next(iter(at.values()), {})
    privacy = {"privacy_delta": raw.get("privacy_delta"), "noise_multiplier": ref.get("noise_multiplier"),
               "epsilon_accountant": _number(ref["epsilon_accountant"]) if "epsilon_accountant" in ref else None,
               "accountant": PRIVACY_ACCOUNTANT, "measured_epsilons": list(measured), "chance_accuracy": chance,
               "accuracy_delta": delta}
    prov_raw = raw.get("provenance")
    prov: dict[str, Any] = prov_raw if isinstance(prov_raw, dict) else {}
    alphas = tuple(sorted({float(r["alpha"]) for r in tols}))
    return ToleranceTable(str(path), digest, "measured", used, alpha, alphas, attacks, models, tuple(entries), prov,
                          setting, epsilon, privacy, clean)


def _hand_made(values: Mapping[str, Any], path: Path, digest: str, setting: str = DEFAULT_SETTING) -> ToleranceTable:
    entries = []
    for rule, v in values.items():
        beta = float(v)
        if not (0.0 <= beta < 0.5) or math.isnan(beta):
            raise ParameterError.bad(f"tolerance[{rule}]", beta, "a fraction in [0, 0.5)")
        entries.append(RuleTolerance(str(rule), beta, beta, None, None, None))
    if not entries:
        raise ParameterError.bad("tolerance_table", str(path), "at least one rule")
    return ToleranceTable(str(path), digest, "user", None, None, (), (), (), tuple(entries), {}, setting)


def _check_epsilon(epsilon: object) -> float:
    ok = isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool) and float(epsilon) > 0
    if not ok:
        raise ParameterError.bad("privacy_epsilon", epsilon, "a number > 0 (inf = no local DP)")
    return float(epsilon)  # type: ignore[arg-type]


def load_tolerance_table(path: Path | str | None = None, alpha: float | None = None,
                         setting: str = DEFAULT_SETTING, epsilon: float | None = None) -> ToleranceTable:
    """Read a tolerance table (default: :data:`SHIPPED_TABLE`) at the declared ``alpha``
    in ``setting`` (:data:`SETTINGS`; default ``predicates``), at the local-DP ``epsilon``
    (None: no local DP).

    Accepts the output of ``orfl tolerance`` (``measured``), or a hand-made JSON
    ``{rule: beta}`` / ``{"tolerance": {...}}`` or CSV ``rule,tolerance`` (``user``; the
    user's numbers are taken as stated for the requested setting). With a finite
    ``epsilon`` the table is a measured privacy table (default
    :data:`SHIPPED_PRIVACY_TABLE`) and epsilon one of its measured epsilons;
    ``epsilon = inf`` without ``path`` is the non-private shipped table."""
    if setting not in SETTINGS:
        raise ParameterError.bad("setting", setting, f"one of {', '.join(SETTINGS)}")
    eps = None if epsilon is None else _check_epsilon(epsilon)
    if eps is not None and math.isinf(eps) and path is None:
        return replace(load_tolerance_table(None, alpha, setting), epsilon=math.inf,
                       privacy={"noise_multiplier": 0.0, "accountant": "none: no local-DP noise"})
    p = Path(path) if path is not None else (SHIPPED_TABLE if eps is None else SHIPPED_PRIVACY_TABLE)
    if not p.is_file():
        raise ParameterError.bad("tolerance_table", str(p), "an existing JSON or CSV file")
    digest = file_sha256(p)
    try:
        if p.suffix.lower() == ".json":
            raw = json.loads(p.read_text())
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if kind == PRIVACY_KIND:
                if eps is None:
                    raise ParameterError.bad("privacy_epsilon", None, f"one of the epsilons measured in {p.name} "
                                             "(a privacy table needs a local-DP epsilon)")
                return _privacy_measured(raw, p, digest, alpha, setting, eps)
            if eps is not None:
                raise ParameterError.bad("tolerance_table", str(p), f"a measured privacy table (orfl tolerance "
                                         f"--privacy-epsilon ... --out) for privacy_epsilon={eps:g}")
            if isinstance(raw, dict) and isinstance(raw.get("tolerances"), list):
                return _measured(raw, p, digest, alpha, setting)
            if isinstance(raw, dict) and isinstance(raw.get("tolerance"), dict):
                raw = raw["tolerance"]
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            return _hand_made(raw, p, digest, setting)
        if eps is not None:
            raise ParameterError.bad("tolerance_table", str(p), f"a measured privacy table (JSON) for "
                                     f"privacy_epsilon={eps:g}")
        with p.open(newline="") as fh:
            return _hand_made({str(r["rule"]).strip(): r["tolerance"] for r in csv.DictReader(fh)}, p, digest, setting)
    except ParameterError:
        raise
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ParameterError.bad(
            "tolerance_table", str(p),
            f"an `orfl tolerance` table, JSON {{rule: tolerance}} or CSV with columns rule,tolerance ({exc})",
        ) from None


def read_privacy_table(path: Path | str | None = None) -> tuple[dict[str, Any], str, Path]:
    """(content, file SHA-256, path) of a measured privacy table (default
    :data:`SHIPPED_PRIVACY_TABLE`), for readers of its accuracy rows (the report)."""
    p = Path(path) if path is not None else SHIPPED_PRIVACY_TABLE
    if not p.is_file():
        raise ParameterError.bad("tolerance_table", str(p), "an existing privacy table (orfl tolerance "
                                 "--privacy-epsilon ... --out)")
    try:
        raw = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise ParameterError.bad("tolerance_table", str(p), f"valid JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("kind") != PRIVACY_KIND:
        raise ParameterError.bad("tolerance_table", str(p), "a measured privacy table (kind 'privacy')")
    return raw, file_sha256(p), p


def measured_epsilons(path: Path | str | None = None) -> tuple[float, ...]:
    """The local-DP epsilons a privacy table measured (inf = no noise), ascending."""
    raw, _, _ = read_privacy_table(path)
    return tuple(sorted(_number(e) for e in raw.get("grid", {}).get("epsilons", [])))


def from_mapping(values: Mapping[str, float], label: str = "user table") -> ToleranceTable:
    """A hand-made table given in code (source ``user``; no file)."""
    return _hand_made(dict(values), Path(label), "")
