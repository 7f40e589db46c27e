"""Write ``paper/`` from a report folder, check it without TeX, and build its PDF.

The text lives in ``analyses/paper/sections/*.tex`` (in file-name order). Each file's
first line names the report sections it needs (``% requires: key ...``); a file is kept
only when the report has all of them, so the paper never quotes a number the report did
not compute. Every number in the text is a macro of the report's ``numbers.tex``. After
each kept file come the figures and tables of the report sections it covers
(:data:`COVERS`); the report sections no file covers go into an appendix, so nothing the
report shows is lost.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SECTIONS_DIR = HERE / "sections"
#: Report sections whose figures and tables follow each text file (by file stem).
COVERS: dict[str, tuple[str, ...]] = {
    "10_model": ("summary",),
    "20_protocol": ("aggregation_core",),
    "30_dispute": ("dispute_cost",),
    "40_economics": ("bond_sizing", "challenge_period"),
    "41_censorship": ("censorship",),
    "42_dilemma": ("verifier_dilemma",),
    "50_tolerance": ("malicious_tolerance",),
    "60_abm": ("abm_validation",),
    "70_threat": ("threat_model",),
    "80_cost": ("onchain_cost", "zk_vs_optimistic"),
    "85_privacy": ("privacy",),
}
#: A table goes into the paper when it has at most this many rows and columns; larger
#: ones are named in the text and stay in the report.
MAX_TABLE_ROWS = 24
MAX_TABLE_COLS = 9
#: A column whose longest cell has more characters than this wraps (tabularx ``X``).
WRAP_CHARS = 28
#: A figure spans both columns when its aspect ratio is above WIDE_ASPECT or it was drawn
#: wider than WIDE_FACTOR single figures (several panels side by side).
WIDE_ASPECT = 2.0
WIDE_FACTOR = 1.3
#: Debian packages the PDF build needs (installed with apt-get when latexmk is missing).
TEX_PACKAGES = ("texlive-latex-recommended", "latexmk")

PREAMBLE = r"""\documentclass[10pt,twocolumn]{article}
\usepackage[margin=0.75in]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage{tabularx,array}
\usepackage[hidelinks]{hyperref}
\renewcommand{\textfraction}{0.05}
\renewcommand{\topfraction}{0.95}
\renewcommand{\dbltopfraction}{0.95}
\renewcommand{\floatpagefraction}{0.8}
\renewcommand{\dblfloatpagefraction}{0.8}
\setcounter{totalnumber}{8}\setcounter{topnumber}{6}\setcounter{dbltopnumber}{6}
\newcolumntype{Y}{>{\raggedright\arraybackslash}X}
\input{numbers.tex}
"""


@dataclass(frozen=True)
class Part:
    """One text file of the paper and what it needs."""

    stem: str
    requires: tuple[str, ...]
    text: str


def parts() -> list[Part]:
    """The text files, in order, with their ``% requires:`` line."""
    out = []
    for path in sorted(SECTIONS_DIR.glob("*.tex")):
        text = path.read_text()
        first = text.splitlines()[0] if text else ""
        m = re.match(r"%\s*requires:\s*(.*)", first)
        out.append(Part(path.stem, tuple(m.group(1).split()) if m else (), text))
    return out


def _tex(s: str) -> str:
    from analyses.report_output import latex_escape

    return latex_escape(str(s))


def _size_pt(pdf: Path) -> tuple[float, float]:
    """(width, height) of a one-page PDF from its MediaBox, in points ((0, 1) when unreadable)."""
    m = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf.read_bytes())
    if not m:
        return 0.0, 1.0
    x0, y0, x1, y1 = (float(v) for v in m.groups())
    return x1 - x0, max(y1 - y0, 1e-9)


def is_wide(pdf: Path) -> bool:
    """A figure spans both columns when drawn as several panels side by side (wider than
    :data:`WIDE_FACTOR` times the single figure width of :mod:`analyses.style`) or when its
    aspect ratio exceeds :data:`WIDE_ASPECT`."""
    from analyses.style import FIG_WIDTH_IN

    w, h = _size_pt(pdf)
    return w > WIDE_FACTOR * FIG_WIDTH_IN * 72 or w / h > WIDE_ASPECT


def _figure_tex(fig: dict[str, Any], report: Path) -> str:
    stem, caption = fig["stem"], fig["caption"]
    wide = is_wide(report / "figures" / f"{stem}.pdf")
    env, width, suffix = ("figure*", r"\textwidth", "col2") if wide else ("figure", r"\columnwidth", "col1")
    return (f"\\begin{{{env}}}[tbp]\n\\centering\n\\includegraphics[width={width}]{{figures/{stem}-{suffix}.pdf}}\n"
            f"\\caption{{{_tex(caption)}}}\n\\label{{fig:{stem}}}\n\\end{{{env}}}\n")


def _table_shape(tex: str) -> tuple[int, list[int]]:
    """(rows, longest cell per column) of a pandas ``to_latex`` booktabs table."""
    body = tex.split("\\midrule", 1)[-1].split("\\bottomrule", 1)[0]
    head = tex.split("\\toprule", 1)[-1].split("\\midrule", 1)[0]
    rows = [r for r in body.split("\\\\") if r.strip()]
    widths: list[int] = []
    for r in [head, *rows]:
        for j, cell in enumerate(r.split("&")):
            n = len(re.sub(r"\\[a-zA-Z]+\{\}|[{}$\\]", "", cell.strip()))
            if j < len(widths):
                widths[j] = max(widths[j], n)
            else:
                widths.append(n)
    return len(rows), widths


def paper_table(tex: str) -> str:
    """A report table for the two-column page: a ``tabularx`` over the text width whose
    long-text columns wrap, or the tabular itself when every column is short."""
    _, widths = _table_shape(tex)
    m = re.search(r"\\begin\{tabular\}\{([^}]*)\}", tex)
    if not m or max(widths, default=0) <= WRAP_CHARS:
        return tex
    spec = "".join("Y" if w > WRAP_CHARS else c for c, w in zip(m.group(1), widths, strict=False))
    tex = tex.replace(m.group(0), f"\\begin{{tabularx}}{{\\textwidth}}{{{spec}}}", 1)
    return tex.replace("\\end{tabular}", "\\end{tabularx}")


def _table_tex(tab: dict[str, Any], report: Path, out: Path, referenced: set[str]) -> str | None:
    """The table float (its ``.tex`` copied into ``out/tables``), or None when too large
    (a table the text references is always kept, in a smaller font when long)."""
    name = tab["name"]
    src = report / "tables" / f"{name}.tex"
    if not src.is_file():
        return None
    tex = src.read_text()
    rows, widths = _table_shape(tex)
    if name not in referenced and (rows > MAX_TABLE_ROWS or len(widths) > MAX_TABLE_COLS):
        return None
    (out / "tables" / f"{name}.tex").write_text(paper_table(tex))
    caption = f"Table \\texttt{{{_tex(name)}}} of the report ({rows} rows)."
    size = "\\footnotesize" if rows <= MAX_TABLE_ROWS else "\\scriptsize"
    return (f"\\begin{{table*}}[tbp]\n\\centering\n\\caption{{{caption}}}\n\\label{{tab:{name}}}\n{size}\n"
            f"\\input{{tables/{name}.tex}}\n\\end{{table*}}\n")


def _floats(keys: tuple[str, ...], manifest: dict[str, Any], report: Path, out: Path, referenced: set[str]) -> str:
    by_key = {s["key"]: s for s in manifest["sections"]}
    chunks: list[str] = []
    left_out: list[str] = []
    for key in keys:
        sec = by_key.get(key)
        if sec is None:
            continue
        chunks += [_figure_tex(f, report) for f in sec["figures"]]
        for tab in sec["tables"]:
            t = _table_tex(tab, report, out, referenced)
            if t is None:
                left_out.append(tab["name"])
            else:
                chunks.append(t)
    if left_out:
        chunks.append("Larger tables of this part are in the report: " +
                      ", ".join(f"\\texttt{{{_tex(n)}}}" for n in left_out) + ".\n")
    return "\n".join(chunks)


def write_paper(report: Path, out: Path) -> Path:
    """Write ``out/`` (main.tex, numbers.tex, figures/, tables/) from the report folder
    ``report``; return the path of ``main.tex``."""
    import json

    from mechanism.errors import ParameterError

    manifest_path = report / "manifest.json"
    if not manifest_path.is_file():
        raise ParameterError.bad("--report", str(report), "a report folder written by `orfl report` (with manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    have = {s["key"] for s in manifest["sections"]}
    if out.exists():
        shutil.rmtree(out)
    (out / "figures").mkdir(parents=True)
    (out / "tables").mkdir()
    shutil.copy2(report / "numbers.tex", out / "numbers.tex")
    for pdf in (report / "figures").glob("*-col[12].pdf"):
        shutil.copy2(pdf, out / "figures" / pdf.name)
    body: list[str] = []
    abstract = ""
    covered: set[str] = set()
    kept = [p for p in parts() if set(p.requires) <= have]
    referenced = {r[len("tab:"):] for p in kept for r in re.findall(r"\\ref\{(tab:[^}]+)\}", p.text)}
    for part in kept:
        text = "\n".join(part.text.splitlines()[1:]).strip() + "\n"
        if part.stem.endswith("abstract"):
            abstract = text
            continue
        keys = COVERS.get(part.stem, ())
        covered.update(keys)
        body += [text, _floats(keys, manifest, report, out, referenced)]
    rest = [s["key"] for s in manifest["sections"] if s["key"] not in covered]
    if rest:
        body.append("\\clearpage\n\\appendix\n\\section{Further analyses}\n")
        for key in rest:
            sec = next(s for s in manifest["sections"] if s["key"] == key)
            body += [f"\\subsection{{{_tex(sec['title'])}}}\n", _floats((key,), manifest, report, out, referenced)]
    title = "Optimistic-rollup fraud proofs for federated learning: design, dispute and economics"
    mode = "quick" if manifest.get("quick") else "full"
    meta = (f"Generated from report \\texttt{{{_tex(manifest['report'])}}} ({mode} mode, seed "
            f"{_tex(manifest['seed'])}, commit \\texttt{{{_tex(str(manifest['git_commit'])[:12])}}}).")
    main = (PREAMBLE + f"\\title{{{title}}}\n\\author{{orfl}}\n\\date{{{meta}}}\n\\begin{{document}}\n"
            "\\twocolumn[\\maketitle\n" + abstract.replace("\\begin{abstract}", "\\begin{@twocolumnfalse}\\begin{abstract}")
            .replace("\\end{abstract}", "\\end{abstract}\\vspace{1em}\\end{@twocolumnfalse}") + "]\n"
            + "\n".join(body) + "\n\\end{document}\n")
    (out / "main.tex").write_text(main)
    return out / "main.tex"


def defined_macros(numbers_tex: str) -> set[str]:
    """Names defined by ``\\newcommand{\\name}`` in ``numbers_tex``."""
    return set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", numbers_tex))


def used_macros(tex: str) -> set[str]:
    """The ``\\orfl...`` macros a LaTeX text uses (comments dropped)."""
    text = "\n".join(line.split("%", 1)[0] if not line.lstrip().startswith("%") else "" for line in tex.splitlines())
    return set(re.findall(r"\\(orfl[A-Za-z]+)", text))


def check_paper(out: Path) -> list[str]:
    """Problems of a written paper, without TeX: macros used but not defined in
    ``numbers.tex``, included figures or tables that do not exist, labels referenced but not
    defined. Empty when the paper is complete."""
    main = (out / "main.tex").read_text()
    tables = {p.name: p.read_text() for p in (out / "tables").glob("*.tex")}
    problems = [f"macro \\{m} is used but not defined in numbers.tex"
                for m in sorted(used_macros(main + "".join(tables.values())) -
                                defined_macros((out / "numbers.tex").read_text()))]
    for rel in re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", main):
        if not (out / rel).is_file():
            problems.append(f"figure {rel} does not exist")
    for rel in re.findall(r"\\input\{([^}]+)\}", main):
        if not (out / rel).is_file() and not (out / f"{rel}.tex").is_file():
            problems.append(f"input {rel} does not exist")
    labels = set(re.findall(r"\\label\{([^}]+)\}", main))
    problems += [f"reference {r} has no label" for r in sorted(set(re.findall(r"\\ref\{([^}]+)\}", main)) - labels)]
    return problems


def ensure_tex(install: bool = True) -> str:
    """The latexmk executable; when it is missing and ``install``, install Debian's
    :data:`TEX_PACKAGES` with apt-get (needs root)."""
    exe = shutil.which("latexmk")
    if exe or not install:
        if exe is None:
            raise FileNotFoundError("latexmk not found (apt-get install " + " ".join(TEX_PACKAGES) + ")")
        return exe
    from analyses.apt import ensure_debian_packages

    exe = ensure_debian_packages(["latexmk"], TEX_PACKAGES)
    if exe is None:
        raise FileNotFoundError("latexmk still missing after apt-get install")
    return exe


def build_pdf(out: Path, timeout_s: float = 300, install: bool = True) -> Path:
    """Run latexmk on ``out/main.tex`` (pdflatex, non-interactive); return ``out/main.pdf``."""
    exe = ensure_tex(install)
    proc = subprocess.run([exe, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "main.tex"],
                          cwd=out, capture_output=True, text=True, timeout=timeout_s)
    pdf = out / "main.pdf"
    if proc.returncode != 0 or not pdf.is_file():
        errors = [line for line in proc.stdout.splitlines() if ":" in line and "error" in line.lower()][:5]
        raise RuntimeError("latexmk failed: " + ("; ".join(errors) or proc.stdout[-800:]))
    return pdf
