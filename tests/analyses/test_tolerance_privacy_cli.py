"""orfl tolerance --privacy-epsilon: rows with epsilon from the accountant, delta, accuracy and CIs."""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from analyses.cli import _register_commands, app
from mechanism.privacy.accounting import ldp_epsilon

if not app.registered_commands:
    _register_commands()


def test_privacy_rows_have_accountant_epsilon_and_bounds(tmp_path: object) -> None:
    res = CliRunner().invoke(app, ["tolerance", "--privacy-epsilon", "30,inf", "--rules", "median",
                                   "--attacks", "sign_flip", "--fractions", "0,0.1", "--seeds", "2",
                                   "--models", "logreg", "--rounds", "3", "--alphas", "100",
                                   "--cache-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rows = out["rows"]
    assert {r["epsilon_target"] for r in rows} == {30.0, "inf"}
    for r in rows:
        assert {"epsilon", "delta", "accuracy", "accuracy_ci95"} <= set(r)
        if r["epsilon_target"] == "inf":
            assert r["epsilon"] == "inf" and r["noise_multiplier"] == 0
        else:  # the accountant's epsilon of the noise used, at most the target
            assert r["epsilon"] == ldp_epsilon(r["noise_multiplier"], 3, r["delta"]) <= 30.0
        lo, hi = r["accuracy_ci95"]
        assert math.isnan(lo) or lo <= r["accuracy"] <= hi
    assert {t["rule"] for t in out["tolerances"]} == {"median"}


def test_bad_epsilon_exits_2() -> None:
    res = CliRunner().invoke(app, ["tolerance", "--privacy-epsilon", "0,4", "--json"])
    assert res.exit_code == 2
    assert "privacy-epsilon" in res.output
