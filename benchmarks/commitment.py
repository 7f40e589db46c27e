"""Benchmark: Merkle commitment throughput vs raw hashlib.sha256 over the same bytes.

    python benchmarks/commitment.py [--n 50] [--d 1000000] [--chunks 32,1024,4096] [--arity 8]
"""

from __future__ import annotations

import argparse
import hashlib
import time

import numpy as np

from mechanism.commitment import commit_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--chunks", default="32,1024,4096")
    ap.add_argument("--arity", type=int, default=8)
    a = ap.parse_args()
    x = np.random.default_rng(0).integers(-(2**30), 2**30, size=(a.n, a.d))
    t = time.perf_counter()
    hashlib.sha256(memoryview(x)).digest()  # type: ignore[arg-type]
    raw = time.perf_counter() - t
    mb = x.nbytes / 1e6
    print(f"raw sha256 over {mb:.0f} MB: {raw:.3f} s ({mb / raw:.0f} MB/s)")
    for c in (int(v) for v in a.chunks.split(",")):
        t = time.perf_counter()
        commit_rows(x, c, a.arity)
        el = time.perf_counter() - t
        print(f"commit n={a.n} d={a.d} chunk={c:5d} arity={a.arity}: {el:.3f} s  ratio to raw = {raw / el:.2f}")


if __name__ == "__main__":
    main()
