"""The threat model behind the challenge period (docs/economics.md, 'Threat model').

One concept per module:

* ``model``: :class:`ThreatModel` (frozen, documented and cited defaults) and
  :func:`load_threat_model` (TOML, one-line errors);
* ``censorship``: per-block censoring proposers (independent, bursty two-state Markov,
  coalition with or without inclusion lists) and strong censorship ended only by a
  social response;
* ``liveness``: L1 outages (finality stalls) as a duration distribution, missed slots;
* ``availability``: m watchers online with probability a plus a common-mode outage;
* ``clocks``: the probability that the honest side loses the dispute game by timeout,
  per-move clocks versus a cumulative chess clock, and the game-time bound of each;
* ``delay``: delay attacks by sub-challenges with an attacker budget K;
* ``mempool``: public versus private order flow, front-running of self-challenges and of
  bribe defectors, and what it does to the deterrence and bribery bounds;
* ``episodes``: the stretches (strong censorship, stuffing at the attacker's spend
  ``max(G, attacker_budget_eth)``, outages) that overlap when the attacker acts;
* ``period``: :func:`threat_period` (the least T with P(fraud finalises) <= eps under all
  threats together, the binding threat named) and :func:`safe_game_clocks`;
* ``trainer_window``: :func:`~.trainer_window.trainer_challenge_window`, the least
  trainer-challenge window with P(an invalid update escapes its dispute) <= eps under the
  same threats (a single transaction, not a game);
* ``anchors``: Arbitrum's and the OP Stack's stated assumptions as threat models, and
  their published periods.
"""

from __future__ import annotations

from mechanism.economics.threats.clocks import GameClocks
from mechanism.economics.threats.model import ThreatModel, load_threat_model
from mechanism.economics.threats.period import ThreatPeriod, safe_game_clocks, threat_period

__all__ = ["GameClocks", "ThreatModel", "ThreatPeriod", "load_threat_model", "safe_game_clocks", "threat_period"]
