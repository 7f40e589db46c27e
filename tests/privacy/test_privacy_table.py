"""The measured privacy table: beta* at a local-DP epsilon as the design reads it.

A small table is built from a hand-made grid summary with :func:`build_privacy_table` (no
training), so every expected value is known: median learns at every epsilon, mean is hit
by sign flipping, krum learns nothing at epsilon 30 (clean accuracy at chance).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from agents.fl.privacy import build_privacy_table, privacy_tolerance
from agents.fl.tolerance import write_table
from agents.fl.training import FLConfig
from mechanism.economics.tolerance import (
    SHIPPED_PRIVACY_TABLE,
    learns,
    load_tolerance_table,
    measured_epsilons,
)
from mechanism.errors import ParameterError

RULES = ("krum", "mean", "median")
ATTACKS = ("sign_flip", "label_flip")
FRACTIONS = (0.1, 0.2)
EPSILONS = (30.0, 300.0, math.inf)
ALPHAS = (0.1, 100.0)
#: Clean accuracy per (rule, epsilon); krum at epsilon 30 is at chance (1/10 on digits).
CLEAN = {("krum", 30.0): 0.11, ("krum", 300.0): 0.6, ("krum", math.inf): 0.85,
         ("mean", 30.0): 0.4, ("mean", 300.0): 0.8, ("mean", math.inf): 0.9,
         ("median", 30.0): 0.3, ("median", 300.0): 0.75, ("median", math.inf): 0.88}
HALF_WIDTH = 0.03


def _attacked(rule: str, attack: str, fraction: float, clean: float) -> float:
    """Sign flipping breaks the mean at any fraction; median loses 10 pp at 20%; label flipping costs 1 pp."""
    if attack == "sign_flip" and rule == "mean":
        return 0.1
    if attack == "sign_flip" and rule == "median" and fraction == 0.2:
        return clean - 0.1
    return clean - 0.01


def summary() -> pd.DataFrame:
    rows = []
    for alpha in ALPHAS:
        for eps in EPSILONS:
            z = 0.0 if math.isinf(eps) else 30.0 / eps
            for rule in RULES:
                cells = [("none", 0.0, CLEAN[(rule, eps)])]
                cells += [(a, f, _attacked(rule, a, f, CLEAN[(rule, eps)])) for a in ATTACKS for f in FRACTIONS]
                for attack, frac, acc in cells:
                    rows.append({"rule": rule, "attack": attack, "fraction": frac, "epsilon": eps,
                                 "epsilon_accountant": eps * 0.999 if math.isfinite(eps) else math.inf,
                                 "delta": 1e-5, "noise_multiplier": z, "accuracy": acc,
                                 "accuracy_ci_low": max(0.0, acc - HALF_WIDTH),
                                 "accuracy_ci_high": min(1.0, acc + HALF_WIDTH), "seeds": [0, 1, 2],
                                 "model": "logreg", "alpha": alpha})
    return pd.DataFrame(rows)


def write_small_table(tmp_path: Path) -> Path:
    """The hand-made grid written as a privacy table (JSON, CSV twin, .sha256)."""
    table = build_privacy_table(summary(), RULES, ATTACKS, EPSILONS, (0.0, *FRACTIONS), 3, (("logreg", 26),), ALPHAS,
                                FLConfig(n_trainers=50, ldp_delta=1e-5), 0.05)
    path = tmp_path / "privacy.json"
    write_table(table, path)
    return path


def _recomputed(path: Path, alpha: float, epsilon: float) -> pd.DataFrame:
    """privacy_tolerance recomputed from the table file's rows at (alpha, epsilon)."""
    raw = json.loads(path.read_text())
    rows = pd.DataFrame(raw["rows"])
    for col in ("epsilon", "accuracy", "accuracy_ci_low", "accuracy_ci_high"):
        rows[col] = [math.nan if v is None else float(v) for v in rows[col]]
    at = rows[(rows["alpha"] == alpha) & (rows["epsilon"] == epsilon)]
    return privacy_tolerance(at, raw["delta"], raw["settings"]["predicates"]).set_index("rule")


@pytest.mark.parametrize("epsilon", EPSILONS)
@pytest.mark.parametrize("alpha", ALPHAS)
def test_loader_equals_privacy_tolerance_recomputed_from_the_rows(tmp_path: Path, alpha: float,
                                                                     epsilon: float) -> None:
    path = write_small_table(tmp_path)
    table = load_tolerance_table(path, alpha, epsilon=epsilon)
    ref = _recomputed(path, alpha, epsilon)
    assert table.epsilon == epsilon and table.alpha == alpha and table.source == "measured"
    for e in table.entries:
        r = ref.loc[e.rule]
        if e.missing is None:
            assert e.beta == max(0.0, r["tolerance_ci_low"]) and e.beta_mean == max(0.0, r["tolerance"])
            assert e.worst_attack == r["worst_attack"]
        else:
            assert not learns(r["clean_accuracy_ci_low"], 0.1, 0.05)
    # the planted values: sign flipping breaks the mean, the median holds 10% but not 20%
    assert table.rules["mean"].beta == 0.0 and table.rules["mean"].worst_attack == "sign_flip"
    assert table.rules["median"].beta == 0.1


