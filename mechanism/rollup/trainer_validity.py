"""Trainer-validity games: Python mirror of ``contracts/TrainerValidity.vy`` and the players.

The rollup is deployed with ``dispute_depth`` 0 and ``validity`` set: a trainer dispute
escrows the challenger's bond and the trainer's stake in ``Rollup.vy``; the verdict comes
from ``TrainerValidity.vy`` (see its doc and :mod:`mechanism.rollup.predicates`), which calls
``Rollup.resolve`` -- a contract-to-contract call. :class:`ValidityModel` performs the
contract's checks in the same order with the same revert reasons and events over a
:class:`~mechanism.rollup.RollupState`; :class:`mechanism.evm.trainer_validity.ValidityEVM`
runs the real contracts. :func:`play` plays one dispute with honest or lying parties.

Gas of a validity transaction = intrinsic + :data:`VALIDITY_GAS` [path] (+ the rollup's
``resolve`` execution gas when it settles), calibrated by
``python -m mechanism.evm.trainer_validity``.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.commitment import ZERO, SumNode, leaf_prefix, node_hash, sum_node
from mechanism.fixedpoint import MAX_ABS_INT
from mechanism.rollup.params import ACTIVE, KIND_TRAINER, Event, Receipt, RollupRevert
from mechanism.rollup.predicates import (
    COMMITMENT,
    NON_FINITE,
    NORM,
    SHAPE,
    ValidityConfig,
    chunk_opening,
    chunk_sums,
    mismatch_proof,
    norm_tree,
    range_proof,
    shape_proof,
    violations,
)
from mechanism.rollup.state import RollupState
from mechanism.units import TX_INTRINSIC_GAS

VALIDITY_ADDRESS = "0x" + "cd" * 20
OPEN, REVEAL, CHOOSE, LEAF, DONE = 0, 1, 2, 3, 4

#: Execution gas of TrainerValidity.vy per path, excluding the rollup's ``resolve``
#: (vyper 0.4.3, titanoboa; ``python -m mechanism.evm.trainer_validity``), and the
#: per-sibling / per-chunk-byte increments of the proofs.
VALIDITY_GAS: dict[str, int] = {
    "prove_range": 47_700, "prove_shape": 41_000, "prove_mismatch": 38_050, "defend_norm": 128_150,
    "reveal": 56_420, "choose": 61_000, "choose:first": 78_100, "onestep": 105_700, "settle": 43_430,
}


def _climb(h: bytes, j: int, sibs: list[bytes], k: int, depth: int) -> bytes:
    """merkle_lib._climb: reverts ("index") unless j < k^depth (an index past the tree
    would climb the path of j mod k^depth)."""
    for lvl in range(depth):
        s = sibs[lvl * (k - 1):(lvl + 1) * (k - 1)]
        at = j % k
        h = node_hash([*s[:at], h, *s[at:]])
        j //= k
    if j != 0:
        raise RollupRevert("index")
    return h


def _le64s(vals: bytes) -> list[int]:
    return [int.from_bytes(vals[i:i + 8], "little", signed=True) for i in range(0, len(vals), 8)]


def _calldata_gas(args: tuple[Any, ...]) -> int:
    n = 4
    for a in args:
        if isinstance(a, bytes) and len(a) != 32:
            n += 64 + 32 * -(-len(a) // 32)
        elif isinstance(a, list):
            n += 64 + 32 * len(a)
        else:
            n += 32
    return TX_INTRINSIC_GAS + 12 * n  # a mix of zero and non-zero bytes (EIP-2028: 4 / 16)


@dataclass
class ValidityModel:
    """Python mirror of ``TrainerValidity.vy`` bound to a :class:`RollupState`."""

    rollup: RollupState
    cfg: ValidityConfig
    address: str = VALIDITY_ADDRESS
    games: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    gas_spent: int = 0

    @staticmethod
    def _require(cond: bool, reason: str) -> None:
        if not cond:
            raise RollupRevert(reason)

    def game(self, did: int) -> dict[str, Any]:
        return self.games.get(did, {"phase": OPEN, "level": 0, "pos": 0, "node_h": ZERO, "node_v": 0,
                                    "deadline": 0})

    def transact(self, sender: str, fn: str, *args: Any) -> Receipt:
        """One transaction to the validity contract; raises RollupRevert (nothing changes)."""
        snap = {k: dict(v) for k, v in self.games.items()}
        self._out: list[Event] = []
        self._inner = Receipt(None, [], 0)
        self._path = fn
        try:
            getattr(self, "_tx_" + fn)(sender, *args)
        except RollupRevert:
            self.games = snap
            raise
        total = _calldata_gas(args) + VALIDITY_GAS[self._path] + self._inner.gas
        gas = total - min(self._inner.refund, total // 5)
        self.gas_spent += gas
        self.events.extend(self._out)
        return Receipt(None, self._out, gas)

    # ------------------------------------------------------------ helpers
    def _dispute(self, did: int, predicate: int) -> dict[str, Any]:
        d = self.rollup.dispute(did)
        self._require(d["kind"] == KIND_TRAINER, "not a trainer dispute")
        self._require(d["status"] == ACTIVE, "dispute over")
        self._require(self.game(did)["phase"] != DONE, "game over")
        self._require(predicate == 0 or d["predicate"] == predicate, "wrong predicate")
        return d

    def _opened(self, d: dict[str, Any]) -> int:
        return int(d["deadline_block"]) - self.rollup.params.verdict_clock

    def _in_time(self, d: dict[str, Any]) -> None:
        self._require(self.rollup.block <= self._opened(d) + self.cfg.clock_blocks, "clock expired")

    def _verdict(self, did: int, d: dict[str, Any], defender_wins: bool) -> None:
        g = self.game(did)
        g["phase"] = DONE
        self.games[did] = g
        self._out.append(("Verdict", {"dispute_id": did, "predicate": d["predicate"],
                                      "defender_wins": defender_wins}))
        self._inner = self.rollup.transact(self.address, "resolve", did, defender_wins, internal=True)
        self._out.extend(self._inner.events)

    def _roots(self, d: dict[str, Any]) -> tuple[bytes, bytes]:
        return self.rollup.roots_of(d["trainer"], d["subject"])

    def _open_chunk(self, d: dict[str, Any], j: int, vals: bytes, sibs: list[bytes]) -> bytes:
        cfg = self.cfg
        self._require(j < cfg.leaves, "index")
        self._require(len(vals) == 8 * cfg.width(j), "chunk")
        self._require(len(sibs) == cfg.depth * (cfg.arity - 1), "path")
        leaf = hashlib.sha256(leaf_prefix(j) + vals).digest()
        self._require(_climb(leaf, j, sibs, cfg.arity, cfg.depth) == self._roots(d)[0], "opening")
        return leaf

    # ------------------------------------------------------------ transactions
    def _tx_prove_range(self, s: str, did: int, j: int, vals: bytes, sibs: list[bytes]) -> None:
        d = self._dispute(did, NON_FINITE)
        self._in_time(d)
        self._open_chunk(d, j, vals, sibs)
        self._require(any(abs(v) > MAX_ABS_INT for v in _le64s(vals)), "no violation")
        self._verdict(did, d, False)

    def _tx_prove_shape(self, s: str, did: int, t: int, j: int, h: bytes, sibs: list[bytes], pre: bytes) -> None:
        cfg = self.cfg
        d = self._dispute(did, SHAPE)
        self._in_time(d)
        self._require(t <= cfg.depth, "depth")
        self._require(len(sibs) == t * (cfg.arity - 1), "path")
        self._require(_climb(h, j, sibs, cfg.arity, t) == self._roots(d)[0], "opening")
        if t == cfg.depth and j >= cfg.leaves:
            bad = h != ZERO
        elif h == ZERO:
            bad = True
        else:
            self._require(hashlib.sha256(pre).digest() == h, "preimage")
            if t == cfg.depth:
                bad = len(pre) != 33 + 8 * cfg.width(j) or pre[:1] != b"\x00" or int.from_bytes(pre[1:33]) != j
            else:
                bad = len(pre) != 1 + 32 * cfg.arity or pre[:1] != b"\x01"
        self._require(bad, "no violation")
        self._verdict(did, d, False)

    def _tx_prove_mismatch(self, s: str, did: int) -> None:
        d = self._dispute(did, COMMITMENT)
        self._in_time(d)
        uroot, droot = self._roots(d)
        self._require(uroot != droot, "no violation")
        self._verdict(did, d, False)

    def _tx_defend_norm(self, s: str, did: int, root_h: bytes, root_v: int) -> None:
        d = self._dispute(did, NORM)
        self._require(self.game(did)["phase"] == OPEN, "defended")
        self._require(s == d["defender"], "not defender")
        self._in_time(d)
        self._require(root_v < self.cfg.bound_sq, "norm above bound")
        self.games[did] = {"phase": REVEAL, "level": 0, "pos": 0, "node_h": root_h, "node_v": root_v,
                           "deadline": self.rollup.block + self.cfg.clock_blocks}

    def _tx_reveal(self, s: str, did: int, hs: list[bytes], vs: list[int]) -> None:
        d = self._dispute(did, NORM)
        g = self.game(did)
        self._require(g["phase"] == REVEAL, "not reveal")
        self._require(s == d["defender"], "not defender")
        self._require(self.rollup.block <= g["deadline"], "clock expired")
        self._require(len(hs) == self.cfg.arity and len(vs) == self.cfg.arity, "arity")
        self._require(sum(vs) == g["node_v"], "sum")
        self._require(sum_node(list(zip(hs, vs, strict=True)))[0] == g["node_h"], "children")
        g.update(phase=CHOOSE, deadline=self.rollup.block + self.cfg.clock_blocks)
        self.games[did] = g
        self._out.append(("Revealed", {"dispute_id": did, "level": g["level"], "hashes": list(hs),
                                       "values": list(vs)}))

    def _tx_choose(self, s: str, did: int, index: int, hs: list[bytes], vs: list[int]) -> None:
        cfg = self.cfg
        d = self._dispute(did, NORM)
        g = self.game(did)
        self._require(g["phase"] == CHOOSE, "not choose")
        self._require(s == d["challenger"], "not challenger")
        self._require(self.rollup.block <= g["deadline"], "clock expired")
        self._require(len(hs) == cfg.arity and len(vs) == cfg.arity, "arity")
        self._require(index < cfg.arity, "bad index")
        self._require(sum_node(list(zip(hs, vs, strict=True)))[0] == g["node_h"], "children")
        level = g["level"] + 1
        if level == 1:
            self._path = "choose:first"  # level and position written from zero
        self.games[did] = {"phase": LEAF if level == cfg.depth else REVEAL, "level": level,
                           "pos": g["pos"] * cfg.arity + index, "node_h": hs[index], "node_v": vs[index],
                           "deadline": self.rollup.block + cfg.clock_blocks}

    def _tx_onestep(self, s: str, did: int, vals: bytes, sibs: list[bytes]) -> None:
        cfg = self.cfg
        d = self._dispute(did, NORM)
        g = self.game(did)
        self._require(g["phase"] == LEAF, "not at leaf")
        self._require(self.rollup.block <= g["deadline"], "clock expired")
        j = g["pos"]
        if j >= cfg.leaves:
            ok = g["node_h"] == ZERO and g["node_v"] == 0
        else:
            self._open_chunk(d, j, vals, sibs)
            acc = sum((v >> cfg.shift) ** 2 for v in _le64s(vals))
            h = hashlib.sha256(b"\x03" + j.to_bytes(32, "big") + acc.to_bytes(32, "big", signed=True)).digest()
            ok = h == g["node_h"] and acc == g["node_v"]
        self._verdict(did, d, ok)

    def _tx_settle(self, s: str, did: int) -> None:
        d = self._dispute(did, 0)
        g = self.game(did)
        deadline = self._opened(d) + self.cfg.clock_blocks if g["phase"] == OPEN else g["deadline"]
        self._require(self.rollup.block > deadline, "clock running")
        defender_wins = g["phase"] != REVEAL and not (g["phase"] == OPEN and d["predicate"] == NORM)
        self._verdict(did, d, defender_wins)


# --------------------------------------------------------------------------- players


def lying_sums(committed: np.ndarray, cfg: ValidityConfig) -> list[int]:
    """A norm-breaking trainer's claimed per-chunk sums: scaled down until the total is
    below the bound (the lie sits in the chunks it lowered)."""
    sums = chunk_sums(committed, cfg)
    total = sum(sums)
    if total < cfg.bound_sq:
        return sums
    return [s * (cfg.bound_sq - 1) // total for s in sums]


def _sum_tree_of(sums: list[int], cfg: ValidityConfig) -> Any:
    from mechanism.commitment import commit_sums

    return commit_sums(sums, cfg.arity)


def play(v: Any, did: int, committed: np.ndarray, published: np.ndarray, trainer_honest: bool,
         advance: Any) -> bool:
    """Play dispute ``did`` on validity backend ``v`` (model or EVM): the challenger proves
    the violation it alleges if there is one (honest) -- else it has no proof and waits;
    the trainer defends with its honest sum tree, or a lying one if it breaks the bound.
    ``advance(blocks)`` moves the chain. Returns defender_wins as settled."""
    cfg = v.cfg
    d = v.rollup.dispute(did)
    chal, trainer, pred = d["challenger"], d["defender"], d["predicate"]

    def tx(sender: str, fn: str, *args: Any) -> bool:
        try:
            v.transact(sender, fn, *args)
            return True
        except RollupRevert:
            return False

    def done() -> bool:
        return bool(v.rollup.dispute(did)["status"] != ACTIVE)

    if pred == NON_FINITE:
        with contextlib.suppress(IndexError):
            tx(chal, "prove_range", did, *range_proof(committed, cfg))
    elif pred == SHAPE and len(committed) != cfg.d:
        tx(chal, "prove_shape", did, *shape_proof(committed, cfg))
    elif pred == COMMITMENT:
        with contextlib.suppress(StopIteration):
            tx(chal, "prove_mismatch", did, *mismatch_proof(published, cfg))
    elif pred == NORM and len(committed) == cfg.d:
        claimed = norm_tree(committed, cfg) if trainer_honest else _sum_tree_of(lying_sums(committed, cfg), cfg)
        honest = norm_tree(committed, cfg)
        root: SumNode = claimed.root
        if tx(trainer, "defend_norm", did, root[0], root[1]):
            pos = 0
            for level in range(cfg.depth, 0, -1):
                kids = claimed.children(level, pos)
                hs, vs = [h for h, _ in kids], [x for _, x in kids]
                advance(1)
                tx(trainer, "reveal", did, hs, vs)
                truth = honest.children(level, pos)
                index = next((i for i in range(cfg.arity) if kids[i] != truth[i]), 0)
                advance(1)
                tx(chal, "choose", did, index, hs, vs)
                pos = pos * cfg.arity + index
            advance(1)
            vals, sibs = chunk_opening(committed, cfg, pos) if pos < cfg.leaves else (b"", [])
            tx(chal, "onestep", did, vals, sibs)
    for _ in range(2 * cfg.clock_blocks + 2):  # a clock ran out: settle as soon as it may
        if done():
            break
        advance(1)
        tx(chal, "settle", did)
    return bool(v.rollup.dispute(did)["status"] == 2)




def _claimed_tree(committed: np.ndarray, cfg: ValidityConfig, trainer_honest: bool) -> Any:
    if trainer_honest:
        return norm_tree(committed, cfg)
    return _sum_tree_of(lying_sums(committed, cfg), cfg)


def next_move(v: Any, did: int, committed: np.ndarray, published: np.ndarray, trainer_honest: bool,
              block: int) -> tuple[str, str, tuple[Any, ...]] | None:
    """The next transaction of dispute ``did`` on validity backend ``v`` at ``block``, one
    at a time (the step-wise form of :func:`play`, for simulations that send transactions
    through a mempool): (sender, function, arguments), or None while nobody has a move.

    The honest challenger proves the violation it alleges (1, 2, 4), names the first
    child that differs from the honest sum tree and runs the final one-step; the trainer
    defends its norm with its honest sum tree, or a lying one (:func:`lying_sums`) if its
    update breaks the bound. After a clock ran out, the party the contract's ``settle``
    favours sends it."""
    cfg = v.cfg
    d = v.rollup.dispute(did)
    if d["status"] != ACTIVE:
        return None
    g = v.game(did)
    phase = g["phase"]
    if phase == DONE:
        return None
    chal, trainer, pred = d["challenger"], d["defender"], d["predicate"]
    deadline = int(d["deadline_block"]) - v.rollup.params.verdict_clock + cfg.clock_blocks \
        if phase == OPEN else g["deadline"]
    if block > deadline:
        defender_wins = phase != REVEAL and not (phase == OPEN and pred == NORM)
        return (trainer if defender_wins else chal), "settle", (did,)
    shaped = len(committed) == cfg.d
    if phase == OPEN:
        if pred == NON_FINITE and shaped and NON_FINITE in violations(committed, published, cfg):
            return chal, "prove_range", (did, *range_proof(committed, cfg))
        if pred == SHAPE and not shaped:
            return chal, "prove_shape", (did, *shape_proof(committed, cfg))
        if pred == COMMITMENT and shaped and COMMITMENT in violations(committed, published, cfg):
            return chal, "prove_mismatch", (did, *mismatch_proof(published, cfg))
        if pred == NORM and shaped:
            root = _claimed_tree(committed, cfg, trainer_honest).root
            return trainer, "defend_norm", (did, root[0], root[1])
        return None
    level = cfg.depth - g["level"]
    if phase == REVEAL:
        kids = _claimed_tree(committed, cfg, trainer_honest).children(level, g["pos"])
        return trainer, "reveal", (did, [h for h, _ in kids], [x for _, x in kids])
    if phase == CHOOSE:
        kids = _claimed_tree(committed, cfg, trainer_honest).children(level, g["pos"])
        truth = norm_tree(committed, cfg).children(level, g["pos"])
        index = next((i for i in range(cfg.arity) if kids[i] != truth[i]), 0)
        return chal, "choose", (did, index, [h for h, _ in kids], [x for _, x in kids])
    j = g["pos"]
    vals, sibs = chunk_opening(committed, cfg, j) if j < cfg.leaves else (b"", [])
    return chal, "onestep", (did, vals, sibs)
