"""The challenge period under the threat model, and the check of the game's clocks
(docs/economics.md, 'Threat model: the period').

A fraud finalises if no watcher can act, if the challenge does not land within the
window, or if the honest side loses the game by timeout. By the union bound

    P(fraud) <= (1 - a)^m + P_land(W) + P_game(clocks) <= eps

with ``P_land(W) = min_x [P(miss x) + P(E > W - x)]`` (weak censorship after the
episode E of :mod:`.episodes`; the honest challenge lands at ``E + Y``) and ``P_game``
of :mod:`.clocks`. The game's clocks get ``game_share`` of what the floor leaves, the
landing window the rest. Two structures:

* ``"landing"`` (this protocol, docs/protocol.md 'Safety and liveness properties' 7): the
  period must hold the challenge only, ``T = t_detect + W + t_buffer``; the game runs
  after it within its verdict clock, so an assertion is final or reverted by ``T + V``.
* ``"honest_clock"`` (BoLD, OP Stack): the period is the honest party's cumulative clock
  over its challenge and every move, ``T = t_detect + C + t_buffer`` with C the least
  chess clock for n + 1 honest moves (the OP Stack's ``t_buffer`` is its 3.5-day airgap).

Each threat's own component is the least window it alone needs at the landing's share of
eps; the **binding threat** is the largest. :func:`threat_period` raises
:class:`~mechanism.errors.InfeasibleError` naming the threat and by how much when eps
cannot be reached; :func:`safe_game_clocks` returns clocks long enough for every honest
move or raises naming the dispute clocks.

Contents: :class:`ThreatPeriod`, :func:`threat_period`, :func:`safe_game_clocks`,
:func:`landing_bound`, :func:`least_window`, :func:`threat_components`, :func:`availability_floor`
(shared with :mod:`.trainer_window`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mechanism.economics.period import PeriodBreakdown
from mechanism.economics.threats.availability import no_watcher_probability
from mechanism.economics.threats.censorship import weak_window_blocks
from mechanism.economics.threats.clocks import (
    CLOCK_KINDS,
    MAX_SEARCH_BLOCKS,
    GameClocks,
    game_clocks,
    least_clock,
    loss_chess,
    loss_per_move,
    weak_miss,
)
from mechanism.economics.threats.episodes import Episodes, episodes_of
from mechanism.economics.threats.liveness import wall_clock_hours
from mechanism.economics.threats.model import ThreatModel
from mechanism.errors import InfeasibleError, ParameterError
from mechanism.units import DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_GAS_PRICE_GWEI, blocks_to_days

__all__ = ["STRUCTURES", "THREATS", "ThreatPeriod", "availability_floor", "landing_bound", "least_window",
           "safe_game_clocks", "threat_components", "threat_period"]

STRUCTURES = ("landing", "honest_clock")
#: The threats a component is computed for, in report order.
THREATS = ("weak_censorship", "strong_censorship", "stuffing", "l1_outage", "watcher_common_mode")


def landing_bound(model: ThreatModel, ep: Episodes, window_blocks: int) -> float:
    """``min_{0<=x<=W} [P(miss x) + P(E > W - x)]``: the challenge has not landed in W blocks."""
    if window_blocks < 1:
        return 1.0
    x = np.arange(0, window_blocks + 1, dtype=float)
    return float(min(1.0, np.min(weak_miss(model, x) + ep.survival(window_blocks - x))))


def least_window(model: ThreatModel, ep: Episodes, eps: float, limit: float = MAX_SEARCH_BLOCKS) -> float:
    """Least W with ``landing_bound(W) <= eps`` (``inf`` beyond ``limit`` blocks, at most
    ``MAX_SEARCH_BLOCKS``, or when an episode is unbounded)."""
    top = int(min(limit, MAX_SEARCH_BLOCKS))
    if math.isinf(ep.strong_blocks) or math.isinf(ep.stuffing_blocks):
        return math.inf
    lo, hi = 0, min(2, max(top, 1))
    while landing_bound(model, ep, hi) > eps:
        if hi >= top:
            return math.inf
        lo, hi = hi, min(2 * hi, top)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if landing_bound(model, ep, mid) > eps else (lo, mid)
    return float(hi)


def threat_components(model: ThreatModel, ep: Episodes, eps: float) -> dict[str, float]:
    """The landing window each threat alone needs at risk eps (the largest binds)."""
    weak = float(weak_window_blocks(eps, model.censor_fraction, model.censor_burst_blocks, timed=model.attacker_timed,
                                    inclusion_lists=model.inclusion_lists, committee=model.inclusion_list_committee))
    return {"weak_censorship": weak, **ep.standalone_blocks(eps)}


def _days(blocks: float, model: ThreatModel) -> str:
    return "inf" if math.isinf(blocks) else f"{blocks * model.seconds_per_block / 86400.0:.2f} d"


@dataclass(frozen=True)
class ThreatPeriod:
    """The least challenge period under a threat model (blocks unless stated).

    ``period_blocks = detect_blocks + window_blocks + buffer_blocks``; ``components_blocks``
    gives the window each threat alone needs, ``binding_threat`` the largest;
    ``fraud_probability`` the achieved union bound (availability floor + landing + game).
    """

    period_blocks: int
    detect_blocks: int
    window_blocks: int
    buffer_blocks: int
    components_blocks: dict[str, float]
    binding_threat: str
    fraud_probability: float
    eps: float
    availability_floor: float
    landing_probability: float
    game: GameClocks
    confirmation_bound_blocks: int
    structure: str
    wall_clock_hours: float
    model: ThreatModel = field(repr=False)

    @property
    def period_days(self) -> float:
        return float(blocks_to_days(self.period_blocks))

    def breakdown(self) -> PeriodBreakdown:
        """As the design's :class:`~mechanism.economics.period.PeriodBreakdown`: the window is
        the censorship term; the game runs after the period ("landing") so its term is 0."""
        inside = self.game.game_bound_blocks if self.structure == "honest_clock" else 0
        return PeriodBreakdown(self.detect_blocks, 0, self.window_blocks - inside if inside else self.window_blocks,
                               self.buffer_blocks)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("model")
        d["threat_model"] = self.model.provenance()
        d["period_days"] = self.period_days
        return d


def _eps_ok(eps: float) -> None:
    if not 0.0 < eps < 1.0:
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")


def availability_floor(model: ThreatModel, eps: float) -> float:
    """``(1 - a)^m``, raising :class:`InfeasibleError` (naming availability) when it is >= eps."""
    floor = no_watcher_probability(model.watchers, model.watcher_online_prob)
    if floor >= eps:
        raise InfeasibleError(
            f"threat availability: P(no watcher online) = (1 - {model.watcher_online_prob:g})^{model.watchers} = "
            f"{floor:.3g} >= eps = {eps:.3g} (by a factor {floor / eps:.3g}); no period helps: add watchers or "
            "raise watcher_online_prob")
    return floor


def safe_game_clocks(model: ThreatModel, eps: float, moves_per_side: int, *, kind: str = "per_move",
                     move_clock_blocks: int | None = None, lengthen: bool = True, max_clock_blocks: float = math.inf,
                     response_blocks: int = 0, gain_eth: float = 0.0, base_fee_gwei: float = DEFAULT_GAS_PRICE_GWEI,
                     gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT, episodes: Episodes | None = None) -> GameClocks:
    """Clocks with P(honest side loses a move by timeout) <= eps under ``model``.

    With ``move_clock_blocks`` given, it is kept if safe; otherwise it is lengthened to the
    least safe clock (``lengthen``) or :class:`InfeasibleError` names the dispute clocks.
    Also raises, naming the dispute clocks, when the least safe clock exceeds
    ``max_clock_blocks`` or does not exist (e.g. strong censorship without a social response).
    Example: q = 0.99, independent, stationary start, 5 moves: a 300-block clock loses a
    move with 1 - (1 - 0.99^300)^5 = 22 %.
    """
    _eps_ok(eps)
    if kind not in CLOCK_KINDS:
        raise ParameterError.bad("clock_kind", kind, f"one of {CLOCK_KINDS}")
    ep = episodes if episodes is not None else episodes_of(model, gain_eth, base_fee_gwei, gas_limit)
    need = least_clock(model, ep, eps, moves_per_side, kind, response_blocks)
    label = "move clock" if kind == "per_move" else "chess clock"
    if math.isinf(need):
        raise InfeasibleError(f"dispute clocks: no {label} keeps P(honest loses by timeout) <= {eps:.3g} "
                              f"(an unbounded episode: strong_censorship={model.strong_censorship}, "
                              f"social_response_hours={model.social_response_hours:g})")
    clock = need
    if move_clock_blocks is not None:
        loss = loss_per_move(model, ep, move_clock_blocks, moves_per_side, response_blocks) if kind == "per_move" \
            else loss_chess(model, ep, move_clock_blocks, moves_per_side, response_blocks)
        if loss <= eps:
            clock = float(move_clock_blocks)
        elif not lengthen:
            raise InfeasibleError(
                f"dispute clocks: {label} of {move_clock_blocks} blocks loses the game by timeout with probability "
                f"{loss:.3g} over {moves_per_side} honest moves > eps = {eps:.3g}; needs >= {int(need)} blocks "
                f"({_days(need, model)})")
    if clock > max_clock_blocks:
        raise InfeasibleError(
            f"dispute clocks: the {label} needs {int(clock)} blocks ({_days(clock, model)}) > max {max_clock_blocks:g} "
            f"blocks to keep P(honest loses by timeout) <= {eps:.3g}")
    return game_clocks(model, ep, eps, moves_per_side, kind, int(clock), response_blocks,
                       lengthened=move_clock_blocks is not None and clock > move_clock_blocks)


def threat_period(model: ThreatModel, eps: float, *, detect_blocks: int, buffer_blocks: int = 0,
                  moves_per_side: int = 1, clock_kind: str = "per_move", move_clock_blocks: int | None = None,
                  lengthen_clocks: bool = True, response_blocks: int = 0, gain_eth: float = 0.0,
                  base_fee_gwei: float = DEFAULT_GAS_PRICE_GWEI, gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT,
                  game_share: float = 0.5, structure: str = "landing",
                  max_period_blocks: float = math.inf, max_clock_blocks: float = math.inf) -> ThreatPeriod:
    """Least period T with P(fraud finalises) <= eps under every threat of ``model`` together.

    Raises :class:`InfeasibleError` naming the threat (availability floor, an unbounded
    episode, a period above ``max_period_blocks``) or the dispute clocks, and by how much.
    """
    _eps_ok(eps)
    if structure not in STRUCTURES:
        raise ParameterError.bad("structure", structure, f"one of {STRUCTURES}")
    if not 0.0 < game_share < 1.0:
        raise ParameterError.bad("game_share", game_share, "a fraction in (0, 1)")
    if detect_blocks < 0 or buffer_blocks < 0:
        raise ParameterError.bad("detect_blocks/buffer_blocks", (detect_blocks, buffer_blocks), "integers >= 0")
    floor = availability_floor(model, eps)
    ep = episodes_of(model, gain_eth, base_fee_gwei, gas_limit)
    rest = eps - floor
    if structure == "landing":
        game = safe_game_clocks(model, game_share * rest, moves_per_side, kind=clock_kind,
                                move_clock_blocks=move_clock_blocks, lengthen=lengthen_clocks,
                                max_clock_blocks=max_clock_blocks, response_blocks=response_blocks, episodes=ep)
        eps_land = rest - game.honest_loss_probability
        window = least_window(model, ep, eps_land)
        land = landing_bound(model, ep, int(window)) if math.isfinite(window) else 1.0
        achieved = floor + land + game.honest_loss_probability
    else:  # the honest party's chess clock covers the challenge and every move
        eps_land = rest
        window = least_clock(model, ep, rest, moves_per_side + 1, "chess", response_blocks)
        land = loss_chess(model, ep, int(window), moves_per_side + 1, response_blocks) if math.isfinite(window) else 1.0
        achieved = floor + land
    comps = threat_components(model, ep, eps_land)
    binding = max(comps, key=lambda k: comps[k])
    if math.isinf(window):
        raise InfeasibleError(f"threat {binding}: no period keeps P(fraud finalises) <= {eps:.3g} "
                              f"(its own window is unbounded)")
    if structure == "honest_clock":
        game = game_clocks(model, ep, rest, moves_per_side, "chess", int(window), response_blocks)
    total = detect_blocks + int(window) + buffer_blocks
    if total > max_period_blocks:
        raise InfeasibleError(
            f"threat {binding}: needs a period of {total} blocks ({_days(total, model)}) > max_period_blocks = "
            f"{max_period_blocks:g} (by {total - max_period_blocks:g} blocks, {total / max_period_blocks - 1:.1%}); "
            f"its own window is {comps[binding]:g} blocks")
    confirm = total + (game.game_bound_blocks if structure == "landing" else int(window))
    return ThreatPeriod(
        period_blocks=total, detect_blocks=detect_blocks, window_blocks=int(window), buffer_blocks=buffer_blocks,
        components_blocks=comps, binding_threat=binding, fraud_probability=float(achieved), eps=eps,
        availability_floor=floor, landing_probability=float(land), game=game, confirmation_bound_blocks=int(confirm),
        structure=structure,
        wall_clock_hours=float(wall_clock_hours(total, model.seconds_per_block, model.missed_slot_rate)), model=model,
    )