def test_rule_at_chance_is_missing_and_never_recommended(tmp_path: Path) -> None:
    from mechanism.economics.recommend import choose_rule
    from mechanism.economics.scenario import DesignInputs

    path = write_small_table(tmp_path)
    at30 = load_tolerance_table(path, epsilon=30.0)
    krum = at30.rules["krum"]
    assert krum.beta is None and "learns nothing at privacy epsilon 30" in str(krum.missing)
    assert "chance 0.1" in str(krum.missing)
    assert "krum" not in at30.complete()
    choice = choose_rule(DesignInputs(malicious_fraction=0.0, privacy_epsilon=30.0), at30)
    assert choice.name != "krum" and "krum" in dict(choice.missing)
    # the same rule learns at epsilon 300 and is usable there
    assert load_tolerance_table(path, epsilon=300.0).rules["krum"].missing is None


def test_describe_names_the_guarantee_and_the_clean_accuracies(tmp_path: Path) -> None:
    path = write_small_table(tmp_path)
    d = load_tolerance_table(path, 100.0, epsilon=300.0).describe("median")
    assert d["privacy_epsilon"] == 300.0 and d["privacy_delta"] == 1e-5
    assert d["noise_multiplier"] == pytest.approx(0.1) and d["epsilon_accountant"] == pytest.approx(299.7)
    assert "dp-accounting" in d["accountant"] and d["measured_epsilons"] == [30.0, 300.0, math.inf]
    ca = d["clean_accuracy"]
    assert ca["at_epsilon"]["mean"] == 0.75 and ca["without_noise"]["mean"] == 0.88
    assert ca["at_epsilon"]["ci95"] == [pytest.approx(0.72), pytest.approx(0.78)]
    assert ca["source"] == "measured" and ca["file"] == str(path) and len(ca["sha256"]) == 64
    assert d["content_sha256"] and d["sha256"] == (path.with_name(path.name + ".sha256")).read_text().split()[0]


@pytest.mark.parametrize("bad", [100.0, 3.0, 0.0, -1.0, math.nan, True])
def test_unmeasured_or_invalid_epsilon_is_refused(tmp_path: Path, bad: float) -> None:
    path = write_small_table(tmp_path)
    with pytest.raises(ParameterError, match="privacy_epsilon") as exc:
        load_tolerance_table(path, epsilon=bad)
    if isinstance(bad, float) and bad > 0:  # a number, just not measured: the message lists the measured ones
        assert f"{bad!r}" in str(exc.value) and "30, 300, inf" in str(exc.value)


def test_a_privacy_table_needs_an_epsilon_and_a_plain_table_cannot_give_one(tmp_path: Path) -> None:
    path = write_small_table(tmp_path)
    with pytest.raises(ParameterError, match="privacy_epsilon"):
        load_tolerance_table(path)
    with pytest.raises(ParameterError, match="tolerance_table"):
        load_tolerance_table(SHIPPED_PRIVACY_TABLE.with_name("tolerance_default.json"), epsilon=300.0)


def test_infinite_epsilon_without_a_table_is_the_non_private_table() -> None:
    plain = load_tolerance_table()
    inf = load_tolerance_table(epsilon=math.inf)
    assert inf.path == plain.path and inf.complete() == plain.complete() and inf.epsilon == math.inf
    assert inf.describe()["noise_multiplier"] == 0.0


@pytest.mark.skipif(not SHIPPED_PRIVACY_TABLE.is_file(), reason="no shipped privacy table")
def test_shipped_table_loads_at_every_measured_epsilon_as_recomputed() -> None:
    raw = json.loads(SHIPPED_PRIVACY_TABLE.read_text())
    eps = measured_epsilons()
    assert eps[-1] == math.inf and len(eps) >= 3
    assert set(raw["grid"]["rules"]) == {"mean", "median", "trimmed_mean", "krum", "geometric_median",
                                         "centered_clipping", "bulyan"}
    assert {"sign_flip", "alie", "ipm", "label_flip"} <= set(raw["grid"]["attacks"])
    for alpha in raw["grid"]["alphas"]:
        for e in eps:
            table = load_tolerance_table(SHIPPED_PRIVACY_TABLE, alpha, epsilon=e)
            ref = _recomputed(SHIPPED_PRIVACY_TABLE, float(alpha), e)
            for entry in table.entries:
                if entry.missing is None:
                    assert entry.beta == max(0.0, ref.loc[entry.rule, "tolerance_ci_low"]), (alpha, e, entry.rule)
                else:
                    assert not learns(ref.loc[entry.rule, "clean_accuracy_ci_low"], raw["chance_accuracy"],
                                      raw["delta"]), (alpha, e, entry.rule)
    digest = SHIPPED_PRIVACY_TABLE.with_name(SHIPPED_PRIVACY_TABLE.name + ".sha256").read_text().split()[0]
    assert load_tolerance_table(SHIPPED_PRIVACY_TABLE, epsilon=eps[0]).sha256 == digest
