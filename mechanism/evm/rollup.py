"""Drive ``contracts/Rollup.vy`` in a real EVM (titanoboa / py-evm), with the interface of
:class:`mechanism.rollup.RollupState`, so that tests and ``orfl simulate --evm`` can run
the same transactions on both and compare outcomes, balances, events and gas.

boa is imported lazily (it is heavy); the contract is compiled once per process.

Gas of a transaction here is what the EVM charges: ``21000 + calldata`` (computed from the
real ABI calldata, EIP-2028) plus the execution gas of the message, minus the EIP-3529
refund ``min(refund, gas // 5)``. ``python -m mechanism.evm.rollup --calibrate`` prints the
per-path execution bases of :data:`mechanism.rollup.BASE_GAS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import begin_transaction
from mechanism.rollup.params import ZERO_ADDRESS
from mechanism.rollup.state import (
    ASSERTION_FIELDS,
    BURN,
    DISPUTE_FIELDS,
    Event,
    Receipt,
    RollupParams,
    RollupRevert,
)
from mechanism.units import intrinsic_gas

CONTRACT_PATH = CONTRACTS_DIR / "Rollup.vy"
_DEPLOYER: Any = None


def _deployer() -> Any:
    global _DEPLOYER
    if _DEPLOYER is None:
        import boa

        _DEPLOYER = boa.load_partial(str(CONTRACT_PATH))
    return _DEPLOYER


def _revert_reason(output: bytes) -> str:
    """Decode ``Error(string)`` revert data (selector 0x08c379a0)."""
    if output[:4] != bytes.fromhex("08c379a0"):
        return "revert"
    length = int.from_bytes(output[36:68], "big")
    return output[68:68 + length].decode()


def call_as_transaction(env: Any, contract: Any, fn: str, args: tuple[Any, ...], sender: str,
                        value_wei: int = 0, **log_kwargs: Any) -> tuple[Any, list[Event], int, int]:
    """Run ``contract.fn(*args)`` in ``env`` as its own transaction (cold storage, see
    :func:`~mechanism.evm.tx.begin_transaction`).

    Returns (return value, decoded events, gas charged, execution gas). Gas charged is
    execution + intrinsic/calldata gas minus the refund, capped at 1/5 of the total
    (EIP-3529). A revert raises :class:`RollupRevert` with the decoded reason.
    """
    import boa
    from boa.contracts.base_evm_contract import BoaError

    with boa.swap_env(env):
        begin_transaction(env)
        try:
            kw = {"value": value_wei} if value_wei else {}
            ret = getattr(contract, fn)(*args, sender=sender, **kw)
        except BoaError as exc:
            raise RollupRevert(_revert_reason(bytes(contract._computation.output))) from exc
        comp = contract._computation
        logs = contract.get_logs(comp, **log_kwargs)
    exec_gas = int(comp.get_gas_used())
    total = intrinsic_gas(bytes(comp.msg.data)) + exec_gas
    gas = total - min(int(comp.get_gas_refund()), total // 5)
    events: list[Event] = [(type(lg).__name__, {k: _norm(v) for k, v in lg._asdict().items() if k != "address"})
                           for lg in logs if type(lg).__name__ != "RawLogEntry"]
    return ret, events, gas, exec_gas


def _norm(v: Any) -> Any:
    """Normalise boa values to the Python machine's: checksummed str addresses, bytes32."""
    if type(v).__name__ == "Address":
        return str(v)
    if isinstance(v, bytes):
        return bytes(v)
    return v


