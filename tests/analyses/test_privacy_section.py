"""The privacy section's prose follows its results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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


def _hiding_results(unopened: int, wins: int = 24) -> PrivacyResults:
    base = _results(pld=9.0)
    hiding = pd.DataFrame([{"rule": rule, "games": 24, "disputes_opening_values": 6, "own_values": 16, "salts": 1,
                            "trainers_opened": 12, "unopened_salts_revealed": unopened if rule == "median" else 0,
                            "honest_wins": wins} for rule in ("mean", "median", "trimmed_mean")])
    designs = pd.DataFrame([{"design": "commitments, salted leaves", "published_values": 0, "dispute_values": 16,
                             "dispute_salts": 1, "unopened": "hidden", "fraud_proofs": "salted",
                             "extra_onestep_gas": 1000, "extra_calldata_bytes": 1664}])
    gas = {"n": 50, "chunk": 16, "arity": 16, "depth": 4, "plain_gas": 200_000, "salted_gas": 231_000,
           "plain_exec": 90_000, "salted_exec": 95_000, "plain_calldata": 8484, "salted_calldata": 10148,
           "plain_gas_eip7623": 300_000, "salted_gas_eip7623": 360_000}
    return PrivacyResults(base.disclosure, base.accounting, base.calibrated, 10, 1e-5, 16, 16, hiding, designs, gas)


def test_text_states_the_hiding_gas_and_disclosure() -> None:
    r = _hiding_results(unopened=0)
    t = " ".join(text(r).split())
    assert r.hides.passed
    assert "**31,000 gas** more (15.5%; 1,664 more calldata bytes" in t
    assert "costs 200,000 gas with plain" in t and "231,000 with salted" in t
    assert "no salt of an unopened leaf appeared" in t and "the honest side won every one" in t
    assert "mean, median, trimmed_mean" in t
    assert "encrypted to them" in t
    n = r.numbers()
    assert n["hiding_extra_gas"] == 31_000 and n["hiding_extra_calldata"] == 1664 and n["hiding_leaves_hide"] == "yes"
    assert "privacy_designs" in r.tables() and "privacy_hiding" in r.tables()
    assert any(m.value == 31_000 and m.source == "measured" for m in r.measurements())


def test_leaking_or_losing_hiding_games_are_stated_as_failures() -> None:
    r = _hiding_results(unopened=3)
    assert not r.hides.passed
    assert "**the leaves did not hide**: 3 salts" in " ".join(text(r).split())
    assert r.numbers()["hiding_leaves_hide"] == "no"
    r = _hiding_results(unopened=0, wins=20)
    assert not r.hides.passed and "**only 60 of 72**" in text(r)


def test_without_hiding_results_the_section_is_unchanged() -> None:
    r = _results(pld=9.0)
    assert "Hiding leaves" not in text(r) and len(r.verdicts()) == 1


@pytest.mark.slow
@pytest.mark.evm
def test_section_builds_with_measured_hiding_rows(tmp_path: Path) -> None:
    import analyses.privacy as mod
    from analyses.report import ReportContext, build_section

    sec = build_section(mod, ReportContext(out_dir=tmp_path, quick=True))
    designs = sec.tables["privacy_designs"]
    salted = designs[designs["design"] == "commitments, salted leaves"].iloc[0]
    assert salted["published_values"] == 0 and salted["dispute_salts"] == 1
    assert salted["extra_calldata_bytes"] == 50 * 32 + 64  # the salts of the 50 trainers
    extra = int(salted["extra_onestep_gas"])
    assert 0 < extra == sec.numbers["hiding_extra_gas"]
    assert f"**{extra:,} gas**" in sec.markdown
    assert sec.numbers["hiding_leaves_hide"] == "yes"
