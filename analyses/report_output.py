"""The report's files, written from the built sections: ``index.md``, the self-contained
``index.html``, ``tables/*.csv|tex``, ``numbers.tex``, ``params.json``, ``manifest.json``
and ``provenance.json``.

The page opens on the summary (the first section), with a sidebar that lists every
section; figures are numbered, inlined as PNG with their caption as alt text, and link
their vector PDF; tables are numbered, shown with :func:`analyses.style.display_table`
(readable numbers, units in the headers), and those longer than :data:`LONG_TABLE_ROWS`
rows are collapsed under ``<details>``. The page loads nothing from elsewhere (no
scripts, no external styles or images), so it opens offline.

``manifest.json`` lists, for the paper (:mod:`analyses.paper`), every section with its
title, figures (number, stem, caption), tables, macros and verdicts.

Nothing here changes a section's results, so this module is not part of any section's
cache key (:data:`analyses.report_cache.OUTPUT_ONLY`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Tables with more rows than this are collapsed in the page (``<details>``)...
LONG_TABLE_ROWS = 12
#: ...except in these sections (the summary is the answer: its tables stay open).
NEVER_COLLAPSED = frozenset({"summary"})


def git_commit() -> str:
    """The commit of the working tree, ``-dirty`` when tracked files differ from it."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
            timeout=5, cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def macro_name(key: str) -> str:
    """``"summary_sequencer_bond_eth" -> "orflSummarySequencerBondEth"`` (letters only, as
    LaTeX control words are)."""
    words = re.split(r"[^A-Za-z]+", key)
    return "orfl" + "".join(w[:1].upper() + w[1:] for w in words if w)


#: LaTeX for the characters a cell or a macro may hold.
_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#",
          "$": r"\$", "^": r"\^{}", "~": r"\~{}", "–": "--", "∞": r"$\infty$", "✓": r"\checkmark{}", "✗": "x",
          "≤": r"$\le$", "≥": r"$\ge$", "±": r"$\pm$", "β": r"$\beta$", "α": r"$\alpha$", "ε": r"$\varepsilon$",
          "×": r"$\times$", "·": r"$\cdot$", "→": r"$\to$", "−": "-", "≈": r"$\approx$", "—": "---"}


def latex_escape(v: Any) -> str:
    """``v`` formatted by :func:`analyses.style.format_number`, safe in LaTeX text."""
    from analyses.style import format_number

    return "".join(_LATEX.get(ch, ch if ord(ch) < 128 else "?") for ch in format_number(v))


def table_markdown(df: Any) -> str:
    """The Markdown table: cells and headers from :func:`analyses.style.display_table`."""
    from analyses.style import display_table

    shown = display_table(df)
    esc = lambda x: str(x).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(esc(c) for c in shown.columns) + " |", "|" + "---|" * shown.shape[1]]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(esc(v) for v in row) + " |")
    return "\n".join(lines)


def table_latex(df: Any) -> str:
    """The LaTeX table (booktabs): the same cells as the Markdown one, escaped."""
    from analyses.style import display_table

    shown = display_table(df)
    shown = shown.apply(lambda col: col.map(latex_escape)).set_axis([latex_escape(c) for c in shown.columns], axis=1)
    return str(shown.to_latex(index=False, escape=False))


_NUMERIC = re.compile(r"^[-+]?(∞|[\d,]*\.?\d+(e[-+]?\d+)?)( ?%)?$")


