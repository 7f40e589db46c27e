"""Debian packages the toolkit installs on demand (TeX Live for the paper, Chromium for
the browser checks): one installer, serialised by a file lock so that parallel test
workers never run apt-get at the same time, with one ``apt-get update`` when the package
lists are stale."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Sequence

LOCK_PATH = "/tmp/orfl-apt.lock"


def ensure_debian_packages(executables: Sequence[str], packages: Sequence[str], timeout_s: float = 900) -> str | None:
    """The first of ``executables`` on PATH; when none is, install ``packages`` with apt-get
    (root only) and look again. None when it cannot be installed here."""
    def found() -> str | None:
        return next((p for p in (shutil.which(e) for e in executables) if p), None)

    exe = found()
    if exe is not None or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return exe
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        exe = found()  # another worker may have installed it while this one waited
        if exe is not None:
            return exe
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
        if subprocess.run(cmd, env=env, capture_output=True, timeout=timeout_s, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=timeout_s, check=False)
            subprocess.run(cmd, env=env, capture_output=True, timeout=timeout_s, check=False)
    return found()
