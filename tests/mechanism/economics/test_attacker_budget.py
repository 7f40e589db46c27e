"""The attacker budget K: the design holds against an attacker who spends max(G, K)
(docs/economics.md, 'Attacker budget')."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mechanism.economics import attacks
from mechanism.economics.constraints import make_problem
from mechanism.economics.period import stuffing_cost_eth
from mechanism.economics.recommend import recommend
from mechanism.economics.scenario import DesignInputs, attack_value_eth, box_vertices
from mechanism.economics.threats import ThreatModel
from mechanism.economics.threats.episodes import episodes_of
from mechanism.errors import ParameterError

TABLE = {"mean": 0.0, "median": 0.2, "trimmed_mean": 0.2}
BASE = DesignInputs()
G_MAX = BASE.value_at_stake_usd.high / BASE.eth_price_usd.low


def _rec(budget: float | None, **kw: object):  # type: ignore[no-untyped-def]
    return recommend(BASE.replace(attacker_budget_eth=budget), TABLE, with_sensitivity=False, **kw)


def _key(rec) -> tuple:  # type: ignore[no-untyped-def]
    return (rec.challenge_period_blocks, rec.sequencer_bond_eth, rec.reward_share, rec.challenger_bond_eth,
            rec.trainer_stake_eth, rec.jackpot_rate, rec.registration_fee_eth, rec.trainer_challenge_window_blocks)


def test_attack_value_is_the_larger_of_gain_and_budget() -> None:
    g = np.array([10.0, 100.0])
    assert np.array_equal(attack_value_eth(g, None), g)
    assert np.array_equal(attack_value_eth(g, 50.0), [50.0, 100.0])
    vx = box_vertices(BASE.replace(attacker_budget_eth=5e3), 1e6)
    assert np.all(vx.attack_value_eth == 5e3) and np.all(vx.gain_eth < 5e3)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, True])
def test_bad_budgets_name_the_field(bad: float) -> None:
    with pytest.raises(ParameterError, match="attacker_budget_eth") as err:
        BASE.replace(attacker_budget_eth=bad)
    assert "\n" not in str(err.value)
    with pytest.raises(ParameterError, match="attacker_budget_eth"):
        ThreatModel(attacker_budget_eth=bad)


def test_period_and_bonds_grow_monotonically_with_the_budget() -> None:
    budgets = [None, 0.5 * G_MAX, 2 * G_MAX, 10 * G_MAX, 1e3 * G_MAX]
    recs = [_rec(k) for k in budgets]
    for field in ("challenge_period_blocks", "sequencer_bond_eth", "trainer_challenge_window_blocks"):
        vals = [float(getattr(r, field)) for r in recs]
        assert all(a <= b for a, b in itertools.pairwise(vals)), (field, vals)
        assert vals[-1] > vals[0], (field, vals)  # a large budget buys more stuffing and more bribes
    spends = [r.bribery["attacker_spend_eth"] for r in recs]
    assert spends[0] == pytest.approx(G_MAX) and spends[-1] == pytest.approx(1e3 * G_MAX)
    # at every budget, bribing all challengers costs more than the attacker spends
    assert all(r.bribery["bribe_all_cost_eth"] >= r.bribery["attacker_spend_eth"] for r in recs)


def test_a_budget_below_the_gain_changes_nothing() -> None:
    assert _key(_rec(0.99 * G_MAX)) == _key(_rec(None)) == _key(_rec(0.0))


def test_a_budget_below_the_stuffing_cost_of_the_window_keeps_the_period() -> None:
    base = _rec(None)
    bd = base.design.breakdown
    window_cost = float(stuffing_cost_eth(bd.censor_blocks, BASE.gas_price_gwei.low, BASE.block_gas_limit))
    assert window_cost > G_MAX  # the window already outlasts what the gain buys
    rec = _rec(0.99 * window_cost)
    assert rec.challenge_period_blocks == base.challenge_period_blocks
    assert rec.trainer_challenge_window_blocks == base.trainer_challenge_window_blocks
    more = _rec(1.2 * window_cost)  # one more block of stuffing is affordable
    assert more.challenge_period_blocks > base.challenge_period_blocks


def test_the_recommendation_deters_the_budget_attacker_at_every_vertex() -> None:
    """The LP's rows and the payoff functions agree on W: no attack margin is positive."""
    rec = _rec(20 * G_MAX)
    problem = make_problem(rec.inputs, rec.rule.dispute_gas_per_side, rec.rule.tolerance)
    cand = attacks.candidate_of(rec.design)
    for name, m in attacks.problem_margins(problem, cand).items():
        assert np.all(m <= 1e-9 * 20 * G_MAX), (name, float(np.max(m)))
    # 20 % less sequencer bond lets the budget attacker's bribery or fraud pay
    shrunk = attacks.Candidate(cand.period_blocks, 0.8 * rec.design.sequencer_bond_eth, cand.reward_share,
                               cand.challenger_bond_eth, cand.trainer_stake_eth, cand.jackpot_rate,
                               cand.registration_fee_eth)
    m = attacks.problem_margins(problem, shrunk, names=("fraud_profit_eth", "bribery_profit_eth"))
    assert max(float(np.max(v)) for v in m.values()) > 0


