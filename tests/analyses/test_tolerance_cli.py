"""``orfl tolerance``: bad input exits 2 with one line; a tiny grid prints JSON rows."""

import json
import subprocess
import sys

import pytest

from analyses.cli import main

ORFL = [sys.executable, "-c", "from analyses.cli import main; main()"]


def run(*args):
    return subprocess.run([*ORFL, "tolerance", *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--fractions", "0,1.0"), "fractions=1.0"),
        (("--fractions", "-0.1"), "fractions=-0.1"),
        (("--fractions", "0,abc"), "fractions="),
        (("--rules", "mean,avg"), "rules='avg'"),
        (("--attacks", "nuke"), "attacks='nuke'"),
        (("--alphas", "0"), "alphas=0.0"),
        (("--alphas", "-1,100"), "alphas=-1.0"),
        (("--seeds", "0"), "seeds=0"),
        (("--models", "resnet"), "models='resnet'"),
        (("--models", "cnn"), "rounds=None"),
        (("--rounds", "0"), "rounds=0"),
    ],
)
def test_bad_input_exit_2_one_line(tmp_path, capsys, args, needle):
    with pytest.raises(SystemExit) as exc:
        main(["tolerance", *args, "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "t.json")])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert not (tmp_path / "t.json").exists() and not (tmp_path / "c").exists()


def test_bad_input_real_process_exit_code(tmp_path):
    r = run("--fractions", "0.5,1.5", "--out", tmp_path / "t.json")
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "orfl: error: fractions=1.5 is invalid: malicious fractions in [0, 1)"]
    assert "Traceback" not in r.stderr and not (tmp_path / "t.json").exists()


@pytest.mark.slow
def test_tiny_grid_json(tmp_path):
    r = run("--rules", "mean,median", "--attacks", "sign_flip", "--alphas", "100", "--fractions", "0,0.2",
            "--seeds", "2", "--trainers", "12", "--rounds", "2", "--models", "logreg", "--cache-dir", tmp_path / "c",
            "--out", tmp_path / "t.json", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    row = out["rows"][0]
    assert set(row) >= {"rule", "attack", "alpha", "fraction", "accuracy", "accuracy_ci95", "seeds"}
    assert row["seeds"] == [0, 1] and len(row["accuracy_ci95"]) == 2
    assert {t["rule"] for t in out["tolerances"]} == {"mean", "median"}
    assert (tmp_path / "t.json").exists() and (tmp_path / "t.csv").exists()
    table = run("--rules", "mean,median", "--attacks", "sign_flip", "--alphas", "100", "--fractions", "0,0.2",
                "--seeds", "2", "--trainers", "12", "--rounds", "2", "--models", "logreg", "--cache-dir", tmp_path / "c",
                "--out", tmp_path / "t.json")
    assert table.returncode == 0 and "worst_case" in table.stdout
    assert (tmp_path / "t.json.sha256").exists() and json.loads((tmp_path / "t.json").read_text())["provenance"]["seeds"] == [0, 1]


@pytest.mark.slow
def test_report_section_builds(tmp_path, monkeypatch):
    import analyses.malicious_tolerance as mt
    from agents.fl.tolerance import Grid
    from agents.fl.training import FLConfig
    from analyses.report import write_report
    from mechanism.economics.tolerance import load_tolerance_table

    monkeypatch.setattr(mt, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(mt, "quick_grid", lambda seed: Grid(
        rules=("mean", "median", "krum"), attacks=("sign_flip", "alie"), alphas=(0.5, 100.0),
        fractions=(0.0, 0.2), seeds=2, seed=seed, base=FLConfig(n_trainers=12, local_steps=2), models=(("logreg", 2),)))
    out = write_report("t", root=tmp_path / "r", quick=True, sections=["analyses.malicious_tolerance"])
    md = (out / "index.md").read_text()
    assert "Published findings" in md and "alie breaks krum" in md
    assert "cannot regenerate the shipped table" in md  # a reduced grid never claims to
    shipped = load_tolerance_table()
    assert shipped.sha256[:16] in md
    for stem in ("tolerance_curves_logreg_alphaA", "tolerance_curves_logreg_alphaB", "tolerance_heatmap_logreg"):
        assert (out / "figures" / f"{stem}.pdf").exists()
    assert (out / "tables" / "tolerance_design.csv").exists()
    assert (out / "tables" / "tolerance_accuracy.csv").exists()
    assert (out / "tables" / "tolerance_table.json.sha256").exists()


@pytest.mark.slow
def test_section_prose_follows_the_results(tmp_path, monkeypatch):
    """Flip a finding, the mean's verdict and the regenerated hash: the sentences change."""
    import dataclasses

    import analyses.malicious_tolerance as mt
    from agents.fl.findings import FindingVerdict
    from agents.fl.tolerance import Grid
    from agents.fl.training import FLConfig
    from analyses.report import ReportContext

    monkeypatch.setattr(mt, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(mt, "quick_grid", lambda seed: Grid(
        rules=("mean", "median", "krum", "trimmed_mean"), attacks=("alie", "ipm"), alphas=(100.0,),
        fractions=(0.0, 0.2), seeds=2, base=FLConfig(n_trainers=12, local_steps=2), models=(("logreg", 2),)))
    r = mt.run(ReportContext(out_dir=tmp_path / "out", quick=True))
    yes = [dataclasses.replace(v, beta=0.0, reproduced=True) for v in r.findings]
    no = [dataclasses.replace(v, beta=0.2, reproduced=False) for v in r.findings]
    assert all(isinstance(v, FindingVerdict) for v in yes)
    t_yes, t_no = mt.text(dataclasses.replace(r, findings=tuple(yes))), mt.text(dataclasses.replace(r, findings=tuple(no)))
    assert "4 of 4 findings reproduce" in t_yes and "0 of 4 findings reproduce" in t_no
    assert "**reproduced**" in t_yes and "**reproduced**" not in t_no.split("Published findings")[1].split("Unbounded")[0]
    mv = {**r.mean_verdict, "reproduced_off": False}
    assert "**not reproduced**" in mt.text(dataclasses.replace(r, mean_verdict=mv)).split("Unbounded")[1]
    stale = dataclasses.replace(r, full_grid=True, regenerated_sha256="0" * 64)
    assert "**differs from**" in mt.text(stale) and not next(v for v in stale.verdicts() if "regenerated" in v.name).passed
    same = dataclasses.replace(r, full_grid=True, regenerated_sha256=r.shipped_sha256)
    assert " matches" in mt.text(same) and next(v for v in same.verdicts() if "regenerated" in v.name).passed
    rule, beta = next(iter(r.shipped.complete().items()))
    right = dataclasses.replace(r, chosen_rule=rule, chosen_beta=beta, infeasible="")
    assert "(the same number)" in mt.text(right) and next(v for v in right.verdicts() if "design" in v.name).passed
    wrong = dataclasses.replace(right, chosen_beta=beta + 0.1)
    assert "**a different number**" in mt.text(wrong) and not next(v for v in wrong.verdicts() if "design" in v.name).passed
    none = dataclasses.replace(r, chosen_rule="", chosen_beta=float("nan"), infeasible="no rule tolerates 0.15")
    assert "**no rule covers the default scenario**: no rule tolerates 0.15." in mt.text(none)
    # the ALIE-vs-Krum experiment: its sentence and verdict follow the measured arms
    ak = r.alie_krum_verdict
    assert ak["measured"] and len(r.alie_krum) == 2 * len(ak["arms"])
    broken = dataclasses.replace(r, alie_krum_verdict={**ak, "breaks_in": [ak["arms"][0]]})
    assert f"ALIE breaks Krum (drop > 5 pp) in {ak['arms'][0]}" in mt.text(broken)
    assert next(v for v in broken.verdicts() if "controlled experiment" in v.name).passed
    whole = dataclasses.replace(r, alie_krum_verdict={**ak, "breaks_in": []})
    assert f"ALIE breaks Krum in none of the {len(ak['arms'])} arms" in mt.text(whole)
    assert not next(v for v in whole.verdicts() if "controlled experiment" in v.name).passed
    # the settings comparison: numbers from the table, nothing without it
    import pandas as pd

    cols = ["rule", "alpha", "beta* predicates [fraction]", "beta* proof-checked [fraction]", "rise [fraction]",
            "worst attack predicates", "worst attack proof-checked"]
    table = pd.DataFrame([["median", 0.1, 0.1, 0.3, 0.2, "ipm", "label_flip"],
                          ["krum", 0.1, 0.0, 0.0, 0.0, "alie", "backdoor"]], columns=cols)
    t = mt.text(dataclasses.replace(r, settings=table))
    assert "median 0.1 -> 0.3 (+0.2)" in t and "krum 0 -> 0 (+0)" in t and "raises beta* by up to 0.2" in t
    assert "not measured here" in mt.text(dataclasses.replace(r, settings=pd.DataFrame()))
