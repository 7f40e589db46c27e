"""Local DP in the federated loop: calibrated noise, stable cache keys, accuracy falls with epsilon."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from agents.fl.privacy import privacy_configs, privacy_tolerance, run_privacy
from agents.fl.tolerance import run_key
from agents.fl.training import FLConfig
from mechanism.errors import ParameterError
from mechanism.privacy.accounting import ldp_epsilon


def test_noise_multiplier_comes_from_the_accountant() -> None:
    c = FLConfig(rounds=26, ldp_epsilon=30.0, ldp_delta=1e-5)
    z = c.ldp_noise_multiplier
    assert z > 0 and ldp_epsilon(z, 26, 1e-5) <= 30.0
    assert FLConfig().ldp_noise_multiplier == 0.0


def test_runs_without_dp_keep_their_cache_keys() -> None:
    base = FLConfig(rounds=5)
    assert run_key(base) == run_key(dataclasses.replace(base, ldp_delta=1e-7))  # delta is moot without noise
    assert run_key(base) != run_key(dataclasses.replace(base, ldp_epsilon=10.0))


@pytest.mark.parametrize("kw,param", [({"ldp_epsilon": 0.0}, "ldp_epsilon"), ({"ldp_epsilon": float("nan")}, "ldp_epsilon"),
                                      ({"ldp_delta": 0.0}, "ldp_delta"), ({"ldp_delta": 1.0}, "ldp_delta")])
def test_bad_privacy_parameters(kw: dict, param: str) -> None:
    with pytest.raises(ParameterError, match=param):
        FLConfig(**kw)


def test_grid_shape_and_bad_epsilon() -> None:
    cfgs = privacy_configs(["median"], ["sign_flip"], [10.0, math.inf], [0.1, 0.2], 2, FLConfig(rounds=3))
    assert len(cfgs) == 2 * 2 * (1 + 2)
    with pytest.raises(ParameterError, match="privacy_epsilon"):
        privacy_configs(["median"], [], [-1.0], [0.1], 1, FLConfig())


def test_tolerance_per_epsilon_is_the_worst_attack() -> None:
    rows = []
    for eps, clean, attacked in ((math.inf, 0.9, 0.88), (10.0, 0.5, 0.2)):
        rows.append({"rule": "median", "attack": "none", "fraction": 0.0, "epsilon": eps, "accuracy": clean,
                     "accuracy_ci_low": clean - 0.01})
        for a, drop in (("sign_flip", 0.0), ("alie", 0.3)):
            for f in (0.1, 0.2):
                acc = attacked - (drop if f == 0.2 else 0.0)
                rows.append({"rule": "median", "attack": a, "fraction": f, "epsilon": eps, "accuracy": acc,
                             "accuracy_ci_low": acc - 0.01})
    t = privacy_tolerance(pd.DataFrame(rows), delta_pp=0.05).set_index("epsilon")
    assert t.loc[math.inf, "tolerance_ci_low"] == 0.1  # alie breaks it at 0.2
    assert t.loc[10.0, "tolerance_ci_low"] == 0.0


@pytest.mark.slow
def test_accuracy_falls_with_epsilon_on_digits(tmp_path: object) -> None:
    _, summary, _ = run_privacy(["median"], ["sign_flip"], [30.0, math.inf], fractions=(0.1,), seeds=2,
                                cache_dir=tmp_path)
    clean = summary[(summary["attack"] == "none")].set_index("epsilon")["accuracy"]
    assert clean.loc[math.inf] > clean.loc[30.0] + 0.2
    assert set(summary.columns) >= {"epsilon", "delta", "accuracy", "accuracy_ci_low", "accuracy_ci_high"}


def test_cached_rows_without_privacy_columns_count_as_no_noise(tmp_path: object) -> None:
    """The tolerance grid cached its noiseless runs before the privacy columns existed."""
    from agents.fl.privacy import run_privacy_configs
    from agents.store import ResultsStore

    cfg = FLConfig(rounds=2, rule="median")
    store = ResultsStore(tmp_path)
    store.put(run_key(cfg), {"rule": "median", "attack": "none", "fraction": 0.0, "seed": 0, "rounds": 2,
                             "accuracy": 0.5, "applicable": True})
    store.flush()
    runs = run_privacy_configs([cfg], cache_dir=tmp_path)
    assert math.isinf(runs["epsilon"].iloc[0]) and runs["noise_multiplier"].iloc[0] == 0.0
    assert runs["accuracy"].iloc[0] == 0.5  # loaded, not rerun
