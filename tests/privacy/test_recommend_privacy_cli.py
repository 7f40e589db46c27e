"""`orfl recommend --privacy-epsilon E`: the tolerance measured at E, end to end, and its exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.privacy.test_privacy_table import write_small_table

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from analyses.cli import main; main()", "recommend", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_json_reads_the_tolerance_measured_at_epsilon(tmp_path: Path) -> None:
    path = write_small_table(tmp_path)
    out = run("--privacy-epsilon", "300", "--tolerance-table", str(path), "--malicious-fraction", "0.05",
              "--no-sensitivity", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    tol = data["inputs"]["tolerance"]
    # the hand-made grid: median tolerates 0.1 at epsilon 300 (alpha 0.1), mean nothing, krum learns
    assert data["aggregation_rule"] in {"median", "krum"} and tol["rule"] == data["aggregation_rule"]
    assert tol["privacy_epsilon"] == 300.0 and tol["privacy_delta"] == 1e-5 and tol["source"] == "measured"
    assert tol["noise_multiplier"] == pytest.approx(0.1) and tol["epsilon_accountant"] == pytest.approx(299.7)
    assert tol["non_iid_alpha"] == 0.1 and tol["file"] == str(path)
    assert tol["clean_accuracy"]["rule"] == data["aggregation_rule"]
    assert tol["clean_accuracy"]["at_epsilon"]["mean"] < tol["clean_accuracy"]["without_noise"]["mean"]
    assert data["inputs"]["privacy_epsilon"] == {"value": 300.0, "unit": "1 (local-DP epsilon over a training run)",
                                                 "source": "user"}
    cands = {c["rule"]: c["tolerance"] for c in data["aggregation"]["candidates"]}
    assert cands.get("median") == 0.1 and cands.get("mean") == 0.0


def test_rule_that_learns_nothing_is_listed_missing(tmp_path: Path) -> None:
    path = write_small_table(tmp_path)
    out = run("--privacy-epsilon", "30", "--tolerance-table", str(path), "--malicious-fraction", "0.05",
              "--no-sensitivity", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    missing = {m["rule"]: m["reason"] for m in data["aggregation"]["missing"]}
    assert "learns nothing at privacy epsilon 30" in missing["krum"]
    assert data["aggregation_rule"] != "krum"


def test_shipped_table_end_to_end() -> None:
    from mechanism.economics.tolerance import (
        SHIPPED_PRIVACY_TABLE,
        load_tolerance_table,
        measured_epsilons,
    )

    if not SHIPPED_PRIVACY_TABLE.is_file():
        pytest.skip("no shipped privacy table")
    eps = [e for e in measured_epsilons() if e != float("inf")]
    usable = [e for e in eps if load_tolerance_table(epsilon=e).complete()]
    assert usable, "no rule learns at any measured epsilon"
    e = max(usable)
    out = run("--privacy-epsilon", f"{e:g}", "--malicious-fraction", "0", "--no-sensitivity", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    tol = data["inputs"]["tolerance"]
    assert tol["privacy_epsilon"] == e and tol["file"].endswith("tolerance_privacy.json")
    assert tol["value"] == load_tolerance_table(epsilon=e).beta(data["aggregation_rule"])


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_invalid_epsilon_exits_2_with_one_line(value: str) -> None:
    out = run("--privacy-epsilon", value, "--json")
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "privacy-epsilon" in out.stderr


def test_unmeasured_epsilon_exits_2_naming_the_measured_ones(tmp_path: Path) -> None:
    path = write_small_table(tmp_path)
    out = run("--privacy-epsilon", "123", "--tolerance-table", str(path), "--json")
    assert out.returncode == 2 and out.stdout == ""
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and "privacy_epsilon=123.0" in line and "30, 300, inf" in line


def test_no_usable_rule_at_epsilon_exits_1_with_the_reasons(tmp_path: Path) -> None:
    import json as js

    path = write_small_table(tmp_path)
    raw = js.loads(path.read_text())
    for t in raw["tolerances"]:  # make every rule's clean accuracy at epsilon 30 sit at chance
        if t["epsilon"] == 30.0:
            t["clean_accuracy_ci_low"] = 0.1
    path.write_text(js.dumps(raw))
    out = run("--privacy-epsilon", "30", "--tolerance-table", str(path), "--json")
    assert out.returncode == 1 and out.stdout == ""
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("orfl: infeasible: no aggregation rule is usable at "
                                                           "privacy_epsilon=30")
    assert "median: learns nothing at privacy epsilon 30" in line
