"""The dispute game's clocks under the threat model (docs/economics.md, 'Threat model: clocks').

The honest side makes n moves; each must land within its clock, under the same threats
as the challenge: weak censorship delays every move (Y_i, the block in which move i lands,
``P(Y > y) = P(miss y)`` of :mod:`.censorship`, the attacker timing each window), and one
episode E (:mod:`.episodes`: strong censorship, stuffing, an outage, a common-mode watcher
outage) hits the move the attacker picks. With ``r`` blocks of honest computation per move:

* **Per-move clocks** c (this protocol, docs/protocol.md 'Who decides'): the honest side
  loses iff some move misses its clock,

      P_loss <= 1 - (1 - P(miss c - r))^(n-1) + min_x [P(miss x) + P(E > c - r - x)]

  and the game ends within ``2 n c`` blocks (:func:`mechanism.economics.period.dispute_blocks` adds one clock for the verdict).
  An episode longer than c loses the game: every clock must outlast the longest episode.
* **Chess clock** C per party (BoLD's cumulative unrivaled time, arXiv 2404.10491 §3;
  the OP Stack's ``MAX_CLOCK_DURATION``, specs.optimism.io 'Fault Dispute Game'): the
  honest side loses iff its total time exceeds C,

      P_loss <= min_x [P(Y_1 + ... + Y_n > x) + P(E > C - n r - x)]

  (the sum's law is the n-fold convolution of Y's), and the game ends within ``2 C``.
  The episode is paid once per game, not once per move, which is why a chess clock's
  bound is about ``2 (R + n y)`` against the per-move clocks' ``2 n (R + y)``.

Contents: :class:`GameClocks`, :func:`loss_per_move`, :func:`loss_chess`,
:func:`least_clock`, :func:`game_bound_blocks`, :func:`game_clocks`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechanism.economics.threats.censorship import (
    miss_probability,
    move_delay_pmf,
    weak_window_blocks,
)
from mechanism.economics.threats.episodes import Episodes
from mechanism.economics.threats.model import ThreatModel
from mechanism.errors import ParameterError

__all__ = ["CLOCK_KINDS", "GameClocks", "game_bound_blocks", "game_clocks", "least_clock", "loss_chess",
           "loss_per_move", "weak_miss", "weak_sum_survival"]

CLOCK_KINDS = ("per_move", "chess")
#: Largest clock searched, blocks (about 38 years): beyond it a clock is "unreachable".
MAX_SEARCH_BLOCKS = 100_000_000


def weak_miss(model: ThreatModel, x: Any) -> NDArray[np.float64]:
    """``P(miss x)`` of the model's weak censorship, attacker-timed if the model says so."""
    return miss_probability(x, model.censor_fraction, model.censor_burst_blocks, timed=model.attacker_timed,
                            inclusion_lists=model.inclusion_lists, committee=model.inclusion_list_committee)


def _min_over_split(model: ThreatModel, ep: Episodes, budget: int, sf_x: NDArray[np.float64] | None = None) -> float:
    """``min_{0 <= x <= budget} [S_w(x) + P(E > budget - x)]`` with ``S_w`` the weak
    survival (one move, or the n-move sum when ``sf_x`` is given)."""
    if budget < 0:
        return 1.0
    x = np.arange(0, budget + 1, dtype=float)
    if sf_x is None:
        sw = weak_miss(model, x)
    else:  # beyond the convolution's support only the dropped tail mass remains
        sw = sf_x[np.minimum(x.astype(np.int64), len(sf_x) - 1)]
    return float(min(1.0, np.min(sw + ep.survival(budget - x))))


def loss_per_move(model: ThreatModel, ep: Episodes, clock_blocks: int, moves: int, response_blocks: int = 0) -> float:
    """Union bound on P(the honest side misses some per-move clock) (module docstring)."""
    _check(clock_blocks, moves, response_blocks)
    avail = clock_blocks - response_blocks
    others = 1.0 - (1.0 - float(weak_miss(model, avail))) ** (moves - 1)
    return float(min(1.0, others + _min_over_split(model, ep, avail)))


def weak_sum_survival(model: ThreatModel, moves: int, tail: float = 1e-16) -> NDArray[np.float64]:
    """``P(Y_1 + ... + Y_n > x)`` for x = 0, 1, ..., by n-fold convolution of Y's pmf
    truncated where ``P(miss) <= tail`` (the dropped mass counts as 'more than x')."""
    n_max = min(weak_window_blocks(tail, model.censor_fraction, model.censor_burst_blocks, timed=model.attacker_timed,
                                   inclusion_lists=model.inclusion_lists, committee=model.inclusion_list_committee),
                MAX_SEARCH_BLOCKS)
    pmf = move_delay_pmf(n_max, model.censor_fraction, model.censor_burst_blocks, timed=model.attacker_timed,
                         inclusion_lists=model.inclusion_lists, committee=model.inclusion_list_committee)
    total = np.array([1.0])
    for _ in range(moves):
        total = np.convolve(total, pmf)
    return np.asarray(np.maximum(1.0 - np.cumsum(total), 0.0), dtype=float)


