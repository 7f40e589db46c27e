"""Inspection-game equilibria: textbook closed forms, nashpy cross-checks, QRE, remedies."""

from __future__ import annotations

import nashpy as nash
import numpy as np
import pytest

from mechanism.economics import inspection as ins
from mechanism.economics import remedies
from mechanism.economics.payoffs import first_challenger_share


def _game(**kw: float) -> ins.InspectionGame:
    base = dict(gain_eth=10.0, penalty_eth=5.0, reward_eth=4.0, dispute_cost_eth=1.0, verify_cost_eth=0.3,
                challengers=1, censor_prob=0.0)
    base.update(kw)
    return ins.InspectionGame(**base)  # type: ignore[arg-type]


def test_avenhaus_textbook_equilibrium_matches_nashpy() -> None:
    # Avenhaus, von Stengel & Zamir (2002), basic inspection game with a=1, b=4, c=6, d=2, e=1.
    a, b, c, d, e = 1.0, 4.0, 6.0, 2.0, 1.0
    i_star, v_star = ins.avenhaus_equilibrium(a, b, c, d, e)
    assert i_star == pytest.approx(1 / 3) and v_star == pytest.approx(1 / 6)
    inspector = np.array([[0.0, -e], [-c, -a]])  # rows: legal/violate; cols: skip/inspect
    inspectee = np.array([[0.0, 0.0], [d, -b]])
    eqs = list(nash.Game(inspectee, inspector).support_enumeration())
    assert len(eqs) == 1
    sigma_r, sigma_c = eqs[0]
    assert sigma_r[1] == pytest.approx(v_star) and sigma_c[1] == pytest.approx(i_star)


def test_m1_closed_form_reduces_to_avenhaus_and_nashpy() -> None:
    g = _game()
    eq = ins.mixed_equilibrium(g)
    assert eq.kind == "mixed"
    # inspector: e = c_v, c - a = R - c_d - c_v (net gain of inspecting a violator); inspectee: d = G, b = B.
    c_minus_a = g.reward_eth - g.dispute_cost_eth - g.verify_cost_eth
    i_star, v_star = ins.avenhaus_equilibrium(0.0, g.penalty_eth, c_minus_a, g.gain_eth, g.verify_cost_eth)
    assert eq.verify_prob == pytest.approx(i_star) and eq.fraud_prob == pytest.approx(v_star)
    a, b = ins.bimatrix(g)
    (sr, sc), = list(nash.Game(a, b).support_enumeration())
    assert sr[1] == pytest.approx(eq.fraud_prob) and sc[1] == pytest.approx(eq.verify_prob)


@pytest.mark.parametrize("q", [0.0, 0.2])
def test_m1_with_censorship_matches_vertex_enumeration(q: float) -> None:
    g = _game(censor_prob=q, gain_eth=3.0, penalty_eth=8.0)
    eq = ins.mixed_equilibrium(g)
    a, b = ins.bimatrix(g)
    (sr, sc), = list(nash.Game(a, b).vertex_enumeration())
    assert sr[1] == pytest.approx(eq.fraud_prob, rel=1e-9) and sc[1] == pytest.approx(eq.verify_prob, rel=1e-9)


def test_first_challenger_share_is_expectation_over_binomial() -> None:
    from scipy.stats import binom

    for m in (1, 2, 5):
        for v in (0.0, 0.3, 1.0):
            k = np.arange(m)
            exact = float(np.sum(binom.pmf(k, m - 1, v) / (1 + k)))
            assert first_challenger_share(v, m) == pytest.approx(exact, abs=1e-12)


def test_symmetric_closed_form_is_an_equilibrium_for_m3() -> None:
    g = _game(challengers=3, censor_prob=0.1, verify_cost_eth=0.05)
    eq = ins.mixed_equilibrium(g)
    assert eq.kind == "mixed"
    assert g.sequencer_profit(eq.verify_prob) == pytest.approx(0.0, abs=1e-9)
    assert g.verify_gain(eq.fraud_prob, eq.verify_prob) == pytest.approx(0.0, abs=1e-9)


def test_heterogeneous_solver_reproduces_symmetric_case_and_orders_costs() -> None:
    g = _game(challengers=3, verify_cost_eth=0.05)
    eq = ins.mixed_equilibrium(g)
    p, v = ins.heterogeneous_equilibrium(g, [0.05, 0.05, 0.05])
    assert p == pytest.approx(eq.fraud_prob, rel=1e-5) and v == pytest.approx([eq.verify_prob] * 3, rel=1e-5)
    costs = [0.02, 0.05, 0.08]
    p2, v2 = ins.heterogeneous_equilibrium(g, costs)
    # Check best responses independently: enumerate the other challengers' pure profiles.
    import itertools

    for i, c in enumerate(costs):
        others = [j for j in range(3) if j != i]
        share = 0.0
        for bits in itertools.product((0, 1), repeat=2):
            pr = np.prod([v2[j] if b else 1 - v2[j] for j, b in zip(others, bits, strict=True)])
            share += pr / (1 + sum(bits))
        gain = share * p2 * (g.reward_eth - g.dispute_cost_eth) - c
        assert (v2[i] < 1e-6 and gain <= 1e-6) or (v2[i] > 1 - 1e-6 and gain >= -1e-6) or abs(gain) < 1e-6
    ps = np.prod(1 - v2)
    profit = ps * g.gain_eth - (1 - ps) * g.penalty_eth
    assert (p2 < 1e-6 and profit <= 1e-6) or (p2 > 1 - 1e-6 and profit >= -1e-6) or abs(profit) < 1e-6


def test_verifiers_dilemma_no_pure_equilibrium_and_jackpot_fixes_it() -> None:
    g = _game(challengers=2)
    assert ins.pure_equilibria(g) == []
    phi = 1.0
    need = float(remedies.min_jackpot_rate(g.verify_cost_eth, 10.0, 0.0, 0.0, 1.0, 2))
    fixed = ins.InspectionGame(**{**g.__dict__, "jackpot_rate": need * 1.01 / phi, "jackpot_net_eth": 10.0})
    assert (0, 2) in ins.pure_equilibria(fixed)
    assert ins.mixed_equilibrium(fixed).kind == "pure-honest"


def test_logit_qre_converges_to_nash() -> None:
    g = _game()
    nash_eq = ins.mixed_equilibrium(g)
    assert ins.logit_qre(g, 0.0).fraud_prob == pytest.approx(0.5)
    far = ins.logit_qre(g, 1e4)
    assert far.fraud_prob == pytest.approx(nash_eq.fraud_prob, abs=1e-2)
    assert far.verify_prob == pytest.approx(nash_eq.verify_prob, abs=1e-2)


def test_attention_challenge_rate_and_cost() -> None:
    psi = float(remedies.attention_challenge_rate(0.01, 1.0))
    assert psi == pytest.approx(0.02)
    assert np.isinf(remedies.attention_challenge_rate(1.0, 1.0))
    assert float(remedies.attention_cost_per_assertion_eth(10, psi, 50_000, 10.0)) == pytest.approx(10 * 0.02 * 50_000 * 1e-8)
