"""Titanoboa driver of ``CommitteeReveal.vy``: the gas of opening one leaf of an update
encrypted to a (t, m) committee (docs/privacy_committee.md; the Python reference is
:mod:`mechanism.privacy.committee`).

One call is one transaction carrying the leaf's header R_j, t decryption shares with
their Chaum-Pedersen proofs and Lagrange-denominator inverses, the opened chunk and the
committed salted leaf; the contract verifies the t proofs, combines the shares, derives
the salt and checks the leaf. Gas per call: execution (titanoboa) + intrinsic
(:func:`mechanism.units.intrinsic_gas`, EIP-2028) and the EIP-7623 floor
(:func:`mechanism.units.transaction_gas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.commitment import (
    Opening,
    chunk_bytes,
    col_leaf,
    num_chunks,
    root_from_path,
    tree_depth,
)
from mechanism.errors import ParameterError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import begin_transaction
from mechanism.privacy import committee as cm
from mechanism.units import intrinsic_gas, transaction_gas

CONTRACT = CONTRACTS_DIR / "CommitteeReveal.vy"
#: Bounds of the contract (``MAX_M``, ``MAX_T``, ``MAX_CHUNK_BYTES``).
MAX_MEMBERS = 32
MAX_THRESHOLD = 8
MAX_CHUNK = 32
MAX_TRAINERS = 64
_COMPILED: dict[str, Any] = {}


@dataclass(frozen=True)
class RevealGas:
    """One opened leaf at threshold t: execution, transaction gas and calldata."""

    threshold: int
    exec_gas: int
    total_gas: int  # execution + 21,000 + calldata (EIP-2028)
    total_gas_eip7623: int
    calldata_bytes: int


def _deployer() -> Any:
    import boa

    if "c" not in _COMPILED:
        _COMPILED["c"] = boa.load_partial(str(CONTRACT))
    return _COMPILED["c"]


def deploy(committee: cm.Committee, cols_root: bytes = bytes(32), n: int = 1, d: int = 16, chunk: int = 16,
           arity: int = 2) -> Any:
    """A CommitteeReveal contract holding the committee's verification keys and public key,
    and the column root of a round's salted leaves (for :func:`open_column`)."""
    if committee.members > MAX_MEMBERS or committee.threshold > MAX_THRESHOLD:
        raise ParameterError.bad("committee", (committee.threshold, committee.members),
                                 f"t <= {MAX_THRESHOLD}, m <= {MAX_MEMBERS} (CommitteeReveal.vy)")
    if not 1 <= n <= MAX_TRAINERS or not 1 <= chunk <= MAX_CHUNK or arity not in (2, 4, 8, 16):
        raise ParameterError.bad("n, chunk, arity", (n, chunk, arity),
                                 f"n <= {MAX_TRAINERS}, chunk <= {MAX_CHUNK}, arity 2/4/8/16 (CommitteeReveal.vy)")
    return _deployer().deploy([list(v) for v in committee.verification_keys], committee.threshold,
                               list(committee.public_key), cols_root, n, d, chunk, arity,
                               tree_depth(num_chunks(d, chunk), arity))


def share_args(shares: Sequence[cm.DecryptionShare]) -> list[tuple[Any, ...]]:
    """The ``Share`` structs of the call, each with the inverse of its Lagrange denominator."""
    dens = cm.lagrange_denominators([s.index for s in shares])
    return [(s.index, list(s.share) if s.share is not None else [0, 0], s.c, s.z, pow(den, -1, cm.Q))
            for s, den in zip(shares, dens, strict=True)]


def open_leaf(c: Any, j: int, header: tuple[int, int], shares: Sequence[cm.DecryptionShare],
              values: np.ndarray, leaf: bytes, args: list[tuple[Any, ...]] | None = None) -> tuple[bytes, RevealGas]:
    """Send one opening as its own transaction; returns the salt the contract derived and
    the gas (reverts propagate as boa errors). ``args`` overrides the share structs (to
    send forged ones)."""
    import boa

    call = (j, list(header), args if args is not None else share_args(shares), chunk_bytes(values), leaf)
    data = bytes(c.open_leaf.prepare_calldata(*call))
    begin_transaction(boa.env)
    salt = c.open_leaf(*call)
    ex = int(c._computation.get_gas_used())
    return bytes(salt), RevealGas(len(shares), ex, ex + intrinsic_gas(data), transaction_gas(ex, data), len(data))


def _single(c: Any, fn: str, call: tuple[Any, ...]) -> tuple[bytes, RevealGas]:
    import boa

    method = getattr(c, fn)
    data = bytes(method.prepare_calldata(*call))
    begin_transaction(boa.env)
    salt = method(*call)
    ex = int(c._computation.get_gas_used())
    return bytes(salt), RevealGas(0, ex, ex + intrinsic_gas(data), transaction_gas(ex, data), len(data))


