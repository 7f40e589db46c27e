"""The measured re-execution time of a median round (``mechanism/data/reexecution.json``),
for the period's detection term (docs/economics.md: ``t_detect`` re-executes the round
before a challenge goes out).

The file holds runs of ``orfl dispute --rule median --no-evm`` out of core at n = 50
(``benchmarks/outofcore.py``): the challenger's re-execution (commit the n updates, the
column tree, the median and its tree, from a file) against d, and the least-squares line
``seconds = a + b d`` over them. The work is linear in n x d (every coordinate of every
update is read and hashed once), so another n scales the line by ``n / n_measured``; on a
cluster of W workers the per-block work divides by W (the blocks are independent). The
file's SHA-256 is checked against its ``.sha256`` and returned, so a recommendation can
cite it as ``measured`` (file + SHA-256).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from mechanism.errors import ParameterError

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "reexecution.json"


@dataclass(frozen=True)
class MeasuredReexecution:
    """The fitted line of the measured file and where it came from."""

    a_seconds: float
    b_seconds_per_param: float
    n_trainers: int
    largest_d_measured: int
    path: str
    sha256: str

    def seconds(self, d: int, n_trainers: int | None = None, workers: int = 1) -> float:
        """Re-execution seconds at ``d`` parameters and ``n_trainers`` (default: the
        measured n), on ``workers`` workers; above the largest measured d the line is
        extrapolated (say so when citing it)."""
        n = self.n_trainers if n_trainers is None else n_trainers
        if d < 1 or n < 1 or workers < 1:
            raise ParameterError.bad("reexecution size", (d, n, workers), "d, n_trainers and workers >= 1")
        return max(0.0, self.a_seconds + self.b_seconds_per_param * d) * n / self.n_trainers / workers


def load(path: Path | str | None = None) -> MeasuredReexecution:
    """The measured line (ParameterError if the file is missing, malformed or does not
    match its ``.sha256``)."""
    p = Path(path) if path is not None else SHIPPED
    try:
        raw = p.read_bytes()
        want = p.with_name(p.name + ".sha256").read_text().split()[0]
    except OSError:
        raise ParameterError.bad("reexecution file", str(p), "an existing measured file with its .sha256 "
                                 "(python benchmarks/outofcore.py --write)") from None
    got = hashlib.sha256(raw).hexdigest()
    if got != want:
        raise ParameterError.bad("reexecution file sha256", got, f"the recorded {want}")
    doc = json.loads(raw)
    m, rows = doc["model"], doc["rows"]
    ns = {int(r["trainers"]) for r in rows}
    if len(ns) != 1:
        raise ParameterError.bad("reexecution rows trainers", sorted(ns), "one n for every row")
    return MeasuredReexecution(float(m["a_seconds"]), float(m["b_seconds_per_param"]), ns.pop(),
                               max(int(r["params"]) for r in rows), str(p), got)
