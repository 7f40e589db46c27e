"""A party of the protocol: an address, and transactions sent through the L1 mempool.

:class:`Outbox` is the parties' shared mempool access: a transaction is submitted once
(the same call with the same ``tag`` is not resent while pending, nor after it was
executed, except ``withdraw``), with the run's gas limit and fees. :class:`Actor` is
the base of the trainer, sequencer and watcher: it sends, and when its transaction is
included it :meth:`~Actor.perform`\\ s it against the contracts (by default a call of the
rollup).
"""

from __future__ import annotations

from typing import Any

from agents.protocol.deployment import Deployment
from mechanism.units import gwei_to_wei

Key = tuple[Any, ...]


class Outbox:
    """Sends the parties' transactions to :class:`mechanism.chain.Chain`."""

    def __init__(self, chain: Any, dep: Deployment) -> None:
        self.chain, self.cfg = chain, dep.cfg
        self.pending: set[tuple[Key, Any]] = set()
        self.done: set[tuple[Key, Any]] = set()

    def send(self, sender: str, fn: str, *args: Any, value: int = 0, censor: bool = False, tag: Any = None) -> None:
        from mechanism.chain import Tx

        key = (sender, fn, *args)
        if (key, tag) in self.pending or (key, tag) in self.done:
            return
        self.pending.add((key, tag))
        c = self.cfg
        self.chain.submit(Tx(sender, c.tx_gas_limit, gwei_to_wei(c.max_fee_gwei), gwei_to_wei(c.priority_fee_gwei),
                             (key, value, tag), censored=censor))

    def included(self, key: Key, tag: Any) -> None:
        self.pending.discard((key, tag))

    def executed(self, key: Key, tag: Any) -> None:
        if key[1] != "withdraw":
            self.done.add((key, tag))


class Actor:
    """One party: ``address`` on the rollup, its transactions through ``outbox``."""

    #: the adversary marks this party's dispute transactions as censored
    censorable = False

    def __init__(self, dep: Deployment, outbox: Outbox) -> None:
        self.dep, self.outbox = dep, outbox
        self.address = dep.new_account()
        self.initial_wei = int(dep.rollup.wallet(self.address))

    def send(self, fn: str, *args: Any, value: int = 0, censor: bool = False, tag: Any = None) -> None:
        self.outbox.send(self.address, fn, *args, value=value, censor=censor and self.censorable, tag=tag)

    def perform(self, fn: str, args: tuple[Any, ...], value: int, block: int) -> list[Any]:
        """Execute this party's included transaction; the events it emitted."""
        if fn == "settle":
            return list(self.dep.arbiter.transact(self.address, fn, *args).events)
        if fn == "validity":  # the move planned when it was sent, if it is still the one due
            m = self.dep.validity_move(args[0], block)
            if m is None or m[0] != self.address or m[1] != args[1]:
                return []
            return list(self.dep.validity.transact(self.address, m[1], *m[2]).events)
        return list(self.dep.rollup.transact(self.address, fn, *args, value_wei=value).events)

    def withdraw(self) -> None:
        bal = self.dep.rollup.balance_of(self.address)
        if bal > 0:
            self.send("withdraw", tag=bal)

    @property
    def wallet_wei(self) -> int:
        return int(self.dep.rollup.wallet(self.address))
