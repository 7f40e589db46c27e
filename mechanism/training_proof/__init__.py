"""Fraud proofs for training: deterministic integer SGD (logistic regression and a small
MLP), what a trainer commits per round, and the bisection game over its local steps down
to one fixed-point step (docs/training_proof.md).

>>> import numpy as np
>>> from mechanism.training_proof import demo_trace, play_training
>>> tr = demo_trace("logreg", steps=2, seed=0)
>>> res, _ = play_training(tr, "trainer", "random_step", np.random.default_rng(0))
>>> res.honest_won
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mechanism._lazy import lazy_exports

if TYPE_CHECKING:
    from mechanism.training_proof.game import LIARS, TrainingGame, play_training, verify_step
    from mechanism.training_proof.setup import demo_trace, digits_setting
    from mechanism.training_proof.spec import Hyper, ModelSpec
    from mechanism.training_proof.trace import Setting, TrainingTrace, run_trace

_EXPORTS = {
    "LIARS": "mechanism.training_proof.game",
    "TrainingGame": "mechanism.training_proof.game",
    "play_training": "mechanism.training_proof.game",
    "verify_step": "mechanism.training_proof.game",
    "demo_trace": "mechanism.training_proof.setup",
    "digits_setting": "mechanism.training_proof.setup",
    "Hyper": "mechanism.training_proof.spec",
    "ModelSpec": "mechanism.training_proof.spec",
    "Setting": "mechanism.training_proof.trace",
    "TrainingTrace": "mechanism.training_proof.trace",
    "run_trace": "mechanism.training_proof.trace",
}

__getattr__, _ = lazy_exports(__name__, _EXPORTS)

__all__ = ["LIARS", "Hyper", "ModelSpec", "Setting", "TrainingGame", "TrainingTrace", "demo_trace",
           "digits_setting", "play_training", "run_trace", "verify_step"]
