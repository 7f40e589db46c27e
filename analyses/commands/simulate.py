"""``orfl simulate``: rounds of the rollup on the simulated L1 (or the real EVM with --evm).

Agents (transactions go through the mempool of :class:`mechanism.chain.Chain`):
trainers register with stakes and publish, every round, their update's root and data
root on chain (``publish_update``) -- synthetic Gaussian updates, or with ``--updates
real`` honest local SGD on the embedded digits task (only this CLI layer touches
``agents``); one invalid update (above the L2-norm bound) every third round. The
sequencer waits until the round's trainer disputes are over, then aggregates the round's
inputs -- the published updates in order of publication, without those proven invalid
(``Rollup.round_inputs``) -- with the real aggregation core (trace program of
``trimmed_mean``) and posts an assertion; with ``--malicious-sequencer`` it posts, on the
first attempt of a round with probability 1/2, a consistent lie (one wrong output value,
every commitment computed from it). An honest watcher re-executes every assertion and
challenges wrong ones, and checks every published update with the validity predicates.
An assertion dispute is decided by the on-chain arbiter (``Arbiter.vy`` +
``DisputeGame.vy``; its Python mirror :mod:`mechanism.rollup.arbiter` without --evm):
the proposer opens the game with the published input roots, both sides bisect move by
move, the one-step verifier rules, ``settle`` calls ``Rollup.resolve``, the rollup
slashes. A trainer dispute is decided by ``TrainerValidity.vy`` (its Python mirror
:class:`mechanism.rollup.trainer_validity.ValidityModel` without --evm): the invalid trainer
defends its norm with a lying sum tree, the watcher bisects it to one chunk, and
``FoldVerifier.sum_step`` proves the lie, so the stake is slashed by the real predicate
proof. ``gas_spent`` = rollup transactions + ``dispute_gas`` (open, game moves and
settle of assertion games; every transaction of the trainer-validity games, also
reported alone as ``validity_gas``). The adversary censors the watcher's transactions in
a fraction q of blocks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import typer

from analyses.commands._common import bad_input, emit_json, print_table
from mechanism.rollup.params import MAX_PUBLISHERS

D, CHUNK, ARITY, RULE = 64, 8, 4, "trimmed_mean"
NORM_BOUND = 1 << 24  # fixed-point L2-norm bound of a valid update (2^4 in real units)
T_DETECT_BLOCKS = 1


def synthetic_updates(seed: int, dim: int = D) -> Callable[[int, int], Any]:
    """Round r -> (trainers, dim) float updates, i.i.d. N(0, 0.05^2) from the run seed."""
    import numpy as np

    rng = np.random.default_rng([seed, 0x5EED])

    def make(rnd: int, trainers: int) -> Any:
        return rng.normal(0, 0.05, size=(trainers, dim))

    return make


def real_updates(trainers: int, seed: int) -> tuple[Callable[[int, int], Any], int]:
    """Real learning updates: honest local SGD of ``trainers`` trainers on the embedded
    digits task (``agents.fl.training`` through the ABM's full workload), one FL round per
    rollup round (a redone round reuses its updates). Returns (provider, update length)."""
    from agents.abm.adapter import FullWorkload
    from agents.abm.config import ABMConfig

    wl = FullWorkload(ABMConfig(rule=RULE, seed=seed, trainers=trainers), [False] * trainers)
    cache: dict[int, Any] = {}

    def make(rnd: int, n: int) -> Any:
        if rnd not in cache:
            wl.round()
            cache[rnd] = wl.last_updates
        return cache[rnd][:n]

    return make, wl.dim


def run(rounds: int, trainers: int, malicious: bool, q: float, period_blocks: int, evm: bool,
        seed: int, on_event: Any = None, max_blocks: int = 20_000,
        updates: Callable[[int, int], Any] | None = None, dim: int = D) -> dict[str, Any]:
    """Run until ``rounds`` rounds are final and all funds withdrawn; return the summary.

    ``updates(round, trainers)`` gives the float updates of a round (default:
    :func:`synthetic_updates`; the CLI passes real local-SGD updates with ``--updates
    real``); ``dim`` is their length."""
    import numpy as np

    from mechanism.chain import BLOCK_SECONDS, GWEI, Chain, Tx
    from mechanism.commitment import commit
    from mechanism.rollup.arbiter import ARBITER_ADDRESS, ArbiterModel, GameConfig
    from mechanism.rollup.disputes import (
        assert_round_with,
        game_parties,
        input_roots,
        trainer_violation,
    )
    from mechanism.rollup.predicates import ValidityConfig, data_commit
    from mechanism.rollup.state import (
        ACTIVE,
        KIND_ASSERTION,
        KIND_TRAINER,
        RollupParams,
        RollupRevert,
        RollupState,
    )
    from mechanism.rollup.trainer_validity import VALIDITY_ADDRESS, ValidityModel, next_move

    rng = np.random.default_rng(seed)
    updates = updates or synthetic_updates(seed, dim)
    clock = max(4, period_blocks // 5)
    gcfg = GameConfig(dim=dim, chunk=CHUNK, arity=ARITY, rule=RULE, trim_bps=1_000, clock_blocks=clock)
    vcfg = ValidityConfig(d=dim, chunk=CHUNK, arity=ARITY, norm_bound=NORM_BOUND, clock_blocks=clock)
    # both kinds of dispute are decided by contracts: no bisection inside the rollup
    params = RollupParams(challenge_period_blocks=period_blocks, move_clock_blocks=clock, dispute_depth=0,
                          assertion_depth=0, arity=ARITY,
                          verdict_clock_blocks=max(gcfg.verdict_clock_blocks, vcfg.verdict_clock_blocks))
    impl: Any
    arb: Any
    val: Any
    if evm:
        from mechanism.evm.arbiter import ArbiterEVM

        arb = ArbiterEVM(params, gcfg, validity=vcfg)
        impl, val = arb.rollup, arb.validity
    else:
        impl = RollupState(params, arbiter=ARBITER_ADDRESS, validity=VALIDITY_ADDRESS)
        arb = ArbiterModel(impl, gcfg)
        val = ValidityModel(impl, vcfg)
    fund = 10**22
    seq = impl.new_account(fund)
    watcher = impl.new_account(fund)
    tr = [impl.new_account(fund) for _ in range(trainers)]
    initial = {a: fund for a in [seq, watcher, *tr]}
    honest = {watcher, *tr} | ({seq} if not malicious else set())
    chain = Chain(seed=seed, censor_fraction=q)
    stats: dict[str, Any] = {"frauds_attempted": 0, "frauds_caught": 0, "frauds_finalized": 0,
                             "trainer_frauds": 0, "trainers_slashed": 0, "rounds_finalised": 0,
                             "reverted_txs": 0, "bonds_moved_wei": 0, "burned_wei": 0, "games_played": 0,
                             "one_step_verdicts": 0, "trainer_verdicts": 0, "trainer_proofs": 0}
    pending: set[tuple[Any, ...]] = set()
    done: set[tuple[Any, ...]] = set()
    ledger_ok = True
    claims: dict[int, Any] = {}  # aid -> (claim, program, honest trace, claimed trace, x)
    parties: dict[int, Any] = {}  # assertion dispute -> (proposer, challenger) players
    bad_trainer: dict[int, str] = {}  # round -> trainer with an invalid update
    round_updates: dict[int, dict[str, Any]] = {}  # round -> trainer -> its published int64 update
    finality: list[int] = []
    attempt = 0
    state: dict[str, Any] = {"round": 0, "aid": 0, "posted": False, "withdrawn": False}

    def send(sender: str, fn: str, *args: Any, value: int = 0, censor: bool = False, tag: Any = None) -> None:
        key = (sender, fn, *args)
        if (key, tag) in pending or (key, tag) in done:
            return
        pending.add((key, tag))
        chain.submit(Tx(sender, 200_000, 1000 * GWEI, 2 * GWEI, (key, value, tag), censored=censor))

    def trainer_move(did: int, block: int) -> tuple[str, str, tuple[Any, ...]] | None:
        d = impl.dispute(did)
        upd = round_updates[d["subject"]][d["trainer"]]
        honest_upd = trainer_violation(upd, commit(upd, CHUNK, ARITY).root, dim, NORM_BOUND, CHUNK, ARITY) == 0
        return next_move(val, did, upd, upd, honest_upd, block)

    def execute(key: tuple[Any, ...], value: int, block: int) -> list[Any]:
        """Apply one included transaction to the rollup, the arbiter, a game or the
        trainer-validity contract."""
        sender, fn, args = key[0], key[1], key[2:]
        if fn == "open_game":
            _, _, honest_tr, claimed_tr, _ = claims[impl.dispute(args[0])["subject"]]
            return arb.transact(sender, fn, args[0], input_roots(honest_tr), claimed_tr.roots[0]).events
        if fn == "settle":
            return arb.transact(sender, fn, *args).events
        if fn == "game_act":
            side = 0 if sender != impl.dispute(args[0])["challenger"] else 1
            for rec in arb.act(args[0], parties[args[0]][side], block):
                if on_event:
                    on_event(block, "GameMove", f"dispute={args[0]} gas={rec.gas}")
            return []
        if fn == "validity":  # the move planned when it was sent, if it is still the one due
            m = trainer_move(args[0], block)
            if m is None or m[0] != sender or m[1] != args[1]:
                return []
            return list(val.transact(sender, m[1], *m[2]).events)
        return impl.transact(sender, fn, *args, value_wei=value).events

    for a in tr:
        send(a, "register_trainer", value=params.trainer_stake_wei)
    while chain.number < max_blocks:
        block = chain.step()
        impl.block = block.number
        for t in block.txs:
            key, value, tag = t.payload
            pending.discard((key, tag))
            try:
                events = execute(key, value, block.number)
                if key[1] != "withdraw":
                    done.add((key, tag))
            except RollupRevert as exc:
                stats["reverted_txs"] += 1
                if on_event:
                    on_event(block.number, "revert", f"{key[1]} by {key[0][:8]}: {exc.reason}")
                continue
            ledger_ok = ledger_ok and impl.ledger_ok()
            for name, ev in events:
                if on_event:
                    on_event(block.number, name, ", ".join(f"{k}={v.hex()[:8] if isinstance(v, bytes) else v}"
                                                           for k, v in ev.items()))
                if name == "AssertionPosted":
                    state["aid"], state["posted"] = ev["assertion_id"], True
                    claims[ev["assertion_id"]] = claims.pop(-1)
                elif name == "Challenged" and ev["kind"] == KIND_ASSERTION:
                    _, _, honest_tr, claimed_tr, x = claims[ev["subject"]]
                    parties[ev["dispute_id"]] = game_parties(x, honest_tr, claimed_tr,
                                                             np.random.default_rng([seed, ev["dispute_id"]]))
                elif name == "GameOpened":
                    stats["games_played"] += 1
                elif name == "Settled":
                    g = arb.game(ev["dispute_id"])
                    stats["one_step_verdicts"] += int(g is not None and g.reason.startswith("one-step"))
                elif name == "Verdict":
                    stats["trainer_verdicts"] += 1
                    stats["trainer_proofs"] += int(not ev["defender_wins"])
                elif name == "DisputeResolved":
                    stats["bonds_moved_wei"] += ev["reward_wei"] + ev["burned_wei"]
                    stats["burned_wei"] += ev["burned_wei"]
                    d = impl.dispute(ev["dispute_id"])
                    if d["kind"] == KIND_TRAINER and ev["winner"] == d["challenger"]:
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
        if rnd not in round_updates:  # the round opens: every staked trainer publishes its update
            x = np.round(np.asarray(updates(rnd, trainers), dtype=np.float64) * (1 << 20)).astype(np.int64)
            alive = [t for t in tr if impl.stake_of(t) > 0]
            if rnd % 3 == 2 and alive:
                bad_trainer[rnd] = alive[int(rng.integers(len(alive)))]
                stats["trainer_frauds"] += 1
            round_updates[rnd] = {}
            for i, t in enumerate(tr):
                if t not in alive:
                    continue
                # the invalid update breaks the L2-norm bound (every coordinate at the bound)
                upd = np.full(dim, NORM_BOUND, dtype=np.int64) if bad_trainer.get(rnd) == t else x[i]
                round_updates[rnd][t] = upd
                send(t, "publish_update", rnd, commit(upd, CHUNK, ARITY).root, data_commit(upd, CHUNK, ARITY).root)
        published = {t for t in round_updates[rnd] if impl.roots_of(t, rnd)[0] != bytes(32)}
        for t in sorted(published):  # the watcher checks every published update
            upd = round_updates[rnd][t]
            pred = trainer_violation(upd, commit(upd, CHUNK, ARITY).root, dim, NORM_BOUND, CHUNK, ARITY)
            if pred and impl.stake_of(t) > 0:
                send(watcher, "challenge_trainer", t, rnd, pred, value=params.challenger_bond_wei, censor=True)
        trainer_disputes = [impl.dispute(i) for i in range(1, impl.counter("dispute_count") + 1)]
        settled_round = all(impl.stake_of(t) == 0 or t in published for t in round_updates[rnd]) and not any(
            d["kind"] == KIND_TRAINER and d["subject"] == rnd and d["status"] == ACTIVE for d in trainer_disputes)
        bt = bad_trainer.get(rnd)
        if bt is not None and not any(d["kind"] == KIND_TRAINER and d["subject"] == rnd and d["trainer"] == bt
                                      for d in trainer_disputes):
            settled_round = False  # the invalid update is not proven yet: wait for its dispute
        window_over = n >= impl.counter("round_open_block") + params.publication_window_blocks
        if not state["posted"] and -1 not in claims and impl.counter("next_round") == rnd and settled_round \
                and window_over:
            # the inputs: published updates in order of publication, none proven invalid
            inputs = [t for t in impl.publishers(rnd) if not impl.invalid_from(t, rnd)]
            xi = np.stack([round_updates[rnd][t] for t in inputs])
            lie = malicious and attempt == 0 and bool(rng.random() < 0.5)
            attempt += 1
            stats["frauds_attempted"] += int(lie)
            claim, prog, honest_tr, claimed_tr = assert_round_with(RULE, xi, CHUNK, ARITY, lie, rng,
                                                                   **gcfg.rule_params(len(inputs)))
            claims[-1] = (claim, prog, honest_tr, claimed_tr, xi)
            send(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root,
                 claim.num_inputs, value=params.sequencer_bond_wei)
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
            if n > d["deadline_block"]:
                send(watcher if d["challenger"] == watcher else seq, "timeout", did)
                continue
            if d["kind"] == KIND_ASSERTION:
                g = arb.game(did)
                opened = d["deadline_block"] - params.verdict_clock
                if g is None and n <= opened + clock:
                    send(seq, "open_game", did)
                elif g is not None and g.winner is None and n <= g.deadline:
                    mover = d["defender"] if g.turn == "proposer" else d["challenger"]
                    send(mover, "game_act", did, censor=mover == watcher, tag=len(g.attempts))
                elif g is None or g.winner is not None or n > g.deadline:
                    won = g is None or (g.winner or ("proposer" if g.turn == "challenger" else "challenger")) \
                        == "challenger"
                    send(d["challenger"] if won else d["defender"], "settle", did, censor=won and
                         d["challenger"] == watcher)
                continue
            m = trainer_move(did, n)  # trainer dispute: the TrainerValidity game
            if m is not None:
                g = val.game(did)
                send(m[0], "validity", did, m[1], censor=m[0] == watcher, tag=(g["phase"], g["level"]))
    final_wallets = {a: impl.wallet(a) for a in initial}
    honest_ok = all(final_wallets[a] >= initial[a] for a in honest - set(bad_trainer.values()))
    ledger_ok = ledger_ok and impl.ledger_ok() and impl.eth_wei == 0
    delay = float(np.mean(finality)) if finality else float("nan")
    return {
        **stats, "rounds": rounds, "trainers": trainers, "malicious_sequencer": malicious,
        "censor_fraction": q, "challenge_period_blocks": period_blocks, "backend": "evm" if evm else "sim",
        "seed": seed, "blocks": chain.number - 1, "gas_spent": impl.gas_spent + arb.gas_spent + val.gas_spent,
        "rollup_gas": impl.gas_spent, "dispute_gas": arb.gas_spent + val.gas_spent, "validity_gas": val.gas_spent,
        "update_dim": dim,
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
    updates: str = typer.Option("synthetic", "--updates",
                                help="Trainer updates: synthetic (Gaussian) or real (local SGD on digits)."),
    seed: int = typer.Option(0, "--seed", help="Run seed."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Simulate rollup rounds with real aggregation and real dispute games; report funds and fraud."""
    if not 1 <= rounds <= 1000:
        bad_input("--rounds", rounds, "an integer in [1, 1000]")
    if not 4 <= trainers <= MAX_PUBLISHERS:
        bad_input("--trainers", trainers, f"an integer in [4, {MAX_PUBLISHERS}] (Rollup.vy's updates per round)")
    if not 0.0 <= censor_fraction < 1.0:
        bad_input("--censor-fraction", censor_fraction, "a number in [0, 1)")
    if not 10 <= challenge_period_blocks <= 100_000:
        bad_input("--challenge-period-blocks", challenge_period_blocks, "an integer in [10, 100000]")
    if updates not in ("synthetic", "real"):
        bad_input("--updates", updates, "synthetic or real")
    if evm and trainers > 64:
        bad_input("--trainers", trainers, "at most 64 with --evm (DisputeGame.vy's MAX_N)")
    from rich.console import Console

    console = Console(stderr=json_out)

    def show(block: int, name: str, text: str) -> None:
        if not json_out:
            console.print(f"[dim]#{block:>5}[/] [bold]{name}[/] {text}")

    t0 = time.perf_counter()
    provider, dim = real_updates(trainers, seed) if updates == "real" else (None, D)
    summary = run(rounds, trainers, malicious_sequencer, censor_fraction, challenge_period_blocks, evm, seed, show,
                  updates=provider, dim=dim)
    summary["updates"] = updates
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    if json_out:
        emit_json(summary)
    else:
        print_table("orfl simulate", ["metric", "value"], list(summary.items()))


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)
