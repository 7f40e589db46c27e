"""The aggregation dispute over salted (hiding) leaves (docs/privacy.md, "Hiding leaves").

The game of :mod:`mechanism.dispute.game` is unchanged except where it reads a trainer's
values: the trainers' trees are :mod:`mechanism.privacy.hiding` trees, the column stage
(``cols``) is built over their salted leaf hashes, and every opened input chunk carries
its salt (:class:`SaltedChunkOpening`), so the one-step rehashes
``sha256(0x09 || j || salt || chunk)`` for each trainer before the column leaf. Bisection
moves carry only hashes; the column one-step opens a trainer's salted leaf *hash*, no
values. So a dispute reveals exactly the opened chunk j of every trainer with its salt.

Rules whose selections break ties by lexicographic row content (Krum, multi-Krum,
Bulyan) are not supported: their witnesses prove an equal prefix from equal left siblings
of two trainers' Merkle paths (:func:`mechanism.dispute.onestep.verify_lex`), which
per-trainer salts make unequal; a hiding variant would have to open the whole common
prefix. :func:`check_rule` rejects them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.dispute import onestep
from mechanism.dispute.game import DisputeGame
from mechanism.dispute.onestep import ChunkOpening, StepProof, VerifierContext
from mechanism.dispute.proofs import Prover
from mechanism.dispute.strategies import (
    GameResult,
    corrupted_trace,
    run_dispute,
)
from mechanism.dispute.trace import Program, Trace, execute
from mechanism.errors import CommitmentError, ParameterError
from mechanism.privacy.hiding import SALT_BYTES, HidingCommitment, salted_leaf

#: Rules the hiding game supports (every rule with a trace program and no lexicographic
#: tie-break witnesses).
HIDING_RULES = ("mean", "median", "trimmed_mean", "geometric_median", "centered_clipping")


@dataclass(frozen=True)
class SaltedChunkOpening(ChunkOpening):
    """Chunk j of one trainer's update with its salt (opened under the column leaf)."""

    salt: bytes = b""


def check_rule(program: Program) -> None:
    """Reject programs with lexicographic tie-breaks (module docstring)."""
    if any(st.lex for st in program.stages):
        raise ParameterError.bad("rule", program.rule, f"a rule without lexicographic tie-breaks: {', '.join(HIDING_RULES)}")


def salted_calldata_bytes(proof: StepProof) -> int:
    """Calldata of a proof: :meth:`StepProof.calldata_bytes` plus 32 bytes per salt."""
    return proof.calldata_bytes() + SALT_BYTES * sum(isinstance(co, SaltedChunkOpening) for co in proof.rows)


def _salted_rows(ctx: VerifierContext, proof: StepProof, j: int, width: int) -> np.ndarray:
    """The opened input chunks j with their salts, checked against the column root of salted leaves."""
    def salts(p: StepProof) -> None:
        if any(not isinstance(co, SaltedChunkOpening) or len(co.salt) != SALT_BYTES for co in p.rows):
            raise CommitmentError(f"every input chunk needs its {SALT_BYTES}-byte salt")

    return onestep.opened_rows(ctx, proof, j, width, lambda co: salted_leaf(j, co.salt, co.values), salts,
                               "salted input chunks")


def map_step(ctx: VerifierContext, s: int, claimed: bytes, proof: StepProof) -> bool:
    """:func:`mechanism.dispute.onestep.map_step` over salted inputs."""
    return onestep.map_step(ctx, s, claimed, proof, _salted_rows)


@dataclass
class HidingDisputeGame(DisputeGame):
    """:class:`~mechanism.dispute.game.DisputeGame` whose one-steps check salted openings
    and whose proofs carry the salts."""

    def _rows(self, ctx: VerifierContext, proof: StepProof, j: int, width: int) -> np.ndarray:
        return _salted_rows(ctx, proof, j, width)

    def _calldata(self, proof: StepProof) -> int:
        return salted_calldata_bytes(proof)


