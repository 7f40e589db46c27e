"""``orfl dispute``: play one fraud-proof game on synthetic updates and report its cost."""

from __future__ import annotations

import time
from typing import Any

import typer

from analyses.commands._common import (
    OUTPUT,
    PROTOCOL,
    RUN,
    SCENARIO,
    arrange,
    bad_input,
    emit_json,
    examples,
    print_table,
)

EXAMPLES = examples(
    ("orfl dispute --rule median --trainers 50 --params 1000000 --json", "a median dispute, gas measured in the EVM"),
    ("orfl dispute --rule bulyan --trainers 20 --params 10000 --liar challenger --strategy stall",
     "a false challenger that stops moving"),
    ("orfl dispute --rule median --trainers 50 --params 100000000 --no-evm --json",
     "a 40 GB round worked out of core"),
    ("orfl dispute --target training --model logreg --local-steps 5 --liar trainer --commitment trace-root --json",
     "a trainer's SGD disputed against its trace root"),
)
PANELS = {"rule": PROTOCOL, "chunk_size": PROTOCOL, "arity": PROTOCOL, "commitment": PROTOCOL,
          "trainers": SCENARIO, "params": SCENARIO, "liar": SCENARIO, "strategy": SCENARIO, "target": SCENARIO,
          "model": SCENARIO, "local_steps": SCENARIO, "seed": RUN, "evm": RUN, "memory_budget_gb": RUN,
          "scheduler": RUN, "json_out": OUTPUT}

#: the transactions of a stage's one-step (Bulyan's tie witnesses are their own transactions)
ONESTEP_MOVES = ("onestep", "prove_lex")
RULES = ("mean", "median", "trimmed_mean", "krum", "multi_krum", "geometric_median", "centered_clipping", "bulyan")
#: rules traced out of core (coordinate rules; the Krum family)
OUTOFCORE_RULES = ("mean", "median", "trimmed_mean", "krum", "multi_krum", "bulyan")


def _pow2(name: str, v: int, lo: int) -> None:
    if v < lo or v & (v - 1):
        bad_input(name, v, f"a power of two >= {lo}")


def run(rule: str, n: int, d: int, liar: str, strategy: str, chunk: int, arity: int, seed: int, evm: bool) -> dict[str, Any]:
    import numpy as np

    from mechanism.commitment import commit_rows
    from mechanism.dispute import build_program, honest_trace, play
    from mechanism.dispute.gas import full_reexecution, worst_case

    rng = np.random.default_rng(seed)
    x = rng.integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    params: dict[str, Any] = {"f": 1} if rule in ("trimmed_mean", "krum", "multi_krum", "bulyan") else {}
    if rule == "geometric_median":
        params = {"iterations": 3}
    prog = build_program(rule, n, d, **params)  # imports torch: not part of the challenger's response time
    t0 = time.perf_counter()
    trees = commit_rows(x, chunk, arity)
    tr = honest_trace(prog, x, chunk, arity, input_trees=trees)
    res, game = play(prog, x, tr, liar, None if liar == "none" else strategy, rng, input_trees=trees)
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {
        "rule": rule, "trainers": n, "params": d, "liar": liar, "strategy": res.strategy,
        "chunk_size": chunk, "arity": arity, "winner": res.winner, "honest_won": res.honest_won,
        "moves": res.moves, "move_bound": res.move_bound, "rejected_moves": res.rejected,
        "reason": res.reason, "offchain_seconds": seconds,
        "stage": prog.stages[game.stage].name if game is not None and game.stage >= 0 else None,
    }
    base = rule if rule in ("mean", "median", "trimmed_mean") else "trimmed_mean"
    out["gas_full_reexecution"] = full_reexecution(base, n, d)
    from mechanism.evm.dispute_game import replay, supports

    if evm and game is not None and supports(prog, chunk, arity):
        ev = replay(game)
        out.update(gas_source="evm", gas_per_move=[{"move": k, "exec": e, "total": t} for k, e, t in ev.gas],
                   gas_total=ev.gas_total, calldata_bytes=ev.calldata_bytes, evm_winner=ev.winner)
    elif game is not None and base == rule:
        out.update(gas_source="model (worst case)", calldata_bytes=res.calldata_bytes)
        cost = worst_case(base, n, d, chunk, arity)
        out.update(gas_per_move=[{"move": k, "total": g} for k, g in cost.gas_per_move], gas_total=cost.gas_total)
    elif game is not None:
        out.update(_fold_gas(prog, game, chunk, arity, evm), calldata_bytes=res.calldata_bytes)
        out["gas_per_stage"] = stage_gas(prog, x, tr, chunk, arity, evm)
        measured = [r["gas_per_side_measured"] for r in out["gas_per_stage"] if "gas_per_side_measured" in r]
        out["gas_per_side_model"] = max(r["gas_per_side"] for r in out["gas_per_stage"])
        if measured and len(measured) == len(out["gas_per_stage"]):
            worst = max(out["gas_per_stage"], key=lambda r: r["game_gas_measured"])  # as program_worst_case
            detail = ("every stage's one-step run on chain (onestep_contract); the bisection moves from the "
                      "DisputeGame.vy-calibrated model; the costliest stage's game")
            out.update(gas_source="measured", gas_source_detail=detail, gas_total_model=out["gas_total"],
                       gas_total=worst["game_gas_measured"], gas_worst_stage=worst["stage"],
                       gas_per_side_measured=max(measured), gas_per_side_source=f"measured: {detail}")
    else:
        out.update(gas_source="none", gas_per_move=[], gas_total=0, calldata_bytes=0)
    total = out["gas_total"]
    out["ratio_full_reexecution"] = out["gas_full_reexecution"] / total if total else None
    return out


