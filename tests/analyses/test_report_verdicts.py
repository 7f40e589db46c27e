"""Every sentence that states a result is a function of the result: flip a result
(``dataclasses.replace``) and the verdict and the sentence change with it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from analyses import bond_sizing, challenge_period, verifier_dilemma
from analyses.report import ReportContext, Verdict, recommendation


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    return ReportContext(out_dir=tmp_path_factory.mktemp("report"), quick=True)


def test_verdict_mark_and_said() -> None:
    ok, bad = Verdict("x", True, "1 < 2"), Verdict("x", False, "3 > 2")
    assert ok.mark.endswith("pass") and bad.mark.endswith("FAIL")
    assert ok.said("held", "broke") == "held" and bad.said("held", "broke") == "broke"


def test_sections_read_one_recommendation() -> None:
    from analyses.censorship import largest_gain_eth

    assert recommendation() is recommendation()
    assert largest_gain_eth() == pytest.approx(recommendation().bribery["max_gain_eth"], rel=1e-12)


# ----------------------------------------------------------------- bond sizing
@pytest.fixture(scope="module")
def bond(ctx: ReportContext) -> bond_sizing.BondSizingResults:
    return bond_sizing.run(ctx)


def _rec_with(rec, **fields):
    return dataclasses.replace(rec, **fields)


def test_bond_verdicts_flip(bond: bond_sizing.BondSizingResults) -> None:
    rec = bond.rec
    md = bond_sizing.text(bond)
    assert bond.bribery.passed == (rec.bribery["bribe_all_cost_eth"] >= rec.bribery["max_gain_eth"])
    assert "placeholder until" not in md
    cheap = {**rec.bribery, "bribe_all_cost_eth": 1.0, "max_gain_eth": 500.0}
    sybil = {**rec.sybil, "attack_cost_eth": 1.0, "poisoning_gain_eth": 2.0}
    flipped = dataclasses.replace(bond, rec=_rec_with(rec, bribery=cheap, sybil=sybil))
    assert not flipped.bribery.passed and not flipped.sybil.passed
    md2 = bond_sizing.text(flipped)
    assert "the bribery check fails" in md2 and "the bribery check passes" not in md2
    assert "**but they do not**" in md2
    if bond.bribery.passed:
        assert "the bribery check passes" in md
    # the BoLD recursion no longer matching the published bonds
    bold = bond.bold.copy()
    bold[bold.columns[1]] = bold[bold.columns[1]] * 1.5
    off = dataclasses.replace(bond, bold=bold)
    assert not off.bold_reproduced.passed and off.bold_error > 0.49
    assert f"largest relative error {off.bold_error:.2%}" in off.bold_reproduced.detail
    assert "**does not reproduce**" in bond_sizing.text(off)
    assert bond.bold_reproduced.passed and " reproduces Arbitrum One" in md
    # the binding constraint of the bond is read, not assumed
    d = {**bond.rec_dict, "binding_constraints": {**bond.rec_dict["binding_constraints"],
                                                   "sequencer_bond_eth": "deterrence"}}
    other = dataclasses.replace(bond, rec_dict=d)
    assert not other.bribery_binds and "**`deterrence`** (not bribery)" in bond_sizing.text(other)


def test_bond_states_the_dispute_gas_source(bond: bond_sizing.BondSizingResults) -> None:
    md = bond_sizing.text(bond)
    gas = {m.name: m for m in bond.measurements()}["dispute gas per side"]
    assert gas.source in ("measured", "user", "cited") and f"({gas.source}: {gas.detail})" in md


# ----------------------------------------------------------------- challenge period
@pytest.fixture(scope="module")
def period(ctx: ReportContext) -> challenge_period.ChallengePeriodResults:
    return challenge_period.run(ctx)


def test_period_verdicts_flip(period: challenge_period.ChallengePeriodResults) -> None:
    design = recommendation().as_design()
    assert period.design_dispute_blocks == design.dispute_blocks
    assert period.dispute_term_covers_design.passed == (period.dispute_blocks >= design.dispute_blocks)
    long = dataclasses.replace(period, dispute_blocks=period.design_dispute_blocks)
    short = dataclasses.replace(period, dispute_blocks=period.design_dispute_blocks - 1)
    assert long.dispute_term_covers_design.passed and not short.dispute_term_covers_design.passed
    assert "covers the longest dispute" in challenge_period.text(long)
    assert "**Its dispute term" in challenge_period.text(short)
    tiny = dataclasses.replace(period, period_blocks=period.design_dispute_blocks)
    assert not tiny.period_fits_dispute.passed and "**do not fit** in the period" in challenge_period.text(tiny)
    cheap = dataclasses.replace(period, window_stuffing_cost_eth=period.worst_gain_eth / 2)
    assert not cheap.window_holds.passed and "**does not hold**" in challenge_period.text(cheap)
    assert period.window_holds.passed == (period.worst_q ** period.censor_blocks <= period.target_eps
                                          and period.window_stuffing_cost_eth > period.worst_gain_eth)


def test_period_names_its_largest_parts(period: challenge_period.ChallengePeriodResults) -> None:
    (top, blocks), _ = period.largest_parts[:2]
    assert f"largest parts are the {top}\n({blocks:,} blocks)" in challenge_period.text(period)
    swapped = dataclasses.replace(period, dispute_blocks=1, fixed_blocks=period.fixed_blocks - period.dispute_blocks + 1)
    assert swapped.largest_parts[0][0] != "dispute clocks"


# ----------------------------------------------------------------- verifier's dilemma
@pytest.fixture(scope="module")
def dilemma(ctx: ReportContext) -> verifier_dilemma.VerifierDilemmaResults:
    return verifier_dilemma.run(ctx)


def test_dilemma_verdicts_flip(dilemma: verifier_dilemma.VerifierDilemmaResults) -> None:
    md = verifier_dilemma.text(dilemma)
    assert dilemma.no_pure_equilibrium.passed == (dilemma.pure_equilibria == 0)
    two = dataclasses.replace(dilemma, pure_equilibria=2)
    assert not two.no_pure_equilibrium.passed and "**unlike** Mamageishvili" in verifier_dilemma.text(two)
    far = dataclasses.replace(dilemma, qre=[*dilemma.qre[:-1], dataclasses.replace(dilemma.qre[-1], fraud_prob=0.5)])
    assert not far.qre_converges.passed and "**does not converge**" in verifier_dilemma.text(far)
    eq = [dataclasses.replace(e, verify_prob=0.5) for e in dilemma.eq_jackpot]
    lazy = dataclasses.replace(dilemma, eq_jackpot=eq)
    assert not lazy.jackpot_pure.passed and "**(p, v) does not reach (0, 1)**" in verifier_dilemma.text(lazy)
    if all(v.passed for v in dilemma.verdicts()):
        assert "converges to" in md and "is the pure equilibrium" in md and "as Mamageishvili" in md


# ----------------------------------------------------------------- aggregation core
def test_aggregation_verdict_and_baselines(tmp_path: Path) -> None:
    from analyses import aggregation_core as ac

    checks = pd.DataFrame([{"rule": "median", "trials": 3, "fast_equals_reference": 3, "permutation_invariant": 3,
                            "threads_1_vs_default": 3}])
    bench = pd.DataFrame([{"name": "float_median", "kind": "float baseline", "seconds": 0.05, "baseline": "",
                           "ratio": float("nan")},
                          {"name": "median", "kind": "int64 bit-exact", "seconds": 0.03, "baseline": "float_median",
                           "ratio": 0.6}])
    r = ac.AggregationCoreResults(frac_bits=20, max_abs_bits=40, rules=pd.DataFrame(), checks=checks, n=3, d=4,
                                  bench=bench, bench_params={}, seed=1)
    assert r.determinism.passed and "all passed" in ac.text(r)
    bad = dataclasses.replace(r, checks=checks.assign(permutation_invariant=2))
    assert not bad.determinism.passed and "median permutation_invariant 2/3" in bad.determinism.detail
    assert "**FAILED**" in ac.text(bad) and "all passed" not in ac.text(bad)
    shown = r.tables()["aggregation_benchmark"]
    base = shown[shown["kind"] == "float baseline"].iloc[0]
    assert base["baseline"] == "float_median" and base["time / baseline time [1]"] == 1.0
