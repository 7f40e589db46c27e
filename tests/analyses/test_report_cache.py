"""The report's section cache: a rerun with nothing changed reuses a section's results and
figures; a change of seed, quick flag or the section's code reruns it."""

import json
import sys
import textwrap

import pytest

from analyses.report import write_report
from analyses.report_cache import module_closure

SECTION = '''
"""A report section for the cache tests: counts its runs in a file."""
from dataclasses import dataclass
from pathlib import Path

TITLE = "Counter"
COUNT = Path({count!r})
VERSION = {version}


@dataclass(frozen=True)
class CounterResults:  # the SectionResults interface, without importing the report (a small code closure)
    seed: int
    runs: int

    def tables(self):
        return {{}}

    def numbers(self):
        return {{"runs": self.runs}}

    def params(self):
        return {{}}

    def seeds(self):
        return [self.seed]

    def files(self):
        return {{}}

    def verdicts(self):
        return []

    def measurements(self):
        return []


def run(ctx):
    n = int(COUNT.read_text()) + 1 if COUNT.exists() else 1
    COUNT.write_text(str(n))
    (ctx.out_dir / "tables" / "counter_side.json").write_text(str(n))  # a file written by run itself
    return CounterResults(seed=ctx.seed, runs=n)


def plot(results, ctx):
    from analyses.style import new_figure, save_figure

    fig, ax = new_figure()
    ax.plot([0, 1], [0, results.runs])
    ax.set_xlabel("x [1]")
    save_figure(fig, ctx.figures_dir, "counter_line")
    return [("counter_line", "a line")]


def text(results):
    return f"Run number {{results.runs}} with seed {{results.seed}}."
'''


@pytest.fixture
def section(tmp_path, monkeypatch):
    """Write the counter section as an importable module; return a function that rewrites it."""
    pkg = tmp_path / "mods"
    pkg.mkdir()
    monkeypatch.syspath_prepend(str(pkg))
    monkeypatch.delitem(sys.modules, "counter_section", raising=False)

    def write(version: int) -> str:
        (pkg / "counter_section.py").write_text(textwrap.dedent(SECTION.format(
            count=str(tmp_path / "count.txt"), version=version)))
        return "counter_section"

    write(1)
    return write


def _report(tmp_path, **kw):
    out = write_report("r", root=tmp_path / "reports", sections=["counter_section"],
                       cache_dir=tmp_path / "cache", **kw)
    prov = json.loads((out / "provenance.json").read_text())
    return out, prov


def test_rerun_reuses_results_and_figures(tmp_path, section):
    out, prov = _report(tmp_path)
    assert prov["cached_sections"] == [] and "Run number 1" in (out / "index.md").read_text()
    first = json.loads((out / "manifest.json").read_text())["sections"][0]["timing"]
    assert first["cached"] is False and first["wall_seconds"] > 0 and first["cpu_seconds"] >= 0
    out, prov = _report(tmp_path)
    assert prov["cached_sections"] == ["counter_section"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sections"][0]["timing"]["cached"] is True and manifest["timing"]["cached_sections"] == 1
    assert prov["section_timings"]["counter_section"]["cached"] is True
    assert (tmp_path / "count.txt").read_text() == "1"  # run() did not run again
    assert "Run number 1" in (out / "index.md").read_text()
    for suffix in (".png", ".pdf", "-col1.pdf", "-col2.pdf"):
        assert (out / "figures" / f"counter_line{suffix}").stat().st_size > 0
    assert "data:image/png;base64" in (out / "index.html").read_text()
    assert (out / "tables" / "counter_side.json").read_text() == "1"  # restored with the run


def test_seed_quick_and_code_change_rerun(tmp_path, section):
    _report(tmp_path)
    _, prov = _report(tmp_path, seed=7)
    assert prov["cached_sections"] == [] and (tmp_path / "count.txt").read_text() == "2"
    _, prov = _report(tmp_path, quick=True)
    assert prov["cached_sections"] == [] and (tmp_path / "count.txt").read_text() == "3"
    section(2)  # the section's code changes
    _, prov = _report(tmp_path)
    assert prov["cached_sections"] == [] and (tmp_path / "count.txt").read_text() == "4"
    _, prov = _report(tmp_path)
    assert prov["cached_sections"] == ["counter_section"]


def test_disabled_cache_always_runs(tmp_path, section):
    for n in (1, 2):
        write_report("r", root=tmp_path / "reports", sections=["counter_section"], cache_dir=None)
        assert (tmp_path / "count.txt").read_text() == str(n)


def test_closure_follows_imports_inside_functions_and_lazy_exports():
    closure = module_closure("analyses.summary")
    # summary imports analyses.report, whose recommendation() imports the recommender inside a function
    assert "analyses.report" in closure and "mechanism.economics.recommend" in closure
    # mechanism/__init__ names mechanism.design as a lazy export string
    assert "mechanism.design" in module_closure("mechanism")
    assert not [m for m in closure if m.startswith("analyses.report_output") or m.startswith("analyses.paper")]
