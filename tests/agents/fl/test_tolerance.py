"""Tolerance grid: intervals, beta*, the Parquet cache, the table, the benchmark shape."""

import json
import math

import pandas as pd
import pytest
from scipy import stats

import agents.fl.tolerance as tol
from agents.fl.tolerance import Grid, t_interval, tolerance_table
from agents.fl.training import FLConfig
from agents.store import ResultsStore, config_key
from mechanism.errors import ParameterError, UnknownRuleError

TINY = FLConfig(n_trainers=12, rounds=2, local_steps=2)
ONE = (("logreg", 2),)


def test_t_interval():
    mean, lo, hi = t_interval([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert mean == 2.0 and lo == pytest.approx(2 - half) and hi == pytest.approx(2 + half)
    assert t_interval([0.5])[0] == 0.5 and math.isnan(t_interval([0.5])[1])
    assert math.isnan(t_interval([])[0])


def test_beta_star_is_monotone():
    fr = [0.0, 0.1, 0.2, 0.3]
    assert tol._beta_star(fr, {0.0: True, 0.1: True, 0.2: False, 0.3: True}) == 0.1
    assert tol._beta_star(fr, dict.fromkeys(fr, True)) == 0.3
    assert tol._beta_star(fr, {0.0: False}) == -1.0


def test_grid_validation():
    for kw, err, needle in [
        ({"rules": ("avg",)}, UnknownRuleError, "rules"), ({"attacks": ("nuke",)}, UnknownRuleError, "attacks"),
        ({"attacks": ("none",)}, UnknownRuleError, "attacks"), ({"alphas": (0.0,)}, ParameterError, "alphas"),
        ({"fractions": (1.0,)}, ParameterError, "fractions"), ({"fractions": (-0.1,)}, ParameterError, "fractions"),
        ({"seeds": 0}, ParameterError, "seeds"), ({"models": (("resnet", 5),)}, ParameterError, "models"),
        ({"models": (("mlp", 0),)}, ParameterError, "models"), ({"models": ()}, ParameterError, "grid"),
    ]:
        with pytest.raises(err, match=needle):
            Grid(**kw)


def test_grid_configs_share_clean_runs():
    g = Grid(rules=("mean", "median"), attacks=("sign_flip", "ipm"), alphas=(1.0,), fractions=(0.1, 0.3), seeds=2,
             models=(("logreg", 7), ("mlp", 9)))
    configs = g.configs()
    # per model and seed: 2 rules x (clean at 0 + 2 fractions x (clean + 2 attacks)); FedAvg baseline deduplicated
    assert len(configs) == 2 * 2 * 2 * (1 + 2 * 3)
    assert len({tol.run_key(c) for c in configs}) == len(configs)
    assert all(c.attack == "none" for c in configs if c.fraction == 0.0)
    assert {(c.model, c.rounds) for c in configs} == {("logreg", 7), ("mlp", 9)}


def test_default_grid_trains_both_models_to_their_measured_convergence():
    from agents.fl.convergence import CONVERGED_ROUNDS

    g = Grid()
    assert dict(g.models) == dict(CONVERGED_ROUNDS) and set(g.model_names) == {"logreg", "mlp"}
    assert g.base.n_trainers == 50 and g.seeds == 3
    assert {(c.model, c.rounds) for c in g.configs()} == set(CONVERGED_ROUNDS)


def test_cache_is_atomic_and_resumes(tmp_path):
    c = ResultsStore(tmp_path / "c")
    c.put("k1", {"accuracy": 0.5, "curve": [0.1, 0.2]})
    c.put("k1", {"accuracy": 0.9, "curve": [0.0]})  # first write wins
    assert c.flush() is not None and c.flush() is None
    assert not list((tmp_path / "c").glob(".*"))  # no temporary files left
    again = ResultsStore(tmp_path / "c")
    assert "k1" in again and again.get("k1")["accuracy"] == 0.5 and len(again) == 1
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1}) != config_key({"a": 1, "b": 3})


def test_grid_is_cached_and_never_recomputed(tmp_path, monkeypatch):
    g = Grid(rules=("mean", "krum"), attacks=("sign_flip",), alphas=(100.0,), fractions=(0.0, 0.2, 0.45), seeds=2,
             base=TINY, models=ONE)
    first = tol.run_grid(g, tmp_path)
    assert len(first) == len(g.configs())
    # krum needs n > 2f + 2: with 12 trainers and f = 5 it is not applicable
    krum45 = first[(first.rule == "krum") & (first.fraction == 0.45)]
    assert not krum45.applicable.any() and krum45.accuracy.isna().all()

    def boom(cfg):
        raise AssertionError("recomputed")

    monkeypatch.setattr(tol, "run_one", boom)
    second = tol.run_grid(g, tmp_path)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))


