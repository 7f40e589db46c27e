"""``orfl simulate`` end to end (small), its input validation, and ``--design`` for
``orfl simulate`` and ``orfl abm``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agents.protocol import ProtocolConfig, real_updates, run_protocol
from mechanism.design import DESIGN_KEYS, Design
from mechanism.rollup.params import RollupParams

ORFL = [sys.executable, "-m", "analyses.cli"]


def run(rounds: int, trainers: int, malicious: bool, q: float, period_blocks: int, evm: bool, seed: int,
        **kw: object) -> dict[str, object]:
    cfg = ProtocolConfig(rounds=rounds, trainers=trainers, malicious_sequencer=malicious, censor_fraction=q,
                         evm=evm, seed=seed)
    return run_protocol(Design(challenge_period_blocks=period_blocks), cfg, **kw)  # type: ignore[arg-type]


def test_simulate_catches_fraud_and_conserves_funds() -> None:
    s = run(rounds=3, trainers=8, malicious=True, q=0.0, period_blocks=20, evm=False, seed=3)
    assert s["rounds_finalised"] == 3
    assert s["frauds_attempted"] >= 1 and s["frauds_caught"] == s["frauds_attempted"]  # type: ignore[operator]
    # every fraud went through a real game: bisection to a leaf and the one-step verifier
    assert s["games_played"] == s["one_step_verdicts"] == s["frauds_attempted"]
    assert 0 < s["dispute_gas"] < s["gas_spent"]  # type: ignore[operator]
    assert s["frauds_finalized"] == 0
    assert s["conservation_ok"] and s["honest_parties_whole"]
    assert s["sequencer_net_wei"] == -RollupParams().sequencer_bond_wei * s["frauds_caught"]  # type: ignore[operator]
    # the invalid trainer was slashed by TrainerValidity's proof (bisection + FoldVerifier one-step)
    assert s["trainer_frauds"] == s["trainers_slashed"] == s["trainer_proofs"] == s["trainer_verdicts"] == 1
    assert 0 < s["validity_gas"] < s["dispute_gas"]  # type: ignore[operator]


@pytest.mark.evm
@pytest.mark.slow
def test_simulate_evm_reaches_same_outcome() -> None:
    a = run(rounds=3, trainers=6, malicious=True, q=0.2, period_blocks=12, evm=False, seed=3)
    b = run(rounds=3, trainers=6, malicious=True, q=0.2, period_blocks=12, evm=True, seed=3)
    skip = {"backend", "gas_spent", "rollup_gas", "dispute_gas", "validity_gas"}
    assert {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}
    assert a["one_step_verdicts"] >= 1  # type: ignore[operator]  # verdicts from DisputeGame.vy via Arbiter.vy
    assert a["trainer_proofs"] >= 1  # type: ignore[operator]  # ... and the slashing from TrainerValidity.vy
    for k in ("gas_spent", "dispute_gas", "validity_gas"):
        assert abs(a[k] - b[k]) / b[k] < 0.05, k  # type: ignore[operator]


def test_simulate_real_updates() -> None:
    provider, dim = real_updates(8, seed=2)
    cfg = ProtocolConfig(rounds=2, trainers=8, malicious_sequencer=True, seed=2, update_dim=dim)
    s = run_protocol(Design(challenge_period_blocks=12), cfg, provider)
    assert s["update_dim"] == dim > 64 and s["rounds_finalised"] == 2
    assert s["frauds_caught"] == s["frauds_attempted"] and s["conservation_ok"]


def test_simulate_cli_json_and_bad_input() -> None:
    cmd = [*ORFL, "simulate"]
    out = subprocess.run([*cmd, "--rounds", "1", "--trainers", "5", "--challenge-period-blocks", "10", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["conservation_ok"] is True
    assert s["challenge_period_blocks"] == s["design"]["challenge_period_blocks"] == 10  # the flag overrides
    assert s["sequencer_bond_eth"] == Design().sequencer_bond_eth  # ... the rest is Design()'s
    bad = subprocess.run([*cmd, "--censor-fraction", "1.5"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--censor-fraction" in bad.stderr
    for args, name in ((["--updates", "fake"], "--updates"), (["--evm", "--trainers", "65"], "--trainers"),
                       (["--trainers", "257"], "--trainers")):
        bad = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and name in bad.stderr


def test_simulate_and_abm_report_the_design_file(tmp_path: Path) -> None:
    design = Design(challenge_period_blocks=40, sequencer_bond_eth=3.5, challenger_bond_eth=0.75,
                    reward_share=0.625, move_clock_blocks=4)
    design.save(tmp_path / "d.json")
    file = json.loads((tmp_path / "d.json").read_text())
    outs = []
    for args in (["simulate", "--rounds", "3", "--trainers", "10"], ["abm", "--blocks", "20000"]):
        r = subprocess.run([*ORFL, *args, "--design", str(tmp_path / "d.json"), "--json"],
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stderr
        outs.append(json.loads(r.stdout))
    sim, abm = outs
    for out in outs:
        for k in DESIGN_KEYS:
            assert out[k] == out["design"][k] == file[k], k
        assert out["design"] == file
    assert sim["rounds_finalised"] == 3 and sim["conservation_ok"] and sim["honest_parties_whole"]
    assert abm["blocks"] == 20000 and abm["rounds_finalised"] > 0


@pytest.mark.parametrize("command", ["simulate", "abm"])
@pytest.mark.parametrize("content", [None, "{not json", '{"not_a_field": 1}', '{"challenge_period_blocks": -3}',
                                     '["a list"]'])
def test_bad_design_file_one_line_exit_2(tmp_path: Path, command: str, content: str | None) -> None:
    path = tmp_path / "d.json"
    if content is not None:
        path.write_text(content)
    r = subprocess.run([*ORFL, command, "--design", str(path), "--json"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "--design" in r.stderr
