"""`recommend` checks the period and the game's clocks under a threat model."""

from __future__ import annotations

import math

import pytest

from mechanism.economics.recommend import design_threats, recommend
from mechanism.economics.scenario import DesignInputs, Interval
from mechanism.economics.threats import ThreatModel
from mechanism.errors import InfeasibleError

TABLE = {"mean": 0.0, "median": 0.2, "trimmed_mean": 0.2}


def test_without_a_threat_model_the_design_assumptions_are_checked() -> None:
    rec = recommend(DesignInputs(), TABLE, with_sensitivity=False)
    assert rec.threat is not None and rec.threat.model == design_threats(DesignInputs())
    assert rec.challenge_period_blocks >= rec.threat.period_blocks
    assert rec.threat.fraud_probability <= DesignInputs().target_fraud_probability
    assert not rec.threat.game.lengthened and rec.as_design().move_clock_blocks == 300


def test_heavy_censorship_lengthens_the_clocks_and_says_so() -> None:
    inputs = DesignInputs(censor_fraction=Interval(0.0, 0.99))
    rec = recommend(inputs, TABLE, with_sensitivity=False)
    g = rec.threat.game  # type: ignore[union-attr]
    # a 300-block clock at q = 0.99 loses a move with 0.99^300 ~ 4.9 %: never silently accepted
    assert g.lengthened and g.clock_blocks > 300 and g.honest_loss_probability <= inputs.target_fraud_probability
    assert rec.as_design().move_clock_blocks == g.clock_blocks
    assert any(w.startswith("dispute clocks:") for w in rec.warnings)
    assert rec.to_dict()["threat_model"]["game"]["clock_blocks"] == g.clock_blocks


def test_the_default_threat_model_sets_the_period_and_names_its_threat() -> None:
    base = recommend(DesignInputs(), TABLE, with_sensitivity=False)
    rec = recommend(DesignInputs(), TABLE, with_sensitivity=False, threats=ThreatModel())
    assert rec.threat is not None and rec.threat.binding_threat == "strong_censorship"
    assert rec.challenge_period_blocks == rec.threat.period_blocks > base.challenge_period_blocks
    assert rec.to_dict()["binding_constraints"]["challenge_period_blocks"] == "threat: strong_censorship"
    assert rec.as_design().challenge_period_blocks == rec.challenge_period_blocks


def test_unreachable_target_names_the_threat() -> None:
    with pytest.raises(InfeasibleError, match="strong_censorship|dispute clocks"):
        recommend(DesignInputs(), TABLE, with_sensitivity=False,
                  threats=ThreatModel(social_response_hours=math.inf))
    with pytest.raises(InfeasibleError, match="availability"):
        recommend(DesignInputs(), TABLE, with_sensitivity=False,
                  threats=ThreatModel(watchers=1, watcher_online_prob=0.9))
