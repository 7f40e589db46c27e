"""``orfl sweep CONFIG.toml``: a resumable ABM parameter sweep (processes or Dask)."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import bad_input, emit_json, print_table


def sweep_cmd(
    config: Path = typer.Argument(..., help="Sweep TOML ([sweep], [base], [grid], [lhs])."),
    jobs: int = typer.Option(1, "--jobs", help="Worker processes (ignored with --scheduler)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    store: Path | None = typer.Option(None, "--store", help="Results folder (default: from the file)."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Run every configuration x seed not yet in the store; finished runs are never recomputed."""
    if jobs < 1:
        bad_input("--jobs", jobs, "an integer >= 1")
    if not config.is_file():
        bad_input("CONFIG", str(config), "an existing TOML file")
    from agents.abm.sweep import load_sweep, run_sweep
    from analyses.progress import track

    spec = load_sweep(config)
    with track("sweep") as bar:
        info = run_sweep(spec, jobs=jobs, scheduler=scheduler, store=store, progress=bar.callback)
    if json_out:
        emit_json(info)
        return
    print_table("orfl sweep", ["quantity", "value"], list(info.items()))


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_cmd)
