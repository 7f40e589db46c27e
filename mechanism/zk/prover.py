"""Prove a one-step circuit with a Halo2/KZG SNARK (the ``ezkl`` package), timed.

Pipeline (ezkl's documented flow): export the circuit to ONNX (opset 13, legacy exporter),
``gen_settings`` with integer inputs (``input_scale = param_scale = 0``: the chunk's
values are integers, so nothing is quantised), ``calibrate_settings`` (target
``resources``: the fewest rows), ``compile_circuit``, ``gen_srs`` (a **locally generated,
insecure** structured reference string of 2^logrows points: adequate for measuring
time and size, not for deployment, which needs a ceremony's SRS), ``setup`` (proving and
verifying keys), ``gen_witness``, ``prove``, ``verify``. Each stage is timed with
``time.perf_counter`` (wall) and ``time.process_time`` (CPU) on one thread (``RAYON_NUM_THREADS`` must be set before the
backend loads: :func:`single_thread`), and the peak resident memory of the process is
read from ``resource.getrusage`` (an upper bound on the prover's).

The returned :class:`ProofRun` holds the measured numbers and the paths of the artefacts
(proof, keys, settings) for the EVM verifier (:mod:`mechanism.zk.evm_verifier`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.errors import ParameterError
from mechanism.zk.circuits import OneStepCircuit


def _backend() -> Any:
    """The proving backend module, typed ``Any`` (its bundled stubs mistype optional arguments)."""
    import importlib

    return importlib.import_module("ezkl")


#: Default cache of generated SRS files (one per logrows), reused across runs.
SRS_CACHE = Path(os.environ.get("ORFL_ZK_CACHE", Path.home() / ".cache" / "orfl" / "zk"))
#: Largest |value| of the measured instances: the lookup tables the calibration sizes
#: cover the values and every compare-exchange difference.
DEFAULT_VALUE_BOUND = 1 << 12


def single_thread() -> None:
    """Pin the prover's thread pool to one thread (shared machine; also makes times
    comparable across runs). Must run before the backend is imported."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")


def available() -> bool:
    """Whether the proving backend (``ezkl``) and the ONNX exporter are importable."""
    try:
        import ezkl  # noqa: F401
        import onnx  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class ProofRun:
    """One measured proof of a one-step circuit."""

    rule: str
    n_trainers: int
    chunk_coordinates: int
    comparators: int
    logrows: int
    num_rows: int
    settings_seconds: float  # gen_settings + calibrate + compile
    srs_seconds: float  # 0 when the cached SRS was reused
    setup_seconds: float
    witness_seconds: float
    prove_seconds: float
    setup_cpu_seconds: float  # process CPU time (the machine is shared: wall time inflates)
    prove_cpu_seconds: float
    verify_seconds: float
    proof_bytes: int
    pk_bytes: int
    vk_bytes: int
    peak_rss_mb: float
    verified: bool
    exact: bool  # the proof's public outputs equal the integer reference
    seed: int
    workdir: str

    @property
    def cells(self) -> int:
        """n x c: the values the step reads."""
        return self.n_trainers * self.chunk_coordinates

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cells": self.cells}


def _awaited(r: Any) -> Any:
    import asyncio

    return asyncio.run(r) if asyncio.iscoroutine(r) else r


def _felt_ints(values: list[str]) -> list[int]:
    ezkl = _backend()

    return [int(ezkl.felt_to_int(v)) for v in values]


def srs_path(logrows: int, cache: Path = SRS_CACHE) -> tuple[Path, float]:
    """A locally generated SRS for ``logrows`` (cached); returns (path, seconds spent)."""
    ezkl = _backend()

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"kzg{logrows}.srs"
    if path.exists():
        return path, 0.0
    t = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    ezkl.gen_srs(str(tmp), logrows)
    tmp.replace(path)
    return path, time.perf_counter() - t


