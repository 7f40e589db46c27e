"""Bounds: BoLD anchors, OP Stack bonds, monotonicity properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.economics import bounds, period
from mechanism.economics.payoffs import censorship_probability, fraud_success_probability


def test_bold_stakes_reproduce_arbitrum_one() -> None:
    stakes = bounds.bold_stakes_eth(500.0, 6.4)
    published = [bounds.ARBITRUM_ASSERTION_BOND_ETH, *bounds.ARBITRUM_SUBCHALLENGE_BONDS_ETH]
    assert stakes == pytest.approx(published, rel=3e-3)
    gas, ratio = bounds.fit_bold_inputs(published)
    assert gas == pytest.approx(500.0, rel=1e-2) and ratio == pytest.approx(6.4, rel=1e-2)


def test_op_stack_bond_schedule() -> None:
    assert float(bounds.op_stack_bond_eth(0)) == pytest.approx(0.08)
    assert float(bounds.op_stack_bond_eth(1)) == pytest.approx(0.08 * 1.09493)


def test_sybil_identities() -> None:
    assert int(bounds.sybil_identities_needed(0.2, 40)) == 11  # 10/50 = 0.2 is not > 0.2
    assert int(bounds.sybil_identities_needed(0.0, 40)) == 1
    k = bounds.sybil_identities_needed(0.3, 45)
    assert k / (45 + k) > 0.3 and (k - 1) / (45 + k - 1) <= 0.3


@settings(max_examples=60, deadline=None)
@given(g=st.floats(1.0, 1e4), dg=st.floats(1.0, 1e3), q=st.floats(0.0, 0.95), dq=st.floats(0.001, 0.04),
       v=st.floats(0.0, 1.0), t=st.integers(1, 50))
def test_bond_grows_with_gain_and_censorship(g: float, dg: float, q: float, dq: float, v: float, t: int) -> None:
    ps = fraud_success_probability(v, 5, censorship_probability(q, t))
    ps_more = fraud_success_probability(v, 5, censorship_probability(q + dq, t))
    b = float(bounds.min_sequencer_bond_eth(g, ps))
    assert float(bounds.min_sequencer_bond_eth(g + dg, ps)) >= b
    assert float(bounds.min_sequencer_bond_eth(g, ps_more)) >= b
    if 0 < ps < 1:
        assert float(bounds.min_sequencer_bond_eth(g + dg, ps)) > b


@settings(max_examples=60, deadline=None)
@given(eps=st.floats(1e-12, 0.5), shrink=st.floats(1e-3, 0.9), q=st.floats(0.01, 0.99))
def test_period_grows_as_eps_shrinks(eps: float, shrink: float, q: float) -> None:
    t1 = float(period.censorship_blocks(eps, q))
    t2 = float(period.censorship_blocks(eps * shrink, q))
    assert t2 >= t1
    assert q ** t1 <= eps * (1 + 1e-9) and (t1 == 1 or q ** (t1 - 1) > eps)


def test_stuffing_bound_is_tight_and_logarithmic() -> None:
    k = float(period.stuffing_blocks(1000.0, 5.0))
    assert float(period.stuffing_cost_eth(k, 5.0)) > 1000.0 >= float(period.stuffing_cost_eth(k - 1, 5.0))
    # x1000 gain adds only log_1.125(1000) ~ 58.6 blocks
    assert float(period.stuffing_blocks(1e6, 5.0)) - k == pytest.approx(np.log(1000) / np.log(1.125), abs=1.0)


def test_arbitrum_and_op_implied_censorship() -> None:
    q_arb = float(period.implied_censor_fraction(period.ARBITRUM_PERIOD_BLOCKS, 1e-9))
    assert 0.9995 < q_arb < 0.99996
    assert period.OP_STACK_PERIOD_BLOCKS == 50_400
    assert pytest.approx(6.36, abs=0.01) == period.ARBITRUM_PERIOD_BLOCKS * 12 / 86400


def test_capital_cost_is_linear() -> None:
    assert float(bounds.capital_cost_eth(100.0, 0.05, 0.5)) == pytest.approx(2.5)
    assert np.allclose(bounds.capital_cost_eth(np.array([1.0, 2.0]), 0.1, 1.0), [0.1, 0.2])
