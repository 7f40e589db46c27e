"""`orfl recommend`: JSON keys, exit codes, help, config and tolerance-table inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from analyses.cli import main; main()", "recommend", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_json_has_the_documented_keys() -> None:
    out = run("--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share",
                "trainer_stake_eth", "jackpot_rate", "registration_fee_eth", "bribery", "sybil", "aggregation_rule", "binding_constraints",
                "sensitivity_to_10pct_increase", "cost", "inputs", "assumptions"):
        assert key in data
    assert set(data["binding_constraints"]) == {p["name"] for p in data["parameters"]}
    assert "gas_price_gwei" in data["sensitivity_to_10pct_increase"]["sequencer_bond_eth"]
    assert data["cost"]["total_eth_per_assertion"] > 0
    assert data["inputs"]["gas_price_gwei"] == [1.0, 100.0]
    # bribing every challenger and Sybil poisoning above the tolerance do not pay at the recommendation
    assert data["bribery"]["bribe_all_cost_eth"] >= data["bribery"]["max_gain_eth"]
    assert data["sybil"]["attack_cost_eth"] >= data["sybil"]["poisoning_gain_eth"]
    assert data["binding_constraints"]["sequencer_bond_eth"] == "bribery"


def test_invalid_input_exits_2_with_one_line() -> None:
    out = run("--censor-fraction", "0,1.5")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "censor_fraction" in lines[0] and "Traceback" not in out.stderr


def test_infeasible_exits_1_and_names_constraints() -> None:
    out = run("--max-period-hours", "4", "--json")
    assert out.returncode == 1
    assert "max_period_hours" in out.stderr and "dispute" in out.stderr and out.stdout == ""


def test_help_works() -> None:
    out = run("--help")
    assert out.returncode == 0 and "--target-fraud-probability" in out.stdout


def test_config_and_tolerance_table(tmp_path: Path) -> None:
    cfg = tmp_path / "params.toml"
    cfg.write_text('trainers = 20\ngas_price_gwei = [2.0, 50.0]\nmalicious_fraction = 0.05\n')
    tbl = tmp_path / "tol.csv"
    tbl.write_text("rule,tolerance\nmean,0.0\ntrimmed_mean,0.1\n")
    out = run("--config", str(cfg), "--tolerance-table", str(tbl), "--no-sensitivity", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["aggregation_rule"] == "trimmed_mean"
    assert data["inputs"]["trainers"] == 20 and data["inputs"]["gas_price_gwei"] == [2.0, 50.0]
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_option = 3\n")
    out = run("--config", str(bad))
    assert out.returncode == 2 and "no_such_option" in out.stderr


@pytest.mark.parametrize("args", [["--trainers", "0"], ["--tolerance-table", "/nonexistent.json"]])
def test_more_invalid_inputs(args: list[str]) -> None:
    assert run(*args).returncode == 2


def test_output_writes_the_design_that_the_json_reports(tmp_path: Path) -> None:
    out_file = tmp_path / "d.json"
    out = run("--json", "--no-sensitivity", "-o", str(out_file))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    written = json.loads(out_file.read_text())
    assert written == data["design"]
    for key in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share"):
        assert written[key] == data[key]
    assert written["source"] == "orfl recommend" and written["rule"] == data["aggregation_rule"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_output_into_a_missing_folder_is_rejected_before_any_work(tmp_path: Path) -> None:
    out = run("--json", "-o", str(tmp_path / "nope" / "d.json"))
    assert out.returncode == 2 and "--output" in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "nope").exists()
