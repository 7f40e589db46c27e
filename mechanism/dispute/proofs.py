"""Prover side of the one-step: build :class:`~.onestep.StepProof` objects from a trace.

Either party builds proofs from the data it holds (inputs are available to all,
docs/design.md, "The verification game": data availability); the verifier accepts only openings that match
the committed roots, so a proof can only ever report the truth about a step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mechanism.commitment import MerkleTree, Opening, SumTree, commit, commit_rows, commit_sums
from mechanism.dispute.onestep import ChunkOpening, ColumnWitness, LexWitness, StepProof
from mechanism.dispute.trace import OrderFn, Trace, item_deltas
from mechanism.errors import CommitmentError


@dataclass
class Prover:
    """A party's view: the inputs, their trees, and the trace it believes in."""

    x: np.ndarray
    input_trees: list[MerkleTree]
    trace: Trace

    @classmethod
    def build(cls, x: np.ndarray, trace: Trace, input_trees: list[MerkleTree] | None = None) -> Prover:
        trees = input_trees or trace.input_trees or commit_rows(x, trace.chunk_size, trace.arity)
        return cls(x, trees, trace)

    def _vector_tree(self, name: str) -> MerkleTree:
        return self.trace.trees[self.trace.program.index(name)]

    def _chunk(self, values: np.ndarray, tree: MerkleTree, j: int) -> ChunkOpening:
        c = self.trace.chunk_size
        return ChunkOpening(np.array(values[j * c : (j + 1) * c]), tree.opening(j))

    def _base(self, s: int, j: int) -> StepProof:
        prog = self.trace.program
        st = prog.stages[s]
        rows: tuple[ChunkOpening, ...] = ()
        vectors: dict[str, ChunkOpening] = {}
        col = None
        if 0 <= j * self.trace.chunk_size < prog.d:
            for name in st.reads:
                if name == "x":
                    c = self.trace.chunk_size
                    rows = tuple(ChunkOpening(np.array(self.x[t, j * c : (j + 1) * c]), Opening(j, ()))
                                 for t in range(prog.n))
                    col = self.trace.trees[prog.index("cols")].opening(j)
                else:
                    vectors[name] = self._chunk(self.trace.values[prog.index(name)], self._vector_tree(name), j)
        scalars = {name: self.trace.values[prog.index(name)] for name in st.scalars}
        return StepProof(j=j, rows=rows, vectors=vectors, scalars=scalars, col=col)

    def column_proof(self, j: int, revealed: list[bytes]) -> StepProof:
        """Open the first trainer whose true leaf j differs from the revealed one."""
        true = [t.levels[0][j] for t in self.input_trees]
        t = next((i for i, (a, b) in enumerate(zip(true, revealed, strict=True)) if a != b), 0)
        return StepProof(j=j, column=ColumnWitness(t, true[t], self.input_trees[t].opening(j)))

    def sum_tree(self, s: int, p: int) -> SumTree:
        """The per-chunk sum tree of item p of sum stage s (committed by ``reveal_item``)."""
        return commit_sums(item_deltas(self.trace, self.x, s, p), self.trace.arity)

    def map_proof(self, s: int, j: int) -> StepProof:
        return self._base(s, j)

    def sum_proof(self, s: int, j: int) -> StepProof:
        return self._base(s, j)

    def max_proof(self, s: int, j: int | None = None) -> StepProof:
        """Witness at chunk j (default: the chunk holding the largest |v|)."""
        st = self.trace.program.stages[s]
        if j is None:
            assert st.fn is not None
            prog = self.trace.program
            from mechanism.dispute.trace import sources

            absv = st.fn(self.trace.scalars_for(s), sources(prog, self.trace.values, self.x, st))
            flat = int(np.argmax(absv))
            j = (flat % prog.d) // self.trace.chunk_size
        base = self._base(s, j)
        return StepProof(j=base.j, rows=base.rows, vectors=base.vectors, scalars=base.scalars,
                         max_value=int(self.trace.values[s][0]), col=base.col)

    def lex_witness(self, i: int, j: int) -> LexWitness:
        diff = np.nonzero(self.x[i] != self.x[j])[0]
        if diff.size == 0:
            return LexWitness(None, None)
        c = int(diff[0]) // self.trace.chunk_size
        return LexWitness(self._chunk(self.x[i], self.input_trees[i], c), self._chunk(self.x[j], self.input_trees[j], c))

    def select_proof(self, s: int) -> StepProof:
        """Scalars plus a lexicographic witness for every tie the selection compares."""
        st = self.trace.program.stages[s]
        assert st.select is not None
        pairs: set[tuple[int, int]] = set()
        order = self.order_fn()

        def recording(scores: list[int], members: list[int]) -> list[int]:
            by: dict[int, list[int]] = {}
            for p, sc in enumerate(scores):
                by.setdefault(sc, []).append(members[p])
            for group in by.values():
                pairs.update((a, b) for a in group for b in group if a < b)
            return order(scores, members)

        base = self._base(s, -1)
        if st.name == "chosen":  # Bulyan: one content ranking of the tied rows
            rank = self.bulyan_rank(s)
            lex = {(min(a, b), max(a, b)): self.lex_witness(min(a, b), max(a, b))
                   for a, b in itertools.pairwise(rank)}
            return StepProof(j=-1, scalars=base.scalars, lex=lex, rank=rank)
        if st.lex:
            st.select(self.trace.scalars_for(s), recording)
        lex = {p: self.lex_witness(*p) for p in sorted(pairs)}
        return StepProof(j=-1, scalars=base.scalars, lex=lex)

    def bulyan_rank(self, s: int) -> tuple[int, ...]:
        """The rows tied at the least score in some round of Bulyan's selection, in
        increasing content order (identical rows by index)."""
        from mechanism.aggregation.krum import krum_scores
        from mechanism.dispute.programs import dist_matrix

        prog = self.trace.program
        n, f = prog.n, int(prog.params.get("f", 1))
        dm = dist_matrix(self.trace.scalars_for(s)["dist"], n)
        order_fn = self.order_fn()
        remaining, tied = list(range(n)), set()
        for _ in range(n - 2 * f):
            scores = krum_scores(dm, remaining, f)
            low = min(scores)
            group = [remaining[p] for p, sc in enumerate(scores) if sc == low]
            if len(group) > 1:
                tied.update(group)
            remaining.pop(order_fn(scores, remaining)[0])
        return tuple(sorted(sorted(tied), key=self.content_key()))

    def order_fn(self) -> OrderFn:
        """The selection's tie-break: by score, ties by row content."""
        from mechanism.dispute.programs import honest_order_fn

        return honest_order_fn(self.x)

    def content_key(self) -> Any:
        """A sort key over all rows by content (lexicographic; a file-backed prover compares
        the rows block by block instead)."""
        import torch

        from mechanism.aggregation._intmath import lexicographic_key

        return lexicographic_key(torch.from_numpy(np.ascontiguousarray(self.x)))


def tamper(proof: StepProof) -> StepProof:
    """A forged proof: one input value changed (the verifier must reject it)."""
    if proof.rows:
        co = proof.rows[0]
        vals = co.values.copy()
        vals[0] += 1
        return replace(proof, rows=(ChunkOpening(vals, co.opening), *proof.rows[1:]))
    if proof.column is not None:
        w = proof.column
        return replace(proof, column=ColumnWitness(w.t, bytes(32 - len(w.leaf)) + w.leaf[::-1], w.opening))
    if proof.scalars:
        name = next(iter(proof.scalars))
        sc = dict(proof.scalars)
        sc[name] = np.asarray(sc[name]).copy() + 1
        return replace(proof, scalars=sc)
    if proof.max_value is not None:
        return replace(proof, max_value=proof.max_value + 1)
    raise CommitmentError("nothing to tamper with in this proof")


def recommit(values: np.ndarray, chunk_size: int, arity: int) -> bytes:
    return commit(values, chunk_size, arity).root
