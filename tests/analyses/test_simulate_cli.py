"""``orfl simulate`` end to end (small) and its input validation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analyses.commands.simulate import run
from mechanism.rollup.params import RollupParams


def test_simulate_catches_fraud_and_conserves_funds() -> None:
    s = run(rounds=3, trainers=8, malicious=True, q=0.0, period_blocks=20, evm=False, seed=3)
    assert s["rounds_finalised"] == 3
    assert s["frauds_attempted"] >= 1 and s["frauds_caught"] == s["frauds_attempted"]
    # every fraud went through a real game: bisection to a leaf and the one-step verifier
    assert s["games_played"] == s["one_step_verdicts"] == s["frauds_attempted"]
    assert 0 < s["dispute_gas"] < s["gas_spent"]
    assert s["frauds_finalized"] == 0
    assert s["conservation_ok"] and s["honest_parties_whole"]
    assert s["sequencer_net_wei"] == -RollupParams().sequencer_bond_wei * s["frauds_caught"]
    # the invalid trainer was slashed by TrainerValidity's proof (bisection + FoldVerifier one-step)
    assert s["trainer_frauds"] == s["trainers_slashed"] == s["trainer_proofs"] == s["trainer_verdicts"] == 1
    assert 0 < s["validity_gas"] < s["dispute_gas"]


@pytest.mark.evm
@pytest.mark.slow
def test_simulate_evm_reaches_same_outcome() -> None:
    a = run(rounds=3, trainers=6, malicious=True, q=0.2, period_blocks=12, evm=False, seed=3)
    b = run(rounds=3, trainers=6, malicious=True, q=0.2, period_blocks=12, evm=True, seed=3)
    skip = {"backend", "gas_spent", "rollup_gas", "dispute_gas", "validity_gas"}
    assert {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}
    assert a["one_step_verdicts"] >= 1  # the EVM run's verdicts came from DisputeGame.vy via Arbiter.vy
    assert a["trainer_proofs"] >= 1  # ... and the trainer's slashing from TrainerValidity.vy
    for k in ("gas_spent", "dispute_gas", "validity_gas"):
        assert abs(a[k] - b[k]) / b[k] < 0.05, k


def test_simulate_real_updates() -> None:
    from analyses.commands.simulate import real_updates

    provider, dim = real_updates(8, seed=2)
    s = run(rounds=2, trainers=8, malicious=True, q=0.0, period_blocks=12, evm=False, seed=2, updates=provider,
            dim=dim)
    assert s["update_dim"] == dim > 64 and s["rounds_finalised"] == 2
    assert s["frauds_caught"] == s["frauds_attempted"] and s["conservation_ok"]


def test_simulate_cli_json_and_bad_input() -> None:
    cmd = [sys.executable, "-m", "analyses.cli", "simulate"]
    out = subprocess.run([*cmd, "--rounds", "1", "--trainers", "5", "--challenge-period-blocks", "10", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["conservation_ok"] is True
    bad = subprocess.run([*cmd, "--censor-fraction", "1.5"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--censor-fraction" in bad.stderr
    for args, name in ((["--updates", "fake"], "--updates"), (["--evm", "--trainers", "65"], "--trainers"),
                       (["--trainers", "257"], "--trainers")):
        bad = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and name in bad.stderr
