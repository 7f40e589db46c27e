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
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
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
