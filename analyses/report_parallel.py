"""Build report sections in parallel worker processes.

The sections that do not read the others' results are independent: :func:`build_parallel`
builds those whose run is not in the section cache on ``jobs`` spawned processes, each
section into a private folder (so no section sees, or caches as its own, a file another
one is writing) that is merged into the report folder when it finishes. The results come
back pickled, exactly as the section cache stores them, so the report written from them
is the one a sequential build writes (same ``numbers.tex``, tables and figure files).

Sections start longest first, by the wall seconds each took when it last ran
(:func:`expected_seconds`, kept beside the section cache; :data:`HEAVY_FIRST` when none is
known), so that the longest section does not start last. Each worker keeps torch's default thread count: the aggregation
section checks that its rules give the same result on one thread as on the default, and
the federated runs set one thread themselves (:func:`agents.fl.training.run_federated`).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: File beside the section cache holding each section's last computed wall seconds.
TIMINGS_FILE = "last_seconds.json"
#: Start order when no timing is known (an empty cache): the sections that took longest
#: in a cold build (the agent-based validation, the tolerance section's re-measured
#: sample, the privacy grid, the threat model), longest first.
HEAVY_FIRST = ("abm_validation", "malicious_tolerance", "privacy", "threat_model", "dispute_cost")


def default_jobs() -> int:
    """Processes ``orfl report`` uses by default: two, or one on a one-core machine."""
    return max(1, min(2, os.cpu_count() or 1))


def expected_seconds(cache_root: Path | None) -> dict[str, float]:
    """Section key -> wall seconds of its last computed build (empty when unknown)."""
    if cache_root is None:
        return {}
    try:
        data = json.loads((Path(cache_root) / TIMINGS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_seconds(cache_root: Path | None, computed: dict[str, float]) -> None:
    """Remember the wall seconds of the sections computed in this build (not cache hits)."""
    if cache_root is None or not computed:
        return
    data = {**expected_seconds(cache_root), **computed}
    path = Path(cache_root) / TIMINGS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{TIMINGS_FILE}.{os.getpid()}")
        tmp.write_text(json.dumps(dict(sorted(data.items())), indent=1))
        os.replace(tmp, path)
    except OSError:  # a read-only cache only loses the ordering hint
        pass


def _build_one(module_name: str, out_dir: str, seed: int, quick: bool, remeasure: bool, jobs: int,
               cache_root: str | None) -> tuple[Any, Any, Any, str | None]:
    """In a worker: build one section into ``out_dir``; ``(section, timing, results, cache key)``."""
    from analyses.report import ReportContext, section_key, timed_build
    from analyses.report_cache import SectionCache

    module = importlib.import_module(module_name)
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(exist_ok=True)
    ctx = ReportContext(out_dir=out, seed=seed, quick=quick, remeasure=remeasure, jobs=jobs)
    section, timing = timed_build(module, ctx, SectionCache(Path(cache_root) if cache_root else None))
    key = section_key(module)
    return section, timing, ctx.results[key], ctx.cache_keys.get(key)


def _merge(src: Path, dest: Path) -> None:
    """Move every file under ``src`` to the same place under ``dest``."""
    for f in sorted(src.rglob("*")):
        if f.is_file():
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)


def build_parallel(names: list[str], ctx: Any, cache_root: Path | None, jobs: int,
                   on_done: Callable[[str, Any], None]) -> dict[str, tuple[Any, Any]]:
    """Build the sections ``names`` (module names, independent of each other) on ``jobs``
    processes into ``ctx.out_dir``; record their results, cache keys and cache hits in
    ``ctx``; call ``on_done(module, timing)`` as each finishes. Returns module -> (section, timing)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    work = ctx.out_dir / ".sections"
    hint = expected_seconds(cache_root)
    heavy = {k: len(HEAVY_FIRST) - i for i, k in enumerate(HEAVY_FIRST)}
    ordered = sorted(names, key=lambda m: (-hint.get(m.rsplit(".", 1)[-1], 0.0), -heavy.get(m.rsplit(".", 1)[-1], 0)))
    built: dict[str, tuple[Any, Any]] = {}
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(_build_one, m, str(work / m), ctx.seed, ctx.quick, ctx.remeasure,
                               ctx.jobs, None if cache_root is None else str(cache_root)): m for m in ordered}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                m = futures[fut]
                section, timing, results, cache_key = fut.result()  # a section's error stops the build
                _merge(work / m, ctx.out_dir)
                ctx.results[section.key] = results
                if cache_key is not None:
                    ctx.cache_keys[section.key] = cache_key
                if timing.cached:
                    ctx.cached.append(section.key)
                built[m] = (section, timing)
                on_done(m, timing)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(work, ignore_errors=True)
    return built
