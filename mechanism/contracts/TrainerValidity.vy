# pragma version ~=0.4.3
"""
@title TrainerValidity: on-chain verdicts of trainer fraud proofs (orfl)
@notice The `validity` resolver of a `Rollup.vy` deployed with `dispute_depth` 0: a
        trainer dispute `did` (trainer, round, predicate) is decided here against the
        update root and data root the trainer published on chain (`publish_update`),
        then settled by `Rollup.resolve(did, defender_wins)`. Encodings are those of
        mechanism/commitment.py and mechanism/rollup/predicates.py (d values, chunks of `chunk`,
        arity `arity`, L = ceil(d / chunk) leaves, depth D = max(1, ceil(log_k L))).
        Within `clock_blocks` of the challenge:
        * 1 out of range (non-finite encoding): `prove_range` opens chunk j < L against
          the update root and shows a value with |q| > 2^40 - 1;
        * 2 shape: `prove_shape` opens a node at depth t <= D and shows it is not what a
          tree of L chunks of the right widths has there: at t == D, j >= L a non-zero
          word; at t == D, j < L a zero word or a preimage that is not the leaf
          0x00 || j || 8 w_j bytes; at t < D a zero word or a preimage that is not a node
          0x01 || k words;
        * 4 commitment mismatch: the data root (the DA layer's commitment to the bytes the
          trainer published) is a tree of the SAME encoding as the update tree (leaves
          0x00 || j || bytes, docs/protocol.md), so an update is what was published iff
          the two roots are equal; `prove_mismatch` shows they differ, with no opening.
          Whoever holds the published bytes can therefore rebuild the whole update tree
          and open any node for the proofs 1, 2 and the norm game: nothing is withheld;
        * 3 L2 norm: the trainer must `defend_norm` with the root (hash, S) of the sum tree
          of its per-chunk sums of squares of x >> s, s = rescale_shift(norm_bound, d)
          (_intmath.py), with S < ((norm_bound >> s) + 1)^2 -- i.e. isqrt(S) << s <=
          norm_bound, clipping.py's test; then it `reveal`s the k children of the disputed
          node and the challenger `choose`s one, down to a chunk j, where `onestep`
          (anyone) opens chunk j and FoldVerifier.sum_step decides the claimed leaf.
        A proof that shows no violation reverts ("no violation"), a tampered opening
        reverts ("opening"). `settle` (anyone) after a clock ran out: the party to move
        loses; the challenger bears the burden of the proofs 1, 2, 4 and of the final
        one-step. `bind` requires the rollup's `verdict_clock_blocks` >= (2 D + 2) clock + 1.
"""

import merkle_lib

MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_PATH: constant(uint256) = 160
MAX_B: constant(uint256) = 512
MAX_PRE: constant(uint256) = 545
MAX_ABS: constant(int256) = 1099511627775
KIND_TRAINER: constant(uint256) = 2
ACTIVE: constant(uint256) = 1
# game phases
OPEN: constant(uint256) = 0
REVEAL: constant(uint256) = 1
CHOOSE: constant(uint256) = 2
LEAF: constant(uint256) = 3
DONE: constant(uint256) = 4

struct Dispute:
    kind: uint256
    subject: uint256
    trainer: address
    defender: address
    challenger: address
    bond_wei: uint256
    predicate: uint256
    moves_made: uint256
    deadline_block: uint256
    position: uint256
    commitment: bytes32
    status: uint256

struct Geo:
    n: uint256
    d: uint256
    chunk: uint256
    arity: uint256
    depth: uint256

struct Game:
    phase: uint256
    level: uint256
    pos: uint256
    node_h: bytes32
    node_v: int256
    deadline: uint256

interface IRollup:
    def disputes(did: uint256) -> Dispute: view
    def update_root(trainer: address, round: uint256) -> bytes32: view
    def data_root(trainer: address, round: uint256) -> bytes32: view
    def dispute_depth() -> uint256: view
    def verdict_clock_blocks() -> uint256: view
    def resolve(did: uint256, defender_wins: bool): nonpayable

