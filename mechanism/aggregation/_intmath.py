"""Exact integer arithmetic shared by the aggregation rules (fast path and reference).

The contract every rule relies on (docs/fixedpoint.md):

* inputs are int64 with ``|x| <= 2**40 - 1`` (:data:`mechanism.fixedpoint.MAX_ABS_INT`);
* every division rounds toward minus infinity (``floor``);
* squared Euclidean distances use **rescaled operands**: each operand is shifted right by
  ``s`` bits (``x >> s``, i.e. ``floor(x / 2**s)``) where ``s`` is the smallest shift that
  makes every rescaled value fit in ``b = (52 - ceil(log2 d)) // 2`` bits. Then every
  product and every partial sum of a length-d dot product is an integer of magnitude at
  most ``2**52``, so the float64 matrix product (BLAS, any order, any thread count) is
  *exact*, and the int64 result is the same integer the pure-Python reference computes;
* square roots are integer square roots (``math.isqrt``, floor);
* clipping scale factors carry ``SCALE_BITS = 20`` fractional bits:
  ``c = floor(tau * 2**20 / r)`` and the clipped value is ``(x * c) >> 20``.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch

from mechanism import _native
from mechanism.errors import FixedPointOverflowError, ParameterError, ShapeError
from mechanism.fixedpoint import MAX_ABS_INT

SCALE_BITS = 20
SCALE_ONE = 1 << SCALE_BITS
#: Largest integer magnitude for which float64 arithmetic is exact.
EXACT_FLOAT_BITS = 52
#: Column block of the chunked Gram computation (bounds the float64 copy in memory).
GRAM_BLOCK = 1 << 13

Rows = Sequence[Sequence[int]]


def ceil_log2(k: int) -> int:
    """Smallest e with 2**e >= k (k >= 1)."""
    return (k - 1).bit_length()


def check_updates(x: torch.Tensor) -> torch.Tensor:
    """Validate an (n, d) int64 tensor of fixed-point updates; return it contiguous."""
    return checked_updates(x)[0]


def checked_updates(x: torch.Tensor) -> tuple[torch.Tensor, int]:
    """:func:`check_updates`, also returning ``max |x|`` (from the same pass)."""
    if not isinstance(x, torch.Tensor):
        raise ShapeError.bad("updates", type(x).__name__, "a torch.Tensor of dtype int64")
    if x.dtype != torch.int64:
        raise ShapeError.bad(
            "updates.dtype", str(x.dtype), "torch.int64 (encode floats with mechanism.fixedpoint)"
        )
    if x.dim() != 2:
        raise ShapeError.bad("updates.shape", tuple(x.shape), "a 2-D (n trainers, d params) tensor")
    n, d = x.shape
    if n < 1 or d < 1:
        raise ShapeError.bad("updates.shape", (n, d), "n >= 1 trainers and d >= 1 parameters")
    x = x.contiguous()
    lo, hi = _minmax(x)
    if hi > MAX_ABS_INT or lo < -MAX_ABS_INT:
        raise FixedPointOverflowError(
            f"updates: fixed-point magnitude {max(hi, -lo)} exceeds the largest allowed "
            f"{MAX_ABS_INT} (2^40 - 1)"
        )
    return x, max(hi, -lo)


def _minmax(x: torch.Tensor) -> tuple[int, int]:
    """(min, max) of a contiguous int64 tensor: the compiled kernel or ``torch.aminmax``."""
    kernel = _native.select
    if kernel is not None and x.is_contiguous() and x.device.type == "cpu":
        lo, hi = kernel.minmax(x.numpy().reshape(-1), max(1, min(torch.get_num_threads(), 16)))
        return int(lo), int(hi)
    lo_t, hi_t = torch.aminmax(x)
    return int(lo_t), int(hi_t)


_known = threading.local()


@contextlib.contextmanager
def known_max_abs(x: torch.Tensor, value: int) -> Iterator[None]:
    """Within the block, :func:`max_abs` of this very tensor object is ``value`` (measured
    by the validation pass of the same call, so the rule does not scan the input twice)."""
    prev = getattr(_known, "entry", None)
    _known.entry = (x, value)
    try:
        yield
    finally:
        _known.entry = prev


def check_rows(rows: Rows) -> tuple[int, int]:
    """Validate a pure-Python (n, d) list of int rows; return (n, d)."""
    n = len(rows)
    if n < 1:
        raise ShapeError.bad("updates.shape", (0,), "n >= 1 trainers")
    d = len(rows[0])
    if d < 1 or any(len(r) != d for r in rows):
        raise ShapeError.bad("updates.shape", "ragged or empty rows", "n rows of equal length d >= 1")
    for r in rows:
        for v in r:
            if not isinstance(v, int) or isinstance(v, bool):
                raise ShapeError.bad("updates", type(v).__name__, "Python ints")
            if abs(v) > MAX_ABS_INT:
                raise FixedPointOverflowError(
                    f"updates: fixed-point magnitude {abs(v)} exceeds the largest allowed "
                    f"{MAX_ABS_INT} (2^40 - 1)"
                )
    return n, d


def operand_bits(d: int) -> int:
    """Bits b allowed for rescaled distance operands: d * 2**(2b) <= 2**52."""
    b = (EXACT_FLOAT_BITS - ceil_log2(d)) // 2
    if b < 1:
        raise ParameterError.bad("d", d, "at most 2^50 parameters for exact distances")
    return b


def rescale_shift(max_abs: int, d: int) -> int:
    """Smallest s with ``max_abs >> s`` below ``2**operand_bits(d)`` (see module doc)."""
    return max(0, int(max_abs).bit_length() - operand_bits(d))


def floor_div(a: int, b: int) -> int:
    """Floor division (the rules' only division), for documentation symmetry."""
    return a // b


def clip_factor(norm: int, tau: int) -> int:
    """Scale factor with SCALE_BITS fractional bits: 1.0 if norm <= tau else tau / norm."""
    if norm <= tau:
        return SCALE_ONE
    return (tau << SCALE_BITS) // norm


def check_radius(name: str, tau: int) -> int:
    if isinstance(tau, bool) or not isinstance(tau, int) or not 1 <= tau <= MAX_ABS_INT * 4:
        raise ParameterError.bad(name, tau, f"an integer fixed-point radius in [1, {MAX_ABS_INT * 4}]")
    return tau


# --------------------------------------------------------------------------- fast path


def max_abs(x: torch.Tensor) -> int:
    entry = getattr(_known, "entry", None)
    if entry is not None and entry[0] is x:
        return int(entry[1])
    lo, hi = _minmax(x.contiguous())
    return max(hi, -lo)


def gram_exact(x: torch.Tensor, shift: int, colsum: torch.Tensor | None = None) -> torch.Tensor:
    """Exact int64 Gram matrix of ``x >> shift`` (n, n), computed by float64 BLAS.

    Exact because every |x >> shift| < 2**b with d * 2**(2b) <= 2**52 (module doc): every
    partial sum of every dot product, in any order, is an integer below 2**52, so the
    products of all column blocks are accumulated in one float64 matrix (``addmm``). The
    columns are converted a block at a time into one reused float64 buffer, so the
    float64 copy stays small. The compiled kernel (:mod:`mechanism._native`) does the same
    with the shift and conversion fused into a symmetric tiled product (the same
    integers: every order of exact float64 sums gives the same result).
    """
    n, d = x.shape
    kernel = _native.select
    if kernel is not None and n <= 4096:
        out = np.empty((n, n), dtype=np.int64)
        args = () if colsum is None else (colsum.numpy(),)
        kernel.gram(np.ascontiguousarray(x.numpy()), n, d, shift, out, max(1, min(torch.get_num_threads(), 16)), *args)
        return torch.from_numpy(out)
    if colsum is not None:
        torch.sum(x, dim=0, out=colsum)
    w = min(d, GRAM_BLOCK)
    g = torch.zeros((n, n), dtype=torch.float64)
    buf = torch.empty((n, w), dtype=torch.float64)
    ibuf = torch.empty((n, w), dtype=torch.int64) if shift else None
    for start in range(0, d, w):
        blk = x[:, start : start + w]
        k = blk.shape[1]
        b = buf if k == w else torch.empty((n, k), dtype=torch.float64)
        if ibuf is not None:
            ib = ibuf if k == w else torch.empty((n, k), dtype=torch.int64)
            torch.bitwise_right_shift(blk, shift, out=ib)
            b.copy_(ib)
        else:
            b.copy_(blk)
        g.addmm_(b, b.T)
    return g.to(torch.int64)


def pairwise_sqdist(x: torch.Tensor, colsum: torch.Tensor | None = None) -> tuple[list[list[int]], int]:
    """Squared distances of the rescaled operands as Python ints, and the shift used
    (``colsum``: receives ``x.sum(0)``, see :func:`gram_exact`)."""
    n, d = x.shape
    s = rescale_shift(max_abs(x), d)
    g = gram_exact(x, s, colsum).tolist()
    dist = [[g[i][i] + g[j][j] - 2 * g[i][j] for j in range(n)] for i in range(n)]
    return dist, s


def row_sqnorms_shifted(diff: torch.Tensor, d: int) -> tuple[list[int], int]:
    """Per-row squared norms of ``diff >> s`` (diff-then-shift form) and s."""
    s = rescale_shift(max_abs(diff), d)
    sh = diff >> s if s else diff
    return (sh * sh).sum(dim=1).tolist(), s


def lexicographic_key(x: torch.Tensor, members: Sequence[int] | None = None) -> Any:
    """A sort key over positions p comparing rows ``x[members[p]]`` lexicographically."""
    rows = list(members) if members is not None else list(range(x.shape[0]))

    def cmp(p: int, q: int) -> int:
        i, j = rows[p], rows[q]
        if i == j:
            return 0
        neq = (x[i] != x[j]).nonzero()
        if neq.numel() == 0:
            return 0
        k = int(neq[0, 0])
        return -1 if int(x[i, k]) < int(x[j, k]) else 1

    return functools.cmp_to_key(cmp)


def order_by_score(scores: Sequence[int], x: torch.Tensor, members: Sequence[int] | None = None) -> list[int]:
    """Positions sorted by (score, row content lexicographically): permutation-invariant.

    ``scores[p]`` belongs to row ``x[members[p]]`` (``members`` defaults to all rows).
    """
    return order_by_key(scores, lexicographic_key(x, members))


def order_by_key(scores: Sequence[int], key: Any) -> list[int]:
    """Positions sorted by score, each group of equal scores ordered by ``key`` (a sort
    key over positions: :func:`lexicographic_key`, or a file-backed one out of core)."""
    idx = sorted(range(len(scores)), key=lambda i: scores[i])
    out: list[int] = []
    k = 0
    while k < len(idx):
        j = k
        while j + 1 < len(idx) and scores[idx[j + 1]] == scores[idx[k]]:
            j += 1
        group = idx[k : j + 1]
        out.extend(sorted(group, key=key) if len(group) > 1 else group)
        k = j + 1
    return out


def sorted_by_coordinate(x: torch.Tensor) -> np.ndarray:
    """The n values of every coordinate, sorted ascending: a (d, n) array.

    The (n, d) input is transposed once so each coordinate's n values are contiguous
    (numpy's SIMD small-array sort), and row blocks are sorted in parallel threads
    (numpy releases the GIL). Sorting is exact, so the result is the same for any thread
    count. When every value fits in int32 the copy is int32 (half the memory traffic);
    callers accumulate in int64 either way. The input is never modified.
    """
    xn = x.numpy()
    dtype = np.int32 if max_abs(x) < 1 << 31 else np.int64
    # always a fresh copy: for d == 1 (or n == 1) the transpose of a C-contiguous int64
    # input is itself contiguous and ``ascontiguousarray`` would return a view, so the
    # in-place sort below would reorder the caller's rows
    out = np.array(xn.T, dtype=dtype, order="C", copy=True)
    d = out.shape[0]
    workers = max(1, min(torch.get_num_threads(), 8))
    if workers == 1 or d < 1 << 15:
        out.sort(axis=1)
        return out
    bounds = np.linspace(0, d, 4 * workers + 1).astype(int)

    def work(k: int) -> None:
        out[bounds[k] : bounds[k + 1]].sort(axis=1)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(len(bounds) - 1)))
    return out