def needs_outofcore(n: int, d: int, budget_gb: float) -> bool:
    """The out-of-core path engages when the int64 input alone exceeds the budget."""
    return 8 * n * d > budget_gb * 1e9


def block_coords(n: int, budget_gb: float, chunk: int, arity: int) -> int:
    """Coordinates per block: a power of two (a multiple of ``chunk * arity**2``) whose
    (n, block) int64 block takes at most 1/16 of the budget (the rule's temporaries, leaf
    hashes and the kernel's buffers are a few blocks more), capped at 2**20."""
    unit = chunk * arity * arity
    b = unit
    while b * 2 <= 1 << 20 and 8 * n * b * 2 <= budget_gb * 1e9 / 16:
        b *= 2
    return b


def peak_rss_gb() -> float:
    """Peak resident set of this process (``getrusage`` ru_maxrss, KiB on Linux), GB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def _worker_peak_rss_gb() -> float:  # run on each Dask worker
    return peak_rss_gb()


def run_outofcore(rule: str, n: int, d: int, liar: str, strategy: str, chunk: int, arity: int, seed: int,
                  budget_gb: float, scheduler: str | None, workdir: str | None = None) -> dict[str, Any]:
    """The dispute over an update file generated block by block (``random_fill``: block
    ``[lo, hi)`` from ``default_rng([seed, lo])``, so the inputs differ from the in-memory
    path's single stream at the same seed), traced and played out of core
    (:mod:`mechanism.outofcore`), optionally on a Dask scheduler; the files are deleted
    afterwards. ``offchain_seconds`` counts the trace (commitments and ``out``) and the
    game, as the in-memory path does; generating the inputs is reported apart."""
    import hashlib
    import shutil
    import tempfile

    import numpy as np

    from mechanism.dispute import build_program
    from mechanism.dispute.gas import full_reexecution, worst_case
    from mechanism.outofcore.dispute import outofcore_trace, play_file
    from mechanism.outofcore.krum_dispute import (
        SELECTION_RULES,
        play_selection_file,
        selection_trace,
    )
    from mechanism.outofcore.store import create_updates, random_fill

    params: dict[str, Any] = {"f": 1} if rule in ("trimmed_mean", *SELECTION_RULES) else {}
    prog = build_program(rule, n, d, **params)  # imports torch: not part of the challenger's response time
    block = block_coords(n, budget_gb, chunk, arity)
    tmp = tempfile.mkdtemp(prefix="orfl-dispute-", dir=workdir)
    client = None
    try:
        t0 = time.perf_counter()
        uf = create_updates(f"{tmp}/x.npy", n, d, random_fill(n, seed), block)
        gen = time.perf_counter() - t0
        if scheduler:
            from mechanism.outofcore.cluster import connect

            client = connect(scheduler)
        t0 = time.perf_counter()
        lying = None if liar == "none" else strategy
        passes: dict[str, float] | None = None
        if rule in SELECTION_RULES:
            ft = selection_trace(uf, rule, chunk, arity, f"{tmp}/trace", block, client, **params)
            t_trace = time.perf_counter() - t0
            passes = dict(zip(("commit_and_max", "gram", "select_and_output"), ft.seconds_passes, strict=True))
            res, game = play_selection_file(ft, liar, lying, np.random.default_rng(seed))
        else:
            ft = outofcore_trace(uf, rule, chunk, arity, f"{tmp}/trace", block, client, **params)
            t_trace = time.perf_counter() - t0
            res, game = play_file(ft, liar, lying, np.random.default_rng(seed), block=block)
        seconds = time.perf_counter() - t0
        tr = ft.trace
        roots = [r.hex() for r in tr.roots]
        inputs = hashlib.sha256(b"".join(t.root for t in tr.input_trees)).hexdigest()
        workers_gb = None
        if client is not None:
            workers_gb = max(client.run(_worker_peak_rss_gb).values())
    finally:
        if client is not None:
            from mechanism.outofcore.cluster import close

            close(client)
        shutil.rmtree(tmp, ignore_errors=True)
    out: dict[str, Any] = {
        "rule": rule, "trainers": n, "params": d, "liar": liar, "strategy": res.strategy,
        "chunk_size": chunk, "arity": arity, "winner": res.winner, "honest_won": res.honest_won,
        "moves": res.moves, "move_bound": res.move_bound, "rejected_moves": res.rejected,
        "reason": res.reason, "offchain_seconds": seconds,
        "stage": tr.program.stages[game.stage].name if game is not None and game.stage >= 0 else None,
        "outofcore": True, "scheduler": scheduler or "in-process", "memory_budget_gb": budget_gb,
        "block_coords": block, "input_gb": 8 * n * d / 1e9, "generate_seconds": gen,
        "trace_seconds": t_trace, "trace_pass_seconds": passes, "game_seconds": seconds - t_trace,
        "peak_rss_gb": peak_rss_gb(),
        "worker_peak_rss_gb": workers_gb,
        "stage_roots": roots, "input_roots_sha256": inputs,
        "inputs": f"random_fill(seed={seed}): uniform int64 in [-2^24, 2^24), block [lo, hi) from default_rng([seed, lo])",
    }
    base = rule if rule in ("mean", "median", "trimmed_mean") else "trimmed_mean"  # as the in-memory path
    out["gas_full_reexecution"] = full_reexecution(base, n, d)
    if game is not None and rule != base:
        from mechanism.dispute.gas_fold import program_worst_case

        cost, _ = program_worst_case(prog, chunk, arity)
        out.update(gas_source="model (EVM-calibrated one-steps, worst stage)", calldata_bytes=res.calldata_bytes,
                   gas_per_move=[{"move": k, "total": g} for k, g in cost.gas_per_move], gas_total=cost.gas_total)
    elif game is not None:
        cost = worst_case(rule, n, d, chunk, arity)
        out.update(gas_source="model (worst case)", calldata_bytes=res.calldata_bytes,
                   gas_per_move=[{"move": k, "total": g} for k, g in cost.gas_per_move], gas_total=cost.gas_total)
    else:
        out.update(gas_source="none", gas_per_move=[], gas_total=0, calldata_bytes=0)
    total = out["gas_total"]
    out["ratio_full_reexecution"] = out["gas_full_reexecution"] / total if total else None
    return out


def stage_gas(prog: Any, x: Any, tr: Any, chunk: int, arity: int, evm: bool) -> list[dict[str, Any]]:
    """Per stage of the rule's program: the calibrated model's full-depth game (gas and
    moves per side, the one-step's gas) and the contract function whose one-step decides
    it; with ``evm``, that honest one-step executed on chain
    (:func:`mechanism.evm.calibrate.measure_stage`: MapVerifier, FoldVerifier,
    KrumVerifier, SelectVerifier, or a DisputeGame.vy game on the same inputs for the
    column and plain coordinate Map stages), and the stage's gas per side with the
    measured one-step in place of the modelled one (``onestep_source: measured``)."""
    from mechanism.dispute.gas import GameCost
    from mechanism.dispute.gas_fold import (
        per_side_gas,
        per_side_moves,
        program_stage_costs,
        stage_onestep,
    )

    rows = []
    for s, (name, kind, cost) in enumerate(program_stage_costs(prog, chunk, arity)):
        one = stage_onestep(prog, s)
        row: dict[str, Any] = {
            "stage": name, "kind": kind, "onestep": one.kind, "onestep_contract": one.contract,
            "gas_per_side": per_side_gas(cost), "moves_per_side": per_side_moves(cost),
            "onestep_gas_model": sum(g for k, g in cost.gas_per_move if k in ONESTEP_MOVES),
            "onestep_source": "model",
        }
        if evm:
            from mechanism.evm.calibrate import measure_stage

            got = measure_stage(prog, x, tr, s)
            moves = [(k, g) for k, g in cost.gas_per_move if k not in ONESTEP_MOVES]
            moves.append(("onestep", float(got.onestep_gas)))
            row.update(onestep_gas_evm=got.onestep_gas, max_tx_gas_evm=got.max_tx_gas, onestep_source="measured",
                       onestep_model_gap=row["onestep_gas_model"] / got.onestep_gas - 1,
                       gas_per_side_measured=per_side_gas(GameCost(cost.moves, moves, cost.calldata_bytes)),
                       game_gas_measured=sum(g for _k, g in moves))
        rows.append(row)
    return rows


def _fold_gas(prog: Any, game: Any, chunk: int, arity: int, evm: bool) -> dict[str, Any]:
    """Gas of a game on a Fold program: the calibrated model's worst case over stages
    (:mod:`mechanism.dispute.gas_fold`); with ``evm``, the one-step this game ended in
    is executed in the EVM (FoldVerifier / KrumVerifier / SelectVerifier) beside it."""
    from mechanism.dispute.gas_fold import program_worst_case

    cost, _ = program_worst_case(prog, chunk, arity)
    out: dict[str, Any] = {
        "gas_source": "model (EVM-calibrated one-steps, worst stage)",
        "gas_per_move": [{"move": k, "total": g} for k, g in cost.gas_per_move], "gas_total": cost.gas_total,
        "model_moves": cost.moves,
    }
    if evm:
        from mechanism.evm import select_verifier
        from mechanism.evm.fold_verifier import supports_stage, verdict

        st = prog.stages[game.stage]
        step = next((a for a in reversed(game.attempts) if a[0] in ("onestep", "attain") and a[2]), None)
        decided = game.reason in ("one-step verifier", "maximum attained")
        if decided and step is not None and st.kind == "map":
            from mechanism.evm import map_verifier

            ev = map_verifier.verdict(game.ctx, game.stage, step[1][0], game.node)
            out.update(evm_onestep={"stage": st.name, "verdict": ev.verdict, "exec": ev.exec_gas, "total": ev.total_gas,
                                    "contract": "MapVerifier.map_step"})
        elif decided and step is not None and select_verifier.supports_stage(st):
            ev = select_verifier.verdict(game.ctx, game.stage, step[1][0])
            out.update(evm_onestep={"stage": st.name, "verdict": ev.verdict, "exec": ev.exec_gas, "total": ev.total_gas})
        elif decided and step is not None and supports_stage(st):
            kw: dict[str, Any] = {}
            if st.kind == "sum":
                kw = {"claimed": game.node, "item": game.item}
            elif st.kind == "max":
                kw = {"max_value": game.max_value, "attain": step[0] == "attain"}
            ev = verdict(game.ctx, game.stage, step[1][0], **kw)
            out.update(evm_onestep={"stage": st.name, "verdict": ev.verdict, "exec": ev.exec_gas, "total": ev.total_gas})
    return out


def register(app: typer.Typer) -> None:
    @app.command("dispute", epilog=EXAMPLES)
    def dispute(
        rule: str = typer.Option("median", help=f"aggregation rule: {', '.join(RULES)}"),
        trainers: int = typer.Option(10, help="number of trainers n"),
        params: int = typer.Option(10_000, help="model parameters d"),
        liar: str = typer.Option("proposer", help="proposer | challenger | none"),
        strategy: str = typer.Option("random_step", help="dishonest strategy of the liar"),
        chunk_size: int = typer.Option(16, help="coordinates per Merkle leaf (power of two, <= 64 on chain)"),
        arity: int = typer.Option(16, help="bisection arity k (power of two, <= 16 on chain)"),
        seed: int = typer.Option(0, help="run seed"),
        evm: bool = typer.Option(True, "--evm/--no-evm", help="replay the game in the EVM (coordinate rules)"),
        json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
        target: str = typer.Option("aggregation", help="aggregation | training (a trainer's local SGD)"),
        model: str = typer.Option("logreg", help="training target: logreg | mlp"),
        local_steps: int = typer.Option(5, help="training target: local SGD steps"),
        commitment: str = typer.Option("stages", help="training target: stages (every stage root posted) | "
                                                      "trace-root (one root; the dispute locates the stage first)"),
        memory_budget_gb: float = typer.Option(
            4.0, help="inputs larger than this (n x d x 8 bytes) are traced out of core, block by block "
                      "(mean, median, trimmed_mean, krum, multi_krum, bulyan)"),
        scheduler: str = typer.Option("", help="out of core on Dask: 'local' (2 worker processes) or tcp://host:port"),
    ) -> None:
        """Run a whole dispute game on synthetic updates: winner, moves, gas, time."""
        if target == "training":
            from analyses.commands.dispute_training import main

            return main(model, trainers, local_steps, liar, strategy, chunk_size, arity, seed, evm, json_out,
                        commitment=commitment)
        if target != "aggregation":
            bad_input("target", target, "aggregation or training")
        from mechanism.dispute.strategies import STRATEGIES

        if rule not in RULES:
            bad_input("rule", rule, f"one of {', '.join(RULES)}")
        if liar not in ("proposer", "challenger", "none"):
            bad_input("liar", liar, "proposer, challenger or none")
        if strategy not in STRATEGIES:
            bad_input("strategy", strategy, f"one of {', '.join(STRATEGIES)}")
        if not 1 <= trainers <= 64:
            bad_input("trainers", trainers, "an integer in [1, 64]")
        if not memory_budget_gb > 0:
            bad_input("memory-budget-gb", memory_budget_gb, "a positive number of GB")
        if scheduler and scheduler != "local" and not scheduler.startswith("tcp://"):
            bad_input("scheduler", scheduler, "'local' or a tcp://host:port address")
        ooc = bool(scheduler) or needs_outofcore(trainers, params, memory_budget_gb)
        if ooc and rule not in OUTOFCORE_RULES:
            bad_input("rule", rule, f"{', '.join(OUTOFCORE_RULES)} when the inputs exceed --memory-budget-gb")
        if not 1 <= params <= (1_000_000_000 if ooc else 20_000_000):
            bad_input("params", params, "an integer in [1, 1e9] out of core, [1, 2e7] in memory")
        _pow2("chunk-size", chunk_size, 1)
        _pow2("arity", arity, 2)
        if arity > 16:
            bad_input("arity", arity, "at most 16")
        if ooc and params <= chunk_size * arity:
            bad_input("params", params, f"more than chunk-size x arity = {chunk_size * arity} out of core")
        if ooc:
            out = run_outofcore(rule, trainers, params, liar, strategy, chunk_size, arity, seed, memory_budget_gb,
                                scheduler or None)
        else:
            out = run(rule, trainers, params, liar, strategy, chunk_size, arity, seed, evm)
        if json_out:
            emit_json(out)
            return
        rows = [(k, v) for k, v in out.items() if k not in ("gas_per_move", "gas_per_stage", "stage_roots")]
        print_table("dispute", ["field", "value"], rows)
        if out["gas_per_move"]:
            print_table("gas per move", ["move", "gas"], [(m["move"], m["total"]) for m in out["gas_per_move"]])
        if out.get("gas_per_stage"):
            print_table("gas per stage", ["stage", "one-step (contract)", "gas per side (model)",
                                          "gas per side (measured)", "moves per side", "one-step gas (model)",
                                          "one-step gas (EVM)", "source"],
                        [(r["stage"], f"{r['onestep']} ({r['onestep_contract']})", f"{r['gas_per_side']:,.0f}",
                          f"{r['gas_per_side_measured']:,.0f}" if "gas_per_side_measured" in r else "-",
                          r["moves_per_side"], f"{r['onestep_gas_model']:,.0f}",
                          f"{r['onestep_gas_evm']:,}" if "onestep_gas_evm" in r else "-", r["onestep_source"])
                         for r in out["gas_per_stage"]])

    arrange(dispute, PANELS)
