"""``orfl dispute --target training``: one dispute over a trainer's local SGD run.

The disputed trainer is trainer 0 of an IID split of digits over ``--trainers``; it
trains ``--local-steps`` integer SGD steps from the round's global model, commits every
stage root (mechanism/training_proof), and either it lies (``--liar trainer``), a
challenger disputes it falsely (``--liar challenger``), or nobody disputes. With
``--evm`` (logistic regression or the MLP) every move is replayed in the EVM against
``TrainingStep.vy`` and the gas is measured there.

``--commitment trace-root``: the trainer posts one trace root instead of every stage
root; the dispute first locates the disputed stage by bisection over the stage roots
(``TraceLocate.vy``), then plays the stage game on it (docs/training_proof.md, "Many
local steps"). The JSON gains ``locate_moves`` and ``locate_gas`` and the calldata the
trainer posts each round under either commitment.
"""

from __future__ import annotations

import time
from typing import Any

from analyses.commands._common import bad_input, emit_json, print_table

MODELS = ("logreg", "mlp")
COMMITMENTS = ("stages", "trace-root")
LIARS = ("trainer", "challenger", "none")


def run(model: str, trainers: int, steps: int, liar: str, strategy: str, chunk: int, arity: int, seed: int,
        evm: bool, batch: int = 8, commitment: str = "stages") -> dict[str, Any]:
    import numpy as np

    from mechanism.training_proof import digits_setting, play_training
    from mechanism.training_proof.locate import play_located

    t0 = time.perf_counter()
    st, tr = digits_setting(model, trainers, steps, seed, chunk=chunk, arity=arity, batch=batch)
    lie = None if liar == "none" else strategy
    locate = None
    if commitment == "trace-root":
        res, locate, game = play_located(tr, liar, lie, np.random.default_rng(seed))
    else:
        res, game = play_training(tr, liar, lie, np.random.default_rng(seed))
    out: dict[str, Any] = {
        "target": "training", "model": model, "trainers": trainers, "local_steps": steps, "params": st.spec.d,
        "batch": batch, "shard_size": st.data_size, "liar": liar, "strategy": res.strategy, "chunk_size": chunk,
        "arity": arity, "seed": seed, "winner": "trainer" if res.winner == "proposer" else res.winner,
        "honest_won": res.honest_won, "moves": res.moves, "move_bound": res.move_bound,
        "rejected_moves": res.rejected, "reason": res.reason,
        "stage": st.names[res.stage] if 0 <= res.stage < len(st.names) else None,
        "train_seconds": tr.seconds_train, "commit_seconds": tr.seconds_commit,
        "offchain_seconds": time.perf_counter() - t0, "commitment": commitment,
        "posted_bytes_per_round": 32 * (4 + (1 if commitment == "trace-root" else len(tr.roots))),
    }
    from mechanism.evm.training_step import replay, supports

    if locate is not None and evm and supports(st):
        from mechanism.evm.trace_locate import replay_located

        ev1, ev2 = replay_located(locate, game)
        gas = [*ev1.gas, *(ev2.gas if ev2 is not None else [])]
        last = ev2 if ev2 is not None else ev1
        out.update(gas_source="evm", gas_total=sum(t for _, _, t in gas),
                   calldata_bytes=ev1.calldata_bytes + (ev2.calldata_bytes if ev2 is not None else 0),
                   locate_moves=len(ev1.gas), locate_gas=ev1.gas_total,
                   gas_per_move=[{"move": k, "exec": e, "total": t} for k, e, t in gas],
                   evm_winner="trainer" if last.winner == "proposer" else last.winner)
    elif game is not None and evm and supports(st):
        ev = replay(game)
        out.update(gas_source="evm", gas_total=ev.gas_total, calldata_bytes=ev.calldata_bytes,
                   gas_per_move=[{"move": k, "exec": e, "total": t} for k, e, t in ev.gas],
                   evm_winner="trainer" if ev.winner == "proposer" else ev.winner)
    elif game is not None or locate is not None:
        out.update(gas_source="none (run with --evm; the on-chain bounds: chunk <= 64, B*C <= 512)", gas_total=None,
                   calldata_bytes=res.calldata_bytes, gas_per_move=[])
    else:
        out.update(gas_source="none", gas_total=0, calldata_bytes=0, gas_per_move=[])
    return out


def main(model: str, trainers: int, steps: int, liar: str, strategy: str, chunk: int, arity: int, seed: int,
         evm: bool, json_out: bool, commitment: str = "stages") -> None:
    from mechanism.dispute.strategies import STRATEGIES

    if commitment not in COMMITMENTS:
        bad_input("commitment", commitment, f"one of {', '.join(COMMITMENTS)}")
    if model not in MODELS:
        bad_input("model", model, f"one of {', '.join(MODELS)}")
    if liar not in LIARS:
        bad_input("liar", liar, f"one of {', '.join(LIARS)}")
    if strategy not in STRATEGIES:
        bad_input("strategy", strategy, f"one of {', '.join(STRATEGIES)}")
    if not 1 <= trainers <= 100:
        bad_input("trainers", trainers, "an integer in [1, 100]")
    if not 1 <= steps <= 256:
        bad_input("local-steps", steps, "an integer in [1, 256]")
    if chunk < 1 or chunk & (chunk - 1) or chunk > 64:
        bad_input("chunk-size", chunk, "a power of two in [1, 64]")
    if arity not in (2, 4, 8, 16):
        bad_input("arity", arity, "2, 4, 8 or 16")
    out = run(model, trainers, steps, liar, strategy, chunk, arity, seed, evm, commitment=commitment)
    if json_out:
        emit_json(out)
        return
    print_table("training dispute", ["field", "value"], [(k, v) for k, v in out.items() if k != "gas_per_move"])
    if out["gas_per_move"]:
        print_table("gas per move", ["move", "gas"], [(m["move"], m["total"]) for m in out["gas_per_move"]])


def register(app: Any) -> None:
    """No command of its own: ``orfl dispute --target training`` dispatches to :func:`main`."""
