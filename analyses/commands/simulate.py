"""``orfl simulate``: rounds of the rollup on the simulated L1 (or the real EVM with --evm).

Agents (one action per block, transactions go through the mempool of
:class:`mechanism.chain.Chain`): trainers register with stakes and send synthetic int64
updates (one invalid update -- above the L2-norm bound -- every third round); the
sequencer aggregates the valid ones with the real aggregation core (trace program of
``trimmed_mean``) and posts an assertion; with ``--malicious-sequencer`` it posts a wrong
output root on the first attempt of a round with probability 1/2. An honest watcher
re-executes every assertion, challenges wrong ones and invalid trainers; the real
bisection game (:mod:`mechanism.dispute_adapter`) decides each dispute, the rollup
enforces bonds and clocks. The adversary censors the watcher's transactions in a
fraction q of blocks.
"""

from __future__ import annotations

import time
from typing import Any

import typer

from analyses.commands._common import bad_input, emit_json, print_table

D, CHUNK, ARITY, RULE = 64, 8, 4, "trimmed_mean"
NORM_BOUND = 1 << 24  # fixed-point L2-norm bound of a valid update (2^4 in real units)
T_DETECT_BLOCKS = 1


def to_move(impl: Any, did: int) -> str | None:
    d = impl.dispute(did)
    if d["moves_made"] >= 2 * impl.params.dispute_depth:
        return None
    return str(d["defender"] if d["moves_made"] % 2 == 0 else d["challenger"])


