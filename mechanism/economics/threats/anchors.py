"""Arbitrum's and the OP Stack's own stated assumptions as threat models
(docs/economics.md, 'Threat model: like for like').

* **Arbitrum One** (confirm period 45,818 blocks, :data:`~mechanism.economics.period.ARBITRUM_PERIOD_BLOCKS`):
  Felten ("Why is the optimistic rollup challenge period 7 days?", Offchain Labs 2022)
  sizes the period by the time a social response to majority censorship needs, one
  week, with Felten's independent censoring proposers (q = 1/2) for the rest and a
  single honest validator that is always online. The block count was fixed when L1
  blocks averaged 13.2 s (Etherscan's average block time, 2021): one week is
  604,800 / 13.2 = 45,818 blocks, 6.4 days at today's 12 s. BoLD makes the period the
  honest party's cumulative clock over its assertion and every move (arXiv 2404.10491,
  §3); the bisection has 5 + 26 + 23 levels (block, big-step and small-step edge heights
  2^5, 2^26, 2^23 of Arbitrum One's BoLD configuration).
* **OP Stack** (withdrawal delay 7 days, 50,400 blocks,
  :data:`~mechanism.economics.period.OP_STACK_PERIOD_BLOCKS`): the fault dispute game
  gives each side a 3.5-day chess clock (``MAX_CLOCK_DURATION``), the time the honest
  side is assumed to need under censorship, and the portal waits a further 3.5-day
  airgap (``DISPUTE_GAME_FINALITY_DELAY_SECONDS``) for the Guardian to respond
  (specs.optimism.io, 'Fault Dispute Game' and 'OptimismPortal'); the game has
  ``MAX_GAME_DEPTH`` 73, so about 37 honest moves.

Neither states outages, watcher availability or stuffing; they are off here.

Contents: :class:`Anchor`, :data:`ANCHORS`, :func:`anchor_period`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mechanism.economics.period import ARBITRUM_PERIOD_BLOCKS, OP_STACK_PERIOD_BLOCKS
from mechanism.economics.threats.model import ThreatModel
from mechanism.economics.threats.period import ThreatPeriod, threat_period

__all__ = ["ANCHORS", "Anchor", "anchor_period"]

#: Mean L1 block time in 2021, when Arbitrum's confirm period was fixed in blocks
#: (Etherscan, average block time chart), seconds. An input of the Arbitrum anchor only.
ARBITRUM_SIZING_SECONDS = 13.2
#: The OP Stack's airgap (DISPUTE_GAME_FINALITY_DELAY_SECONDS), hours.
OP_AIRGAP_HOURS = 84.0


@dataclass(frozen=True)
class Anchor:
    """A deployed rollup's stated assumptions: its threat model, structure and published period."""

    name: str
    model: ThreatModel
    published_period_blocks: int
    moves_per_side: int
    buffer_hours: float
    detect_blocks: int
    driver: str  # the assumption that sets the period, in words


ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        name="Arbitrum One (BoLD)",
        model=ThreatModel(censor_fraction=0.5, strong_censorship=True, social_response_hours=168.0,
                          attacker_timed=False, outage_prob=0.0, common_mode_prob=0.0, watchers=1,
                          watcher_online_prob=1.0, missed_slot_rate=0.0, seconds_per_block=ARBITRUM_SIZING_SECONDS),
        published_period_blocks=ARBITRUM_PERIOD_BLOCKS, moves_per_side=5 + 26 + 23, buffer_hours=0.0,
        detect_blocks=1, driver="one week for a social response to majority censorship (Felten 2022)",
    ),
    Anchor(
        name="OP Stack",
        model=ThreatModel(censor_fraction=0.5, strong_censorship=True, social_response_hours=84.0,
                          attacker_timed=False, outage_prob=0.0, common_mode_prob=0.0, watchers=1,
                          watcher_online_prob=1.0, missed_slot_rate=0.0),
        published_period_blocks=OP_STACK_PERIOD_BLOCKS, moves_per_side=37, buffer_hours=OP_AIRGAP_HOURS,
        detect_blocks=1, driver="3.5-day chess clock for the honest side plus the 3.5-day Guardian airgap",
    ),
)


def anchor_period(anchor: Anchor, eps: float = 1e-6) -> ThreatPeriod:
    """The anchor's period from its own assumptions (structure ``"honest_clock"``: the
    period is the honest party's chess clock, plus the airgap)."""
    buffer = round(anchor.model.blocks(anchor.buffer_hours))
    return threat_period(anchor.model, eps, detect_blocks=anchor.detect_blocks, buffer_blocks=buffer,
                         moves_per_side=anchor.moves_per_side, structure="honest_clock")
