"""The one results store of the project: Parquet part files keyed by a config hash.

Both the ABM sweeps (:mod:`agents.abm.sweep`) and the tolerance grid
(:mod:`agents.fl.tolerance`) keep their results here. Every row carries a ``key`` column,
the :func:`config_key` of the configuration (seed included) that produced it.

Each write is one ``part-<uuid>.parquet`` written through a temporary file in the same
folder, fsync'd and moved into place with :func:`os.replace` (atomic on POSIX), so a
SIGKILL leaves either the whole part or nothing (stray ``.tmp`` files are removed on
open). On resume, :meth:`ResultsStore.done_keys` lists every key already stored and the
caller skips them: nothing is lost, nothing is recomputed. If two workers raced on one
key, the first part (in name order) wins everywhere (:meth:`ResultsStore.frame`,
:meth:`ResultsStore.get`).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RESULTS_DIR", "TOLERANCE_TABLE_PATH", "ResultsStore", "config_key"]

#: Where measured results live (``results/`` at the repository root; not versioned).
RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"
#: The measured tolerance table that ``orfl tolerance`` writes and the economics, the ABM
#: and ``orfl recommend`` read (named here so economic-mode runs need not import torch).
TOLERANCE_TABLE_PATH = RESULTS_DIR / "tolerance" / "tolerance.json"


def config_key(config: Mapping[str, Any]) -> str:
    """SHA-256 (first 24 hex chars) of the canonical JSON of ``config`` (sorted keys;
    values that JSON cannot encode are written with ``str``). Callers put everything that
    changes the result in ``config``: the seed and, where results can change meaning, a
    schema version."""
    text = json.dumps(dict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ResultsStore:
    """A folder of Parquet parts; every row has a ``key`` column.

    Two ways to use it: batch writers call :meth:`write` with finished rows (sweeps);
    a memoising caller calls :meth:`get` / :meth:`put` and :meth:`flush` (the tolerance
    grid), which loads the folder once."""

    def __init__(self, root: Path | str | None) -> None:
        """``root`` None keeps rows in memory only (nothing is written)."""
        self.root = Path(root) if root is not None else None
        if self.root is not None:
            self.root.mkdir(parents=True, exist_ok=True)
            for tmp in self.root.glob(".part-*.tmp"):
                tmp.unlink(missing_ok=True)
        self._rows: dict[str, dict[str, Any]] | None = None
        self._pending: list[dict[str, Any]] = []

    def parts(self) -> list[Path]:
        return sorted(self.root.glob("part-*.parquet")) if self.root is not None else []

    def done_keys(self) -> set[str]:
        import pyarrow.parquet as pq

        keys: set[str] = set()
        for part in self.parts():
            keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
        return keys

    def write(self, rows: Sequence[Mapping[str, Any]]) -> Path | None:
        """Write ``rows`` (each with a ``key``) as one new part, atomically; its path."""
        if not rows or self.root is None:
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        name = f"part-{uuid.uuid4().hex}.parquet"
        tmp = self.root / f".{name}.tmp"
        pq.write_table(pa.Table.from_pylist([dict(r) for r in rows]), tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)
        return self.root / name

    def frame(self) -> pd.DataFrame:
        """All rows, one per key (first stored wins), sorted by key."""
        import pandas as pd

        frames = [pd.read_parquet(p) for p in self.parts()]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df.drop_duplicates("key", keep="first").sort_values("key").reset_index(drop=True)

    # -- memoising use -------------------------------------------------------------------
    def _loaded(self) -> dict[str, dict[str, Any]]:
        if self._rows is None:
            import pyarrow.parquet as pq

            self._rows = {}
            for part in self.parts():
                for row in pq.read_table(part).to_pylist():
                    self._rows.setdefault(row["key"], row)
        return self._rows

    def __contains__(self, key: str) -> bool:
        return key in self._loaded()

    def __len__(self) -> int:
        return len(self._loaded())

    def get(self, key: str) -> dict[str, Any] | None:
        return self._loaded().get(key)

    def put(self, key: str, row: Mapping[str, Any]) -> None:
        """Remember ``row`` under ``key`` (written by the next :meth:`flush`); a key
        already stored keeps its first row."""
        rows = self._loaded()
        if key in rows:
            return
        full = {"key": key, **row}
        rows[key] = full
        self._pending.append(full)

    def flush(self) -> Path | None:
        """Write the rows put since the last flush as one part; its path."""
        pending, self._pending = self._pending, []
        return self.write(pending)
