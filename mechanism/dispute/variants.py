"""Cheaper dispute encodings: the commitment and the two-stage game of ``DisputeGame.vy``
with another hash (keccak256) and another value encoding (big-endian int64 / int32).

The protocol's own encoding (docs/protocol.md; :mod:`mechanism.commitment`) is SHA-256
over little-endian int64; nothing here changes it. A :class:`Variant` names a hash and
an encoding; the tree layout is the protocol's (tags 0x00 leaf, 0x01 node, 0x04 column
leaf, ``uint256_be(j)`` binding each leaf to its index, zero words padding the leaf level
to ``arity**depth``), so a variant differs from the protocol only in the hash function
and the bytes of a chunk. :func:`play` plays a game of the stage-1 (output) or stage-0
(column) tree between an honest party and a liar (the six strategies of
:data:`mechanism.dispute.strategies.STRATEGIES`, adapted to one stage) and records every
attempted move as the contract call it is, with the Python verdict;
:mod:`mechanism.evm.dispute_variants` replays the record on the compiled variant.

Hashes: SHA-256 (FIPS 180-4, the EVM precompile 0x02) and Keccak-256 (the EVM's
KECCAK256 opcode, Ethereum yellow paper, appendix G) -- not NIST SHA3-256, whose padding
differs. Rules (docs/protocol.md, 'Rules'): mean ``floor(sum / n)``; median the floored
mean of the order statistics ``(n-1)//2`` and ``n//2``; trimmed mean the floored mean of
order statistics ``f .. n-f-1``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import (
    COL_TAG,
    LEAF_TAG,
    NODE_TAG,
    ZERO,
    KaryLevels,
    hash_records,
    num_chunks,
    tree_depth,
)
from mechanism.dispute.game import RULE_IDS
from mechanism.dispute.strategies import LIE_DELTAS, STRATEGIES
from mechanism.errors import ParameterError

HASHES = ("sha256", "keccak256")


@dataclass(frozen=True)
class Variant:
    """A hash and a value encoding of the dispute's commitments and calldata."""

    name: str
    hash_name: str
    #: bytes per value in a chunk (8: int64, 4: int32)
    value_bytes: int
    big_endian: bool

    def __post_init__(self) -> None:
        if self.hash_name not in HASHES:
            raise ParameterError.bad("hash_name", self.hash_name, f"one of {', '.join(HASHES)}")
        if self.value_bytes not in (4, 8):
            raise ParameterError.bad("value_bytes", self.value_bytes, "4 (int32) or 8 (int64)")
        if self.value_bytes == 4 and not self.big_endian:
            raise ParameterError.bad("big_endian", self.big_endian, "int32 values are big-endian only")

    @property
    def dtype(self) -> str:
        return f"{'>' if self.big_endian else '<'}i{self.value_bytes}"

    @property
    def value_range(self) -> tuple[int, int]:
        bits = 8 * self.value_bytes
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


#: The protocol's encoding, and the cheaper ones measured (docs/cost.md, 'Cheaper disputes, measured').
PROTOCOL = Variant("sha256-le64", "sha256", 8, False)
VARIANTS = (
    PROTOCOL,
    Variant("keccak-le64", "keccak256", 8, False),
    Variant("sha256-be64", "sha256", 8, True),
    Variant("keccak-be64", "keccak256", 8, True),
    Variant("sha256-be32", "sha256", 4, True),
    Variant("keccak-be32", "keccak256", 4, True),
)


def by_name(name: str) -> Variant:
    for v in VARIANTS:
        if v.name == name:
            return v
    raise ParameterError.bad("variant", name, f"one of {', '.join(v.name for v in VARIANTS)}")


