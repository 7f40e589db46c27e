"""Learning rules for two-action players (sequencer: honest/cheat; challenger: skip/verify).

Action 1 is "cheat" for a sequencer and "verify" for a challenger. Three rules:

* :class:`Exp3` -- adversarial bandit on *realised* payoffs (Auer, Cesa-Bianchi, Freund
  & Schapire 2002, "The nonstochastic multiarmed bandit problem", SIAM J. Comput. 32,
  Fig. 1): ``p = (1 - gamma) w / sum w + gamma / K``; after playing a with normalised
  reward x in [0, 1], ``w_a *= exp(gamma x / (p_a K))``.
* :class:`FictitiousPlay` -- best response to the empirical frequency of the opponents'
  action (Brown 1951; Robinson 1951). In 2x2 games with a unique mixed equilibrium the
  empirical frequencies converge to it (Miyasawa 1961), the case tested here.
* :class:`LogitResponse` -- stochastic (smoothed) fictitious play: play the logit
  response ``sigma(lambda * (u_1 - u_0))`` to the empirical belief (Fudenberg & Levine
  1998, "The Theory of Learning in Games", ch. 4); its rest points are logit QREs
  (McKelvey & Palfrey 1995; :func:`mechanism.economics.inspection.logit_qre`).

:func:`play_inspection` pits two learners against each other in the m = 1 inspection
game with expected payoffs from :mod:`mechanism.economics.inspection`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mechanism.economics.inspection import InspectionGame
from mechanism.errors import ParameterError

#: ``payoffs(belief) -> (u_0, u_1)``: expected payoff of each own action, ETH, when the
#: opponents play action 1 with probability ``belief``.
PayoffFn = Callable[[float], tuple[float, float]]


@dataclass
class Learner:
    """Common state: a belief about the opponents (empirical frequency) and counters."""

    belief: float = 0.5
    observations: int = 0
    plays: int = 0
    acted: int = 0

    def probability(self, payoffs: PayoffFn) -> float:
        """Probability of action 1 this round."""
        raise NotImplementedError

    def choose(self, payoffs: PayoffFn, rng: np.random.Generator) -> int:
        a = int(rng.random() < self.probability(payoffs))
        self.plays += 1
        self.acted += a
        return a

    def observe(self, opponent_action: float) -> None:
        """Update the empirical belief with the opponents' (average) action this round."""
        self.observations += 1
        self.belief += (float(opponent_action) - self.belief) / (self.observations + 1)

    def reward(self, action: int, payoff_eth: float) -> None:
        """Realised payoff of ``action`` (used by payoff-based rules)."""

    @property
    def frequency(self) -> float:
        """Empirical frequency of action 1 so far."""
        return self.acted / self.plays if self.plays else math.nan


@dataclass
class FictitiousPlay(Learner):
    """Best response to the belief; ties broken towards action 0."""

    def probability(self, payoffs: PayoffFn) -> float:
        u0, u1 = payoffs(self.belief)
        return 1.0 if u1 > u0 else 0.0


@dataclass
class LogitResponse(Learner):
    """Logit response with precision ``precision_per_eth`` (lambda, 1/ETH)."""

    precision_per_eth: float = 5.0

    def probability(self, payoffs: PayoffFn) -> float:
        u0, u1 = payoffs(self.belief)
        z = self.precision_per_eth * (u1 - u0)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass
class Exp3(Learner):
    """EXP3 over two actions on realised payoffs normalised by ``[low_eth, high_eth]``."""

    gamma: float = 0.05
    low_eth: float = -1.0
    high_eth: float = 1.0
    log_w: np.ndarray = field(default_factory=lambda: np.zeros(2))
    _p1: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.gamma <= 1:
            raise ParameterError.bad("gamma", self.gamma, "a number in (0, 1]")
        if not self.high_eth > self.low_eth:
            raise ParameterError.bad("high_eth", self.high_eth, f"> low_eth={self.low_eth}")

    def probability(self, payoffs: PayoffFn) -> float:
        w = np.exp(self.log_w - self.log_w.max())
        self._p1 = float((1.0 - self.gamma) * w[1] / w.sum() + self.gamma / 2.0)
        return self._p1

    def reward(self, action: int, payoff_eth: float) -> None:
        x = min(1.0, max(0.0, (payoff_eth - self.low_eth) / (self.high_eth - self.low_eth)))
        p = self._p1 if action == 1 else 1.0 - self._p1
        self.log_w[action] += self.gamma * x / (p * 2.0)


def make_learner(rule: str, *, rate: float, precision_per_eth: float, low_eth: float, high_eth: float,
                 belief: float = 0.5) -> Learner:
    """Factory used by the agents (``rule`` in :data:`agents.abm.config.LEARNING_RULES`)."""
    if rule == "exp3":
        return Exp3(belief=belief, gamma=rate, low_eth=low_eth, high_eth=high_eth)
    if rule == "logit":
        return LogitResponse(belief=belief, precision_per_eth=precision_per_eth)
    if rule == "fictitious":
        return FictitiousPlay(belief=belief)
    raise ParameterError.bad("learning_rule", rule, "one of exp3, logit, fictitious")


def sequencer_payoffs(game: InspectionGame) -> PayoffFn:
    """``(0, profit(v))``: honest is the zero of the payoff (ECONOMICS.md §2)."""
    return lambda v: (0.0, game.sequencer_profit(min(max(v, 0.0), 1.0)))


def challenger_payoffs(game: InspectionGame, others_verify: float = 0.0) -> PayoffFn:
    """``(0, verify_gain(p, v_others))`` (ECONOMICS.md §3)."""
    return lambda p: (0.0, game.verify_gain(min(max(p, 0.0), 1.0), others_verify))


@dataclass(frozen=True)
class Trajectory:
    """Empirical frequencies over time of the sequencer (p) and the challenger (v)."""

    fraud_freq: np.ndarray
    verify_freq: np.ndarray


def play_inspection(game: InspectionGame, sequencer: Learner, challenger: Learner, rounds: int,
                    rng: np.random.Generator) -> Trajectory:
    """Repeated m = 1 inspection game between two learners.

    Realised payoffs per round: sequencer ``G`` (cheat, unchecked or censored), ``-B``
    (cheat, caught), 0 (honest); challenger ``R - c_d - c_v`` (verify and catch), ``-c_v``
    (verify, honest), 0 (skip); censorship with probability ``game.censor_prob``.
    """
    if game.challengers != 1:
        raise ParameterError.bad("challengers", game.challengers, "1 for play_inspection")
    seq_u, ch_u = sequencer_payoffs(game), challenger_payoffs(game)
    p_hist, v_hist = np.empty(rounds), np.empty(rounds)
    for t in range(rounds):
        cheat = sequencer.choose(seq_u, rng)
        verify = challenger.choose(ch_u, rng)
        caught = bool(cheat and verify and rng.random() >= game.censor_prob)
        if cheat:
            s_pay = -game.penalty_eth - game.post_cost_eth if caught else game.gain_eth - game.post_cost_eth
        else:
            s_pay = 0.0
        c_pay = (game.reward_eth - game.dispute_cost_eth if caught else 0.0) - game.verify_cost_eth if verify else 0.0
        sequencer.reward(cheat, s_pay)
        challenger.reward(verify, c_pay)
        sequencer.observe(verify)
        challenger.observe(cheat)
        p_hist[t], v_hist[t] = sequencer.frequency, challenger.frequency
    return Trajectory(p_hist, v_hist)
