"""The HTML page of a report, read as text: summary first, sidebar, numbered figures with alt
text, numbered tables with units and readable numbers, long tables collapsed (except the
summary's), no nan, nothing loaded from elsewhere; the manifest the paper reads."""

import json
import re
import sys
import textwrap

import pytest

from analyses.report import write_report

SECTION = '''
from dataclasses import dataclass

import pandas as pd

from analyses.report import SectionResults

TITLE = {title!r}
RUN_AFTER_OTHERS = {last}


@dataclass(frozen=True)
class R(SectionResults):
    def tables(self):
        return {{"{key}_short": pd.DataFrame({{"value_eth": [1519234.7, float("nan")], "period_blocks": [6370, 1]}}),
                "{key}_long": pd.DataFrame({{"cell": range(30), "cost_usd": [0.012345 * k for k in range(30)]}})}}

    def numbers(self):
        return {{"bondEth": 1519234.7}}


def run(ctx):
    return R()


def plot(results, ctx):
    from analyses.style import new_figure, save_figure

    fig, ax = new_figure()
    ax.plot([0, 1], [1, 0])
    ax.set_xlabel("x [1]")
    save_figure(fig, ctx.figures_dir, "{key}_fig")
    return [("{key}_fig", "The {key} line, 'quoted' & <escaped>")]


def text(results):
    return "Prose of {key}."
'''


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("page")
    pkg = tmp / "pagefix"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for key, title, last in (("summary", "Summary: the answer", True), ("other", "Other analysis", False)):
        (pkg / f"{key}.py").write_text(textwrap.dedent(SECTION.format(key=key, title=title, last=last)))
    sys.path.insert(0, str(tmp))
    try:
        out = write_report("page", root=tmp / "reports", sections=["pagefix.summary", "pagefix.other"], cache_dir=None)
    finally:
        sys.path.remove(str(tmp))
        for m in [m for m in sys.modules if m.startswith("pagefix")]:
            del sys.modules[m]
    return out


def test_page_opens_on_the_summary_with_a_sidebar(page):
    html = (page / "index.html").read_text()
    main = html.split("<main>", 1)[1]
    assert main.index("<section id='summary'>") < main.index("<section id='other'>")
    assert main.index("<section id='summary'>") < main.index("Generated ")  # provenance goes last
    nav = html.split("<nav id='toc'", 1)[1].split("</nav>", 1)[0]
    assert nav.index("href='#summary'") < nav.index("href='#other'")


def test_figures_and_tables_numbered_readable_and_collapsed(page):
    html = (page / "index.html").read_text()
    alts = re.findall(r"<img src='data:image/png;base64,[^']+' alt='([^']*)' style='width:\d+px'>", html)
    assert alts == ["Figure 1: The summary line, &#x27;quoted&#x27; &amp; &lt;escaped&gt;",
                    "Figure 2: The other line, &#x27;quoted&#x27; &amp; &lt;escaped&gt;"]
    assert "<b>Table 1.</b> <code>summary_short</code>" in html and "<b>Table 4.</b>" in html
    assert "<th>value [ETH]</th><th>period [blocks]</th>" in html
    assert "<td class='num'>1,519,235</td>" in html and "<td class='num'>6,370</td>" in html
    assert not re.search(r"\bnan\b", html, re.I) and "e+06" not in html
    # the 30-row table is collapsed in the other section, open in the summary
    assert re.search(r"<details id='tab-4'><summary><b>Table 4.</b> <code>other_long</code>", html)
    assert "<details id='tab-2'" not in html and "<p class='caption' id='tab-2'>" in html
    assert not re.search(r"""(src|href)=['"](https?:|//)""", html)  # opens offline


def test_markdown_and_manifest(page):
    md = (page / "index.md").read_text()
    assert "![Figure 2: The other line" in md and "*Figure 2:" in md
    manifest = json.loads((page / "manifest.json").read_text())
    assert [s["key"] for s in manifest["sections"]] == ["summary", "other"]
    other = manifest["sections"][1]
    assert other["figures"][0]["number"] == 2 and other["macros"] == ["orflOtherBondEth"]
    assert "\\newcommand{\\orflOtherBondEth}{1,519,235}" in (page / "numbers.tex").read_text()
