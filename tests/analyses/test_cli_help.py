"""CLI help that reads well: options in panels, defaults with units, no type tags, Examples."""

from __future__ import annotations

import re

import pytest
import typer

from analyses.cli import main
from analyses.commands._common import arrange, escape, examples, option

TYPE_TAG = re.compile(r"<(bool|str|int|float|path)>")


def help_of(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *cmd: str) -> str:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def panels(text: str) -> list[str]:
    return re.findall(r"╭─ (\w[\w ]*?) ─", text)


@pytest.mark.parametrize(("cmd", "expected"), [
    ("sweep", ["Run", "Output"]),
    ("abm", ["Scenario", "Protocol", "Run", "Output"]),
    ("simulate", ["Scenario", "Protocol", "Run", "Output"]),
    ("aggregate", ["Output", "Protocol"]),
    ("bench", ["Scenario", "Run", "Output"]),
    ("dashboard", ["Server"]),
])
def test_command_help_has_panels_examples_and_no_type_tags(capsys, monkeypatch, cmd, expected) -> None:
    text = help_of(capsys, monkeypatch, cmd)
    assert [p for p in panels(text) if p not in ("Options", "Arguments")] == expected
    options_part = text.split("Examples")[0]
    assert not [line for line in options_part.splitlines() if "--" in line and TYPE_TAG.search(line)], text
    assert "Examples" in text and f"orfl {cmd}" in text.split("Examples", 1)[1]
    # --help is untagged too (it used to show <bool>)
    assert re.search(r"--help\s+Show this message", text)


def test_defaults_show_units_and_value_shapes(capsys, monkeypatch) -> None:
    text = help_of(capsys, monkeypatch, "aggregate")
    assert re.search(r"--frac-bits\s+N\s+Fixed-point fractional bits\. \[default: \d+ bits\]", text), text
    text = help_of(capsys, monkeypatch, "bench")
    assert "[default: 1,000,000]" in text  # thousands separators
    text = help_of(capsys, monkeypatch, "sweep")
    assert "tcp://HOST:PORT" in text and "[default: the file's [sweep] store]" in text  # brackets kept


def test_option_helper() -> None:
    app = typer.Typer(rich_markup_mode="rich")

    @app.command(epilog=examples(("demo --x 2", "two")))
    def demo(x: float = option(1.5, "--x", help="Bond [sic].", panel="Market", unit="ETH"),
             y: str | None = option(None, "--y", help="Y.", show_default="from the file"),
             flag: bool = option(False, "--flag", help="F.")) -> None:
        pass

    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "Bond [sic]. [default: 1.5 ETH]" in out and "[default: from the file]" in out
    assert "╭─ Market" in out and "# two" in out and "demo --x 2" in out
    assert "F." in out and "[default: False]" not in out
    assert escape("[a]") == "\\[a]"


def test_arrange_puts_declared_options_into_panels() -> None:
    app = typer.Typer(rich_markup_mode="rich")

    @app.command("x")
    def x(a: str | None = typer.Option(None, "--a", help="Gas price range, gwei. (default 1,100)"),
          b: float = typer.Option(2.0, "--b", help="Bound [model units]."),
          c: str = typer.Option("z", "--c", help="Table (default: the shipped table (measured))"),
          e: str | None = typer.Option(None, "--e", help="Cache (default results/cache)."),
          f: int | None = typer.Option(None, "--f", help="Size d. (default 1000000)")) -> None:
        pass

    arrange(x, {"a": "Market", "b": "Protocol"})
    arrange(x, {"a": "Market", "b": "Protocol"})  # idempotent
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    market, protocol = out.split("╭─ Market")[1], out.split("╭─ Protocol")[1]
    assert "Gas price range, gwei. [default: 1,100]" in market.split("╰")[0]
    assert "Bound [model units]. [default: 2.0]" in protocol.split("╰")[0]
    assert "Table [default: the shipped table (measured)]" in out and "[default: z]" not in out
    assert "Cache. [default: results/cache]" in out and "Size d. [default: 1,000,000]" in out
    with pytest.raises(ValueError, match="no parameter 'd'"):
        arrange(x, {"d": "Market"})


def test_recommend_help_groups_its_options_into_panels(capsys, monkeypatch) -> None:
    text = help_of(capsys, monkeypatch, "recommend")
    assert [p for p in panels(text) if p != "Options"] == ["Scenario", "Market", "Protocol", "Output"]
    blocks = {name: body.split("╰")[0] for name, body in
              (part.split(" ─", 1) for part in text.split("╭─ ")[1:])}
    assert "--gas-price-gwei" in blocks["Market"] and "[default: 1,100]" in blocks["Market"]
    assert "--model-size" in blocks["Scenario"] and "[default: 1,000,000]" in blocks["Scenario"]
    assert "--resource-ratio" in blocks["Protocol"] and "--json" in blocks["Output"]
    assert not [line for line in text.split("Examples")[0].splitlines() if "--" in line and TYPE_TAG.search(line)]
    assert "Examples" in text and "orfl recommend --non-iid-alpha 100 --json -o design.json" in text
