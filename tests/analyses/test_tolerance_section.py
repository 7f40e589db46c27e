"""The tolerance report section reads the shipped tables, re-measures a sample of them
without the run cache, and says whether they reproduce; ``remeasure`` re-runs both
campaigns and compares their content SHA-256. A tiny grid stands in for the shipped one."""

import dataclasses
import json

import pytest

import analyses.malicious_tolerance as mt
from analyses.report import ReportContext


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny grid's tolerance table and controlled-experiment table (built through the run cache)."""
    from agents.fl.findings import findings_table, write_findings_table
    from agents.fl.tolerance import Grid, tolerance_table
    from agents.fl.training import FLConfig

    root = tmp_path_factory.mktemp("tiny")
    grid = Grid(rules=("mean", "median", "krum", "trimmed_mean"), attacks=("alie", "ipm"), alphas=(0.1, 100.0),
                fractions=(0.0, 0.2), seeds=2, base=FLConfig(n_trainers=12, local_steps=2), models=(("logreg", 2),))
    tolerance_table(grid, root / "cache", root / "table.json")
    write_findings_table(findings_table(grid, root / "cache"), root / "findings.json")
    return root


@pytest.fixture
def section(tiny, monkeypatch, tmp_path):
    monkeypatch.setattr(mt, "TABLE_PATH", tiny / "table.json")
    monkeypatch.setattr(mt, "FINDINGS_PATH", tiny / "findings.json")
    monkeypatch.setattr(mt, "CACHE_DIR", tiny / "cache")
    (tmp_path / "out" / "tables").mkdir(parents=True)
    return mt


def test_sample_covers_every_rule_model_alpha_and_several_attacks():
    from agents.fl.tolerance import Grid
    from mechanism.economics.tolerance import SHIPPED_TABLE

    grid = mt.grid_from_description(json.loads(SHIPPED_TABLE.read_text())["grid"])
    assert grid == Grid()  # the shipped table is the default grid's
    cells = mt.sample_cells(grid, quick=False)
    assert {c[1] for c in cells} == set(grid.rules) and {c[0] for c in cells} == set(grid.model_names)
    assert {c[3] for c in cells} == set(grid.alphas) and len({c[2] for c in cells} - {"none"}) >= 4
    runs = mt.sample_configs(grid, cells)
    assert len(runs) == len(cells) * grid.seeds  # every seed of each sampled cell
    assert len(runs) <= 0.05 * len(grid.configs())  # a bounded sample, not the grid
    assert mt.sample_cells(grid, quick=False) == cells  # deterministic
    assert len(mt.sample_configs(grid, mt.sample_cells(grid, quick=True))) < len(runs)


@pytest.mark.slow
def test_shipped_tables_reproduce_and_a_tampered_cell_is_caught(section, tmp_path, monkeypatch, tiny):
    r = mt.run(ReportContext(out_dir=tmp_path / "out", quick=True))
    v = {x.name: x for x in r.verdicts()}
    assert v["the shipped tolerance table reproduces on this machine"].passed, r.sample
    assert v["the shipped controlled experiments reproduce on this machine"].passed, r.controlled_sample
    assert r.sample_max_pp == 0.0 and r.sample_runs == 2 * len(r.sample) + len(r.controlled_sample)
    text = mt.text(r)
    assert "so the shipped tables reproduce on this machine" in text and "(4 of 4 rules, 1 of 1 models (logreg), 1 of 2 alphas" in text
    assert "Published findings" in text and "alie breaks krum" in text
    # a shipped cell that the sample re-measures, moved by 2 pp: the verdict and the prose flip
    raw = json.loads((tiny / "table.json").read_text())
    cell = r.sample.iloc[1]
    for row in raw["rows"]:
        if (row["model"], row["rule"], row["attack"], row["alpha"], row["fraction"]) == tuple(cell[:5]):
            row["accuracy_mean"] += 0.02
    (tmp_path / "bad.json").write_text(json.dumps(raw))
    monkeypatch.setattr(mt, "TABLE_PATH", tmp_path / "bad.json")
    bad = mt.run(ReportContext(out_dir=tmp_path / "out", quick=True))
    assert bad.sample_max_pp == pytest.approx(2.0)
    assert not {x.name: x for x in bad.verdicts()}["the shipped tolerance table reproduces on this machine"].passed
    assert "**do not reproduce**" in mt.text(bad) or "reproduce only in part" in mt.text(bad)


