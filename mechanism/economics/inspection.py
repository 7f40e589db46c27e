"""The inspection game of a sequencer against m challengers, and the verifier's dilemma.

Sequencer: cheat with probability p. Challenger i: verify with probability v_i at cost
c_v; a verifier that finds fraud challenges, pays c_d and, if first, wins
``R = alpha B_s``; every challenge is censored with probability ``Q = q**T'``.

* :func:`mixed_equilibrium` -- symmetric challengers, closed form.
* :func:`heterogeneous_equilibrium` -- challengers with different c_v (scipy solve).
* :func:`logit_qre` -- logit quantal-response equilibrium (McKelvey & Palfrey 1995).
* :func:`bimatrix` / :func:`avenhaus_equilibrium` -- the finite 2x2 game (m = 1) and the
  textbook inspection game of Avenhaus, von Stengel & Zamir (2002, Handbook of Game
  Theory vol. 3, ch. 51, §2), for cross-checks with nashpy.
* :func:`pure_equilibria` -- the verifier's dilemma: with c_v > 0 and no outside reward
  there is no pure equilibrium (Mamageishvili & Felten 2023, arXiv 2308.02880, §3).

Departure from the basic model (docs/economics.md, 'Sequencer deterrence'): the
sequencer's payoff when caught is ``-B`` with B a parameter (``penalty_eth``) so the same
code covers the basic model (B = B_s) and the self-challenge model (B = (1 - alpha) B_s)
used in the design ('Self-challenge'). The game and its equilibria: docs/economics.md,
'Inspection game'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mechanism.economics.payoffs import (
    challenger_verify_payoff_eth,
    first_challenger_share,
    fraud_success_probability,
    sequencer_fraud_profit_eth,
)
from mechanism.errors import ParameterError

__all__ = [
    "Equilibrium",
    "InspectionGame",
    "avenhaus_equilibrium",
    "bimatrix",
    "heterogeneous_equilibrium",
    "logit_qre",
    "mixed_equilibrium",
    "pure_equilibria",
]


@dataclass(frozen=True)
class InspectionGame:
    """Parameters of the symmetric inspection game (ETH, probabilities)."""

    gain_eth: float
    penalty_eth: float
    reward_eth: float
    dispute_cost_eth: float
    verify_cost_eth: float
    challengers: int = 1
    censor_prob: float = 0.0
    post_cost_eth: float = 0.0
    jackpot_rate: float = 0.0
    jackpot_net_eth: float = 0.0

    def __post_init__(self) -> None:
        for name in ("gain_eth", "penalty_eth", "reward_eth", "dispute_cost_eth", "verify_cost_eth",
                     "post_cost_eth", "jackpot_net_eth"):
            val = getattr(self, name)
            if not np.isfinite(val) or val < 0:
                raise ParameterError.bad(name, val, "a finite number >= 0")
        if self.challengers < 1:
            raise ParameterError.bad("challengers", self.challengers, "an integer >= 1")
        for name in ("censor_prob", "jackpot_rate"):
            val = getattr(self, name)
            if not 0.0 <= val <= 1.0:
                raise ParameterError.bad(name, val, "a probability in [0, 1]")

    def sequencer_profit(self, v: float) -> float:
        ps = fraud_success_probability(v, self.challengers, self.censor_prob)
        return float(sequencer_fraud_profit_eth(self.gain_eth, self.penalty_eth, ps, self.post_cost_eth))

    def verify_gain(self, p: float, v: float) -> float:
        """Excess payoff of verifying for one challenger when the others play v."""
        return float(challenger_verify_payoff_eth(
            p, v, self.challengers, self.censor_prob, self.reward_eth, self.dispute_cost_eth,
            self.verify_cost_eth, self.jackpot_rate, self.jackpot_net_eth))


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium: fraud probability p, verification probability v (per challenger)."""

    fraud_prob: float
    verify_prob: float
    kind: str  # "mixed", "pure-honest", "pure-cheat", "deterred", ...
    success_prob: float  # P_s at v
    finalised_fraud_prob: float  # p * P_s: probability an assertion is a finalised fraud


