"""CLI: JSON keys, bad input -> one line and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

ORFL = [sys.executable, "-m", "analyses.cli"]


def _orfl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORFL, *args], capture_output=True, text=True, timeout=120, cwd=".")


def test_abm_json_keys() -> None:
    r = _orfl("abm", "--blocks", "2000", "--trainers", "10", "--challengers", "3", "--seed", "1", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for k in ("frauds_attempted", "frauds_finalized", "fraud_rate", "verify_rate", "blocks_per_second"):
        assert k in out
    assert out["blocks"] == 2000


@pytest.mark.parametrize("args", [("--mode", "quantum"), ("--trainers", "-1"), ("--challengers", "-2"),
                                  ("--blocks", "0")])
def test_abm_bad_input_one_line_exit_2(args: tuple[str, ...]) -> None:
    r = _orfl("abm", *args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and args[0] in r.stderr
    assert r.stdout == ""


def test_abm_unknown_config_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.toml"
    f.write_text("blocks = 100\nnot_a_field = 3\n")
    r = _orfl("abm", "--config", str(f))
    assert r.returncode == 2 and "not_a_field" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sweep_bad_jobs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "s.toml"
    f.write_text("[base]\nblocks = 100\n")
    r = _orfl("sweep", str(f), "--jobs", "0")
    assert r.returncode == 2 and "--jobs" in r.stderr


@pytest.mark.parametrize("args,name", [(("--order-flow", "dark"), "--order-flow"),
                                       (("--threat-model", "/no/such.toml"), "--threat-model"),
                                       (("--training-proofs",), "--training-proofs")])
def test_abm_threat_flags_bad_input(args: tuple[str, ...], name: str) -> None:
    r = _orfl("abm", *args)
    assert r.returncode == 2 and name in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_abm_threat_flags_reach_the_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--threat-model / --order-flow set the config the run uses. A sequencer that commits
    fraud half the time against two always-on honest watchers at the default 100-block
    period: without threat processes every fraud is caught; under the default threat model
    (a week of strong censorship before the social response) the challenges cannot land."""
    cfg = tmp_path / "abm.toml"
    cfg.write_text('sequencer_strategy = "fixed"\nfraud_prob = 0.5\nhonest_watchers = 2\n')
    base = ("abm", "--config", str(cfg), "--blocks", "20000", "--trainers", "10", "--challengers", "3",
            "--seed", "2", "--json")
    plain = json.loads(_orfl(*base).stdout)
    r = _orfl(*base, "--threat-model", "default", "--order-flow", "public")
    assert r.returncode == 0, r.stderr
    threat = json.loads(r.stdout)
    assert threat["order_flow"] == "public" and threat["threat_model"] == "default"
    assert plain["order_flow"] == "private" and plain["threat_model"] == "none"
    assert plain["frauds_attempted"] > 50 and plain["frauds_caught"] == plain["frauds_attempted"]
    assert threat["frauds_attempted"] > 50 and threat["frauds_caught"] < threat["frauds_attempted"] // 10
