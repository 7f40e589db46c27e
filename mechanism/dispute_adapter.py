"""The one seam between the rollup and the dispute game (:mod:`mechanism.dispute`).

The rollup (contract and Python machine) owns money and clocks; the dispute game decides
*who is right*. This module turns a round's data into what the rollup needs:

* :func:`assert_round` -- the honest aggregate of the round and its commitments
  (input root over the trainers' update roots, output root, claimed-statistics root),
  computed by the real aggregation core through the rule's trace program;
* :func:`play_assertion_dispute` -- plays the real bisection game
  (:func:`mechanism.dispute.play`) between the proposer and one challenger and returns
  a :class:`DisputeOutcome`: the winner, whether the loser ran out of its clock, and the
  game's moves. The rollup then receives that outcome -- through the arbiter's
  ``resolve`` (the one-step verdict) or, when the game was lost on a clock, through the
  rollup's own ``timeout``;
* :func:`trainer_violation` -- the validity predicates of a trainer's update (non-finite
  encoding, shape, L2-norm bound, commitment mismatch), i.e. the one-step check of a
  trainer fraud proof.

Only this file changes when the dispute package's API changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import commit, node_hash, num_chunks, tree_depth
from mechanism.fixedpoint import MAX_ABS_INT

#: Validity predicates, numbered as in ``Rollup.vy`` (``challenge_trainer(.., predicate)``).
NON_FINITE, SHAPE, NORM, COMMITMENT = 1, 2, 3, 4


@dataclass(frozen=True)
class RoundClaim:
    """What a proposer posts for a round (honest or not) and the honest truth."""

    input_root: bytes
    output_root: bytes
    stats_root: bytes
    num_inputs: int
    output: np.ndarray
    honest_output_root: bytes

    @property
    def wrong(self) -> bool:
        return self.output_root != self.honest_output_root


@dataclass(frozen=True)
class DisputeOutcome:
    """Result of one game: ``defender_wins``; ``by_clock`` when the loser missed a clock
    (then ``stalled`` names the stalling party); ``moves`` counts the game's moves."""

    defender_wins: bool
    by_clock: bool
    stalled: str | None
    moves: int
    move_bound: int
    calldata_bytes: int
    reason: str


def rollup_depth(d: int, chunk_size: int, arity: int) -> int:
    """Bisection levels of a map stage over d coordinates: ``depth(ceil(d / C), k)``."""
    return tree_depth(num_chunks(d, chunk_size), arity)


def stats_root(output: np.ndarray) -> bytes:
    """Commitment to the claimed statistics: the aggregate's squared L2 norm and length."""
    sq = int((output.astype(object) ** 2).sum())
    return hashlib.sha256(b"orfl-stats" + sq.to_bytes(64, "big", signed=True)
                          + len(output).to_bytes(8, "big")).digest()


def assert_round(rule: str, x: np.ndarray, chunk_size: int, arity: int, lie: bool,
                 **params: Any) -> tuple[RoundClaim, object, object]:
    """Run the rule's trace program on the (n, d) int64 updates ``x``.

    Returns the claim (honest, or with a wrong output root if ``lie``), the program and
    the honest trace (for :func:`play_assertion_dispute`)."""
    from mechanism.dispute import build_program, honest_trace

    n, d = x.shape
    program = build_program(rule, n, d, **params)
    trace = honest_trace(program, x, chunk_size, arity)
    input_root = node_hash([commit(row, chunk_size, arity).root for row in x]) if n > 1 else \
        commit(x[0], chunk_size, arity).root
    honest_root = trace.roots[-1]
    out_root = hashlib.sha256(b"wrong output" + honest_root).digest() if lie else honest_root
    claim = RoundClaim(input_root, out_root, stats_root(trace.output), n, trace.output, honest_root)
    return claim, program, trace


def play_assertion_dispute(program: object, x: np.ndarray, trace: object, proposer_lies: bool,
                           rng: np.random.Generator, strategy: str | None = None,
                           clock_blocks: int = 20) -> DisputeOutcome:
    """Play the real bisection game; the liar is the proposer (wrong assertion) or the
    challenger (a frivolous challenge of a correct one)."""
    from mechanism.dispute import play

    liar = "proposer" if proposer_lies else "challenger"
    if strategy is None:
        strategy = "wrong_output" if proposer_lies else "random_step"
    res, _game = play(program, x, trace, liar, strategy, rng, clock_blocks=clock_blocks)  # type: ignore[arg-type]
    by_clock = "missed its clock" in res.reason
    stalled = None
    if by_clock:
        stalled = "defender" if res.reason.startswith("proposer") else "challenger"
    return DisputeOutcome(res.winner == "proposer", by_clock, stalled, res.moves, res.move_bound,
                          res.calldata_bytes, res.reason)


def trainer_violation(update: np.ndarray, committed_root: bytes, d: int, norm_bound: int,
                      chunk_size: int, arity: int) -> int:
    """First violated validity predicate of an int64 update (0 if valid).

    1: a coordinate outside the fixed-point range ``|q| <= 2^40 - 1`` (the encoding of a
    non-finite float); 2: length != d; 3: ``||q||_2^2 > norm_bound^2`` (exact integers);
    4: ``commit(update) != committed_root``."""
    v = np.asarray(update)
    if v.ndim != 1 or v.shape[0] != d:
        return SHAPE
    if v.dtype != np.int64 or bool(np.any(np.abs(v.astype(object)) > MAX_ABS_INT)):
        return NON_FINITE
    if int((v.astype(object) ** 2).sum()) > norm_bound * norm_bound:
        return NORM
    if commit(v, chunk_size, arity).root != committed_root:
        return COMMITMENT
    return 0
