"""The per-block work of :mod:`.merkle`, :mod:`.aggregate` and :mod:`.dispute` as
``dask.delayed`` tasks over coordinate blocks (dask is imported here, when called).

Each task opens the update file itself (workers share the file system with the client,
as on one machine or a cluster with a shared volume), reads its block, and returns the
block's hashes (rows' level-2 nodes, column leaves) and the rule's output on the block.
The client assembles them in block order exactly as the serial pass does, so results
and roots are the same bytes. Tasks run a window at a time (``WINDOW`` per worker), so
neither the workers nor the client hold more than a few blocks.

Krum family (:func:`krum_file_cluster`): the Gram sums ``<x_a, x_b>`` of the rescaled
int64 operands are exact integer sums over coordinates (:mod:`.krum`), so the blocks'
partial n x n matrices add up to the whole one exactly, in any order: a max task per
block, then a Gram task per block summed by the client, then an output task per block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from mechanism.outofcore.merkle import BlockHashes, Committed, assemble, check_block, hash_block
from mechanism.outofcore.store import BLOCK_COORDS, UpdateFile, blocks

#: blocks in flight per worker
WINDOW = 2


def connect(address: str, workers: int = 2, memory_limit: str = "auto") -> Any:
    """A ``distributed.Client``: ``"local"`` starts a LocalCluster of ``workers`` separate
    worker processes with one thread each; otherwise the scheduler at ``address``
    (``tcp://host:port``)."""
    from distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               memory_limit=memory_limit, dashboard_address=None)
        return Client(cluster)
    return Client(address)