@pytest.mark.slow
def test_remeasure_regenerates_both_tables(section, tmp_path):
    r = mt.run(ReportContext(out_dir=tmp_path / "out", quick=True, remeasure=True))
    assert r.remeasured and r.table_matches and r.findings_match and r.sample_runs == 0
    assert (tmp_path / "out" / "tables" / "tolerance_table.json").is_file()
    assert (tmp_path / "out" / "tables" / "findings_controlled.json.sha256").is_file()
    assert " matches" in mt.text(r)
    stale = dataclasses.replace(r, regenerated_sha256="0" * 64)
    assert "**differs from**" in mt.text(stale)
    assert not next(v for v in stale.verdicts() if v.name == "shipped tolerance table regenerated").passed


@pytest.mark.slow
def test_report_section_builds(section, tmp_path):
    from analyses.report import write_report

    out = write_report("t", root=tmp_path / "r", quick=True, sections=["analyses.malicious_tolerance"], cache_dir=None)
    md = (out / "index.md").read_text()
    assert "Published findings" in md and "re-measured" in md
    for stem in ("tolerance_curves_logreg_alphaA", "tolerance_curves_logreg_alphaB", "tolerance_heatmap_logreg"):
        assert (out / "figures" / f"{stem}.pdf").exists()
    for t in ("tolerance_design.csv", "tolerance_accuracy.csv", "tolerance_remeasured.csv"):
        assert (out / "tables" / t).exists()


@pytest.mark.slow
def test_section_prose_follows_the_results(section, tmp_path):
    """Flip a finding, the mean's verdict and the design tolerance: the sentences change."""
    from agents.fl.findings import FindingVerdict

    r = mt.run(ReportContext(out_dir=tmp_path / "out", quick=True))
    yes = [dataclasses.replace(v, beta=0.0, reproduced=True) for v in r.findings]
    no = [dataclasses.replace(v, beta=0.2, reproduced=False) for v in r.findings]
    assert all(isinstance(v, FindingVerdict) for v in yes)
    t_yes, t_no = mt.text(dataclasses.replace(r, findings=tuple(yes))), mt.text(dataclasses.replace(r, findings=tuple(no)))
    assert "4 of 4 findings reproduce" in t_yes and "0 of 4 findings reproduce" in t_no
    assert "**reproduced**" in t_yes and "**reproduced**" not in t_no.split("Published findings")[1].split("Unbounded")[0]
    mv = {**r.mean_verdict, "reproduced_off": False}
    assert "**not reproduced**" in mt.text(dataclasses.replace(r, mean_verdict=mv)).split("Unbounded")[1]
    rule, beta = next(iter(r.shipped.complete().items()))
    right = dataclasses.replace(r, chosen_rule=rule, chosen_beta=beta, infeasible="")
    assert "(the same number)" in mt.text(right) and next(v for v in right.verdicts() if "design" in v.name).passed
    wrong = dataclasses.replace(right, chosen_beta=beta + 0.1)
    assert "**a different number**" in mt.text(wrong) and not next(v for v in wrong.verdicts() if "design" in v.name).passed
    none = dataclasses.replace(r, chosen_rule="", chosen_beta=float("nan"), infeasible="no rule tolerates 0.15")
    assert "**no rule covers the default scenario**: no rule tolerates 0.15." in mt.text(none)
    ak = r.alie_krum_verdict
    assert ak["measured"] and len(r.alie_krum) == 2 * len(ak["arms"])
    broken = dataclasses.replace(r, alie_krum_verdict={**ak, "breaks_in": [ak["arms"][0]]})
    assert f"ALIE breaks Krum (drop > 5 pp) in {ak['arms'][0]}" in mt.text(broken)
    assert next(v for v in broken.verdicts() if "controlled experiment" in v.name and "reproduce" not in v.name).passed
    whole = dataclasses.replace(r, alie_krum_verdict={**ak, "breaks_in": []})
    assert f"ALIE breaks Krum in none of the {len(ak['arms'])} arms" in mt.text(whole)
    import pandas as pd

    cols = ["rule", "alpha", "beta* predicates [fraction]", "beta* proof-checked [fraction]", "rise [fraction]",
            "worst attack predicates", "worst attack proof-checked"]
    table = pd.DataFrame([["median", 0.1, 0.1, 0.3, 0.2, "ipm", "label_flip"],
                          ["krum", 0.1, 0.0, 0.0, 0.0, "alie", "backdoor"]], columns=cols)
    t = mt.text(dataclasses.replace(r, settings=table))
    assert "median 0.1 -> 0.3 (+0.2)" in t and "krum 0 -> 0 (+0)" in t and "raises beta* by up to 0.2" in t
