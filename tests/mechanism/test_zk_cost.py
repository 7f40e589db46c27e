"""The prover fits and the three designs' costs, on synthetic measurements and injected
optimistic inputs (no gas model, no proofs: fast)."""

from __future__ import annotations

import json
import math

import pytest

from mechanism.economics import zk as z
from mechanism.errors import ParameterError
from mechanism.zk import fit as f
from mechanism.zk.circuits import OneStepCircuit


def _row(rule, n, c, logrows, seconds, gas_base=500_000.0, gas_per=1_000.0):
    k = OneStepCircuit(rule, n, c).comparators
    return {"rule": rule, "n_trainers": n, "chunk_coordinates": c, "comparators": k, "logrows": logrows,
            "num_rows": 10 * n * c + 8 * k * c, "prove_cpu_seconds": seconds, "pk_bytes": 4096 * 2**logrows,
            "proof_bytes": 3072, "peak_rss_mb": 500.0 * 2 ** (logrows - 15), "verified": True, "exact": True, "evm_accepted": True, "evm_rejects_tampered": True,
            "evm_tx_gas": gas_base + gas_per * (n * c + c)}


def _measurements(tmp_path, rows):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"backend": "test", "rows": rows}))
    return f.load_measurements(p)


def test_fit_recovers_rows_time_and_gas(tmp_path):
    # t = 2e-4 * N^1.1 exactly at three sizes
    rows = [_row("median", 5, c, lr, 2e-4 * (2**lr) ** 1.1) for c, lr in ((4, 15), (256, 16), (1024, 17))]
    rows.append(_row("mean", 4, 8, 15, 2e-4 * (2**15) ** 1.1))
    fit = f.fit(_measurements(tmp_path, rows))
    assert fit.exponent == pytest.approx(1.1, abs=1e-6)
    assert fit.row_coefficients[1] == pytest.approx(10, rel=1e-3)
    assert fit.row_coefficients[2] == pytest.approx(8, rel=1e-3)
    assert fit.verify_gas(100) == pytest.approx(600_000, rel=1e-6)
    p = fit.predict("median", 5, 1024)
    assert p.logrows == 17 and p.proofs == 1
    assert p.cpu_seconds == pytest.approx(2e-4 * (2**17) ** 1.1, rel=1e-6)
    assert p.cpu_seconds_low <= p.cpu_seconds <= p.cpu_seconds_high
    # memory linear in rows: 500 MB at 2^15, so 16 GiB allows 2^20 rows per proof
    assert fit.rss_exponent == pytest.approx(1.0)
    assert fit.max_logrows == 20
    # beyond one proof's size the round splits into proofs of 2^max_logrows rows
    big = fit.predict("median", 50, 10**6)
    assert big.logrows == fit.max_logrows
    assert big.proofs == math.ceil(big.rows / 2**fit.max_logrows)


def test_one_size_fixes_the_exponent(tmp_path):
    rows = [_row("median", 5, 4, 15, 7.0), _row("mean", 4, 8, 15, 7.5)]
    fit = f.fit(_measurements(tmp_path, rows))
    assert fit.exponent == 1.0 and "fixed" in fit.method


def test_tampered_measurements_are_refused(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"rows": []}))
    (tmp_path / "m.json.sha256").write_text("0" * 64 + "\n")
    with pytest.raises(ParameterError, match="measurements"):
        f.load_measurements(p)
    assert f.load_measurements(tmp_path / "missing.json") is None


def _opt(period=50_400, gas=1_000_000.0):
    return z.OptimisticInputs(period_blocks=period, dispute_blocks=60, sequencer_bond_eth=10.0, gas_per_side=gas,
                              onestep_gas=800_000.0, arithmetic_gas=500_000.0, chunk=16, sources={})


def _zk(tmp_path, seconds=7.0):
    rows = [_row("median", 5, c, lr, seconds * 2 ** (lr - 15)) for c, lr in ((4, 15), (256, 16), (1024, 17))]
    return z.ZkModel("test", "test", f.fit(_measurements(tmp_path, rows)))