class RollupEVM:
    """The Vyper contract in its own titanoboa environment."""

    def __init__(self, params: RollupParams, arbiter: str | None = None,
                 deploy_arbiter: Callable[[Any], str] | None = None,
                 deploy_validity: Callable[[Any], str] | None = None) -> None:
        """``arbiter``: an address; or ``deploy_arbiter(env)`` deploys the arbiter contract
        in this environment first and returns its address (default: a fresh EOA).
        ``deploy_validity(env)`` likewise deploys the resolver of trainer disputes
        (``TrainerValidity.vy``; default: none, the arbiter resolves them)."""
        import boa

        self.params = params
        self.env = boa.Env()
        self.env.evm.patch.block_number = 1
        with boa.swap_env(self.env):
            if deploy_arbiter is not None:
                arbiter = deploy_arbiter(self.env)
            self.arbiter = arbiter or str(self.env.generate_address("arbiter"))
            self.validity = ZERO_ADDRESS if deploy_validity is None else deploy_validity(self.env)
            # the burn address exists on mainnet; make it exist here too (1 wei, subtracted)
            self.env.set_balance(BURN, 1)
            self.contract = _deployer().deploy(*params.constructor_args(), self.arbiter, self.validity)
        self.events: list[Event] = []
        self.gas_spent = 0
        self.last_exec_gas = 0

    # chain time --------------------------------------------------------
    @property
    def block(self) -> int:
        return int(self.env.evm.patch.block_number)

    @block.setter
    def block(self, number: int) -> None:
        delta = number - self.block
        if delta < 0:
            raise ValueError(f"block={number} is in the past (now {self.block})")
        if delta:
            self.env.time_travel(blocks=delta)

    # accounts ----------------------------------------------------------
    def new_account(self, wei: int, name: str | None = None) -> str:
        addr = str(self.env.generate_address(name))
        self.env.set_balance(addr, wei)
        return addr

    def wallet(self, account: str) -> int:
        return int(self.env.get_balance(account))

    @property
    def eth_wei(self) -> int:
        return int(self.env.get_balance(self.contract.address))

    @property
    def burned_wei(self) -> int:
        return int(self.env.get_balance(BURN)) - 1

    # transactions ------------------------------------------------------
    def transact(self, sender: str, fn: str, *args: Any, value_wei: int = 0) -> Receipt:
        if self.wallet(sender) < value_wei:
            raise RollupRevert("insufficient funds")
        ret, events, gas, self.last_exec_gas = call_as_transaction(
            self.env, self.contract, fn, args, sender, value_wei)
        self.events.extend(events)
        self.gas_spent += gas
        return Receipt(_norm(ret), events, gas)

    # views -------------------------------------------------------------
    def assertion(self, aid: int) -> dict[str, Any]:
        return {f: _norm(v) for f, v in zip(ASSERTION_FIELDS, self.contract.assertions(aid), strict=True)}

    def dispute(self, did: int) -> dict[str, Any]:
        return {f: _norm(v) for f, v in zip(DISPUTE_FIELDS, self.contract.disputes(did), strict=True)}

    def counter(self, name: str) -> int:
        return int(getattr(self.contract, name)())

    def balance_of(self, account: str) -> int:
        return int(self.contract.balance_of(account))

    def stake_of(self, account: str) -> int:
        return int(self.contract.stake_of(account))

    def exit_block_of(self, account: str) -> int:
        return int(self.contract.exit_block(account))

    def roots_of(self, trainer: str, rnd: int) -> tuple[bytes, bytes]:
        return bytes(self.contract.update_root(trainer, rnd)), bytes(self.contract.data_root(trainer, rnd))

    def publishers(self, rnd: int) -> list[str]:
        return [str(self.contract.publishers(rnd, i)) for i in range(int(self.contract.publisher_count(rnd)))]

    def invalid_from(self, trainer: str, rnd: int) -> int:
        return int(self.contract.invalid_from(trainer, rnd))

    def open_trainer_disputes(self, rnd: int) -> int:
        """Trainer disputes on round ``rnd``'s updates still open (``round_trainer_disputes``)."""
        return int(self.contract.round_trainer_disputes(rnd))

    def input_trainers(self, aid: int) -> list[str]:
        rnd = int(self.contract.assertions(aid)[0])
        return [t for t in self.publishers(rnd) if not 0 < self.invalid_from(t, rnd) <= aid]

    def round_inputs(self, aid: int) -> list[bytes]:
        return [bytes(r) for r in self.contract.round_inputs(aid)]

    def ledger_ok(self) -> bool:
        dep, wd, burned = (self.counter(k) for k in ("total_deposited_wei", "total_withdrawn_wei",
                                                     "total_burned_wei"))
        return dep == self.eth_wei + wd + burned and burned == self.burned_wei


class Paired:
    """The same transactions on the Python machine and the EVM (differential runs)."""

    def __init__(self, params: RollupParams) -> None:
        from mechanism.rollup.state import RollupState

        self.evm = RollupEVM(params)
        self.sim = RollupState(params, arbiter=self.evm.arbiter, block=self.evm.block)

    def new_account(self, wei: int) -> str:
        addr = self.evm.new_account(wei)
        self.sim.wallets_wei[addr] = wei
        return addr

    def advance(self, blocks: int) -> None:
        self.evm.block = self.evm.block + blocks
        self.sim.block = self.evm.block

    def transact(self, sender: str, fn: str, *args: Any, value_wei: int = 0) -> tuple[Any, Any]:
        """Apply to both; return (sim result, evm result), each a Receipt or a RollupRevert."""
        out: list[Any] = []
        for impl in (self.sim, self.evm):
            try:
                out.append(impl.transact(sender, fn, *args, value_wei=value_wei))
            except RollupRevert as exc:
                out.append(exc)
        return out[0], out[1]


