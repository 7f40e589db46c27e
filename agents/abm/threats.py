"""The threat processes the ABM's challengers face, drawn from the simulated L1.

One fraud meets the threats of a :class:`mechanism.economics.threats.ThreatModel`
(docs/economics.md, 'Threat model'); every process is the one implementation in
:mod:`mechanism.chain` (the Monte Carlo side of :mod:`mechanism.economics.threats`):

* **watchers**: :func:`mechanism.chain.watcher_outage_blocks` -- none of the m watchers
  online (probability ``(1 - a)^m``: no challenge at all), else the length of a
  common-mode outage (probability c, mean ``common_mode_mean_hours``) or 0;
* **episode**: the stretch E during which no honest transaction lands, starting when the
  attacker acts: ``E = max(R, S, D_outage, D_common)`` with R the strong-censorship
  social response (blocks ``1..R`` of the chain censor, ``Chain.strong_until``), S the
  blocks the attacker can afford to stuff (:func:`mechanism.economics.threats.episodes.episodes_of`
  at the fraud's gain), D_outage an L1 outage (``mechanism.chain.episode_blocks``, the
  law of :mod:`mechanism.economics.threats.liveness`) and D_common the watchers' outage;
* **weak censorship after the episode**: a :class:`mechanism.chain.Chain` with the model's
  censoring share q, bursts, inclusion lists, and the attacker opening the window in its
  own slot (``Chain.time_censor_next``) -- the honest transaction lands in the first
  block that does not censor it.

The event-driven fast path: every block of the episode holds every honest transaction
(strong censorship, an outage, a watcher outage), so the chain starts at block ``E + 1``
instead of stepping E blocks (``Chain.number``); after a long episode the censoring
proposers' chain is stationary, which is the state a fresh chain draws (exact for
independent proposers). The landing block is then ``E + Y`` with Y stepped block by block,
which is the decomposition the analytic bound uses ('Threat model: combining the threats').

The attacker aims its episode at the honest challenge or at one honest move of the game
(``episode_target``): at the challenge it races the challenge period; at a move it races
that move's clock ('Threat model: clocks'). Every other move still meets weak censorship.

Contents: :class:`FraudThreats`, :class:`ThreatSampler`, :func:`load_threats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mechanism.chain import Chain, Tx, episode_blocks, watcher_outage_blocks
from mechanism.economics.threats import ThreatModel, load_threat_model
from mechanism.economics.threats.episodes import episodes_of
from mechanism.units import WEI_PER_GWEI

__all__ = ["FraudThreats", "ThreatSampler", "load_threats"]

#: Gas and fees of an honest transaction (challenge or move) on the simulated L1.
HONEST_TX_GAS = 200_000
HONEST_MAX_FEE_WEI = 100 * WEI_PER_GWEI
HONEST_TIP_WEI = 2 * WEI_PER_GWEI


def load_threats(spec: str) -> ThreatModel:
    """``"default"``: the documented defaults; otherwise a TOML threat model file."""
    return ThreatModel() if spec == "default" else load_threat_model(Path(spec))


@dataclass(frozen=True)
class FraudThreats:
    """What one fraud's honest side meets (blocks).

    ``watchers_online`` False: no watcher is online, nobody challenges. ``challenge_delay_blocks``
    is the 1-based block of the challenge window in which the honest challenge lands
    (``> limit`` when it did not land within the window it was given);
    ``move_delay_blocks[i]`` the same for the honest side's i-th move against its clock.
    """

    watchers_online: bool
    episode_blocks: int
    challenge_delay_blocks: int
    move_delay_blocks: tuple[int, ...]


class ThreatSampler:
    """Draws :class:`FraudThreats` for a fraud worth ``gain_eth`` under ``model``."""

    def __init__(self, model: ThreatModel, gain_eth: float, base_fee_gwei: float, gas_limit: float) -> None:
        self.model = model
        ep = episodes_of(model, gain_eth, base_fee_gwei, gas_limit)
        if not (math.isfinite(ep.strong_blocks) and math.isfinite(ep.stuffing_blocks)):
            from mechanism.errors import ParameterError

            raise ParameterError.bad("threat_model", "unbounded episode", "a finite social response and stuffing budget")
        self.strong_blocks = math.ceil(ep.strong_blocks)
        self.stuffing_blocks = int(ep.stuffing_blocks)

    def episode(self, watcher_wait_blocks: int, rng: np.random.Generator) -> int:
        """``E = max(R, S, D_outage, D_common)``: blocks holding every honest transaction."""
        m = self.model
        outage = episode_blocks(m.outage_prob, m.outage_mean_blocks, rng)
        return max(self.strong_blocks, self.stuffing_blocks, outage, watcher_wait_blocks)

    def delay(self, episode_blocks: int, limit_blocks: int, rng: np.random.Generator) -> int:
        """Block (1-based) of a window of ``limit_blocks`` in which an honest transaction
        sent at its start lands, after ``episode_blocks`` blocks that hold it; ``limit + 1``
        if it does not land in time."""
        if episode_blocks >= limit_blocks:
            return limit_blocks + 1
        m = self.model
        chain = Chain(seed=int(rng.integers(2**63)), censor_fraction=m.censor_fraction, background_gas_mean=0,
                      burst_blocks=m.censor_burst_blocks,
                      il_committee=m.inclusion_list_committee if m.inclusion_lists else 0,
                      strong_until=episode_blocks, number=episode_blocks + 1)  # the fast path: skip the episode
        chain.submit(Tx("honest", HONEST_TX_GAS, HONEST_MAX_FEE_WEI, HONEST_TIP_WEI, censored=True))
        if m.attacker_timed:
            chain.time_censor_next()
        for k in range(episode_blocks + 1, limit_blocks + 1):
            if chain.step().txs:
                return k
        return limit_blocks + 1

    def draw(self, window_blocks: int, moves: int, clock_blocks: int, target: str,
             rng: np.random.Generator) -> FraudThreats:
        """One fraud: watchers, the episode (on the challenge or on a uniformly drawn honest
        move), the challenge's landing block within ``window_blocks`` and each of the
        ``moves`` honest moves' landing block within its ``clock_blocks`` clock."""
        m = self.model
        wait = watcher_outage_blocks(m.watchers, m.watcher_online_prob, m.common_mode_prob,
                                     m.common_mode_mean_blocks, rng)
        if wait is None:
            return FraudThreats(False, 0, window_blocks + 1, ())
        e = self.episode(wait, rng)
        hit = -1 if target == "challenge" else int(rng.integers(moves))
        at = self.delay(e if hit < 0 else wait, window_blocks, rng)
        delays = tuple(self.delay(e if i == hit else 0, clock_blocks, rng) for i in range(moves))
        return FraudThreats(True, e, at, delays)
