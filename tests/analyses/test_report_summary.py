"""The summary section gathers the other sections' verdicts after they ran, the report
writes the design it used, and every table prints readable numbers."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analyses import summary
from analyses.report import (
    SECTIONS,
    Measurement,
    ReportContext,
    SectionResults,
    Verdict,
    recommendation,
)
from analyses.style import column_header, display_table, format_number
from mechanism.design import Design
from mechanism.errors import ParameterError


@pytest.mark.parametrize(("value", "shown"), [
    (1519234.7, "1,519,235"), (1.519e6, "1,519,000"), (0.012345, "0.01235"), (3.0, "3"), (89.8234, "89.82"),
    (2.5e-9, "2.5e-9"), (float("nan"), "–"), (None, "–"), (True, "yes"), (np.bool_(False), "no"),
    (np.int64(1234567), "1,234,567"), (-0.01495, "-0.01495"), (float("inf"), "∞"), (0.0, "0"), ("krum", "krum"),
])
def test_format_number(value: Any, shown: str) -> None:
    assert format_number(value) == shown


def test_display_table_headers_and_cells() -> None:
    df = pd.DataFrame({"name": ["float_mean", "mean"], "ratio": [math.nan, 89.8], "simulated_cost_eth": [1.519e6, 2.0],
                       "T_blocks": [1, 2], "period [days]": [7.0, 0.5]})
    shown = display_table(df)
    assert list(shown.columns) == ["name", "ratio", "simulated cost [ETH]", "T [blocks]", "period [days]"]
    assert shown.iloc[0].tolist() == ["float_mean", "–", "1,519,000", "1", "7"]
    assert column_header("dispute_gas_per_side") == "dispute gas [per side]"
    assert "nan" not in shown.to_string() and "e+0" not in shown.to_string()


def test_design_sha256_is_canonical() -> None:
    d = Design()
    assert d.sha256() == Design.from_dict(json.loads(json.dumps(d.to_dict()))).sha256()
    assert len(d.sha256()) == 64 and d.sha256() != dataclasses.replace(d, sequencer_bond_eth=10.5).sha256()
    assert d.sha256() != dataclasses.replace(d, source="elsewhere").sha256()


def test_measurement_sources_are_checked() -> None:
    Measurement("x", 1.0, "ETH", "measured", "here")
    with pytest.raises(ParameterError, match="source"):
        Measurement("x", 1.0, "ETH", "guessed", "here")


@dataclass(frozen=True)
class _Fake(SectionResults):
    ok: bool

    def verdicts(self) -> list[Verdict]:
        return [Verdict("fake check", self.ok, f"ok={self.ok}")]

    def measurements(self) -> list[Measurement]:
        return [Measurement("fake number", 1234567.0, "gas", "measured", "a fake run")]


def test_summary_gathers_verdicts_and_flips(tmp_path: Path) -> None:
    ctx = ReportContext(out_dir=tmp_path, quick=True)
    ctx.results["fake"] = _Fake(ok=True)
    r = summary.run(ctx)
    rec = recommendation()
    assert r.design == rec.as_design() and r.design_sha256 == rec.as_design().sha256()
    assert ("fake", Verdict("fake check", True, "ok=True")) in r.all_checks
    md = summary.text(r)
    assert r.design_sha256 in md and f"**{r.design.challenge_period_blocks:,} blocks**" in md
    from analyses.report_output import table_markdown as _table_markdown

    assert "| fake number | 1,234,567 | gas | measured | a fake run |" in _table_markdown(r.tables()["summary_measurements"])
    n_fail = len(r.failed)
    ctx.results["fake"] = _Fake(ok=False)
    r2 = summary.run(ctx)
    assert len(r2.failed) == n_fail + 1
    md2 = summary.text(r2)
    assert "fake check (ok=False)" in md2 and f"{len(r2.all_checks) - len(r2.failed)} of {len(r2.all_checks)} checks passed" in md2
    assert f"All {len(r2.all_checks)} checks passed" not in md2
    checks = r2.tables()["summary_checks"]
    row = checks[checks["check"] == "fake check"].iloc[0]
    assert row["result"].endswith("FAIL") and row["section"] == "fake"
    assert r2.numbers()["checksFailed"] == len(r2.failed)
    assert json.loads(r2.files()["design.json"]) == r2.design.to_dict()
    # the grounding verdict reads the sources, not a constant
    measured = [dataclasses.replace(m, source="measured") for m in r.headline]
    assert dataclasses.replace(r, headline=measured).grounded.passed
    cited = [dataclasses.replace(m, source="cited") for m in r.headline]
    g = dataclasses.replace(r, headline=cited)
    assert not g.grounded.passed and "**The recommendation is not yet grounded" in summary.text(g)
    assert "Both inputs the toolkit measures" in summary.text(dataclasses.replace(r, headline=measured))


def test_summary_is_first_and_built_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from analyses import report

    assert SECTIONS[0] == "analyses.summary"
    order: list[str] = []
    fake = ModuleType("analyses._fake_section")
    fake.TITLE = "Fake"  # type: ignore[attr-defined]
    fake.run = lambda ctx: (order.append("fake"), _Fake(ok=False))[1]  # type: ignore[attr-defined]
    fake.plot = lambda results, ctx: []  # type: ignore[attr-defined]
    fake.text = lambda results: "fake body"  # type: ignore[attr-defined]
    real = importlib.import_module
    monkeypatch.setattr(report.importlib, "import_module",
                        lambda name: fake if name == "analyses._fake_section" else real(name))
    orig = summary.run
    monkeypatch.setattr(summary, "run", lambda ctx: (order.append("summary"), orig(ctx))[1])
    path = report.write_report("s", root=tmp_path, quick=True, sections=["analyses.summary", "analyses._fake_section"])
    assert order == ["fake", "summary"]
    md = (path / "index.md").read_text()
    assert md.index("## Summary") < md.index("## Fake") and "fake check" in md.split("## Fake")[0]
    design = json.loads((path / "design.json").read_text())
    assert Design.from_dict(design).sha256() == recommendation().as_design().sha256()
    assert design["source"] == "orfl recommend"
    tex = (path / "numbers.tex").read_text()
    assert "\\orflSummaryDesignSha" in tex and "\\orflSummaryChecksFailed" in tex
    assert "nan" not in md and "e+0" not in md
