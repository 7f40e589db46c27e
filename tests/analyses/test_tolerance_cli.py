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
