# pragma version ~=0.4.3
"""
@title Dispute game with a one-step verifier for coordinate-wise aggregation (orfl)
@notice Stores a disputed claim (n input roots, the claimed column root and output
        root: stages 0 and 1 of the rule's trace program, mechanism/dispute/trace.py),
        runs k-ary bisection over the disputed stage's tree with per-move block
        deadlines, and ends in a one-step verifier (SHA-256, domain-separated, see
        mechanism/commitment.py):
        * stage 1 (output): chunk j of all n inputs is proven by ONE opening of column
          leaf j (the n input leaves are rehashed from the values), then the Map step
          (rule 0 mean, 1 median, 2 trimmed mean with f) is re-executed;
        * stage 0 (columns): the proposer reveals the n leaf hashes of its column leaf;
          the challenger opens one trainer's true leaf j that differs.
        Values are little-endian int64; all divisions round toward minus infinity.
        Order statistics are checked by counting against witnessed order statistics.
        Clocks: per move by default (every move gives the other party `clock` blocks);
        the game's creator may switch, before the challenge, to per-party chess clocks
        (`set_chess_clock`: each party has a total of `chess_clock` blocks over all its
        moves, as BoLD and the OP Stack; docs/economics.md, 'Threat model: clocks'), so
        the whole game ends within 2 x chess_clock blocks of its creation.
"""

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 600
MAX_DATA: constant(uint256) = 32800
MAX_WIT: constant(uint256) = 160
MAX_OUT: constant(uint256) = 544

OPEN: constant(uint256) = 0
REVEAL: constant(uint256) = 1
CHOOSE: constant(uint256) = 2
ONESTEP: constant(uint256) = 3
DONE: constant(uint256) = 4
PREIMAGE: constant(uint256) = 5
M8: constant(uint256) = 71777214294589695
M16: constant(uint256) = 281470681808895
M64: constant(uint256) = 18446744073709551615

event Revealed:
    level: uint256
    pos: uint256
    children: DynArray[bytes32, MAX_K]

event ColumnRevealed:
    pos: uint256
    leaves: DynArray[bytes32, MAX_N]

event Finished:
    winner: address
    reason: String[32]

proposer: public(address)
challenger: public(address)
input_roots: public(DynArray[bytes32, MAX_N])
cols_root: public(bytes32)
output_root: public(bytes32)
n: public(uint256)
d: public(uint256)
chunk: public(uint256)
arity: public(uint256)
depth: public(uint256)
rule: public(uint256)
f: public(uint256)
clock: public(uint256)  # per-move clock (blocks); 0 once set_chess_clock switched to chess clocks
chess_clock: public(uint256)  # each party's total time (blocks); 0 with per-move clocks
proposer_left: public(uint256)  # chess clock: blocks the proposer has left
challenger_left: public(uint256)  # chess clock: blocks the challenger has left
turn_start: public(uint256)  # chess clock: block at which the party to move got its turn
CREATOR: immutable(address)

phase: public(uint256)
stage: public(uint256)
node: public(bytes32)
level: public(uint256)
pos: public(uint256)
deadline: public(uint256)
winner: public(address)


@deploy
def __init__(proposer: address, challenger: address, input_roots: DynArray[bytes32, MAX_N],
             cols_root: bytes32, output_root: bytes32, d: uint256, chunk: uint256, arity: uint256,
             depth: uint256, rule: uint256, f: uint256, clock: uint256):
    assert arity in [2, 4, 8, 16], "arity"
    assert chunk >= 1 and chunk <= MAX_C, "chunk"
    assert rule <= 2, "rule"
    assert len(input_roots) >= 1, "inputs"
    assert rule != 2 or 2 * f < len(input_roots), "trim"
    self.proposer = proposer
    self.challenger = challenger
    self.input_roots = input_roots
    self.cols_root = cols_root
    self.output_root = output_root
    self.n = len(input_roots)
    self.d = d
    self.chunk = chunk
    self.arity = arity
    self.depth = depth
    self.rule = rule
    self.f = f
    self.clock = clock
    self.phase = OPEN
    self.deadline = block.number + clock
    CREATOR = msg.sender


