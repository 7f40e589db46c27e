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
from typing import Any

import typer
from typer.core import TyperGroup

from mechanism.errors import InfeasibleError, OrflError


class OrflGroup(TyperGroup):
    """The command group; it drops the type tags (``<bool>``, ``<str>``, ``<int>``) from
    every option in every command's help, ``--help`` included: an option shows its
    ``metavar`` (a value's shape such as ``LOW,HIGH``, set by the command) or nothing."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None:
            _untag(cmd, ctx)
        return cmd

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _untag(self, ctx)
        super().format_help(ctx, formatter)


def _untag(cmd: Any, ctx: Any) -> None:
    for param in [*cmd.params, cmd.get_help_option(ctx)]:
        if param is not None and param.param_type_name == "option" and param.metavar is None:
            param.metavar = ""


app = typer.Typer(
    name="orfl",
    help="Optimistic-rollup fraud proofs for federated learning: design, dispute, simulate, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    cls=OrflGroup,
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
