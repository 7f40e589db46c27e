"""The ABM validation report section builds in quick mode and says what the runs show."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyses.report import ReportContext, build_section


@pytest.mark.slow
def test_abm_validation_section_quick(tmp_path: Path) -> None:
    from analyses import abm_validation

    sec = build_section(abm_validation, ReportContext(out_dir=tmp_path, quick=True))
    assert sec.key == "abm_validation" and sec.title == abm_validation.TITLE
    for stem, _ in sec.figures:
        assert (tmp_path / "figures" / f"{stem}.png").is_file() and (tmp_path / "figures" / f"{stem}.pdf").is_file()
    scen = sec.tables["abm_scenarios"]
    at_rec = scen[scen["setting"] == "recommended"]
    assert set(at_rec["scenario"]) == set(abm_validation.ATTACKS)
    assert (at_rec["seeds"] >= 2).all()
    # (b) nothing profitable at the recommendation, (c) the bond 20% lower lets bribery pay
    assert not at_rec["profitable"].any(), at_rec[["scenario", "attacker_profit_eth"]]
    shrunk = scen[(scen["setting"] == "sequencer bond -20%") & (scen["scenario"] == "bribing")]
    assert bool(shrunk["profitable"].iloc[0])
    assert sec.numbers["abmProfitableAtRec"] == 0 and sec.numbers["abmTightSettings"] >= 1
    rates = sec.tables["abm_rates"]
    assert {"fraud_rate_ci95", "equilibrium_fraud_prob", "verify_rate_ci95"} <= set(rates.columns)


def test_intervals() -> None:
    import numpy as np

    from analyses.abm_validation import clopper_pearson, t_interval

    m, h = t_interval(np.array([1.0, 2.0, 3.0]))
    assert m == 2.0 and 2.4 < h < 2.5  # t_{0.975,2} = 4.303, sd/sqrt(3) = 0.577
    lo, hi = clopper_pearson(0, 100)
    assert lo == 0.0 and 0.036 < hi < 0.037  # the "rule of three" ~ 3/100