def open_leaf_with_scalar(c: Any, j: int, r_j: int, values: np.ndarray, leaf: bytes) -> tuple[bytes, RevealGas]:
    """A reader's opening with the leaf scalar r_j, as its own transaction (threshold 0 in
    the gas record: no committee share)."""
    return _single(c, "open_leaf_with_scalar", (j, r_j, chunk_bytes(values), leaf))


def open_leaf_with_salt(c: Any, j: int, salt: bytes, values: np.ndarray, leaf: bytes) -> tuple[bytes, RevealGas]:
    """The baseline: the same leaf check with the salt in the clear (design (a))."""
    return _single(c, "open_leaf_with_salt", (j, salt, chunk_bytes(values), leaf))


def accepts(c: Any, j: int, header: tuple[int, int], shares: Sequence[cm.DecryptionShare], values: np.ndarray,
            leaf: bytes, args: list[tuple[Any, ...]] | None = None) -> bool:
    """True iff the contract accepts the opening (False on a revert)."""
    try:
        open_leaf(c, j, header, shares, values, leaf, args)
    except Exception:  # a revert (boa.BoaError)
        return False
    return True


@dataclass(frozen=True)
class Instance:
    """A committee, one encrypted update, and t members' shares of leaf j."""

    committee: cm.Committee
    enc: cm.EncryptedUpdate
    values: np.ndarray
    j: int
    header: tuple[int, int]
    shares: tuple[cm.DecryptionShare, ...]
    scalar: int  # r_j, which a reader holding the update key knows


