"""Bribery and Sybil-poisoning constraints: formulas, LP rows against payoffs, thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.economics import bounds, payoffs
from mechanism.economics.constraints import Row, bribery_rows, make_problem, period_grid, rhs
from mechanism.economics.scenario import DesignInputs

KW = {"challenger_bond_eth": 2.0, "dispute_cost_eth": 0.05, "verify_cost_eth": 0.01,
      "interest_rate_per_year": 0.05, "dispute_years": 0.01}


def _profit(k: int, bs: float, alpha: float, v: float = 0.7, m: int = 10, q: float = 1e-9, g: float = 500.0) -> float:
    return float(payoffs.bribery_profit_eth(g, bs, alpha, KW["challenger_bond_eth"], KW["dispute_cost_eth"],
                                            KW["verify_cost_eth"], KW["interest_rate_per_year"], KW["dispute_years"],
                                            v, m, k, q))


def test_bribing_everyone_costs_m_bribes_and_the_bound_is_exact() -> None:
    m, g, q, alpha = 10, 500.0, 1e-9, 0.9
    reward = float(bounds.min_bribery_reward_eth(g, m, KW["dispute_cost_eth"], KW["verify_cost_eth"],
                                                 KW["challenger_bond_eth"], KW["interest_rate_per_year"],
                                                 KW["dispute_years"], q))
    bs = reward / alpha
    assert _profit(m, bs, alpha, m=m, q=q, g=g) == pytest.approx(0.0, abs=1e-9)
    assert _profit(m, 0.99 * bs, alpha, m=m, q=q, g=g) > 0  # a hair below: bribing everyone pays
    assert _profit(m, 1.01 * bs, alpha, m=m, q=q, g=g) < 0
    # k = m: the fraud surely finalises, so the profit is G minus m bribes
    bribe = float(payoffs.bribe_needed_eth(alpha * bs, KW["dispute_cost_eth"], KW["verify_cost_eth"],
                                           KW["challenger_bond_eth"], KW["interest_rate_per_year"],
                                           KW["dispute_years"], q))
    assert _profit(m, bs, alpha, m=m, q=q, g=g) == pytest.approx(g - m * bribe)


def test_no_bribe_is_plain_fraud() -> None:
    v, m, q, g, bs, alpha = 0.4, 5, 0.01, 300.0, 50.0, 0.5
    ps = payoffs.fraud_success_probability(v, m, q)
    assert _profit(0, bs, alpha, v=v, m=m, q=q, g=g) == pytest.approx(
        float(payoffs.sequencer_fraud_profit_eth(g, (1 - alpha) * bs, ps)))


def test_partial_bribery_can_beat_bribing_everyone() -> None:
    """With few verifiers (small v) leaving one challenger un-bribed is cheaper: the LP needs every k."""
    m, g, q, alpha, v = 10, 500.0, 0.0, 0.9, 0.05
    reward = float(bounds.min_bribery_reward_eth(g, m, KW["dispute_cost_eth"], KW["verify_cost_eth"],
                                                 KW["challenger_bond_eth"], KW["interest_rate_per_year"],
                                                 KW["dispute_years"], q))
    bs = reward / alpha
    assert _profit(m, bs, alpha, v=v, m=m, q=q, g=g) <= 1e-9
    assert _profit(m - 1, bs, alpha, v=v, m=m, q=q, g=g) > 0


def test_lp_bribery_rows_have_the_sign_of_the_payoff() -> None:
    inputs = DesignInputs()
    problem = make_problem(inputs, 2e6, 0.3)
    grid = period_grid(problem)[:3]
    vx = problem.vertices()
    b, _, _ = rhs(problem, grid, vx)
    phi = b[Row.jackpot_verification].max(axis=0)
    rows = bribery_rows(problem, grid, vx, phi)
    rng = np.random.default_rng(0)
    t_eff = grid - problem.fixed_blocks
    big_q = payoffs.censorship_probability(vx.censor_fraction[:, None], t_eff[None, :])
    for _ in range(20):
        bs, alpha, bc = rng.uniform(1, 400), rng.uniform(0.05, 0.9), rng.uniform(0, 10)
        slack = rows.a_bs * bs + rows.a_r * alpha * bs + rows.a_bc * bc - rows.rhs
        for k in range(1, inputs.challengers + 1):
            pi = payoffs.bribery_profit_eth(vx.gain_eth[:, None], bs, alpha, bc, vx.dispute_cost_eth[:, None],
                                            vx.verify_cost_eth[:, None], inputs.interest_rate_per_year,
                                            problem.dispute_years, rows.verify_prob, inputs.challengers, k, big_q)
            assert np.allclose(slack[k - 1], -pi, rtol=1e-9, atol=1e-9)


def test_sybil_fee_makes_poisoning_break_even() -> None:
    k = int(bounds.sybil_identities_needed(0.3, 45, 5))
    assert k == 15  # 20 malicious of 65 > 0.3, the attacker already holds 5
    fee = float(bounds.min_registration_fee_eth(1000.0, k, 1.0, 0.05, 30 / 365.25))
    assert float(payoffs.sybil_poisoning_profit_eth(1000.0, k, 1.0, 0.05, 30 / 365.25, fee)) == pytest.approx(0.0, abs=1e-9)
    assert float(payoffs.sybil_poisoning_profit_eth(1000.0, k, 1.0, 0.05, 30 / 365.25, 0.8 * fee)) > 0
    # stake alone: only its capital cost counts, so it would have to be enormous
    assert float(bounds.min_registration_fee_eth(1000.0, k, 1e6, 0.05, 30 / 365.25)) == 0.0
