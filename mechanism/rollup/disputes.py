"""The one seam between the rollup and the dispute game (:mod:`mechanism.dispute`).

The rollup (contract and Python machine) owns money and clocks; the dispute game decides
*who is right*. This module turns a round's data into what the rollup needs:

* :func:`assert_round` -- the honest aggregate of the round and its commitments
  (input root over the trainers' update roots, output root, and in the assertion's
  ``stats_root`` slot the claimed column root -- stage 0 of the trace, which
  ``Arbiter.open_game`` requires the game to be opened with),
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

#: Validity predicates, numbered as in ``Rollup.vy`` (``challenge_trainer(.., predicate)``).
NON_FINITE, SHAPE, NORM, COMMITMENT = 1, 2, 3, 4


@dataclass(frozen=True)
class RoundClaim:
    """What a proposer posts for a round (honest or not) and the honest truth."""

    input_root: bytes
    output_root: bytes
    stats_root: bytes  # the claimed column root (stage 0), checked when the game opens
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


def assert_round(rule: str, x: np.ndarray, chunk_size: int, arity: int, lie: bool,
                 **params: Any) -> tuple[RoundClaim, object, object]:
    """Run the rule's trace program on the (n, d) int64 updates ``x``.

    Returns the claim (honest, or with a wrong output root if ``lie``), the program and
    the honest trace (for :func:`play_assertion_dispute`)."""
    from mechanism.dispute import build_program, honest_trace

    n, d = x.shape
    program = build_program(rule, n, d, **params)
    trace = honest_trace(program, x, chunk_size, arity)
    input_root = node_hash(input_roots(trace))
    honest_root = trace.roots[-1]
    out_root = hashlib.sha256(b"wrong output" + honest_root).digest() if lie else honest_root
    claim = RoundClaim(input_root, out_root, trace.roots[0], n, trace.output, honest_root)
    return claim, program, trace


def input_roots(trace: Any) -> list[bytes]:
    """The trainers' update roots (the leaves of the assertion's input root)."""
    return [t.root for t in trace.input_trees]


def lying_trace(program: Any, x: np.ndarray, honest: Any, rng: np.random.Generator) -> Any:
    """A *consistent* lie of a fraudulent proposer: one value of the final (output) stage
    is off by a random delta and every commitment is computed from the lie, so the lie
    survives the whole bisection and only the one-step verifier exposes it."""
    from mechanism.dispute.proofs import Prover
    from mechanism.dispute.strategies import LIE_DELTAS
    from mechanism.dispute.trace import execute

    hp = Prover.build(x, honest)
    last = len(program.stages) - 1
    delta = int(rng.choice(LIE_DELTAS))

    def corrupt(i: int, v: np.ndarray) -> np.ndarray:
        if i != last:
            return v
        v = v.copy()
        v[int(rng.integers(len(v)))] += delta
        return v

    return execute(program, x, hp.order_fn(), honest.chunk_size, honest.arity, corrupt, input_trees=hp.input_trees)


def assert_round_with(rule: str, x: np.ndarray, chunk_size: int, arity: int, lie: bool,
                      rng: np.random.Generator, **params: Any) -> tuple[RoundClaim, Any, Any, Any]:
    """Like :func:`assert_round`, but a lie is a consistent wrong trace
    (:func:`lying_trace`); returns (claim, program, honest trace, claimed trace)."""
    claim, program, honest = assert_round(rule, x, chunk_size, arity, False, **params)
    if not lie:
        return claim, program, honest, honest
    claimed = lying_trace(program, x, honest, rng)
    wrong = RoundClaim(claim.input_root, claimed.roots[-1], claimed.roots[0], claim.num_inputs,
                       claimed.output, claim.honest_output_root)
    return wrong, program, honest, claimed


def game_parties(x: np.ndarray, honest: Any, claimed: Any, rng: np.random.Generator,
                 challenger_strategy: str | None = None) -> tuple[Any, Any]:
    """The two players of an assertion game: the proposer believes ``claimed`` (a liar
    still knows the truth), the challenger plays honestly or ``challenger_strategy``."""
    from mechanism.dispute.game import CHALLENGER, PROPOSER
    from mechanism.dispute.proofs import Prover
    from mechanism.dispute.strategies import Party

    hp = Prover.build(x, honest)
    if claimed is honest:
        prop = Party(PROPOSER, hp, rng)
    else:
        prop = Party(PROPOSER, Prover(x, hp.input_trees, claimed), rng, "random_step", hp)
    chal = Party(CHALLENGER, hp, rng, challenger_strategy, hp if challenger_strategy else None)
    return prop, chal


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
    """First violated validity predicate of an int64 update (0 if valid), by the rules of
    :mod:`mechanism.rollup.predicates` (the ones ``TrainerValidity.vy`` checks on chain).

    2: length != d; 1: a coordinate outside the fixed-point range ``|q| <= 2^40 - 1`` (the
    encoding of a non-finite float); 3: ``isqrt(S) << s > norm_bound`` with
    ``S = sum (q >> s)^2``, ``s = rescale_shift(norm_bound, d)``;
    4: ``commit(update) != committed_root``."""
    from mechanism.rollup.predicates import ValidityConfig, violations

    v = np.asarray(update)
    if v.ndim != 1 or v.shape[0] != d:
        return SHAPE
    if v.dtype != np.int64:
        return NON_FINITE
    bad = violations(v, v, ValidityConfig(d, chunk_size, arity, norm_bound))
    for pred in (NON_FINITE, NORM):
        if pred in bad:
            return pred
    if commit(v, chunk_size, arity).root != committed_root:
        return COMMITMENT
    return 0


def play_claim(x: np.ndarray, honest: Any, claimed: Any, rng: np.random.Generator,
               challenger_strategy: str | None = None, clock_blocks: int = 20) -> DisputeOutcome:
    """Play the real bisection game on a posted claim: the proposer defends ``claimed``
    (the honest trace, or a :func:`lying_trace`), the challenger disputes honestly or,
    griefing an honest claim, with ``challenger_strategy``. Moves alternate one block
    apart; a party with no accepted move loses on its clock."""
    from mechanism.dispute.game import PROPOSER, DisputeGame
    from mechanism.dispute.onestep import VerifierContext
    from mechanism.dispute.strategies import move_bound, play_out

    prop, chal = game_parties(x, honest, claimed, rng, challenger_strategy)
    ctx = VerifierContext(honest.program, tuple(input_roots(honest)), tuple(claimed.roots), honest.chunk_size,
                          honest.arity)
    g = DisputeGame(ctx, clock_blocks=clock_blocks)
    play_out(g, prop, chal)
    by_clock = "missed its clock" in g.reason
    stalled = None if not by_clock else ("defender" if g.reason.startswith("proposer") else "challenger")
    return DisputeOutcome(g.winner == PROPOSER, by_clock, stalled, len(g.moves), move_bound(honest.program, honest),
                          sum(m.calldata_bytes for m in g.moves), g.reason)