def _eq(game: InspectionGame, p: float, v: float, kind: str) -> Equilibrium:
    ps = float(fraud_success_probability(v, game.challengers, game.censor_prob))
    return Equilibrium(p, v, kind, ps, p * ps)


def _challenger_response(game: InspectionGame, p: float) -> float:
    """Symmetric challengers' equilibrium v against fraud rate p (gain decreases in v)."""
    from scipy.optimize import brentq

    if game.verify_gain(p, 1.0) >= 0:
        return 1.0
    if game.verify_gain(p, 0.0) <= 0:
        return 0.0
    return float(brentq(lambda v: game.verify_gain(p, v), 0.0, 1.0, xtol=1e-15))


def mixed_equilibrium(game: InspectionGame) -> Equilibrium:
    """Equilibrium of the symmetric game, in closed form.

    Sequencer indifference pins the challengers' verification (docs/economics.md, 'Sequencer deterrence' and 'Inspection game'):
    ``P_s(v*) = x := (B + c_post) / (G + B)``, i.e.
    ``(1 - v*)**m = (x - Q) / (1 - Q)``. Challenger indifference pins the fraud rate:
    ``p* = (c_v / (s(v*) (1 - Q)) - phi J') / (R - c_d)``. Corner cases:

    * ``x <= Q``: even full verification cannot deter (censorship), pure cheating;
    * ``x >= 1`` (posting costs more than G): fraud never pays, (p, v) = (0, 0);
    * jackpot covers verification at v = 1 (``phi J' (1 - Q) / m >= c_v``): the TrueBit
      remedy gives the pure equilibrium (0, 1);
    * ``R <= c_d``: challenging never pays, nobody verifies, pure cheating.
    """
    g, m, q = game, game.challengers, game.censor_prob
    if g.post_cost_eth >= g.gain_eth:
        return _eq(g, 0.0, 0.0, "deterred")
    x = (g.penalty_eth + g.post_cost_eth) / (g.gain_eth + g.penalty_eth)
    if g.jackpot_rate * g.jackpot_net_eth * (1.0 - q) / m >= g.verify_cost_eth and x > q:
        return _eq(g, 0.0, 1.0, "pure-honest")
    net = g.reward_eth - g.dispute_cost_eth
    if net <= 0 or x <= q:
        # Nobody profits from challenging (or censorship makes fraud safe): cheat.
        return _eq(g, 1.0, _challenger_response(g, 1.0), "pure-cheat")
    v_star = 1.0 - ((x - q) / (1.0 - q)) ** (1.0 / m)
    s = float(first_challenger_share(v_star, m))
    p_star = (g.verify_cost_eth / (s * (1.0 - q)) - g.jackpot_rate * g.jackpot_net_eth) / net
    if p_star <= 0.0:
        # The jackpot alone pays for verification beyond v*: at p = 0 challengers verify at
        # their jackpot-only response v_j >= v*, where fraud strictly does not pay.
        return _eq(g, 0.0, max(v_star, _challenger_response(g, 0.0)), "pure-honest")
    if p_star >= 1.0:
        # Challengers would need p > 1 to be indifferent: they verify less than v*, so
        # fraud pays; they play their symmetric best response to p = 1.
        return _eq(g, 1.0, _challenger_response(g, 1.0), "pure-cheat")
    return _eq(g, float(p_star), float(v_star), "mixed")


