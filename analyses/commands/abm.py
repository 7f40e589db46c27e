"""``orfl abm``: run one agent-based simulation and print its summary."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import bad_input, emit_json, print_table


def abm_cmd(
    mode: str = typer.Option("economic", "--mode", help="economic (tolerance table) or full (real training)."),
    blocks: int | None = typer.Option(None, "--blocks", help="L1 blocks to simulate."),
    trainers: int | None = typer.Option(None, "--trainers", help="Registered trainers."),
    challengers: int | None = typer.Option(None, "--challengers", help="Potential challengers."),
    config: Path | None = typer.Option(None, "--config", help="TOML file of ABMConfig fields."),
    seed: int | None = typer.Option(None, "--seed", help="Run seed."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Simulate trainers, a sequencer, challengers and an adversary around the rollup."""
    if mode not in ("economic", "full"):
        bad_input("--mode", mode, "one of economic, full")
    for name, v, low in (("--blocks", blocks, 1), ("--trainers", trainers, 1), ("--challengers", challengers, 1),
                         ("--seed", seed, 0)):
        if v is not None and v < low:
            bad_input(name, v, f"an integer >= {low}")
    from agents.abm.config import ABMConfig, load_config
    from agents.abm.model import RollupModel

    cfg = load_config(config) if config is not None else ABMConfig()
    changes = {"mode": mode, "blocks": blocks, "trainers": trainers, "challengers": challengers, "seed": seed}
    if mode == "full" and blocks is None and config is None:
        changes["blocks"] = 10 * cfg.challenge_period_blocks  # about 10 rounds
    cfg = cfg.replace(**{k: v for k, v in changes.items() if v is not None})
    summary = RollupModel(cfg).run()
    if json_out:
        emit_json(summary)
    else:
        print_table(f"orfl abm ({cfg.mode}, seed {cfg.seed})", ["quantity", "value"], list(summary.items()))


def register(app: typer.Typer) -> None:
    app.command("abm")(abm_cmd)
