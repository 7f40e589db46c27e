"""Cost of design (b), updates encrypted to a (t, m) committee, from measured points
(docs/privacy_committee.md, "Cost model").

:data:`SHIPPED` (``mechanism/data/committee_costs.json``, its SHA-256 beside it) holds
what :func:`measure` measured:

* **gas** of opening one leaf in ``CommitteeReveal.vy`` (:mod:`mechanism.evm.committee`)
  with t committee shares, for each threshold t, and of the same opening by a reader
  with the leaf scalar r_j and with the salt in the clear (design (a), the baseline);
* **gas of a dispute's one-step input check**: chunk j of all n trainers under one
  column leaf at the reference geometry (d = 10^6, chunk 16, arity 16), every salt
  revealed on chain from t shares (``open_column``) or from readers' leaf scalars
  (``open_column_by_readers``), for a grid of (n, t), beside ``HidingLeaf.vy``'s salted
  opening of the same geometry (:mod:`mechanism.evm.hiding_leaf`, design (a));
* each call is its own transaction (execution from titanoboa; intrinsic and calldata gas
  per EIP-2028, and the EIP-7623 floor, :func:`mechanism.units.transaction_gas`);
* **off-chain CPU seconds on one core** (``time.process_time``): a trainer's encryption
  of one update (:meth:`mechanism.privacy.committee.Encryptor.encrypt`: per-leaf KEM,
  AES-GCM, salted leaves) at each measured d, the salted commitment of design (a)
  (:func:`mechanism.privacy.hiding.commit_hiding`) at the same d, one member's
  decryption share with its proof, and the verification and combination of t shares;
* the **bytes** an encrypted update publishes at each d.

:func:`load` fits the gas and the combination time as lines in t (least squares) and
scales the per-leaf encryption time to any d by the number of leaves (the per-leaf time
interpolated linearly in d between the measured d, held constant outside them); :func:`cost` turns them into one deployment's
figures. A dispute's one-step over the inputs opens chunk j of all n trainers, so it
reveals n leaf keys. Its gas is fitted as ``a + b n + c n t`` over the measured grid
(least squares; the committee's verification keys turn warm after their first read in
the transaction, so the per-share cost falls slightly with n), the reader path and the
salted baseline as lines in n; the extra of (b) over (a) is their difference.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from mechanism.errors import ParameterError
from mechanism.measured import content_sha256, git_commit, read_measured, write_measured
from mechanism.units import MAX_TX_GAS

SHIPPED: Final = Path(__file__).resolve().parents[1] / "data" / "committee_costs.json"
MEASURE_DEFAULTS: Final = {"seed": 0, "members": 16, "chunk": 16, "thresholds": list(range(1, 9)),
                           "ds": [100_000, 1_000_000], "repeats": 3, "column_trainers": [8, 50],
                           "column_thresholds": [1, 2, 4, 8], "column_members": 16, "column_d": 1_000_000,
                           "column_arity": 16}


@dataclass(frozen=True)
class Line:
    """``intercept + slope * t`` fitted by least squares over the measured thresholds."""

    intercept: float
    slope: float
    max_abs_residual: float

    def at(self, t: float) -> float:
        return self.intercept + self.slope * t


def fit_line(ts: Sequence[float], ys: Sequence[float]) -> Line:
    """Least-squares line through ``(t, y)`` (at least two distinct t)."""
    if len(set(ts)) < 2 or len(ts) != len(ys):
        raise ParameterError.bad("thresholds", list(ts), "at least two distinct measured thresholds")
    a = np.vstack([np.ones(len(ts)), np.asarray(ts, dtype=float)]).T
    (b0, b1), *_ = np.linalg.lstsq(a, np.asarray(ys, dtype=float), rcond=None)
    res = float(np.max(np.abs(a @ np.array([b0, b1]) - np.asarray(ys, dtype=float))))
    return Line(float(b0), float(b1), res)


@dataclass(frozen=True)
class Plane:
    """``a + b n + c n t`` fitted by least squares over measured (n, t)."""

    a: float
    b: float
    c: float
    max_abs_residual: float

    def at(self, n: float, t: float) -> float:
        return self.a + self.b * n + self.c * n * t


def fit_plane(ns: Sequence[float], ts: Sequence[float], ys: Sequence[float]) -> Plane:
    """Least-squares ``a + b n + c n t`` (at least two n and two t)."""
    if len(set(ns)) < 2 or len(set(ts)) < 2 or not len(ns) == len(ts) == len(ys):
        raise ParameterError.bad("grid", list(zip(ns, ts, strict=False)), "at least two distinct n and two distinct t")
    n, t, y = (np.asarray(v, dtype=float) for v in (ns, ts, ys))
    a = np.vstack([np.ones(len(n)), n, n * t]).T
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return Plane(float(coef[0]), float(coef[1]), float(coef[2]), float(np.max(np.abs(a @ coef - y))))


@dataclass(frozen=True)
class Measured:
    """The shipped measurements, with the fits the cost model uses."""

    gas_rows: tuple[dict[str, Any], ...]
    encrypt_rows: tuple[dict[str, Any], ...]
    combine_rows: tuple[dict[str, Any], ...]
    member_share_seconds: float
    salted_gas: dict[str, Any]  # the same leaf opened with its salt in the clear (design (a))
    reader_gas: dict[str, Any]  # the same leaf opened by a reader with r_j
    gas: Line  # transaction gas of one opened leaf (EIP-2028)
    exec_gas: Line
    calldata: Line  # bytes
    combine_seconds: Line  # verify + combine t shares, CPU s
    encrypt_seconds_per_leaf: float  # at the largest measured d (the per-leaf cost of many leaves)
    path: str
    sha256: str
    provenance: dict[str, Any]
    column_rows: tuple[dict[str, Any], ...]
    column: Plane  # one-step input check with t shares per trainer, transaction gas
    column_calldata: Plane
    column_reader: Line  # the same by readers' leaf scalars, in n
    column_salted: Line  # HidingLeaf.vy open_salted (design (a)), in n
    column_salted_calldata: Line
    column_reader_calldata: Line

    def describe(self) -> dict[str, Any]:
        """Provenance block (``measured``: file + SHA-256)."""
        return {"kind": "measured", "file": self.path, "sha256": self.sha256,
                "content_sha256": self.provenance.get("content_sha256"),
                "git_commit": self.provenance.get("git_commit"), "command": self.provenance.get("command")}


def load(path: Path | str | None = None) -> Measured:
    """The measured file (default :data:`SHIPPED`); ParameterError if it is missing,
    malformed, or its bytes disagree with the SHA-256 file beside it."""
    p = Path(path) if path is not None else SHIPPED
    data, digest = read_measured(p, "committee_costs", "python -m mechanism.privacy.committee_cost")
    try:
        raw = json.loads(data)
        gas_rows = tuple(dict(r) for r in raw["gas"])
        enc_rows = tuple(dict(r) for r in raw["encrypt"])
        comb_rows = tuple(dict(r) for r in raw["combine"])
        member = float(raw["member_share_seconds"])
        ts = [int(r["threshold"]) for r in gas_rows]
        big = max(enc_rows, key=lambda r: int(r["d"]))
        per_leaf = float(big["encrypt_seconds"]) / int(big["leaves"])
        base = raw["baselines"]
        salted, reader = dict(base["salted"]), dict(base["reader"])
        for r in (salted, reader):
            int(r["total_gas"]), int(r["calldata_bytes"])
        col = tuple(dict(r) for r in raw["column"])
        share_rows = [r for r in col if r["path"] == "committee"]
        by_n = {int(r["n"]): r for r in col if r["path"] == "reader"}
        sal_n = {int(r["n"]): r for r in col if r["path"] == "salted"}
        cn, ct = [int(r["n"]) for r in share_rows], [int(r["threshold"]) for r in share_rows]
        rn, sn = sorted(by_n), sorted(sal_n)
        m = Measured(gas_rows, enc_rows, comb_rows, member, salted, reader,
                     fit_line(ts, [float(r["total_gas"]) for r in gas_rows]),
                     fit_line(ts, [float(r["exec_gas"]) for r in gas_rows]),
                     fit_line(ts, [float(r["calldata_bytes"]) for r in gas_rows]),
                     fit_line([int(r["threshold"]) for r in comb_rows], [float(r["seconds"]) for r in comb_rows]),
                     per_leaf, str(p), digest, dict(raw.get("provenance") or {}), col,
                     fit_plane(cn, ct, [float(r["total_gas"]) for r in share_rows]),
                     fit_plane(cn, ct, [float(r["calldata_bytes"]) for r in share_rows]),
                     fit_line(rn, [float(by_n[n]["total_gas"]) for n in rn]),
                     fit_line(sn, [float(sal_n[n]["total_gas"]) for n in sn]),
                     fit_line(sn, [float(sal_n[n]["calldata_bytes"]) for n in sn]),
                     fit_line(rn, [float(by_n[n]["calldata_bytes"]) for n in rn]))
    except (ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
        raise ParameterError.bad("committee_costs", str(p), f"a file written by measure() ({exc})") from None
    return m


@dataclass(frozen=True)
class CommitteeCost:
    """Design (b) at one deployment, per round unless the name says otherwise."""

    threshold: int
    members: int
    trainers: int
    d: int
    chunk: int
    leaves: int  # per update
    gas_per_opened_leaf: float  # t shares, its own transaction, EIP-2028
    calldata_bytes_per_opened_leaf: float
    extra_gas_per_leaf: float  # over the same leaf opened with its salt (design (a))
    onestep_gas: float  # the one-step's input check, n trainers' leaf j revealed by t shares each
    extra_gas_per_dispute: float  # that, over design (a)'s salted input check
    extra_calldata_bytes_per_dispute: float
    reader_extra_gas_per_dispute: float  # readers opening the n leaves with r_j, over (a)
    trainers_per_tx_cap: int  # most n whose input check with t shares fits the EIP-7825 cap
    encrypt_seconds_per_update: float  # one trainer, one core
    hiding_commit_seconds_per_update: float  # design (a)'s salted commitment, same d (interpolated)
    ciphertext_bytes_per_update: int
    plaintext_bytes_per_update: int
    member_seconds_per_leaf: float  # one member: share + proof
    combine_seconds_per_leaf: float  # anyone: verify t shares + combine
    measured: Measured

    @property
    def expansion(self) -> float:
        """Published bytes over plaintext bytes."""
        return self.ciphertext_bytes_per_update / self.plaintext_bytes_per_update


def ciphertext_bytes(d: int, chunk: int) -> int:
    """Bytes an encrypted update publishes: per leaf a 32-byte compressed header and a
    16-byte GCM tag beside the 8 bytes per value, plus the 64-byte key capsule
    (:class:`mechanism.privacy.committee.EncryptedUpdate`)."""
    from mechanism.commitment import num_chunks
    from mechanism.privacy.committee import GCM_TAG_BYTES, HEADER_BYTES, UPDATE_KEY_BYTES

    return num_chunks(d, chunk) * (HEADER_BYTES + GCM_TAG_BYTES) + 8 * d + HEADER_BYTES + UPDATE_KEY_BYTES


def cost(threshold: int, members: int, trainers: int, d: int, chunk: int = 16,
         measured: Measured | None = None) -> CommitteeCost:
    """Design (b) at (t, m, n, d) from the measured points (module docstring)."""
    for name, v, lo in (("threshold", threshold, 1), ("members", members, 1), ("trainers", trainers, 1),
                        ("d", d, 1), ("chunk", chunk, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    if threshold > members:
        raise ParameterError.bad("threshold", threshold, f"at most the number of members ({members})")
    from mechanism.commitment import num_chunks

    m = measured if measured is not None else load()
    chunk_measured = int(m.provenance.get("chunk", chunk))
    if chunk != chunk_measured:
        raise ParameterError.bad("chunk", chunk, f"the measured chunk ({chunk_measured})")
    leaves = num_chunks(d, chunk)
    per_leaf = m.gas.at(threshold)
    extra_leaf = per_leaf - float(m.salted_gas["total_gas"])
    onestep = m.column.at(trainers, threshold)
    salted = m.column_salted.at(trainers)
    extra_bytes = m.column_calldata.at(trainers, threshold) - m.column_salted_calldata.at(trainers)
    reader = m.column_reader.at(trainers) - salted
    cap = math.floor((MAX_TX_GAS - m.column.a) / (m.column.b + m.column.c * threshold))
    enc = sorted(m.encrypt_rows, key=lambda r: int(r["d"]))
    xs = [int(r["d"]) for r in enc]
    hs = [float(r["hiding_commit_seconds"]) / int(r["d"]) for r in enc]
    es = [float(r["encrypt_seconds"]) / int(r["leaves"]) for r in enc]
    hiding_per_value = float(np.interp(d, xs, hs))
    encrypt_per_leaf = float(np.interp(d, xs, es))
    return CommitteeCost(threshold, members, trainers, d, chunk, leaves, per_leaf, m.calldata.at(threshold),
                         extra_leaf, onestep, onestep - salted, extra_bytes, reader, cap,
                         encrypt_per_leaf * leaves, hiding_per_value * d,
                         ciphertext_bytes(d, chunk), 8 * d, m.member_share_seconds,
                         m.combine_seconds.at(threshold), m)


# ----------------------------------------------------------------------- measuring

def _cpu(fn: Any, repeats: int) -> float:
    """Median CPU seconds of ``fn()`` over ``repeats`` runs (this process, one core)."""
    out = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return float(np.median(out))


def measure(out: Path | str | None = None, **overrides: Any) -> dict[str, Any]:
    """Measure the gas in the EVM and the off-chain times, and write the shipped file
    (slow: about a minute per repeat at d = 1e6)."""
    import os

    a = {**MEASURE_DEFAULTS, **overrides}
    seed, members, chunk = int(a["seed"]), int(a["members"]), int(a["chunk"])
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # one core: the batch hash kernels then run one thread
    try:
        return _measure(a, seed, members, chunk, out)
    finally:
        os.sched_setaffinity(0, cpus)


def _measure(a: dict[str, Any], seed: int, members: int, chunk: int, out: Path | str | None) -> dict[str, Any]:
    import platform

    from mechanism.evm.committee import measure as measure_gas
    from mechanism.evm.committee import measure_baselines, measure_column
    from mechanism.evm.hiding_leaf import measure as measure_hiding
    from mechanism.privacy import committee as cm
    from mechanism.privacy.hiding import commit_hiding, trainer_key

    def row(g: Any) -> dict[str, Any]:
        return {"threshold": g.threshold, "exec_gas": g.exec_gas, "total_gas": g.total_gas,
                "total_gas_eip7623": g.total_gas_eip7623, "calldata_bytes": g.calldata_bytes}

    gas = [row(g) for g in measure_gas(a["thresholds"], members, chunk, seed)]
    salted, reader = measure_baselines(members, chunk, seed)
    baselines = {"salted": row(salted), "reader": row(reader)}
    column = []
    cd, ca, cmem = int(a["column_d"]), int(a["column_arity"]), int(a["column_members"])
    for n in a["column_trainers"]:
        h = measure_hiding(int(n), cd, chunk, ca, seed).salted
        column.append({"path": "salted", "n": int(n), "threshold": 0, "exec_gas": h.exec_gas,
                       "total_gas": h.total_gas, "total_gas_eip7623": h.total_gas_eip7623,
                       "calldata_bytes": h.calldata_bytes})
        for t in a["column_thresholds"]:
            shares, readers = measure_column(int(n), int(t), cmem, cd, chunk, ca, seed)
            column.append({"path": "committee", "n": int(n), **row(shares)})
            if t == a["column_thresholds"][0]:
                column.append({"path": "reader", "n": int(n), **row(readers)})
    rng = np.random.default_rng(seed)
    com = cm.deal(members, max(a["thresholds"]), rng)
    t0 = time.process_time()
    encryptor = cm.Encryptor(com.public_key)
    table_s = time.process_time() - t0
    enc_rows = []
    for d in a["ds"]:
        x = rng.integers(-(1 << 20), 1 << 20, size=int(d), dtype=np.int64)
        key = cm.update_key(seed, 0)
        reps = int(a["repeats"]) if d <= 100_000 else 1
        box: list[cm.EncryptedUpdate] = []
        enc_s = _cpu(lambda x=x, key=key, box=box: box.append(encryptor.encrypt(x, key, chunk)), reps)
        hid_s = _cpu(lambda x=x: commit_hiding(x, trainer_key(seed, 0), chunk, 16), int(a["repeats"]))
        e = box[-1]
        enc_rows.append({"d": int(d), "leaves": len(e.headers), "encrypt_seconds": enc_s, "repeats": reps,
                         "hiding_commit_seconds": hid_s, "ciphertext_bytes": e.ciphertext_bytes,
                         "plaintext_bytes": e.plaintext_bytes})
    header = cm.decompress(box[-1].headers[0])
    member_s = _cpu(lambda: cm.decryption_share(com, 1, header), 20)
    comb_rows = []
    for t in a["thresholds"]:
        sub = cm.deal(members, int(t), np.random.default_rng([seed, int(t)]))
        r = cm.decompress(cm.Encryptor(sub.public_key).encrypt(np.arange(chunk, dtype=np.int64),
                                                               cm.update_key(seed, 1), chunk).headers[0])
        shs = [cm.decryption_share(sub, i, r) for i in range(1, int(t) + 1)]
        comb_rows.append({"threshold": int(t), "seconds": _cpu(lambda sub=sub, r=r, shs=shs: cm.reveal(sub, r, shs),
                                                                 int(a["repeats"]))})
    commit = git_commit()
    body = {"gas": gas, "baselines": baselines, "column": column, "column_geometry": {
        "d": cd, "chunk": chunk, "arity": ca, "members": cmem}, "encrypt": enc_rows, "combine": comb_rows, "member_share_seconds": member_s,
            "pk_table_seconds": table_s}
    doc = {"schema": 1,
           "what": ("design (b), updates encrypted to a (t, m) committee: gas of one opened leaf in "
                    "CommitteeReveal.vy per threshold, and opened with its salt (design (a)) and by a "
                    "reader with r_j; CPU seconds on one core of encryption, design (a)'s "
                    "salted commitment, a member's share and the combination of t shares"),
           "provenance": {"git_commit": commit, "command": "python -m mechanism.privacy.committee_cost",
                          "seed": seed, "members": members, "chunk": chunk, "repeats": int(a["repeats"]),
                          "python": platform.python_version(), "machine": platform.machine(),
                          "processor": platform.processor() or None, "clock": "time.process_time (CPU s), pinned to one core",
                          "content_sha256": content_sha256(body)},
           **body}
    write_measured(doc, out if out is not None else SHIPPED)
    return doc


if __name__ == "__main__":  # pragma: no cover
    measure()