def loss_chess(model: ThreatModel, ep: Episodes, clock_blocks: int, moves: int, response_blocks: int = 0,
               sum_sf: NDArray[np.float64] | None = None) -> float:
    """Union bound on P(the honest side's cumulative time exceeds its chess clock)."""
    _check(clock_blocks, moves, response_blocks)
    sf = weak_sum_survival(model, moves) if sum_sf is None else sum_sf
    return _min_over_split(model, ep, clock_blocks - moves * response_blocks, sf)


def game_bound_blocks(kind: str, clock_blocks: float, moves: int) -> float:
    """Longest game: ``2 n c`` with per-move clocks, ``2 C`` with a chess clock per party."""
    if kind not in CLOCK_KINDS:
        raise ParameterError.bad("clock_kind", kind, f"one of {CLOCK_KINDS}")
    return 2.0 * moves * clock_blocks if kind == "per_move" else 2.0 * clock_blocks


def least_clock(model: ThreatModel, ep: Episodes, eps: float, moves: int, kind: str,
                response_blocks: int = 0) -> float:
    """Least clock (blocks) with honest loss probability <= eps; ``inf`` if none up to
    :data:`MAX_SEARCH_BLOCKS` (e.g. an unbounded social response)."""
    if kind not in CLOCK_KINDS:
        raise ParameterError.bad("clock_kind", kind, f"one of {CLOCK_KINDS}")
    if not 0.0 < eps < 1.0:
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")
    if not all(math.isfinite(v) for v in (ep.strong_blocks, ep.stuffing_blocks, ep.outage_mean_blocks,
                                           ep.common_mean_blocks)):
        return math.inf  # an unbounded episode outlasts every clock
    sf = weak_sum_survival(model, moves) if kind == "chess" else None

    def loss(c: int) -> float:
        return loss_per_move(model, ep, c, moves, response_blocks) if kind == "per_move" \
            else loss_chess(model, ep, c, moves, response_blocks, sf)

    lo = moves * response_blocks + 1 if kind == "chess" else response_blocks + 1
    if loss(lo) <= eps:
        return float(lo)
    hi = max(lo + 1, int(min(max(ep.strong_blocks, ep.stuffing_blocks), MAX_SEARCH_BLOCKS)) + 2)
    while loss(hi) > eps:
        if hi >= MAX_SEARCH_BLOCKS:
            return math.inf
        lo, hi = hi, min(2 * hi, MAX_SEARCH_BLOCKS)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if loss(mid) > eps else (lo, mid)
    return float(hi)


@dataclass(frozen=True)
class GameClocks:
    """The dispute game's clocks and what they guarantee.

    ``clock_blocks`` is the per-move clock c (``kind = "per_move"``) or each party's chess
    clock C (``"chess"``); ``honest_loss_probability`` the bound at that clock;
    ``game_bound_blocks`` the longest game. ``per_move_*`` and ``chess_*`` give the least
    safe clock of each kind and its game bound, for comparison.
    """

    kind: str
    moves_per_side: int
    clock_blocks: int
    honest_loss_probability: float
    game_bound_blocks: int
    eps: float
    per_move_clock_blocks: float
    per_move_bound_blocks: float
    chess_clock_blocks: float
    chess_bound_blocks: float
    lengthened: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def game_clocks(model: ThreatModel, ep: Episodes, eps: float, moves: int, kind: str, clock_blocks: int,
                response_blocks: int = 0, lengthened: bool = False) -> GameClocks:
    """Evaluate ``clock_blocks`` of ``kind`` and the least safe clock of both kinds."""
    pm = least_clock(model, ep, eps, moves, "per_move", response_blocks)
    ch = least_clock(model, ep, eps, moves, "chess", response_blocks)
    loss = loss_per_move(model, ep, clock_blocks, moves, response_blocks) if kind == "per_move" \
        else loss_chess(model, ep, clock_blocks, moves, response_blocks)
    return GameClocks(kind=kind, moves_per_side=moves, clock_blocks=int(clock_blocks), honest_loss_probability=loss,
                      game_bound_blocks=int(game_bound_blocks(kind, clock_blocks, moves)), eps=eps,
                      per_move_clock_blocks=pm, per_move_bound_blocks=game_bound_blocks("per_move", pm, moves),
                      chess_clock_blocks=ch, chess_bound_blocks=game_bound_blocks("chess", ch, moves),
                      lengthened=lengthened)


def _check(clock_blocks: int, moves: int, response_blocks: int) -> None:
    if moves < 1:
        raise ParameterError.bad("moves_per_side", moves, "an integer >= 1")
    if clock_blocks < 1:
        raise ParameterError.bad("clock_blocks", clock_blocks, "an integer >= 1")
    if response_blocks < 0:
        raise ParameterError.bad("response_blocks", response_blocks, "an integer >= 0")