def test_stuffing_episode_spends_the_budget_whatever_the_gain() -> None:
    m = ThreatModel()
    none = episodes_of(m, gain_eth=100.0, base_fee_gwei=1.0)
    small = episodes_of(m.with_(attacker_budget_eth=10.0), gain_eth=100.0, base_fee_gwei=1.0)
    big = episodes_of(m.with_(attacker_budget_eth=1e4), gain_eth=100.0, base_fee_gwei=1.0)
    zero_gain = episodes_of(m.with_(attacker_budget_eth=1e4), gain_eth=0.0, base_fee_gwei=1.0)
    assert small.stuffing_blocks == none.stuffing_blocks < big.stuffing_blocks == zero_gain.stuffing_blocks
    # the blocks bought cost at most the budget; one more would cost more
    s = big.stuffing_blocks
    assert float(stuffing_cost_eth(s, 1.0)) <= 1e4 < float(stuffing_cost_eth(s + 1, 1.0))


def test_delay_attack_uses_the_spend() -> None:
    base, rich = _rec(None), _rec(100 * G_MAX)
    d0, d1 = base.delay, rich.delay
    assert d0["attacker_spend_eth"] == pytest.approx(G_MAX) and d1["attacker_spend_eth"] == pytest.approx(100 * G_MAX)
    per = d1["challenger_bond_eth"] + d1["dispute_cost_eth"]
    assert d1["sub_challenges"] == math.floor(d1["attacker_spend_eth"] / per) > d0["sub_challenges"]
    assert d1["defender_funds_needed_eth"] == pytest.approx(d1["sub_challenges"] * d1["dispute_cost_eth"])
    # parallel disputes: the confirmation bound does not grow with the budget
    assert d1["worst_confirmation_blocks"] == rich.challenge_period_blocks + rich.as_design().dispute_blocks


def test_threat_file_budget_reaches_the_design_and_the_flag_wins() -> None:
    k = 20 * G_MAX
    from_file = recommend(BASE, TABLE, with_sensitivity=False, threats=ThreatModel(attacker_budget_eth=k,
                                                                                    given=("attacker_budget_eth",)))
    assert from_file.inputs.attacker_budget_eth == k
    assert from_file.inputs_with_sources()["attacker_budget_eth"]["source"] == "user"
    assert from_file.threat is not None and from_file.threat.model.attacker_budget_eth == k
    flag = recommend(BASE.replace(attacker_budget_eth=2 * k), TABLE, with_sensitivity=False,
                     threats=ThreatModel(attacker_budget_eth=k, given=("attacker_budget_eth",)),
                     user_inputs={"attacker_budget_eth"})
    assert flag.inputs.attacker_budget_eth == 2 * k and flag.threat.model.attacker_budget_eth == 2 * k  # type: ignore[union-attr]
    none = _rec(None)
    assert none.inputs_with_sources()["attacker_budget_eth"] == {
        "value": None, "unit": "ETH", "source": "assumed",
        "reference": "none: a gain-bounded attacker spends at most its gain (docs/economics.md, 'Attacker budget')"}


def test_single_scenario_period_takes_the_budget() -> None:
    from mechanism.economics.period import challenge_period, stuffing_blocks

    args = (1e-6, 0.5, G_MAX, 1.0, 5.0, 5, 300, 2.0)
    base = challenge_period(*args)
    assert challenge_period(*args, attacker_budget_eth=0.5 * G_MAX) == base
    rich = challenge_period(*args, attacker_budget_eth=1e5)
    assert rich.censor_blocks == int(stuffing_blocks(1e5, 1.0)) > base.censor_blocks


@pytest.mark.parametrize(("budget", "base_fee_gwei"), [(0.5, 1), (3.0, 7), (50.0, 1), (1333.0, 7), (1e5, 1)])
def test_budget_buys_the_predicted_stuffing_on_the_simulated_l1(budget: float, base_fee_gwei: int) -> None:
    """An attacker fills whole blocks of the simulated L1 (integer EIP-1559 base fee) until
    its budget cannot pay the next one: it fills exactly the episode's stuffing blocks."""
    from mechanism.chain import GWEI, Chain

    chain = Chain(censor_fraction=1.0, base_fee_wei=base_fee_gwei * GWEI, stuff=True, stuff_tip_wei=0,
                  background_gas_mean=0)
    k_wei, filled = int(budget * 10**18), 0
    while chain.stuffing_spent_wei + chain.gas_limit * chain.base_fee_wei <= k_wei:
        assert chain.step().stuffed
        filled += 1
    ep = episodes_of(ThreatModel(attacker_budget_eth=budget), 0.0, float(base_fee_gwei), float(chain.gas_limit))
    assert filled == ep.stuffing_blocks
    assert chain.stuffing_spent_wei <= k_wei
