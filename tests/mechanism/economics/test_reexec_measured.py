"""The detection term uses the re-execution time this toolkit measured, unless the user gives one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mechanism.economics import period
from mechanism.economics.scenario import DesignInputs, reexec_seconds, reexec_source
from mechanism.errors import ParameterError
from mechanism.outofcore.reexecution import SHIPPED, load


def test_default_is_the_measured_line_at_the_scenario_size() -> None:
    i = DesignInputs()
    assert i.reexec_seconds is None
    assert reexec_seconds(i) == pytest.approx(load().seconds(i.model_size, i.trainers))
    src = reexec_source(i)
    assert src["source"] == "measured"
    assert src["sha256"] == hashlib.sha256(Path(SHIPPED).read_bytes()).hexdigest()
    assert src["file"] == "mechanism/data/reexecution.json"


def test_a_larger_model_takes_longer_and_lengthens_detection() -> None:
    small, large = DesignInputs(model_size=1_000_000), DesignInputs(model_size=100_000_000)
    assert reexec_seconds(large) > 10 * reexec_seconds(small)
    assert period.detection_blocks(reexec_seconds(large)) > period.detection_blocks(reexec_seconds(small))
    assert reexec_source(DesignInputs(model_size=10**9))["extrapolated"] is True


def test_user_value_wins_and_is_validated() -> None:
    assert reexec_seconds(DesignInputs(reexec_seconds=42.0)) == 42.0
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ParameterError, match="reexec_seconds"):
            DesignInputs(reexec_seconds=bad)


def test_recommend_reports_the_source() -> None:
    from mechanism.economics.recommend import recommend

    rec = recommend(DesignInputs(non_iid_alpha=100.0))
    entry = rec.inputs_with_sources()["reexec_seconds"]
    assert entry["source"] == "measured" and entry["value"] == pytest.approx(reexec_seconds(rec.inputs))
    rec_user = recommend(DesignInputs(non_iid_alpha=100.0, reexec_seconds=5.0), user_inputs={"reexec_seconds"})
    assert rec_user.inputs_with_sources()["reexec_seconds"]["source"] == "user"
