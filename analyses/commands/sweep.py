"""``orfl sweep CONFIG.toml``: a resumable ABM parameter sweep (processes or Dask)."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import (
    OUTPUT,
    RUN,
    bad_input,
    emit_json,
    escape,
    json_option,
    option,
    print_table,
    registrar,
)


def sweep_cmd(
    config: Path = typer.Argument(..., help=escape("Sweep TOML ([sweep], [base], [grid], [lhs]).")),
    jobs: int = option(1, "--jobs", help="Worker processes (ignored with --scheduler).", panel=RUN),
    scheduler: str | None = option(None, "--scheduler", help="Dask scheduler address of a running cluster.",
                                   panel=RUN, metavar="tcp://HOST:PORT"),
    store: Path | None = option(None, "--store", help="Results folder.", panel=OUTPUT, metavar="DIR",
                                show_default="the file's [sweep] store"),
    json_out: bool = json_option(),
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


register = registrar(
    "sweep", sweep_cmd,
    ("orfl sweep sweep.toml --jobs 2", "run the sweep on two local processes; rerun to resume"),
    ("orfl sweep sweep.toml --scheduler tcp://10.0.0.5:8786", "run it on a Dask cluster"),
    ("orfl sweep sweep.toml --store results/sweeps/mine --json", "another results folder, JSON summary"),
)