interface IFold:
    def sum_step(g: Geo, mode: uint256, item: uint256, j: uint256, m_val: int256, m_root: bytes32,
                 cols_root: bytes32, cdata: Bytes[32800], col_sibs: DynArray[bytes32, 160],
                 center_root: bytes32, center: Bytes[544], center_sibs: DynArray[bytes32, 160],
                 claimed_hash: bytes32, claimed_value: int256) -> bool: view

event Revealed:
    dispute_id: indexed(uint256)
    level: uint256
    hashes: DynArray[bytes32, MAX_K]
    values: DynArray[int256, MAX_K]

event Verdict:
    dispute_id: indexed(uint256)
    predicate: uint256
    defender_wins: bool

deployer: immutable(address)
fold: public(immutable(address))
dim: public(immutable(uint256))
chunk: public(immutable(uint256))
arity: public(immutable(uint256))
depth: public(immutable(uint256))
leaves: public(immutable(uint256))
norm_bound: public(immutable(uint256))
clock_blocks: public(immutable(uint256))

rollup: public(address)
games: public(HashMap[uint256, Game])


@deploy
def __init__(_fold: address, _dim: uint256, _chunk: uint256, _arity: uint256, _norm_bound: uint256,
             _clock_blocks: uint256):
    assert _chunk >= 1 and _chunk <= MAX_C, "chunk"
    assert _arity == 2 or _arity == 4 or _arity == 8 or _arity == 16, "arity"
    assert _dim >= 1 and _norm_bound >= 1 and _clock_blocks >= 1, "zero parameter"
    assert _norm_bound < 2**63, "norm bound"  # FoldVerifier.sum_step takes tau as an int64 M
    deployer = msg.sender
    fold = _fold
    dim = _dim
    chunk = _chunk
    arity = _arity
    leaves = (_dim + _chunk - 1) // _chunk
    dep: uint256 = 1
    cap: uint256 = _arity
    for _: uint256 in range(40):
        if cap >= leaves:
            break
        dep += 1
        cap *= _arity
    depth = dep
    norm_bound = _norm_bound
    clock_blocks = _clock_blocks


@external
def bind(_rollup: address):
    """@notice Once, by the deployer: the rollup whose trainer disputes this contract decides."""
    assert msg.sender == deployer, "not deployer"
    assert self.rollup == empty(address), "already bound"
    assert staticcall IRollup(_rollup).dispute_depth() == 0, "rollup bisects itself"
    # the longest game: defend_norm, depth x (reveal, choose), onestep, each within a clock,
    # then settle one block later; a shorter verdict clock would let Rollup.timeout decide
    assert staticcall IRollup(_rollup).verdict_clock_blocks() >= (2 * depth + 2) * clock_blocks + 1, "verdict clock"
    self.rollup = _rollup


@internal
@view
def _dispute(did: uint256, predicate: uint256) -> Dispute:
    dsp: Dispute = staticcall IRollup(self.rollup).disputes(did)
    assert dsp.kind == KIND_TRAINER, "not a trainer dispute"
    assert dsp.status == ACTIVE, "dispute over"
    assert self.games[did].phase != DONE, "game over"
    assert predicate == 0 or dsp.predicate == predicate, "wrong predicate"
    return dsp


@internal
@view
def _opened(dsp: Dispute) -> uint256:
    return dsp.deadline_block - staticcall IRollup(self.rollup).verdict_clock_blocks()


@internal
@view
def _width(j: uint256) -> uint256:
    return min(chunk, dim - j * chunk)


@internal
def _verdict(did: uint256, dsp: Dispute, defender_wins: bool):
    self.games[did].phase = DONE
    log Verdict(dispute_id=did, predicate=dsp.predicate, defender_wins=defender_wins)
    extcall IRollup(self.rollup).resolve(did, defender_wins)


@internal
@view
def _open_chunk(dsp: Dispute, j: uint256, vals: Bytes[MAX_B], sibs: DynArray[bytes32, MAX_PATH]) -> bytes32:
    """Leaf j of the trainer's update tree from its chunk bytes (reverts otherwise)."""
    assert j < leaves, "index"
    assert len(vals) == 8 * self._width(j), "chunk"
    assert len(sibs) == depth * (arity - 1), "path"
    leaf: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), vals))
    root: bytes32 = staticcall IRollup(self.rollup).update_root(dsp.trainer, dsp.subject)
    assert merkle_lib._climb(leaf, j, sibs, 0, arity, depth) == root, "opening"
    return leaf


