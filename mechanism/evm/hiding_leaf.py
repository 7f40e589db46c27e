"""Titanoboa driver of ``HidingLeaf.vy``: the gas of opening n input chunks under one
column leaf with plain and with salted (hiding) leaves (docs/privacy.md, "Hiding leaves").

The instance is the dispute geometry (default n = 50 trainers, d = 1e6, chunk 16,
arity 16): the opened column leaf j sits at depth ``ceil(log_k ceil(d / chunk))`` of the
column tree. Its path is built with pseudo-random sibling hashes from a seeded generator
(the contract only climbs the path, so its gas is that of a real path away from the
zero-padded end of the tree); the root the contract stores is the one that path
implies. The same values, path and root serve both calls; the salted call also sends the
n salts (:mod:`mechanism.privacy.hiding`). Gas per call: execution (titanoboa) +
intrinsic (:func:`mechanism.units.intrinsic_gas`, EIP-2028, and the EIP-7623 floor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import (
    Opening,
    chunk_bytes,
    col_leaf,
    leaf_hash,
    num_chunks,
    root_from_path,
    tree_depth,
)
from mechanism.errors import CommitmentError, ParameterError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import begin_transaction
from mechanism.privacy.hiding import commit_hiding, salted_leaf, trainer_key
from mechanism.units import intrinsic_gas, transaction_gas

CONTRACT = CONTRACTS_DIR / "HidingLeaf.vy"
_COMPILED: dict[str, Any] = {}


@dataclass(frozen=True)
class OpeningGas:
    """One call: execution gas, transaction gas (execution + intrinsic) and calldata."""

    exec_gas: int
    total_gas: int
    total_gas_eip7623: int  # max(21,000 + calldata + execution, EIP-7623 floor)
    calldata_bytes: int


@dataclass(frozen=True)
class HidingLeafGas:
    """Plain vs salted opening of chunk j of n trainers under one column leaf."""

    n: int
    d: int
    chunk: int
    arity: int
    depth: int
    plain: OpeningGas
    salted: OpeningGas

    @property
    def extra_gas(self) -> int:
        """Transaction gas hiding leaves add to the one-step (EIP-2028 calldata)."""
        return self.salted.total_gas - self.plain.total_gas

    @property
    def extra_exec_gas(self) -> int:
        return self.salted.exec_gas - self.plain.exec_gas

    @property
    def extra_calldata_bytes(self) -> int:
        return self.salted.calldata_bytes - self.plain.calldata_bytes

    @property
    def extra_fraction(self) -> float:
        return self.extra_gas / self.plain.total_gas


def _deployer() -> Any:
    import boa

    if "c" not in _COMPILED:
        _COMPILED["c"] = boa.load_partial(str(CONTRACT))
    return _COMPILED["c"]


@dataclass(frozen=True)
class Instance:
    """The opened column leaf j: n chunks, their salts, the path and the root it implies
    for plain and for salted leaves."""

    j: int
    chunks: bytes
    salts: list[bytes]
    siblings: list[bytes]
    plain_root: bytes
    salted_root: bytes


def instance(n: int, d: int, chunk: int, arity: int, seed: int = 0) -> Instance:
    """Build the opened column leaf (module docstring); the salted leaves are checked
    against a real salted commitment of each trainer's chunk (the leaf hash matches)."""
    for name, v, lo in (("n", n, 1), ("d", d, 1), ("chunk", chunk, 1), ("arity", arity, 2)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    rng = np.random.default_rng(seed)
    m = num_chunks(d, chunk)
    depth = tree_depth(m, arity)
    j = m // 2  # away from the zero-padded end: every sibling is a non-zero hash
    width = min(chunk, d - j * chunk)
    vals = rng.integers(-(1 << 30), 1 << 30, size=(n, width), dtype=np.int64)
    keys = [trainer_key(seed, t) for t in range(n)]
    from mechanism.privacy.hiding import salt

    salts = [salt(keys[t], j) for t in range(n)]
    # the salted leaf of the opened chunk is the one a full commitment holds at j
    probe = np.zeros(min(d, (j + 1) * chunk), dtype=np.int64)
    probe[j * chunk : j * chunk + width] = vals[0]
    if commit_hiding(probe, keys[0], chunk, arity).tree.levels[0][j] != salted_leaf(j, salts[0], vals[0]):
        raise CommitmentError("salted leaf of the instance does not match its commitment")
    sibs = [rng.bytes(32) for _ in range(depth * (arity - 1))]
    op = Opening(j, tuple(tuple(sibs[lv * (arity - 1) : (lv + 1) * (arity - 1)]) for lv in range(depth)))
    plain_root = root_from_path(col_leaf(j, [leaf_hash(j, v) for v in vals]), op, arity)
    salted_root = root_from_path(col_leaf(j, [salted_leaf(j, s, v) for s, v in zip(salts, vals, strict=True)]),
                                 op, arity)
    return Instance(j, b"".join(chunk_bytes(v) for v in vals), salts, sibs, plain_root, salted_root)


def _call(c: Any, fn: str, args: tuple[Any, ...]) -> OpeningGas:
    import boa

    method = getattr(c, fn)
    data = bytes(method.prepare_calldata(*args))
    begin_transaction(boa.env)
    method(*args)
    exec_gas = int(c._computation.get_gas_used())
    return OpeningGas(exec_gas, exec_gas + intrinsic_gas(data), transaction_gas(exec_gas, data), len(data))


def deploy(root: bytes, n: int, d: int, chunk: int, arity: int) -> Any:
    """A HidingLeaf contract storing ``root`` (in the current boa environment)."""
    return _deployer().deploy(root, n, d, chunk, arity, tree_depth(num_chunks(d, chunk), arity))


def open_call(c: Any, inst: Instance, salted: bool, salts: list[bytes] | None = None) -> OpeningGas:
    """Send one opening as its own transaction (reverts propagate as boa errors)."""
    if salted:
        return _call(c, "open_salted", (inst.j, inst.chunks, salts if salts is not None else inst.salts,
                                        inst.siblings))
    return _call(c, "open_plain", (inst.j, inst.chunks, inst.siblings))


def measure(n: int = 50, d: int = 1_000_000, chunk: int = 16, arity: int = 16, seed: int = 0) -> HidingLeafGas:
    """Gas of the plain and the salted opening at one geometry, each call its own
    transaction on a fresh contract in a private environment."""
    import boa

    if not 1 <= n <= 64 or not 1 <= chunk <= 32 or arity not in (2, 4, 8, 16):
        raise ParameterError.bad("n, chunk, arity", (n, chunk, arity), "n <= 64, chunk <= 32, arity 2/4/8/16 (HidingLeaf.vy)")
    inst = instance(n, d, chunk, arity, seed)
    env = boa.Env()
    with boa.swap_env(env):
        plain = open_call(deploy(inst.plain_root, n, d, chunk, arity), inst, False)
        salted = open_call(deploy(inst.salted_root, n, d, chunk, arity), inst, True)
    return HidingLeafGas(n, d, chunk, arity, tree_depth(num_chunks(d, chunk), arity), plain, salted)