def run(rounds: int, trainers: int, malicious: bool, q: float, period_blocks: int, evm: bool,
        seed: int, on_event: Any = None, max_blocks: int = 20_000) -> dict[str, Any]:
    """Run until ``rounds`` rounds are final and all funds withdrawn; return the summary."""
    import numpy as np

    from mechanism.chain import BLOCK_SECONDS, GWEI, Chain, Tx
    from mechanism.commitment import commit
    from mechanism.dispute_adapter import (
        NORM,
        assert_round,
        play_assertion_dispute,
        rollup_depth,
        trainer_violation,
    )
    from mechanism.rollup import ACTIVE, RollupParams, RollupRevert, RollupState

    rng = np.random.default_rng(seed)
    params = RollupParams(challenge_period_blocks=period_blocks, move_clock_blocks=max(4, period_blocks // 5),
                          dispute_depth=rollup_depth(D, CHUNK, ARITY), arity=ARITY)
    impl: Any
    if evm:
        from mechanism.rollup_evm import RollupEVM

        impl = RollupEVM(params)
    else:
        impl = RollupState(params, arbiter="0x" + "ab" * 20)
    arbiter = impl.arbiter
    fund = 10**22
    seq = impl.new_account(fund)
    watcher = impl.new_account(fund)
    tr = [impl.new_account(fund) for _ in range(trainers)]
    initial = {a: fund for a in [seq, watcher, *tr]}
    honest = {watcher, *tr} | ({seq} if not malicious else set())
    chain = Chain(seed=seed, censor_fraction=q)
    stats: dict[str, Any] = {"frauds_attempted": 0, "frauds_caught": 0, "frauds_finalized": 0,
                             "trainer_frauds": 0, "trainers_slashed": 0, "rounds_finalised": 0,
                             "reverted_txs": 0, "bonds_moved_wei": 0, "burned_wei": 0}
    pending: set[tuple[Any, ...]] = set()
    done: set[tuple[Any, ...]] = set()
    ledger_ok = True
    claims: dict[int, Any] = {}  # aid -> (claim, program, trace, x)
    outcomes: dict[int, Any] = {}
    bad_trainer: dict[int, str] = {}  # round -> trainer with an invalid update
    finality: list[int] = []
    attempt = 0
    state: dict[str, Any] = {"round": 0, "aid": 0, "posted": False, "withdrawn": False}

    def send(sender: str, fn: str, *args: Any, value: int = 0, censor: bool = False, tag: Any = None) -> None:
        key = (sender, fn, *args)
        if (key, tag) in pending or (key, tag) in done:
            return
        pending.add((key, tag))
        chain.submit(Tx(sender, 200_000, 1000 * GWEI, 2 * GWEI, (key, value, tag), censored=censor))

    for a in tr:
        send(a, "register_trainer", value=params.trainer_stake_wei)
    while chain.number < max_blocks:
        block = chain.step()
        impl.block = block.number
        for t in block.txs:
            key, value, tag = t.payload
            pending.discard((key, tag))
            try:
                rec = impl.transact(key[0], key[1], *key[2:], value_wei=value)
                if key[1] != "withdraw":
                    done.add((key, tag))
            except RollupRevert as exc:
                stats["reverted_txs"] += 1
                if on_event:
                    on_event(block.number, "revert", f"{key[1]} by {key[0][:8]}: {exc.reason}")
                continue
            ledger_ok = ledger_ok and impl.ledger_ok()
            for name, ev in rec.events:
                if on_event:
                    on_event(block.number, name, ", ".join(f"{k}={v.hex()[:8] if isinstance(v, bytes) else v}"
                                                           for k, v in ev.items()))
                if name == "AssertionPosted":
                    state["aid"], state["posted"] = ev["assertion_id"], True
                    claims[ev["assertion_id"]] = claims.pop(-1)
                elif name == "Challenged" and ev["kind"] == 1:
                    c, prog, trace, x = claims[ev["subject"]]
                    outcomes[ev["dispute_id"]] = play_assertion_dispute(prog, x, trace, c.wrong, rng)
                elif name == "DisputeResolved":
                    stats["bonds_moved_wei"] += ev["reward_wei"] + ev["burned_wei"]
                    stats["burned_wei"] += ev["burned_wei"]
                    d = impl.dispute(ev["dispute_id"])
                    if d["kind"] == 2 and ev["winner"] == d["challenger"]:
                        stats["trainers_slashed"] += 1
                elif name == "AssertionReverted":
                    stats["frauds_caught"] += 1
                    state["posted"] = False
                elif name == "AssertionFinalised":
                    c = claims[ev["assertion_id"]][0]
                    stats["frauds_finalized"] += int(c.wrong)
                    stats["rounds_finalised"] += 1
                    finality.append(block.number - impl.assertion(ev["assertion_id"])["posted_block"])
                    state["round"] += 1
                    state["posted"] = False
                    attempt = 0
        n = block.number + 1
        if stats["rounds_finalised"] >= rounds:
            owed = [a for a in initial if impl.balance_of(a) > 0]
            staked = [a for a in tr if impl.stake_of(a) > 0]
            if not owed and not staked and not chain.mempool:
                break
            for a in staked:
                if impl.exit_block_of(a) == 0:
                    send(a, "request_exit")
                elif n >= impl.exit_block_of(a):
                    send(a, "complete_exit")
            for a in owed:
                send(a, "withdraw", tag=impl.balance_of(a))
            continue
        rnd = state["round"]
        if not state["posted"] and -1 not in claims and impl.counter("next_round") == rnd:
            x = rng.normal(0, 0.05, size=(trainers, D))
            if rnd % 3 == 2 and rnd not in bad_trainer:
                alive = [t for t in tr if impl.stake_of(t) > 0]
                if alive:
                    bad_trainer[rnd] = alive[int(rng.integers(len(alive)))]
                    stats["trainer_frauds"] += 1
            valid = [i for i, t in enumerate(tr) if bad_trainer.get(rnd) != t and impl.stake_of(t) > 0]
            xi = np.round(x[valid] * (1 << 20)).astype(np.int64)
            lie = malicious and attempt == 0 and bool(rng.random() < 0.5)
            attempt += 1
            stats["frauds_attempted"] += int(lie)
            claim, prog, trace = assert_round(RULE, xi, CHUNK, ARITY, lie, f=max(1, len(valid) // 10))
            claims[-1] = (claim, prog, trace, xi)
            send(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root,
                 claim.num_inputs, value=params.sequencer_bond_wei)
        if rnd in bad_trainer and impl.stake_of(bad_trainer[rnd]) > 0:
            bt = bad_trainer[rnd]
            upd = np.full(D, NORM_BOUND, dtype=np.int64)
            if trainer_violation(upd, commit(upd, CHUNK, ARITY).root, D, NORM_BOUND, CHUNK, ARITY) == NORM:
                send(watcher, "challenge_trainer", bt, rnd, NORM, value=params.challenger_bond_wei, censor=True)
        aid = state["aid"]
        if state["posted"] and aid in claims:
            a = impl.assertion(aid)
            if claims[aid][0].wrong and n >= a["posted_block"] + T_DETECT_BLOCKS:
                send(watcher, "challenge_assertion", aid, value=params.challenger_bond_wei, censor=True)
            if n >= a["posted_block"] + period_blocks and a["open_disputes"] == 0:
                send(seq, "finalise", aid)
        for did in range(1, impl.counter("dispute_count") + 1):
            d = impl.dispute(did)
            if d["status"] != ACTIVE:
                continue
            out = outcomes.get(did)
            if out is None:  # trainer dispute: the trainer cannot defend an invalid update
                from mechanism.dispute_adapter import DisputeOutcome

                out = outcomes[did] = DisputeOutcome(False, True, "defender", 0, 0, 0, "trainer stalls")
            mover = to_move(impl, did)
            role = None if mover is None else ("defender" if mover == d["defender"] else "challenger")
            if n > d["deadline_block"]:
                send(watcher if d["challenger"] == watcher else seq, "timeout", did)
            elif mover is None:
                if not out.by_clock:
                    send(arbiter, "resolve", did, out.defender_wins, censor=d["challenger"] == watcher)
            elif not (out.by_clock and out.stalled == role):
                data = (d["moves_made"] // 2 % ARITY).to_bytes(32, "big") if role == "challenger" \
                    else claims.get(d["subject"], (None,))[0].output_root if d["kind"] == 1 else bytes(32)
                send(mover, "move", did, data, censor=mover == watcher, tag=d["moves_made"])
    final_wallets = {a: impl.wallet(a) for a in initial}
    honest_ok = all(final_wallets[a] >= initial[a] for a in honest - set(bad_trainer.values()))
    ledger_ok = ledger_ok and impl.ledger_ok() and impl.eth_wei == 0
    delay = float(np.mean(finality)) if finality else float("nan")
    return {
        **stats, "rounds": rounds, "trainers": trainers, "malicious_sequencer": malicious,
        "censor_fraction": q, "challenge_period_blocks": period_blocks, "backend": "evm" if evm else "sim",
        "seed": seed, "blocks": chain.number - 1, "gas_spent": impl.gas_spent,
        "finality_delay_blocks": delay, "finality_delay_hours": delay * BLOCK_SECONDS / 3600,
        "honest_parties_whole": honest_ok, "conservation_ok": bool(ledger_ok),
        "sequencer_net_wei": final_wallets[seq] - initial[seq],
        "watcher_net_wei": final_wallets[watcher] - initial[watcher],
    }


def simulate_cmd(
    rounds: int = typer.Option(5, "--rounds", help="Rounds to finalise."),
    trainers: int = typer.Option(20, "--trainers", help="Registered trainers."),
    malicious_sequencer: bool = typer.Option(False, "--malicious-sequencer", help="Sequencer posts wrong roots."),
    censor_fraction: float = typer.Option(0.0, "--censor-fraction", help="q: share of censoring proposers."),
    challenge_period_blocks: int = typer.Option(50, "--challenge-period-blocks", help="T in 12 s blocks."),
    evm: bool = typer.Option(False, "--evm", help="Run the Vyper contract in the EVM (titanoboa)."),
    seed: int = typer.Option(0, "--seed", help="Run seed."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Simulate rollup rounds with real aggregation and real dispute games; report funds and fraud."""
    if not 1 <= rounds <= 1000:
        bad_input("--rounds", rounds, "an integer in [1, 1000]")
    if not 4 <= trainers <= 1000:
        bad_input("--trainers", trainers, "an integer in [4, 1000]")
    if not 0.0 <= censor_fraction < 1.0:
        bad_input("--censor-fraction", censor_fraction, "a number in [0, 1)")
    if not 10 <= challenge_period_blocks <= 100_000:
        bad_input("--challenge-period-blocks", challenge_period_blocks, "an integer in [10, 100000]")
    from rich.console import Console

    console = Console(stderr=json_out)

    def show(block: int, name: str, text: str) -> None:
        if not json_out:
            console.print(f"[dim]#{block:>5}[/] [bold]{name}[/] {text}")

    t0 = time.perf_counter()
    summary = run(rounds, trainers, malicious_sequencer, censor_fraction, challenge_period_blocks, evm, seed, show)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    if json_out:
        emit_json(summary)
    else:
        print_table("orfl simulate", ["metric", "value"], list(summary.items()))


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)