@external
def prove_range(did: uint256, j: uint256, vals: Bytes[MAX_B], sibs: DynArray[bytes32, MAX_PATH]):
    """@notice Predicate 1: chunk j holds a value with |q| > 2^40 - 1."""
    dsp: Dispute = self._dispute(did, 1)
    assert block.number <= self._opened(dsp) + clock_blocks, "clock expired"
    self._open_chunk(dsp, j, vals, sibs)
    buf: Bytes[MAX_B + 32] = concat(vals, empty(bytes32))
    bad: bool = False
    for c: uint256 in range(MAX_C):
        if c >= self._width(j):
            break
        v: int256 = merkle_lib._le64(extract32(buf, 8 * c, output_type=bytes32))
        if v > MAX_ABS or v < -MAX_ABS:
            bad = True
            break
    assert bad, "no violation"
    self._verdict(did, dsp, False)


@external
def prove_shape(did: uint256, t: uint256, j: uint256, h: bytes32, sibs: DynArray[bytes32, MAX_PATH],
                pre: Bytes[MAX_PRE]):
    """@notice Predicate 2: node j at depth t of the update tree is not what a tree of
    `leaves` chunks of the right widths holds there (see the contract doc)."""
    dsp: Dispute = self._dispute(did, 2)
    assert block.number <= self._opened(dsp) + clock_blocks, "clock expired"
    assert t <= depth, "depth"
    assert len(sibs) == t * (arity - 1), "path"
    root: bytes32 = staticcall IRollup(self.rollup).update_root(dsp.trainer, dsp.subject)
    assert merkle_lib._climb(h, j, sibs, 0, arity, t) == root, "opening"
    bad: bool = False
    if t == depth and j >= leaves:
        bad = h != empty(bytes32)
    elif h == empty(bytes32):
        bad = True
    else:
        assert sha256(pre) == h, "preimage"
        if t == depth:
            bad = len(pre) != 33 + 8 * self._width(j) or slice(pre, 0, 1) != b"\x00" \
                or extract32(pre, 1, output_type=uint256) != j
        else:
            bad = len(pre) != 1 + 32 * arity or slice(pre, 0, 1) != b"\x01"
    assert bad, "no violation"
    self._verdict(did, dsp, False)


@external
def prove_mismatch(did: uint256):
    """@notice Predicate 4: the update root is not the data root, i.e. the committed update
    is not the tree of the published bytes (both trees share one leaf encoding)."""
    dsp: Dispute = self._dispute(did, 4)
    assert block.number <= self._opened(dsp) + clock_blocks, "clock expired"
    droot: bytes32 = staticcall IRollup(self.rollup).data_root(dsp.trainer, dsp.subject)
    root: bytes32 = staticcall IRollup(self.rollup).update_root(dsp.trainer, dsp.subject)
    assert root != droot, "no violation"
    self._verdict(did, dsp, False)


@internal
@view
def _bound_sq() -> int256:
    """((norm_bound >> s) + 1)^2: a sum of squares S is valid iff S is below it."""
    s: uint256 = merkle_lib._shift(convert(norm_bound, int256), dim)
    r: int256 = convert(norm_bound >> s, int256) + 1
    return r * r


@external
@view
def bound_sq() -> int256:
    return self._bound_sq()


@external
def defend_norm(did: uint256, root_h: bytes32, root_v: int256):
    """@notice Predicate 3, by the trainer: the root of its sum tree, total below the bound."""
    dsp: Dispute = self._dispute(did, 3)
    assert self.games[did].phase == OPEN, "defended"
    assert msg.sender == dsp.defender, "not defender"
    assert block.number <= self._opened(dsp) + clock_blocks, "clock expired"
    assert root_v < self._bound_sq(), "norm above bound"
    self.games[did] = Game(phase=REVEAL, level=0, pos=0, node_h=root_h, node_v=root_v,
                           deadline=block.number + clock_blocks)


