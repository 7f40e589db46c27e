"""Local-DP accounting: accountants against closed forms, monotonicity, calibration, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import optimize, stats

from mechanism.errors import ParameterError
from mechanism.privacy.accounting import (
    calibrate,
    ldp_epsilon,
    noise_multiplier_for,
    zcdp_epsilon,
)


def _exact_single_gaussian_epsilon(z: float, delta: float) -> float:
    """Balle and Wang (ICML 2018), Thm. 8: the Gaussian mechanism with sensitivity 1 and
    std z is (eps, delta)-DP iff Phi(1/(2z) - eps z) - e^eps Phi(-1/(2z) - eps z) <= delta."""

    def gap(eps: float) -> float:
        return float(stats.norm.cdf(0.5 / z - eps * z) - math.exp(eps) * stats.norm.cdf(-0.5 / z - eps * z)) - delta

    return float(optimize.brentq(gap, 0.0, 100.0))


@pytest.mark.parametrize("z", [0.8, 1.5, 3.0])
def test_pld_matches_the_exact_gaussian_curve_for_one_round(z: float) -> None:
    exact = _exact_single_gaussian_epsilon(z, 1e-5)
    assert ldp_epsilon(z, 1, 1e-5, "pld") == pytest.approx(exact, rel=0.02)


@pytest.mark.parametrize("z,rounds", [(1.0, 1), (2.0, 20), (5.0, 200)])
def test_accountants_are_ordered_pld_rdp_zcdp(z: float, rounds: int) -> None:
    pld = ldp_epsilon(z, rounds, 1e-5, "pld")
    rdp = ldp_epsilon(z, rounds, 1e-5, "rdp")
    assert pld <= rdp * 1.001
    assert rdp <= zcdp_epsilon(z, rounds, 1e-5) * 1.001


def test_epsilon_grows_with_rounds_and_shrinks_with_noise() -> None:
    eps = [ldp_epsilon(2.0, r, 1e-5) for r in (1, 4, 16, 64)]
    assert all(a < b for a, b in itertools.pairwise(eps))
    eps_z = [ldp_epsilon(z, 16, 1e-5) for z in (0.5, 1.0, 2.0, 4.0)]
    assert all(a > b for a, b in itertools.pairwise(eps_z))
    assert math.isinf(ldp_epsilon(0.0, 16, 1e-5))


@pytest.mark.parametrize("target", [1.0, 4.0, 16.0])
def test_calibrate_reaches_the_target_with_the_least_noise(target: float) -> None:
    g = calibrate(target, 1e-5, 30)
    assert g.epsilon <= target
    assert g.epsilon == pytest.approx(target, rel=1e-3)
    assert ldp_epsilon(g.noise_multiplier * 0.99, 30, 1e-5) > target
    assert noise_multiplier_for(math.inf, 1e-5, 30) == 0.0


@pytest.mark.parametrize("kwargs,param", [
    ({"noise_multiplier": -1.0, "rounds": 5, "delta": 1e-5}, "noise_multiplier"),
    ({"noise_multiplier": float("nan"), "rounds": 5, "delta": 1e-5}, "noise_multiplier"),
    ({"noise_multiplier": 1.0, "rounds": 0, "delta": 1e-5}, "rounds"),
    ({"noise_multiplier": 1.0, "rounds": 5, "delta": 0.0}, "delta"),
    ({"noise_multiplier": 1.0, "rounds": 5, "delta": 1.5}, "delta"),
])
def test_bad_input_names_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(ParameterError, match=param):
        ldp_epsilon(**kwargs)


@pytest.mark.parametrize("eps", [0.0, -1.0, float("nan")])
def test_bad_epsilon_target(eps: float) -> None:
    with pytest.raises(ParameterError, match="epsilon"):
        noise_multiplier_for(eps, 1e-5, 10)


def test_unreachable_epsilon_is_a_domain_error() -> None:
    with pytest.raises(ParameterError, match="epsilon"):
        noise_multiplier_for(1e-9, 1e-12, 10_000)


def test_bad_accountant() -> None:
    with pytest.raises(ParameterError, match="accountant"):
        ldp_epsilon(1.0, 1, 1e-5, "moments")  # type: ignore[arg-type]


def test_seeded_release_is_reproducible_and_noise_has_the_stated_scale() -> None:
    from mechanism.privacy.gaussian import clip, noise_std, noisy_norm_quantile, release

    u = np.arange(1, 2001, dtype=np.float64)
    c = clip(u, 3.0)
    assert np.linalg.norm(c) == pytest.approx(3.0)
    a = release(u, 3.0, 0.5, np.random.default_rng(7))
    b = release(u, 3.0, 0.5, np.random.default_rng(7))
    assert np.array_equal(a, b)
    assert np.std(a - c) == pytest.approx(noise_std(3.0, 0.5), rel=0.05)
    bound = noisy_norm_quantile(3.0, 0.5, u.size, 0.999)
    norms = [np.linalg.norm(release(u, 3.0, 0.5, np.random.default_rng(s))) for s in range(200)]
    assert max(norms) <= bound
    assert np.array_equal(release(u, 3.0, 0.0, np.random.default_rng(0)), c)