def heterogeneous_equilibrium(
    game: InspectionGame, verify_costs_eth: NDArray[np.float64] | list[float]
) -> tuple[float, NDArray[np.float64]]:
    """Equilibrium (p, v_1..v_m) for challengers with different verification costs.

    Challenger i wins the reward given fraud with probability ``E[1 / (1 + K_i)]``, K_i the
    number of *other* verifiers (Poisson-binomial, computed exactly by convolution).
    Support enumeration over the k cheapest challengers, k = m down to 1 (so equal costs
    give the symmetric equilibrium; games like this also have asymmetric "volunteer"
    equilibria, and the largest support found is returned): on the
    support everybody is indifferent and the sequencer is indifferent,
    ``prod_S (1 - v_i) (1 - Q) + Q = x``; the k + 1 equations are solved with
    ``scipy.optimize.least_squares`` on [0, 1]^(k+1), and the solution is accepted if the
    challengers outside the support do not want to verify. ``game.verify_cost_eth`` is
    ignored; ``game.challengers`` must equal ``len(verify_costs_eth)``. Falls back to
    :func:`mixed_equilibrium`'s corner cases (pure cheating / deterrence) when x is
    outside (Q, 1).
    """
    from scipy.optimize import least_squares

    costs = np.asarray(verify_costs_eth, dtype=float)
    m = costs.size
    if m != game.challengers or m < 1:
        raise ParameterError.bad("verify_costs_eth", list(costs), f"{game.challengers} costs")
    q = game.censor_prob
    net = (game.reward_eth - game.dispute_cost_eth + 0.0) * (1.0 - q)
    jack = game.jackpot_rate * game.jackpot_net_eth * (1.0 - q)
    x = (game.penalty_eth + game.post_cost_eth) / (game.gain_eth + game.penalty_eth)
    corner = mixed_equilibrium(InspectionGame(**{**game.__dict__, "verify_cost_eth": float(np.mean(costs))}))
    if x <= q or x >= 1 or net <= 0:
        return corner.fraud_prob, np.full(m, corner.verify_prob)

    def share(v: NDArray[np.float64], i: int) -> float:
        dist = np.array([1.0])
        for j in range(m):
            if j != i:
                dist = np.convolve(dist, [1.0 - v[j], v[j]])
        return float(np.sum(dist / np.arange(1, dist.size + 1)))

    order = np.argsort(costs, kind="stable")
    target = (x - q) / (1.0 - q)
    for k in range(m, 0, -1):
        sup = order[:k]

        def full(z: NDArray[np.float64], sup: NDArray[np.int64] = sup) -> NDArray[np.float64]:
            v = np.zeros(m)
            v[sup] = z[1:]
            return v

        def residual(z: NDArray[np.float64], sup: NDArray[np.int64] = sup) -> NDArray[np.float64]:
            v = full(z)
            out = [(float(np.prod(1.0 - v)) - target)]
            out += [(share(v, i) * (z[0] * net + jack) - costs[i]) / costs[i] for i in sup]
            return np.asarray(out)

        z0 = np.r_[0.5, np.full(k, 1.0 - target ** (1.0 / k))]
        sol = least_squares(residual, z0, bounds=(0.0, 1.0), xtol=1e-15, ftol=1e-15, gtol=1e-15)
        if np.max(np.abs(sol.fun)) > 1e-9:
            continue
        v = full(sol.x)
        p = float(sol.x[0])
        if all(share(v, i) * (p * net + jack) - costs[i] <= 1e-12 for i in order[k:]):
            return p, v
    return corner.fraud_prob, np.full(m, corner.verify_prob)


def logit_qre(game: InspectionGame, precision_per_eth: float) -> Equilibrium:
    """Symmetric logit quantal-response equilibrium (McKelvey & Palfrey 1995).

    ``p = sigma(lambda * profit(v))``, ``v = sigma(lambda * verify_gain(p, v))`` with
    ``sigma`` the logistic function and lambda in 1/ETH. For fixed p the challengers'
    fixed point is unique (the right side decreases in v), found by ``brentq``; the
    outer fixed point in p is unique too (v(p) increases in p, profit decreases in v).
    As lambda -> infinity the QRE converges to :func:`mixed_equilibrium`; at lambda = 0
    everybody randomises 50/50.
    """
    from scipy.optimize import brentq
    from scipy.special import expit

    if not precision_per_eth >= 0:
        raise ParameterError.bad("precision_per_eth", precision_per_eth, "a number >= 0")
    lam = precision_per_eth

    def v_of_p(p: float) -> float:
        f = lambda v: v - float(expit(lam * game.verify_gain(p, v)))  # noqa: E731
        return float(brentq(f, 0.0, 1.0, xtol=1e-15)) if f(0.0) < 0 < f(1.0) else (0.0 if f(0.0) >= 0 else 1.0)

    g = lambda p: p - float(expit(lam * game.sequencer_profit(v_of_p(p))))  # noqa: E731
    p = float(brentq(g, 0.0, 1.0, xtol=1e-15)) if g(0.0) < 0 < g(1.0) else (0.0 if g(0.0) >= 0 else 1.0)
    return _eq(game, p, v_of_p(p), "qre")


