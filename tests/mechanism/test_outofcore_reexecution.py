"""The measured re-execution file: checked against its SHA-256, its line fits its rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mechanism.errors import ParameterError
from mechanism.outofcore.reexecution import SHIPPED, load


def test_shipped_file_loads_and_fits_its_rows() -> None:
    m = load()
    rows = json.loads(SHIPPED.read_text())["rows"]
    assert m.n_trainers == 50 and m.largest_d_measured >= 10**8
    assert m.seconds(10**9) > m.seconds(10**8) > m.seconds(10**6) > 0
    assert m.seconds(10**8, workers=4) == pytest.approx(m.seconds(10**8) / 4)
    assert m.seconds(10**8, n_trainers=100) == pytest.approx(2 * m.seconds(10**8))
    for r in rows:  # measured points are reproduced; memory stayed under the 8 GB goal
        assert m.seconds(r["params"]) == pytest.approx(r["reexec_seconds"])
        assert r["peak_rss_gb"] < 8
    assert m.extrapolated(10**9) and not m.extrapolated(10**8)
    (d0, s0), (d1, s1) = m.points[-2:]
    assert m.seconds(2 * d1) == pytest.approx(s1 + (s1 - s0) / (d1 - d0) * d1)


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "reexecution.json"
    shutil.copy(SHIPPED, p)
    shutil.copy(SHIPPED.with_name(SHIPPED.name + ".sha256"), tmp_path / "reexecution.json.sha256")
    assert load(p).sha256 == load().sha256
    p.write_text(p.read_text().replace('"reexec_seconds": ', '"reexec_seconds": 1', 1))
    with pytest.raises(ParameterError, match="sha256"):
        load(p)
    with pytest.raises(ParameterError, match="reexecution file"):
        load(tmp_path / "missing.json")