def table_html(df: Any) -> str:
    """The HTML table: the cells of :func:`analyses.style.display_table`, numbers right-aligned,
    pass/fail marks coloured."""
    from analyses.style import display_table

    shown = display_table(df)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for v in row:
            s = str(v)
            cls = ("pass" if s.startswith("✓") else "fail" if s.startswith("✗") else
                   "num" if _NUMERIC.match(s) else "")
            cells.append(f"<td class='{cls}'>{html.escape(s)}</td>" if cls else f"<td>{html.escape(s)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='tablewrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


HTML_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;line-height:1.55;color:#1d1d1f;
background:#fff}
nav#toc{position:fixed;top:0;left:0;bottom:0;width:250px;overflow-y:auto;padding:1.2em 1em;background:#f6f7f9;
border-right:1px solid #e1e4e8;font-size:.88em}
nav#toc h2{font-size:1.05em;margin:0 0 .6em}nav#toc ol{padding-left:1.3em;margin:0}nav#toc li{margin:.35em 0}
nav#toc a{color:#24292f;text-decoration:none}nav#toc a:hover{text-decoration:underline}
nav#toc .meta{color:#666;font-size:.85em;margin-top:1.2em}
main{margin-left:250px;padding:1.5em 2.5em 4em;max-width:1060px}
h1{font-size:1.7em;margin:.2em 0 .4em}h2{border-bottom:1px solid #e1e4e8;padding-bottom:.2em;margin-top:2.2em}
section:first-of-type h2{margin-top:.6em}
.tablewrap{overflow-x:auto;margin:.6em 0 1.2em}
table{border-collapse:collapse;font-size:.86em}th,td{border:1px solid #d0d7de;padding:.3em .6em;vertical-align:top}
th{background:#f3f4f6;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pass{color:#116329;font-weight:600;white-space:nowrap}td.fail{color:#b42318;font-weight:700;white-space:nowrap}
.caption{font-size:.9em;color:#444;margin:.8em 0 .2em}
details{margin:.6em 0 1.2em}details summary{cursor:pointer;font-size:.9em;color:#444}
img{max-width:100%;height:auto}figure{margin:1.4em 0}figcaption{font-size:.9em;color:#444}
code{background:#f3f4f6;padding:0 .25em;border-radius:3px;font-size:.9em}
pre{background:#f3f4f6;padding:.6em;overflow-x:auto}
footer{margin-top:3em;font-size:.85em;color:#555;border-top:1px solid #e1e4e8;padding-top:1em}
@media (max-width:900px){nav#toc{position:static;width:auto;border-right:0;border-bottom:1px solid #e1e4e8}
main{margin-left:0;padding:1em}}
"""


@dataclass(frozen=True)
class FigureEntry:
    number: int
    section: str
    stem: str
    caption: str


@dataclass(frozen=True)
class TableEntry:
    number: int
    section: str
    name: str
    rows: int


def anchor(key: str) -> str:
    """The page anchor of a section: its key with dashes."""
    return key.replace("_", "-")


def _md_html(text: str) -> str:
    import markdown

    return str(markdown.markdown(text, extensions=["tables", "fenced_code"]))


#: Figures are shown at this many CSS pixels per PNG pixel (200 dpi -> about 100 px per inch,
#: so a single figure is about 600 px wide and panels side by side scale with their width).
DISPLAY_SCALE = 0.5


def _display_width(path: Path) -> str:
    """`` style='width:Npx'`` from the PNG header's width (empty when unreadable)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return ""
    return f" style='width:{round(int.from_bytes(head[16:20], 'big') * DISPLAY_SCALE)}px'"


def _png_data(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def write_outputs(out: Path, name: str, built: list[Any], ctx: Any, timings: dict[str, Any]) -> None:
    """Write every file of the report folder ``out`` from the built sections, in order.

    ``timings``: section module -> :class:`analyses.report.SectionTiming` (wall and CPU
    seconds, cache hit), written to ``manifest.json`` (per section and in total) and
    ``provenance.json``."""
    timing = {m.rsplit(".", 1)[-1]: t.as_dict() for m, t in timings.items()}
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    commit = git_commit()
    mode = "quick" if ctx.quick else "full"
    about = (f"Generated {now} from commit `{commit}`; seed {ctx.seed}; {mode} mode. Every figure is also in "
             "`figures/` as vector PDF (and at single- and double-column width for the paper); every table in "
             "`tables/` as CSV and LaTeX; `numbers.tex` holds the quoted numbers as macros.")
    figures: list[FigureEntry] = []
    tables: list[TableEntry] = []
    md = [f"# orfl report `{name}`", "", "## Contents", ""]
    md += [f"{i + 1}. [{s.title}](#{anchor(s.key)})" for i, s in enumerate(built)]
    body: list[str] = []
    numbers: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for s in built:
        md += ["", f'<a id="{anchor(s.key)}"></a>', "", f"## {s.title}", "", s.markdown.strip(), ""]
        body += [f"<section id='{anchor(s.key)}'>", f"<h2>{html.escape(s.title)}</h2>", _md_html(s.markdown.strip())]
        for stem, caption in s.figures:
            fig = FigureEntry(len(figures) + 1, s.key, stem, caption)
            figures.append(fig)
            md += [f"![Figure {fig.number}: {caption}](figures/{stem}.png)", "",
                   f"*Figure {fig.number}: {caption}* ([PDF](figures/{stem}.pdf))", ""]
            png = out / "figures" / f"{stem}.png"
            img = (f"<img src='{_png_data(png)}' alt='Figure {fig.number}: {html.escape(caption, quote=True)}'"
                   f"{_display_width(png)}>"
                   if png.is_file() else f"<p><em>(figure file {html.escape(stem)}.png missing)</em></p>")
            body += [f"<figure id='fig-{fig.number}'>{img}<figcaption><b>Figure {fig.number}.</b> "
                     f"{html.escape(caption)} (<a href='figures/{stem}.pdf'>PDF</a>)</figcaption></figure>"]
        for tname, df in s.tables.items():
            tab = TableEntry(len(tables) + 1, s.key, tname, len(df))
            tables.append(tab)
            df.to_csv(out / "tables" / f"{tname}.csv", index=False)
            (out / "tables" / f"{tname}.tex").write_text(table_latex(df))
            title = f"Table {tab.number}: `{tname}`"
            links = f"([CSV](tables/{tname}.csv), [LaTeX](tables/{tname}.tex))"
            caption_html = (f"<b>Table {tab.number}.</b> <code>{html.escape(tname)}</code>, {tab.rows:,} "
                            f"{'row' if tab.rows == 1 else 'rows'} (<a href='tables/{tname}.csv'>CSV</a>, "
                            f"<a href='tables/{tname}.tex'>LaTeX</a>)")
            if tab.rows > LONG_TABLE_ROWS and s.key not in NEVER_COLLAPSED:
                md += [f"<details><summary>{title}, {tab.rows:,} rows {links}</summary>", "",
                       table_markdown(df), "", "</details>", ""]
                body += [f"<details id='tab-{tab.number}'><summary>{caption_html}; click to show</summary>"
                         f"{table_html(df)}</details>"]
            else:
                md += [f"**{title}** {links}", "", table_markdown(df), ""]
                body += [f"<p class='caption' id='tab-{tab.number}'>{caption_html}</p>", table_html(df)]
        body.append("</section>")
        numbers.update({f"{s.key}_{k}": v for k, v in s.numbers.items()})
        params[s.key] = {"params": s.params, "seeds": s.seeds}
    md += ["", "## About this report", "", about, ""]
    (out / "index.md").write_text("\n".join(md) + "\n")
    (out / "index.html").write_text(page_html(name, built, body, about))
    macros = write_numbers(out / "numbers.tex", numbers)
    (out / "params.json").write_text(json.dumps(params, indent=2, default=str))
    manifest = {
        "report": name, "quick": ctx.quick, "seed": ctx.seed, "git_commit": commit, "generated_utc": now,
        "sections": [{"key": s.key, "title": s.title,
                      "figures": [f.__dict__ for f in figures if f.section == s.key],
                      "tables": [t.__dict__ for t in tables if t.section == s.key],
                      "macros": sorted(macros[f"{s.key}_{k}"] for k in s.numbers if f"{s.key}_{k}" in macros),
                      "verdicts": [{"name": v.name, "passed": v.passed, "detail": v.detail} for v in s.verdicts],
                      "timing": timing.get(s.key)}
                     for s in built],
        "timing": {"sections_wall_seconds": round(sum(t["wall_seconds"] for t in timing.values()), 3),
                   "sections_cpu_seconds": round(sum(t["cpu_seconds"] for t in timing.values()), 3),
                   "cached_sections": sum(1 for t in timing.values() if t["cached"])},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    import importlib.metadata
    import sys

    torch = sys.modules.get("torch")  # threads only when a section used torch (no import just for this)
    provenance = {
        "report": name,
        "generated_utc": now,
        "git_commit": commit,
        "seed": ctx.seed,
        "quick": ctx.quick,
        "sections": [s.key for s in built],
        "section_seconds": {m: t.wall_seconds for m, t in timings.items()},
        "section_timings": timing,
        "cached_sections": list(ctx.cached),
        "cache_keys": dict(ctx.cache_keys),
        "python": platform.python_version(),
        "torch": importlib.metadata.version("torch"),
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
    }
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2))


def write_numbers(path: Path, numbers: dict[str, Any]) -> dict[str, str]:
    """Write ``numbers.tex`` (one ``\\newcommand`` per number); return key -> macro name.
    Two keys that map to the same macro name keep the first (the second is noted in a comment)."""
    lines = ["% Numbers of the report, one macro each (written by orfl report; do not edit)."]
    used: dict[str, str] = {}
    out: dict[str, str] = {}
    for k, v in sorted(numbers.items()):
        m = macro_name(k)
        if m in used:
            lines.append(f"% {k}: same macro name as {used[m]}, not defined")
            continue
        used[m] = k
        out[k] = m
        lines.append(f"\\newcommand{{\\{m}}}{{{latex_escape(v)}}}")
    path.write_text("\n".join(lines) + "\n")
    return out


def page_html(name: str, built: list[Any], body: list[str], about: str) -> str:
    """The whole page: sidebar with every section, the sections in order, the about note."""
    toc = "".join(f"<li><a href='#{anchor(s.key)}'>{html.escape(s.title)}</a></li>" for s in built)
    title = f"orfl report {name}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{HTML_CSS}</style></head><body>"
        f"<nav id='toc' aria-label='Sections'><h2>{html.escape(title)}</h2><ol>{toc}"
        "<li><a href='#about'>About this report</a></li></ol></nav>"
        f"<main><h1>{html.escape(title)}</h1>{''.join(body)}"
        f"<footer id='about'><h2>About this report</h2>{_md_html(about)}</footer></main></body></html>"
    )