def hash_bytes(v: Variant, data: bytes) -> bytes:
    if v.hash_name == "sha256":
        return hashlib.sha256(data).digest()
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def encode(v: Variant, values: np.ndarray) -> bytes:
    """The chunk's bytes; values outside the encoding's range are refused."""
    a = np.asarray(values, dtype=np.int64)
    lo, hi = v.value_range
    if a.size and (int(a.min()) < lo or int(a.max()) > hi):
        raise ParameterError.bad("values", f"[{int(a.min())}, {int(a.max())}]", f"within [{lo}, {hi}] for {v.name}")
    return np.ascontiguousarray(a, dtype=v.dtype).tobytes()


def leaf(v: Variant, j: int, values: np.ndarray) -> bytes:
    return hash_bytes(v, LEAF_TAG + int(j).to_bytes(32, "big") + encode(v, values))


def node(v: Variant, children: list[bytes]) -> bytes:
    return hash_bytes(v, NODE_TAG + b"".join(children))


def col_leaf(v: Variant, j: int, leaves: list[bytes]) -> bytes:
    return hash_bytes(v, COL_TAG + int(j).to_bytes(32, "big") + b"".join(leaves))


def row_leaves(v: Variant, row: np.ndarray, chunk: int) -> list[bytes]:
    """The leaf hashes of one vector (SHA-256 through the batch kernel when the chunks are full)."""
    d = len(row)
    L = num_chunks(d, chunk)
    if v.hash_name == "sha256" and d % chunk == 0:
        raw = np.frombuffer(encode(v, row), dtype=np.uint8)
        out = hash_records(raw, v.value_bytes * chunk, L, LEAF_TAG[0], True, 0, True)
        return [out[32 * i : 32 * i + 32] for i in range(L)]
    return [leaf(v, j, row[j * chunk : (j + 1) * chunk]) for j in range(L)]


@dataclass(frozen=True)
class Tree(KaryLevels[bytes]):
    """A k-ary tree: ``levels[0]`` the padded leaves, ``levels[-1] == [root]``."""

    levels: tuple[tuple[bytes, ...], ...]
    arity: int

    def opening(self, j: int) -> list[bytes]:
        """The siblings of leaf j, bottom-up, k-1 per level (the contract's layout)."""
        k, out = self.arity, []
        for lvl in range(self.depth):
            g = j - j % k
            out += [h for i, h in enumerate(self.levels[lvl][g : g + k]) if g + i != j]
            j //= k
        return out


