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
    out = run("--json", "--non-iid-alpha", "100")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share",
                "trainer_stake_eth", "jackpot_rate", "registration_fee_eth", "bribery", "sybil", "aggregation_rule", "binding_constraints",
                "sensitivity_to_10pct_increase", "cost", "inputs", "assumptions"):
        assert key in data
    assert set(data["binding_constraints"]) == {p["name"] for p in data["parameters"]}
    assert "gas_price_gwei" in data["sensitivity_to_10pct_increase"]["sequencer_bond_eth"]
    assert data["cost"]["total_eth_per_assertion"] > 0
    assert data["inputs"]["gas_price_gwei"] == {"value": [1.0, 100.0], "unit": "gwei", "source": "cited",
                                                "reference": "mechanism/units.py (dated default with its source)"}
    for name, entry in data["inputs"].items():
        assert entry["source"] in ("measured", "user", "cited", "assumed"), name
        assert "value" in entry and "unit" in entry, name
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
    out = run("--max-period-hours", "4", "--json", "--non-iid-alpha", "100")
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
    assert data["inputs"]["trainers"] == {"value": 20, "unit": "trainers", "source": "user"}
    assert data["inputs"]["gas_price_gwei"]["value"] == [2.0, 50.0] and data["inputs"]["gas_price_gwei"]["source"] == "user"
    assert data["inputs"]["tolerance"]["source"] == "user"  # a hand-made table is not a measurement
    assert data["inputs"]["model_size"]["source"] == "assumed"
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_option = 3\n")
    out = run("--config", str(bad))
    assert out.returncode == 2 and "no_such_option" in out.stderr


@pytest.mark.parametrize("args", [["--trainers", "0"], ["--tolerance-table", "/nonexistent.json"]])
def test_more_invalid_inputs(args: list[str]) -> None:
    assert run(*args).returncode == 2


def test_output_writes_the_design_that_the_json_reports(tmp_path: Path) -> None:
    out_file = tmp_path / "d.json"
    out = run("--json", "--no-sensitivity", "--non-iid-alpha", "100", "-o", str(out_file))
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


def _shipped_worst(rule: str, alpha: float | None = None) -> float:
    from mechanism.economics.tolerance import SHIPPED_TABLE

    doc = json.loads(SHIPPED_TABLE.read_text())
    alphas = sorted({r["alpha"] for r in doc["tolerances"]})
    a = alphas[0] if alpha is None else max(x for x in alphas if x <= alpha)
    return max(0.0, min(r["tolerance_ci_low"] for r in doc["tolerances"]
                        if r["rule"] == rule and r["alpha"] == a and r["attack"] != "worst_case"))


def test_tolerance_is_measured_from_the_shipped_table() -> None:
    """Default alpha (the most heterogeneous measured): the chosen rule's beta* is the
    shipped table's worst case and the JSON says measured, with the file's SHA-256. Where
    no rule covers the default malicious fraction, the command says so naming the table."""
    import hashlib

    from mechanism.economics.tolerance import SHIPPED_TABLE

    digest = hashlib.sha256(SHIPPED_TABLE.read_bytes()).hexdigest()
    default = run("--json", "--no-sensitivity")
    if default.returncode == 1:
        assert "tolerance_default.json at non-IID alpha" in default.stderr and "--non-iid-alpha" in default.stderr
    else:
        assert default.returncode == 0, default.stderr
    for args in (["--malicious-fraction", "0"], ["--malicious-fraction", "0.05", "--non-iid-alpha", "1e9"], []):
        out = run("--json", "--no-sensitivity", *args)
        if out.returncode == 1 and args != ["--malicious-fraction", "0"]:
            continue
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        tol = data["inputs"]["tolerance"]
        assert tol["source"] == "measured" and tol["sha256"] == digest
        rule = data["aggregation_rule"]
        alpha = float(args[-1]) if "--non-iid-alpha" in args else None
        assert tol["value"] == data["aggregation"]["tolerance"] == _shipped_worst(rule, alpha)
        assert tol["non_iid_alpha"] == (min(tol["measured_alphas"]) if alpha is None else max(tol["measured_alphas"]))
        assert data["inputs"]["dispute_gas_per_side"]["source"] == "measured" and "EVM" in data["inputs"]["dispute_gas_per_side"]["reference"]
        for c in data["aggregation"]["candidates"]:
            assert c["tolerance"] == _shipped_worst(c["rule"], alpha)


def test_non_iid_alpha_selects_the_measured_slice() -> None:
    out = run("--json", "--no-sensitivity", "--non-iid-alpha", "1000", "--malicious-fraction", "0.05")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    tol = data["inputs"]["tolerance"]
    assert tol["non_iid_alpha"] == max(tol["measured_alphas"]) and tol["declared_non_iid_alpha"] == 1000
    for c in data["aggregation"]["candidates"]:
        assert c["tolerance"] == _shipped_worst(c["rule"], 1000.0)
    low = run("--json", "--non-iid-alpha", "0.001")
    assert low.returncode == 2 and "non_iid_alpha" in low.stderr


