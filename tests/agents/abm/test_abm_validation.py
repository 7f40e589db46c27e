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


def _synthetic(**over):
    """ABM results built by hand: every setting/scenario row, safe at the recommendation,
    tight where the design says it is, the protocol sound, every run at the design."""
    import pandas as pd

    from agents.abm.config import ABMConfig
    from analyses import abm_validation as av
    from analyses.report import recommendation

    rec = recommendation()
    sha = rec.as_design().sha256()
    rows = []
    settings = [(av.RECOMMENDED, sc) for sc in av.ATTACKS] + [(av.BOND_CUT, sc) for sc in av.ATTACKS]
    settings += [(av.FEE_CUT, "sybil")] + [(s, sc) for s in (av.WINDOW, av.WINDOW_CUT, av.PERIOD_CUT)
                                           for sc in ("stuffing", "censorship")]
    profitable = {(av.BOND_CUT, "bribing"), (av.FEE_CUT, "sybil"), (av.WINDOW_CUT, "stuffing")}
    for setting, sc in settings:
        win = (setting, sc) in profitable
        rows.append({"setting": setting, "scenario": sc, "seeds": 2, "blocks": 100, "period_blocks": 3670,
                     "sequencer_bond_eth": 1.0, "registration_fee_eth": 1.0, "attempts": 10, "finalised": 2 if win else 0,
                     "finalised_rate_lo95": 0.0, "finalised_rate_hi95": 0.3, "attacker_profit_eth": 5.0 if win else -3.0,
                     "attacker_profit_ci95": 0.0, "profitable": win, "design_sha256": sha[:12]})
    rates = pd.DataFrame([{"fraud_rate": 0.1, "equilibrium_fraud_prob": 0.1, "fraud_rate_ci95": 0.01,
                           "verify_rate": 0.5, "equilibrium_verify_prob": 0.5, "verify_rate_ci95": 0.01}] * 9)
    proto = pd.DataFrame([{"sequencer": s, "seed": 1, "trainers": 50, "censor_fraction": 0.5, "rule": "median",
                           "frauds_attempted": 2 * (s == "lying"), "frauds_caught": 2 * (s == "lying"),
                           "frauds_finalized": 0, "rounds_finalised": 4, "trainer_frauds": 1, "trainers_slashed": 1,
                           "honest_parties_whole": True, "conservation_ok": True, "challenge_period_blocks": 3670,
                           "finality_delay_blocks": 3670.0, "dispute_gas": 1_000_000, "blocks": 15_000}
                          for s in ("honest", "lying")])
    kw = dict(quick=True, rate_base=ABMConfig(), rates=rates, rate_seeds=[1, 2, 3], rates_within_p=9, rates_within_v=9,
              rec=rec, rec_dict=rec.to_dict(), design_sha256=sha, abm_design_sha256=sha, scenarios=pd.DataFrame(rows),
              scenario_seeds=[1, 2], protocol=proto, protocol_seeds=[1], protocol_design_sha256=sha, protocol_error="")
    kw.update(over)
    return av.ABMValidationResults(**kw)


def _flip(scen, setting, scenario, **cols):
    scen = scen.copy()
    mask = (scen["setting"] == setting) & (scen["scenario"] == scenario)
    for k, v in cols.items():
        scen.loc[mask, k] = v
    return scen


def test_abm_sentences_follow_the_results() -> None:
    import dataclasses

    from analyses import abm_validation as av

    r = _synthetic()
    assert all(v.passed for v in r.verdicts()), [v for v in r.verdicts() if not v.passed]
    md = av.text(r)
    for s in ("use exactly the recommended design, SHA-256 `" + r.design_sha256[:16], "no scenario yields a profitable",
              "the briber gains nothing", "griefers lose money", "so the stuffing bound is tight",
              "so the bond is tight", "so the fee is tight", "stays unprofitable", "every fraud was caught"):
        assert s in " ".join(md.split()), s
    # the briber wins at the recommendation: stated as failed, with its numbers
    scen = _flip(r.scenarios, av.RECOMMENDED, "bribing", finalised=3, attacker_profit_eth=42.0, profitable=True)
    bribed = dataclasses.replace(r, scenarios=scen)
    assert not bribed.briber_fails.passed and not bribed.safe_at_rec.passed
    md2 = av.text(bribed)
    assert "**the briber gains** (3 of 10 frauds finalised, attacker profit 42 ETH per run)" in md2
    assert "**profitable at the recommendation: bribing**" in md2 and "the briber gains nothing" not in md2
    # griefers earn money
    grief = dataclasses.replace(r, scenarios=_flip(r.scenarios, av.RECOMMENDED, "griefing", attacker_profit_eth=1.5))
    assert not grief.griefers_lose.passed and "**griefers do not lose money**" in av.text(grief)
    # the period -20 % lets stuffing pay
    short = dataclasses.replace(r, scenarios=_flip(r.scenarios, av.PERIOD_CUT, "stuffing", profitable=True))
    assert not short.period_cut_safe
    assert "**The whole period 20 % shorter makes an attack profitable**" in " ".join(av.text(short).split())
    # the window as designed already lets stuffing pay: the bound is not tight, it is too short
    loose = dataclasses.replace(r, scenarios=_flip(r.scenarios, av.WINDOW, "stuffing", profitable=True))
    assert not loose.window_tight.passed and "**The stuffing bound is not shown tight**" in av.text(loose)
    # rates missing the equilibrium far more often than chance
    off = dataclasses.replace(r, rates_within_p=2)
    assert not off.rates_match.passed and "7/9 points" in off.rates_match.detail
    assert "**more than chance allows**" in av.text(off)


def test_abm_one_loop_verdicts() -> None:
    import dataclasses

    from analyses import abm_validation as av

    r = _synthetic()
    assert r.abm_at_design.passed and r.protocol_at_design.passed and r.protocol_sound.passed
    other = dataclasses.replace(r, abm_design_sha256="0" * 64)
    assert not other.abm_at_design.passed and "**Not every run used the recommended design**" in av.text(other)
    failed = dataclasses.replace(r, protocol=r.protocol.assign(frauds_finalized=[0, 1]))
    assert not failed.protocol_sound.passed and "1 finalised" in failed.protocol_sound.detail
    assert "**the protocol did not hold**" in av.text(failed)
    broken = dataclasses.replace(r, protocol=r.protocol.iloc[:0], protocol_error="rule krum has no on-chain program")
    assert not broken.protocol_at_design.passed and "rule krum has no on-chain program" in av.text(broken)


def test_abm_config_is_exactly_the_design() -> None:
    from analyses.abm_validation import design_config
    from analyses.report import recommendation

    design = recommendation().as_design()
    cfg = design_config(design, blocks=500)
    assert cfg.design == design and cfg.design.sha256() == design.sha256() and cfg.blocks == 500
