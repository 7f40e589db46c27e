"""Economics with training proofs (docs/economics.md, 'Training proofs'): the proof-checked
tolerance, the trainer stake paying for a training dispute, the Sybil bound on data
poisoning only, and the measured training-dispute gas."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from mechanism import units
from mechanism.economics import training_dispute as TD
from mechanism.economics.attacks import candidate_of, problem_margins
from mechanism.economics.bounds import sybil_identities_needed
from mechanism.economics.constraints import Row, make_problem, rhs
from mechanism.economics.optimum import solve_closed_form
from mechanism.economics.recommend import recommend, tolerance_setting
from mechanism.economics.scenario import DesignInputs
from mechanism.economics.tolerance import SHIPPED_TABLE, load_tolerance_table
from mechanism.errors import InfeasibleError, ParameterError

#: Proof-checked betas (lower CI end) written into the test table for label_flip; the mlp
#: rows get +0.02, so the worst case is the logreg row.
PROOF_BETAS = {"mean": 0.12, "median": 0.28, "trimmed_mean": 0.22, "krum": 0.3, "geometric_median": 0.33,
               "centered_clipping": 0.25, "bulyan": 0.2}


def two_setting_table(tmp_path: Path, betas: dict[str, float] = PROOF_BETAS) -> Path:
    """The shipped table's rows as ``predicates`` plus ``proof_checked`` label-flip rows."""
    doc = json.loads(SHIPPED_TABLE.read_text())
    base = [dict(r, setting="predicates") for r in doc["tolerances"] if r.get("setting", "predicates") == "predicates"]
    proof = [{**r, "setting": "proof_checked", "tolerance": betas[r["rule"]] + 0.05 + (0.02 if r["model"] == "mlp" else 0),
              "tolerance_ci_low": betas[r["rule"]] + (0.02 if r["model"] == "mlp" else 0.0)}
             for r in base if r["attack"] == "label_flip"]
    doc["tolerances"] = base + proof
    doc["settings"] = {"predicates": doc["grid"]["attacks"], "proof_checked": ["label_flip"]}
    p = tmp_path / "two_settings.json"
    p.write_text(json.dumps(doc))
    return p


def worst_case(path: Path, rule: str, setting: str) -> float:
    """The design's beta computed here from the rows: min over models and the setting's
    attacks of the lower CI end, at the most heterogeneous alpha."""
    doc = json.loads(path.read_text())
    rows = [r for r in doc["tolerances"] if r.get("setting", "predicates") == setting and r["rule"] == rule]
    alpha = min(float(r["alpha"]) for r in rows)
    return max(0.0, min(float(r["tolerance_ci_low"]) for r in rows if float(r["alpha"]) == alpha))


def test_with_training_proofs_the_rule_beta_is_the_proof_checked_worst_case(tmp_path: Path) -> None:
    p = two_setting_table(tmp_path)
    inputs = DesignInputs(training_proofs=True, malicious_fraction=0.1)
    assert tolerance_setting(inputs) == "proof_checked"
    rec = recommend(inputs, load_tolerance_table(p, None, "proof_checked"), with_sensitivity=False)
    assert rec.rule.table is not None and rec.rule.table.setting == "proof_checked"
    assert rec.rule.tolerance == pytest.approx(worst_case(p, rec.rule.name, "proof_checked"))
    assert rec.rule.tolerance >= 0.1 * 1.5  # covers f with margin, which no predicates row of this table does
    d = rec.to_dict()
    assert d["inputs"]["tolerance"]["setting"] == "proof_checked"
    assert d["sybil"]["tolerance_setting"] == "proof_checked"
    tg = d["inputs"]["training_dispute_gas"]
    assert tg["source"] == "measured" and tg["file"] == str(TD.SHIPPED_GAS)
    assert tg["sha256"] == hashlib.sha256(TD.SHIPPED_GAS.read_bytes()).hexdigest()
    assert any("training proofs" in a for a in d["assumptions"])
    assert tg["extrapolated"] is True and any("extrapolated" in w for w in d["warnings"])  # d = 1e6 > 100,480
    # without the flag the same table is read in its predicates setting and f = 0.1 is not covered
    with pytest.raises(InfeasibleError, match="malicious_fraction=0.1"):
        recommend(DesignInputs(malicious_fraction=0.1), load_tolerance_table(p), with_sensitivity=False)


