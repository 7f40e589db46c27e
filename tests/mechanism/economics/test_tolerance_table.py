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


def test_setting_selects_the_proof_checked_rows(tmp_path):
    """Rows carry a setting; ``proof_checked`` ranges over its own (data-only) attacks, rows
    without a setting are ``predicates`` rows, and unknown or absent settings raise."""
    cells = full_cells({"median": (0.1, 0.1), "krum": (0.0, 0.0)})
    doc = synthetic(cells, ("median", "krum"))
    for r in doc["tolerances"]:
        r["setting"] = "predicates"
    proof = [{**r, "setting": "proof_checked", "attack": "label_flip", "tolerance": 0.3, "tolerance_ci_low": 0.2}
             for r in doc["tolerances"] if r["attack"] == "alie"]
    proof[0] = {**proof[0], "tolerance_ci_low": 0.1}  # the proof-checked worst case of one rule/model
    doc["tolerances"] += proof
    doc["settings"] = {"predicates": list(ATTACKS), "proof_checked": ["label_flip"]}
    p = write(tmp_path, doc)
    pred, checked = T.load_tolerance_table(p), T.load_tolerance_table(p, None, "proof_checked")
    assert pred.setting == "predicates" and pred.beta("median") == 0.1 and pred.beta("krum") == 0.0
    assert checked.setting == "proof_checked" and checked.attacks == ("label_flip",)
    worst_rule = proof[0]["rule"]
    other = ({"median", "krum"} - {worst_rule}).pop()
    assert checked.beta(worst_rule) == 0.1 and checked.beta(other) == 0.2
    assert checked.rules[other].worst_attack == "label_flip" and checked.describe()["setting"] == "proof_checked"
    assert T.load_tolerance_table(p, 100.0, "proof_checked").alpha == 100.0
    # the default reader is unchanged by the extra rows: same numbers as a table without them
    legacy = synthetic(cells, ("median", "krum"))
    assert T.load_tolerance_table(write(tmp_path, legacy, "l.json")).complete() == pred.complete()
    with pytest.raises(ParameterError, match="setting"):
        T.load_tolerance_table(p, None, "audited")
    with pytest.raises(ParameterError, match="setting='proof_checked'"):
        T.load_tolerance_table(write(tmp_path, legacy, "l2.json"), None, "proof_checked")
    # a missing proof-checked row makes the rule missing in that setting only
    doc["tolerances"] = [r for r in doc["tolerances"] if not (r["setting"] == "proof_checked" and r["rule"] == "krum"
                                                               and r["model"] == "mlp" and r["alpha"] == 0.1)]
    gap = T.load_tolerance_table(write(tmp_path, doc, "g.json"), None, "proof_checked")
    assert "mlp/label_flip" in gap.rules["krum"].missing and T.load_tolerance_table(write(tmp_path, doc, "g.json")).beta("krum") == 0.0


def test_shipped_table_has_both_settings_and_proof_checking_never_lowers_beta():
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    if "settings" not in doc:  # written before the setting column existed: regenerate with `orfl tolerance`
        pytest.skip("the shipped table predates the proof-checked setting")
    assert set(doc["settings"]) == set(T.SETTINGS)
    for alpha in shipped_alphas():
        pred = T.load_tolerance_table(None, alpha)
        checked = T.load_tolerance_table(None, alpha, "proof_checked")
        assert set(checked.attacks) <= set(pred.attacks) and "label_flip" in checked.attacks
        for rule, beta in pred.complete().items():
            assert checked.complete()[rule] >= beta


def test_no_literature_placeholder_remains():
    from mechanism.economics import workload

    assert not hasattr(workload, "PLACEHOLDER_TOLERANCE")
    assert not hasattr(workload, "load_tolerance_table")


# ------------------------------------------------------------------ the shipped table


def shipped_worst_case(rule: str, alpha: float | None = None) -> float:
    """Independent reading of the shipped file: min over attacks and models of the lower-CI
    beta* at the smallest alpha (or the largest measured alpha <= ``alpha``), floored at 0."""
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    alphas = sorted({r["alpha"] for r in doc["tolerances"]})
    a = alphas[0] if alpha is None else max(x for x in alphas if x <= alpha)
    vals = [r["tolerance_ci_low"] for r in doc["tolerances"]
            if r["rule"] == rule and r["alpha"] == a and r["attack"] != "worst_case"]
    return max(0.0, min(vals))


