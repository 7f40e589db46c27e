"""One EVM transaction per call in titanoboa (shared by the dispute and rollup drivers).

By default titanoboa runs consecutive calls as if they were one transaction: storage
slots written earlier keep their EIP-2200 "original" value, and slots and addresses
touched earlier stay warm (EIP-2929), so storage writes and first accesses come out
cheaper than on a real chain. :func:`begin_transaction` starts a fresh transaction:
it commits pending state (so "original" = the value before this call), forgets warm
slots and addresses and clears EIP-1153 transient storage. Call it before every call
whose gas is measured.
"""

from __future__ import annotations

from typing import Any


def begin_transaction(env: Any) -> None:
    """Make the next call on ``env`` (a ``boa.Env``) start a new transaction."""
    state = env.evm.vm.state
    state.lock_changes()
    env.evm.reset_access_counters()
    state.clear_transient_storage()


def replay_move(env: Any, contract: Any, fn: str, call: tuple[Any, ...], sender: str, name: str,
                accepted: bool) -> tuple[bool, bytes]:
    """Send one move of a Python game, ``contract.fn(*call)`` from ``sender``, as its own
    transaction; the move must succeed on chain exactly when the Python game accepted it
    (else :class:`~mechanism.errors.DisputeError`). Returns (succeeded, calldata)."""
    from mechanism.errors import DisputeError

    method = getattr(contract, fn)
    data = method.prepare_calldata(*call)
    begin_transaction(env)
    try:
        with env.prank(sender):
            method(*call)
        ok = True
    except Exception:  # a revert (boa.BoaError)
        ok = False
    if ok != accepted:
        raise DisputeError(f"EVM and Python disagree on move {name} (EVM accepted={ok})")
    return ok, bytes(data)
