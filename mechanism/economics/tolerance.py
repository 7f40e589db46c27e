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

Hand-made tables (JSON ``{rule: beta}`` or CSV ``rule,tolerance``) are accepted too and
labelled ``user`` rather than ``measured``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
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

    def describe(self) -> dict[str, Any]:
        """The ``inputs.tolerance`` provenance block of ``orfl recommend --json``."""
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
        return out


def file_sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
    if not alphas:
        raise ParameterError.bad("tolerance_table", str(path), "at least one measured row")
    if alpha is None:
        used = alphas[0]
    else:
        if not (isinstance(alpha, (int, float)) and alpha > 0):
            raise ParameterError.bad("non_iid_alpha", alpha, "a positive Dirichlet concentration (inf = IID)")
        below = [a for a in alphas if a <= alpha]
        if not below:
            raise ParameterError.bad("non_iid_alpha", alpha, f"at least the most heterogeneous measured alpha "
                                     f"({alphas[0]:g}; measured: {', '.join(f'{a:g}' for a in alphas)})")
        used = below[-1]
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


def load_tolerance_table(path: Path | str | None = None, alpha: float | None = None,
                         setting: str = DEFAULT_SETTING) -> ToleranceTable:
    """Read a tolerance table (default: :data:`SHIPPED_TABLE`) at the declared ``alpha``
    in ``setting`` (:data:`SETTINGS`; default ``predicates``).

    Accepts the output of ``orfl tolerance`` (``measured``), or a hand-made JSON
    ``{rule: beta}`` / ``{"tolerance": {...}}`` or CSV ``rule,tolerance`` (``user``; the
    user's numbers are taken as stated for the requested setting)."""
    if setting not in SETTINGS:
        raise ParameterError.bad("setting", setting, f"one of {', '.join(SETTINGS)}")
    p = Path(path) if path is not None else SHIPPED_TABLE
    if not p.is_file():
        raise ParameterError.bad("tolerance_table", str(p), "an existing JSON or CSV file")
    digest = file_sha256(p)
    try:
        if p.suffix.lower() == ".json":
            raw = json.loads(p.read_text())
            if isinstance(raw, dict) and isinstance(raw.get("tolerances"), list):
                return _measured(raw, p, digest, alpha, setting)
            if isinstance(raw, dict) and isinstance(raw.get("tolerance"), dict):
                raw = raw["tolerance"]
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            return _hand_made(raw, p, digest, setting)
        with p.open(newline="") as fh:
            return _hand_made({str(r["rule"]).strip(): r["tolerance"] for r in csv.DictReader(fh)}, p, digest, setting)
    except ParameterError:
        raise
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ParameterError.bad(
            "tolerance_table", str(p),
            f"an `orfl tolerance` table, JSON {{rule: tolerance}} or CSV with columns rule,tolerance ({exc})",
        ) from None


def from_mapping(values: Mapping[str, float], label: str = "user table") -> ToleranceTable:
    """A hand-made table given in code (source ``user``; no file)."""
    return _hand_made(dict(values), Path(label), "")
