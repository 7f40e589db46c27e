"""The privacy section reads the measured privacy table (no retraining) and states what it holds."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from analyses.privacy import PrivacyResults, _ldp, text
from analyses.report import ReportContext
from tests.privacy.test_privacy_table import write_small_table


def _results(tmp_path: Path) -> PrivacyResults:
    ctx = ReportContext(out_dir=tmp_path / "report", quick=True)
    acc, tol, params = _ldp(ctx, write_small_table(tmp_path))
    disclosure = pd.DataFrame([
        {"path": "publication", "rule": "-", "own_values": 1000, "fraction_of_update": 1.0, "derived_values": 0,
         "worst_stage": "-"},
        {"path": "aggregation_dispute", "rule": "median", "own_values": 16, "fraction_of_update": 0.016,
         "derived_values": 0, "worst_stage": "out"}])
    accounting = pd.DataFrame([{"noise_multiplier": 1.0, "rounds": 10, "rdp": 10.0, "pld": 9.0, "zcdp_bound": 12.0}])
    cal = pd.DataFrame([{"epsilon_target": 4.0, "rounds": 10, "noise_multiplier": 3.21, "epsilon_rdp": 3.99}])
    return PrivacyResults(disclosure, accounting, cal, 10, 1e-5, 16, 16, ldp_accuracy=acc, ldp_tolerance=tol,
                          ldp_params=params)


def test_beta_table_is_what_recommend_reads(tmp_path: Path) -> None:
    r = _results(tmp_path)
    t = r.ldp_tolerance
    krum30 = t[(t["rule"] == "krum") & (t["epsilon"] == 30.0)]
    assert len(krum30) == 2 and not krum30["usable"].any() and krum30["tolerance_ci_low"].isna().all()
    med = t[t["rule"] == "median"]
    assert (med["tolerance_ci_low"] == 0.1).all() and med["usable"].all()
    wide = r.tables()["privacy_ldp_beta"]
    row = wide[(wide["alpha"] == 100.0) & (wide["rule"] == "krum")].iloc[0]
    assert row["epsilon 30"] == "-" and row["epsilon inf"] == "0.2"


def test_text_is_computed_from_the_table(tmp_path: Path) -> None:
    r = _results(tmp_path)
    md = " ".join(text(r).split())
    assert "`privacy.json`" in md and r.ldp_params["sha256"][:12] in md
    assert "attacks sign_flip, label_flip" in md and "epsilons 30, 300 and no noise" in md
    assert "at alpha 100: 2 at epsilon 30, 3 at epsilon 300, 3 without noise" in md
    assert "| krum | - | 0.2 | 0.2 |" in md and "| median | 0.1 | 0.1 | 0.1 |" in md
    # planted clean accuracies: krum 0.85 -> 0.11 (74 pp), mean 0.9 -> 0.4, median 0.88 -> 0.3
    assert "krum: 74.0 pp lower at epsilon 30" in md and r.ldp_costs_accuracy.passed
    assert "unchanged: krum (0.2 -> 0.2 at epsilon 300), mean (0 -> 0 at epsilon 30), median (0.1 -> 0.1 at epsilon 30)" in md


def test_accuracy_rows_carry_epsilon_and_intervals(tmp_path: Path) -> None:
    a = _results(tmp_path).ldp_accuracy
    assert {"epsilon", "epsilon_accountant", "noise_multiplier", "accuracy", "accuracy_ci_low",
            "accuracy_ci_high", "alpha"} <= set(a.columns)
    assert math.isinf(a["epsilon"].max()) and (a["accuracy_ci_low"] <= a["accuracy"]).all()
