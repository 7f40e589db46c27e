# pragma version ~=0.4.3
"""
@title Locate phase of a training dispute (mechanism/training_proof/locate.py)
@notice The trainer posted one trace root: a k-ary SHA-256 Merkle tree (nodes 0x01,
        zero padding; merkle_lib.vy) over the leaves sha256(0x08 || uint256(s) || root_s),
        s = 0 .. num_stages - 1. The trainer reveals the children of the disputed node,
        the challenger names one; at the leaf the trainer reveals the disputed stage root
        and opens the roots of the (up to) three earlier stages its one-step reads.
        TrainingStep.vy is then deployed with those roots and only_stage = located.
        A padding leaf is decided at once; a party that misses its clock loses.
"""

import merkle_lib

MAX_K: constant(uint256) = 16
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
LOOKBACK: constant(uint256) = 3

REVEAL: constant(uint256) = 1
CHOOSE: constant(uint256) = 2
OPEN: constant(uint256) = 3
LOCATED: constant(uint256) = 4
DONE: constant(uint256) = 5

event Located:
    stage: uint256

event Finished:
    winner: address
    reason: String[32]

proposer: public(address)
challenger: public(address)
trace_root: public(bytes32)
num_stages: public(uint256)
arity: public(uint256)
clock: public(uint256)
depth: public(uint256)
level: public(uint256)
pos: public(uint256)
node: public(bytes32)
phase: public(uint256)
deadline: public(uint256)
winner: public(address)
located: public(uint256)
opened: public(HashMap[uint256, bytes32])


@deploy
def __init__(proposer: address, challenger: address, trace_root: bytes32, num_stages: uint256,
             arity: uint256, clock: uint256):
    assert arity in [2, 4, 8, 16], "arity"
    assert num_stages >= 1, "stages"
    self.proposer = proposer
    self.challenger = challenger
    self.trace_root = trace_root
    self.num_stages = num_stages
    self.arity = arity
    self.clock = clock
    dep: uint256 = 1
    cap: uint256 = arity
    for i: uint256 in range(MAX_DEPTH):
        if cap >= num_stages:
            break
        dep += 1
        cap *= arity
    self.depth = dep
    self.level = dep
    self.node = trace_root
    self.phase = REVEAL
    self.deadline = block.number + clock


@internal
@pure
def _leaf(s: uint256, root: bytes32) -> bytes32:
    return sha256(concat(b"\x08", convert(s, bytes32), root))


@internal
@view
def _children_hash(children: DynArray[bytes32, MAX_K]) -> bytes32:
    assert len(children) == self.arity, "arity"
    ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
    for q: uint256 in range(MAX_K):
        if q >= self.arity:
            break
        ws[q] = children[q]
    return merkle_lib._hash_node(ws, self.arity)


@internal
def _move(nxt: uint256):
    self.phase = nxt
    self.deadline = block.number + self.clock


@internal
def _finish(who: address, reason: String[32]):
    self.winner = who
    self.phase = DONE
    log Finished(winner=who, reason=reason)


@internal
@view
def _check_turn(who: address, ph: uint256):
    assert self.phase == ph, "phase"
    assert msg.sender == who, "turn"
    assert block.number <= self.deadline, "late"


@external
def reveal(children: DynArray[bytes32, MAX_K]):
    """@notice The trainer reveals the k children of the disputed node."""
    self._check_turn(self.proposer, REVEAL)
    assert self._children_hash(children) == self.node, "children"
    self._move(CHOOSE)


@external
def choose(i: uint256, children: DynArray[bytes32, MAX_K]):
    """@notice The challenger names the first child it disagrees with (children again as
    calldata, checked against the node: nothing is stored between the moves)."""
    self._check_turn(self.challenger, CHOOSE)
    assert i < self.arity, "index"
    assert self._children_hash(children) == self.node, "children"
    self.node = children[i]
    self.pos = self.pos * self.arity + i
    self.level -= 1
    if self.level > 0:
        self._move(REVEAL)
        return
    self._move(OPEN)
    if self.pos >= self.num_stages:
        if self.node == empty(bytes32):
            self._finish(self.proposer, "padding stage leaf")
        else:
            self._finish(self.challenger, "padding stage leaf")


@external
def open_roots(root: bytes32, earlier: DynArray[bytes32, LOOKBACK], sibs: DynArray[bytes32, MAX_PATH]):
    """@notice The trainer reveals the disputed stage's root and opens the roots of stages
    s - len(earlier) .. s - 1 (len(earlier) = min(s, 3)), each with depth * (k - 1)
    siblings in order."""
    self._check_turn(self.proposer, OPEN)
    s: uint256 = self.pos
    assert self._leaf(s, root) == self.node, "root"
    n: uint256 = min(s, LOOKBACK)
    assert len(earlier) == n, "earlier"
    k: uint256 = self.arity
    dep: uint256 = self.depth
    for q: uint256 in range(LOOKBACK):
        if q >= n:
            break
        i: uint256 = s - n + q
        h: bytes32 = merkle_lib._climb(self._leaf(i, earlier[q]), i, sibs, q * dep * (k - 1), k, dep)
        assert h == self.trace_root, "opening"
        self.opened[i] = earlier[q]
    self.opened[s] = root
    self.located = s
    self._move(LOCATED)
    log Located(stage=s)


@external
def timeout():
    assert self.phase == REVEAL or self.phase == CHOOSE or self.phase == OPEN, "phase"
    assert block.number > self.deadline, "early"
    if self.phase == CHOOSE:
        self._finish(self.proposer, "challenger timeout")
    else:
        self._finish(self.challenger, "proposer timeout")