@dataclass
class HidingProver(Prover):
    """A party's view with the trainers' salts: opened input chunks carry their salts."""

    commitments: tuple[HidingCommitment, ...] = ()

    def _base(self, s: int, j: int) -> StepProof:
        base = super()._base(s, j)
        if not base.rows:
            return base
        rows = tuple(SaltedChunkOpening(co.values, co.opening, self.commitments[t].salt(j))
                     for t, co in enumerate(base.rows))
        return dataclasses.replace(base, rows=rows)

    def lex_witness(self, i: int, j: int) -> Any:
        raise ParameterError.bad("rule", self.trace.program.rule, "a rule without lexicographic tie-breaks")


def hiding_trace(program: Program, x: np.ndarray, commitments: list[HidingCommitment]) -> Trace:
    """The honest trace with the column stage over the salted trees."""
    from mechanism.dispute.programs import honest_order_fn

    check_rule(program)
    t0 = commitments[0].tree
    return execute(program, x, honest_order_fn(x), t0.chunk_size, t0.arity,
                   input_trees=[c.tree for c in commitments])


def play_hiding(program: Program, x: np.ndarray, commitments: list[HidingCommitment], liar: str,
                strategy: str | None, rng: np.random.Generator, honest: Trace | None = None,
                clock_blocks: int = 20) -> tuple[GameResult, HidingDisputeGame | None]:
    """:func:`mechanism.dispute.strategies.play` over salted leaves (same strategies)."""
    honest = honest or hiding_trace(program, x, commitments)
    cms = tuple(commitments)
    trees = [c.tree for c in cms]
    hp = HidingProver(x, trees, honest, cms)
    return run_dispute(program, honest, hp, liar, strategy, rng, lambda lie: HidingProver(x, trees, lie, cms),
                       lambda s: corrupted_trace(hp, rng, s)[0], HidingDisputeGame, clock_blocks)


# --------------------------------------------------------------------------- disclosure


@dataclass(frozen=True)
class OpenedChunk:
    """One trainer's chunk a submitted proof opened: values and salt."""

    trainer: int
    j: int
    values: tuple[int, ...]
    salt: bytes  # b"" for a row a (rejected) proof sent without its salt
    accepted: bool  # the move carrying it was accepted (a reverted one is public too)


@dataclass(frozen=True)
class Revealed:
    """Everything the moves of a game put in calldata (accepted or reverted: a reverted
    transaction's calldata is public too): the opened chunks, counted from the proofs,
    and every byte string the moves carried (hashes, salts, encoded values)."""

    chunks: tuple[OpenedChunk, ...]
    blob: bytes

    def values_of(self, trainer: int) -> int:
        return sum(len(c.values) for c in self.chunks if c.trainer == trainer)

    def contains(self, data: bytes) -> bool:
        return data in self.blob


def _walk(obj: Any, out: list[bytes], chunks: list[OpenedChunk], accepted: bool) -> None:
    if isinstance(obj, (bytes, bytearray)):
        out.append(bytes(obj))
    elif isinstance(obj, np.ndarray):
        out.append(np.ascontiguousarray(obj, dtype="<i8").tobytes())
    elif isinstance(obj, StepProof):
        for t, co in enumerate(obj.rows):  # input chunks: trainer t's values, salted or not
            chunks.append(OpenedChunk(t, obj.j, tuple(int(v) for v in co.values),
                                      co.salt if isinstance(co, SaltedChunkOpening) else b"", accepted))
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name), out, chunks, accepted)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name), out, chunks, accepted)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _walk(k, out, chunks, accepted)
            _walk(v, out, chunks, accepted)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            _walk(v, out, chunks, accepted)
    elif isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
        out.append(int(obj).to_bytes(32, "big", signed=True))


def revealed(game: DisputeGame) -> Revealed:
    """What the moves of ``game`` made public (:class:`Revealed`)."""
    out: list[bytes] = []
    chunks: list[OpenedChunk] = []
    for _name, args, accepted, _block in game.attempts:
        _walk(args, out, chunks, accepted)
    uniq = tuple(dict.fromkeys(chunks))
    return Revealed(uniq, b"|".join(out))


__all__ = ["HIDING_RULES", "HidingDisputeGame", "HidingProver", "OpenedChunk", "Revealed", "SaltedChunkOpening",
           "check_rule", "hiding_trace", "play_hiding", "revealed", "salted_calldata_bytes"]
