"""The three economics report sections build in quick mode and write their figures."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from analyses.report import ReportContext, build_section


@pytest.mark.slow
@pytest.mark.parametrize("name", ["analyses.bond_sizing", "analyses.challenge_period", "analyses.verifier_dilemma"])
def test_section_builds(name: str, tmp_path: Path) -> None:
    mod = importlib.import_module(name)
    sec = build_section(mod, ReportContext(out_dir=tmp_path, quick=True))
    assert sec.title == mod.TITLE and sec.markdown.strip() and sec.tables and sec.numbers
    for stem, caption in sec.figures:
        assert caption and (tmp_path / "figures" / f"{stem}.png").exists() and (tmp_path / "figures" / f"{stem}.pdf").exists()
