"""A party's prover for the Krum family's game over an update file (challenger's side).

:class:`mechanism.dispute.proofs.Prover` reads whole rows of ``x`` in three places: the
content tie-break of a selection (:func:`mechanism.dispute.programs.honest_order_fn`,
``lexicographic_key``), the attaining witness of the max stage (``argmax |x|``) and the
per-chunk deltas of a disputed sum item (:func:`mechanism.dispute.trace.item_deltas`).
Here each is done block by block from the file, with the same results:

* :class:`FileOrder` -- :func:`mechanism.aggregation._intmath.order_by_score` (sort by
  score, ties by lexicographic row content) comparing two rows one block at a time;
* :class:`MaxAt` -- the first position of ``max |x|`` in row-major order (``np.argmax``
  of the in-memory prover), found during the commitment pass;
* :class:`ItemDeltas` -- a trace's per-chunk deltas of every sum item, computed on
  demand from the two rows the item reads (it stands in the trace's ``delta_overrides``,
  which :func:`~mechanism.dispute.trace.item_deltas` consults first), with a lying
  prover's forged chunk added; :meth:`FileProver.sum_tree` builds the item's sum tree
  from them block by block.

Memory: one row block (``8 * block`` bytes) per read; the sum tree of a disputed item
keeps its levels >= 2 only (:mod:`.sumtree`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import SumTree, num_chunks
from mechanism.dispute.onestep import LexWitness, StepProof
from mechanism.dispute.proofs import Prover
from mechanism.dispute.trace import OrderFn, Trace
from mechanism.outofcore.store import blocks
from mechanism.outofcore.sumtree import file_sum_tree


@dataclass(frozen=True)
class MaxAt:
    """``max |x|`` and its first position in row-major order."""

    value: int
    row: int
    col: int

    def better(self, other: MaxAt) -> MaxAt:
        return min(self, other, key=lambda m: (-m.value, m.row, m.col))


def block_max_at(vals: np.ndarray, lo: int) -> MaxAt:
    """:class:`MaxAt` of one (n, w) block whose first column is coordinate ``lo``."""
    rmax, rmin = vals.max(axis=1), vals.min(axis=1)  # per row: no block-sized temporary
    mx = max(int(rmax.max()), -int(rmin.min()))
    t = int(np.flatnonzero((rmax == mx) | (rmin == -mx))[0])  # row-major: the first row, then its first column
    return MaxAt(mx, t, lo + int(np.flatnonzero(np.abs(vals[t]) == mx)[0]))


class FileOrder:
    """``order_fn(scores, members)`` of the honest executor, rows compared block by block
    (comparisons are cached: a selection compares the same tied pairs again)."""

    def __init__(self, uf: Any, block: int) -> None:
        self.uf, self.block = uf, block
        self._cmp: dict[tuple[int, int], tuple[int, int]] = {}

    def compare(self, i: int, j: int) -> tuple[int, int]:
        """(-1 / 0 / 1, first differing coordinate or -1): row i against row j."""
        if i == j:
            return 0, -1
        key = (min(i, j), max(i, j))
        if key not in self._cmp:
            a, b = key
            got = (0, -1)
            for lo, hi in blocks(self.uf.d, self.block):
                u, v = self.uf.read_row(a, lo, hi), self.uf.read_row(b, lo, hi)
                ne = np.flatnonzero(u != v)
                if ne.size:
                    k = int(ne[0])
                    got = (-1 if u[k] < v[k] else 1, lo + k)
                    break
            self._cmp[key] = got
        sign, k = self._cmp[key]
        return (sign if i < j else -sign), k

    def key(self, members: Sequence[int]) -> Any:
        """``lexicographic_key(x, members)``: a sort key over positions p."""
        rows = list(members)
        return functools.cmp_to_key(lambda p, q: self.compare(rows[p], rows[q])[0])

    def __call__(self, scores: list[int], members: list[int]) -> list[int]:
        """:func:`mechanism.aggregation._intmath.order_by_score` over the file's rows."""
        from mechanism.aggregation._intmath import order_by_key

        return order_by_key(scores, self.key(members))


class _Rows:
    """Rows of the file restricted to coordinates ``[lo, hi)``, read on indexing."""

    def __init__(self, uf: Any, lo: int, hi: int) -> None:
        self.uf, self.lo, self.hi = uf, lo, hi

    def __getitem__(self, t: int) -> np.ndarray:
        return self.uf.read_row(int(t), self.lo, self.hi)