def bimatrix(game: InspectionGame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The m = 1 game as a bimatrix (rows: sequencer honest/cheat; cols: skip/verify).

    Sequencer: honest 0; cheat & skip G - c_post; cheat & verify
    ``Q G - (1 - Q) B - c_post``. Challenger: skip 0; verify & honest ``phi J' (1-Q) - c_v``;
    verify & cheat ``(1 - Q)(R - c_d + phi J') - c_v``.
    """
    if game.challengers != 1:
        raise ParameterError.bad("challengers", game.challengers, "1 for the bimatrix form")
    q, j = game.censor_prob, game.jackpot_rate * game.jackpot_net_eth
    a = np.array([[0.0, 0.0],
                  [game.gain_eth - game.post_cost_eth,
                   q * game.gain_eth - (1 - q) * game.penalty_eth - game.post_cost_eth]])
    b = np.array([[0.0, (1 - q) * j - game.verify_cost_eth],
                  [0.0, (1 - q) * (game.reward_eth - game.dispute_cost_eth + j) - game.verify_cost_eth]])
    return a, b


def pure_equilibria(game: InspectionGame) -> list[tuple[int, int]]:
    """Pure equilibria of the symmetric game (p in {0,1}, every challenger v in {0,1}).

    Only symmetric challenger profiles are checked, plus, for m >= 2, asymmetric ones
    with k verifiers (a challenger's best response depends on how many others verify).
    Returned as (cheat, number of verifiers). Mamageishvili & Felten (2023) show that
    with c_v > 0, R > c_d and a deterring bond this list is empty (the verifier's
    dilemma); a jackpot with ``phi J' (1 - Q) / m >= c_v`` restores (0, m).
    """
    m, q = game.challengers, game.censor_prob
    out: list[tuple[int, int]] = []
    j = game.jackpot_rate * game.jackpot_net_eth
    for cheat in (0, 1):
        for k in range(m + 1):
            ps = 1.0 if k == 0 else q
            seq_cheat = ps * game.gain_eth - (1 - ps) * game.penalty_eth - game.post_cost_eth
            if (cheat == 1 and seq_cheat < 0) or (cheat == 0 and seq_cheat > 0):
                continue
            pot = (1 - q) * (cheat * (game.reward_eth - game.dispute_cost_eth) + j)
            # A verifier must not want to stop; a non-verifier must not want to start.
            if k > 0 and pot / k - game.verify_cost_eth < 0:
                continue
            if k < m and pot / (k + 1) - game.verify_cost_eth > 0:
                continue
            out.append((cheat, k))
    return out


def avenhaus_equilibrium(a: float, b: float, c: float, d: float, e: float) -> tuple[float, float]:
    """Mixed equilibrium of the basic inspection game (Avenhaus, von Stengel & Zamir 2002).

    Inspector payoffs: (legal, no inspection) 0; (legal, inspect) -e; (violate, inspect)
    -a; (violate, no inspection) -c; with 0 < e and 0 < a < c. Inspectee: legal 0,
    detected violation -b, undetected violation d. Equilibrium: inspect with
    ``i* = d / (b + d)``, violate with ``v* = e / (e + c - a)``.
    """
    if not (e > 0 and c > a and b > 0 and d > 0):
        raise ParameterError.bad("(a,b,c,d,e)", (a, b, c, d, e), "e > 0, c > a, b > 0, d > 0")
    return d / (b + d), e / (e + c - a)
