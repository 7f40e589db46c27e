"""Published findings against a tolerance frame; the norm-bound experiment's switch."""

import dataclasses
import json
import math

import pandas as pd
import pytest

from agents.fl.findings import (
    FINDINGS,
    finding_verdicts,
    norm_bound_configs,
    norm_bound_summary,
    unbounded_mean_verdict,
)
from agents.fl.training import FLConfig, run_federated


def frame(beta_krum_alie: float) -> pd.DataFrame:
    rows = [{"model": "logreg", "alpha": 100.0, "rule": f.rule, "attack": f.attack, "tolerance": 0.1} for f in FINDINGS]
    rows = [r for r in rows if not (r["rule"] == "krum" and r["attack"] == "alie")]
    rows.append({"model": "logreg", "alpha": 100.0, "rule": "krum", "attack": "alie", "tolerance": beta_krum_alie})
    return pd.DataFrame(rows)


def test_verdict_flips_with_the_measurement():
    v = {x.key: x.reproduced for x in finding_verdicts(frame(0.1))}
    assert v["alie_krum"] is True
    v = {x.key: x.reproduced for x in finding_verdicts(frame(0.3))}
    assert v["alie_krum"] is False and v["ipm_median"] is True


def test_norm_predicate_off_lets_long_rows_through():
    base = FLConfig(n_trainers=12, rounds=2, local_steps=2, rule="mean", attack="sign_flip", fraction=0.25,
                    attack_params=(("scale", 10.0),), bound_aware=False)
    on = run_federated(base)
    off = run_federated(dataclasses.replace(base, norm_predicate=False))
    assert on.rejected > 0 and off.rejected == 0  # the same long rows: rejected (slashed) only with the predicate


def test_norm_bound_summary_and_mean_verdict(tmp_path):
    from agents.fl.tolerance import run_configs

    base = FLConfig(n_trainers=12, local_steps=2)
    configs = [c for c in norm_bound_configs(base, "logreg", 2, 100.0, 1) if c.rule == "mean"]
    assert {c.norm_predicate for c in configs if c.attack != "none"} == {True, False}
    norm = norm_bound_summary(run_configs(configs, None), 0.05)
    assert set(norm.rule) == {"mean"} and len(norm) == 3 * 2
    v = unbounded_mean_verdict(norm)
    assert v["measured"] and v["fraction"] == 0.1 and not math.isnan(v["largest_drop_on_pp"])
    # flip: if every attack costs nothing, the verdict says not reproduced
    calm = norm.assign(breaks_off=False, accuracy_predicate_off=norm.clean_accuracy)
    assert unbounded_mean_verdict(calm)["reproduced_off"] is False


@pytest.mark.parametrize("f", FINDINGS)
def test_findings_cite(f):
    assert "20" in f.reference and f.rule and f.attack


def test_alie_krum_experiment_arms_pairs_and_verdict_flip():
    from agents.fl.findings import (
        ALIE_KRUM_CONDITIONS,
        alie_krum_configs,
        alie_krum_summary,
        alie_krum_verdict,
    )
    from agents.fl.tolerance import run_configs

    base = FLConfig(n_trainers=20, rounds=2, local_steps=2)
    arms = (ALIE_KRUM_CONDITIONS[0], ALIE_KRUM_CONDITIONS[3], ALIE_KRUM_CONDITIONS[5])  # grid, one-step, z = 1
    cfgs = alie_krum_configs(base, "logreg", 2, 100.0, 2, 0, arms, (0.2,))
    # per seed: clean + ALIE for the grid arm, clean + ALIE for one-step, ALIE z = 1 (clean shared with the grid arm)
    assert len(cfgs) == 2 * 5 and all(c.rule == "krum" for c in cfgs)
    one_step = [c for c in cfgs if c.local_steps == 1]
    assert one_step and all(c.rounds == 4 for c in one_step)  # same number of SGD steps
    runs = run_configs(cfgs, None)
    s = alie_krum_summary(runs, base, "logreg", 2, 100.0, 0.05, arms, (0.2,))
    assert list(s.condition) == [a.label for a in arms] and (s.seeds.map(len) == 2).all()
    assert ((s.krum_selects_alie >= 0) & (s.krum_selects_alie <= 1)).all()
    for row in s.itertuples():
        assert row.drop_ci_low_pp <= row.drop_pp <= row.drop_ci_high_pp
    # flip: equal accuracies everywhere break nothing; ALIE costing 30 pp in the one-step arm breaks it there
    even = runs.assign(accuracy=0.8)
    hurt = even.copy()
    sel = (hurt.attack == "alie") & pd.Series([json.loads(c)["local_steps"] == 1 for c in hurt.config], index=hurt.index)
    hurt.loc[sel, "accuracy"] = 0.5
    v0 = alie_krum_verdict(alie_krum_summary(even, base, "logreg", 2, 100.0, 0.05, arms, (0.2,)))
    v1 = alie_krum_verdict(alie_krum_summary(hurt, base, "logreg", 2, 100.0, 0.05, arms, (0.2,)))
    assert v0["breaks_in"] == [] and v1["breaks_in"] == ["one-step gradients"]
    assert v1["largest_drop_arm"] == "one-step gradients" and v1["largest_drop_pp"] == pytest.approx(30)