def test_tolerance_table_files(tmp_path):
    import hashlib

    g = Grid(rules=("mean", "krum"), attacks=("sign_flip", "ipm"), alphas=(100.0,), fractions=(0.0, 0.2, 0.45), seeds=2,
             base=TINY, models=ONE)
    path = tmp_path / "t" / "tolerance.json"
    table = tolerance_table(g, cache_dir=tmp_path / "cache", path=path)
    on_disk = json.loads(path.read_text())  # strict JSON (no NaN)
    assert on_disk == table and on_disk["schema"] == 2 and on_disk["delta"] == 0.05
    assert {r["attack"] for r in on_disk["tolerances"]} == {"sign_flip", "ipm", "worst_case"}
    csv = pd.read_csv(path.with_suffix(".csv"))
    assert list(csv.columns[:5]) == ["model", "rule", "attack", "alpha", "tolerance"] and len(csv) == 2 * 3
    krum = [t for t in table["tolerances"] if t["rule"] == "krum"]
    assert all(t["tolerance"] < 0.45 for t in krum)  # not applicable at 0.45
    for col in ("tolerance", "tolerance_ci_low"):
        worst = {t["rule"]: t[col] for t in table["tolerances"] if t["attack"] == "worst_case"}
        for rule, w in worst.items():
            assert w == min(t[col] for t in table["tolerances"] if t["rule"] == rule)
    for t in table["tolerances"]:
        assert t["tolerance_ci_low"] <= t["tolerance"]  # the lower CI end is never more tolerant
    # provenance: seeds, commit, content hash (recomputed), file hash in the .sha256 file
    prov = table["provenance"]
    assert prov["seeds"] == [0, 1] and prov["content_sha256"] == tol.content_sha256(table)
    assert path.with_name("tolerance.json.sha256").read_text().split()[0] == hashlib.sha256(path.read_bytes()).hexdigest()
    # deterministic: rebuilt from the cache, the measured content hash is the same
    again = tolerance_table(g, cache_dir=tmp_path / "cache", path=None)
    assert again["provenance"]["content_sha256"] == prov["content_sha256"]
    with pytest.raises(ParameterError, match="delta"):
        tolerance_table(g, cache_dir=None, path=None, delta=0.0)


@pytest.mark.slow
def test_reduced_grid_mean_collapses_median_holds():
    """Published shape: mean collapses under sign flip; median holds at small fractions."""
    g = Grid(rules=("mean", "median"), attacks=("sign_flip",), alphas=(100.0,), fractions=(0.0, 0.1, 0.3), seeds=2,
             models=(("logreg", 10),))
    s = tol.summarise(tol.run_grid(g, cache_dir=None)).set_index(["rule", "attack", "fraction"])
    acc = s["accuracy_mean"]
    assert acc[("mean", "sign_flip", 0.3)] < acc[("mean", "none", 0.0)] - 0.15
    assert acc[("median", "sign_flip", 0.1)] > acc[("median", "none", 0.1)] - 0.05
    assert acc[("median", "sign_flip", 0.3)] > acc[("mean", "sign_flip", 0.3)]


@pytest.mark.slow
def test_workers_do_not_change_results(tmp_path):
    g = Grid(rules=("median",), attacks=("alie", "gaussian"), alphas=(0.5,), fractions=(0.0, 0.2), seeds=2, base=TINY,
             models=ONE)
    one = tol.run_grid(g, cache_dir=None)
    two = tol.run_grid(g, cache_dir=tmp_path, workers=2)
    assert one.accuracy.tolist() == two.accuracy.tolist() and one.loss.tolist() == two.loss.tolist()


def test_settings_share_runs_and_proof_checked_ranges_over_data_only_attacks(tmp_path):
    g = Grid(rules=("mean", "median"), attacks=("sign_flip", "label_flip", "backdoor"), alphas=(100.0,),
             fractions=(0.0, 0.2), seeds=2, base=TINY, models=ONE)
    assert g.setting_attacks("predicates") == ("sign_flip", "label_flip", "backdoor")
    assert g.setting_attacks("proof_checked") == ("label_flip", "backdoor")
    assert len(g.configs()) == len(Grid(**{**g.__dict__, "settings": ("predicates",)}).configs())  # no extra runs
    table = tolerance_table(g, cache_dir=tmp_path, path=None)
    assert table["settings"] == {"predicates": ["sign_flip", "label_flip", "backdoor"],
                                 "proof_checked": ["label_flip", "backdoor"]}
    rows = pd.DataFrame(table["tolerances"])
    proof = rows[rows.setting == "proof_checked"]
    assert set(proof.attack) == {"label_flip", "backdoor", "worst_case"}
    for _, r in rows.groupby(["setting", "rule"]):
        worst = r[r.attack == "worst_case"].tolerance_ci_low.iloc[0]
        assert worst == r[r.attack != "worst_case"].tolerance_ci_low.min()
    # the same cells: a data-only attack's beta* is the same in both settings
    for _, r in proof[proof.attack != "worst_case"].iterrows():
        same = rows[(rows.setting == "predicates") & (rows.rule == r.rule) & (rows.attack == r.attack)]
        assert same.tolerance_ci_low.iloc[0] == r.tolerance_ci_low
    # fewer attacks: proof-checking never lowers the worst case
    w = rows[rows.attack == "worst_case"].pivot(index="rule", columns="setting", values="tolerance_ci_low")
    assert (w.proof_checked >= w.predicates).all()
    with pytest.raises(ParameterError, match="settings"):
        Grid(settings=("audited",))
    no_data_only = Grid(rules=("mean",), attacks=("sign_flip",), alphas=(100.0,), fractions=(0.0, 0.2), seeds=2,
                        base=TINY, models=ONE)
    t = tolerance_table(no_data_only, cache_dir=tmp_path, path=None)
    assert {r["setting"] for r in t["tolerances"]} == {"predicates"} and "proof_checked" not in t["settings"]