def instance(threshold: int, members: int, chunk: int = 16, d: int = 64, seed: int = 0) -> Instance:
    """Deal a committee, encrypt a random update of d values, take the shares of leaf 1
    from ``threshold`` members drawn at random (seeded)."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 2 * chunk:
        raise ParameterError.bad("d", d, f"an integer >= 2 chunks ({2 * chunk})")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= MAX_CHUNK:
        raise ParameterError.bad("chunk", chunk, f"an integer in [1, {MAX_CHUNK}] (CommitteeReveal.vy)")
    rng = np.random.default_rng([seed, threshold, members])
    com = cm.deal(members, threshold, rng)
    x = rng.integers(-(1 << 30), 1 << 30, size=d, dtype=np.int64)
    key = cm.update_key(seed, 0)
    enc = cm.Encryptor(com.public_key).encrypt(x, key, chunk)
    j = 1
    header = cm.decompress(enc.headers[j])
    idx = sorted(int(i) for i in rng.choice(np.arange(1, members + 1), size=threshold, replace=False))
    shares = tuple(cm.decryption_share(com, i, header) for i in idx)
    return Instance(com, enc, x[j * chunk : (j + 1) * chunk].copy(), j, header, shares, cm.leaf_scalar(key, j))


def measure(thresholds: Sequence[int] = tuple(range(1, 9)), members: int = 16, chunk: int = 16,
            seed: int = 0) -> list[RevealGas]:
    """Gas of one opened leaf for each threshold, each call its own transaction on a fresh
    contract in a private environment; the contract's salt must equal the reference's."""
    import boa

    from mechanism.errors import CommitmentError

    out = []
    for t in thresholds:
        inst = instance(int(t), members, chunk, seed=seed)
        with boa.swap_env(boa.Env()):
            c = deploy(inst.committee)
            salt, gas = open_leaf(c, inst.j, inst.header, inst.shares, inst.values, inst.enc.leaves[inst.j])
        if salt != cm.leaf_salt(inst.j, cm.reveal(inst.committee, inst.header, inst.shares)):
            raise CommitmentError(f"t={t}: the contract's salt differs from the reference's")
        out.append(gas)
    return out


def measure_baselines(members: int = 16, chunk: int = 16, seed: int = 0) -> tuple[RevealGas, RevealGas]:
    """Gas of the same leaf opened with its salt in the clear (design (a)) and by a reader
    with r_j, each its own transaction on a fresh contract."""
    import boa

    from mechanism.errors import CommitmentError

    inst = instance(1, members, chunk, seed=seed)
    want = cm.leaf_salt(inst.j, cm.reveal(inst.committee, inst.header, inst.shares))
    leaf = inst.enc.leaves[inst.j]
    with boa.swap_env(boa.Env()):
        s1, salted = open_leaf_with_salt(deploy(inst.committee), inst.j, want, inst.values, leaf)
    with boa.swap_env(boa.Env()):
        s2, reader = open_leaf_with_scalar(deploy(inst.committee), inst.j, inst.scalar, inst.values, leaf)
    if s1 != want or s2 != want:
        raise CommitmentError("the contract's salt differs from the reference's")
    return salted, reader


# ------------------------------------------------------------ the one-step's input check


@dataclass(frozen=True)
class ColumnInstance:
    """Chunk j of n trainers under one column leaf at the dispute geometry, each trainer's
    leaf committed as design (b) commits it, with t members' shares of its header and the
    leaf scalar a reader would send. The column path is built from seeded pseudo-random
    siblings as in :func:`mechanism.evm.hiding_leaf.instance`."""

    committee: cm.Committee
    n: int
    d: int
    chunk: int
    arity: int
    j: int
    headers: tuple[tuple[int, int], ...]
    shares: tuple[tuple[cm.DecryptionShare, ...], ...]
    scalars: tuple[int, ...]
    chunks: bytes
    siblings: tuple[bytes, ...]
    root: bytes


def column_instance(n: int, threshold: int, members: int, d: int = 1_000_000, chunk: int = 16, arity: int = 16,
                    seed: int = 0) -> ColumnInstance:
    """Build the opened column leaf (class docstring); trainer t's update key is
    ``update_key(seed, t)``, its t answering members drawn at random (seeded)."""
    from mechanism.privacy.hiding import salted_leaf

    for name, v, lo in (("n", n, 1), ("d", d, 1), ("chunk", chunk, 1), ("arity", arity, 2)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    rng = np.random.default_rng([seed, n, threshold, members])
    com = cm.deal(members, threshold, rng)
    enc = cm.Encryptor(com.public_key)
    m = num_chunks(d, chunk)
    depth = tree_depth(m, arity)
    j = m // 2
    width = min(chunk, d - j * chunk)
    vals = rng.integers(-(1 << 30), 1 << 30, size=(n, width), dtype=np.int64)
    heads, shares, scalars, leaves = [], [], [], []
    for t in range(n):
        r = cm.leaf_scalar(cm.update_key(seed, t), j)
        hdr, shared = enc.g.mul(r), enc.pk.mul(r)
        assert hdr is not None and shared is not None
        idx = sorted(int(i) for i in rng.choice(np.arange(1, members + 1), size=threshold, replace=False))
        heads.append(hdr)
        shares.append(tuple(cm.decryption_share(com, i, hdr) for i in idx))
        scalars.append(r)
        leaves.append(salted_leaf(j, cm.leaf_salt(j, shared), vals[t]))
    sibs = tuple(rng.bytes(32) for _ in range(depth * (arity - 1)))
    op = Opening(j, tuple(tuple(sibs[lv * (arity - 1) : (lv + 1) * (arity - 1)]) for lv in range(depth)))
    root = root_from_path(col_leaf(j, leaves), op, arity)
    return ColumnInstance(com, n, d, chunk, arity, j, tuple(heads), tuple(shares), tuple(scalars),
                          b"".join(chunk_bytes(v) for v in vals), sibs, root)


def open_column(c: Any, inst: ColumnInstance, by_readers: bool = False) -> RevealGas:
    """Send the one-step's input check as one transaction: with the committee's shares, or
    with the readers' leaf scalars (reverts propagate as boa errors)."""
    import boa

    call: tuple[Any, ...]
    if by_readers:
        fn, call = "open_column_by_readers", (inst.j, list(inst.scalars), inst.chunks, list(inst.siblings))
    else:
        fn, call = "open_column", (inst.j, [list(h) for h in inst.headers], [share_args(s) for s in inst.shares],
                                   inst.chunks, list(inst.siblings))
    method = getattr(c, fn)
    data = bytes(method.prepare_calldata(*call))
    begin_transaction(boa.env)
    method(*call)
    ex = int(c._computation.get_gas_used())
    t = 0 if by_readers else inst.committee.threshold
    return RevealGas(t, ex, ex + intrinsic_gas(data), transaction_gas(ex, data), len(data))


def measure_column(n: int, threshold: int, members: int, d: int = 1_000_000, chunk: int = 16, arity: int = 16,
                   seed: int = 0) -> tuple[RevealGas, RevealGas]:
    """Gas of the one-step's input check with committee shares and with reader scalars,
    each its own transaction on a fresh contract."""
    import boa

    inst = column_instance(n, threshold, members, d, chunk, arity, seed)
    out = []
    for readers in (False, True):
        with boa.swap_env(boa.Env()):
            c = deploy(inst.committee, inst.root, n, d, chunk, arity)
            out.append(open_column(c, inst, readers))
    return out[0], out[1]
