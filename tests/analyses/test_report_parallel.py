"""Sections built on two processes give the same report as one process: numbers.tex,
every table, the set of figures, the manifest's sections (timings aside)."""

import json

import pytest

from analyses.report import write_report

CHEAP = ["analyses.summary", "analyses.bond_sizing", "analyses.verifier_dilemma", "analyses.challenge_period"]


def _manifest(out):
    m = json.loads((out / "manifest.json").read_text())
    for s in m["sections"]:
        s.pop("timing")
    return m["sections"]


@pytest.mark.slow
def test_two_processes_write_the_same_report_as_one(tmp_path):
    lines: list[str] = []
    one = write_report("one", root=tmp_path, quick=True, sections=CHEAP, cache_dir=None, jobs=1)
    two = write_report("two", root=tmp_path, quick=True, sections=CHEAP, cache_dir=None, jobs=2, log=lines.append)
    assert (one / "numbers.tex").read_text() == (two / "numbers.tex").read_text()
    tables = sorted(p.name for p in (one / "tables").iterdir())
    assert tables and tables == sorted(p.name for p in (two / "tables").iterdir())
    for name in tables:
        assert (one / "tables" / name).read_bytes() == (two / "tables" / name).read_bytes(), name
    assert sorted(p.name for p in (one / "figures").iterdir()) == sorted(p.name for p in (two / "figures").iterdir())
    assert _manifest(one) == _manifest(two)
    assert (one / "index.md").read_text().split("## About this report")[0] == \
        (two / "index.md").read_text().split("## About this report")[0].replace("`two`", "`one`")
    assert sorted(x.split(":")[0] for x in lines) == sorted(f"section {m.split('.')[-1]}" for m in CHEAP)
    prov = json.loads((two / "provenance.json").read_text())
    assert set(prov["section_timings"]) == {m.split(".")[-1] for m in CHEAP}
    assert not (two / ".sections").exists()
