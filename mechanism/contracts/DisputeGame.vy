# pragma version ~=0.4.3
"""
@title Dispute game with a one-step verifier for coordinate-wise aggregation (orfl)
@notice Stores a disputed aggregate claim (n input roots, the claimed output root),
        runs k-ary bisection over the output tree with per-move block deadlines, and
        ends in a one-step verifier that opens chunk j of all n inputs against their
        roots (SHA-256, domain-separated, see mechanism/commitment.py), re-executes the
        Map step (rule 0 mean, 1 median, 2 trimmed mean with f) and compares the leaf.
        Values are little-endian int64; all divisions round toward minus infinity.
"""

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_SIB: constant(uint256) = 2048
MAX_DATA: constant(uint256) = 32800
MAX_PERM: constant(uint256) = 4128

OPEN: constant(uint256) = 0
REVEAL: constant(uint256) = 1
CHOOSE: constant(uint256) = 2
ONESTEP: constant(uint256) = 3
DONE: constant(uint256) = 4
M8: constant(uint256) = 71777214294589695
M16: constant(uint256) = 281470681808895
M64: constant(uint256) = 18446744073709551615

event Revealed:
    level: uint256
    pos: uint256
    children: DynArray[bytes32, MAX_K]

event Finished:
    winner: address
    reason: String[32]

proposer: public(address)
challenger: public(address)
input_roots: public(DynArray[bytes32, MAX_N])
output_root: public(bytes32)
n: public(uint256)
d: public(uint256)
chunk: public(uint256)
arity: public(uint256)
depth: public(uint256)
rule: public(uint256)
f: public(uint256)
clock: public(uint256)

phase: public(uint256)
node: public(bytes32)
level: public(uint256)
pos: public(uint256)
deadline: public(uint256)
winner: public(address)


@deploy
def __init__(proposer: address, challenger: address, input_roots: DynArray[bytes32, MAX_N],
             output_root: bytes32, d: uint256, chunk: uint256, arity: uint256, depth: uint256,
             rule: uint256, f: uint256, clock: uint256):
    assert arity in [2, 4, 8, 16], "arity"
    assert chunk >= 1 and chunk <= MAX_C, "chunk"
    assert rule <= 2, "rule"
    self.proposer = proposer
    self.challenger = challenger
    self.input_roots = input_roots
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
def challenge():
    self._check_turn(self.challenger, OPEN)
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
    self.node = children[i]
    self.pos = self.pos * self.arity + i
    self.level -= 1
    if self.level == 0:
        self._move(ONESTEP)
    else:
        self._move(REVEAL)


@external
def timeout():
    assert self.phase != DONE, "done"
    assert block.number > self.deadline, "early"
    if self.phase == REVEAL:
        self._finish(self.challenger, "proposer timeout")
    else:
        self._finish(self.proposer, "challenger timeout")


@internal
@pure
def _le64(w: bytes32) -> int256:
    u: uint256 = convert(w, uint256) >> 192
    u = ((u & M8) << 8) | ((u >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    if u >= 2**63:
        return convert(u, int256) - 2**64
    return convert(u, int256)


@internal
@pure
def _floordiv(a: int256, b: int256) -> int256:
    q: int256 = a // b
    if a % b != 0 and a < 0:
        q -= 1
    return q


@external
def onestep(chunks: Bytes[MAX_DATA], siblings: DynArray[bytes32, MAX_SIB], perm: Bytes[MAX_PERM],
            out: Bytes[512]):
    """
    @notice Re-execute the Map step at the disputed leaf; the proposer wins iff the
            honest output chunk (checked value by value) hashes to its claimed leaf.
    @param chunks n input chunks (8*width bytes each, little-endian) + 32 padding bytes
    @param siblings n Merkle paths, depth * (arity - 1) sibling hashes each, bottom-up
    @param perm per coordinate, the trainer indices in ascending value order (median/trimmed)
    @param out the honest output chunk (little-endian int64)
    """
    self._check_turn(self.challenger, ONESTEP)
    j: uint256 = self.pos
    L: uint256 = (self.d + self.chunk - 1) // self.chunk
    if j >= L:
        if self.node == empty(bytes32):
            self._finish(self.proposer, "one-step: padding")
        else:
            self._finish(self.challenger, "one-step: padding")
        return
    width: uint256 = min(self.chunk, self.d - j * self.chunk)
    assert len(chunks) == self.n * 8 * width + 32, "chunks"
    assert len(out) == 8 * width + 32, "out"
    k: uint256 = self.arity
    dep: uint256 = self.depth
    nb: uint256 = 8 * width
    n: uint256 = self.n
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        h: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), slice(chunks, t * nb, nb)))
        p: uint256 = j
        base: uint256 = t * dep * (k - 1)
        for l: uint256 in range(MAX_DEPTH):
            if l >= dep:
                break
            ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
            at: uint256 = p % k
            s: uint256 = base + l * (k - 1)
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
    lo: uint256 = 0
    hi: uint256 = n - 1
    if self.rule == 1:
        lo = (n - 1) // 2
        hi = n // 2
    elif self.rule == 2:
        lo = self.f
        hi = n - self.f - 1
    for c: uint256 in range(MAX_C):
        if c >= width:
            break
        acc: int256 = 0
        if self.rule == 0:
            for t: uint256 in range(MAX_N):
                if t >= n:
                    break
                acc += self._le64(extract32(chunks, t * nb + 8 * c, output_type=bytes32))
        else:
            seen: uint256 = 0
            prev: int256 = min_value(int256)
            for r: uint256 in range(MAX_N):
                if r >= n:
                    break
                t: uint256 = convert(extract32(perm, c * n + r, output_type=bytes32), uint256) >> 248
                assert t < n, "perm"
                assert seen & (1 << t) == 0, "perm"
                seen = seen | (1 << t)
                v: int256 = self._le64(extract32(chunks, t * nb + 8 * c, output_type=bytes32))
                assert v >= prev, "unsorted"
                prev = v
                if r >= lo and r <= hi:
                    acc += v
        got: int256 = self._floordiv(acc, convert(hi - lo + 1, int256))
        assert got == self._le64(extract32(out, 8 * c, output_type=bytes32)), "output"
    leaf: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), slice(out, 0, 8 * width)))
    if leaf == self.node:
        self._finish(self.proposer, "one-step: claim correct")
    else:
        self._finish(self.challenger, "one-step: claim wrong")
