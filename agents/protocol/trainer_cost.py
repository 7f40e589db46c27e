"""What a trainer's protocol duties cost per round on an edge device: time and memory on
one core (docs/design.md, "Trainer duties").

Duties, in the order a trainer performs them each round (agents/protocol/trainer.py):

* ``encode``: the float update to int64 fixed point (:func:`.trainer.encode_update`);
* ``commit_update``: the update root (:func:`mechanism.commitment.commit`, the
  deployment's chunk and arity);
* ``commit_data``: the data root over the published bytes
  (:func:`mechanism.rollup.predicates.data_commit`);
* ``blobs``: the published bytes as EIP-4844 blobs (31 bytes per field element, 4,096
  field elements per blob) with each blob's KZG commitment and, since Fusaka, its 128
  cell proofs (EIP-7594), computed with ``ckzg`` and the Ethereum KZG trusted setup that
  ships with ``eth-account``;
* ``sign``: the ECDSA (secp256k1) signature of the ``publish_update`` transaction
  (``eth-account``).

Blobs are independent and equally sized, so the ``blobs`` duty times one blob and
multiplies by the blob count (the detail says so). Each d runs in a fresh process
pinned to one CPU (``sched_setaffinity``; torch
and the native kernels then use one thread). Time: median, min and max of ``repeats``
runs after one warm-up. Memory: the peak of the allocations the duty makes
(``tracemalloc``: Python objects and numpy buffers; torch's own buffers, used only by
``encode``, are not traced), beyond its prepared input.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from mechanism.errors import ParameterError

DUTIES = ("encode", "commit_update", "commit_data", "blobs", "sign")
#: EIP-4844: 4,096 field elements of 32 bytes per blob, 31 usable bytes each.
FIELD_ELEMENTS_PER_BLOB = 4096
USABLE_BYTES_PER_FIELD_ELEMENT = 31


@dataclass(frozen=True)
class DutyCost:
    duty: str
    params: int
    seconds_median: float
    seconds_min: float
    seconds_max: float
    repeats: int
    peak_alloc_mib: float
    input_mib: float
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pack_blobs(data: bytes) -> list[bytes]:
    """``data`` as blobs: 31 bytes per 32-byte field element (leading zero byte, so every
    element is below the BLS12-381 modulus), zero-padded to whole blobs."""
    per_blob = FIELD_ELEMENTS_PER_BLOB * USABLE_BYTES_PER_FIELD_ELEMENT
    blobs = []
    for off in range(0, max(len(data), 1), per_blob):
        part = data[off : off + per_blob]
        out = bytearray(32 * FIELD_ELEMENTS_PER_BLOB)
        for i in range(0, len(part), USABLE_BYTES_PER_FIELD_ELEMENT):
            e = i // USABLE_BYTES_PER_FIELD_ELEMENT
            out[32 * e + 1 : 32 * e + 1 + len(part[i : i + 31])] = part[i : i + 31]
        blobs.append(bytes(out))
    return blobs


def _trusted_setup() -> Any:
    import ckzg
    import eth_account

    path = os.path.join(os.path.dirname(eth_account.__file__), "typed_transactions", "blob_transactions",
                        "kzg_trusted_setup.txt")
    return ckzg.load_trusted_setup(path, 0)


def _duty_fn(duty: str, d: int, seed: int, chunk: int, arity: int) -> tuple[Any, str]:
    """(zero-argument callable doing the duty once, detail) with its input prepared."""
    import numpy as np

    from agents.protocol.trainer import encode_update

    rng = np.random.default_rng(seed)
    update = rng.normal(0.0, 0.05, size=d)
    if duty == "encode":
        return (lambda: encode_update(update)), "float64 -> int64 fixed point"
    upd = encode_update(update)
    if duty == "commit_update":
        from mechanism.commitment import commit

        return (lambda: commit(upd, chunk, arity).root), f"SHA-256 Merkle, chunk {chunk}, arity {arity}"
    if duty == "commit_data":
        from mechanism.rollup.predicates import data_commit

        return (lambda: data_commit(upd, chunk, arity).root), f"data root, chunk {chunk}, arity {arity}"
    if duty == "blobs":
        import ckzg

        setup = _trusted_setup()
        data = upd.astype("<i8").tobytes()
        blobs = pack_blobs(data)
        first = blobs[0]

        def run() -> int:
            ckzg.blob_to_kzg_commitment(first, setup)
            ckzg.compute_cells_and_kzg_proofs(first, setup)
            return len(blobs)

        # blobs are independent and equally sized: the work is the per-blob time times the count
        return run, f"{len(blobs)} blobs: KZG commitment + 128 cell proofs each (EIP-7594); one blob timed, x {len(blobs)}"
    if duty == "sign":
        from eth_account import Account

        acct = Account.from_key(bytes(range(1, 33)))
        data = "0x" + (bytes(4) + bytes(96)).hex()
        tx = {"type": 2, "chainId": 1, "nonce": 0, "to": "0x" + "11" * 20, "value": 0, "gas": 120_000,
              "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 10**9, "data": data}
        return (lambda: acct.sign_transaction(tx)), "ECDSA secp256k1, EIP-1559 transaction"
    raise ParameterError.bad("duty", duty, "one of " + ", ".join(DUTIES))


def _child(duties: tuple[str, ...], d: int, repeats: int, seed: int, chunk: int, arity: int, q: Any) -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux: unpinned
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import tracemalloc

    import torch

    torch.set_num_threads(1)
    results = []
    for duty in duties:
        fn, detail = _duty_fn(duty, d, seed, chunk, arity)
        tracemalloc.start()
        fn()  # warm-up (first-call tables), traced: the duty's own allocations
        times = []
        scale = 1
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
            if duty == "blobs":
                scale = int(out)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        results.append((duty, [t * scale for t in times], peak / 2**20, detail))
    q.put(results)


def measure(d: int, repeats: int = 3, seed: int = 0, duties: tuple[str, ...] = DUTIES,
            chunk: int | None = None, arity: int | None = None) -> list[DutyCost]:
    """Every duty at update length ``d`` (module docstring); the commitments use the
    dispute geometry of the cost analysis unless ``chunk``/``arity`` are given."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ParameterError.bad("d", d, "an integer >= 1")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ParameterError.bad("repeats", repeats, "an integer >= 1")
    for duty in duties:
        if duty not in DUTIES:
            raise ParameterError.bad("duty", duty, "one of " + ", ".join(DUTIES))
    if chunk is None or arity is None:
        from mechanism.economics.workload import dispute_geometry

        chunk, arity = dispute_geometry()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(tuple(duties), d, repeats, seed, chunk, arity, q))
    p.start()
    results = q.get(timeout=3600)
    p.join()
    return [DutyCost(duty, d, statistics.median(times), min(times), max(times), repeats, peak, 8 * d / 2**20, detail)
            for duty, times, peak, detail in results]