def _all_paths(params: RollupParams) -> list[tuple[str, int, int]]:
    """Scripted scenario visiting every code path; returns (path, evm exec gas, storage gas)."""
    pr = Paired(params)
    out: list[tuple[str, int, int]] = []
    eth = 10**21
    seq, c1, c2, c3 = (pr.new_account(eth) for _ in range(4))
    t1, t2, t3, t4 = (pr.new_account(eth) for _ in range(4))
    arb = pr.evm.arbiter
    root = bytes(range(1, 33))

    def tx(sender: str, fn: str, *args: Any, value_wei: int = 0) -> Any:
        a, b = pr.transact(sender, fn, *args, value_wei=value_wei)
        if isinstance(a, RollupRevert) or isinstance(b, RollupRevert):
            raise RuntimeError(f"calibration step {fn} reverted: {a} / {b}")
        out.append((pr.sim.last_path, pr.evm.last_exec_gas, pr.sim.last_storage_gas))
        return b.value

    def bisect(did: int, defender: str, challenger: str) -> None:
        for _ in range(params.dispute_depth):
            tx(defender, "move", did, root)
            tx(challenger, "move", did, (1).to_bytes(32, "big"))

    sb, cb, ts = params.sequencer_bond_wei, params.challenger_bond_wei, params.trainer_stake_wei
    for t in (t1, t2, t3, t4):
        tx(t, "register_trainer", value_wei=ts)
    for t in (t1, t2, t3):
        tx(t, "publish_update", 0, root, root)
    pr.advance(params.assertion_delay_blocks)
    aid = tx(seq, "post_assertion", 0, root, root, root, 3, value_wei=sb)
    d1, d2, d3 = (tx(c, "challenge_assertion", aid, value_wei=cb) for c in (c1, c2, c3))
    bisect(d1, seq, c1)
    tx(arb, "resolve", d1, True)
    bisect(d2, seq, c2)
    tx(arb, "resolve", d2, False)
    tx(c3, "cancel_dispute", d3)
    for defender_moves in (False, True):
        aid = tx(seq, "post_assertion", 0, root, root, root, 3, value_wei=sb)
        did = tx(c1, "challenge_assertion", aid, value_wei=cb)
        if defender_moves:
            tx(seq, "move", did, root)
        pr.advance(params.move_clock_blocks + 1)
        tx(c2, "timeout", did)
    pr.advance(params.challenge_period_blocks)
    tx(c2, "finalise", aid)
    pr.advance(params.assertion_delay_blocks)
    tx(seq, "post_assertion", 1, bytes(32), bytes(32), bytes(32), 0, value_wei=sb)  # an empty round
    e1, e2, e3 = (tx(c, "challenge_trainer", t1, 0, 3, value_wei=cb) for c in (c1, c2, c3))
    bisect(e1, t1, c1)
    tx(arb, "resolve", e1, True)
    bisect(e2, t1, c2)
    tx(arb, "resolve", e2, False)
    tx(c1, "cancel_dispute", e3)
    for t, defender_moves in ((t2, False), (t3, True)):
        did = tx(c1, "challenge_trainer", t, 0, 1, value_wei=cb)
        if defender_moves:
            tx(t, "move", did, root)
        pr.advance(params.move_clock_blocks + 1)
        tx(c3, "timeout", did)
    tx(t4, "request_exit")
    pr.advance(params.challenge_period_blocks)
    tx(t4, "complete_exit")
    for acct in (seq, c1, c2, c3, t1, t3, t4):
        if pr.sim.balance_of(acct):
            tx(acct, "withdraw")
    return out


def calibrate() -> dict[str, int]:
    """Return ``BASE_GAS``: per path, min over instances of EVM exec gas - storage gas
    (and, as ``spread:PATH``, max - min: 0 when the storage model explains all variation)."""

    bases: dict[str, list[int]] = {}
    for reward_bps in (5_000, 10_000):
        for depth in (1, 2):
            params = RollupParams(reward_share_bps=reward_bps, dispute_depth=depth)
            for path, evm_exec, storage in _all_paths(params):
                bases.setdefault(path, []).append(evm_exec - storage)
    spread = {p: max(v) - min(v) for p, v in bases.items()}
    return {**{p: min(v) for p, v in sorted(bases.items())}, **{f"spread:{p}": s for p, s in spread.items()}}


if __name__ == "__main__":
    import sys

    if "--calibrate" in sys.argv:
        for path, base in calibrate().items():
            print(f"    {path!r}: {base},")
