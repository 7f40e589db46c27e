"""The rollup as a Python state machine that mirrors the contracts, transaction by transaction.

* :mod:`~mechanism.rollup.state` -- ``Rollup.vy`` (stakes, bonds, assertions, disputes, clocks);
* :mod:`~mechanism.rollup.params` -- constructor parameters (:class:`RollupParams`, from a
  :class:`mechanism.design.Design`), status codes, predicate ids, receipts, reverts;
* :mod:`~mechanism.rollup.gas` -- the EVM-calibrated gas meter;
* :mod:`~mechanism.rollup.arbiter` -- ``Arbiter.vy`` (opens a dispute game per assertion dispute);
* :mod:`~mechanism.rollup.trainer_validity` -- ``TrainerValidity.vy`` and its players;
* :mod:`~mechanism.rollup.predicates` -- the validity predicates of a trainer's update;
* :mod:`~mechanism.rollup.disputes` -- from a round's data to the dispute game's inputs.

Their EVM twins are in :mod:`mechanism.evm`.
"""

from __future__ import annotations

from mechanism._lazy import lazy_exports

_EXPORTS = {
    "RollupState": "mechanism.rollup.state",
    "RollupParams": "mechanism.rollup.params",
    "RollupRevert": "mechanism.rollup.params",
    "Receipt": "mechanism.rollup.params",
    "ArbiterModel": "mechanism.rollup.arbiter",
    "GameConfig": "mechanism.rollup.arbiter",
    "ValidityModel": "mechanism.rollup.trainer_validity",
    "ValidityConfig": "mechanism.rollup.predicates",
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
