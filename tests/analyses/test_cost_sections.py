"""Report sections onchain_cost and zk_vs_optimistic: prose and verdicts computed from
the results (the recommended period is replaced by a fixed one so no design is solved)."""

from __future__ import annotations

import pytest

import analyses.onchain_cost as oc
from analyses.report import ReportContext


@pytest.fixture
def fixed_period(monkeypatch):
    monkeypatch.setattr(oc, "reference_period", lambda: (50_400, 600, "a fixed test period"))


def test_onchain_cost_section(tmp_path, fixed_period):
    ctx = ReportContext(out_dir=tmp_path, quick=True)
    r = oc.run(ctx)
    assert list(r.table["params"]) == list(oc.MODEL_SIZES)
    # blobs are cheaper than calldata at every size; d = 1e9 does not fit retention
    assert r.blobs_always_cheaper.passed
    assert r.largest_d_within_retention is not None and r.largest_d_within_retention < 10**9
    text = oc.text(r)
    ref = r.table[r.table["params"] == 10**6].iloc[0]
    assert f"{int(ref['blobs']):,} blobs" in text
    assert "a fixed test period" in text
    figs = oc.plot(r, ctx)
    assert (tmp_path / "figures" / f"{figs[0][0]}.png").exists()


@pytest.mark.slow
def test_zk_vs_optimistic_section(tmp_path, fixed_period, monkeypatch):
    import analyses.report as report
    import analyses.zk_vs_optimistic as zv
    from mechanism.design import Design

    monkeypatch.setattr(report, "recommended_design", lambda: Design())
    ctx = ReportContext(out_dir=tmp_path, quick=True)
    r = zv.run(ctx)
    assert set(r.frontier["design"]) == {"optimistic", "hybrid", "zk_validity"}
    d = int(r.frontier["params"].iloc[0])
    best = r.cheapest(d)
    rows = r.frontier[r.frontier["params"] == d]
    assert best == rows.loc[rows["usd"].idxmin(), "design"]
    # the tightest bound only the fastest design meets
    fastest = rows.loc[rows["finality_seconds"].idxmin()]
    assert r.cheapest(d, float(fastest["finality_seconds"])) == fastest["design"]
    text = zv.text(r)
    assert f"{r.period_blocks:,} blocks" in text
    zv.plot(r, ctx)
    assert (tmp_path / "figures" / "zk_frontier.png").exists()
