"""One mempool model: public or private order flow, and what follows from it
(docs/economics.md, 'Threat model: order flow').

In a **public** mempool the sequencer sees an honest challenge before it lands and
includes its own self-challenge first with a higher tip (proposers order by tip,
EIP-1559; :mod:`mechanism.chain`). With **private** order flow (a challenge sent to
builders directly, e.g. Flashbots Protect) it sees nothing before inclusion. Let
``f`` be the probability that the sequencer front-runs (1 public, 0 private):

* **deterrence**: caught, the sequencer wins back the reward of its own self-challenge
  with probability f, so its penalty is ``(1 - f alpha) B_s`` (f = 1: today's
  ``(1 - alpha) B_s``, docs/economics.md 'Self-challenge');
* **bribery**: a bribed challenger who defects is front-run too, so its reward is
  ``(1 - f) (R - c_d - r B_c t_d)``: each bribe need only cover that, and "bribe all m"
  is deterred iff ``m [(1 - Q)(1 - f)(R - c_d - r B_c t_d) - c_v] >= G``
  (:func:`mechanism.economics.bounds.min_bribery_reward_eth` at f = 0). With f = 1 no
  reward deters bribery: only an unbribable (altruistic) watcher does;
* **honest challengers**: a challenger's expected reward is ``(1 - f) R``, so with f = 1
  the reward pays nobody but the sequencer and the jackpot carries verification alone.

The two assumptions that conflicted -- self-challenges front-run, defectors not -- are
one parameter here: either both are front-run (public) or neither (private).

Contents: :func:`frontrun_probability`, :func:`penalty_eth`, :func:`defector_reward_eth`,
:func:`min_bribery_reward_eth`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.errors import ParameterError

__all__ = ["defector_reward_eth", "frontrun_probability", "min_bribery_reward_eth", "penalty_eth"]

F = NDArray[np.float64]


def frontrun_probability(order_flow: str) -> float:
    """f: 1 for "public" (the sequencer sees and outbids), 0 for "private"."""
    if order_flow not in ("public", "private"):
        raise ParameterError.bad("order_flow", order_flow, "'public' or 'private'")
    return 1.0 if order_flow == "public" else 0.0


def penalty_eth(sequencer_bond_eth: ArrayLike, reward_share: ArrayLike, frontrun: float) -> F:
    """What a caught sequencer loses: ``(1 - f alpha) B_s``."""
    return np.asarray((1.0 - frontrun * np.asarray(reward_share, dtype=float)) * np.asarray(sequencer_bond_eth, dtype=float))


def defector_reward_eth(reward_eth: ArrayLike, dispute_cost_eth: ArrayLike, capital_cost_eth: ArrayLike,
                        frontrun: float) -> F:
    """A defecting bribed challenger's reward: ``(1 - f)(R - c_d - r B_c t_d)``."""
    return np.asarray((1.0 - frontrun) * (np.asarray(reward_eth, dtype=float) - np.asarray(dispute_cost_eth, dtype=float)
                                          - np.asarray(capital_cost_eth, dtype=float)))


def min_bribery_reward_eth(gain_eth: ArrayLike, challengers: ArrayLike, dispute_cost_eth: ArrayLike,
                           verify_cost_eth: ArrayLike, capital_cost_eth: ArrayLike, frontrun: float,
                           censor_prob: ArrayLike = 0.0) -> F:
    """Least R at which bribing all m does not pay:
    ``R >= c_d + r B_c t_d + (G / m + c_v) / ((1 - Q)(1 - f))``; ``inf`` at f = 1."""
    denom = (1.0 - np.asarray(censor_prob, dtype=float)) * (1.0 - frontrun)
    g, m = np.asarray(gain_eth, dtype=float), np.asarray(challengers, dtype=float)
    with np.errstate(divide="ignore"):
        extra = np.where(denom > 0, (g / m + np.asarray(verify_cost_eth, dtype=float)) / np.where(denom > 0, denom, 1.0),
                         math.inf)
    return np.asarray(np.asarray(dispute_cost_eth, dtype=float) + np.asarray(capital_cost_eth, dtype=float) + extra)
