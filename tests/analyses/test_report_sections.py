"""Every report section is run / plot / text, and its prose is formatted from its results."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest

import analyses.censorship as censorship
from analyses.report import SECTIONS, ReportContext, SectionResults, build_section, section_key


@pytest.mark.parametrize("name", SECTIONS)
def test_section_exposes_the_contract(name: str) -> None:
    mod = importlib.import_module(name)
    assert isinstance(mod.TITLE, str) and mod.TITLE
    for fn in ("run", "plot", "text"):
        assert callable(getattr(mod, fn)), f"{name}.{fn}"
    results = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, SectionResults) and v is not SectionResults]
    assert len(results) == 1 and dataclasses.is_dataclass(results[0])
    assert results[0].__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert section_key(mod) == name.rsplit(".", 1)[-1]


@pytest.fixture(scope="module")
def censorship_results(tmp_path_factory: pytest.TempPathFactory) -> censorship.CensorshipResults:
    return censorship.run(ReportContext(out_dir=tmp_path_factory.mktemp("report"), quick=True))


def test_prose_is_formatted_from_results(censorship_results: censorship.CensorshipResults) -> None:
    r = censorship_results
    md = censorship.text(r)
    assert f"**{r.agreement:.0%}** of the {len(r.grid)} cells ({r.trials} trials each" in md
    assert f"largest relative gap {r.worst_gap:.1e}" in md
    assert f"needs {r.example_blocks} blocks" in md

    changed = dataclasses.replace(r, agreement=0.88, trials=777, worst_gap=4.5e-8, example_blocks=99,
                                  base_fee_gwei=37.0, gas_limit=12_345_678)
    md2 = censorship.text(changed)
    assert md2 != md
    for s in ("**88%**", "(777 trials each", "largest relative gap 4.5e-08", "needs 99 blocks", "from\n37 gwei",
              "gas limit 12,345,678"):
        assert s in md2 and s not in md, s
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.trials = 1  # type: ignore[misc]


def test_censorship_verdicts_follow_the_results(censorship_results: censorship.CensorshipResults) -> None:
    r = dataclasses.replace(censorship_results, agreement=1.0, worst_gap=1e-10)
    assert r.felten.passed and r.stuffing_matches.passed
    md = censorship.text(r)
    assert "agrees with Felten's q^T" in md and "matches the closed form" in md and "does not" not in md
    # half the cells miss q^T: far more than 95 % intervals allow
    bad = dataclasses.replace(r, agreement=0.48)
    assert not bad.felten.passed and "13 of 25 cells" in bad.felten.detail
    md_bad = censorship.text(bad)
    assert "**does not agree** with Felten's q^T" in md_bad and "agrees with Felten" not in md_bad
    assert "Were it to hold" in md_bad and "Hence for" in md
    gap = dataclasses.replace(r, worst_gap=0.02)
    assert not gap.stuffing_matches.passed and "**does not match** the closed form" in censorship.text(gap)
    rich = dataclasses.replace(r, max_gain_eth=1e9)
    poor = dataclasses.replace(r, max_gain_eth=1.0)
    assert not rich.stuffing_exceeds_gain and poor.stuffing_exceeds_gain
    assert "**less than** the largest gain" in censorship.text(rich) and "G = 1,000,000,000 ETH" in censorship.text(rich)
    assert "more than the largest gain" in censorship.text(poor) and "less than" not in censorship.text(poor)
    assert [v.passed for v in bad.verdicts()] == [False, True]


def test_build_section_assembles_from_results(censorship_results: censorship.CensorshipResults,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(censorship, "run", lambda ctx: censorship_results)
    sec = build_section(censorship, ReportContext(out_dir=tmp_path, quick=True))
    r = censorship_results
    assert (sec.key, sec.title) == ("censorship", censorship.TITLE)
    assert sec.markdown == censorship.text(r)
    assert sec.tables == r.tables() and list(sec.tables) == ["censorship_grid", "stuffing_cost"]
    assert sec.numbers == r.numbers() and sec.numbers["trials"] == r.trials
    assert sec.params == r.params() and sec.seeds == [r.seed]
    for stem, caption in sec.figures:
        assert caption and (tmp_path / "figures" / f"{stem}.png").is_file() and (tmp_path / "figures" / f"{stem}.pdf").is_file()
