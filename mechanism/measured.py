"""Measured data files: JSON written by the command that measured it, with a SHA-256 file
of its bytes beside it (``<name>.sha256``), as every file in ``mechanism/data/`` is.

Writers record their provenance (the git commit, and a content SHA-256 of the measured
rows that does not depend on formatting); readers check the file's bytes against the
SHA-256 beside it, so an edited measurement is refused rather than used
(docs/design.md, the `measured` row of the map).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from mechanism.errors import ParameterError


def content_sha256(obj: Any) -> str:
    """SHA-256 of ``obj`` as canonical JSON (sorted keys): the same for the same content
    whatever the file's formatting."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def git_commit(where: Path | None = None) -> str | None:
    """The commit checked out at ``where`` (default: this package's repository), or None
    outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
                             cwd=where or Path(__file__).parent, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def write_measured(doc: dict[str, Any], path: Path | str) -> str:
    """Write ``doc`` as JSON and its ``.sha256`` beside it; return the file's SHA-256."""
    p = Path(path)
    p.write_text(json.dumps(doc, indent=1) + "\n")
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    p.with_name(p.name + ".sha256").write_text(f"{digest}  {p.name}\n")
    return digest


def read_measured(path: Path | str, parameter: str, how: str, require_sidecar: bool = False) -> tuple[bytes, str]:
    """The bytes of the measured file ``path`` and their SHA-256.

    ParameterError naming ``parameter`` when the file is missing (``how`` says which
    command writes it), when its bytes disagree with the ``.sha256`` beside it, or, with
    ``require_sidecar``, when that file is missing."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError.bad(parameter, str(p), f"an existing measured file ({how})")
    data = p.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    side = p.with_name(p.name + ".sha256")
    if not side.is_file():
        if require_sidecar:
            raise ParameterError.bad(parameter, str(p), f"a measured file with its {side.name} ({how})")
        return data, digest
    want = next(iter(side.read_text().split()), "")
    if want != digest:
        raise ParameterError.bad(f"{parameter} sha256", digest[:16], f"the recorded {want[:16]} of {side.name}")
    return data, digest
