"""The rollup mirror's transactions roll storage back from an undo log: a reverted
transaction leaves every slot, balance and event as it was, including slots it created
and slots it wrote twice; a call inside another transaction is undone with its caller."""

from __future__ import annotations

import pytest

from mechanism.rollup.params import RollupParams, RollupRevert
from mechanism.rollup.state import RollupState


def _state() -> RollupState:
    s = RollupState(RollupParams(), arbiter="0x" + "aa" * 20)
    s.slots[("x",)] = 1
    return s


def _writer(state: RollupState, revert: bool, inner: bool = False):  # type: ignore[no-untyped-def]
    def tx(sender: str, value: int) -> tuple[str, None]:
        state._set(2, "x")
        state._set(3, "x")  # the same slot twice: the first old value is what comes back
        state._set(7, "fresh", 1)  # a slot that did not exist
        state._emit("Wrote")
        if inner:
            state.transact(sender, "inner_ok", internal=True)
        state._require(not revert, "no")
        return "ok", None
    return tx


@pytest.mark.parametrize("inner", [False, True])
def test_revert_restores_every_slot(inner: bool) -> None:
    s = _state()
    a = s.new_account(10)
    s._tx_inner_ok = lambda sender, value: (s._set(9, "inner"), ("ok", None))[1]  # type: ignore[attr-defined]
    s._tx_w = _writer(s, revert=True, inner=inner)  # type: ignore[attr-defined]
    before = (dict(s.slots), s.eth_wei, dict(s.wallets_wei), list(s.events))
    with pytest.raises(RollupRevert):
        s.transact(a, "w", value_wei=4)
    assert (dict(s.slots), s.eth_wei, dict(s.wallets_wei), list(s.events)) == before
    assert s._journal is None


def test_success_keeps_writes_and_closes_the_log() -> None:
    s = _state()
    a = s.new_account(10)
    s._tx_inner_ok = lambda sender, value: (s._set(9, "inner"), ("ok", None))[1]  # type: ignore[attr-defined]
    s._tx_w = _writer(s, revert=False, inner=True)  # type: ignore[attr-defined]
    s.transact(a, "w", value_wei=4)
    assert s.slots[("x",)] == 3 and s.slots[("fresh", 1)] == 7 and s.slots[("inner",)] == 9
    assert s.eth_wei == 4 and s.wallet(a) == 6 and s._journal is None
