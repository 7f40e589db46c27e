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
