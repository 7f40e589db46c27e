"""The trainer-challenge window sized under the threat model (docs/economics.md, 'Threat
model: trainer-challenge window').

After round r's publication window closes, its updates can be disputed for T more blocks
(``trainer_challenge_window_blocks``, docs/protocol.md 'Publication and trainer-challenge
windows'): an update published in the window's last block has T + 1 blocks in which a
trainer dispute can land. A trainer dispute is one transaction, not a game, so an invalid
update escapes iff no watcher is online or the dispute does not land in time. A watcher
needs ``detect_blocks`` to download the update and check its predicates before it can
send, leaving ``W = T + 1 - detect_blocks`` landing blocks; by the union bound of
:mod:`.period`,

    P(invalid update escapes) <= (1 - a)^m + P_land(W),
    P_land(W) = min_{0<=x<=W} [P(miss x) + P(E > W - x)]

(weak censorship after the episode E of :mod:`.episodes`; under independent censorship
with a stationary start ``P_land(W) = q^W``, the ``q^(T+1)`` of docs/protocol.md). The
window is the least T with this bound at most eps; each threat's component is the landing
window it alone needs, the largest the binding threat.

Contents: :class:`TrainerWindow`, :func:`trainer_challenge_window`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from mechanism.economics.threats.episodes import Episodes, episodes_of
from mechanism.economics.threats.model import ThreatModel
from mechanism.economics.threats.period import (
    availability_floor,
    landing_bound,
    least_window,
    threat_components,
)
from mechanism.errors import InfeasibleError, ParameterError
from mechanism.units import DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_GAS_PRICE_GWEI

__all__ = ["TrainerWindow", "trainer_challenge_window"]


@dataclass(frozen=True)
class TrainerWindow:
    """The least trainer-challenge window T (blocks) and why.

    ``window_blocks = max(min_blocks, detect_blocks + landing_blocks - 1)``;
    ``escape_probability`` is the achieved bound (availability floor + landing).
    """

    window_blocks: int
    detect_blocks: int
    landing_blocks: int
    escape_probability: float
    eps: float
    availability_floor: float
    components_blocks: dict[str, float]
    binding_threat: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trainer_challenge_window(model: ThreatModel, eps: float, *, detect_blocks: int = 1, min_blocks: int = 1,
                             gain_eth: float = 0.0, base_fee_gwei: float = DEFAULT_GAS_PRICE_GWEI,
                             gas_limit: float = DEFAULT_BLOCK_GAS_LIMIT, episodes: Episodes | None = None,
                             max_blocks: float = math.inf) -> TrainerWindow:
    """Least T with P(an invalid update escapes its trainer dispute) <= eps under ``model``
    (module docstring). Stuffing spends ``max(gain_eth, attacker_budget_eth)`` unless
    ``episodes`` is given.

    Raises :class:`InfeasibleError` naming the trainer challenge window and the binding
    threat when no window reaches eps (an unbounded episode, or more than ``max_blocks``),
    or naming availability when the floor ``(1 - a)^m`` is already above eps.
    """
    if not 0.0 < eps < 1.0:
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")
    if detect_blocks < 0 or min_blocks < 1:
        raise ParameterError.bad("detect_blocks/min_blocks", (detect_blocks, min_blocks), "integers >= 0 and >= 1")
    floor = availability_floor(model, eps)
    ep = episodes if episodes is not None else episodes_of(model, gain_eth, base_fee_gwei, gas_limit)
    rest = eps - floor
    comps = threat_components(model, ep, rest)
    binding = max(comps, key=lambda k: comps[k])
    if math.isinf(comps[binding]):
        raise InfeasibleError(f"trainer challenge window: threat {binding}: no window keeps P(invalid update escapes) "
                              f"<= {eps:.3g} (its own window is unbounded)")
    land = least_window(model, ep, rest, limit=max_blocks + 2 - detect_blocks)
    window: float = max(min_blocks, detect_blocks + int(land) - 1) if math.isfinite(land) else math.inf
    if window > max_blocks:
        raise InfeasibleError(
            f"trainer challenge window: threat {binding}: needs more than max {max_blocks:g} blocks "
            f"(its own window is {comps[binding]:g} blocks) to keep P(invalid update escapes) <= {eps:.3g}")
    t = int(window)
    landing = t + 1 - detect_blocks
    achieved = floor + landing_bound(model, ep, landing)
    return TrainerWindow(window_blocks=t, detect_blocks=int(detect_blocks), landing_blocks=int(landing),
                         escape_probability=float(achieved), eps=eps, availability_floor=floor,
                         components_blocks=comps, binding_threat=binding)