def test_missing_rule_is_reported_and_never_recommended(tmp_path: Path) -> None:
    from mechanism.economics.tolerance import SHIPPED_TABLE

    doc = json.loads(SHIPPED_TABLE.read_text())
    doc["tolerances"] = [r for r in doc["tolerances"] if not (r["rule"] == "median" and r["attack"] == "alie")]
    p = tmp_path / "t.json"
    p.write_text(json.dumps(doc))
    out = run("--json", "--no-sensitivity", "--tolerance-table", str(p), "--malicious-fraction", "0.05", "--non-iid-alpha", "100")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    missing = {m["rule"]: m["reason"] for m in data["aggregation"]["missing"]}
    assert "median" in missing and "alie" in missing["median"]
    assert data["aggregation_rule"] != "median" and "median" not in {c["rule"] for c in data["aggregation"]["candidates"]}
    forced = run("--json", "--no-sensitivity", "--tolerance-table", str(p), "--rule", "median")
    assert forced.returncode == 2 and "median" in forced.stderr


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_bad_attacker_budget_exits_2_naming_the_option(value: str) -> None:
    out = run("--attacker-budget-eth", value, "--json")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "--attacker-budget-eth" in lines[0], out.stderr
    assert out.stdout == ""


def test_attacker_budget_and_trainer_window_in_the_json(tmp_path: Path) -> None:
    base = json.loads(run("--json", "--no-sensitivity", "--non-iid-alpha", "100").stdout)
    assert base["inputs"]["attacker_budget_eth"]["source"] == "assumed"
    assert base["inputs"]["attacker_budget_eth"]["value"] is None
    out_file = tmp_path / "d.json"
    out = run("--json", "--no-sensitivity", "--non-iid-alpha", "100", "--attacker-budget-eth", "1e5", "-o", str(out_file))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["inputs"]["attacker_budget_eth"] == {"value": 1e5, "unit": "ETH", "source": "user"}
    assert data["bribery"]["attacker_spend_eth"] == 1e5 <= data["bribery"]["bribe_all_cost_eth"]
    assert data["delay_attack"]["attacker_spend_eth"] == 1e5
    # a budget far above the gain buys more stuffing and more bribes than the gain does
    assert data["challenge_period_blocks"] > base["challenge_period_blocks"]
    assert data["sequencer_bond_eth"] > base["sequencer_bond_eth"]
    # the trainer-challenge window: reported with its threat, carried in the design, and in the round latency
    t = data["trainer_challenge_window_blocks"]
    assert t == data["trainer_challenge_window"]["window_blocks"] == data["design"]["trainer_challenge_window_blocks"]
    assert data["binding_constraints"]["trainer_challenge_window_blocks"].startswith("threat: ")
    lat = data["round_latency"]
    assert lat["total_blocks"] == lat["publication_window_blocks"] + t + data["challenge_period_blocks"]
    assert json.loads(out_file.read_text())["trainer_challenge_window_blocks"] == t


def _two_setting_table(tmp_path: Path, proof_checked: bool = True) -> Path:
    """The shipped rows as ``predicates`` plus (optionally) ``proof_checked`` label-flip rows
    with beta 0.12 for mean and 0.28 for the other rules."""
    from mechanism.economics.tolerance import SHIPPED_TABLE

    doc = json.loads(SHIPPED_TABLE.read_text())
    rows = [dict(r, setting="predicates") for r in doc["tolerances"] if r.get("setting", "predicates") == "predicates"]
    if proof_checked:
        rows += [{**r, "setting": "proof_checked", "tolerance": 0.3, "tolerance_ci_low": 0.12 if r["rule"] == "mean" else 0.28}
                 for r in rows if r["attack"] == "label_flip"]
        doc["settings"] = {"predicates": doc["grid"]["attacks"], "proof_checked": ["label_flip"]}
    doc["tolerances"] = rows
    p = tmp_path / "tol.json"
    p.write_text(json.dumps(doc))
    return p


def test_training_proofs_reads_the_proof_checked_setting_and_measured_gas(tmp_path: Path) -> None:
    import hashlib

    out = run("--training-proofs", "--tolerance-table", str(_two_setting_table(tmp_path)), "--no-sensitivity", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    tol, gas = data["inputs"]["tolerance"], data["inputs"]["training_dispute_gas"]
    assert tol["setting"] == "proof_checked" and data["aggregation"]["tolerance"] >= 0.12
    assert data["inputs"]["training_proofs"]["value"] is True and data["inputs"]["training_proofs"]["source"] == "user"
    assert gas["source"] == "measured" and gas["value"] > 0
    assert gas["sha256"] == hashlib.sha256(Path(gas["file"]).read_bytes()).hexdigest()
    assert data["sybil"]["tolerance_setting"] == "proof_checked"


def test_training_proofs_without_a_proof_checked_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    out = run("--training-proofs", "--tolerance-table", str(_two_setting_table(tmp_path, proof_checked=False)),
              "--no-sensitivity", "--json")
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "proof_checked" in lines[0] and "Traceback" not in out.stderr


def test_training_proofs_with_a_rule_that_cannot_cover_f_is_infeasible_in_one_line(tmp_path: Path) -> None:
    out = run("--training-proofs", "--tolerance-table", str(_two_setting_table(tmp_path)), "--rule", "mean",
              "--malicious-fraction", "0.1", "--no-sensitivity", "--json")
    assert out.returncode == 1 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "rule mean tolerates a malicious fraction of 0.12" in lines[0]