@external
def set_chess_clock(budget: uint256):
    """
    @notice The creator switches the game, before the challenge, to per-party chess
            clocks of `budget` blocks each, counted from the game's creation: a party's
            moves use up its own budget only (the blocks from its turn's start to its move).
    """
    assert msg.sender == CREATOR, "creator"
    assert self.phase == OPEN and self.clock != 0, "started"
    assert budget >= 1, "budget"
    start: uint256 = self.deadline - self.clock
    self.clock = 0
    self.chess_clock = budget
    self.proposer_left = budget
    self.challenger_left = budget
    self.turn_start = start
    self.deadline = start + budget


@internal
@pure
def _hash_node(ws: bytes32[MAX_K], k: uint256) -> bytes32:
    if k == 2:
        return sha256(concat(b"\x01", ws[0], ws[1]))
    if k == 4:
        return sha256(concat(b"\x01", ws[0], ws[1], ws[2], ws[3]))
    if k == 8:
        return sha256(concat(b"\x01", ws[0], ws[1], ws[2], ws[3], ws[4], ws[5], ws[6], ws[7]))
    return sha256(concat(b"\x01", ws[0], ws[1], ws[2], ws[3], ws[4], ws[5], ws[6], ws[7],
                         ws[8], ws[9], ws[10], ws[11], ws[12], ws[13], ws[14], ws[15]))


@internal
@view
def _children_hash(children: DynArray[bytes32, MAX_K]) -> bytes32:
    k: uint256 = self.arity
    assert len(children) == k, "arity"
    ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
    for q: uint256 in range(MAX_K):
        if q >= k:
            break
        ws[q] = children[q]
    return self._hash_node(ws, k)


@internal
def _move(nxt: uint256):
    c: uint256 = self.clock
    if c != 0:
        self.phase = nxt
        self.deadline = block.number + c
        return
    prev: uint256 = self.phase
    self.phase = nxt
    # chess clock: the mover (checked by _check_turn, so within its time) pays the blocks
    # since its turn began; the next party to move gets what it has left
    elapsed: uint256 = block.number - self.turn_start
    if prev == REVEAL or prev == PREIMAGE:
        self.proposer_left -= elapsed
    else:
        self.challenger_left -= elapsed
    self.turn_start = block.number
    if nxt == REVEAL or nxt == PREIMAGE:
        self.deadline = block.number + self.proposer_left
    else:
        self.deadline = block.number + self.challenger_left


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
def challenge(s: uint256):
    """@notice Dispute stage s (0: column tree, 1: output tree)."""
    self._check_turn(self.challenger, OPEN)
    assert s <= 1, "stage"
    self.stage = s
    if s == 0:
        self.node = self.cols_root
    else:
        self.node = self.output_root
    self.level = self.depth
    self.pos = 0
    self._move(REVEAL)


@external
def reveal(children: DynArray[bytes32, MAX_K]):
    self._check_turn(self.proposer, REVEAL)
    assert self._children_hash(children) == self.node, "children"
    log Revealed(level=self.level, pos=self.pos, children=children)
    self._move(CHOOSE)


@external
def choose(i: uint256, children: DynArray[bytes32, MAX_K]):
    self._check_turn(self.challenger, CHOOSE)
    assert i < self.arity, "index"
    assert self._children_hash(children) == self.node, "children"
    node: bytes32 = children[i]
    p: uint256 = self.pos * self.arity + i
    self.node = node
    self.pos = p
    self.level -= 1
    if self.level > 0:
        self._move(REVEAL)
    elif self.stage == 1:
        self._move(ONESTEP)
    elif p >= (self.d + self.chunk - 1) // self.chunk:
        if node == empty(bytes32):
            self._finish(self.proposer, "padding column leaf")
        else:
            self._finish(self.challenger, "padding column leaf")
    else:
        self._move(PREIMAGE)


