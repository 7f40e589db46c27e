"""The paper written from a report: every macro it uses is defined, every figure and table
it includes exists (checked without TeX); the PDF build is in the slow suite."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from analyses.paper.build import (
    COVERS,
    check_paper,
    defined_macros,
    paper_table,
    parts,
    used_macros,
    write_paper,
)
from analyses.report_output import table_latex, write_numbers

REPO = Path(__file__).resolve().parents[2]
#: The report the paper is checked against (ORFL_PAPER_REPORT overrides, e.g. a --quick report).
DEFAULT_REPORT = Path(os.environ.get("ORFL_PAPER_REPORT", REPO / "reports" / "default"))


def fixture_report(root: Path, extra_section: str = "extra_analysis") -> Path:
    """A small report folder shaped like `orfl report`'s: every section the paper covers (and
    one it does not), numbers defining every macro the text uses, one real figure (drawn with
    analyses.style) and one short and one long table per section."""
    import pandas as pd

    from analyses.style import new_figure, save_figure

    report = root / "rep"
    (report / "tables").mkdir(parents=True)
    keys = ["summary", *[k for ks in COVERS.values() for k in ks if k != "summary"], extra_section]
    used = set().union(*(used_macros(p.text) for p in parts()))
    numbers = {}
    for m in used:  # macro orflFooBar from key foo_bar (macro_name's inverse up to case)
        words = re.findall(r"[A-Z][a-z]*", m[len("orfl"):])
        numbers["_".join(w.lower() for w in words)] = 1234.5
    write_numbers(report / "numbers.tex", numbers)
    for ncols in (1, 2):  # one narrow and one wide figure, drawn once; every section reuses them
        fig, ax = new_figure(ncols=ncols)
        (ax[0] if ncols == 2 else ax).plot([0, 1, 2], [1, 0, 2])
        save_figure(fig, report / "figures", f"drawn{ncols}")
    sections = []
    for i, key in enumerate(keys):
        for f in list((report / "figures").glob(f"drawn{1 + i % 2}*")):
            shutil.copy(f, report / "figures" / f.name.replace(f"drawn{1 + i % 2}", f"fig_{key}"))
        short = pd.DataFrame({"parameter": ["bond", "period"], "value_eth": [1.5, float("nan")],
                              "binding constraint": ["a long explanation of what binds this parameter here", "x"]})
        long = pd.DataFrame({"cell": range(40), "value": [0.1 * k for k in range(40)]})
        names = {"summary": ("summary_design", "summary_measurements", "summary_checks")}.get(key, ())
        tabs = [(f"{key}_short", short), (f"{key}_long", long), *((n, short) for n in names)]
        for name, df in tabs:
            (report / "tables" / f"{name}.tex").write_text(table_latex(df))
        sections.append({"key": key, "title": f"Section {key}",
                         "figures": [{"number": i + 1, "section": key, "stem": f"fig_{key}", "caption": f"A 10% {key}"}],
                         "tables": [{"number": 0, "section": key, "name": name, "rows": len(df)} for name, df in tabs],
                         "macros": [], "verdicts": []})
    (report / "manifest.json").write_text(json.dumps({"report": "fixture", "quick": True, "seed": 1,
                                                      "git_commit": "abc", "sections": sections}))
    return report


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return fixture_report(tmp_path_factory.mktemp("report"))


def test_every_macro_and_include_of_the_paper_exists(tmp_path, report):
    main = write_paper(report, tmp_path / "paper")
    assert check_paper(tmp_path / "paper") == []
    tex = main.read_text()
    # every text part was kept, the section no part covers went to the appendix
    for part in parts():
        assert part.text.splitlines()[1] in tex, part.stem
    assert "\\section{Further analyses}" in tex and "Section extra\\_analysis" in tex
    # figures at column width or both columns, from the paper copies; long tables stay in the report
    assert "figures/fig_summary-col1.pdf" in tex and "figures/fig_aggregation_core-col2.pdf" in tex
    assert "\\input{tables/summary_short.tex}" in tex and "tables/summary_long" not in tex
    assert "\\texttt{summary\\_long}" in tex
    # the long-text column wraps
    assert "\\begin{tabularx}{\\textwidth}{llY}" in (tmp_path / "paper" / "tables" / "summary_short.tex").read_text()
    # the prose quotes numbers only through macros: no digits outside macros, labels and TeX lengths
    for part in parts():
        prose = re.sub(r"\\[A-Za-z]+|\{[^{}]*\}|\[[^\]]*\]|\$[^$]*\$|%.*", "", part.text)
        assert not re.search(r"(?<![\w-])\d", prose), (part.stem, re.findall(r".{20}(?<![\w-])\d.{20}", prose))


def test_check_finds_missing_macros_figures_and_tables(tmp_path, report):
    out = tmp_path / "paper"
    write_paper(report, out)
    numbers = (out / "numbers.tex").read_text()
    (out / "numbers.tex").write_text("\n".join(x for x in numbers.splitlines() if "orflSummaryRule}" not in x))
    (out / "figures" / "fig_summary-col1.pdf").unlink()
    (out / "tables" / "summary_short.tex").unlink()
    problems = check_paper(out)
    assert any("orflSummaryRule" in p for p in problems)
    assert any("fig_summary-col1.pdf" in p for p in problems)
    assert any("summary_short" in p for p in problems)


def test_parts_need_only_sections_they_name(tmp_path, report):
    """A report without the threat model keeps every other part and quotes none of its numbers."""
    report = Path(shutil.copytree(report, tmp_path / "rep"))
    manifest = json.loads((report / "manifest.json").read_text())
    manifest["sections"] = [s for s in manifest["sections"] if s["key"] != "threat_model"]
    (report / "manifest.json").write_text(json.dumps(manifest))
    main = write_paper(report, tmp_path / "paper").read_text()
    assert "orflThreatModel" not in main and "\\section{Threat model}" not in main
    assert "\\section{Agent-based validation}" in main and check_paper(tmp_path / "paper") == []


def test_paper_figures_embed_fonts_at_two_widths(report):
    for suffix, width_pt in (("-col1", 3.4 * 72), ("-col2", 7.0 * 72)):
        data = (report / "figures" / f"fig_summary{suffix}.pdf").read_bytes()
        assert b"/FontFile2" in data  # TrueType embedded
        x0, _, x1, _ = (float(v) for v in re.search(rb"/MediaBox \[ *([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)", data).groups())
        assert x1 - x0 <= width_pt + 1  # never wider than the column or text


def test_wide_table_wraps_only_long_columns():
    tex = "\\begin{tabular}{lr}\n\\toprule\nname & v \\\\\n\\midrule\nshort & 1 \\\\\n\\bottomrule\n\\end{tabular}\n"
    assert paper_table(tex) == tex
    long = tex.replace("short", "x" * 40)
    assert "\\begin{tabularx}{\\textwidth}{Yr}" in paper_table(long) and "\\end{tabularx}" in paper_table(long)


@pytest.mark.skipif(not (DEFAULT_REPORT / "manifest.json").is_file(), reason="no reports/default with a manifest")
def test_paper_from_the_latest_report_is_complete(tmp_path):
    write_paper(DEFAULT_REPORT, tmp_path / "paper")
    assert check_paper(tmp_path / "paper") == []
    assert defined_macros((tmp_path / "paper" / "numbers.tex").read_text())


@pytest.mark.slow
def test_paper_pdf_builds(tmp_path):
    """latexmk builds main.pdf (TeX Live installed with apt-get when missing)."""
    import time

    from analyses.paper.build import build_pdf, ensure_tex

    ensure_tex()
    report = DEFAULT_REPORT if (DEFAULT_REPORT / "manifest.json").is_file() else fixture_report(tmp_path)
    out = tmp_path / "paper"
    write_paper(report, out)
    t0 = time.perf_counter()
    pdf = build_pdf(out, timeout_s=120)
    assert time.perf_counter() - t0 < 120
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    log = (out / "main.log").read_text(errors="replace")
    assert "undefined" not in log.lower() or "There were undefined references" not in log
    assert not re.search(r"LaTeX Warning: Reference .* undefined", log)
    shutil.rmtree(out)


def test_orfl_paper_command(tmp_path, report):
    import subprocess
    import sys

    orfl = [sys.executable, "-c", "from analyses.cli import main; main()", "paper"]
    ok = subprocess.run([*orfl, "--report", str(report), "--out", str(tmp_path / "p"), "--no-pdf", "--json"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["main_tex"].endswith("main.tex") and (tmp_path / "p" / "main.tex").is_file()
    bad = subprocess.run([*orfl, "--report", str(tmp_path), "--out", str(tmp_path / "q"), "--no-pdf"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--report" in bad.stderr and "manifest.json" in bad.stderr
