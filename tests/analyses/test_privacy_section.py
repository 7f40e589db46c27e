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


def _tradeoff_results(clean) -> PrivacyResults:  # type: ignore[no-untyped-def]
    """A section whose trade-off comparison ran on a planted clean-loss shape."""
    import dataclasses

    from agents.fl.privacy_tradeoff import TaskGeometry, compare_tradeoff

    geo = TaskGeometry(dim=650, clip_l2=2.0, n_trainers=50)
    rows = []
    for z in (0.0, 0.1, 0.2, 0.3, 0.4):
        acc = clean(geo.noise_variance_l2sq(z))
        rows.append({"rule": "median", "attack": "none", "fraction": 0.0, "epsilon": 1 / z if z else float("inf"),
                     "epsilon_accountant": 1 / z if z else float("inf"), "delta": 1e-5, "noise_multiplier": z,
                     "accuracy": acc, "accuracy_ci_low": acc - 0.017, "accuracy_ci_high": acc + 0.017,
                     "seeds": [0, 1, 2]})
    t = compare_tradeoff(pd.DataFrame(rows), geo, seed=1)
    return dataclasses.replace(_results(pld=9.0), ldp_tradeoff={100.0: t})


def test_tradeoff_verdict_and_prose_follow_the_fitted_shape() -> None:
    linear = _tradeoff_results(lambda n: 0.9 - 1e-4 * n)
    assert linear.ldp_shape.passed and linear.ldp_shape in linear.verdicts()
    assert "1 of 1 (alpha, rule) fits agree, 0 disagree" in linear.ldp_shape.detail
    t = " ".join(text(linear).split())
    assert "The trade-off's shape against the published analyses" in t and "**agrees**" in t
    quadratic = _tradeoff_results(lambda n: 0.9 - 2e-7 * n * n)
    assert not quadratic.ldp_shape.passed
    assert "✗ FAIL" in text(quadratic) and "**disagrees**" in text(quadratic)
    assert "privacy_tradeoff_clean_alpha100" in quadratic.tables()


def test_committee_text_is_computed_from_its_cost_model() -> None:
    import dataclasses

    from mechanism.privacy.committee_cost import cost

    c = cost(5, 9, 50, 1_000_000, 16)
    r = dataclasses.replace(_results(pld=9.0), committee=c)
    t = " ".join(text(r).split())
    assert f"**{c.extra_gas_per_dispute:,.0f} gas**" in t and f"t = {c.threshold} of m = {c.members}" in t
    assert r.numbers()["committee_extra_gas"] == round(c.extra_gas_per_dispute)
    c3 = cost(3, 9, 50, 1_000_000, 16)
    assert c3.extra_gas_per_dispute < c.extra_gas_per_dispute  # fewer shares per opened leaf
    assert f"**{c3.extra_gas_per_dispute:,.0f} gas**" in " ".join(text(dataclasses.replace(r, committee=c3)).split())


def test_one_disagreeing_fit_among_many_is_chance_three_are_not() -> None:
    """The shape check reads the fits family-wise: 1 of 14 95% fits rejecting is what chance
    gives (P = 0.51), 3 of 14 is not (P = 0.03)."""
    import dataclasses

    lin = _tradeoff_results(lambda n: 0.9 - 1e-4 * n).ldp_tradeoff[100.0]
    quad = _tradeoff_results(lambda n: 0.9 - 2e-7 * n * n).ldp_tradeoff[100.0]
    base = _results(pld=9.0)

    def section(bad: int) -> PrivacyResults:
        fits = {float(a): dataclasses.replace(quad if a < bad else lin) for a in range(14)}
        return dataclasses.replace(base, ldp_tradeoff=fits)

    assert section(1).ldp_shape.passed and "= 0.51" in section(1).ldp_shape.detail
    assert not section(3).ldp_shape.passed and "= 0.03" in section(3).ldp_shape.detail
