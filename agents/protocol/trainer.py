"""The trainer: registers with its stake, publishes one update per round, defends it.

Each round the trainer encodes its float update in int64 fixed point
(:func:`mechanism.fixedpoint.encode`, round half to even at ``DEFAULT_FRAC_BITS``) and
publishes its update root and data root on chain (``publish_update``); the update itself
goes to the round's data (:class:`~agents.protocol.deployment.Deployment`). When the
watcher disputes the update, the trainer answers in ``TrainerValidity`` with its honest
norm sum tree -- or, for an invalid update, with a lying one, which the watcher's
bisection and ``FoldVerifier.sum_step`` expose.

The schedule of invalid updates is a trainer behaviour: every ``INVALID_EVERY_ROUNDS``-th
round (rounds 2, 5, 8, ...) one staked trainer, drawn with the run's generator,
publishes an update with every coordinate at the norm bound (L2 norm ``sqrt(d)`` times
the bound).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.protocol.actor import Actor

INVALID_EVERY_ROUNDS = 3


def encode_update(update: Any, frac_bits: int | None = None) -> np.ndarray:
    """Float update(s) in int64 fixed point (round half to even; ``frac_bits`` default
    ``DEFAULT_FRAC_BITS``): :func:`mechanism.fixedpoint.encode`."""
    from mechanism.fixedpoint import encode
    from mechanism.params import DEFAULT_FRAC_BITS

    bits = DEFAULT_FRAC_BITS if frac_bits is None else frac_bits
    return np.asarray(encode(np.asarray(update, dtype=np.float64), bits).numpy(), dtype=np.int64)


def pick_invalid(rnd: int, alive: list[Trainer], rng: np.random.Generator) -> Trainer | None:
    """The trainer that publishes an invalid update in round ``rnd`` (None: nobody)."""
    if rnd % INVALID_EVERY_ROUNDS != INVALID_EVERY_ROUNDS - 1 or not alive:
        return None
    return alive[int(rng.integers(len(alive)))]


class Trainer(Actor):
    """An honest trainer (it publishes an invalid update only when scheduled to)."""

    def register(self) -> None:
        self.send("register_trainer", value=self.dep.params.trainer_stake_wei)

    @property
    def staked(self) -> bool:
        return bool(self.dep.rollup.stake_of(self.address) > 0)

    def publish(self, rnd: int, update: Any, invalid: bool = False) -> None:
        """Publish round ``rnd``'s update (float, encoded here) -- or the invalid one."""
        from mechanism.commitment import commit
        from mechanism.rollup.predicates import data_commit

        c = self.dep.cfg
        arity = c.arity_for(self.dep.design)
        upd = np.full(c.update_dim, c.norm_bound_fixed, dtype=np.int64) if invalid else encode_update(update)
        self.dep.data.setdefault(rnd, {})[self.address] = upd
        self.send("publish_update", rnd, commit(upd, c.chunk_size, arity).root,
                  data_commit(upd, c.chunk_size, arity).root)

    def published(self, rnd: int) -> bool:
        return bool(self.dep.rollup.roots_of(self.address, rnd)[0] != bytes(32))

    def exit(self, block: int) -> None:
        """Leave after the run: request the exit, complete it once its delay is over."""
        r = self.dep.rollup
        if not self.staked:
            return
        if r.exit_block_of(self.address) == 0:
            self.send("request_exit")
        elif block >= r.exit_block_of(self.address):
            self.send("complete_exit")
