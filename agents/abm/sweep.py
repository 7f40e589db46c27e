"""Parameter sweeps of the ABM: grids and Latin-hypercube designs, batched tasks, a
process pool (default) or a Dask ``distributed`` cluster, results in :mod:`agents.store`.

Sweep file (TOML)::

    [sweep]                  # seeds = 4 (0..3) or [1, 7]; batch_size; store; samples (LHS)
    seeds = 4
    store = "results/sweeps/demo"
    [base]                   # any ABMConfig field
    blocks = 5000
    [grid]                   # field = [values...]   (Cartesian product)
    reward_share = [0.3, 0.6]
    [lhs]                    # field = [low, high]   (Latin hypercube, McKay et al. 1979)
    verify_cost_eth = [0.01, 0.2]

Unknown sections or keys raise :class:`mechanism.errors.ParameterError` naming them.
"""

from __future__ import annotations

import itertools
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from agents.abm.config import ABMConfig, check_keys, from_dict
from agents.store import ResultsStore
from mechanism.errors import ParameterError

SWEEP_KEYS = {"seeds", "batch_size", "store", "samples", "lhs_seed"}
SECTIONS = {"sweep", "base", "grid", "lhs"}


@dataclass(frozen=True)
class SweepSpec:
    """What to run: ``base`` x (grid product or LHS points) x seeds."""

    base: ABMConfig = field(default_factory=ABMConfig)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    lhs: dict[str, tuple[float, float]] = field(default_factory=dict)
    samples: int = 8
    lhs_seed: int = 0
    seeds: tuple[int, ...] = (0,)
    batch_size: int = 8
    store: str = "results/sweeps/default"

    def __post_init__(self) -> None:
        check_keys(self.grid, "grid")
        check_keys(self.lhs, "lhs")
        if self.batch_size < 1:
            raise ParameterError.bad("batch_size", self.batch_size, "an integer >= 1")
        if self.lhs and self.samples < 1:
            raise ParameterError.bad("samples", self.samples, "an integer >= 1")
        for k, (lo, hi) in self.lhs.items():
            if not lo <= hi:
                raise ParameterError.bad(f"lhs.{k}", [lo, hi], "[low, high] with low <= high")

    def points(self) -> list[dict[str, Any]]:
        """Parameter points (without seeds): grid product, or LHS, or both combined."""
        names = list(self.grid)
        grid = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*self.grid.values())] or [{}]
        if not self.lhs:
            return grid
        from scipy.stats import qmc

        kinds = {f.name: type(f.default) for f in fields(ABMConfig)}
        u = qmc.LatinHypercube(d=len(self.lhs), seed=self.lhs_seed).random(self.samples)
        lhs = []
        for row in u:
            pt: dict[str, Any] = {}
            for (k, (lo, hi)), x in zip(self.lhs.items(), row, strict=True):
                v = lo + x * (hi - lo)
                pt[k] = round(v) if kinds[k] is int else float(v)
            lhs.append(pt)
        return [{**g, **p} for g in grid for p in lhs]

    def configs(self) -> list[ABMConfig]:
        return [from_dict({**pt, "seed": s}, self.base) for pt in self.points() for s in self.seeds]


def load_sweep(path: Path | str) -> SweepSpec:
    """Parse a sweep TOML file (see module docstring)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text())
    except FileNotFoundError as exc:
        raise ParameterError.bad("CONFIG", str(p), "an existing TOML file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError.bad("CONFIG", str(p), f"valid TOML ({exc})") from exc
    unknown = sorted(set(raw) - SECTIONS)
    if unknown:
        raise ParameterError.bad("section", unknown[0], "one of [sweep], [base], [grid], [lhs]")
    sw = raw.get("sweep", {})
    bad = sorted(set(sw) - SWEEP_KEYS)
    if bad:
        raise ParameterError.bad("sweep key", bad[0], "one of " + ", ".join(sorted(SWEEP_KEYS)))
    seeds = sw.get("seeds", 1)
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    grid = {k: (v if isinstance(v, list) else [v]) for k, v in raw.get("grid", {}).items()}
    lhs = {k: (float(v[0]), float(v[1])) for k, v in raw.get("lhs", {}).items()}
    return SweepSpec(base=from_dict(raw.get("base", {})), grid=grid, lhs=lhs, samples=int(sw.get("samples", 8)),
                     lhs_seed=int(sw.get("lhs_seed", 0)), seeds=seeds, batch_size=int(sw.get("batch_size", 8)),
                     store=str(sw.get("store", "results/sweeps/" + p.stem)))


def run_batch(configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a batch of configs (plain dicts, so tasks pickle cheaply); one row each."""
    from agents.abm.model import run_config

    rows = []
    for d in configs:
        cfg = ABMConfig(**d)
        row = run_config(cfg)
        row.pop("seconds", None)
        row.pop("blocks_per_second", None)
        rows.append({"key": cfg.key(), **{f"cfg_{k}": v for k, v in d.items()}, **row})
    return rows


def _batches(cfgs: list[ABMConfig], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(cfgs), size):
        yield [c.as_dict() for c in cfgs[i:i + size]]


def run_chunk(batches: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """One worker task: several batches (each becomes one store part)."""
    return [run_batch(b) for b in batches]


def _worker_init() -> None:
    """Process-pool initializer: import the model (mesa, numpy, scipy, the rollup) once per worker."""
    import agents.abm.model  # noqa: F401


#: Tasks per worker: enough to balance uneven run times, few enough that per-task
#: overhead (pickling, scheduling, result transfer) stays negligible.
TASKS_PER_WORKER = 4


def chunk(batches: list[list[dict[str, Any]]], tasks: int) -> list[list[list[dict[str, Any]]]]:
    """Split ``batches`` into at most ``tasks`` contiguous, nearly equal chunks."""
    n = max(1, min(tasks, len(batches)))
    q, r = divmod(len(batches), n)
    out, i = [], 0
    for t in range(n):
        size = q + (t < r)
        if size:
            out.append(batches[i:i + size])
        i += size
    return out


def process_pool(jobs: int) -> Any:
    """A pool of ``jobs`` reusable workers that import the model once (forkserver start:
    the server imports ``agents.abm.model`` once and forks every worker from it)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["agents.abm.model"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init)


def run_configs(cfgs: list[ABMConfig], jobs: int = 1, pool: Any = None) -> list[dict[str, Any]]:
    """Run configs without a store (used by analyses); rows in input order."""
    batches = list(_batches(cfgs, max(1, -(-len(cfgs) // max(1, jobs * TASKS_PER_WORKER)))))
    if jobs == 1 and pool is None:
        return [row for b in batches for row in run_batch(b)]
    own = pool is None
    pool = pool or process_pool(jobs)
    try:
        parts = list(pool.map(run_batch, batches))
    finally:
        if own:
            pool.shutdown()
    return [row for b in parts for row in b]


Progress = Callable[[int, int], None]


def run_sweep(spec: SweepSpec, jobs: int = 1, scheduler: str | None = None, store: Path | str | None = None,
              progress: Progress | None = None) -> dict[str, Any]:
    """Run every config of ``spec`` not yet in the store; returns counts and timing.

    ``jobs == 1`` and no scheduler: in-process; ``jobs > 1``: a process pool;
    ``scheduler``: a Dask ``distributed`` address (``tcp://host:8786``) or a Client.
    """
    if jobs < 1:
        raise ParameterError.bad("jobs", jobs, "an integer >= 1")
    st = ResultsStore(store or spec.store)
    cfgs = spec.configs()
    done = st.done_keys()
    todo = [c for c in cfgs if c.key() not in done]
    total, finished = len(cfgs), len(cfgs) - len(todo)
    t0 = time.perf_counter()
    if progress:
        progress(finished, total)
    batches = list(_batches(todo, spec.batch_size))

    def record(rows: list[dict[str, Any]]) -> None:
        nonlocal finished
        st.write(rows)
        finished += len(rows)
        if progress:
            progress(finished, total)

    if scheduler is not None:
        from distributed import Client, as_completed

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = [client.submit(run_chunk, c, pure=False) for c in chunk(batches, workers * TASKS_PER_WORKER)]
            for fut in as_completed(futures):
                for rows in fut.result():
                    record(rows)
        finally:
            if not isinstance(scheduler, Client):
                client.close()
    elif jobs == 1:
        for b in batches:
            record(run_batch(b))
    else:
        from concurrent.futures import as_completed as cf_completed

        with process_pool(jobs) as pool:
            for fut in cf_completed([pool.submit(run_chunk, c) for c in chunk(batches, jobs * TASKS_PER_WORKER)]):
                for rows in fut.result():
                    record(rows)
    return {"runs": total, "computed": len(todo), "skipped": total - len(todo),
            "seconds": time.perf_counter() - t0, "store": str(st.root)}
