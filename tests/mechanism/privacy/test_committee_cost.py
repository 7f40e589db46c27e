"""Design (b)'s cost model: every figure comes from the shipped measured points."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mechanism.errors import ParameterError
from mechanism.privacy.committee_cost import (
    SHIPPED,
    ciphertext_bytes,
    cost,
    fit_line,
    fit_plane,
    load,
)
from mechanism.units import MAX_TX_GAS


def test_shipped_file_matches_its_sha256_and_provenance() -> None:
    import hashlib

    m = load()
    side = SHIPPED.with_name(SHIPPED.name + ".sha256").read_text().split()[0]
    assert m.sha256 == side == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    raw = json.loads(SHIPPED.read_text())
    body = {k: v for k, v in raw.items() if k not in ("schema", "what", "provenance")}
    assert m.provenance["content_sha256"] == hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    assert m.describe()["kind"] == "measured"


def test_a_tampered_file_is_rejected(tmp_path: Path) -> None:
    p = tmp_path / SHIPPED.name
    shutil.copy(SHIPPED, p)
    shutil.copy(SHIPPED.with_name(SHIPPED.name + ".sha256"), tmp_path / (SHIPPED.name + ".sha256"))
    raw = json.loads(p.read_text())
    raw["gas"][0]["total_gas"] -= 1000
    p.write_text(json.dumps(raw))
    with pytest.raises(ParameterError, match="committee_costs"):
        load(p)
    with pytest.raises(ParameterError, match="committee_costs"):
        load(tmp_path / "missing.json")


def test_the_one_step_fit_matches_the_measured_grid() -> None:
    m = load()
    share_rows = [r for r in m.column_rows if r["path"] == "committee"]
    assert len({r["n"] for r in share_rows}) >= 2 and len({r["threshold"] for r in share_rows}) >= 2
    for r in share_rows:
        assert abs(m.column.at(r["n"], r["threshold"]) - r["total_gas"]) <= m.column.max_abs_residual + 1e-6
        assert m.column_calldata.at(r["n"], r["threshold"]) == pytest.approx(r["calldata_bytes"], abs=1e-6)
    assert m.column.max_abs_residual < 0.05 * max(r["total_gas"] for r in share_rows)
    for path, line in (("reader", m.column_reader), ("salted", m.column_salted)):
        for r in (r for r in m.column_rows if r["path"] == path):
            assert line.at(r["n"]) == pytest.approx(r["total_gas"])  # two points: exact
    # a share inside the one-step costs about what it costs alone (five ecMul and change)
    assert 0.8 * m.exec_gas.slope <= m.column.c <= 1.1 * m.exec_gas.slope
    plane = fit_plane([1, 1, 2, 2], [1, 2, 1, 2], [10.0, 13.0, 15.0, 21.0])
    assert (plane.a, plane.b, plane.c) == pytest.approx((5.0, 2.0, 3.0))


def test_the_gas_line_fits_the_measured_points() -> None:
    m = load()
    ts = [int(r["threshold"]) for r in m.gas_rows]
    assert len(ts) >= 4 and ts == sorted(ts)
    for r in m.gas_rows:
        assert abs(m.gas.at(r["threshold"]) - r["total_gas"]) <= m.gas.max_abs_residual + 1e-6
        assert m.calldata.at(r["threshold"]) == pytest.approx(r["calldata_bytes"])  # exactly linear
    # each share costs at least its five ecMul (EIP-1108: 6,000 gas each) and less than twice that
    assert 5 * 6_000 <= m.exec_gas.slope <= 2 * 5 * 6_000
    assert m.gas.max_abs_residual < 0.05 * m.gas.at(max(ts))
    line = fit_line([1, 2, 3], [5.0, 7.0, 9.0])
    assert (line.intercept, line.slope) == pytest.approx((3.0, 2.0))


def test_cost_is_computed_from_the_measured_points() -> None:
    m = load()
    rows = {int(r["threshold"]): r for r in m.gas_rows}
    t, n = 5, 50
    for d in sorted(int(r["d"]) for r in m.encrypt_rows):
        c = cost(t, 9, n, d, measured=m)
        assert c.gas_per_opened_leaf == pytest.approx(m.gas.at(t))
        assert abs(c.gas_per_opened_leaf - rows[t]["total_gas"]) <= m.gas.max_abs_residual + 1e-6
        assert c.extra_gas_per_leaf == pytest.approx(m.gas.at(t) - m.salted_gas["total_gas"])
        assert c.onestep_gas == pytest.approx(m.column.at(n, t))
        assert c.extra_gas_per_dispute == pytest.approx(m.column.at(n, t) - m.column_salted.at(n))
        assert c.extra_calldata_bytes_per_dispute == pytest.approx(
            m.column_calldata.at(n, t) - m.column_salted_calldata.at(n))
        assert c.reader_extra_gas_per_dispute == pytest.approx(m.column_reader.at(n) - m.column_salted.at(n))
        # readers' openings (one ecMul per trainer) are cheaper than t shares, both dearer than salts
        assert 0 < c.reader_extra_gas_per_dispute < c.extra_gas_per_dispute
        assert m.column.at(c.trainers_per_tx_cap, t) <= MAX_TX_GAS < m.column.at(c.trainers_per_tx_cap + 1, t)
        enc = next(r for r in m.encrypt_rows if int(r["d"]) == d)
        assert c.ciphertext_bytes_per_update == enc["ciphertext_bytes"] == ciphertext_bytes(d, 16)
        assert c.leaves == enc["leaves"]
        assert c.encrypt_seconds_per_update == pytest.approx(enc["encrypt_seconds"])
        assert c.hiding_commit_seconds_per_update == pytest.approx(enc["hiding_commit_seconds"])
        assert c.expansion == pytest.approx(enc["ciphertext_bytes"] / enc["plaintext_bytes"])
    big = max(m.encrypt_rows, key=lambda r: int(r["d"]))
    beyond = cost(t, 9, n, 4 * int(big["d"]), measured=m)  # past the measured range: per-leaf time held
    assert beyond.encrypt_seconds_per_update == pytest.approx(4 * big["encrypt_seconds"], rel=1e-3)
    lo, hi = (cost(k, 9, n, 10**6, measured=m) for k in (2, 6))
    assert hi.extra_gas_per_dispute > lo.extra_gas_per_dispute
    assert hi.combine_seconds_per_leaf > lo.combine_seconds_per_leaf


def test_cost_parameters_are_checked() -> None:
    with pytest.raises(ParameterError, match="threshold"):
        cost(6, 5, 50, 1000)
    with pytest.raises(ParameterError, match="chunk"):
        cost(3, 5, 50, 1000, chunk=8)
    with pytest.raises(ParameterError, match="trainers"):
        cost(3, 5, 0, 1000)


def test_designs_gain_the_committee_row_from_the_cost() -> None:
    from mechanism.privacy.disclosure import Disclosure, HidingDisclosure, designs

    d = 10**6
    plain = Disclosure("aggregation_dispute", "median", 16, 16 / d, 0, "median", ())
    hid = HidingDisclosure("median", 24, 20, 16, 1, 12, 0, 16 / d, 24)
    assert len(designs(d, plain, hid)) == 4  # unchanged without a committee
    c = cost(5, 9, 50, d)
    rows = designs(d, plain, hid, committee=c)
    assert len(rows) == 5 and rows[:4] == designs(d, plain, hid)
    row = rows[4]
    assert "t=5 of m=9" in row.design
    assert (row.published_values, row.dispute_values, row.dispute_salts) == (0, 16, 1)
    assert row.extra_gas_over_salted == c.extra_gas_per_dispute
    assert row.extra_calldata_bytes_over_salted == c.extra_calldata_bytes_per_dispute
    assert f"{c.ciphertext_bytes_per_update} bytes" in row.data_availability
    assert f"{c.encrypt_seconds_per_update:.3g} CPU s" in row.offchain
    with pytest.raises(ParameterError, match="committee.d"):
        designs(10**5, plain, hid, committee=c)
