"""Benchmark: ZK proofs of the aggregation one-step, and their EVM verification gas.

    RAYON_NUM_THREADS=1 python benchmarks/zk.py [--instances median:5:4,mean:4:8] [--out FILE] [--append]

For each instance ``rule:n:c`` (n trainers, a chunk of c coordinates) this proves the
one-step circuit (:mod:`mechanism.zk.circuits`) with a locally generated SRS
(:func:`mechanism.zk.prover.prove_one_step`), one proof at a time on one thread, then
renders the Solidity verifier, compiles it (npm ``solc``) and measures the gas of
``verifyProof`` in py-evm (:func:`mechanism.zk.evm_verifier.evm_verifier_gas`). The
results go to a JSON file with a ``.sha256`` beside it, which the cost model reads
(:func:`mechanism.economics.zk.load_measurements`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: The measured grid: the three rules at a small chunk, then the median at growing
#: chunks (rows grow with n x c until they exceed the lookup tables' 2^15 floor).
DEFAULT_INSTANCES = ("mean:4:8", "median:5:4", "trimmed_mean:5:4", "median:5:256", "median:5:1024",
                     "median:9:512")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "mechanism" / "zk" / "measured_proofs.json"


def run(instances: list[str], out: Path, seed: int = 0, with_gas: bool = True, append: bool = False) -> dict:
    from mechanism.zk.circuits import OneStepCircuit
    from mechanism.zk.evm_verifier import evm_verifier_gas, find_solcjs
    from mechanism.zk.prover import SRS_CACHE, prove_one_step

    rows = json.loads(out.read_text())["rows"] if append and out.exists() else []
    solc = find_solcjs()
    for spec in instances:
        rule, n, c = spec.split(":")
        circuit = OneStepCircuit(rule, int(n), int(c))
        with tempfile.TemporaryDirectory(prefix="orfl-zk-") as wd:
            t = time.perf_counter()
            r = prove_one_step(circuit, wd, seed=seed)
            row = r.as_dict()
            row.pop("workdir")
            if with_gas and solc is not None:
                g = evm_verifier_gas(wd, SRS_CACHE / f"kzg{r.logrows}.srs", solc)
                row.update({f"evm_{k}": v for k, v in g.as_dict().items()})
            row["total_seconds"] = time.perf_counter() - t
        rows.append(row)
        print(json.dumps(row), flush=True)
        _write(out, rows, seed, solc is not None)
    return {"rows": rows}


def _write(out: Path, rows: list[dict], seed: int, compiler: bool) -> None:
    import ezkl

    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"what": "ZK proofs of the aggregation one-step (Halo2/KZG via ezkl), EVM verifier gas in py-evm",
           "backend": f"ezkl {getattr(ezkl, '__version__', '?')}", "threads": os.environ.get("RAYON_NUM_THREADS"),
           "machine": f"{platform.machine()} {os.cpu_count()} cores, shared", "seed": seed,
           "solidity_compiler_found": compiler, "srs": "generated locally (insecure, for measurement only)",
           "rows": rows}
    text = json.dumps(doc, indent=1)
    out.write_text(text)
    out.with_suffix(out.suffix + ".sha256").write_text(hashlib.sha256(text.encode()).hexdigest() + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--instances", default=",".join(DEFAULT_INSTANCES))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-gas", action="store_true")
    ap.add_argument("--append", action="store_true", help="Keep the rows already in --out.")
    a = ap.parse_args()
    run(a.instances.split(","), a.out, a.seed, not a.no_gas, a.append)


if __name__ == "__main__":
    main()