@internal
@view
def _col_leaf(j: uint256, hs: bytes32[MAX_N]) -> bytes32:
    return sha256(concat(b"\x04", convert(j, bytes32), slice(abi_encode(hs), 0, 32 * self.n)))


@external
def reveal_column(leaves: DynArray[bytes32, MAX_N]):
    """@notice The proposer opens its disputed column leaf: the n input leaf hashes."""
    self._check_turn(self.proposer, PREIMAGE)
    assert len(leaves) == self.n, "count"
    assert sha256(concat(b"\x04", convert(self.pos, bytes32), slice(abi_encode(leaves), 64, 32 * self.n))) == self.node, "preimage"
    log ColumnRevealed(pos=self.pos, leaves=leaves)
    self._move(ONESTEP)


@external
def timeout():
    assert self.phase != DONE, "done"
    assert block.number > self.deadline, "early"
    if self.phase == REVEAL or self.phase == PREIMAGE:
        self._finish(self.challenger, "proposer timeout")
    else:
        self._finish(self.proposer, "challenger timeout")


@external
def onestep_column(t: uint256, leaves: DynArray[bytes32, MAX_N], leaf: bytes32,
                   siblings: DynArray[bytes32, MAX_PATH]):
    """
    @notice Column one-step: trainer t's true leaf j (opened under its own root)
            differs from the proposer's revealed leaves[t], so the column leaf is wrong.
    """
    self._check_turn(self.challenger, ONESTEP)
    assert self.stage == 0, "stage"
    n: uint256 = self.n
    assert t < n and len(leaves) == n, "count"
    assert sha256(concat(b"\x04", convert(self.pos, bytes32), slice(abi_encode(leaves), 64, 32 * n))) == self.node, "preimage"
    assert leaf != leaves[t], "same leaf"
    k: uint256 = self.arity
    dep: uint256 = self.depth
    assert len(siblings) == dep * (k - 1), "path"
    h: bytes32 = leaf
    p: uint256 = self.pos
    for l: uint256 in range(MAX_DEPTH):
        if l >= dep:
            break
        ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
        at: uint256 = p % k
        s: uint256 = l * (k - 1)
        for q: uint256 in range(MAX_K):
            if q >= k:
                break
            if q < at:
                ws[q] = siblings[s + q]
            elif q == at:
                ws[q] = h
            else:
                ws[q] = siblings[s + q - 1]
        h = self._hash_node(ws, k)
        p = p // k
    assert h == self.input_roots[t], "opening"
    self._finish(self.challenger, "one-step: column wrong")


