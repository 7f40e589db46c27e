"""Fit :data:`mechanism.dispute.gas.DEFAULT` from games replayed in the EVM.

    python -m mechanism.evm.calibrate        # prints the fitted coefficients

Games: every rule, both stage games (a lie in the column tree or in the output), a grid
of n, d, chunk size and arity small enough to replay in seconds. :func:`samples` is
also what the tests and the report use to measure the model-vs-EVM gap.
"""

from __future__ import annotations

import numpy as np

from mechanism.dispute.gas import RULES, GasCoefficients, Sample, calibrate

#: (n, d, chunk, arity) of the calibration games
GRID = ((5, 300, 4, 2), (9, 2000, 8, 4), (20, 4000, 16, 8), (50, 6000, 16, 16), (33, 20_000, 32, 16),
        (64, 1500, 32, 2), (12, 50_000, 16, 4))


def _seed_for(stage: int) -> int:
    """A seed whose random lie (:func:`~.strategies.corrupted_trace`) is in ``stage``."""
    return next(s for s in range(100) if int(np.random.default_rng(s).integers(2)) == stage)


def play_stage(rule: str, n: int, d: int, chunk: int, arity: int, stage: int, seed: int = 0) -> Sample:
    """One EVM game whose lie sits in stage 0 (``cols``) or 1 (``out``)."""
    from mechanism.dispute import build_program, honest_trace, play
    from mechanism.evm.dispute_game import replay

    x = np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)
    prog = build_program(rule, n, d, **({"f": 1} if rule == "trimmed_mean" else {}))
    tr = honest_trace(prog, x, chunk, arity)
    _res, g = play(prog, x, tr, "proposer", "random_step", np.random.default_rng(_seed_for(stage)))
    assert g is not None and g.stage == stage
    ev = replay(g)
    return rule, n, d, chunk, arity, ("cols" if stage == 0 else "out"), [(k, e) for k, e, _t in ev.gas]


def samples(grid: tuple[tuple[int, int, int, int], ...] = GRID) -> list[Sample]:
    out = []
    for n, d, c, k in grid:
        for rule in RULES:
            out.append(play_stage(rule, n, d, c, k, 1))
        out.append(play_stage("mean", n, d, c, k, 0))
    return out


def fitted() -> GasCoefficients:
    return calibrate(samples())


if __name__ == "__main__":
    coef = fitted()
    for name, value in vars(coef).items():
        print(f"    {name}: {value!r}")
