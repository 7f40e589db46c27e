"""A minimal resumable results store: Parquet part files keyed by a config hash.

Each flush writes one ``part-<uuid>.parquet`` file atomically (write to a temporary
file in the same folder, then :func:`os.replace`), so a crash never leaves a half
written part and an interrupted sweep resumes from the parts already flushed. Rows are
dicts with a ``key`` column (:func:`config_key`); the first row stored for a key wins.
Self-contained on purpose (the general sweep store is :mod:`agents.store`).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Bump when the meaning of a cached result changes (training, attacks, evaluation).
SCHEMA_VERSION = 1


def config_key(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex, 24 chars) of the canonical JSON of ``config`` plus the schema version."""
    text = json.dumps({"schema": SCHEMA_VERSION, **config}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ResultsCache:
    """Rows keyed by config hash, persisted as Parquet parts under ``root``."""

    def __init__(self, root: Path | str | None) -> None:
        self.root = Path(root) if root is not None else None
        self._rows: dict[str, dict[str, Any]] = {}
        self._pending: list[dict[str, Any]] = []
        if self.root is not None and self.root.exists():
            self._load()

    def _load(self) -> None:
        import pyarrow.parquet as pq

        assert self.root is not None
        for part in sorted(self.root.glob("part-*.parquet")):
            for row in pq.read_table(part).to_pylist():
                self._rows.setdefault(row["key"], row)

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._rows.get(key)

    def put(self, key: str, row: Mapping[str, Any]) -> None:
        """Remember ``row`` under ``key`` (written on the next :meth:`flush`)."""
        if key in self._rows:
            return
        full = {"key": key, **row}
        self._rows[key] = full
        self._pending.append(full)

    def flush(self) -> Path | None:
        """Write pending rows as one new part file (atomically); return its path."""
        if not self._pending or self.root is None:
            self._pending.clear()
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.root.mkdir(parents=True, exist_ok=True)
        name = f"part-{uuid.uuid4().hex}.parquet"
        tmp = self.root / f".{name}.tmp"
        pq.write_table(pa.Table.from_pylist(self._pending), tmp)
        final = self.root / name
        os.replace(tmp, final)
        self._pending.clear()
        return final
