"""Titanoboa drivers: each Vyper contract of :mod:`mechanism.contracts` run in a real EVM.

One driver per contract, with the interface of its Python mirror so that the
differential tests and ``--evm`` runs send the same transactions to both:

* :mod:`~mechanism.evm.tx` -- one EVM transaction per call (cold storage, fresh refunds);
* :mod:`~mechanism.evm.dispute_game` -- ``DisputeGame.vy`` (bisection and Map one-steps);
* :mod:`~mechanism.evm.fold_verifier` -- ``FoldVerifier.vy`` and ``KrumVerifier.vy``;
* :mod:`~mechanism.evm.select_verifier` -- ``SelectVerifier.vy`` (clip factors, Weiszfeld
  weights, Bulyan's selection);
* :mod:`~mechanism.evm.map_verifier` -- ``MapVerifier.vy`` (the Map stages of the robust
  rules);
* :mod:`~mechanism.evm.training_step` -- ``TrainingStep.vy`` (training disputes);
* :mod:`~mechanism.evm.trace_locate` -- ``TraceLocate.vy`` (the locate phase of a training
  dispute against a trace root);
* :mod:`~mechanism.evm.dispute_variants` -- compiled variants of ``DisputeGame.vy`` (keccak,
  big-endian/int32 encodings, arity 32) replayed against their Python games (docs/cost.md);
* :mod:`~mechanism.evm.hiding_leaf` -- ``HidingLeaf.vy`` (plain vs salted openings of a
  column leaf: the gas of hiding commitments);
* :mod:`~mechanism.evm.committee` -- ``CommitteeReveal.vy`` (a leaf or a column of leaves
  opened by t committee decryption shares, by readers' scalars, or by salts in the clear);
* :mod:`~mechanism.evm.rollup` -- ``Rollup.vy`` (mirror: :mod:`mechanism.rollup.state`);
* :mod:`~mechanism.evm.arbiter` -- ``Arbiter.vy`` + ``DisputeGame.vy`` + ``Rollup.vy``;
* :mod:`~mechanism.evm.trainer_validity` -- ``TrainerValidity.vy`` + ``FoldVerifier.vy``;
* :mod:`~mechanism.evm.calibrate` -- fits the dispute gas model on replayed games.

Nothing here is imported by :mod:`mechanism.dispute` or :mod:`mechanism.rollup` (the
game and the state machine are pure; drivers sit above them). boa is imported lazily.
"""

from pathlib import Path

__all__ = ["CONTRACTS_DIR"]

#: The Vyper sources (package data of :mod:`mechanism`).
CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
