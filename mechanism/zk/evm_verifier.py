"""The proof's EVM verifier: generated Solidity, compiled with solc, executed in py-evm.

The proving backend renders a Halo2/KZG verifier contract for the circuit's verifying
key (``create_evm_verifier``; it then tries to fetch a native ``solc``, which fails
offline after the source is written, so the source is compiled here instead). The
Solidity compiler is the npm registry's ``solc`` package (solcjs, the official
Emscripten build, run with ``node``): :func:`find_solcjs` looks in ``$ORFL_SOLCJS``,
``./node_modules/solc`` and ``~/.cache/orfl/solcjs/node_modules/solc``
(``npm install --prefix ~/.cache/orfl/solcjs solc@0.8.30``). The bytecode is deployed in
titanoboa's py-evm and ``verifyProof`` is called with the proof's ABI calldata
(``encode_evm_calldata``) as its own transaction (:func:`mechanism.evm.tx.begin_transaction`).
Gas of the transaction: :func:`mechanism.units.transaction_gas` (EIP-2028 calldata plus
execution, or the EIP-7623 floor where higher).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mechanism.units import BLOCK_GAS_LIMIT, MAX_TX_GAS, transaction_gas

SOLC_VERSION = "0.8.30"


def _backend() -> Any:
    """The proving backend module, typed ``Any`` (its bundled stubs mistype optional arguments)."""
    import importlib

    return importlib.import_module("ezkl")


_COMPILE_JS = r"""
const solc = require(process.argv[2]);
const fs = require('fs');
const src = fs.readFileSync(process.argv[3], 'utf8');
const input = {language: 'Solidity', sources: {'V.sol': {content: src}},
  settings: {optimizer: {enabled: true, runs: 1}, evmVersion: 'cancun',
             outputSelection: {'*': {'*': ['evm.bytecode.object']}}}};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errs = (out.errors || []).filter(e => e.severity === 'error');
if (errs.length) { console.error(errs.map(e => e.formattedMessage).join('\n')); process.exit(1); }
const c = out.contracts['V.sol']; const name = Object.keys(c)[0];
process.stdout.write(JSON.stringify({name: name, version: solc.version(), bytecode: c[name].evm.bytecode.object}));
"""


def find_solcjs() -> Path | None:
    """The solcjs package directory, or None when node or the package is missing."""
    if shutil.which("node") is None:
        return None
    candidates = [os.environ.get("ORFL_SOLCJS", ""), "node_modules/solc",
                  str(Path.home() / ".cache" / "orfl" / "solcjs" / "node_modules" / "solc")]
    for c in candidates:
        if c and (Path(c) / "soljson.js").exists():
            return Path(c).resolve()
    return None


def compile_solidity(source: Path, solcjs: Path) -> tuple[bytes, str]:
    """(creation bytecode, compiler version) of the one contract in ``source``."""
    script = source.parent / "_compile.js"
    script.write_text(_COMPILE_JS)
    out = subprocess.run(["node", str(script), str(solcjs), str(source)], capture_output=True, text=True,
                         check=False, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"solc failed: {out.stderr.strip()[:500]}")
    res = json.loads(out.stdout)
    return bytes.fromhex(res["bytecode"]), str(res["version"])


@dataclass(frozen=True)
class VerifierGas:
    """Gas of verifying one proof on the L1, measured in py-evm."""

    execution_gas: int
    calldata_bytes: int
    tx_gas: int  # execution + intrinsic + calldata (EIP-7623 floor where higher)
    within_tx_cap: bool  # tx_gas <= 2^24 (EIP-7825): a valid L1 transaction
    deploy_gas: int
    bytecode_bytes: int
    accepted: bool  # the genuine proof verifies
    rejects_tampered: bool  # a proof with one flipped byte does not
    compiler: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evm_verifier_gas(workdir: Path | str, srs: Path | str, solcjs: Path | None = None) -> VerifierGas:
    """Render, compile, deploy and call the verifier of the proof in ``workdir`` (the
    artefacts of :func:`mechanism.zk.prover.prove_one_step`)."""
    import asyncio

    import boa
    ezkl = _backend()

    from mechanism.evm.tx import begin_transaction

    wd = Path(workdir)
    sol = wd / "Verifier.sol"
    solc = solcjs or find_solcjs()
    if solc is None:
        raise RuntimeError("no Solidity compiler: install node and the npm package solc")

    async def render() -> Any:
        return await ezkl.create_evm_verifier(str(wd / "vk.key"), str(wd / "settings.json"), str(sol),
                                              str(wd / "abi.json"), srs_path=str(srs), reusable=False)

    try:
        asyncio.run(render())
    except RuntimeError:
        if not sol.exists():  # the source is written before the backend tries its own compiler
            raise
    bytecode, version = compile_solidity(sol, solc)
    calldata = bytes(ezkl.encode_evm_calldata(str(wd / "proof.json"), str(wd / "calldata.bin")))

    env = boa.Env()
    addr, deploy = env.deploy(bytecode=bytecode, gas=MAX_TX_GAS)
    # executed with a block's gas so a verifier above the EIP-7825 cap is still measured
    begin_transaction(env)
    ok = env.execute_code(to_address=addr, data=calldata, gas=BLOCK_GAS_LIMIT)
    tampered = bytearray(calldata)
    tampered[len(calldata) // 2] ^= 1
    begin_transaction(env)
    bad = env.execute_code(to_address=addr, data=bytes(tampered), gas=BLOCK_GAS_LIMIT)
    accepted = bool(ok.is_success and ok.output and int.from_bytes(ok.output[-32:], "big") == 1)
    bad_accepted = bool(bad.is_success and bad.output and int.from_bytes(bad.output[-32:], "big") == 1)
    execution = int(ok.get_gas_used())
    return VerifierGas(
        execution_gas=execution, calldata_bytes=len(calldata),
        tx_gas=transaction_gas(execution, calldata),
        within_tx_cap=transaction_gas(execution, calldata) <= MAX_TX_GAS, deploy_gas=int(deploy.get_gas_used()),
        bytecode_bytes=len(bytecode), accepted=accepted, rejects_tampered=not bad_accepted, compiler=f"solc {version}",
    )
