"""Trainer disputes in the ABM's full mode when training proofs are on (``ABMConfig.training_proofs``).

With training fraud proofs (docs/training_proof.md) each trainer commits, per round, the
root of its data shard, the starting model, its hyperparameters and the root of every
intermediate state of its local SGD. A watcher re-executes the run from those
commitments and disputes any trainer whose committed roots differ. The dispute is the
bisection game of :mod:`mechanism.training_proof` (played in Python here; the same game
runs in the EVM in ``orfl dispute --target training --evm``). A trainer that loses it is
slashed and its update is excluded from the round (docs/economics.md, 'Training proofs').

What each trainer commits here:

* its **committed shard**: the first ``SHARD_EXAMPLES`` examples of its own shard of the
  full mode's data split, encoded as the protocol's integer features;
* the **committed run**: the full mode's local steps of integer SGD of ``cfg.full_model``
  (logreg or mlp, the same shape) with batch ``BATCH`` and the full mode's learning rate,
  starting from the round's global model encoded at 20 fractional bits
  (:func:`start_weights`), minibatches from the round's public randomness;
* an **honest trainer**, and a **data poisoner** (``data_only`` attacks: it runs honest SGD
  on its own, label-flipped shard), commits the honest run of that shard. Re-execution
  reproduces it, so nobody disputes it;
* a **model poisoner** (every other attack: its update is crafted after training) commits
  roots that are not honest SGD on its shard: a lie drawn with one of the six lying
  strategies of :mod:`mechanism.dispute.strategies` (:func:`mechanism.training_proof.game.parties`).

Simplification: the full mode trains in floating point for its accuracy and crafts the
attacks on those float updates; the integer run above is the trainer's committed run for
the dispute only. Whether a trainer is disputed is decided by the watcher's root
comparison, and whether it is slashed by the game's verdict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.errors import ParameterError

#: Examples of a trainer's shard it commits per round, and the minibatch of its integer run.
SHARD_EXAMPLES = 32
BATCH = 8
#: Coordinates per commitment chunk, tree arity, per-move clock.
CHUNK = 16
ARITY = 4
CLOCK_BLOCKS = 20
MODELS = ("logreg", "mlp")


@dataclass(frozen=True)
class TrainerDispute:
    """One training dispute: who, which lie, the verdict (``slashed``: the trainer lost)."""

    round: int
    trainer: int
    strategy: str
    slashed: bool
    moves: int
    reason: str
    gas: int | None = None  # whole game replayed in the EVM (``evm``), execution + intrinsic [gas]


class TrainerDisputes:
    """Per round: every trainer's commitment, the watcher's re-execution, and a dispute
    for every trainer whose committed roots differ from it."""

    def __init__(self, model: str, shards: list[np.ndarray], x: np.ndarray, y: np.ndarray, classes: int,
                 steps: int, lr: float, seed: int, hidden: int = 32) -> None:
        from mechanism.training_proof.arith import encode_lr
        from mechanism.training_proof.commit import commit_shard, encode_features
        from mechanism.training_proof.spec import Hyper, ModelSpec

        if model not in MODELS:
            raise ParameterError.bad("full_model", model, f"one of {', '.join(MODELS)} with training_proofs")
        self.spec = ModelSpec(model, int(classes), int(x.shape[1]), int(hidden) if model == "mlp" else 0, CHUNK)
        self.hyper = Hyper(encode_lr(lr), BATCH, int(steps))
        self.seed = int(seed)
        self.shards = []
        for s in shards:
            idx = np.sort(np.asarray(s))[:SHARD_EXAMPLES]
            self.shards.append(commit_shard(encode_features(np.asarray(x)[idx], self.spec), np.asarray(y)[idx],
                                            CHUNK, ARITY))

    def start_weights(self, flat: np.ndarray) -> np.ndarray:
        """The global model (the full mode's flat float parameters, torch ``Linear`` order:
        weight then bias per layer) in the training proof's layout: each first-layer row
        ``[bias, weights, zero padding]`` (then the MLP's output rows the same way), at 20
        fractional bits, round half to even, clamped to abs(w) <= 2^25 - 1
        (docs/training_proof.md, 'Rounding rules')."""
        from mechanism.training_proof.arith import ONE, WEIGHT_MAX

        sp, f = self.spec, np.asarray(flat, dtype=np.float64)
        rows = sp.hidden if sp.kind == "mlp" else sp.classes
        need = rows * (sp.features + 1) + (sp.classes * (sp.hidden + 1) if sp.kind == "mlp" else 0)
        if f.shape != (need,):
            raise ParameterError.bad("global_model", f.size, f"{need} parameters of a {sp.kind} with this shape")
        w = np.zeros(sp.d, dtype=np.float64)
        w1 = w[: sp.w2_offset].reshape(rows, sp.row_len)
        k = rows * sp.features
        w1[:, 1 : sp.features + 1] = f[:k].reshape(rows, sp.features)
        w1[:, 0] = f[k : k + rows]
        k += rows
        if sp.kind == "mlp":
            w2 = w[sp.w2_offset :].reshape(sp.classes, sp.row_len2)
            w2[:, 1 : sp.hidden + 1] = f[k : k + sp.classes * sp.hidden].reshape(sp.classes, sp.hidden)
            k += sp.classes * sp.hidden
            w2[:, 0] = f[k : k + sp.classes]
            k += sp.classes
        return np.clip(np.rint(w * ONE), -WEIGHT_MAX, WEIGHT_MAX).astype(np.int64)

    def _honest(self, rnd: int, i: int, w0: np.ndarray) -> Any:
        """The honest run of trainer ``i`` in round ``rnd`` from weights ``w0`` (the round
        randomness comes from the run seed and the round)."""
        from mechanism.training_proof.trace import Setting, run_trace

        shard = self.shards[i]
        randomness = hashlib.sha256(b"abm round" + self.seed.to_bytes(8, "big") + rnd.to_bytes(8, "big")).digest()
        st = Setting(self.spec, self.hyper, randomness, shard.size, ARITY)
        return run_trace(st, shard, w0)

    def play_round(self, rnd: int, model_poisoners: set[int], active: list[int], rng: np.random.Generator,
                   global_model: np.ndarray | None = None, evm: bool = False) -> list[TrainerDispute]:
        """Commit, re-execute and dispute for the ``active`` trainers of round ``rnd``,
        whose runs start from ``global_model`` (flat float parameters; None: zeros). With
        ``evm`` every game is also replayed against ``TrainingStep.vy``; its verdict must be
        the Python game's, and its gas is recorded."""
        from mechanism.dispute.game import CHALLENGER
        from mechanism.dispute.strategies import STRATEGIES, play_out
        from mechanism.training_proof.game import TrainingGame, context, move_bound, parties

        w0 = np.zeros(self.spec.d, dtype=np.int64) if global_model is None else self.start_weights(global_model)
        out = []
        for i in active:
            honest = self._honest(rnd, i, w0)
            if i in model_poisoners:
                strategy = str(STRATEGIES[int(rng.integers(len(STRATEGIES)))])
                committed, prop, chal = parties(honest, "trainer", strategy, rng)
            else:
                strategy, committed, prop, chal = "", honest.roots, None, None
            watcher = self._honest(rnd, i, w0)  # the watcher's re-execution from the commitments
            if committed == watcher.roots:
                continue
            if prop is None or chal is None:  # a mismatch of an honest commitment cannot happen
                raise ParameterError.bad("trainer", i, "an honest commitment equal to its re-execution")
            st = honest.setting
            prop.stall_at = int(rng.integers(1, move_bound(st) + 1))
            g = TrainingGame(context(st, honest.shard.root, honest.start_tree.root, list(committed)),
                             clock_blocks=CLOCK_BLOCKS, setting=st)
            play_out(g, prop, chal)
            gas = None
            if evm:
                from mechanism.errors import DisputeError
                from mechanism.evm.training_step import replay

                ev = replay(g)
                if ev.winner != g.winner:
                    raise DisputeError(f"trainer {i}, round {rnd}: the EVM's winner {ev.winner} differs from the "
                                       f"game's {g.winner}")
                gas = int(ev.gas_total)
            out.append(TrainerDispute(rnd, i, strategy, g.winner == CHALLENGER, len(g.moves), str(g.reason), gas))
        return out