def close(client: Any) -> None:
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _block_task(path: str, lo: int, hi: int, chunk_size: int, arity: int, columns: bool,
                fn: Callable[[np.ndarray], np.ndarray] | None) -> tuple[BlockHashes, np.ndarray | None, bytes]:
    from mechanism.outofcore.merkle import block_leaves, reduce_levels

    vals = UpdateFile.open(path).read_block(lo, hi)
    out, upper = None, b""
    if fn is not None:
        out = fn(vals)
        upper = reduce_levels(block_leaves(out[None, :], chunk_size, lo // chunk_size), 1, arity)
    return hash_block(vals, lo, chunk_size, arity, columns), out, upper


def _run(client: Any, uf: Any, chunk_size: int, arity: int, block: int, columns: bool,
         fn: Callable[[np.ndarray], np.ndarray] | None) -> Iterator[tuple[int, int, tuple[BlockHashes, Any, bytes]]]:
    from dask import delayed

    task = delayed(_block_task, pure=True)
    spans = blocks(uf.d, block)
    window = max(1, WINDOW * len(client.scheduler_info().get("workers", {}) or [1]))
    for w0 in range(0, len(spans), window):
        part = spans[w0 : w0 + window]
        futs = client.compute([task(uf.path, lo, hi, chunk_size, arity, columns, fn) for lo, hi in part])
        for (lo, hi), res in zip(part, client.gather(futs), strict=True):
            yield lo, hi, res


def commit_file_cluster(client: Any, uf: Any, chunk_size: int = 16, arity: int = 16, block: int = 0,
                        col_path: Any = None) -> Committed:
    """:func:`.merkle.commit_file` with the blocks hashed on the cluster."""
    block = check_block(block or BLOCK_COORDS, chunk_size, arity)
    res = (r[0] for _lo, _hi, r in _run(client, uf, chunk_size, arity, block, col_path is not None, None))
    return assemble(uf.memmap(), uf.d, uf.n, chunk_size, arity, res, col_path)


def aggregate_file_cluster(client: Any, uf: Any, rule: str, block: int = 0, **params: Any) -> np.ndarray:
    """:func:`.aggregate.aggregate_file` (in memory output) with the blocks on the cluster
    (the blocks' hashes are computed alongside with chunk 16, arity 16 and dropped)."""
    from mechanism.outofcore.aggregate import BlockRule

    fn = BlockRule(rule, tuple(sorted(params.items())))
    block = check_block(block or BLOCK_COORDS, 16, 16)
    out = np.empty(uf.d, dtype=np.int64)
    for lo, hi, (_h, o, _u) in _run(client, uf, 16, 16, block, False, fn):
        out[lo:hi] = o
    return out


def trace_blocks(client: Any, uf: Any, fn: Callable[[np.ndarray], np.ndarray], chunk_size: int, arity: int,
                 block: int, sink: Callable[[int, int, np.ndarray], None], out_upper: list[bytes]
                 ) -> Iterator[BlockHashes]:
    """The blocks of :func:`.dispute.outofcore_trace` on the cluster: yields each block's
    hashes in order, hands ``out`` to ``sink`` and its level-2 nodes to ``out_upper``."""
    for lo, hi, (h, o, upper) in _run(client, uf, chunk_size, arity, block, True, fn):
        sink(lo, hi, o)
        out_upper.append(upper)
        yield h


def _krum_task(path: str, lo: int, hi: int, what: str, arg: Any) -> Any:
    from mechanism.outofcore.krum import block_gram, block_max_abs, output_block

    vals = UpdateFile.open(path).read_block(lo, hi)
    if what == "max":
        return block_max_abs(vals)
    if what == "gram":
        return block_gram(vals, arg)
    return output_block(vals, arg[0], arg[1])


def krum_file_cluster(client: Any, uf: Any, rule: str, f: int = 1, m: int | None = None, block: int = 0) -> np.ndarray:
    """:func:`.krum.krum_file` with the three passes' blocks on the cluster."""
    from dask import delayed

    from mechanism.aggregation._intmath import rescale_shift
    from mechanism.outofcore.krum import _check, select_from_gram

    _check(uf, rule, f, m)
    spans = blocks(uf.d, block or BLOCK_COORDS)
    task = delayed(_krum_task, pure=True)

    def run(what: str, arg: Any) -> list[Any]:
        return list(client.gather(client.compute([task(uf.path, lo, hi, what, arg) for lo, hi in spans])))

    s = rescale_shift(max(run("max", None)), uf.d)
    g = np.zeros((uf.n, uf.n), dtype=np.int64)
    for part in run("gram", s):
        g += part
    chosen = select_from_gram(uf, g, rule, f, m)
    return np.concatenate(run("out", (rule, chosen)))


# --------------------------------------------------------------------------- Krum-family dispute


def _windowed(client: Any, fn: Callable[..., Any], args: list[tuple[Any, ...]]) -> Iterator[Any]:
    """``fn(*a)`` for every ``a`` as delayed tasks, ``WINDOW`` per worker in flight, results in order."""
    from dask import delayed

    task = delayed(fn, pure=True)
    window = max(1, WINDOW * len(client.scheduler_info().get("workers", {}) or [1]))
    for w0 in range(0, len(args), window):
        part = args[w0 : w0 + window]
        yield from client.gather(client.compute([task(*a) for a in part]))


def _hash_max_task(path: str, lo: int, hi: int, chunk_size: int, arity: int) -> tuple[BlockHashes, Any]:
    from mechanism.outofcore.krum_prover import block_max_at

    vals = UpdateFile.open(path).read_block(lo, hi)
    return hash_block(vals, lo, chunk_size, arity), block_max_at(vals, lo)


def hash_max_blocks(client: Any, uf: Any, chunk_size: int, arity: int, block: int, best: list[Any]
                    ) -> Iterator[BlockHashes]:
    """Pass 1 of :func:`.krum_dispute.selection_trace` on the cluster: yields each block's
    hashes in order and keeps the first position of ``max |x|`` in ``best[0]``."""
    args = [(uf.path, lo, hi, chunk_size, arity) for lo, hi in blocks(uf.d, block)]
    for h, m in _windowed(client, _hash_max_task, args):
        best[:] = [best[0].better(m) if best else m]
        yield h


def gram_blocks(client: Any, uf: Any, shift: int, block: int) -> np.ndarray:
    """Pass 2: the exact int64 Gram matrix of ``x >> shift``, the blocks' partial matrices
    computed on the workers and summed by the client (integer sums: any order)."""
    g = np.zeros((uf.n, uf.n), dtype=np.int64)
    for part in _windowed(client, _krum_task, [(uf.path, lo, hi, "gram", shift) for lo, hi in blocks(uf.d, block)]):
        g += part
    return g


def _output_task(path: str, lo: int, hi: int, rule: str, params: tuple[tuple[str, Any], ...],
                 scal: dict[str, np.ndarray], chunk_size: int, arity: int) -> tuple[np.ndarray, bytes]:
    from mechanism.dispute.programs import build_program
    from mechanism.outofcore.merkle import block_leaves, reduce_levels

    uf = UpdateFile.open(path)
    fn = build_program(rule, uf.n, uf.d, **dict(params)).stages[-1].fn
    assert fn is not None
    o = np.ascontiguousarray(fn(scal, {"x": uf.read_block(lo, hi)}), dtype=np.int64)
    return o, reduce_levels(block_leaves(o[None, :], chunk_size, lo // chunk_size), 1, arity)


def output_blocks(client: Any, uf: Any, prog: Any, scal: dict[str, np.ndarray], chunk_size: int, arity: int,
                  block: int) -> Iterator[tuple[int, np.ndarray, bytes]]:
    """Pass 3: the output stage on each block and its level-2 nodes, (lo, out, nodes) in order."""
    spans = blocks(uf.d, block)
    params = tuple(sorted(prog.params.items()))
    args = [(uf.path, lo, hi, prog.rule, params, scal, chunk_size, arity) for lo, hi in spans]
    for (lo, _hi), (o, up) in zip(spans, _windowed(client, _output_task, args), strict=True):
        yield lo, o, up
