"""The measured re-execution time of a median round (``mechanism/data/reexecution.json``),
for the period's detection term (docs/economics.md: ``t_detect`` re-executes the round
before a challenge goes out).

The file holds runs of ``orfl dispute --rule median --no-evm`` out of core at n = 50
(``benchmarks/outofcore.py``): the challenger's re-execution (commit the n updates, the
column tree, the median and its tree, from a file) against d. Between measured d the
time is interpolated linearly; below the smallest it is the smallest's (the fixed costs
do not shrink); above the largest the last segment's slope is extended (the work is
linear in n x d: every coordinate of every update is read and hashed once). Another n
scales the time by ``n / n_measured``; on a cluster of W workers the per-block work
divides by W (the blocks are independent). The
file's SHA-256 is checked against its ``.sha256`` and returned, so a recommendation can
cite it as ``measured`` (file + SHA-256).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mechanism.errors import ParameterError
from mechanism.measured import read_measured

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "reexecution.json"


@dataclass(frozen=True)
class MeasuredReexecution:
    """The measured points (d, seconds) of the file and where they came from."""

    points: tuple[tuple[int, float], ...]
    n_trainers: int
    path: str
    sha256: str

    @property
    def largest_d_measured(self) -> int:
        return self.points[-1][0]

    def extrapolated(self, d: int) -> bool:
        return d > self.largest_d_measured

    def seconds(self, d: int, n_trainers: int | None = None, workers: int = 1) -> float:
        """Re-execution seconds at ``d`` parameters and ``n_trainers`` (default: the
        measured n), on ``workers`` workers (say when :meth:`extrapolated` when citing)."""
        n = self.n_trainers if n_trainers is None else n_trainers
        if d < 1 or n < 1 or workers < 1:
            raise ParameterError.bad("reexecution size", (d, n, workers), "d, n_trainers and workers >= 1")
        pts = self.points
        if d <= pts[0][0] or len(pts) == 1:
            t = pts[0][1] if d <= pts[0][0] else pts[0][1] * d / pts[0][0]
        else:
            k = next((i for i in range(1, len(pts)) if d <= pts[i][0]), len(pts) - 1)
            (d0, s0), (d1, s1) = pts[k - 1], pts[k]
            t = s0 + (s1 - s0) * (d - d0) / (d1 - d0)
        return t * n / self.n_trainers / workers


def load(path: Path | str | None = None) -> MeasuredReexecution:
    """The measured line (ParameterError if the file is missing, malformed or does not
    match its ``.sha256``)."""
    p = Path(path) if path is not None else SHIPPED
    raw, got = read_measured(p, "reexecution file", "python benchmarks/outofcore.py --write", require_sidecar=True)
    rows = json.loads(raw)["rows"]
    ns = {int(r["trainers"]) for r in rows}
    if len(ns) != 1:
        raise ParameterError.bad("reexecution rows trainers", sorted(ns), "one n for every row")
    pts = tuple(sorted((int(r["params"]), float(r["reexec_seconds"])) for r in rows))
    return MeasuredReexecution(pts, ns.pop(), str(p), got)
