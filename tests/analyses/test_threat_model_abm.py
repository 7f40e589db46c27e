"""The threat-model section's ABM prose and verdict follow the experiment's numbers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

from agents.abm.threat_experiment import PERIOD_CUT, RECOMMENDED
from analyses.report import Verdict
from analyses.threat_model import _abm_text


def _results(finalised_at_rec: int) -> Any:
    rows = []
    for setting, period, fin in ((RECOMMENDED, 51024, finalised_at_rec), (PERIOD_CUT, 40944, 1000)):
        for flow in ("public", "private"):
            rows.append({"setting": setting, "order_flow": flow, "episode_target": "challenge",
                         "period_blocks": period, "move_clock_blocks": 50422, "attempts": 1000, "finalised": fin,
                         "rate_ci_low": 0.0, "rate_ci_high": 0.0037, "caught": 1000 - fin,
                         "self_challenge_reverts": (1000 - fin) if flow == "public" else 0,
                         "sequencer_loss_per_caught_eth": 15.76 if flow == "public" else 149.13,
                         "honest_timeouts": 0, "binding_threat": "strong_censorship",
                         "binding_component_blocks": 50401.0})
    ok = finalised_at_rec == 0
    return SimpleNamespace(abm=pd.DataFrame(rows), abm_frauds=1000, abm_eps=1e-6, abm_bound=9.58e-7,
                           abm_check=Verdict("ABM", ok, f"{2 * finalised_at_rec} of 2000 finalised"))


def test_prose_quotes_the_runs() -> None:
    md = _abm_text(_results(0))
    assert "51,024 blocks" in md and "strong_censorship" in md and "as the period requires" in md
    assert "public 0 of 1,000 finalised" in md and "15.8 ETH per caught fraud" in md
    assert "every one reverted by an honest watcher" in md and "149.1 ETH" in md
    assert "40,944 blocks" in md and "public 1,000 of 1,000 finalised" in md


def test_prose_says_when_the_check_fails() -> None:
    md = _abm_text(_results(3))
    assert "against what the period requires" in md and "6 of 2000 finalised" in md
    assert "public 3 of 1,000 finalised" in md