def shipped_alphas() -> list[float]:
    return sorted({r["alpha"] for r in json.loads(T.SHIPPED_TABLE.read_text())["tolerances"]})


def test_shipped_table_has_provenance_and_its_sha256_file_matches():
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    prov = doc["provenance"]
    assert len(prov["git_commit"]) == 40 and prov["seeds"] == [0, 1, 2]
    assert {m[0] for m in doc["grid"]["models"]} == {"logreg", "mlp"}
    assert {r["model"] for r in doc["tolerances"]} == {"logreg", "mlp"}
    digest = hashlib.sha256(T.SHIPPED_TABLE.read_bytes()).hexdigest()
    side = T.SHIPPED_TABLE.with_name(T.SHIPPED_TABLE.name + ".sha256").read_text().split()[0]
    assert side == digest == T.load_tolerance_table().sha256
    from agents.fl.tolerance import content_sha256

    assert content_sha256(doc) == prov["content_sha256"]


def _try(inputs: DesignInputs, table: T.ToleranceTable):
    from mechanism.errors import OrflError

    try:
        return recommend(inputs, table, with_sensitivity=False)
    except OrflError:
        return None


def test_recommendations_use_the_shipped_worst_case_at_the_declared_alpha():
    """By default the most heterogeneous measured alpha; at every alpha and fraction where
    a design exists, the chosen rule's tolerance is the shipped table's worst case."""
    seen = 0
    for alpha in [None, *shipped_alphas()]:
        for f in (0.0, 0.05, 0.1):
            rec = _try(DesignInputs(malicious_fraction=f, non_iid_alpha=alpha), T.load_tolerance_table(None, alpha))
            default = _try(DesignInputs(malicious_fraction=f, non_iid_alpha=alpha), None)  # the default reader
            assert (rec is None) == (default is None)
            if rec is None:
                continue
            seen += 1
            assert rec.rule.table is not None and rec.rule.table.path == str(T.SHIPPED_TABLE)
            assert rec.rule.tolerance == shipped_worst_case(rec.rule.name, alpha) == default.rule.tolerance
            assert rec.rule.table.alpha == (shipped_alphas()[0] if alpha is None else alpha)
            tol = rec.to_dict()["inputs"]["tolerance"]
            assert tol["source"] == "measured" and tol["value"] == rec.rule.tolerance
            assert tol["sha256"] == hashlib.sha256(T.SHIPPED_TABLE.read_bytes()).hexdigest()
    assert seen >= 2  # f = 0 is always feasible, at every alpha


def test_median_breaking_at_005_changes_the_recommended_rule_or_margin(tmp_path):
    """Replace the shipped table by one in which the median breaks at 0.05 (tolerated only
    at 0): every scenario in which the median was recommended (or forced and feasible)
    gets another rule, another margin, or no design."""
    doc = json.loads(T.SHIPPED_TABLE.read_text())
    for r in doc["tolerances"]:
        if r["rule"] == "median":
            r["tolerance"] = min(r["tolerance"], 0.0)
            r["tolerance_ci_low"] = min(r["tolerance_ci_low"], 0.0)
    p = write(tmp_path, doc)
    changed = 0
    for alpha in shipped_alphas():
        before_t, after_t = T.load_tolerance_table(None, alpha), T.load_tolerance_table(p, alpha)
        assert after_t.beta("median") == 0.0
        for f in (0.01, 0.05, 0.1, 0.15):
            for rule in (None, "median"):
                inputs = DesignInputs(malicious_fraction=f, rule=rule)
                before = _try(inputs, before_t)
                if before is None or before.rule.name != "median":
                    continue
                after = _try(inputs, after_t)
                need = f * (1 + inputs.tolerance_margin)
                assert after is None or (after.rule.name, after.rule.tolerance - need) != (
                    "median", before.rule.tolerance - need)
                changed += 1
    assert changed >= 1