class ItemDeltas(dict[tuple[int, int], list[int]]):
    """A trace's per-chunk deltas of every item of its sum stages, computed block by block
    when asked for (``trace.delta_overrides``); ``forged[(s, p)] = (j, add)`` adds ``add``
    to chunk j (a lying prover's overrides, drawn as :func:`corrupted_trace` draws them).
    The stage's own ``delta`` function runs on each block with the trace's scalars, so
    the deltas are those of :func:`~mechanism.dispute.trace.item_deltas` (blocks hold
    whole chunks: :func:`mechanism.outofcore.merkle.check_block`)."""

    def __init__(self, uf: Any, block: int, forged: dict[tuple[int, int], tuple[int, int]] | None = None) -> None:
        super().__init__()
        self.uf, self.block, self.forged = uf, block, dict(forged or {})
        self.trace: Trace | None = None
        self._trees: dict[tuple[int, int], SumTree] = {}  # a party rebuilds its opponent's tree per move

    def _is_item(self, key: object) -> bool:
        if self.trace is None or not isinstance(key, tuple) or len(key) != 2:
            return False
        s, p = key
        stages = self.trace.program.stages
        return 0 <= s < len(stages) and stages[s].kind == "sum" and 0 <= p < len(stages[s].items)

    def __contains__(self, key: object) -> bool:
        return self._is_item(key)

    def __bool__(self) -> bool:
        return bool(self.forged)

    def chunk_deltas(self, s: int, p: int, c0: int, c1: int) -> np.ndarray:
        """Deltas of item p of sum stage s for chunks ``[c0, c1)``, read a block at a time."""
        tr = self.trace
        assert tr is not None
        st = tr.program.stages[s]
        assert st.delta is not None
        scal, c, d = tr.scalars_for(s), tr.chunk_size, self.uf.d
        parts = []
        for lo in range(c0 * c, min(d, c1 * c), self.block):
            hi = min(d, c1 * c, lo + self.block)
            rows: Any = _Rows(self.uf, lo, hi)  # only rows are indexed: one row block read each
            contrib = np.asarray(st.delta(scal, {"x": rows}, st.items[p]), dtype=np.int64)
            parts.append(np.add.reduceat(contrib, np.arange(0, hi - lo, c)))
        out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if (s, p) in self.forged:
            j, add = self.forged[(s, p)]
            if c0 <= j < c1:
                out[j - c0] += add
        return out

    def __missing__(self, key: tuple[int, int]) -> list[int]:
        if not self._is_item(key):
            raise KeyError(key)
        assert self.trace is not None
        return self.chunk_deltas(key[0], key[1], 0, num_chunks(self.uf.d, self.trace.chunk_size)).tolist()

    def sum_tree(self, s: int, p: int) -> SumTree:
        """The item's per-chunk sum tree, built block by block (:mod:`.sumtree`) once per
        trace (its kept levels are ``~100 d / (C k^2)`` bytes)."""
        assert self.trace is not None
        if (s, p) not in self._trees:
            c = self.trace.chunk_size
            self._trees[(s, p)] = file_sum_tree(lambda c0, c1: self.chunk_deltas(s, p, c0, c1),
                                                num_chunks(self.uf.d, c), self.trace.arity, max(1, self.block // c))
        return self._trees[(s, p)]


def with_deltas(tr: Trace, deltas: ItemDeltas) -> Trace:
    """``tr`` with ``deltas`` as its per-item deltas (bound to it)."""
    deltas.trace = tr
    tr.delta_overrides = deltas
    return tr


@dataclass
class FileProver(Prover):
    """:class:`~mechanism.dispute.proofs.Prover` over a file: ``x`` is a read-only map
    (only chunks are sliced from it); tie-breaks, lexicographic witnesses and the max
    witness come from :class:`FileOrder` and :class:`MaxAt`."""

    order: FileOrder | None = None
    max_at: MaxAt | None = None

    def order_fn(self) -> OrderFn:
        assert self.order is not None
        return self.order

    def sum_tree(self, s: int, p: int) -> SumTree:
        deltas = self.trace.delta_overrides
        if isinstance(deltas, ItemDeltas):
            return deltas.sum_tree(s, p)
        return super().sum_tree(s, p)

    def max_proof(self, s: int, j: int | None = None) -> StepProof:
        if j is None:
            assert self.max_at is not None
            j = self.max_at.col // self.trace.chunk_size
        return super().max_proof(s, j)

    def lex_witness(self, i: int, j: int) -> LexWitness:
        assert self.order is not None
        sign, k = self.order.compare(i, j)
        if sign == 0:
            return LexWitness(None, None)
        c = k // self.trace.chunk_size
        return LexWitness(self._chunk(self.x[i], self.input_trees[i], c), self._chunk(self.x[j], self.input_trees[j], c))

    def content_key(self) -> Any:
        """:meth:`Prover.content_key` over the file's rows."""
        assert self.order is not None
        return self.order.key(list(range(self.trace.program.n)))
