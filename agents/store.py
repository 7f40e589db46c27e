"""Sweep results store: Parquet part files keyed by config hash (+ seed, in the hash).

Each finished batch is written as one ``part-<uuid>.parquet`` through a temporary file
in the same folder and :func:`os.replace` (atomic on POSIX), so a SIGKILL leaves either
the whole part or nothing (stray ``.tmp`` files are ignored and removed on open). On
resume, :meth:`ResultsStore.done_keys` lists every key already stored and the sweep
skips them: nothing is lost, nothing is recomputed; :meth:`ResultsStore.frame` also
de-duplicates by key (first part wins) in case two workers raced on one key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class ResultsStore:
    """A folder of Parquet parts; every row has a ``key`` column."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for tmp in self.root.glob(".part-*.tmp"):
            tmp.unlink(missing_ok=True)

    def parts(self) -> list[Path]:
        return sorted(self.root.glob("part-*.parquet"))

    def done_keys(self) -> set[str]:
        import pyarrow.parquet as pq

        keys: set[str] = set()
        for part in self.parts():
            keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
        return keys

    def write(self, rows: Sequence[dict[str, Any]]) -> Path | None:
        """Write ``rows`` as one new part, atomically; returns its path."""
        if not rows:
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        name = f"part-{uuid.uuid4().hex}.parquet"
        tmp = self.root / f".{name}.tmp"
        pq.write_table(pa.Table.from_pylist(list(rows)), tmp)
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
