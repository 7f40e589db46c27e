"""The privacy section's prose follows its results."""

from __future__ import annotations

import pandas as pd

from analyses.privacy import PrivacyResults, text


def _results(pld: float) -> PrivacyResults:
    disclosure = pd.DataFrame([
        {"path": "publication", "rule": "-", "own_values": 1000, "fraction_of_update": 1.0, "derived_values": 0,
         "worst_stage": "-"},
        {"path": "aggregation_dispute", "rule": "median", "own_values": 16, "fraction_of_update": 0.016,
         "derived_values": 0, "worst_stage": "out"},
        {"path": "aggregation_dispute", "rule": "krum", "own_values": 32, "fraction_of_update": 0.032,
         "derived_values": 66, "worst_stage": "order"},
    ])
    acc = pd.DataFrame([{"noise_multiplier": 1.0, "rounds": 10, "rdp": 10.0, "pld": pld, "zcdp_bound": 12.0}])
    cal = pd.DataFrame([{"epsilon_target": 4.0, "rounds": 10, "noise_multiplier": 3.21, "epsilon_rdp": 3.99}])
    return PrivacyResults(disclosure, acc, cal, 10, 1e-5, 16, 16)


def test_text_states_the_measured_disclosure_and_noise() -> None:
    r = _results(pld=9.0)
    t = text(r)
    assert r.ordered.passed
    assert "**32** raw values" in t and "krum (66 values at stage order" in t
    assert "epsilon 4: z = 3.21" in t
    assert "are ordered as theory requires" in t


def test_a_misordered_accountant_is_stated_as_a_failure() -> None:
    r = _results(pld=11.0)
    assert not r.ordered.passed
    assert "are **not** ordered" in text(r)
    assert r.numbers()["accountants_ordered"] == "no"
