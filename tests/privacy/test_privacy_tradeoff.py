"""The privacy trade-off's shapes (agents.fl.privacy_tradeoff): planted shapes are found
with the right slope and exponent, flat and inverted shapes are reported as disagreeing,
the VN threshold solves its own condition, and bad summaries raise ParameterError."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agents.fl.privacy_tradeoff import (
    AGREES,
    CONSISTENT,
    CONTRADICTS,
    DISAGREES,
    NOT_BROKEN,
    HonestUpdateStats,
    TaskGeometry,
    breakdown,
    check_summary,
    compare_tradeoff,
    kappa_lower_bound,
    measure_honest_updates,
)
from mechanism.errors import ParameterError

GEO = TaskGeometry(dim=650, clip_l2=2.0, n_trainers=50)
ZS = (0.0, 0.1, 0.2, 0.3, 0.4)
SEEDS = [0, 1, 2]
T = float(stats.t.ppf(0.975, len(SEEDS) - 1))


def _row(rule: str, attack: str, fraction: float, z: float, acc: float, se: float) -> dict:
    return {"rule": rule, "attack": attack, "fraction": fraction, "epsilon": math.inf if z == 0 else 1.0 / z,
            "epsilon_accountant": math.inf if z == 0 else 1.0 / z, "delta": 1e-5, "noise_multiplier": z,
            "accuracy": acc, "accuracy_ci_low": acc - T * se, "accuracy_ci_high": acc + T * se, "seeds": SEEDS}


def _summary(clean, gaps=None, se: float = 0.004, rule: str = "median", zs=ZS) -> pd.DataFrame:
    """clean(N) -> accuracy; gaps: {(attack, fraction): gap(N)}; N = d (2 C z)^2."""
    rows = []
    for z in zs:
        n = GEO.noise_variance_l2sq(z)
        rows.append(_row(rule, "none", 0.0, z, clean(n), se))
        for (attack, f), gap in (gaps or {}).items():
            rows.append(_row(rule, attack, f, z, clean(n) - gap(n), se))
    return pd.DataFrame(rows)


def test_noise_variance_is_d_times_the_coordinate_variance():
    assert GEO.noise_variance_l2sq(0.5) == pytest.approx(650 * (2 * 2.0 * 0.5) ** 2)
    assert GEO.noise_variance_l2sq(0.0) == 0.0


def test_planted_linear_clean_loss_is_found_with_its_slope():
    b = 1e-4  # accuracy lost per unit of noise variance
    c = compare_tradeoff(_summary(lambda n: 0.9 - b * n), GEO, seed=1).clean[0]
    assert c.status == AGREES
    assert c.slope_ci_low <= b <= c.slope_ci_high
    assert c.slope_ci_high - c.slope_ci_low < b  # precise enough to mean something
    assert c.exponent_ci_low <= 1.0 <= c.exponent_ci_high
    assert c.exponent == pytest.approx(1.0, abs=0.1)


def test_planted_quadratic_clean_loss_disagrees_with_the_linear_shape():
    c = compare_tradeoff(_summary(lambda n: 0.9 - 2e-7 * n * n), GEO, seed=1).clean[0]
    assert c.slope_ci_low > 0
    assert c.exponent_ci_low > 1.0
    assert c.status == DISAGREES


@pytest.mark.parametrize("clean", [lambda n: 0.9, lambda n: 0.5 + 1e-4 * n], ids=["flat", "inverted"])
def test_flat_or_inverted_clean_shape_disagrees(clean):
    c = compare_tradeoff(_summary(clean), GEO, seed=2).clean[0]
    assert c.status == DISAGREES


def test_small_noise_regime_drops_saturated_points():
    # accuracy at chance beyond z = 0.2: those points leave the regime
    c = compare_tradeoff(_summary(lambda n: 0.9 - 1e-4 * n if n < 500 else 0.1), GEO).clean[0]
    assert c.points_outside_regime == 2
    assert max(c.noise_multipliers) == pytest.approx(0.2)


def test_planted_growing_gap_agrees_and_flat_or_inverted_gap_disagrees():
    gaps = {("sign_flip", 0.1): lambda n: 0.01 + 5e-5 * n,
            ("alie", 0.1): lambda n: 0.01,
            ("ipm", 0.1): lambda n: max(0.2 - 5e-5 * n, 0.0)}
    c = compare_tradeoff(_summary(lambda n: 0.9 - 1e-4 * n, gaps), GEO, seed=3)
    by = {g.attack: g for g in c.gaps}
    assert by["sign_flip"].status == AGREES
    assert by["sign_flip"].slope_ci_low <= 5e-5 <= by["sign_flip"].slope_ci_high
    assert by["sign_flip"].increase_ci_low > 0
    assert by["alie"].status == DISAGREES
    assert by["ipm"].status == DISAGREES
    assert by["ipm"].increase_ci_high < 0


def test_gap_growing_faster_at_the_larger_fraction_is_found():
    gaps = {("sign_flip", 0.1): lambda n: 2e-5 * n, ("sign_flip", 0.2): lambda n: 6e-5 * n}
    c = compare_tradeoff(_summary(lambda n: 0.9 - 1e-4 * n, gaps, se=0.002), GEO, seed=4)
    (s,) = c.scaling
    assert s.status == AGREES
    assert s.increase_ratio == pytest.approx(3.0, rel=1e-6)
    assert s.kappa_bound_ratio == pytest.approx((10 / 30) / (5 / 40))
    # and the other way round disagrees
    gaps = {("sign_flip", 0.1): lambda n: 6e-5 * n, ("sign_flip", 0.2): lambda n: 2e-5 * n}
    assert compare_tradeoff(_summary(lambda n: 0.9 - 1e-4 * n, gaps, se=0.002), GEO, seed=4).scaling[0].status == DISAGREES


def test_kappa_lower_bound():
    assert kappa_lower_bound(0.1, 50) == pytest.approx(5 / 40)
    assert kappa_lower_bound(0.0, 50) == 0.0
    with pytest.raises(ParameterError):
        kappa_lower_bound(0.5, 50)


def _stats(norm: float = 1.0, var: float = 0.25) -> HonestUpdateStats:
    return HonestUpdateStats(seed=0, update_norm_l2=(norm, norm / 2), update_variance_l2sq=(var, var), config="{}")


def test_vn_threshold_solves_the_vn_condition():
    st = _stats()
    zt = st.noise_threshold_multiplier(1.0, GEO)
    assert zt > 0
    assert st.best_vn_ratio(GEO.noise_variance_l2sq(zt)) == pytest.approx(1.0)
    assert st.best_vn_ratio(GEO.noise_variance_l2sq(zt * 0.9)) < 1.0 < st.best_vn_ratio(GEO.noise_variance_l2sq(zt * 1.1))
    assert _stats(var=2.0).noise_threshold_multiplier(1.0, GEO) == 0.0  # fails without noise


def test_breakdown_is_checked_against_the_vn_condition():
    st = _stats()
    zt = st.noise_threshold_multiplier(1.0, GEO)
    zs = (0.0, zt / 2, 2 * zt, 4 * zt)
    # the gap jumps past delta at zt / 2, where the VN condition still holds: a contradiction
    s = check_summary(_summary(lambda n: 0.9, {("sign_flip", 0.1): lambda n: 0.0 if n == 0 else 0.3}, zs=zs))
    b = breakdown(s, "median", "sign_flip", 0.1, GEO, 0.05, st, vn_constant=1.0)
    assert b.noise_multiplier_break == pytest.approx(zt / 2)
    assert b.significant and b.status == CONTRADICTS
    # past the threshold only: consistent
    late = GEO.noise_variance_l2sq(2 * zt)
    s = check_summary(_summary(lambda n: 0.9, {("sign_flip", 0.1): lambda n: 0.3 if n >= late else 0.0}, zs=zs))
    b = breakdown(s, "median", "sign_flip", 0.1, GEO, 0.05, st, vn_constant=1.0)
    assert b.noise_multiplier_break == pytest.approx(2 * zt)
    assert b.status == CONSISTENT
    s = check_summary(_summary(lambda n: 0.9, {("sign_flip", 0.1): lambda n: 0.01}, zs=zs))
    assert breakdown(s, "median", "sign_flip", 0.1, GEO, 0.05, st, vn_constant=1.0).status == NOT_BROKEN


def test_median_uses_its_published_vn_constant():
    st = _stats(var=0.001)
    s = check_summary(_summary(lambda n: 0.9, {("sign_flip", 0.1): lambda n: 0.3}))
    b = breakdown(s, "median", "sign_flip", 0.1, GEO, 0.05, st)
    assert b.vn_constant == pytest.approx(1 / math.sqrt(45)) and b.vn_constant_source.startswith("cited")
    assert st.best_vn_ratio(GEO.noise_variance_l2sq(b.vn_threshold_noise_multiplier)) == pytest.approx(b.vn_constant)
    s = check_summary(_summary(lambda n: 0.9, {("sign_flip", 0.1): lambda n: 0.3}, rule="trimmed_mean"))
    b = breakdown(s, "trimmed_mean", "sign_flip", 0.1, GEO, 0.05, st)
    assert b.vn_constant == 1.0 and b.vn_constant_source.startswith("user")


def test_same_seed_same_result_other_seed_other_draws():
    s = _summary(lambda n: 0.9 - 1e-4 * n, {("sign_flip", 0.1): lambda n: 3e-5 * n})
    a, b, c = (compare_tradeoff(s, GEO, seed=k) for k in (7, 7, 8))
    assert a == b
    assert a.clean[0].slope_ci_low != c.clean[0].slope_ci_low
    assert a.clean[0].slope_per_l2sq == c.clean[0].slope_per_l2sq  # the point estimate is not drawn


def test_text_and_tables_come_from_the_results():
    c = compare_tradeoff(_summary(lambda n: 0.9 - 1e-4 * n, {("sign_flip", 0.1): lambda n: 3e-5 * n}), GEO,
                         _stats(), seed=5)
    t = c.tables()
    assert set(t) == {"tradeoff_clean", "tradeoff_gap", "tradeoff_fraction", "tradeoff_breakdown"}
    assert t["tradeoff_clean"]["status"].tolist() == [c.clean[0].status]
    text = c.text()
    assert f"{c.clean[0].slope_per_l2sq * 1e4:.2f}" in text
    assert f"{c.clean[0].exponent:.2f}" in text


def test_grid_summary_is_compared_per_alpha():
    from agents.fl.privacy_tradeoff import compare_grid
    from agents.fl.training import FLConfig

    a = _summary(lambda n: 0.9 - 1e-4 * n).assign(model="logreg", alpha=100.0)
    b = _summary(lambda n: 0.9).assign(model="logreg", alpha=0.1)
    with pytest.raises(ParameterError):  # two tasks in one comparison
        compare_tradeoff(pd.concat([a, b]).drop(columns=["model", "alpha"]), GEO)
    out = compare_grid(pd.concat([a, b]), FLConfig(n_trainers=50), measure=False, seed=1)
    assert set(out) == {("logreg", 100.0), ("logreg", 0.1)}
    assert out[("logreg", 100.0)].clean[0].status == AGREES
    assert out[("logreg", 0.1)].clean[0].status == DISAGREES
    assert out[("logreg", 100.0)].geometry == GEO


def _good() -> pd.DataFrame:
    return _summary(lambda n: 0.9 - 1e-4 * n)


@pytest.mark.parametrize("mutate", [
    lambda s: s.iloc[0:0],
    lambda s: s.drop(columns=["noise_multiplier"]),
    lambda s: s.assign(accuracy=[np.nan, *s["accuracy"].tolist()[1:]]),
    lambda s: s.assign(accuracy_ci_low=[np.nan] * len(s)),
    lambda s: s.assign(noise_multiplier=-s["noise_multiplier"] - 1),
    lambda s: s.assign(seeds=[[0]] * len(s)),
    lambda s: pd.concat([s, s.iloc[:1]]),
    lambda s: s[s["noise_multiplier"] > 0],  # no no-noise reference
    lambda s: s.to_dict(),
], ids=["empty", "missing-column", "nan-accuracy", "nan-interval", "negative-noise", "one-seed", "duplicate",
        "no-reference", "not-a-frame"])
def test_bad_summaries_raise_parameter_error(mutate):
    with pytest.raises(ParameterError):
        compare_tradeoff(mutate(_good()), GEO)


@pytest.mark.parametrize("kw", [{"delta": 0.0}, {"delta": math.nan}, {"draws": 5}, {"min_accuracy_share": 1.5},
                                {"vn_constant": -1.0}])
def test_bad_parameters_raise_parameter_error(kw):
    with pytest.raises(ParameterError):
        compare_tradeoff(_good(), GEO, **kw)


def test_bad_geometry_raises_parameter_error():
    for kw in ({"dim": 0}, {"clip_l2": math.inf}, {"n_trainers": 0}):
        with pytest.raises(ParameterError):
            TaskGeometry(**({"dim": 650, "clip_l2": 2.0, "n_trainers": 50} | kw))


def test_measured_honest_updates_on_digits():
    from agents.fl.training import FLConfig

    cfg = FLConfig(model="logreg", n_trainers=50, rounds=26, alpha=100.0)
    st = measure_honest_updates(cfg, rounds=2)
    assert len(st.update_norm_l2) == 2 and st.seed == cfg.seed
    assert all(0 < g <= cfg.norm_bound for g in st.update_norm_l2)  # the mean of clipped updates is in the ball
    assert all(0 < v <= 4 * cfg.norm_bound**2 for v in st.update_variance_l2sq)
    assert TaskGeometry.from_config(cfg) == GEO  # 64 features x 10 classes + 10 biases
    # the noise of the least measured epsilon swamps the honest signal: the VN ratio grows
    assert st.best_vn_ratio(GEO.noise_variance_l2sq(0.127)) > 5 * st.best_vn_ratio(0.0)


@pytest.mark.slow
def test_real_cached_runs_median_sign_flip():
    """The cached LDP runs (recomputed if missing: 18 short logreg runs): the clean loss of
    the median grows with the noise and its sign-flip gap grows too."""
    from agents.fl.privacy import run_privacy

    _, summary, _ = run_privacy(("median",), ("sign_flip",), (300.0, 1000.0, math.inf), (0.1,), 3, workers=1)
    c = compare_tradeoff(summary, GEO, seed=0)
    assert c.clean[0].slope_ci_low > 0
    assert c.gaps[0].status == AGREES
    assert c.breakdowns[0].noise_multiplier_break > 0
