"""Timing of every rule's fast path against float baselines measured in the same run.

Absolute seconds are not comparable across machines or runs; the ratios are. Baselines:
``x.float().mean(0)`` (memory-bound floor), ``torch.median(dim=0)``, a numpy sort-based
trimmed mean, a naive ``torch.cdist`` Krum, a float32 Gram-matrix Krum, and float32
versions of the same algorithms for the geometric median (Weiszfeld, 10 iterations) and
centered clipping (3 iterations).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "mean": {},
    "median": {},
    "trimmed_mean": {"f": 5},
    "krum": {"f": 5},
    "multi_krum": {"f": 5},
    "geometric_median": {"iterations": 10},
    "centered_clipping": {"tau": 1 << 22, "iterations": 3},
    "bulyan": {"f": 5},
}
#: Which float baseline each rule is compared with (its best comparable float method).
BASELINE_OF = {
    "mean": "float_mean",
    "median": "float_median",
    "trimmed_mean": "numpy_trimmed_mean",
    "krum": "gram_krum_float",
    "multi_krum": "gram_krum_float",
    "geometric_median": "float_weiszfeld",
    "centered_clipping": "float_centered_clipping",
    "bulyan": "gram_krum_float",
}


def _best_time(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_updates(n: int, d: int, seed: int) -> Any:
    import torch

    from mechanism.fixedpoint import encode

    g = torch.Generator().manual_seed(seed)
    x = torch.empty((n, d), dtype=torch.int64)
    for i in range(n):  # row by row, so the peak memory before a call is ~ the input
        x[i] = encode(torch.randn(d, generator=g) * 0.01)
    return x


def baselines(xf: Any, f: int) -> dict[str, Callable[[], Any]]:
    import numpy as np
    import torch

    def numpy_trimmed_mean() -> Any:
        s = np.sort(xf.numpy(), axis=0)
        return s[f : xf.shape[0] - f].mean(axis=0)

    def krum_from(dist: Any) -> Any:
        k = xf.shape[0] - f - 2
        d2 = dist.clone()
        d2.fill_diagonal_(float("inf"))
        scores = d2.topk(k, dim=1, largest=False).values.sum(1)
        return xf[int(scores.argmin())]

    def cdist_krum() -> Any:
        return krum_from(torch.cdist(xf, xf) ** 2)

    def gram_krum() -> Any:
        g = xf @ xf.T
        sq = g.diagonal()
        return krum_from(sq[:, None] + sq[None, :] - 2 * g)

    def float_weiszfeld(iters: int = 10) -> Any:
        z = xf.mean(0)
        for _ in range(iters):
            w = 1.0 / (xf - z).norm(dim=1).clamp_min(1e-12)
            z = (w[:, None] * xf).sum(0) / w.sum()
        return z

    def float_centered_clipping(tau: float = float(1 << 22), iters: int = 3) -> Any:
        v = torch.zeros(xf.shape[1])
        for _ in range(iters):
            diff = xf - v
            c = (tau / diff.norm(dim=1)).clamp(max=1.0)
            v = v + (diff * c[:, None]).mean(0)
        return v

    return {
        "float_mean": lambda: xf.mean(0),
        "float_weiszfeld": float_weiszfeld,
        "float_centered_clipping": float_centered_clipping,
        "float_median": lambda: xf.median(0),
        "numpy_trimmed_mean": numpy_trimmed_mean,
        "cdist_krum_float": cdist_krum,
        "gram_krum_float": gram_krum,
    }


def run(n: int = 50, d: int = 1_000_000, repeats: int = 3, seed: int = 0,
        progress: Callable[[str], None] = lambda m: None) -> list[dict[str, Any]]:
    """Rows ``{name, kind, seconds, baseline, ratio}`` for rules and baselines."""
    from mechanism.aggregation import aggregate

    x = make_updates(n, d, seed)
    xf = x.float()
    f = DEFAULT_PARAMS["trimmed_mean"]["f"]
    base_t: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    for name, fn in baselines(xf, f).items():
        progress(f"baseline {name}")
        base_t[name] = _best_time(fn, repeats)
        rows.append({"name": name, "kind": "float baseline", "seconds": base_t[name], "baseline": "", "ratio": float("nan")})
    for rule, params in DEFAULT_PARAMS.items():
        progress(f"rule {rule}")
        t = _best_time(lambda rule=rule, params=params: aggregate(rule, x, **params), repeats)
        b = BASELINE_OF[rule]
        rows.append({"name": rule, "kind": "int64 bit-exact", "seconds": t, "baseline": b, "ratio": t / base_t[b]})
    return rows


# VmHWM (peak RSS of this address space, kB) rather than ru_maxrss: Linux carries
# ru_maxrss over fork+exec from the parent, so a large parent would mask the child's peak.
_MEM_SCRIPT = """
import sys, torch
from analyses.bench_aggregation import make_updates, DEFAULT_PARAMS
from mechanism.aggregation import aggregate
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
n, d, rule = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
x = make_updates(n, d, 0)
before = hwm()
aggregate(rule, x, **DEFAULT_PARAMS[rule])
after = hwm()
print((after - before) * 1024 / x.element_size() / x.numel())
"""


def peak_memory_ratio(rule: str, n: int, d: int) -> float:
    """Peak extra resident memory of one call, as a multiple of the input tensor's bytes.

    Runs in a fresh process so the peak RSS (VmHWM) measures this call alone (input
    already resident before the call).
    """
    out = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, str(n), str(d), rule],
                         capture_output=True, text=True, check=True, timeout=600)
    return float(out.stdout.strip().splitlines()[-1])


__all__ = ["BASELINE_OF", "DEFAULT_PARAMS", "peak_memory_ratio", "run"]
