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

from analyses.commands._common import (
    PROTOCOL,
    RUN,
    SCENARIO,
    bad_input,
    design_option,
    json_option,
    option,
    registrar,
    seed_option,
    show_summary,
)


def abm_cmd(
    blocks: int | None = option(None, "--blocks", help="L1 blocks to simulate (12 s each).", panel=SCENARIO,
                                metavar="N", show_default="the config's; full mode: 10 challenge periods"),
    trainers: int | None = option(None, "--trainers", help="Registered trainers.", panel=SCENARIO, metavar="N",
                                  show_default="the config's"),
    challengers: int | None = option(None, "--challengers", help="Potential challengers.", panel=SCENARIO,
                                     metavar="N", show_default="the config's"),
    config: Path | None = option(None, "--config", help="TOML file of ABMConfig fields (over the design).",
                                 panel=SCENARIO, metavar="FILE"),
    design_path: Path | None = design_option(),
    order_flow: str | None = option(None, "--order-flow", panel=PROTOCOL, metavar="public|private",
                                    help="public: the sequencer sees challenges in the mempool and front-runs "
                                         "them; private: order flow it cannot see.",
                                    show_default="the config's (private)"),
    threat_model: str | None = option(None, "--threat-model", panel=SCENARIO, metavar="default|FILE",
                                      help="Threat processes of each fraud: 'default' or a TOML file "
                                           "(docs/threats.example.toml); 'none' for independent censoring "
                                           "proposers only.", show_default="the config's (none)"),
    training_proofs: bool | None = option(None, "--training-proofs/--no-training-proofs", panel=PROTOCOL,
                                          help="Trainers' updates are checked by training fraud proofs "
                                               "(full mode only).", show_default="the config's (off)"),
    mode: str = option("economic", "--mode", help="economic (tolerance table) or full (real training).",
                       panel=RUN, metavar="economic|full"),
    seed: int | None = seed_option(None, show_default="the config's"),
    json_out: bool = json_option(),
) -> None:
    """Simulate trainers, a sequencer, challengers and an adversary around the rollup."""
    if mode not in ("economic", "full"):
        bad_input("--mode", mode, "one of economic, full")
    if order_flow is not None and order_flow not in ("public", "private"):
        bad_input("--order-flow", order_flow, "one of public, private")
    if threat_model is not None and threat_model not in ("default", "none") and not Path(threat_model).is_file():
        bad_input("--threat-model", threat_model, "default, none, or an existing TOML file")
    if training_proofs and mode != "full":
        bad_input("--training-proofs", True, "only with --mode full (training disputes need real training)")
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
    changes = {"mode": mode, "blocks": blocks, "trainers": trainers, "challengers": challengers, "seed": seed,
               "order_flow": order_flow, "training_proofs": training_proofs,
               "threat_model": None if threat_model is None else ("" if threat_model == "none" else threat_model)}
    if mode == "full" and blocks is None and config is None:
        changes["blocks"] = 10 * cfg.challenge_period_blocks  # about 10 rounds
    cfg = cfg.replace(**{k: v for k, v in changes.items() if v is not None})
    summary = RollupModel(cfg).run()
    summary.update({"order_flow": cfg.order_flow, "threat_model": cfg.threat_model or "none",
                    "training_proofs": cfg.training_proofs})
    # the design used: the file's (arity, source) with the config's protocol fields
    used = dataclasses.replace(design, **{d: getattr(cfg, a) for a, d in DESIGN_FIELDS.items()})
    summary.update(design_report(used))
    show_summary(f"orfl abm ({cfg.mode}, seed {cfg.seed})", "quantity", summary, json_out)


register = registrar(
    "abm", abm_cmd,
    ("orfl abm", "the economic model at the default design, printed as a table"),
    ("orfl abm --design design.json --blocks 20000 --challengers 3 --json",
     "the recommended design, three challengers, JSON"),
    ("orfl abm --mode full --trainers 10 --seed 1", "real training and real dispute games"),
    ("orfl abm --threat-model default --order-flow public --json",
     "frauds under the default threat model, challenges visible in a public mempool"),
)