@internal
@pure
def _sum_node(hs: DynArray[bytes32, MAX_K], vs: DynArray[int256, MAX_K]) -> bytes32:
    ws: bytes32[32] = empty(bytes32[32])
    for q: uint256 in range(MAX_K):
        if q >= len(hs):
            break
        ws[2 * q] = hs[q]
        ws[2 * q + 1] = convert(vs[q], bytes32)
    return sha256(concat(b"\x02", slice(abi_encode(ws), 0, 64 * len(hs))))


@external
def reveal(did: uint256, hs: DynArray[bytes32, MAX_K], vs: DynArray[int256, MAX_K]):
    """@notice The trainer reveals the k children (hash, sum) of the disputed node."""
    dsp: Dispute = self._dispute(did, 3)
    g: Game = self.games[did]
    assert g.phase == REVEAL, "not reveal"
    assert msg.sender == dsp.defender, "not defender"
    assert block.number <= g.deadline, "clock expired"
    assert len(hs) == arity and len(vs) == arity, "arity"
    total: int256 = 0
    for v: int256 in vs:
        total += v
    assert total == g.node_v, "sum"
    assert self._sum_node(hs, vs) == g.node_h, "children"
    self.games[did].phase = CHOOSE
    self.games[did].deadline = block.number + clock_blocks
    log Revealed(dispute_id=did, level=g.level, hashes=hs, values=vs)


@external
def choose(did: uint256, index: uint256, hs: DynArray[bytes32, MAX_K], vs: DynArray[int256, MAX_K]):
    """@notice The challenger names the child it disputes (re-sending the revealed children)."""
    dsp: Dispute = self._dispute(did, 3)
    g: Game = self.games[did]
    assert g.phase == CHOOSE, "not choose"
    assert msg.sender == dsp.challenger, "not challenger"
    assert block.number <= g.deadline, "clock expired"
    assert len(hs) == arity and len(vs) == arity, "arity"
    assert index < arity, "bad index"
    assert self._sum_node(hs, vs) == g.node_h, "children"
    phase: uint256 = REVEAL
    if g.level + 1 == depth:
        phase = LEAF
    self.games[did] = Game(phase=phase, level=g.level + 1, pos=g.pos * arity + index, node_h=hs[index],
                           node_v=vs[index], deadline=block.number + clock_blocks)


@external
def onestep(did: uint256, vals: Bytes[MAX_B], sibs: DynArray[bytes32, MAX_PATH]):
    """@notice At chunk j: FoldVerifier.sum_step judges the trainer's claimed leaf (anyone)."""
    dsp: Dispute = self._dispute(did, 3)
    g: Game = self.games[did]
    assert g.phase == LEAF, "not at leaf"
    assert block.number <= g.deadline, "clock expired"
    ok: bool = False
    if g.pos >= leaves:
        ok = g.node_h == empty(bytes32) and g.node_v == 0
    else:
        leaf: bytes32 = self._open_chunk(dsp, g.pos, vals, sibs)
        col: bytes32 = sha256(concat(b"\x04", convert(g.pos, bytes32), leaf))
        tau: int256 = convert(norm_bound, int256)
        ok = staticcall IFold(fold).sum_step(
            Geo(n=1, d=dim, chunk=chunk, arity=arity, depth=0), 3, 0, g.pos, tau,
            merkle_lib._scalar_root(tau, arity), col, concat(vals, empty(bytes32)), [], empty(bytes32), b"", [],
            g.node_h, g.node_v)
    self._verdict(did, dsp, ok)


@external
def settle(did: uint256):
    """@notice After a clock ran out (anyone): the party to move loses; unproven claims of
    the challenger (predicates 1, 2, 4 and the final one-step) fail."""
    dsp: Dispute = self._dispute(did, 0)
    g: Game = self.games[did]
    deadline: uint256 = g.deadline
    if g.phase == OPEN:
        deadline = self._opened(dsp) + clock_blocks
    assert block.number > deadline, "clock running"
    defender_wins: bool = g.phase != REVEAL
    if g.phase == OPEN and dsp.predicate == 3:
        defender_wins = False
    self._verdict(did, dsp, defender_wins)
