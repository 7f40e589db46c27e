"""Coordinate-wise rules (mean, median, trimmed mean) over an update file, block by block.

A coordinate-wise rule's output coordinate k is a function of column k alone (the rule
definitions in :mod:`mechanism.aggregation`), so the rule applied to columns ``[lo, hi)``
equals ``aggregate(rule, x)[lo:hi]`` bit for bit; the output is written to a file (or
returned when small). Peak memory: one (n, block) int64 block plus the rule's temporaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.errors import ParameterError

COORDINATE_RULES = ("mean", "median", "trimmed_mean")


@dataclass(frozen=True)
class BlockRule:
    """A coordinate rule applied to one (n, w) block (picklable: rebuilt in a worker).

    ``stage=True`` applies the rule's trace-program stage function (the dispute trace's
    ``out`` stage), else the public rule call (``aggregate``); both are the same core."""

    rule: str
    params: tuple[tuple[str, Any], ...] = ()
    stage: bool = False
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.rule not in COORDINATE_RULES:
            raise ParameterError.bad("rule", self.rule, f"a coordinate-wise rule: {', '.join(COORDINATE_RULES)}")

    def __call__(self, vals: np.ndarray) -> np.ndarray:
        import torch

        if self.stage:
            from mechanism.dispute.programs import build_program

            key = f"stage{vals.shape[0]}"
            if key not in self._cache:
                self._cache[key] = build_program(self.rule, vals.shape[0], 1, **dict(self.params)).stages[-1].fn
            return np.ascontiguousarray(self._cache[key]({}, {"x": vals}), dtype=np.int64)
        from mechanism.aggregation.registry import get_rule

        if "rule" not in self._cache:
            self._cache["rule"] = get_rule(self.rule, **dict(self.params))
        return np.ascontiguousarray(self._cache["rule"](torch.from_numpy(vals)).numpy(), dtype=np.int64)


def aggregate_file(uf: Any, rule: str, block: int = 0, out_path: str | Path | None = None,
                   **params: Any) -> np.ndarray:
    """``aggregate(rule, x, **params)`` for the update file ``uf``, one block at a time;
    written to ``out_path`` (a raw int64 file, returned as a read-only map) when given."""
    from mechanism.outofcore.store import BLOCK_COORDS, blocks

    fn = BlockRule(rule, tuple(sorted(params.items())))
    block = block or BLOCK_COORDS
    out: np.ndarray = (np.empty(uf.d, dtype=np.int64) if out_path is None
                       else np.memmap(out_path, dtype=np.int64, mode="w+", shape=(uf.d,)))
    buf = np.empty((uf.n, min(block, uf.d)), dtype=np.int64)
    for lo, hi in blocks(uf.d, block):
        out[lo:hi] = fn(uf.read_block(lo, hi, buf))
    if out_path is not None:
        assert isinstance(out, np.memmap)
        out.flush()
        del out
        return np.memmap(out_path, dtype=np.int64, mode="r", shape=(uf.d,))
    return out
