"""threat_period, the TOML loader, anchors, order flow, delay attacks and BoLD's published inputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mechanism.chain import challenge_lands
from mechanism.economics import bounds
from mechanism.economics.threats import (
    ThreatModel,
    delay,
    load_threat_model,
    mempool,
    threat_period,
)
from mechanism.economics.threats.anchors import ANCHORS, anchor_period
from mechanism.errors import InfeasibleError, ParameterError

ROOT = Path(__file__).resolve().parents[3]


def test_default_period_is_bound_by_strong_censorship() -> None:
    r = threat_period(ThreatModel(), 1e-6, detect_blocks=2, buffer_blocks=600, moves_per_side=5,
                      move_clock_blocks=300, gain_eth=100.0)
    assert r.binding_threat == "strong_censorship"
    assert r.window_blocks >= ThreatModel().social_response_blocks
    assert r.fraud_probability <= 1e-6
    assert r.game.clock_blocks > ThreatModel().social_response_blocks  # every move outlasts the episode
    assert r.game.chess_bound_blocks < r.game.per_move_bound_blocks


def test_period_is_least() -> None:
    m = ThreatModel(strong_censorship=False, common_mode_prob=0.0)
    r = threat_period(m, 1e-6, detect_blocks=2, moves_per_side=3)
    assert r.binding_threat == "l1_outage"
    from mechanism.economics.threats.episodes import episodes_of
    from mechanism.economics.threats.period import landing_bound

    eps_land = 1e-6 - r.availability_floor - r.game.honest_loss_probability
    ep = episodes_of(m)
    assert landing_bound(m, ep, r.window_blocks) <= eps_land < landing_bound(m, ep, r.window_blocks - 1)


def test_infeasible_names_the_threat_and_the_gap() -> None:
    with pytest.raises(InfeasibleError, match="threat availability.*factor"):
        threat_period(ThreatModel(watchers=1, watcher_online_prob=0.99), 1e-6, detect_blocks=1)
    with pytest.raises(InfeasibleError, match="strong_censorship|dispute clocks"):
        threat_period(ThreatModel(social_response_hours=math.inf), 1e-6, detect_blocks=1)
    with pytest.raises(InfeasibleError, match=r"threat strong_censorship: needs a period .* max_period_blocks"):
        threat_period(ThreatModel(), 1e-6, detect_blocks=1, max_period_blocks=10_000, moves_per_side=2,
                      clock_kind="chess")


@pytest.mark.slow
def test_simulated_frauds_at_the_period_and_below_the_binding_component() -> None:
    """Scaled default: at the period no fraud finalises in 1,000; 20 % less of the binding
    component (the social response) lets some finalise on the simulated L1."""
    m = ThreatModel(social_response_hours=40 * 12 / 3600, outage_mean_minutes=2 * 12 / 60,
                    common_mode_mean_hours=2 * 12 / 3600)
    r = threat_period(m, 1e-5, detect_blocks=0, moves_per_side=1)
    assert r.binding_threat == "strong_censorship"
    kw = dict(q=m.censor_fraction, timed=True, strong_blocks=40, outage_prob=m.outage_prob, outage_mean_blocks=2.0,
              watchers=m.watchers, watcher_online_prob=m.watcher_online_prob, common_prob=m.common_mode_prob,
              common_mean_blocks=2.0)
    rng = np.random.default_rng(7)
    assert all(challenge_lands(r.window_blocks, rng, **kw) for _ in range(1000))
    cut = r.window_blocks - int(0.2 * r.components_blocks["strong_censorship"])
    assert sum(not challenge_lands(cut, rng, **kw) for _ in range(1000)) > 0


def test_anchors_reproduce_within_ten_percent() -> None:
    for a in ANCHORS:
        r = anchor_period(a)
        assert abs(r.period_blocks / a.published_period_blocks - 1) <= 0.10, a.name
        assert r.binding_threat == "strong_censorship"


def test_toml_example_and_errors(tmp_path: Path) -> None:
    m = load_threat_model(ROOT / "docs" / "threats.example.toml")
    assert m.given and m.provenance()[m.given[0]]["kind"] == "user"
    bad = tmp_path / "bad.toml"
    bad.write_text("[censorship]\nwatchers = 3\n")
    with pytest.raises(ParameterError, match=r"censorship.watchers.*\[availability\]"):
        load_threat_model(bad)
    bad.write_text("[censorship]\ncensor_fraction = 1.5\n")
    with pytest.raises(ParameterError, match="censor_fraction"):
        load_threat_model(bad)
    bad.write_text("[attacker]\nattacker_budget_eth = 'inf'\norder_flow = 'private'\n")
    with pytest.raises(ParameterError, match="attacker_budget_eth"):
        load_threat_model(bad)  # an unbounded budget stuffs forever: no period exists
    bad.write_text("[attacker]\nattacker_budget_eth = 500\norder_flow = 'private'\n")
    assert load_threat_model(bad).attacker_budget_eth == 500.0
    assert ThreatModel().attacker_budget_eth is None


def test_order_flow_decides_both_frontrunning_effects() -> None:
    f_pub, f_priv = mempool.frontrun_probability("public"), mempool.frontrun_probability("private")
    assert float(mempool.penalty_eth(100, 0.5, f_pub)) == 50 and float(mempool.penalty_eth(100, 0.5, f_priv)) == 100
    assert float(mempool.defector_reward_eth(10, 1, 0, f_pub)) == 0
    assert math.isinf(float(mempool.min_bribery_reward_eth(100, 10, 1, 0.1, 0, f_pub)))
    assert float(mempool.min_bribery_reward_eth(100, 10, 1, 0.1, 0, f_priv)) == pytest.approx(
        float(bounds.min_bribery_reward_eth(100, 10, 1, 0.1, 0, 0.05, 0.0)))


def test_delay_attack() -> None:
    d = delay.delay_attack(100.0, 9.0, 1.0, 1000, 50)
    assert d.sub_challenges == 10 and d.worst_confirmation_blocks == 1050 and d.resource_ratio == 10
    assert delay.delay_attack(100.0, 9.0, 1.0, 1000, 50, parallel=False).worst_confirmation_blocks == 1500
    assert delay.min_bond_for_defender(100.0, 1.0, 10.0) == 9.0


def test_bold_published_inputs() -> None:
    s = bounds.bold_published_stakes_eth()
    assert s == pytest.approx([3707, 567, 79.9], rel=2e-3)
    assert all(0 < g < 0.035 for g in bounds.bold_published_gap())
