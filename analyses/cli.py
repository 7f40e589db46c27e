"""The ``orfl`` command line.

Each command lives in its own module under :mod:`analyses.commands` and exposes
``register(app)``; this file only discovers them. Command modules import nothing heavy
at top level (torch, cvxpy, mesa, pandas are imported inside the command), so
``orfl --help`` stays fast. Domain errors become one line on stderr and exit code 2
(:class:`mechanism.errors.InfeasibleError`: exit code 1).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from mechanism.errors import InfeasibleError, OrflError

app = typer.Typer(
    name="orfl",
    help="Optimistic-rollup fraud proofs for federated learning: design, dispute, simulate, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _register_commands() -> None:
    import analyses.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    _register_commands()
    try:
        app(args=argv)
    except InfeasibleError as exc:
        typer.echo(f"orfl: infeasible: {exc}", err=True)
        sys.exit(1)
    except OrflError as exc:
        typer.echo(f"orfl: error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
