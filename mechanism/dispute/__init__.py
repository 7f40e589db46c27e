"""Fraud proofs for aggregation: trace programs, the bisection game, the one-step verifier,
the gas model and the EVM driver (DESIGN.md, "The verification game").

>>> import numpy as np
>>> from mechanism.dispute import build_program, honest_trace, play
>>> x = np.arange(12, dtype=np.int64).reshape(3, 4)
>>> prog = build_program("median", 3, 4)
>>> tr = honest_trace(prog, x, 2, 2)
>>> res, _ = play(prog, x, tr, "proposer", "random_step", np.random.default_rng(0))
>>> res.honest_won
True
"""

from mechanism.dispute.programs import build_program
from mechanism.dispute.strategies import LIARS, STRATEGIES, GameResult, honest_trace, play
from mechanism.dispute.trace import Program, Stage, Trace

__all__ = ["LIARS", "STRATEGIES", "GameResult", "Program", "Stage", "Trace", "build_program", "honest_trace", "play"]
