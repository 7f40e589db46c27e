"""Measured data files: what is written is read back with its SHA-256, and an edited or
missing file is refused with a ParameterError naming the input."""

from __future__ import annotations

from pathlib import Path

import pytest

from mechanism.errors import ParameterError
from mechanism.measured import content_sha256, read_measured, write_measured


def test_round_trip_and_content_hash_ignores_formatting(tmp_path: Path) -> None:
    doc = {"rows": [{"b": 2, "a": 1}], "provenance": {"content_sha256": content_sha256([{"a": 1, "b": 2}])}}
    digest = write_measured(doc, tmp_path / "m.json")
    data, got = read_measured(tmp_path / "m.json", "m", "a test")
    assert got == digest and (tmp_path / "m.json.sha256").read_text().startswith(digest)
    assert content_sha256({"x": 1, "y": [1, 2]}) == content_sha256({"y": [1, 2], "x": 1})
    assert b'"rows"' in data


def test_edited_missing_or_unsigned_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    write_measured({"rows": [1]}, p)
    p.write_text(p.read_text().replace("1", "2"))
    with pytest.raises(ParameterError, match="m sha256"):
        read_measured(p, "m", "a test")
    with pytest.raises(ParameterError, match="existing measured file"):
        read_measured(tmp_path / "none.json", "m", "a test")
    (tmp_path / "m.json.sha256").unlink()
    assert read_measured(p, "m", "a test")[1]  # no SHA-256 beside it: accepted unless required
    with pytest.raises(ParameterError, match=r"m\.json\.sha256"):
        read_measured(p, "m", "a test", require_sidecar=True)
