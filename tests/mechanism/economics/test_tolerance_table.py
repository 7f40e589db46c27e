"""The measured tolerance table the design reads: worst case over attacks and models at the
declared alpha, lower CI end, missing rules and attacks, provenance, and its effect on the
recommendation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mechanism.economics import tolerance as T
from mechanism.economics.recommend import recommend
from mechanism.economics.scenario import DesignInputs
from mechanism.errors import ParameterError

ATTACKS = ("sign_flip", "alie")


def synthetic(cells: dict[tuple[str, str, str, float], tuple[float, float]], rules: tuple[str, ...],
              attacks: tuple[str, ...] = ATTACKS) -> dict:
    """A schema-2 table: cells (model, rule, attack, alpha) -> (tolerance, tolerance_ci_low)."""
    rows = [{"model": m, "rule": r, "attack": a, "alpha": al, "tolerance": t, "tolerance_ci_low": lo,
             "tolerance_vs_fedavg": t, "clean_accuracy": 0.9, "fedavg_accuracy": 0.9, "delta": 0.05}
            for (m, r, a, al), (t, lo) in cells.items()]
    return {"schema": 2, "delta": 0.05, "grid": {"rules": list(rules), "attacks": list(attacks)}, "rows": [],
            "tolerances": rows, "provenance": {"git_commit": "abc", "seeds": [0, 1, 2], "content_sha256": "c0ffee"}}


def write(tmp_path: Path, doc: dict, name: str = "t.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return p


def full_cells(value: dict[str, tuple[float, float]], alphas=(0.1, 100.0), models=("logreg", "mlp")):
    return {(m, r, a, al): v for r, v in value.items() for m in models for a in ATTACKS for al in alphas}


def test_worst_case_over_attacks_and_models_lower_ci_at_the_most_heterogeneous_alpha(tmp_path):
    cells = full_cells({"median": (0.3, 0.3), "krum": (0.2, 0.2)})
    cells[("mlp", "median", "alie", 0.1)] = (0.2, 0.1)  # the worst: lower CI 0.1 (mean 0.2)
    cells[("logreg", "median", "sign_flip", 100.0)] = (0.0, 0.0)  # another alpha: ignored at 0.1
    cells[("logreg", "krum", "alie", 0.1)] = (-1.0, -1.0)  # none tolerated -> 0 for the design
    p = write(tmp_path, synthetic(cells, ("median", "krum")))
    t = T.load_tolerance_table(p)
    assert t.source == "measured" and t.alpha == 0.1 and t.alphas == (0.1, 100.0)
    assert t.beta("median") == 0.1 and t.rules["median"].worst_attack == "alie" and t.rules["median"].worst_model == "mlp"
    assert t.rules["median"].beta_mean == 0.2 and t.beta("krum") == 0.0
    assert t.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert T.load_tolerance_table(p, 100.0).beta("median") == 0.0
    assert T.load_tolerance_table(p, 5.0).alpha == 0.1  # between measured alphas: the more heterogeneous one
    with pytest.raises(ParameterError, match="non_iid_alpha"):
        T.load_tolerance_table(p, 0.05)


def test_missing_attack_or_rule_is_reported_and_not_usable(tmp_path):
    cells = full_cells({"median": (0.3, 0.3), "krum": (0.2, 0.2)})
    del cells[("mlp", "krum", "alie", 0.1)]
    t = T.load_tolerance_table(write(tmp_path, synthetic(cells, ("median", "krum"))))
    assert "mlp/alie" in t.rules["krum"].missing and "krum" not in t.complete()
    with pytest.raises(ParameterError, match="krum"):
        t.beta("krum")
    assert "not in the tolerance table" in t.missing_reason("bulyan")
    rec = recommend(DesignInputs(malicious_fraction=0.1), t, with_sensitivity=False)
    missing = dict(rec.rule.missing)
    assert rec.rule.name == "median" and "krum" in missing and "bulyan" in missing
    assert {c[0] for c in rec.rule.candidates} == {"median"}


def test_hand_made_tables_are_user_inputs(tmp_path):
    j = write(tmp_path, {"median": 0.2}, "h.json")
    c = tmp_path / "h.csv"
    c.write_text("rule,tolerance\nmedian,0.2\n")
    for p in (j, c):
        t = T.load_tolerance_table(p)
        assert t.source == "user" and t.beta("median") == 0.2
    bad = write(tmp_path, {"median": 0.7}, "b.json")
    with pytest.raises(ParameterError, match="median"):
        T.load_tolerance_table(bad)
    with pytest.raises(ParameterError, match="tolerance_table"):
        T.load_tolerance_table(tmp_path / "none.json")


def test_no_literature_placeholder_remains():
    from mechanism.economics import workload

    assert not hasattr(workload, "PLACEHOLDER_TOLERANCE")
    assert not hasattr(workload, "load_tolerance_table")


# ------------------------------------------------------------------ the shipped table


def shipped_worst_case(rule: str) -> float:
    """Independent reading of the shipped file: min over attacks and models of the lower-CI
    beta* at the smallest alpha, floored at 0."""
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    alpha = min(r["alpha"] for r in doc["tolerances"])
    vals = [r["tolerance_ci_low"] for r in doc["tolerances"]
            if r["rule"] == rule and r["alpha"] == alpha and r["attack"] != "worst_case"]
    return max(0.0, min(vals))


def test_shipped_table_has_provenance_and_its_sha256_file_matches():
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    prov = doc["provenance"]
    assert len(prov["git_commit"]) == 40 and prov["seeds"] == [0, 1, 2]
    assert set(doc["grid"]["models"][i][0] for i in range(len(doc["grid"]["models"]))) == {"logreg", "mlp"}
    digest = hashlib.sha256(T.SHIPPED_TABLE.read_bytes()).hexdigest()
    side = T.SHIPPED_TABLE.with_name(T.SHIPPED_TABLE.name + ".sha256").read_text().split()[0]
    assert side == digest == T.load_tolerance_table().sha256
    from agents.fl.tolerance import content_sha256

    assert content_sha256(doc) == prov["content_sha256"]


def test_default_recommendation_uses_the_shipped_worst_case():
    rec = recommend(DesignInputs(), with_sensitivity=False)
    assert rec.rule.table is not None and rec.rule.table.path == str(T.SHIPPED_TABLE)
    assert rec.rule.tolerance == shipped_worst_case(rec.rule.name)
    tol = rec.to_dict()["inputs"]["tolerance"]
    assert tol["source"] == "measured" and tol["value"] == rec.rule.tolerance
    assert tol["sha256"] == hashlib.sha256(T.SHIPPED_TABLE.read_bytes()).hexdigest()


def test_median_breaking_at_005_changes_the_recommended_rule_or_margin(tmp_path):
    """Find a scenario in which the shipped table recommends the median, then replace the
    table by one in which the median breaks at 0.05: the rule or its margin changes."""
    shipped = T.load_tolerance_table()
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    for r in doc["tolerances"]:
        if r["rule"] == "median" and r["attack"] != "worst_case":
            r["tolerance"] = min(r["tolerance"], 0.0)
            r["tolerance_ci_low"] = min(r["tolerance_ci_low"], 0.0)  # 0.05 fails: tolerated up to 0 only
    replaced = T.load_tolerance_table(write(tmp_path, doc))
    assert replaced.beta("median") == 0.0
    found = False
    for f in (0.01, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2):
        inputs = DesignInputs(malicious_fraction=f)
        try:
            before = recommend(inputs, shipped, with_sensitivity=False)
        except Exception:
            continue
        if before.rule.name != "median":
            continue
        found = True
        try:
            after = recommend(inputs, replaced, with_sensitivity=False)
        except Exception:
            break
        assert (after.rule.name, after.rule.tolerance) != (before.rule.name, before.rule.tolerance)
        assert after.rule.name != "median"
        break
    if not found:
        # the median is never chosen with the shipped table: then its margin is what must change
        inputs = DesignInputs(malicious_fraction=0.01, rule="median")
        if shipped.beta("median") > 0.015:
            before = recommend(inputs, shipped, with_sensitivity=False)
            with pytest.raises(Exception):  # noqa: B017
                recommend(inputs, replaced, with_sensitivity=False)
            assert before.rule.tolerance > 0
        else:
            pytest.fail("the shipped table gives the median no tolerance, so no replacement can lower it")
