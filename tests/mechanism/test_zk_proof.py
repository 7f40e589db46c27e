"""A real proof of the median one-step of 5 trainers x 4 coordinates, verified in Python
and by the generated Solidity verifier executed in py-evm (slow: ~1 min on one core)."""

from __future__ import annotations

import pytest

from mechanism.zk.evm_verifier import find_solcjs
from mechanism.zk.prover import available

pytestmark = [pytest.mark.slow, pytest.mark.evm]

needs_backend = pytest.mark.skipif(not available(), reason="the ZK backend is not installed: pip install 'ezkl==23.0.5' onnx")


@needs_backend
def test_median_one_step_proof_and_evm_verification(tmp_path):
    from mechanism.zk.circuits import OneStepCircuit
    from mechanism.zk.evm_verifier import evm_verifier_gas
    from mechanism.zk.prover import prove_one_step

    cache = tmp_path / "srs"
    run = prove_one_step(OneStepCircuit("median", 5, 4), tmp_path / "proof", seed=1, value_bound=128, srs_cache=cache)
    assert run.verified
    assert run.exact  # the proof's public outputs are the integer reference numerators
    assert run.proof_bytes > 0 and run.prove_cpu_seconds > 0
    if find_solcjs() is None:
        pytest.skip("no Solidity compiler: node and the npm package solc (npm install --prefix "
                    "~/.cache/orfl/solcjs solc@0.8.30)")
    gas = evm_verifier_gas(tmp_path / "proof", cache / f"kzg{run.logrows}.srs")
    assert gas.accepted
    assert gas.rejects_tampered
    # a pairing check alone costs 45,000 + 34,000 per pair (EIP-1108): two pairs at least
    assert gas.execution_gas > 45_000 + 2 * 34_000
