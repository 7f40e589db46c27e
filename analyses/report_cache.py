"""The report's section cache: a section's results and figures, keyed by a hash of its
inputs and of the code it runs.

A section's key (:func:`section_key_hash`) is the SHA-256 of

* the section module, the report seed, the quick flag and the remeasure flag;
* the source of every project module the section can reach: its module, and
  transitively every ``mechanism``/``agents``/``analyses`` module it imports (any
  ``import`` statement in the file, also inside functions, plus the lazy exports a
  package ``__init__`` names as strings), hashed by content;
* the package data the mechanism reads (``mechanism/data``, ``mechanism/contracts``; not
  ``results/``, which sections write into: the report reads the shipped tolerance table);
* the versions of the libraries that produce numbers (numpy, pandas, scipy, torch, mesa,
  cvxpy, matplotlib, seaborn) and of Python;
* for a section that reads the others' results (``RUN_AFTER_OTHERS``), their keys.

Modules that only render the report's outputs (:data:`OUTPUT_ONLY`) are left out: they
never change a section's results or figures. A hit restores the pickled results and the
figure files and skips ``run`` and ``plot``; ``text`` always runs. Entries live under
``results/cache/report/<section>/<key>/`` (``results/`` is not versioned), written through
a temporary folder renamed into place, so an interrupted write leaves no entry.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import json
import os
import pickle
import platform
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Default cache folder (``results/`` is gitignored).
CACHE_DIR = ROOT / "results" / "cache" / "report"
#: Top-level packages whose sources are hashed.
PROJECT_PACKAGES = ("mechanism", "agents", "analyses")
#: Modules that only write the report's outputs (page, paper, cache): not part of any key.
OUTPUT_ONLY = frozenset({"analyses.report_cache", "analyses.report_output", "analyses.report_parallel",
                         "analyses.paper"})
#: Libraries whose versions enter every key.
LIBRARIES = ("numpy", "pandas", "scipy", "torch", "mesa", "cvxpy", "matplotlib", "seaborn")
#: Bump when the layout of an entry changes.
FORMAT = 1
#: Entries kept per section (older ones are removed on write).
KEEP_PER_SECTION = 3


def _module_file(name: str, outside: bool = False) -> Path | None:
    """The source file of project module ``name`` (package -> its ``__init__.py``); with
    ``outside``, also of a module outside the project (a section module under test)."""
    if name.split(".")[0] not in PROJECT_PACKAGES:
        if not outside:
            return None
        import importlib.util

        spec = importlib.util.find_spec(name)
        return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None
    base = ROOT.joinpath(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _is_output_only(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in OUTPUT_ONLY)


@functools.cache
def _direct_imports(name: str) -> frozenset[str]:
    """Project modules ``name`` imports (anywhere in the file), and its parent packages."""
    path = _module_file(name, outside=True)
    if path is None:
        return frozenset()
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    parts = name.split(".")
    found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        elif (path.name == "__init__.py" and isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.split(".")[0] in PROJECT_PACKAGES):
            found.add(node.value)  # lazy exports name their modules as strings
    return frozenset(m for m in found if _module_file(m) is not None and not _is_output_only(m) and m != name)


def module_closure(name: str) -> list[str]:
    """Every project module ``name`` can reach through imports (itself included), sorted."""
    seen = {name}
    todo = [name]
    while todo:
        for dep in _direct_imports(todo.pop()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return sorted(seen)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _environment() -> dict[str, Any]:
    """Library versions, Python version and the package data every key includes."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = None
    data = {}
    for folder in (ROOT / "mechanism" / "data", ROOT / "mechanism" / "contracts"):
        for p in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
                data[str(p.relative_to(ROOT))] = _file_digest(p)
    return {"python": platform.python_version(), "libraries": versions, "data": data}