def test_off_the_setting_is_predicates_and_no_training_gas(tmp_path: Path) -> None:
    p = two_setting_table(tmp_path)
    rec = recommend(DesignInputs(malicious_fraction=0.0), load_tolerance_table(p), with_sensitivity=False)
    d = rec.to_dict()
    assert d["inputs"]["tolerance"]["setting"] == "predicates" and "training_dispute_gas" not in d["inputs"]
    assert rec.design.extra["tolerance"] == worst_case(p, rec.rule.name, "predicates")


def test_a_table_in_the_wrong_setting_or_without_it_is_an_input_error(tmp_path: Path) -> None:
    p = two_setting_table(tmp_path)
    with pytest.raises(ParameterError, match="tolerance_setting='predicates'.*proof_checked"):
        recommend(DesignInputs(training_proofs=True), load_tolerance_table(p), with_sensitivity=False)
    legacy = json.loads(SHIPPED_TABLE.read_text())
    legacy["tolerances"] = [r for r in legacy["tolerances"] if r.get("setting", "predicates") == "predicates"]
    q = tmp_path / "legacy.json"
    q.write_text(json.dumps(legacy))
    with pytest.raises(ParameterError, match="setting='proof_checked'"):
        load_tolerance_table(q, None, "proof_checked")
    with pytest.raises(ParameterError, match="training_proofs"):
        DesignInputs(training_proofs="yes")  # type: ignore[arg-type]


def test_sybil_row_counts_identities_against_the_proof_checked_beta(tmp_path: Path) -> None:
    """k_s comes from beta of the setting; with a larger proof-checked beta more identities
    are needed, so the Sybil row's right-hand side G_p / k_s shrinks by the same ratio."""
    p = two_setting_table(tmp_path)
    base = DesignInputs(malicious_fraction=0.0, rule="median")
    on = base.replace(training_proofs=True)
    r_off = recommend(base, load_tolerance_table(p), with_sensitivity=False)
    r_on = recommend(on, load_tolerance_table(p, None, "proof_checked"), with_sensitivity=False)
    honest = base.trainers
    k_off = int(sybil_identities_needed(worst_case(p, "median", "predicates"), honest, 0))
    k_on = int(sybil_identities_needed(worst_case(p, "median", "proof_checked"), honest, 0))
    assert r_off.sybil["identities_needed"] == k_off and r_on.sybil["identities_needed"] == k_on
    assert k_on > k_off
    # the fee alone binds the Sybil row here (stake capital over 30 days is the dearer lever)
    assert r_on.design.binding["registration_fee_eth"] == "sybil_poisoning"
    ratio = r_on.design.registration_fee_eth / r_off.design.registration_fee_eth
    stake_part = lambda r: r.inputs.interest_rate_per_year * r.inputs.trainer_lock_days / 365.25 * r.design.trainer_stake_eth  # noqa: E731
    assert (r_on.design.registration_fee_eth + stake_part(r_on)) * k_on == pytest.approx(
        (r_off.design.registration_fee_eth + stake_part(r_off)) * k_off, rel=1e-9)
    assert ratio < 1.0


def test_trainer_stake_pays_for_a_training_dispute() -> None:
    """alpha_t S_t >= max(c_d, c_dt) + c_v at every vertex, and S_t is that bound when the
    Sybil row is off; with a cheap aggregation dispute the training dispute sets it."""
    inputs = DesignInputs(malicious_fraction=0.0, poisoning_gain_share=0.0, dispute_gas_per_side=1e5,
                          training_proofs=True)
    g = TD.load_training_dispute_gas(inputs.model_size).gas_total
    assert g > 1e5
    off = make_problem(inputs, 1e5, 0.2)
    on = make_problem(inputs, 1e5, 0.2, training_dispute_gas=g)
    vx = on.vertices()
    b, _, _ = rhs(on, np.array([on.fixed_blocks + 10_000]), vx)
    want = np.maximum(vx.dispute_cost_eth, units.gas_cost_eth(g, vx.gas_price_gwei)) + vx.verify_cost_eth
    assert np.allclose(b[Row.trainer_slash_incentive, :, 0], want)
    res_on, res_off = solve_closed_form(on), solve_closed_form(off)
    assert res_on.binding["trainer_stake_eth"] == "trainer_slash_incentive"
    assert res_on.trainer_stake_eth == pytest.approx(float(np.max(want)) / inputs.trainer_reward_share)
    assert res_on.trainer_stake_eth > res_off.trainer_stake_eth
    # the brute force's margin agrees: the on-design deters, the off-design's stake does not pay a training dispute
    assert float(np.max(problem_margins(on, candidate_of(res_on), names=("invalid_update_unchallenged_eth",))
                        ["invalid_update_unchallenged_eth"])) <= 1e-12
    assert float(np.max(problem_margins(on, candidate_of(res_off), names=("invalid_update_unchallenged_eth",))
                        ["invalid_update_unchallenged_eth"])) > 0
    with pytest.raises(ParameterError, match="training_dispute_gas"):
        make_problem(inputs, 1e5, 0.2, training_dispute_gas=-1.0)


def test_shipped_training_gas_file_is_measured_and_hashed() -> None:
    raw = json.loads(TD.SHIPPED_GAS.read_text())
    side = TD.SHIPPED_GAS.with_name(TD.SHIPPED_GAS.name + ".sha256").read_text().split()[0]
    assert side == hashlib.sha256(TD.SHIPPED_GAS.read_bytes()).hexdigest()
    assert raw["provenance"]["content_sha256"] == hashlib.sha256(
        json.dumps(raw["rows"], sort_keys=True).encode()).hexdigest()
    assert {r["stage"] for r in raw["rows"]} == {"z", "e", "w", "u"}
    ds = sorted({r["d"] for r in raw["rows"]})
    worst = {d: max(r["gas_total"] for r in raw["rows"] if r["d"] == d) for d in ds}
    for d in ds:  # at a measured width the loader returns that width's costliest game
        got = TD.load_training_dispute_gas(d)
        assert got.gas_total == worst[d] and not got.extrapolated
    mid = round(math.sqrt(ds[0] * ds[1]))  # halfway in log2 d
    assert TD.load_training_dispute_gas(mid).gas_total == pytest.approx((worst[ds[0]] + worst[ds[1]]) / 2, rel=1e-3)
    big = TD.load_training_dispute_gas(10**6)
    assert big.extrapolated and big.gas_total > worst[ds[-1]]
    assert TD.load_training_dispute_gas(10).gas_total == worst[ds[0]]


def test_missing_or_malformed_gas_file_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="training_dispute_gas"):
        TD.load_training_dispute_gas(1000, tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": [{"d": 10}]}')
    with pytest.raises(ParameterError, match="training_dispute_gas"):
        TD.load_training_dispute_gas(1000, bad)


@pytest.mark.slow
def test_linprog_and_brute_force_agree_with_the_closed_form_under_training_proofs() -> None:
    """The LP (every row at every vertex) and the brute force (attack margins only) find the
    closed form's optimum when the training dispute sets the trainer stake."""
    from mechanism.economics.bruteforce import brute_force
    from mechanism.economics.constraints import Var
    from mechanism.economics.solvers import solve_linprog

    inputs = DesignInputs(malicious_fraction=0.0, dispute_gas_per_side=1e5, training_proofs=True)
    g = TD.load_training_dispute_gas(inputs.model_size).gas_total
    problem = make_problem(inputs, 1e5, 0.2, training_dispute_gas=g)
    closed = solve_closed_form(problem)
    assert closed.binding["trainer_stake_eth"] == "trainer_slash_incentive"
    grid = np.array([closed.period_blocks])
    t_lp, x_lp, c_lp = solve_linprog(problem, grid)
    t_bf, x_bf, c_bf = brute_force(problem, grid)
    assert t_lp == t_bf == closed.period_blocks
    assert c_lp == pytest.approx(closed.cost_eth_per_assertion, rel=1e-6)
    assert c_bf == pytest.approx(c_lp, rel=1e-2)
    s = Var.trainer_stake_eth
    assert x_lp[s] == pytest.approx(closed.trainer_stake_eth, rel=1e-6)
    assert x_bf[s] == pytest.approx(closed.trainer_stake_eth, rel=1e-2)
