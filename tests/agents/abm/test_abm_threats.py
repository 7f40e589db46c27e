"""The ABM under the threat model: the threat processes it samples, the order-flow
setting, censored moves against the contract's clocks, and the experiment at the
recommended period (docs/abm_threats.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel
from agents.abm.threat_experiment import (
    PERIOD_CUT,
    RECOMMENDED,
    RECOMMENDED_MOVE,
    clopper_pearson,
    threat_experiment,
)
from agents.abm.threats import ThreatSampler
from mechanism.economics.threats import ThreatModel
from mechanism.economics.threats.censorship import miss_probability
from mechanism.errors import ParameterError

#: A scaled threat model: strong censorship for 6 blocks, short outages (blocks of 12 s).
SCALED = ThreatModel(social_response_hours=6 * 12 / 3600, outage_mean_minutes=2 * 12 / 60,
                     common_mode_mean_hours=2 * 12 / 3600)


def _toml(path: Path, **fields: float | bool) -> str:
    """A threat-model file for ``ABMConfig.threat_model`` (the censorship table only)."""
    body = "\n".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in fields.items())
    f = path / "threats.toml"
    f.write_text(f"[censorship]\n{body}\n[liveness]\noutage_prob = 0.0\n[availability]\ncommon_mode_prob = 0.0\n")
    return str(f)


def test_sampled_landing_follows_the_analytic_law() -> None:
    """Strong censorship alone: the challenge lands at R + Y with the attacker-timed weak
    censorship law P(Y > y) = rho^(y-1); the fast path (skip the episode) agrees in 95 % CIs."""
    m = ThreatModel(censor_fraction=0.5, social_response_hours=6 * 12 / 3600, outage_prob=0.0, common_mode_prob=0.0,
                    watcher_online_prob=1.0)
    s = ThreatSampler(m, 0.0, 1.0, 60e6)
    rng = np.random.default_rng(11)
    n = 3000
    draws = [s.draw(40, 2, 40, "challenge", rng) for _ in range(n)]
    assert all(d.episode_blocks == 6 and d.challenge_delay_blocks > 6 for d in draws)
    for w in (7, 8, 9):
        late = sum(d.challenge_delay_blocks > w for d in draws)
        lo, hi = clopper_pearson(late, n)
        assert lo <= float(miss_probability(w - 6, 0.5, timed=True)) <= hi, (w, late)
    moves = [d.move_delay_blocks[0] for d in draws]  # no episode on the moves: weak censorship only
    lo, hi = clopper_pearson(sum(x > 1 for x in moves), n)
    assert lo <= float(miss_probability(1, 0.5, timed=True)) <= hi


def test_no_watcher_online_means_no_challenge() -> None:
    s = ThreatSampler(ThreatModel(watchers=1, watcher_online_prob=0.3, strong_censorship=False), 0.0, 1.0, 60e6)
    rng = np.random.default_rng(2)
    offline = sum(not s.draw(100, 1, 100, "challenge", rng).watchers_online for _ in range(2000))
    lo, hi = clopper_pearson(offline, 2000)
    assert lo <= 0.7 <= hi


def test_order_flow_decides_who_reverts_the_fraud_and_the_penalty() -> None:
    """Public: the sequencer front-runs every challenge with its self-challenge and loses
    (1 - alpha) B_s; private: an honest watcher reverts it and the sequencer loses B_s."""
    base = ABMConfig(blocks=2500, sequencer_strategy="fraudulent", challenger_strategy="always", challengers=3,
                     honest_watchers=3, seed=4)
    out = {}
    for flow in ("public", "private"):
        s = RollupModel(base.replace(order_flow=flow)).run()
        assert s["frauds_attempted"] > 5 and s["frauds_finalized"] == 0
        out[flow] = s
    pub, priv = out["public"], out["private"]
    assert pub["self_challenge_reverts"] == pub["frauds_caught"] > 0
    assert priv["self_challenge_reverts"] == 0 and priv["frauds_caught"] > 0
    per_pub = -pub["sequencer_profit_eth"] / pub["frauds_caught"]
    per_priv = -priv["sequencer_profit_eth"] / priv["frauds_caught"]
    assert per_pub < per_priv
    assert per_priv - per_pub == pytest.approx(base.reward_share * base.sequencer_bond_eth, rel=0.05)


def test_public_mempool_bribes_cost_nothing_and_only_an_honest_watcher_stops_them() -> None:
    """A defector is front-run in a public mempool, so a zero bribe keeps every rational
    challenger quiet and the fraud finalises; one honest watcher catches it."""
    base = ABMConfig(blocks=3000, challengers=3, challenger_strategy="always", gain_eth=50.0, seed=1).replace(
        scenario="bribing", sequencer_strategy="fraudulent", order_flow="public")
    bribed = RollupModel(base).run()
    assert bribed["frauds_finalized"] > 0 and bribed["frauds_caught"] == 0 and bribed["bribes_paid_eth"] == 0
    guarded = RollupModel(base.replace(honest_watchers=1)).run()
    assert guarded["frauds_finalized"] == 0 and guarded["frauds_caught"] > 0
    private = RollupModel(base.replace(order_flow="private")).run()  # the bribe must cover the reward
    assert private["frauds_caught"] > 0 or private["bribes_paid_eth"] > 0


def test_censored_moves_lose_by_the_contracts_timeout(tmp_path: Path) -> None:
    """Strong censorship aimed at a move outlasts a short move clock: the contract's timeout
    settles the dispute for the sequencer and the fraud finalises; a clock longer than the
    episode keeps it safe."""
    path = _toml(tmp_path, censor_fraction=0.5, social_response_hours=30 * 12 / 3600)
    base = ABMConfig(blocks=1, sequencer_strategy="fraudulent", challenger_strategy="always", challengers=2,
                     honest_watchers=2, threat_model=path, episode_target="move", max_frauds=20,
                     challenge_period_blocks=200, seed=5)
    short = RollupModel(base.replace(move_clock_blocks=10)).run(blocks=10**7)
    assert short["frauds_attempted"] == 20 and short["frauds_finalized"] == 20 and short["honest_timeouts"] >= 20
    long = RollupModel(base.replace(move_clock_blocks=60)).run(blocks=10**7)
    assert long["frauds_finalized"] == 0 and long["honest_timeouts"] == 0 and long["frauds_caught"] == 20


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ParameterError, match="order_flow"):
        ABMConfig(order_flow="dark")
    with pytest.raises(ParameterError, match="episode_target"):
        ABMConfig(episode_target="verdict")
    with pytest.raises(ParameterError, match="honest_watchers"):
        ABMConfig(challengers=2, honest_watchers=3)


def _threat_recommendation():  # type: ignore[no-untyped-def]
    from analyses.report import report_scenario
    from mechanism.economics.recommend import recommend

    return recommend(report_scenario()[0], with_sensitivity=False, threats=ThreatModel())


def _check(exp, frauds: int) -> None:  # type: ignore[no-untyped-def]
    for flow in ("public", "private"):
        rec = exp.run(RECOMMENDED, flow)
        assert rec.binding_threat == "strong_censorship"
        assert rec.attempts >= frauds and rec.unresolved == 0
        assert rec.finalised == 0 and rec.rate_ci_high <= 3.7 / rec.attempts
        cut = exp.run(PERIOD_CUT, flow)
        assert cut.period_blocks == rec.period_blocks - int(0.2 * rec.binding_component_blocks)
        assert cut.finalised > 0 and cut.unresolved == 0
    assert exp.run(RECOMMENDED, "public").self_challenge_reverts == exp.run(RECOMMENDED, "public").caught
    assert exp.run(RECOMMENDED, "private").self_challenge_reverts == 0
    assert exp.passed


def test_threat_experiment_small() -> None:
    exp = threat_experiment(_threat_recommendation(), frauds=60, settings=(RECOMMENDED, RECOMMENDED_MOVE, PERIOD_CUT))
    _check(exp, 60)
    assert all(r.finalised == 0 for r in exp.runs if r.setting == RECOMMENDED_MOVE)


@pytest.mark.slow
def test_threat_experiment_thousand_frauds() -> None:
    """Done-means of issue 13: >= 1,000 attempted frauds at the recommended period under the
    default threat model, both order flows: none finalises; 20 % less of the binding
    component: some do."""
    exp = threat_experiment(_threat_recommendation(), frauds=1000, settings=(RECOMMENDED, PERIOD_CUT))
    _check(exp, 1000)