def _nodes(v: Variant, level: list[bytes], arity: int) -> list[bytes]:
    """The node hashes over ``level`` (a multiple of ``arity`` hashes), SHA-256 in one batch call."""
    if v.hash_name == "sha256":
        raw = hash_records(b"".join(level), 32 * arity, len(level) // arity, NODE_TAG[0], False, 0, True)
        return [raw[32 * i : 32 * i + 32] for i in range(len(level) // arity)]
    return [node(v, level[i : i + arity]) for i in range(0, len(level), arity)]


def build_tree(v: Variant, leaves: list[bytes], arity: int) -> Tree:
    """The tree over ``leaves`` padded with zero words to ``arity**depth`` (the protocol's
    layout); a node whose children are all padding is hashed once per level."""
    depth = tree_depth(len(leaves), arity)
    real, pad = list(leaves), ZERO
    levels = [tuple(real + [ZERO] * (arity**depth - len(real)))]
    for lvl in range(depth):
        width = arity ** (depth - lvl - 1)  # nodes at the next level
        full = len(real) // arity
        nxt = _nodes(v, real[: full * arity], arity)
        if len(real) % arity:
            nxt += _nodes(v, real[full * arity :] + [pad] * (arity - len(real) % arity), arity)
        pad = node(v, [pad] * arity)
        real = nxt
        levels.append(tuple(real + [pad] * (width - len(real))))
    return Tree(tuple(levels), arity)


def order_bounds(rule: str, n: int, f: int) -> tuple[int, int]:
    """The order statistics ``lo .. hi`` the rule averages."""
    if rule == "mean":
        return 0, n - 1
    if rule == "median":
        return (n - 1) // 2, n // 2
    if rule == "trimmed_mean":
        if not 0 <= 2 * f < n:
            raise ParameterError.bad("f", f, f"0 <= 2f < n = {n}")
        return f, n - f - 1
    raise ParameterError.bad("rule", rule, f"one of {', '.join(RULE_IDS)}")


def aggregate(rule: str, x: np.ndarray, f: int = 0) -> np.ndarray:
    """The rule's output, coordinate by coordinate (floored integer division)."""
    lo, hi = order_bounds(rule, x.shape[0], f)
    s = np.sort(x, axis=0)[lo : hi + 1].sum(axis=0)
    return s // (hi - lo + 1)


@dataclass
class Setup:
    """One round's honest commitments under a variant: n input trees, the column tree, the
    honest output and its tree."""

    variant: Variant
    x: np.ndarray
    chunk: int
    arity: int
    rule: str
    f: int
    input_roots: list[bytes]
    input_leaves: list[list[bytes]]
    cols: Tree
    out: np.ndarray
    out_tree: Tree
    _input_trees: dict[int, Tree] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def d(self) -> int:
        return int(self.x.shape[1])

    @property
    def num_leaves(self) -> int:
        return num_chunks(self.d, self.chunk)

    @property
    def depth(self) -> int:
        return self.cols.depth

    def input_tree(self, t: int) -> Tree:
        if t not in self._input_trees:
            self._input_trees[t] = build_tree(self.variant, self.input_leaves[t], self.arity)
        return self._input_trees[t]

    def rows(self, j: int) -> np.ndarray:
        return self.x[:, j * self.chunk : (j + 1) * self.chunk]

    def out_leaf(self, j: int, values: np.ndarray) -> bytes:
        return leaf(self.variant, j, values)


def setup(v: Variant, x: np.ndarray, chunk: int, arity: int, rule: str = "median", f: int = 0) -> Setup:
    """Commit the inputs ``x`` (n x d int64) and the honest output under variant ``v``."""
    x = np.asarray(x, dtype=np.int64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ParameterError.bad("x.shape", x.shape, "n x d with n, d >= 1")
    if arity not in (2, 4, 8, 16, 32):
        raise ParameterError.bad("arity", arity, "2, 4, 8, 16 or 32")
    order_bounds(rule, x.shape[0], f)
    d, L = x.shape[1], num_chunks(x.shape[1], chunk)
    leaves = [row_leaves(v, r, chunk) for r in x]
    roots = []
    for t in range(x.shape[0]):
        # the input roots: the level above the leaves onward (cheap next to the leaves)
        roots.append(build_tree(v, leaves[t], arity).root)
    cols = build_tree(v, [col_leaf(v, j, [lv[j] for lv in leaves]) for j in range(L)], arity)
    out = aggregate(rule, x, f)
    out_tree = build_tree(v, [leaf(v, j, out[j * chunk : (j + 1) * chunk]) for j in range(L)], arity)
    del d
    return Setup(v, x, chunk, arity, rule, f, roots, leaves, cols, out, out_tree)


# --------------------------------------------------------------------------- the one-step


def onestep_call(s: Setup, j: int, rows: np.ndarray | None = None, out: np.ndarray | None = None) -> tuple[bytes, list[bytes], bytes, bytes]:
    """ABI arguments of ``onestep`` at output leaf j (honest unless ``rows`` / ``out`` given):
    the n input chunks, the column opening, the order witness, the output chunk."""
    if j >= s.num_leaves:
        return b"", [], b"", b""
    v = s.variant
    rows = s.rows(j) if rows is None else rows
    out = s.out[j * s.chunk : (j + 1) * s.chunk] if out is None else out
    chunks = b"".join(encode(v, r) for r in rows) + bytes(32)
    if s.rule == "mean":
        wit = b""
    else:
        lo, hi = order_bounds(s.rule, s.n, s.f)
        order = np.argsort(rows, axis=0, kind="stable")
        wit = bytes(np.stack([order[lo], order[hi]], axis=1).astype(np.uint8).reshape(-1).tolist()) + bytes(32)
    return chunks, s.cols.opening(j), wit, encode(v, out) + bytes(32)


def onestep_accepts(s: Setup, j: int, rows: np.ndarray, out: np.ndarray) -> bool:
    """Whether the contract accepts this one-step's data (the opened rows are the committed
    ones and ``out`` is the rule's output of them); the verdict then compares leaves."""
    if j >= s.num_leaves:
        return True
    v = s.variant
    try:
        hs = [leaf(v, j, r) for r in rows]
    except ParameterError:
        return False
    if col_leaf(v, j, hs) != s.cols.levels[0][j]:
        return False
    return bool(np.array_equal(np.asarray(out), aggregate(s.rule, np.asarray(rows), s.f)))


# --------------------------------------------------------------------------- games

#: One attempted move: (function, ABI arguments, accepted by the Python game, sender, blocks waited before it)
Attempt = tuple[str, tuple[Any, ...], bool, str, int]


@dataclass
class Record:
    """A played game: its attempts and the Python winner."""

    stage: int
    liar: str
    strategy: str
    claimed_root: bytes
    attempts: list[Attempt] = field(default_factory=list)
    winner: str = ""


def _lying_output(s: Setup, strategy: str, rng: np.random.Generator, lie_at: int | None) -> tuple[np.ndarray, int]:
    y = s.out.copy()
    p = int(rng.integers(s.d)) if lie_at is None else lie_at
    delta = int(rng.choice(LIE_DELTAS))
    lo, hi = s.variant.value_range
    if strategy == "after_point":
        y[p:] += delta
    else:
        y[p] += delta
    np.clip(y, lo, hi, out=y)
    if np.array_equal(y, s.out):  # clipped back to the truth: lie the other way
        y[p] -= 2 * delta
    return y, p


def play(s: Setup, stage: int, liar: str, strategy: str, rng: np.random.Generator, clock: int = 10,
         lie_at: int | None = None) -> Record:
    """Play one game of stage 0 (column tree) or 1 (output tree); the liar (``proposer``,
    ``challenger`` or ``none``) follows ``strategy``, the other side is honest. A
    ``none`` game is a challenger disputing an honest claim with honest moves (it loses).
    ``lie_at``: the coordinate of a lying proposer's lie (default: drawn from ``rng``)."""
    if stage not in (0, 1):
        raise ParameterError.bad("stage", stage, "0 (columns) or 1 (output)")
    if strategy not in STRATEGIES:
        raise ParameterError.bad("strategy", strategy, f"one of {', '.join(STRATEGIES)}")
    if liar not in ("proposer", "challenger", "none"):
        raise ParameterError.bad("liar", liar, "proposer, challenger or none")
    v, k = s.variant, s.arity
    honest = s.out_tree if stage == 1 else s.cols
    claim = honest
    forged: tuple[int, int, bytes] | None = None  # stage 0: (column j, trainer t, forged leaf)
    if liar == "proposer":
        if stage == 1:
            y, _p = _lying_output(s, strategy, rng, lie_at)
            claim = build_tree(v, [leaf(v, j, y[j * s.chunk : (j + 1) * s.chunk]) for j in range(s.num_leaves)], k)
        else:
            j = int(rng.integers(s.num_leaves)) if lie_at is None else lie_at // s.chunk
            t = int(rng.integers(s.n))
            bad = hash_bytes(v, b"forged" + rng.bytes(8))
            lv = list(s.cols.levels[0])
            col = [s.input_leaves[u][j] for u in range(s.n)]
            col[t] = bad
            lv[j] = col_leaf(v, j, col)
            claim = build_tree(v, lv[: s.num_leaves], k)
            forged = (j, t, bad)
    root = claim.root
    if liar == "proposer" and strategy == "wrong_output":
        root = hash_bytes(v, b"no tree" + rng.bytes(8))  # a root the proposer cannot open
    rec = Record(stage, liar, strategy, root)

    def attempt(fn: str, args: tuple[Any, ...], ok: bool, who: str, wait: int = 0) -> bool:
        rec.attempts.append((fn, args, ok, who, wait))
        return ok

    def finish_timeout(winner: str) -> Record:
        attempt("timeout", (), True, "challenger", clock + 1)
        rec.winner = winner
        return rec

    attempt("challenge", (stage,), True, "challenger")
    node_h, pos = root, 0
    for level in range(s.depth, 0, -1):
        # the proposer reveals the children of its claimed node
        if liar == "proposer" and strategy == "stall":
            return finish_timeout("challenger")
        if root != claim.root:  # wrong_output: nothing it can reveal hashes to the root
            attempt("reveal", (claim.children(level, pos),), False, "proposer")
            return finish_timeout("challenger")
        kids = claim.children(level, pos)
        if liar == "proposer" and strategy in ("inconsistent_children", "equivocation") and level == s.depth:
            wrong = list(kids)
            wrong[0] = hash_bytes(v, b"other" + wrong[0])
            attempt("reveal", (wrong,), node(v, wrong) == node_h, "proposer")
            if strategy == "inconsistent_children":
                return finish_timeout("challenger")
        attempt("reveal", (kids,), node(v, kids) == node_h, "proposer")
        # the challenger picks a child
        good = honest.children(level, pos)
        if liar == "challenger" and strategy == "stall":
            return finish_timeout("proposer")
        if liar == "challenger" and strategy == "inconsistent_children":
            wrong = list(kids)
            wrong[-1] = hash_bytes(v, b"other" + wrong[-1])
            attempt("choose", (0, wrong), node(v, wrong) == node_h, "challenger")
            return finish_timeout("proposer")
        diff = [i for i in range(k) if kids[i] != good[i]]
        if diff:
            i = diff[0]
        elif strategy == "after_point":
            i = k - 1
        else:
            i = int(rng.integers(k))
        attempt("choose", (i, kids), True, "challenger")
        node_h, pos = kids[i], pos * k + i
    j = pos
    if stage == 0:
        if j >= s.num_leaves:  # padding column leaf: decided by choose
            rec.winner = "proposer" if node_h == ZERO else "challenger"
            return rec
        col = [s.input_leaves[u][j] for u in range(s.n)]
        if forged is not None and forged[0] == j:
            col[forged[1]] = forged[2]
        attempt("reveal_column", (col,), col_leaf(v, j, col) == node_h, "proposer")
        wrong_at = [u for u in range(s.n) if col[u] != s.input_leaves[u][j]]
        if not wrong_at:  # nothing to prove wrong
            return finish_timeout("proposer")
        t = wrong_at[0]
        attempt("onestep_column", (t, col, s.input_leaves[t][j], s.input_tree(t).opening(j)), True, "challenger")
        rec.winner = "challenger"
        return rec
    if j < s.num_leaves and liar == "challenger" and strategy in ("wrong_output", "equivocation"):
        rows = s.rows(j).copy()
        out = s.out[j * s.chunk : (j + 1) * s.chunk].copy()
        if strategy == "wrong_output":
            out[0] += 1
        else:
            rows[0, 0] += 1
            out = aggregate(s.rule, rows, s.f)
        attempt("onestep", onestep_call(s, j, rows, out), onestep_accepts(s, j, rows, out), "challenger")
        return finish_timeout("proposer")
    attempt("onestep", onestep_call(s, j), True, "challenger")
    if j >= s.num_leaves:
        right = node_h == ZERO
    else:
        right = leaf(v, j, s.out[j * s.chunk : (j + 1) * s.chunk]) == node_h
    rec.winner = "proposer" if right else "challenger"
    return rec


def honest_won(rec: Record) -> bool:
    """The honest side won (``none``: the claim was honest, so the proposer)."""
    return rec.winner == ("challenger" if rec.liar == "proposer" else "proposer")
