"""``orfl report``: run every analysis on embedded defaults into reports/NAME/."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import emit_json


def report_cmd(
    name: str = typer.Option("default", "--name", help="Report folder under --root."),
    root: Path = typer.Option(Path("reports"), "--root", help="Parent folder of reports."),
    quick: bool = typer.Option(False, "--quick", help="Reduced grids (for tests and previews)."),
    seed: int = typer.Option(20261125, "--seed", help="Master seed of every analysis."),
    sections: str = typer.Option("", "--sections", help="Comma-separated section modules (default: all)."),
    json_out: bool = typer.Option(False, "--json", help="Print the written paths as JSON."),
    jobs: int | None = typer.Option(None, "--jobs", show_default=False, help="Processes that build sections in parallel (default: 2, or 1 on a "
                                               "one-core machine; the report is the same for any number)."),
    remeasure: bool = typer.Option(False, "--remeasure",
                                   help="Re-run the measurement campaigns in full (the tolerance grid and the "
                                        "controlled experiments, about 1,500 CPU-s cold) and write their tables to "
                                        "results/tolerance/; by default the report reads the shipped tables and "
                                        "re-measures a sample of them."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Rerun every section (default: reuse results/cache/report when the "
                                       "section's inputs and code are unchanged)."),
) -> None:
    """Write index.md, index.html, figures, tables, numbers.tex, params.json, provenance."""
    from rich.console import Console

    from analyses.report import SECTIONS, write_report

    chosen = [s.strip() for s in sections.split(",") if s.strip()] or None
    if chosen:
        for s in chosen:
            full = s if s.startswith("analyses.") else f"analyses.{s}"
            if full not in SECTIONS:
                from analyses.commands._common import bad_input

                bad_input("--sections", s, f"one of {', '.join(x.split('.')[-1] for x in SECTIONS)}")
        chosen = [s if s.startswith("analyses.") else f"analyses.{s}" for s in chosen]
    from analyses.progress import track
    from analyses.report_parallel import default_jobs

    if jobs is not None and jobs < 1:
        from analyses.commands._common import bad_input

        bad_input("--jobs", jobs, "a positive number of processes")

    console = Console(stderr=True)
    with track(f"report {name}") as bar:
        path = write_report(name, root=root, quick=quick, seed=seed, sections=chosen, progress=bar.set_note,
                            cache_dir=not no_cache, log=bar.log, jobs=jobs or default_jobs(), remeasure=remeasure,
                            on_section=lambda done, total, key: bar.update(done, total, key.split(".")[-1]))
    if json_out:
        emit_json({"report": str(path), "index_md": str(path / "index.md"), "index_html": str(path / "index.html")})
    else:
        console.print(f"wrote {path}/index.html and index.md")


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
