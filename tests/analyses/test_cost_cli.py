"""``orfl cost``: bad input exits 2 with one line naming the parameter; the JSON has every
design's gas, USD, finality and data availability; the cheapest design meets the bound."""

from __future__ import annotations

import json

import pytest

from analyses.cli import main

FIXED = ["--period-blocks", "50400", "--sequencer-bond-eth", "10"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--trainers", "0"), "trainers=0"),
        (("--params", "0"), "params=0"),
        (("--rule", "krum"), "rule='krum'"),
        (("--dispute-rate", "2"), "dispute_rate=2.0"),
        (("--finality-seconds", "0"), "finality_seconds=0.0"),
        (("--prover-cores", "0"), "prover_cores=0"),
        (("--bytes-per-value", "0"), "bytes_per_value=0"),
        (("--usd-per-core-hour", "-1"), "usd_per_core_hour=-1.0"),
        (("--period-blocks", "0"), "period_blocks=0"),
    ],
)
def test_bad_input_exit_2_one_line(capsys, args, needle):
    with pytest.raises(SystemExit) as exc:
        main(["cost", *args])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def _json(capsys, *args: str) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(["cost", "--rule", "median", "--trainers", "50", "--params", "1000000", *FIXED, *args, "--json"])
    assert exc.value.code in (0, None)
    return json.loads(capsys.readouterr().out)


def test_json_has_every_design_and_the_cheapest_meets_the_bound(capsys):
    out = _json(capsys)
    for design in ("optimistic", "hybrid", "zk_validity"):
        d = out[design]
        for key in ("gas", "usd", "finality_seconds"):
            assert d[key] > 0, (design, key)
        assert d["data_availability"]["calldata_gas"] > 0
        assert d["data_availability"]["blobs"] >= 1
    # the optimistic design is final after the period; it publishes all n updates
    assert out["optimistic"]["finality_seconds"] == 50400 * 12
    assert out["optimistic"]["data_availability"]["bytes"] == 50 * 1_000_000 * 8
    assert out["zk_validity"]["data_availability"]["bytes"] == 1_000_000 * 8
    best = out["cheapest"]
    assert best == min(("optimistic", "hybrid", "zk_validity"), key=lambda k: out[k]["usd"])
    # a bound between the two finality times rules out the slower design
    fast = min(("optimistic", "zk_validity"), key=lambda k: out[k]["finality_seconds"])
    slow = "zk_validity" if fast == "optimistic" else "optimistic"
    bound = (out[fast]["finality_seconds"] + out[slow]["finality_seconds"]) / 2
    out2 = _json(capsys, "--finality-seconds", str(bound))
    assert out2["cheapest"] is not None
    assert out2[out2["cheapest"]]["finality_seconds"] <= bound
    assert out2["cheapest"] != slow
    # nothing is final within one second
    assert _json(capsys, "--finality-seconds", "1")["cheapest"] is None
