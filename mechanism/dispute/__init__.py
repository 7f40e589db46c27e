"""Fraud proofs for aggregation: trace programs, the bisection game, the one-step verifier,
the gas model and the EVM driver (docs/design.md, "The verification game").

>>> import numpy as np
>>> from mechanism.dispute import build_program, honest_trace, play
>>> x = np.arange(12, dtype=np.int64).reshape(3, 4)
>>> prog = build_program("median", 3, 4)
>>> tr = honest_trace(prog, x, 2, 2)
>>> res, _ = play(prog, x, tr, "proposer", "random_step", np.random.default_rng(0))
>>> res.honest_won
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mechanism._lazy import lazy_exports

if TYPE_CHECKING:
    from mechanism.dispute.programs import build_program
    from mechanism.dispute.strategies import LIARS, STRATEGIES, GameResult, honest_trace, play
    from mechanism.dispute.trace import Program, Stage, Trace

# Lazy exports (PEP 562): the gas model (mechanism.dispute.gas) is used by the economics
# without torch; the programs and strategies pull in torch only when first touched.
_EXPORTS = {
    "build_program": "mechanism.dispute.programs",
    "LIARS": "mechanism.dispute.strategies",
    "STRATEGIES": "mechanism.dispute.strategies",
    "GameResult": "mechanism.dispute.strategies",
    "honest_trace": "mechanism.dispute.strategies",
    "play": "mechanism.dispute.strategies",
    "Program": "mechanism.dispute.trace",
    "Stage": "mechanism.dispute.trace",
    "Trace": "mechanism.dispute.trace",
}


__getattr__, _ = lazy_exports(__name__, _EXPORTS)

__all__ = ["LIARS", "STRATEGIES", "GameResult", "Program", "Stage", "Trace", "build_program", "honest_trace", "play"]
