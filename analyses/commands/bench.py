"""``orfl bench aggregation``: timing ratios against float baselines (same run)."""

from __future__ import annotations

import typer

from analyses.commands._common import bad_input, emit_json, print_table


def bench_cmd(
    what: str = typer.Argument("aggregation", help="Benchmark to run (aggregation)."),
    n: int = typer.Option(50, "--n", help="Trainers."),
    d: int = typer.Option(1_000_000, "--d", help="Parameters per update."),
    repeats: int = typer.Option(3, "--repeats", help="Best of this many runs."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Time every rule's bit-exact fast path against float baselines; print ratios."""
    if what != "aggregation":
        bad_input("WHAT", what, "aggregation")
    if n < 1 or d < 1 or repeats < 1:
        bad_input("--n/--d/--repeats", (n, d, repeats), "positive integers")
    from analyses.bench_aggregation import run

    rows = run(n, d, repeats)
    if json_out:
        emit_json({"n": n, "d": d, "repeats": repeats, "rows": rows})
    else:
        print_table(f"aggregation n={n} d={d}", ["name", "kind", "seconds", "baseline", "ratio"],
                    [(r["name"], r["kind"], r["seconds"], r["baseline"], r["ratio"]) for r in rows])


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_cmd)
