"""``orfl bench aggregation``: timing ratios against float baselines (same run)."""

from __future__ import annotations

import typer

from analyses.commands._common import (
    RUN,
    SCENARIO,
    bad_input,
    emit_json,
    json_option,
    option,
    print_table,
    registrar,
)


def bench_cmd(
    what: str = typer.Argument("aggregation", help="Benchmark to run (aggregation)."),
    n: int = option(50, "--n", help="Trainers.", panel=SCENARIO, metavar="N"),
    d: int = option(1_000_000, "--d", help="Parameters per update.", panel=SCENARIO, metavar="D"),
    repeats: int = option(3, "--repeats", help="Best of this many runs.", panel=RUN, metavar="N"),
    json_out: bool = json_option(),
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


register = registrar(
    "bench", bench_cmd,
    ("orfl bench aggregation", "50 trainers x 1,000,000 parameters, best of 3"),
    ("orfl bench aggregation --n 20 --d 100000 --repeats 5 --json", "a smaller problem, JSON"),
)