def prove_one_step(circuit: OneStepCircuit, workdir: Path | str, seed: int = 0,
                   value_bound: int = DEFAULT_VALUE_BOUND, srs_cache: Path = SRS_CACHE) -> ProofRun:
    """Prove ``circuit`` on a seeded random (n, c) chunk with |values| < ``value_bound``."""
    if value_bound < 1:
        raise ParameterError.bad("value_bound", value_bound, "an integer >= 1")
    single_thread()
    import resource

    ezkl = _backend()
    import torch

    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x = rng.integers(-value_bound + 1, value_bound, size=(circuit.n_trainers, circuit.chunk_coordinates))
    f = {k: str(wd / k) for k in ("model.onnx", "input.json", "settings.json", "model.ezkl", "witness.json",
                                   "vk.key", "pk.key", "proof.json")}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(circuit.torch_module(), (torch.tensor(x, dtype=torch.float32),), f["model.onnx"],
                          input_names=["x"], output_names=["y"], dynamo=False, opset_version=13)
    with open(f["input.json"], "w") as fh:
        json.dump({"input_data": [[float(v) for v in x.flatten()]]}, fh)

    t0 = time.perf_counter()
    ra = ezkl.PyRunArgs()
    ra.input_visibility, ra.output_visibility, ra.param_visibility = "public", "public", "fixed"
    ra.input_scale, ra.param_scale = 0, 0
    if not ezkl.gen_settings(f["model.onnx"], f["settings.json"], py_run_args=ra):
        raise RuntimeError("gen_settings failed")
    _awaited(ezkl.calibrate_settings(f["input.json"], f["model.onnx"], f["settings.json"], "resources", scales=[0]))
    if not ezkl.compile_circuit(f["model.onnx"], f["model.ezkl"], f["settings.json"]):
        raise RuntimeError("compile_circuit failed")
    settings = json.loads(Path(f["settings.json"]).read_text())
    logrows = int(settings["run_args"]["logrows"])
    t1 = time.perf_counter()
    srs, srs_s = srs_path(logrows, srs_cache)

    t2 = time.perf_counter()
    _awaited(ezkl.gen_witness(f["input.json"], f["model.ezkl"], f["witness.json"]))
    t3, c3 = time.perf_counter(), time.process_time()
    if not ezkl.setup(f["model.ezkl"], f["vk.key"], f["pk.key"], srs_path=str(srs)):
        raise RuntimeError("setup failed")
    t4, c4 = time.perf_counter(), time.process_time()
    ezkl.prove(f["witness.json"], f["model.ezkl"], f["pk.key"], f["proof.json"], srs_path=str(srs))
    t5, c5 = time.perf_counter(), time.process_time()
    ok = bool(ezkl.verify(f["proof.json"], f["settings.json"], f["vk.key"], srs_path=str(srs)))
    t6 = time.perf_counter()

    proof = json.loads(Path(f["proof.json"]).read_text())
    raw = proof["proof"]
    proof_bytes = len(bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)) if isinstance(raw, str) else len(raw)
    outputs = _felt_ints(proof["instances"][0][-circuit.chunk_coordinates:])
    exact = outputs == circuit.reference(x.tolist())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return ProofRun(
        rule=circuit.rule, n_trainers=circuit.n_trainers, chunk_coordinates=circuit.chunk_coordinates,
        comparators=circuit.comparators, logrows=logrows, num_rows=int(settings.get("num_rows", 0)),
        settings_seconds=t1 - t0, srs_seconds=srs_s, setup_seconds=t4 - t3, witness_seconds=t3 - t2,
        prove_seconds=t5 - t4, setup_cpu_seconds=c4 - c3, prove_cpu_seconds=c5 - c4, verify_seconds=t6 - t5, proof_bytes=proof_bytes,
        pk_bytes=Path(f["pk.key"]).stat().st_size, vk_bytes=Path(f["vk.key"]).stat().st_size,
        peak_rss_mb=peak, verified=ok, exact=exact, seed=seed, workdir=str(wd),
    )
