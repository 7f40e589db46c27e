"""``orfl abm``: run one agent-based simulation and print its summary.

The protocol fields (bonds, stake, reward share, period, clocks, depth, rule) come from
``--design`` (a JSON file as :meth:`mechanism.design.Design.save` or ``orfl recommend
--json -o`` writes it; default ``Design()``), then ``--config`` (TOML of
:class:`~agents.abm.config.ABMConfig` fields) and the flags override. The ``--json``
output reports the design the run used under the file's keys (``design`` object and its
``challenge_period_blocks``, ``sequencer_bond_eth``, ``challenger_bond_eth``,
``reward_share`` at top level).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from analyses.commands._common import bad_input, emit_json, print_table


def abm_cmd(
    mode: str = typer.Option("economic", "--mode", help="economic (tolerance table) or full (real training)."),
    blocks: int | None = typer.Option(None, "--blocks", help="L1 blocks to simulate."),
    trainers: int | None = typer.Option(None, "--trainers", help="Registered trainers."),
    challengers: int | None = typer.Option(None, "--challengers", help="Potential challengers."),
    config: Path | None = typer.Option(None, "--config", help="TOML file of ABMConfig fields."),
    design_path: Path | None = typer.Option(None, "--design", help="Design JSON (orfl recommend --json -o)."),
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
    from agents.abm.config import DESIGN_FIELDS, ABMConfig, load_config
    from agents.abm.model import RollupModel
    from analyses.commands.simulate import design_report, load_design

    design = load_design(design_path)
    cfg = ABMConfig.from_design(design)
    if config is not None:
        cfg = load_config(config, base=cfg)
    changes = {"mode": mode, "blocks": blocks, "trainers": trainers, "challengers": challengers, "seed": seed}
    if mode == "full" and blocks is None and config is None:
        changes["blocks"] = 10 * cfg.challenge_period_blocks  # about 10 rounds
    cfg = cfg.replace(**{k: v for k, v in changes.items() if v is not None})
    summary = RollupModel(cfg).run()
    # the design used: the file's (arity, source) with the config's protocol fields
    used = dataclasses.replace(design, **{d: getattr(cfg, a) for a, d in DESIGN_FIELDS.items()})
    summary.update(design_report(used))
    if json_out:
        emit_json(summary)
    else:
        rows = [(k, v) for k, v in summary.items() if k != "design"]
        print_table(f"orfl abm ({cfg.mode}, seed {cfg.seed})", ["quantity", "value"],
                    rows + [(f"design.{k}", v) for k, v in summary["design"].items()])


def register(app: typer.Typer) -> None:
    app.command("abm")(abm_cmd)
