"""``orfl simulate``: rounds of the rollup on the simulated L1 (or the real EVM with --evm).

A thin wrapper of :func:`agents.protocol.run.run_protocol`: the trainers, the sequencer
(honest, or lying with ``--malicious-sequencer``), the watcher and the run driver live in
:mod:`agents.protocol`. Money, clocks and the challenge period come from ``--design``
(a JSON file as :meth:`mechanism.design.Design.save` or ``orfl recommend --json -o``
writes it; default ``Design()``); ``--challenge-period-blocks`` overrides the period.
The ``--json`` output reports the design used (``design`` object, and its
``challenge_period_blocks``, ``sequencer_bond_eth``, ``challenger_bond_eth`` and
``reward_share`` at top level, under the file's keys).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

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
from mechanism.rollup.params import MAX_PUBLISHERS


def load_design(path: Path | None) -> Any:
    """The design of ``--design`` (default ``Design()``); a bad file exits 2 naming ``--design``."""
    from mechanism.design import Design
    from mechanism.errors import ParameterError

    if path is None:
        return Design()
    try:
        return Design.load(path)
    except ParameterError as exc:
        msg = " ".join(str(exc).split())
        bad_input("--design", str(path), msg.split(" is invalid: ", 1)[-1] if msg.startswith("--design") else msg)
    except (OSError, TypeError, AttributeError) as exc:
        bad_input("--design", str(path), f"a readable design JSON file ({exc.__class__.__name__})")


def design_report(design: Any) -> dict[str, Any]:
    """The design under the file's keys: the ``design`` object and its four shared keys."""
    from mechanism.design import DESIGN_KEYS

    d = design.to_dict()
    return {"design": d, **{k: d[k] for k in DESIGN_KEYS}}


def simulate_cmd(
    rounds: int = option(5, "--rounds", help="Rounds to finalise.", panel=SCENARIO, metavar="N"),
    trainers: int = option(20, "--trainers", help="Registered trainers.", panel=SCENARIO, metavar="N"),
    malicious_sequencer: bool = option(False, "--malicious-sequencer", help="Sequencer posts wrong roots.",
                                       panel=SCENARIO),
    censor_fraction: float = option(0.0, "--censor-fraction", help="q: share of censoring block proposers.",
                                    panel=SCENARIO, metavar="Q"),
    updates: str = option("synthetic", "--updates",
                          help="Trainer updates: synthetic (Gaussian) or real (local SGD on digits).",
                          panel=SCENARIO, metavar="synthetic|real"),
    challenge_period_blocks: int | None = option(
        None, "--challenge-period-blocks", help="Challenge period T in 12 s blocks.", panel=PROTOCOL, metavar="N",
        show_default="the design's"),
    design_path: Path | None = design_option(),
    evm: bool = option(False, "--evm", help="Run the Vyper contract in the EVM (titanoboa).", panel=RUN),
    seed: int = seed_option(0),
    json_out: bool = json_option(),
) -> None:
    """Simulate rollup rounds with real aggregation and real dispute games; report funds and fraud."""
    if not 1 <= rounds <= 1000:
        bad_input("--rounds", rounds, "an integer in [1, 1000]")
    if not 4 <= trainers <= MAX_PUBLISHERS:
        bad_input("--trainers", trainers, f"an integer in [4, {MAX_PUBLISHERS}] (Rollup.vy's updates per round)")
    if not 0.0 <= censor_fraction < 1.0:
        bad_input("--censor-fraction", censor_fraction, "a number in [0, 1)")
    if challenge_period_blocks is not None and not 10 <= challenge_period_blocks <= 100_000:
        bad_input("--challenge-period-blocks", challenge_period_blocks, "an integer in [10, 100000]")
    if updates not in ("synthetic", "real"):
        bad_input("--updates", updates, "synthetic or real")
    if evm and trainers > 64:
        bad_input("--trainers", trainers, "at most 64 with --evm (DisputeGame.vy's MAX_N)")
    if seed < 0:
        bad_input("--seed", seed, "an integer >= 0")
    from mechanism.errors import ParameterError

    design = load_design(design_path)
    if challenge_period_blocks is not None:
        try:
            design = dataclasses.replace(design, challenge_period_blocks=challenge_period_blocks)
        except ParameterError as exc:
            bad_input("--challenge-period-blocks", challenge_period_blocks, str(exc))
    from rich.console import Console

    from agents.protocol import ProtocolConfig, real_updates, run_protocol

    console = Console(stderr=json_out)

    def show(block: int, name: str, text: str) -> None:
        if not json_out:
            console.print(f"[dim]#{block:>5}[/] [bold]{name}[/] {text}")

    t0 = time.perf_counter()
    cfg = ProtocolConfig(rounds=rounds, trainers=trainers, malicious_sequencer=malicious_sequencer,
                         censor_fraction=censor_fraction, evm=evm, seed=seed)
    provider = None
    if updates == "real":
        provider, dim = real_updates(trainers, seed, cfg.rule)
        cfg = dataclasses.replace(cfg, update_dim=dim)
    summary = run_protocol(design, cfg, provider, show)
    summary.update(design_report(design))
    summary["updates"] = updates
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    show_summary("orfl simulate", "metric", summary, json_out)


register = registrar(
    "simulate", simulate_cmd,
    ("orfl simulate", "five honest rounds on the simulated L1 at the default design"),
    ("orfl simulate --malicious-sequencer --censor-fraction 0.3 --design design.json",
     "a lying sequencer, 30% censoring proposers, the recommended design"),
    ("orfl simulate --evm --trainers 8 --rounds 2 --json", "the Vyper contracts in the EVM, JSON"),
)