def rank_sums(x: torch.Tensor, lo: int, hi: int, rows: Sequence[int] | None = None) -> torch.Tensor | None:
    """Per coordinate, the sum of the values of rank ``lo .. hi - 1`` (ascending, from 0)
    among the given rows of x (all rows by default), as int64; ``None`` when the compiled
    kernel is not built (callers then sort with :func:`sorted_by_coordinate`).

    The kernel (:mod:`mechanism._native`) sorts every coordinate's values with a sorting
    network on blocks of coordinates read in place, threads over blocks; sorting is exact,
    so the sum equals ``sorted_by_coordinate(x[rows])[:, lo:hi].sum(1)`` bit for bit.
    """
    kernel = _native.select
    if kernel is None:
        return None
    xn = np.ascontiguousarray(x.numpy())
    idx = np.arange(xn.shape[0], dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    out = np.empty(xn.shape[1], dtype=np.int64)
    kernel.rank_sum(xn, xn.shape[1], idx, lo, hi, out, max(1, min(torch.get_num_threads(), 16)))
    return torch.from_numpy(out)


def floor_mean_rows(x: torch.Tensor, rows: Sequence[int], total: torch.Tensor | None = None) -> torch.Tensor:
    """floor(sum of the given rows / count), exact int64 (no copy of the selected rows).
    ``total``: ``x.sum(0)`` when already known (it is then overwritten). The row updates
    run in numpy (one thread, in place: nothing to gain from threads on a memory-bound
    pass of a few rows)."""
    chosen = set(rows)
    xn = x.numpy()
    if 2 * len(chosen) > x.shape[0]:  # cheaper: everything minus the few excluded rows
        acc = (x.sum(dim=0) if total is None else total).numpy()
        for i in range(x.shape[0]):
            if i not in chosen:
                np.subtract(acc, xn[i], out=acc)
    else:
        acc = np.zeros(x.shape[1], dtype=np.int64)
        for i in sorted(chosen):
            np.add(acc, xn[i], out=acc)
    np.floor_divide(acc, len(chosen), out=acc)
    return torch.from_numpy(acc)


# ---------------------------------------------------------------------- pure reference


def ref_sqdist(a: Sequence[int], b: Sequence[int], s: int) -> int:
    return sum(((u >> s) - (v >> s)) ** 2 for u, v in zip(a, b, strict=True))


def ref_max_abs(rows: Rows) -> int:
    return max(abs(v) for r in rows for v in r)


def ref_order_by_score(scores: Sequence[int], rows: Rows) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (scores[i], tuple(rows[i])))


def ref_floor_mean(rows: Rows, idx: Sequence[int]) -> list[int]:
    d = len(rows[0])
    return [sum(rows[i][k] for i in idx) // len(idx) for k in range(d)]
