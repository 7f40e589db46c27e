"""Helpers shared by the CLI commands: options grouped into help panels with their
defaults and units, an ``Examples`` epilog, JSON output, rich tables, input errors."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import typer

from mechanism.serialization import json_safe

#: Help panels: what the run describes (the deployment's world), the market it prices
#: against, the protocol's parameters, and what the command writes; ``RUN`` holds how it
#: runs (seeds, workers, modes).
SCENARIO = "Scenario"
MARKET = "Market"
PROTOCOL = "Protocol"
RUN = "Run"
OUTPUT = "Output"


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_shown(v) for v in value)
    return fmt(value)


def option(default: Any, *decls: str, help: str, panel: str | None = None, unit: str = "",
           metavar: str = "", show_default: bool | str = True, **kw: Any) -> Any:
    """``typer.Option`` in the house style: in help panel ``panel``, its default shown with
    ``unit`` (``[default: 1 ETH]``; a string ``show_default`` replaces the value), and no
    type tag (``metavar`` names the value's shape where it helps, e.g. ``LOW,HIGH``)."""
    text = escape(help)
    shown = None
    if isinstance(show_default, str):
        shown = show_default
    elif show_default and default is not None and default is not ... and default is not False:
        shown = f"{_shown(default)} {unit}" if unit else _shown(default)
    if shown is not None:
        text += f" [dim]\\[default: {escape(shown)}][/dim]"
    return typer.Option(default, *decls, help=text, rich_help_panel=panel, show_default=False, metavar=metavar,
                        **kw)


def json_option() -> Any:
    """``--json``: machine-readable output (in the ``Output`` panel)."""
    return option(False, "--json", help="Machine-readable output.", panel=OUTPUT)


def design_option() -> Any:
    """``--design FILE``: the design JSON a run takes its protocol fields from."""
    return option(None, "--design", help="Design JSON (orfl recommend --json -o FILE).", panel=PROTOCOL,
                  metavar="FILE", show_default="Design()")


def seed_option(default: int | None, show_default: bool | str = True) -> Any:
    """``--seed N``: the run's seed (in the ``Run`` panel)."""
    return option(default, "--seed", help="Run seed.", panel=RUN, metavar="N", show_default=show_default)


def registrar(name: str, command: Any, *pairs: tuple[str, str]) -> Any:
    """A command module's ``register(app)``: adds ``command`` as ``orfl name`` with an
    ``Examples`` epilog of the (command line, what it does) ``pairs``."""
    epilog = examples(*pairs)

    def register(app: typer.Typer) -> None:
        app.command(name, epilog=epilog)(command)

    return register


#: A help text's trailing "(default X)" / "(default: X)", as older commands wrote defaults.
_DEFAULT_IN_HELP = re.compile(r"\s*\(default:?\s*((?:[^()]|\([^()]*\))*)\)(\.?)\s*$")


def arrange(command: Any, panels: dict[str, str]) -> Any:
    """Give an already declared command the house style without touching its options:
    each option (by parameter name in ``panels``) goes into its help panel, a trailing
    ``(default X)`` in its help becomes ``[default: X]``, and literal brackets are kept
    (escaped from rich markup). Typer reads the options when the command is built, so
    this may run after ``app.command`` registered ``command``. Returns ``command``."""
    import inspect

    from typer.models import ArgumentInfo, OptionInfo

    unknown = sorted(set(panels) - set(inspect.signature(command).parameters))
    if unknown:
        raise ValueError(f"arrange: {command.__name__} has no parameter {unknown[0]!r}")
    for name, p in inspect.signature(command).parameters.items():
        info = p.default
        if not isinstance(info, (OptionInfo, ArgumentInfo)) or getattr(info, "_arranged", False):
            continue
        if name in panels and isinstance(info, OptionInfo):
            info.rich_help_panel = panels[name]
        if info.help:
            m = _DEFAULT_IN_HELP.search(info.help)
            body = info.help[:m.start()] + m.group(2) if m else info.help
            shown = m.group(1).strip() if m else ""
            shown = f"{int(shown):,}" if re.fullmatch(r"\d{5,}", shown) else shown
            info.help = escape(body) + (f" [dim]\\[default: {escape(shown)}][/dim]" if m else "")
            if m:
                info.show_default = False
        info._arranged = True  # type: ignore[attr-defined]
    return command


def escape(text: str) -> str:
    """``text`` with rich markup's brackets escaped (a literal ``[x]`` in help)."""
    return text.replace("[", "\\[")


def examples(*pairs: tuple[str, str]) -> str:
    """An ``Examples`` epilog: (command line, what it does) pairs."""
    lines = ["[bold]Examples[/bold]", ""]
    for cmd, what in pairs:
        lines += [f"  [dim]# {escape(what)}[/dim]", f"  [cyan]{escape(cmd)}[/cyan]"]
    return "\n".join(lines)


def _default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "__dataclass_fields__"):
        return {k: getattr(o, k) for k in o.__dataclass_fields__}
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (NaN/Inf spelled out, numpy/torch converted)."""
    sys.stdout.write(json.dumps(json_safe(json.loads(json.dumps(obj, default=_default, allow_nan=True))), indent=2, sort_keys=False))
    sys.stdout.write("\n")


def bad_input(parameter: str, value: object, allowed: str) -> NoReturn:
    """One line naming the parameter, the value and what is allowed; exit code 2."""
    typer.echo(f"orfl: error: {parameter}={value!r} is invalid: {allowed}", err=True)
    raise typer.Exit(code=2)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(str(c))
    for r in rows:
        table.add_row(*[fmt(v) for v in r])
    Console().print(table)


def show_summary(title: str, label: str, summary: dict[str, Any], json_out: bool) -> None:
    """A run's summary: JSON (``json_out``), or a two-column table (``label``, value) whose
    nested ``design`` object is flattened into ``design.<field>`` rows at the end."""
    if json_out:
        emit_json(summary)
        return
    rows = [(k, v) for k, v in summary.items() if k != "design"]
    print_table(title, [label, "value"], rows + [(f"design.{k}", v) for k, v in summary["design"].items()])


def fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.4g}"
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def parse_csv(parameter: str, text: str, cast: type = str) -> list[Any]:
    """Parse a comma-separated option; bad items exit 2 naming the option."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        bad_input(parameter, text, "a non-empty comma-separated list")
    try:
        return [cast(t) for t in items]
    except ValueError:
        bad_input(parameter, text, f"a comma-separated list of {cast.__name__}")