def test_designs_respond_to_their_inputs(tmp_path):
    zk = _zk(tmp_path)
    base = z.round_costs(z.CostInputs(dispute_rate=0.0), _opt(), zk)
    busy = z.round_costs(z.CostInputs(dispute_rate=1.0), _opt(), zk)
    # the optimistic design pays for disputes only in expectation; finality = the period
    assert busy.design("optimistic").gas - base.design("optimistic").gas == pytest.approx(2 * 1_000_000.0)
    assert base.design("optimistic").finality_seconds == 50_400 * 12
    # the hybrid is the cheaper of its two variants
    assert busy.design("hybrid").usd == min(v.usd for v in busy.variants)
    # ZK validity pays the prover every round, at the price per core-hour
    dear = z.round_costs(z.CostInputs(usd_per_core_hour=1.0), _opt(), zk)
    cheap = z.round_costs(z.CostInputs(usd_per_core_hour=0.01), _opt(), zk)
    assert dear.design("zk_validity").usd > cheap.design("zk_validity").usd
    assert dear.design("optimistic").usd == pytest.approx(cheap.design("optimistic").usd)
    # more cores: faster finality, same CPU cost
    slow = z.round_costs(z.CostInputs(prover_cores=1), _opt(), zk)
    fast = z.round_costs(z.CostInputs(prover_cores=1000), _opt(), zk)
    assert fast.design("zk_validity").finality_seconds < slow.design("zk_validity").finality_seconds
    assert fast.design("zk_validity").prover_cpu_seconds == pytest.approx(slow.design("zk_validity").prover_cpu_seconds)
    # a longer period locks the bond longer
    long = z.round_costs(z.CostInputs(), _opt(period=100_800), zk)
    short = z.round_costs(z.CostInputs(), _opt(period=50_400), zk)
    assert long.design("optimistic").components_usd["capital"] == pytest.approx(
        2 * short.design("optimistic").components_usd["capital"])


def test_cheapest_respects_the_finality_bound(tmp_path):
    zk = _zk(tmp_path)
    r = z.round_costs(z.CostInputs(), _opt(), zk)
    bound = min(d.finality_seconds for d in r.designs)
    tight = z.round_costs(z.CostInputs(finality_seconds=bound), _opt(), zk)
    assert tight.cheapest is not None
    assert tight.design(tight.cheapest).finality_seconds <= bound
    assert z.round_costs(z.CostInputs(finality_seconds=1e-3), _opt(), zk).cheapest is None


def test_cited_fallback_without_measurements():
    cited = z.ZkModel("cited", "cited", None)
    assert cited.verify_gas(1) == cited.verify_gas(10_000) == z.SP1_GROTH16_GAS
    s, lo, hi, proofs = cited.prover_seconds("median", 50, 62_000 / 50)
    assert s == pytest.approx(256.0) and lo < s < hi and proofs == 1
    assert z.GROTH16_MIN_GAS == 45_000 + 4 * 34_000


@pytest.mark.parametrize(("kwargs", "name"), [({"rule": "krum"}, "rule"), ({"n_trainers": 0}, "trainers"),
                                              ({"dispute_rate": -0.1}, "dispute_rate"),
                                              ({"prover_cores": 0}, "prover_cores")])
def test_bad_inputs(kwargs, name):
    with pytest.raises(ParameterError) as e:
        z.CostInputs(**kwargs)
    assert e.value.parameter == name


def test_blob_retention_forces_calldata():
    from mechanism.economics.data_availability import RETENTION_BLOCKS, round_data_availability

    small = round_data_availability(50, 10**6)
    assert z.da_choice(small, 50_400) == ("blobs", small.blobs_usd)
    # held past retention, the same data must go to calldata
    assert z.da_choice(small, RETENTION_BLOCKS) == ("calldata", small.calldata_usd)
    huge = round_data_availability(50, 10**9)
    assert z.da_choice(huge, 1)[0] == "calldata"
