"""Krum and multi-Krum over an update file, block by block (Blanchard et al., NeurIPS 2017;
the exact arithmetic of :mod:`mechanism.aggregation._intmath`).

The rules' squared distances come from the exact Gram matrix of the rescaled operands
``x >> s`` with ``s = rescale_shift(max |x|, d)``: every partial dot product is an
integer below 2**52 (``_intmath`` module doc), so the Gram matrix of columns ``[lo, hi)``
is exact, and the sum of the blocks' int64 Gram matrices is the whole one in any order.
Two passes: the maximum |x| (the shift needs the whole-vector maximum), then the partial
Gram matrices; the selection and tie-breaks are the core's own functions (ties compare
rows through a read-only map); the output (the chosen row, or the floor mean of the
chosen rows) is a third pass. Each pass is a map over blocks followed by an exact
reduction, so it distributes as the coordinate rules do (:mod:`.cluster`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mechanism.errors import ParameterError
from mechanism.outofcore.store import BLOCK_COORDS, blocks


def block_max_abs(vals: np.ndarray) -> int:
    return int(max(int(vals.max()), -int(vals.min())))


def block_gram(vals: np.ndarray, shift: int) -> np.ndarray:
    """Exact int64 Gram matrix of ``vals >> shift`` for one (n, w) block."""
    import torch

    from mechanism.aggregation._intmath import gram_exact

    return gram_exact(torch.from_numpy(np.ascontiguousarray(vals)), shift).numpy().copy()


def _check(uf: Any, rule: str, f: int, m: int | None) -> None:
    from mechanism.aggregation.registry import get_rule

    if rule not in ("krum", "multi_krum"):
        raise ParameterError.bad("rule", rule, "krum or multi_krum")
    get_rule(rule, f=f, **({"m": m} if m is not None else {})).check_n(uf.n)


def select_from_gram(uf: Any, g: np.ndarray, rule: str, f: int, m: int | None) -> list[int]:
    """The rows the rule selects given the whole exact Gram matrix of the rescaled rows
    (the core's scores and content tie-break; tied rows are read through a map)."""
    import torch

    from mechanism.aggregation._intmath import order_by_score
    from mechanism.aggregation.krum import krum_scores

    gl = g.tolist()
    n = uf.n
    dist = [[gl[i][i] + gl[j][j] - 2 * gl[i][j] for j in range(n)] for i in range(n)]
    x = torch.from_numpy(np.load(uf.path, mmap_mode="c"))  # copy-on-write map: rows read for ties only
    order = order_by_score(krum_scores(dist, list(range(n)), f), x)
    return order[:1] if rule == "krum" else sorted(order[: (m if m is not None else n - f)])


def output_block(vals: np.ndarray, rule: str, chosen: list[int]) -> np.ndarray:
    """The rule's output on one block: the chosen row, or the floor mean of the chosen rows."""
    import torch

    from mechanism.aggregation._intmath import floor_mean_rows

    if rule == "krum":
        return np.array(vals[chosen[0]])
    return floor_mean_rows(torch.from_numpy(np.ascontiguousarray(vals)), chosen).numpy()


def krum_select(uf: Any, rule: str, f: int, m: int | None = None, block: int = 0) -> list[int]:
    """The rows Krum (one) or multi-Krum (``m``, default n - f) selects, as the core does."""
    from mechanism.aggregation._intmath import rescale_shift

    _check(uf, rule, f, m)
    block = block or BLOCK_COORDS
    spans = blocks(uf.d, block)
    buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)
    top = max(block_max_abs(uf.read_block(lo, hi, buf)) for lo, hi in spans)
    s = rescale_shift(top, uf.d)
    g = np.zeros((uf.n, uf.n), dtype=np.int64)
    for lo, hi in spans:
        g += block_gram(uf.read_block(lo, hi, buf), s)
    return select_from_gram(uf, g, rule, f, m)


def krum_file(uf: Any, rule: str, f: int = 1, m: int | None = None, block: int = 0,
              out_path: str | Path | None = None) -> np.ndarray:
    """``aggregate(rule, x, f=f[, m=m])`` for Krum / multi-Krum over the update file."""
    chosen = krum_select(uf, rule, f, m, block)
    block = block or BLOCK_COORDS
    out: np.ndarray = (np.empty(uf.d, dtype=np.int64) if out_path is None
                       else np.memmap(out_path, dtype=np.int64, mode="w+", shape=(uf.d,)))
    buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)
    for lo, hi in blocks(uf.d, block):
        vals = uf.read_block(lo, hi, buf)
        out[lo:hi] = output_block(vals, rule, chosen)
    return out
