"""The trainer-challenge window T sized under censorship (docs/economics.md, 'Threat model:
trainer-challenge window'): analytic escape probability vs the simulated L1, and the
window carried from the recommendation into the contract's parameters."""

from __future__ import annotations

import itertools
import math

import pytest

from mechanism.chain import challenge_lands
from mechanism.design import Design
from mechanism.economics.recommend import recommend
from mechanism.economics.scenario import DesignInputs, Interval
from mechanism.economics.threats import ThreatModel
from mechanism.economics.threats.episodes import episodes_of
from mechanism.economics.threats.period import landing_bound
from mechanism.economics.threats.trainer_window import trainer_challenge_window
from mechanism.errors import InfeasibleError
from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS, RollupParams
from tests.mechanism.economics._threat_mc import agreement, inside

TABLE = {"mean": 0.0, "median": 0.2, "trimmed_mean": 0.2}
TRIALS = 1000


def _weak(q: float, burst: float = 0.0, timed: bool = False) -> ThreatModel:
    return ThreatModel(censor_fraction=q, censor_burst_blocks=burst, attacker_timed=timed, strong_censorship=False,
                       outage_prob=0.0, common_mode_prob=0.0, watcher_online_prob=1.0)


def test_independent_untimed_window_is_felten_q_to_the_t_plus_1() -> None:
    """docs/protocol.md: an invalid update escapes with q^(T+1); the least T is
    ceil(ln eps / ln q) - 1 when the watcher needs no time to detect it."""
    for q, eps in ((0.5, 0.5**10), (0.5, 1e-6), (0.9, 1e-3)):
        tw = trainer_challenge_window(_weak(q), eps, detect_blocks=0)
        assert tw.window_blocks == max(1, math.ceil(math.log(eps) / math.log(q) - 1e-9) - 1), (q, eps)
        assert tw.escape_probability == pytest.approx(q ** (tw.window_blocks + 1))
        assert tw.escape_probability <= eps < q ** tw.window_blocks  # one block less would not do
        assert tw.binding_threat == "weak_censorship"


def test_detection_adds_blocks_and_stuffing_binds_when_the_gain_buys_more() -> None:
    m = _weak(0.5, timed=True)
    a = trainer_challenge_window(m, 1e-6, detect_blocks=1)
    b = trainer_challenge_window(m, 1e-6, detect_blocks=4)
    assert b.window_blocks == a.window_blocks + 3 and a.landing_blocks == b.landing_blocks
    rich = trainer_challenge_window(m, 1e-6, detect_blocks=1, gain_eth=2e6 / 1500, base_fee_gwei=1.0)
    assert rich.binding_threat == "stuffing" and rich.window_blocks > a.window_blocks
    assert rich.components_blocks["stuffing"] > rich.components_blocks["weak_censorship"]


@pytest.mark.parametrize("timed", [False, True])
def test_escape_matches_the_simulated_l1(timed: bool) -> None:
    """On a grid of (q, burst, eps) the sized window's analytic escape probability lies in
    the 95% interval of the simulated L1's frequency, and so does the window 20% shorter,
    which lets more than eps escape."""
    cells = []
    for i, (q, burst, eps) in enumerate(itertools.product([0.3, 0.6], [0.0, 5.0], [0.1, 0.02])):
        m = _weak(q, burst, timed)
        tw = trainer_challenge_window(m, eps, detect_blocks=0)
        short = max(0, math.floor(0.8 * tw.window_blocks))
        for t in {tw.window_blocks, short}:
            w = t + 1  # landing blocks with detect 0
            miss = landing_bound(m, episodes_of(m), w)
            cells.append(inside(lambda r, w=w, q=q, b=burst: not challenge_lands(w, r, q=q, burst_blocks=b,
                                                                                 timed=timed),
                                miss, TRIALS, 700 + 10 * i + t))
            if t == short and short < tw.window_blocks:
                assert miss > eps
    assert agreement(cells) >= 0.85, cells  # 16 cells at 95 %: two misses are chance


def test_strong_censorship_or_a_bounded_window_name_the_trainer_window() -> None:
    with pytest.raises(InfeasibleError, match="trainer challenge window: threat strong_censorship"):
        trainer_challenge_window(ThreatModel(social_response_hours=math.inf), 1e-6)
    with pytest.raises(InfeasibleError, match="trainer challenge window.*max 100"):
        trainer_challenge_window(ThreatModel(), 1e-6, max_blocks=100)


def test_recommendation_carries_the_window_to_the_design_and_the_contract() -> None:
    rec = recommend(DesignInputs(), TABLE, with_sensitivity=False)
    tw = rec.trainer_window
    assert tw is not None and tw.escape_probability <= DesignInputs().target_fraud_probability
    d = rec.as_design()
    assert d.trainer_challenge_window_blocks == tw.window_blocks == rec.to_dict()["trainer_challenge_window_blocks"]
    assert RollupParams.from_design(d).trainer_challenge_window_blocks == tw.window_blocks
    assert Design.from_dict(d.to_dict()) == d
    lat = rec.round_latency()
    assert lat["total_blocks"] == PUBLICATION_WINDOW_BLOCKS + tw.window_blocks + rec.challenge_period_blocks
    out = rec.to_dict()
    assert out["binding_constraints"]["trainer_challenge_window_blocks"] == f"threat: {tw.binding_threat}"
    assert out["round_latency"] == lat
    # heavier censorship lengthens the window; the default threat model's strong censorship binds it
    heavy = recommend(DesignInputs(censor_fraction=Interval(0.0, 0.9)), TABLE, with_sensitivity=False)
    assert heavy.trainer_challenge_window_blocks > rec.trainer_challenge_window_blocks
    threat = recommend(DesignInputs(), TABLE, with_sensitivity=False, threats=ThreatModel())
    assert threat.trainer_window is not None and threat.trainer_window.binding_threat == "strong_censorship"
    assert threat.trainer_challenge_window_blocks >= ThreatModel().social_response_blocks