@internal
@pure
def _le64(w: bytes32) -> int256:
    u: uint256 = convert(w, uint256) >> 192
    u = ((u & M8) << 8) | ((u >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    return convert(convert(u << 192, bytes32), int256) >> 192


@internal
@pure
def _floordiv(a: int256, b: int256) -> int256:
    q: int256 = a // b
    if a % b != 0 and a < 0:
        q -= 1
    return q


@external
def onestep(chunks: Bytes[MAX_DATA], col_siblings: DynArray[bytes32, MAX_PATH], wit: Bytes[MAX_WIT],
            out: Bytes[MAX_OUT]):
    """
    @notice Re-execute the Map step at the disputed output leaf j; the proposer wins iff
            the honest output chunk (checked value by value) hashes to its claimed leaf.
    @param chunks n input chunks j (8*width bytes each, little-endian) + 32 padding bytes
    @param col_siblings the opening of column leaf j: depth * (arity - 1) hashes, bottom-up
    @param wit per coordinate, 2 bytes: the trainers holding the lo-th and hi-th order
           statistic (median / trimmed mean; empty for the mean) + 32 padding bytes
    @param out the honest output chunk (little-endian int64) + 32 padding bytes
    """
    self._check_turn(self.challenger, ONESTEP)
    assert self.stage == 1, "stage"
    j: uint256 = self.pos
    L: uint256 = (self.d + self.chunk - 1) // self.chunk
    if j >= L:
        if self.node == empty(bytes32):
            self._finish(self.proposer, "one-step: padding")
        else:
            self._finish(self.challenger, "one-step: padding")
        return
    width: uint256 = min(self.chunk, self.d - j * self.chunk)
    n: uint256 = self.n
    nb: uint256 = 8 * width
    assert len(chunks) == n * nb + 32, "chunks"
    assert len(out) == nb + 32, "out"
    # one opening of column leaf j proves all n input chunks
    jb: bytes32 = convert(j, bytes32)
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        hs[t] = sha256(concat(b"\x00", jb, slice(chunks, t * nb, nb)))
    h: bytes32 = self._col_leaf(j, hs)
    k: uint256 = self.arity
    dep: uint256 = self.depth
    assert len(col_siblings) == dep * (k - 1), "path"
    p: uint256 = j
    for l: uint256 in range(MAX_DEPTH):
        if l >= dep:
            break
        ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
        at: uint256 = p % k
        s: uint256 = l * (k - 1)
        for q: uint256 in range(MAX_K):
            if q >= k:
                break
            if q < at:
                ws[q] = col_siblings[s + q]
            elif q == at:
                ws[q] = h
            else:
                ws[q] = col_siblings[s + q - 1]
        h = self._hash_node(ws, k)
        p = p // k
    assert h == self.cols_root, "column"
    # the Map step, coordinate by coordinate
    rule: uint256 = self.rule
    lo: uint256 = 0
    hi: uint256 = n - 1
    if rule == 1:
        lo = (n - 1) // 2
        hi = n // 2
    elif rule == 2:
        lo = self.f
        hi = n - self.f - 1
    if rule != 0:
        assert len(wit) == 2 * width + 32, "witness"
    for c: uint256 in range(MAX_C):
        if c >= width:
            break
        acc: int256 = 0
        a: int256 = 0
        b: int256 = 0
        if rule != 0:
            ab: uint256 = convert(extract32(wit, 2 * c, output_type=bytes32), uint256) >> 240
            assert ab >> 8 < n and ab & 255 < n, "witness"
            a = self._le64(extract32(chunks, (ab >> 8) * nb + 8 * c, output_type=bytes32))
            b = self._le64(extract32(chunks, (ab & 255) * nb + 8 * c, output_type=bytes32))
            assert a <= b, "witness"
        cl: uint256 = 0
        ca: uint256 = 0
        cg: uint256 = 0
        cb: uint256 = 0
        for t: uint256 in range(MAX_N):
            if t >= n:
                break
            u: uint256 = convert(extract32(chunks, t * nb + 8 * c, output_type=bytes32), uint256) >> 192
            u = ((u & M8) << 8) | ((u >> 8) & M8)
            u = ((u & M16) << 16) | ((u >> 16) & M16)
            u = ((u << 32) | (u >> 32)) & M64
            v: int256 = convert(convert(u << 192, bytes32), int256) >> 192
            if rule == 0:
                acc += v
                continue
            if v < a:
                cl += 1
            elif v == a:
                ca += 1
            elif v < b:
                acc += v
            if v > b:
                cg += 1
            elif v == b:
                cb += 1
        if rule != 0:
            # a, b are the lo-th and hi-th order statistics iff the counts bracket lo, hi
            assert cl <= lo and lo < cl + ca, "witness"
            assert cg <= n - 1 - hi and n - 1 - hi < cg + cb, "witness"
            if a == b:
                acc = convert(hi - lo + 1, int256) * a
            else:
                acc += convert(cl + ca - lo, int256) * a + convert(hi + 1 + cg + cb - n, int256) * b
        got: int256 = self._floordiv(acc, convert(hi - lo + 1, int256))
        assert got == self._le64(extract32(out, 8 * c, output_type=bytes32)), "output"
    leaf: bytes32 = sha256(concat(b"\x00", jb, slice(out, 0, nb)))
    if leaf == self.node:
        self._finish(self.proposer, "one-step: claim correct")
    else:
        self._finish(self.challenger, "one-step: claim wrong")