def code_digest(module_name: str) -> str:
    """SHA-256 over the sources of :func:`module_closure` of ``module_name``."""
    h = hashlib.sha256()
    for m in module_closure(module_name):
        path = _module_file(m, outside=True)
        if path is None:
            raise FileNotFoundError(f"no Python source for section module {m!r}")
        h.update(f"{m}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


#: The key of a run that cannot be cached (a section module without a source file, or a
#: section that reads such a section's results): :class:`SectionCache` neither loads nor stores it.
UNCACHEABLE = ""


def section_key_hash(module_name: str, seed: int, quick: bool, depends_on: dict[str, str] | None = None,
                     remeasure: bool = False) -> str:
    """The cache key of one section run (see the module docstring), or :data:`UNCACHEABLE`."""
    try:
        code = code_digest(module_name)
    except FileNotFoundError:
        return UNCACHEABLE
    if depends_on and UNCACHEABLE in depends_on.values():
        return UNCACHEABLE
    payload = {"format": FORMAT, "module": module_name, "seed": seed, "quick": quick, "remeasure": remeasure,
               "code": code, "environment": _environment(),
               "depends_on": dict(sorted((depends_on or {}).items()))}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class SectionCache:
    """Load and store cached section runs under ``root`` (None: a disabled cache)."""

    def __init__(self, root: Path | None = CACHE_DIR) -> None:
        self.root = Path(root) if root is not None else None

    def _entry(self, section: str, key: str) -> Path:
        assert self.root is not None
        return self.root / section / key[:32]

    def has(self, section: str, key: str) -> bool:
        """Whether a run with this key is stored (a cheap check; :meth:`load` may still miss)."""
        return self.root is not None and key != UNCACHEABLE and (self._entry(section, key) / "results.pkl").is_file()

    def load(self, section: str, key: str, figures_dir: Path) -> tuple[Any, list[tuple[str, str]]] | None:
        """``(results, figures)`` of a stored run, its figure files copied into
        ``figures_dir`` and any other file its run wrote into the report folder (the parent
        of ``figures_dir``) restored; None on a miss (or an entry that no longer unpickles)."""
        if self.root is None or key == UNCACHEABLE:
            return None
        entry = self._entry(section, key)
        if not (entry / "results.pkl").is_file():
            return None
        try:
            results = pickle.loads((entry / "results.pkl").read_bytes())
            figures = [tuple(f) for f in json.loads((entry / "figures.json").read_text())]
            figures_dir.mkdir(parents=True, exist_ok=True)
            for f in sorted((entry / "figures").iterdir()):
                shutil.copy2(f, figures_dir / f.name)
            written = entry / "written"
            for f in sorted(written.rglob("*")) if written.is_dir() else []:
                if f.is_file():
                    dest = figures_dir.parent / f.relative_to(written)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, dest)
            os.utime(entry)
        except Exception:  # a stale, partial or concurrently pruned entry is a miss (the section reruns)
            return None
        return results, figures  # type: ignore[return-value]

    def store(self, section: str, key: str, results: Any, figures: list[tuple[str, str]], figures_dir: Path,
              written: Sequence[str] = ()) -> bool:
        """Store one run (results pickled, the files of its figures copied, and ``written``:
        other files its run wrote, relative to the report folder); False when the results
        cannot be pickled (the section then simply reruns next time)."""
        if self.root is None or key == UNCACHEABLE:
            return False
        try:
            blob = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return False
        folder = self.root / section
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
        try:
            (tmp / "results.pkl").write_bytes(blob)
            (tmp / "figures.json").write_text(json.dumps([list(f) for f in figures]))
            (tmp / "figures").mkdir()
            stems = {stem for stem, _ in figures}
            for f in figures_dir.iterdir() if figures_dir.is_dir() else []:
                if f.is_file() and _stem_of(f.name) in stems:
                    shutil.copy2(f, tmp / "figures" / f.name)
            for rel in written:
                src = figures_dir.parent / rel
                if src.is_file():
                    (tmp / "written" / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, tmp / "written" / rel)
            entry = self._entry(section, key)
            if entry.exists():
                shutil.rmtree(entry, ignore_errors=True)
            tmp.rename(entry)
        except OSError:  # another run stored the same key meanwhile (or the disk is full): keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        old = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
        for p in old[KEEP_PER_SECTION:]:
            shutil.rmtree(p, ignore_errors=True)
        return True


def _stem_of(filename: str) -> str:
    """``"x-col1.pdf" -> "x"``, ``"x.png" -> "x"``: the figure a file belongs to."""
    from analyses.style import PAPER_SUFFIXES

    stem = filename.rsplit(".", 1)[0]
    for suffix in PAPER_SUFFIXES:
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem
