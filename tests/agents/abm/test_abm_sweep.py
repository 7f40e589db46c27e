"""Sweeps: resume after SIGKILL without loss or duplicates; Dask equals the pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agents.abm.config import ABMConfig
from agents.abm.sweep import SweepSpec, load_sweep, run_sweep
from agents.store import ResultsStore

SPEC = textwrap.dedent("""
    [sweep]
    seeds = 3
    batch_size = 1
    samples = 4
    [base]
    blocks = {blocks}
    challengers = 3
    [grid]
    reward_share = [0.3, 0.6]
    [lhs]
    verify_cost_eth = [0.01, 0.3]
""")


def _spec(tmp: Path, blocks: int) -> Path:
    f = tmp / "sweep.toml"
    f.write_text(SPEC.format(blocks=blocks))
    return f


def _cols(df):  # type: ignore[no-untyped-def]
    return df.drop(columns=[c for c in df.columns if c in ("seconds", "blocks_per_second")])


def test_grid_and_lhs_points(tmp_path: Path) -> None:
    spec = load_sweep(_spec(tmp_path, 500))
    cfgs = spec.configs()
    assert len(cfgs) == 2 * 4 * 3 and len({c.key() for c in cfgs}) == len(cfgs)
    costs = sorted({c.verify_cost_eth for c in cfgs})
    assert len(costs) == 4 and costs[0] >= 0.01 and costs[-1] <= 0.3


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_resume_after_sigkill_no_loss_no_duplicates(tmp_path: Path, jobs: int) -> None:
    # SIGKILL the whole sweep (its process group: with jobs > 1 also the forkserver and the
    # pool's workers) once some parts are stored, then resume with the same number of jobs.
    f = _spec(tmp_path, 30_000)
    store = tmp_path / "store"
    code = (f"from agents.abm.sweep import load_sweep, run_sweep; "
            f"run_sweep(load_sweep({str(f)!r}), jobs={jobs}, store={str(store)!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=os.getcwd(), start_new_session=True)
    deadline = time.time() + 60
    try:
        while time.time() < deadline and len(list(store.glob("part-*.parquet"))) < 3:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    partial = ResultsStore(store).done_keys()
    spec = load_sweep(f)
    assert 3 <= len(partial) < len(spec.configs())
    info = run_sweep(spec, jobs=jobs, store=store)
    assert info["skipped"] == len(partial) and info["computed"] == len(spec.configs()) - len(partial)
    df = ResultsStore(store).frame()
    keys = [p.name for p in store.glob("part-*.parquet")]
    assert len(keys) == len(spec.configs())  # one part per batch of 1: no duplicate rows written
    assert sorted(df["key"]) == sorted(c.key() for c in spec.configs())
    again = run_sweep(spec, jobs=jobs, store=store)
    assert again["computed"] == 0


def test_process_pool_matches_in_process(tmp_path: Path) -> None:
    spec = SweepSpec(base=ABMConfig(blocks=1500, challengers=2), grid={"reward_share": [0.2, 0.7]}, seeds=(0, 1),
                     batch_size=2)
    run_sweep(spec, jobs=1, store=tmp_path / "a")
    run_sweep(spec, jobs=2, store=tmp_path / "b")
    a, b = ResultsStore(tmp_path / "a").frame(), ResultsStore(tmp_path / "b").frame()
    assert len(a) == 4 and _cols(a).equals(_cols(b))


@pytest.mark.slow
def test_dask_local_cluster_matches_process_pool(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    spec = SweepSpec(base=ABMConfig(blocks=1500, challengers=2), grid={"reward_share": [0.2, 0.7]}, seeds=(0, 1),
                     batch_size=2)
    run_sweep(spec, jobs=2, store=tmp_path / "pool")
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        run_sweep(spec, scheduler=client, store=tmp_path / "dask")  # type: ignore[arg-type]
    a, b = ResultsStore(tmp_path / "pool").frame(), ResultsStore(tmp_path / "dask").frame()
    assert len(a) == 4 and _cols(a).equals(_cols(b))


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=os.getcwd(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.slow
def test_sweep_cli_on_a_dask_scheduler_with_two_worker_processes(tmp_path: Path) -> None:
    """``orfl sweep --scheduler tcp://HOST:PORT`` against a real cluster: a scheduler and two
    workers, each its own process on localhost; the stored rows equal an in-process run and
    both workers ran tasks."""
    import json

    from distributed import Client

    spec = SweepSpec(base=ABMConfig(blocks=1500, challengers=2), grid={"reward_share": [0.2, 0.7]},
                     seeds=(0, 1, 2), batch_size=1)
    toml = tmp_path / "sweep.toml"
    toml.write_text(textwrap.dedent(f"""
        [sweep]
        seeds = [0, 1, 2]
        batch_size = 1
        store = "{tmp_path / 'unused'}"
        [base]
        blocks = 1500
        challengers = 2
        [grid]
        reward_share = [0.2, 0.7]
    """))
    sfile = tmp_path / "scheduler.json"
    procs = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sfile)], tmp_path / "scheduler.log")]
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not (sfile.exists() and sfile.stat().st_size):
            time.sleep(0.1)
        address = json.loads(sfile.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(_start(["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--name", f"w{i}"], tmp_path / f"worker{i}.log"))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=30)
            r = subprocess.run([sys.executable, "-c", "from analyses.cli import main; main()", "sweep", str(toml),
                                "--scheduler", address, "--store", str(tmp_path / "dask"), "--json"],
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, r.stderr
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
        assert len(executed) == 2 and all(n >= 1 for n in executed.values()), executed
        assert json.loads(r.stdout)["computed"] == 6
        run_sweep(spec, jobs=1, store=tmp_path / "local")
        a, b = ResultsStore(tmp_path / "local").frame(), ResultsStore(tmp_path / "dask").frame()
        key = "key"
        a, b = _cols(a).sort_values(key).reset_index(drop=True), _cols(b).sort_values(key).reset_index(drop=True)
        assert len(a) == 6 and a.equals(b)
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
