"""Titanoboa driver of ``TraceLocate.vy``: replay the locate phase of a training dispute
(:mod:`mechanism.training_proof.locate`) in the EVM, then the stage game on
``TrainingStep.vy`` deployed with the roots the locate contract opened.

Every attempted move of the Python locate game is one transaction; accepted moves must
succeed on chain and rejected ones revert (:func:`mechanism.evm.tx.replay_move`). Gas
per transaction: execution + intrinsic (:func:`mechanism.units.intrinsic_gas`).
"""

from __future__ import annotations

from typing import Any

from mechanism.errors import DisputeError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.dispute_game import EvmResult
from mechanism.evm.tx import replay_move
from mechanism.training_proof.locate import LocateGame, needed_stages
from mechanism.units import intrinsic_gas

CONTRACT = CONTRACTS_DIR / "TraceLocate.vy"
_COMPILED: dict[str, Any] = {}


def _deployer() -> Any:
    import boa

    if "c" not in _COMPILED:
        _COMPILED["c"] = boa.load_partial(str(CONTRACT))
    return _COMPILED["c"]


def replay_locate(g: LocateGame, eip7623: bool = False) -> tuple[EvmResult, dict[int, bytes]]:
    """Replay ``g.attempts`` on a fresh TraceLocate; returns the gas and the roots the
    contract opened (stage -> root) when it located a stage."""
    import boa

    env = boa.Env()
    env.evm.patch.block_number = 1
    with boa.swap_env(env):
        prop, chal = boa.env.generate_address("trainer"), boa.env.generate_address("challenger")
        c = _deployer().deploy(prop, chal, g.trace_root, g.num_stages, g.arity, g.clock_blocks)
        b0 = boa.env.evm.patch.block_number
        res = EvmResult(winner="")
        children: list[bytes] = []
        for name, args, accepted, block in g.attempts:
            now = boa.env.evm.patch.block_number
            if b0 + block > now:
                boa.env.time_travel(blocks=b0 + block - now)
            call: tuple[Any, ...]
            if name == "reveal":
                who, call = prop, (list(args[0]),)
            elif name == "choose":
                who, call = chal, (args[0], list(children))
            elif name == "open_roots":
                root, earlier = args[0], args[1]
                s = g.pos
                order = needed_stages(s)
                if set(earlier) != set(order):
                    order = tuple(sorted(earlier))
                who = prop
                call = (root, [earlier[i][0] for i in order], [h for i in order for h in earlier[i][1].flat()])
            elif name == "timeout":
                who, call = chal, ()
            else:
                raise DisputeError(f"locate move {name!r} has no on-chain counterpart")
            ok, data = replay_move(boa.env, c, name, call, who, name, accepted)
            if not ok:
                res.reverted += 1
                continue
            if name == "reveal":
                children = list(args[0])
            exec_gas = int(c._computation.get_gas_used())
            res.gas.append((name, exec_gas, exec_gas + intrinsic_gas(data, eip7623)))
            res.calldata_bytes += len(data)
        w = c.winner()
        res.winner = "proposer" if w == prop else ("challenger" if w == chal else "none")
        opened: dict[int, bytes] = {}
        if int(c.phase()) == 4:  # LOCATED
            s = int(c.located())
            if s != g.located:
                raise DisputeError(f"EVM located stage {s}, the Python game {g.located}")
            opened = {i: bytes(c.opened(i)) for i in (*needed_stages(s), s)}
    return res, opened


def replay_located(g1: LocateGame, g2: Any, eip7623: bool = False) -> tuple[EvmResult, EvmResult | None]:
    """The locate phase on TraceLocate, then (when it located a stage) the stage game on
    TrainingStep.vy; the stage game's roots must be those the locate contract opened."""
    from mechanism.evm.training_step import replay

    r1, opened = replay_locate(g1, eip7623)
    if g2 is None:
        return r1, None
    want = {i: r for i, r in enumerate(g2.ctx.stage_roots) if r != bytes(32)}
    if opened != want:
        raise DisputeError("the stage game's roots are not the ones the locate contract opened")
    return r1, replay(g2, eip7623)
