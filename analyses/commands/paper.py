"""``orfl paper``: write paper/ (LaTeX article, numbers, figures, tables) from a report and build its PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import emit_json


def paper_cmd(
    report: Path = typer.Option(Path("reports/default"), "--report", help="Report folder written by `orfl report`."),
    out: Path = typer.Option(Path("paper"), "--out", help="Folder the paper is written into (replaced)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Build main.pdf with latexmk (installs TeX Live if missing)."),
    json_out: bool = typer.Option(False, "--json", help="Print the written paths as JSON."),
) -> None:
    """Write OUT/main.tex from the report's numbers.tex, figures and tables; check it; build OUT/main.pdf."""
    from analyses.paper.build import build_pdf, check_paper, write_paper
    from mechanism.errors import ParameterError

    main = write_paper(report, out)
    problems = check_paper(out)
    if problems:
        raise ParameterError.bad("--report", str(report), "a report that defines every macro, figure and table "
                                 "the paper uses; missing: " + "; ".join(problems))
    result = {"main_tex": str(main)}
    if pdf:
        result["main_pdf"] = str(build_pdf(out))
    if json_out:
        emit_json(result)
    else:
        typer.echo("wrote " + ", ".join(result.values()))


def register(app: typer.Typer) -> None:
    app.command("paper")(paper_cmd)
