# pragma version ~=0.4.3
"""
@title Training dispute with a one-step verifier for fixed-point logistic regression (orfl)
@notice A trainer (proposer) posted the roots of every stage of its local SGD run
        (mechanism/training_proof/trace.py): per local step t the exact logits z_t
        (B*C values, one per leaf), the output errors e_t (B*C values) and the weights
        w_t (d values in chunks), then the update u = w_S - w_0. A challenger names the
        first stage it disputes; k-ary bisection descends that stage's tree to one leaf;
        the one-step re-executes it:
        * z item (b, c) is an additive Fold over the R = P / chunk feature chunks: the
          trainer reveals the item's value and the root of its per-chunk partial sums (a
          Merkle sum tree, docs/training_proof.md), the game descends that tree (every
          reveal checks the hash and the sum), and the one-step re-executes one chunk:
          chunk q of row c of w_{t-1} times chunk q of example b (cost independent of d);
        * e leaf (b, c): the agreed z_t[b, c] shifted by 8 bits, the PLAN sigmoid
          (Amin et al. 1997), minus the one-hot label of example b;
        * w chunk j: the chunk of w_{t-1}, the B errors e_t[b, row] and the B examples'
          feature chunks; w' = clamp(w - floor(((sum_b e_b x_b) >> 8) lr_q / (B 2^16)));
        * u chunk j: w_S - w_0.
        Encodings are mechanism/commitment.py's (leaves 0x00, nodes 0x01, sum nodes 0x02,
        sum leaves 0x03) and mechanism/training_proof/commit.py's (example leaves 0x05);
        values are little-endian int64; shifts are arithmetic (floor), divisions floor.
        Size bounds are compile-time constants (the driver sets them to fit a model).
        The e and w one-steps of both models do not fit one contract under the EIP-170
        code-size limit (24,576 bytes), so the driver compiles one variant per model: it
        keeps the lines between "@model <kind> begin" and "@model <kind> end" of that
        model and drops the other model's block; everything else is shared.
"""

import merkle_lib

MAX_K: constant(uint256) = 16
MAX_DEPTH: constant(uint256) = 40
MAX_STAGES: constant(uint256) = 512
MAX_PATH: constant(uint256) = 2048
MAX_DATA: constant(uint256) = 8224
MAX_B: constant(uint256) = 64
MAX_LOOP: constant(uint256) = 4096
MAX_C: constant(uint256) = 64

OPEN: constant(uint256) = 0
REVEAL: constant(uint256) = 1
CHOOSE: constant(uint256) = 2
ONESTEP: constant(uint256) = 3
DONE: constant(uint256) = 4
ITEM: constant(uint256) = 5

ONE: constant(int256) = 1048576
WMAX: constant(int256) = 33554431
AMAX: constant(int256) = 1073741823

event Finished:
    winner: address
    reason: String[32]

proposer: public(address)
challenger: public(address)
stage_roots: public(DynArray[bytes32, MAX_STAGES])
start_root: public(bytes32)
data_root: public(bytes32)
seed: public(bytes32)
m: public(uint256)
classes: public(uint256)
hidden: public(uint256)
l1: public(uint256)
row2: public(uint256)
row: public(uint256)
d: public(uint256)
chunk: public(uint256)
arity: public(uint256)
batch: public(uint256)
steps: public(uint256)
lr_q: public(int256)
clock: public(uint256)

phase: public(uint256)
stage: public(uint256)
#: 1 + the stage a locate phase (TraceLocate.vy) found: only it may be challenged;
#: 0 when every stage root was posted and any stage may be.
located: public(uint256)
node: public(bytes32)
node_sum: public(int256)
in_sum: public(bool)
item: public(uint256)
level: public(uint256)
pos: public(uint256)
deadline: public(uint256)
winner: public(address)


@deploy
def __init__(proposer: address, challenger: address, stage_roots: DynArray[bytes32, MAX_STAGES],
             start_root: bytes32, data_root: bytes32, seed: bytes32, m: uint256, classes: uint256,
             row: uint256, chunk: uint256, arity: uint256, batch: uint256, steps: uint256, lr_q: int256,
             clock: uint256, hidden: uint256, row2: uint256, located: uint256):
    assert arity in [2, 4, 8, 16], "arity"
    assert chunk >= 1 and chunk <= MAX_C and row % chunk == 0, "chunk"
    assert len(stage_roots) == 3 * steps + 1, "stages"
    assert batch >= 1 and batch <= MAX_B and m >= 1, "batch"
    self.proposer = proposer
    self.challenger = challenger
    self.stage_roots = stage_roots
    self.start_root = start_root
    self.data_root = data_root
    self.seed = seed
    self.m = m
    self.classes = classes
    self.hidden = hidden
    self.row2 = row2
    l1: uint256 = classes
    if hidden > 0:
        l1 = hidden
        assert row2 % chunk == 0 and row2 > hidden and row2 <= 128, "row2"
    self.l1 = l1
    self.row = row
    self.d = l1 * row + classes * row2
    self.chunk = chunk
    self.arity = arity
    self.batch = batch
    self.steps = steps
    self.lr_q = lr_q
    self.clock = clock
    self.located = located
    self.phase = OPEN
    self.deadline = block.number + clock


# ------------------------------------------------------------------ helpers

@internal
@pure
def _depth(leaves: uint256, k: uint256) -> uint256:
    dep: uint256 = 1
    cap: uint256 = k
    for i: uint256 in range(MAX_DEPTH):
        if cap >= leaves:
            break
        dep += 1
        cap *= k
    return dep


@internal
@view
def _leaves(s: uint256) -> uint256:
    if s < 3 * self.steps and s % 3 == 0:
        return self.batch * self.l1
    if s < 3 * self.steps and s % 3 == 1:
        return self.batch * self.classes
    return (self.d + self.chunk - 1) // self.chunk


@internal
@pure
def _climb(leaf: bytes32, j: uint256, sibs: DynArray[bytes32, MAX_PATH], off: uint256, k: uint256,
           dep: uint256) -> bytes32:
    assert off + dep * (k - 1) <= len(sibs), "path"
    h: bytes32 = leaf
    p: uint256 = j
    for l: uint256 in range(MAX_DEPTH):
        if l >= dep:
            break
        ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
        at: uint256 = p % k
        s: uint256 = off + l * (k - 1)
        for q: uint256 in range(MAX_K):
            if q >= k:
                break
            if q < at:
                ws[q] = sibs[s + q]
            elif q == at:
                ws[q] = h
            else:
                ws[q] = sibs[s + q - 1]
        h = merkle_lib._hash_node(ws, k)
        p = p // k
    assert p == 0, "index"
    return h


@internal
@pure
def _val(buf: Bytes[MAX_DATA], i: uint256) -> int256:
    return merkle_lib._le64(extract32(buf, 8 * i, output_type=bytes32))


@internal
@pure
def _sigmoid(z: int256) -> int256:
    a: int256 = abs(z)
    y: int256 = 0
    if a >= 5 * ONE:
        y = ONE
    elif a >= 2490368:
        y = (a >> 5) + 884736
    elif a >= ONE:
        y = (a >> 3) + 655360
    else:
        y = (a >> 2) + 524288
    if z < 0:
        return ONE - y
    return y


@internal
@pure
def _floordiv(a: int256, b: int256) -> int256:
    q: int256 = a // b
    if a % b != 0 and a < 0:
        q -= 1
    return q


@internal
@view
def _example_pos(t: uint256, b: uint256) -> uint256:
    return convert(sha256(concat(self.seed, convert(t, bytes32), convert(b, bytes32))), uint256) % self.m


@internal
@view
def _prev_root(s: uint256) -> bytes32:
    """Root of w_{t-1} for stage s of step t (the start root for step 1)."""
    if s < 3:
        return self.start_root
    return self.stage_roots[3 * (s // 3) - 1]


@internal
@view
def _open_example(pos: uint256, label: int256, froot: bytes32, dsibs: DynArray[bytes32, MAX_PATH],
                  off: uint256):
    leaf: bytes32 = sha256(concat(b"\x05", convert(pos, bytes32), merkle_lib._le8(label), froot))
    dd: uint256 = self._depth(self.m, self.arity)
    assert self._climb(leaf, pos, dsibs, off, self.arity, dd) == self.data_root, "example"


@internal
@view
def _open(vals: Bytes[MAX_DATA], first: uint256, n: uint256, width: uint256, idx0: uint256, stride: uint256,
          sibs: DynArray[bytes32, MAX_PATH], off: uint256, root: bytes32, dep: uint256):
    """Open n leaves of `width` values each, vals[first + q * width ..], at indices
    idx0 + q * stride, paths back to back in sibs (q-th path at off + q * dep * (k - 1))."""
    k: uint256 = self.arity
    for q: uint256 in range(MAX_LOOP):
        if q >= n:
            break
        i: uint256 = idx0 + q * stride
        h: bytes32 = sha256(concat(b"\x00", convert(i, bytes32), slice(vals, 8 * (first + q * width), 8 * width)))
        assert self._climb(h, i, sibs, off + q * dep * (k - 1), k, dep) == root, "leaf"


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
def _verdict(leaf: bytes32):
    if leaf == self.node:
        self._finish(self.proposer, "one-step: claim correct")
    else:
        self._finish(self.challenger, "one-step: claim wrong")


@internal
@view
def _check_turn(who: address, ph: uint256):
    assert self.phase == ph, "phase"
    assert msg.sender == who, "turn"
    assert block.number <= self.deadline, "late"


@internal
def _padding() -> bool:
    if self.pos < self._leaves(self.stage):
        return False
    if self.node == empty(bytes32):
        self._finish(self.proposer, "one-step: padding")
    else:
        self._finish(self.challenger, "one-step: padding")
    return True


# ------------------------------------------------------------------ bisection

@external
def challenge(s: uint256):
    """@notice Dispute stage s (every earlier stage root is agreed)."""
    self._check_turn(self.challenger, OPEN)
    assert s < len(self.stage_roots) and (self.located == 0 or s + 1 == self.located), "stage"
    self.stage = s
    self.in_sum = False
    self.node = self.stage_roots[s]
    self.level = self._depth(self._leaves(s), self.arity)
    self.pos = 0
    self._move(REVEAL)


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
    return merkle_lib._hash_node(ws, k)


@internal
@view
def _sum_hash(hashes: DynArray[bytes32, MAX_K], sums: DynArray[int256, MAX_K]) -> (bytes32, int256):
    """sum node: (sha256(0x02 || h_1 || int256_be(s_1) || ... ), sum s_i)."""
    k: uint256 = self.arity
    assert len(hashes) == k and len(sums) == k, "arity"
    ws: bytes32[32] = empty(bytes32[32])
    tot: int256 = 0
    for q: uint256 in range(MAX_K):
        if q >= k:
            break
        ws[2 * q] = hashes[q]
        ws[2 * q + 1] = convert(sums[q], bytes32)
        tot += sums[q]
    return sha256(concat(b"\x02", slice(abi_encode(ws), 0, 64 * k))), tot


@internal
@view
def _check_sums(hashes: DynArray[bytes32, MAX_K], sums: DynArray[int256, MAX_K]):
    h: bytes32 = empty(bytes32)
    tot: int256 = 0
    h, tot = self._sum_hash(hashes, sums)
    assert h == self.node and tot == self.node_sum, "children"


@external
def reveal(children: DynArray[bytes32, MAX_K]):
    self._check_turn(self.proposer, REVEAL)
    assert not self.in_sum, "tree"
    assert self._children_hash(children) == self.node, "children"
    self._move(CHOOSE)


@external
def choose(i: uint256, children: DynArray[bytes32, MAX_K]):
    self._check_turn(self.challenger, CHOOSE)
    assert not self.in_sum, "tree"
    assert i < self.arity, "index"
    assert self._children_hash(children) == self.node, "children"
    self.node = children[i]
    self.pos = self.pos * self.arity + i
    self.level -= 1
    if self.level > 0:
        self._move(REVEAL)
    elif self._is_fold(self.stage):
        self._move(ITEM)
        if self.pos >= self._leaves(self.stage):
            if self.node == empty(bytes32):
                self._finish(self.proposer, "padding item leaf")
            else:
                self._finish(self.challenger, "padding item leaf")
        self.item = self.pos
    else:
        self._move(ONESTEP)


@internal
@view
def _is_fold(s: uint256) -> bool:
    return s < 3 * self.steps and s % 3 == 0


@external
def reveal_item(total: int256, root_hash: bytes32, root_sum: int256):
    """@notice Open z item `item` and commit the root of its per-chunk partial sums."""
    self._check_turn(self.proposer, ITEM)
    leaf: bytes32 = sha256(concat(b"\x00", convert(self.item, bytes32), merkle_lib._le8(total)))
    assert leaf == self.node, "item"
    assert root_sum == total, "total"
    self.in_sum = True
    self.node = root_hash
    self.node_sum = root_sum
    self.pos = 0
    self.level = self._depth(self.row // self.chunk, self.arity)
    self._move(REVEAL)


@external
def reveal_sums(hashes: DynArray[bytes32, MAX_K], sums: DynArray[int256, MAX_K]):
    self._check_turn(self.proposer, REVEAL)
    assert self.in_sum, "tree"
    self._check_sums(hashes, sums)
    self._move(CHOOSE)


@external
def choose_sum(i: uint256, hashes: DynArray[bytes32, MAX_K], sums: DynArray[int256, MAX_K]):
    self._check_turn(self.challenger, CHOOSE)
    assert self.in_sum, "tree"
    assert i < self.arity, "index"
    self._check_sums(hashes, sums)
    self.node = hashes[i]
    self.node_sum = sums[i]
    self.pos = self.pos * self.arity + i
    self.level -= 1
    if self.level > 0:
        self._move(REVEAL)
    else:
        self._move(ONESTEP)


@external
def timeout():
    assert self.phase != DONE, "done"
    assert block.number > self.deadline, "early"
    if self.phase == REVEAL or self.phase == ITEM:
        self._finish(self.challenger, "proposer timeout")
    else:
        self._finish(self.proposer, "challenger timeout")


# ------------------------------------------------------------------ one-steps

@external
def onestep_z(wc: Bytes[MAX_DATA], wsibs: DynArray[bytes32, MAX_PATH], xc: Bytes[MAX_DATA],
              xsibs: DynArray[bytes32, MAX_PATH], label: int256, froot: bytes32,
              dsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice Partial sum q of z item (b, c) of step t: chunk q of row c of w_{t-1} and
            chunk q of example b (chunk values each, little-endian, + 32 padding bytes),
            their openings (state tree, feature tree) and the example leaf's opening
            under the data root. The claimed sum leaf is (node, node_sum).
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert self.in_sum and self._is_fold(s), "stage"
    ch: uint256 = self.chunk
    R: uint256 = self.row // ch
    q: uint256 = self.pos
    if q >= R:
        if self.node == empty(bytes32) and self.node_sum == 0:
            self._finish(self.proposer, "one-step: padding")
        else:
            self._finish(self.challenger, "one-step: padding")
        return
    b: uint256 = self.item // self.l1
    c: uint256 = self.item % self.l1
    t: uint256 = s // 3 + 1
    k: uint256 = self.arity
    nb: uint256 = 8 * ch
    assert len(wc) == nb + 32 and len(xc) == nb + 32, "sizes"
    dw: uint256 = self._depth((self.d + ch - 1) // ch, k)
    pos: uint256 = self._example_pos(t, b)
    self._open_example(pos, label, froot, dsibs, 0)
    self._open(wc, 0, 1, ch, c * R + q, 1, wsibs, 0, self._prev_root(s), dw)
    self._open(xc, 0, 1, ch, q, 1, xsibs, 0, froot, self._depth(R, k))
    acc: int256 = 0
    for i: uint256 in range(MAX_C):
        if i >= ch:
            break
        acc += self._val(wc, i) * self._val(xc, i)
    h: bytes32 = sha256(concat(b"\x03", convert(q, bytes32), convert(acc, bytes32)))
    if h == self.node and acc == self.node_sum:
        self._finish(self.proposer, "one-step: claim correct")
    else:
        self._finish(self.challenger, "one-step: claim wrong")


# @model logreg begin
@external
def onestep_e(z: int256, zsibs: DynArray[bytes32, MAX_PATH], label: int256, froot: bytes32,
              dsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice Error leaf (b, c) of step t: the agreed logit z_t[b, c] opened under z_t's
            root, and example b's label (its leaf opened under the data root).
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s < 3 * self.steps and s % 3 == 1 and self.hidden == 0, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    b: uint256 = j // self.classes
    c: uint256 = j % self.classes
    t: uint256 = s // 3 + 1
    zl: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), merkle_lib._le8(z)))
    assert self._climb(zl, j, zsibs, 0, self.arity, self._depth(self.batch * self.classes, self.arity)) \
        == self.stage_roots[s - 1], "logit"
    self._open_example(self._example_pos(t, b), label, froot, dsibs, 0)
    e: int256 = self._sigmoid(z >> 8)
    if convert(c, int256) == label:
        e -= ONE
    self._verdict(sha256(concat(b"\x00", convert(j, bytes32), merkle_lib._le8(e))))


@external
def onestep_w(old: Bytes[MAX_DATA], osibs: DynArray[bytes32, MAX_PATH], es: Bytes[MAX_DATA],
              esibs: DynArray[bytes32, MAX_PATH], xs: Bytes[MAX_DATA], xsibs: DynArray[bytes32, MAX_PATH],
              labels: Bytes[MAX_DATA], froots: DynArray[bytes32, MAX_B], dsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice Weight chunk j of step t: the chunk of w_{t-1}; the B errors e_t[b, row]
            (8 bytes each) with their openings; the B examples' feature chunks (each
            the chunk's width), their labels and feature roots, each opened back to back.
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s < 3 * self.steps and s % 3 == 2 and self.hidden == 0, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    t: uint256 = s // 3 + 1
    ch: uint256 = self.chunk
    k: uint256 = self.arity
    B: uint256 = self.batch
    C: uint256 = self.classes
    lo: uint256 = j * ch
    width: uint256 = min(ch, self.d - lo)
    r: uint256 = lo // self.row
    q: uint256 = (lo % self.row) // ch
    nb: uint256 = 8 * width
    assert len(old) == nb + 32 and len(es) == 8 * B + 32 and len(xs) == B * nb + 32, "sizes"
    assert len(labels) == 8 * B + 32 and len(froots) == B, "sizes"
    dw: uint256 = self._depth((self.d + ch - 1) // ch, k)
    de: uint256 = self._depth(B * C, k)
    dx: uint256 = self._depth(self.row // ch, k)
    dd: uint256 = self._depth(self.m, k)
    ol: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), slice(old, 0, nb)))
    assert self._climb(ol, j, osibs, 0, k, dw) == self._prev_root(s), "weights"
    eroot: bytes32 = self.stage_roots[s - 1]
    for b: uint256 in range(MAX_B):
        if b >= B:
            break
        el: bytes32 = sha256(concat(b"\x00", convert(b * C + r, bytes32), slice(es, 8 * b, 8)))
        assert self._climb(el, b * C + r, esibs, b * de * (k - 1), k, de) == eroot, "errors"
        pos: uint256 = self._example_pos(t, b)
        self._open_example(pos, self._val(labels, b), froots[b], dsibs, b * dd * (k - 1))
        xl: bytes32 = sha256(concat(b"\x00", convert(q, bytes32), slice(xs, b * nb, nb)))
        assert self._climb(xl, q, xsibs, b * dx * (k - 1), k, dx) == froots[b], "features"
    out: uint256[16] = empty(uint256[16])
    den: int256 = convert(B << 16, int256)
    for i: uint256 in range(MAX_C):
        if i >= width:
            break
        g: int256 = 0
        for b: uint256 in range(MAX_B):
            if b >= B:
                break
            g += self._val(es, b) * self._val(xs, b * width + i)
        w: int256 = self._val(old, i) - self._floordiv((g >> 8) * self.lr_q, den)
        w = min(max(w, -WMAX), WMAX)
        out[i // 4] |= convert(merkle_lib._le8(w), uint256) << (192 - 64 * (i % 4))
    self._verdict(sha256(concat(b"\x00", convert(j, bytes32), slice(abi_encode(out), 0, nb))))


# @model logreg end


@external
def onestep_u(ws: Bytes[MAX_DATA], wsibs: DynArray[bytes32, MAX_PATH], w0: Bytes[MAX_DATA],
              w0sibs: DynArray[bytes32, MAX_PATH]):
    """@notice Update chunk j: chunk j of w_S minus chunk j of w_0."""
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s == 3 * self.steps, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    ch: uint256 = self.chunk
    k: uint256 = self.arity
    width: uint256 = min(ch, self.d - j * ch)
    nb: uint256 = 8 * width
    assert len(ws) == nb + 32 and len(w0) == nb + 32, "sizes"
    dw: uint256 = self._depth((self.d + ch - 1) // ch, k)
    self._open(ws, 0, 1, width, j, 1, wsibs, 0, self.stage_roots[s - 1], dw)
    self._open(w0, 0, 1, width, j, 1, w0sibs, 0, self.start_root, dw)
    out: uint256[16] = empty(uint256[16])
    for i: uint256 in range(MAX_C):
        if i >= width:
            break
        v: int256 = self._val(ws, i) - self._val(w0, i)
        out[i // 4] |= convert(merkle_lib._le8(v), uint256) << (192 - 64 * (i % 4))
    self._verdict(sha256(concat(b"\x00", convert(j, bytes32), slice(abi_encode(out), 0, nb))))


# @model mlp begin
# ------------------------------------------------------------------ MLP one-steps
# (hidden > 0: W1 has `hidden` rows of `row` weights, then W2 has `classes` rows of
# `row2` weights; the hidden pre-activation is a = clamp(z >> 8, AMAX), its input to the
# output layer relu(a); docs/training_proof.md, "Rounding rules")

@internal
@pure
def _relu_act(z: int256) -> int256:
    return max(min(z >> 8, AMAX), 0)


@external
def onestep_e2(w2: Bytes[MAX_DATA], wsibs: DynArray[bytes32, MAX_PATH], zs: Bytes[MAX_DATA],
               zsibs: DynArray[bytes32, MAX_PATH], label: int256, froot: bytes32,
               dsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice MLP error leaf (b, c): row c of W2 (row2 values, its row2 / chunk chunks opened
            back to back under w_{t-1}), the H agreed z_t[b, h] (one leaf each) and the
            label of example b; e = sigmoid((W2_c . [ONE, relu(a_b), 0..]) >> 20) - onehot.
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s < 3 * self.steps and s % 3 == 1 and self.hidden > 0, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    C: uint256 = self.classes
    H: uint256 = self.hidden
    b: uint256 = j // C
    c: uint256 = j % C
    ch: uint256 = self.chunk
    k: uint256 = self.arity
    P2: uint256 = self.row2
    assert len(w2) == 8 * P2 + 32 and len(zs) == 8 * H + 32, "sizes"
    dw: uint256 = self._depth((self.d + ch - 1) // ch, k)
    self._open(w2, 0, P2 // ch, ch, (self.l1 * self.row + c * P2) // ch, 1, wsibs, 0, self._prev_root(s), dw)
    self._open(zs, 0, H, 1, b * H, 1, zsibs, 0, self.stage_roots[s - 1], self._depth(self.batch * H, k))
    self._open_example(self._example_pos(s // 3 + 1, b), label, froot, dsibs, 0)
    acc: int256 = self._val(w2, 0) * ONE
    for h: uint256 in range(MAX_LOOP):
        if h >= H:
            break
        acc += self._val(w2, h + 1) * self._relu_act(self._val(zs, h))
    e: int256 = self._sigmoid(acc >> 20)
    if convert(c, int256) == label:
        e -= ONE
    self._verdict(sha256(concat(b"\x00", convert(j, bytes32), merkle_lib._le8(e))))


@internal
@view
def _update_hash(j: uint256, old: Bytes[MAX_DATA], width: uint256, gs: int256[64]) -> bytes32:
    """Leaf of chunk j after w' = clamp(w - floor(g lr_q / (B 2^16))) (g already shifted)."""
    out: uint256[16] = empty(uint256[16])
    den: int256 = convert(self.batch << 16, int256)
    for i: uint256 in range(MAX_C):
        if i >= width:
            break
        w: int256 = self._val(old, i) - self._floordiv(gs[i] * self.lr_q, den)
        w = min(max(w, -WMAX), WMAX)
        out[i // 4] |= convert(merkle_lib._le8(w), uint256) << (192 - 64 * (i % 4))
    return sha256(concat(b"\x00", convert(j, bytes32), slice(abi_encode(out), 0, 8 * width)))


@external
def onestep_w2(old: Bytes[MAX_DATA], osibs: DynArray[bytes32, MAX_PATH], es: Bytes[MAX_DATA],
               esibs: DynArray[bytes32, MAX_PATH], zs: Bytes[MAX_DATA], zsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice MLP weight chunk j inside W2 row r: the chunk of w_{t-1}; the B errors
            e_t[b, r]; for each b the agreed z_t[b, h] of the hidden units whose inputs
            the chunk's columns multiply (h = col - 1 for 1 <= col <= H), B groups back to
            back. Inputs are at 20 fractional bits: g = (sum_b e_b hin_b) >> 20.
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s < 3 * self.steps and s % 3 == 2 and self.hidden > 0, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    ch: uint256 = self.chunk
    k: uint256 = self.arity
    B: uint256 = self.batch
    C: uint256 = self.classes
    H: uint256 = self.hidden
    lo: uint256 = j * ch
    off: uint256 = self.l1 * self.row
    assert lo >= off, "layer"
    width: uint256 = min(ch, self.d - lo)
    r: uint256 = (lo - off) // self.row2
    col0: uint256 = (lo - off) % self.row2
    hlo: uint256 = max(col0, 1) - 1
    hhi: uint256 = min(col0 + width, H + 1) - 1
    nz: uint256 = 0
    if hhi > hlo:
        nz = hhi - hlo
    assert len(old) == 8 * width + 32 and len(es) == 8 * B + 32 and len(zs) == 8 * B * nz + 32, "sizes"
    self._open(old, 0, 1, width, j, 1, osibs, 0, self._prev_root(s), self._depth((self.d + ch - 1) // ch, k))
    de: uint256 = self._depth(B * C, k)
    dz: uint256 = self._depth(B * H, k)
    zroot: bytes32 = self.stage_roots[s - 2]
    for b: uint256 in range(MAX_B):
        if b >= B:
            break
        self._open(es, b, 1, 1, b * C + r, 1, esibs, b * de * (k - 1), self.stage_roots[s - 1], de)
        self._open(zs, b * nz, nz, 1, b * H + hlo, 1, zsibs, b * nz * dz * (k - 1), zroot, dz)
    gs: int256[64] = empty(int256[64])
    for i: uint256 in range(MAX_C):
        if i >= width:
            break
        col: uint256 = col0 + i
        g: int256 = 0
        for b: uint256 in range(MAX_B):
            if b >= B:
                break
            x: int256 = 0
            if col == 0:
                x = ONE
            elif col <= H:
                x = self._relu_act(self._val(zs, b * nz + col - 1 - hlo))
            g += self._val(es, b) * x
        gs[i] = g >> 20
    self._verdict(self._update_hash(j, old, width, gs))


@external
def onestep_w1(old: Bytes[MAX_DATA], osibs: DynArray[bytes32, MAX_PATH], w2c: Bytes[MAX_DATA],
               w2sibs: DynArray[bytes32, MAX_PATH], es: Bytes[MAX_DATA], esibs: DynArray[bytes32, MAX_PATH],
               zs: Bytes[MAX_DATA], zsibs: DynArray[bytes32, MAX_PATH], xs: Bytes[MAX_DATA],
               xsibs: DynArray[bytes32, MAX_PATH], labels: Bytes[MAX_DATA], froots: DynArray[bytes32, MAX_B],
               dsibs: DynArray[bytes32, MAX_PATH]):
    """
    @notice MLP weight chunk j inside W1 row r: the chunk of w_{t-1}; the C chunks of
            w_{t-1} holding W2[c, 1 + r]; all B*C errors; the B agreed z_t[b, r]; the B
            examples' feature chunks with labels, feature roots and data openings.
            coef_b = [a_br > 0] ((sum_c W2[c, 1 + r] e_bc) >> 20); g = (sum_b coef_b x_b) >> 8.
    """
    self._check_turn(self.challenger, ONESTEP)
    s: uint256 = self.stage
    assert s < 3 * self.steps and s % 3 == 2 and self.hidden > 0, "stage"
    if self._padding():
        return
    j: uint256 = self.pos
    t: uint256 = s // 3 + 1
    ch: uint256 = self.chunk
    k: uint256 = self.arity
    B: uint256 = self.batch
    C: uint256 = self.classes
    H: uint256 = self.hidden
    lo: uint256 = j * ch
    assert lo < H * self.row, "layer"
    width: uint256 = ch
    nb: uint256 = 8 * ch
    r: uint256 = lo // self.row
    q: uint256 = (lo % self.row) // ch
    assert len(old) == nb + 32 and len(w2c) == C * nb + 32 and len(es) == 8 * B * C + 32, "sizes"
    assert len(zs) == 8 * B + 32 and len(xs) == B * nb + 32 and len(labels) == 8 * B + 32, "sizes"
    assert len(froots) == B, "sizes"
    dw: uint256 = self._depth((self.d + ch - 1) // ch, k)
    prev: bytes32 = self._prev_root(s)
    self._open(old, 0, 1, ch, j, 1, osibs, 0, prev, dw)
    at: uint256 = H * self.row + 1 + r
    self._open(w2c, 0, C, ch, at // ch, self.row2 // ch, w2sibs, 0, prev, dw)
    de: uint256 = self._depth(B * C, k)
    dz: uint256 = self._depth(B * H, k)
    dx: uint256 = self._depth(self.row // ch, k)
    dd: uint256 = self._depth(self.m, k)
    self._open(es, 0, B * C, 1, 0, 1, esibs, 0, self.stage_roots[s - 1], de)
    self._open(zs, 0, B, 1, r, H, zsibs, 0, self.stage_roots[s - 2], dz)
    coefs: int256[MAX_B] = empty(int256[MAX_B])
    for b: uint256 in range(MAX_B):
        if b >= B:
            break
        self._open_example(self._example_pos(t, b), self._val(labels, b), froots[b], dsibs, b * dd * (k - 1))
        xl: bytes32 = sha256(concat(b"\x00", convert(q, bytes32), slice(xs, b * nb, nb)))
        assert self._climb(xl, q, xsibs, b * dx * (k - 1), k, dx) == froots[b], "features"
        if self._relu_act(self._val(zs, b)) > 0:
            acc: int256 = 0
            for c: uint256 in range(MAX_C):
                if c >= C:
                    break
                acc += self._val(w2c, c * ch + at % ch) * self._val(es, b * C + c)
            coefs[b] = acc >> 20
    gs: int256[64] = empty(int256[64])
    for i: uint256 in range(MAX_C):
        if i >= width:
            break
        g: int256 = 0
        for b: uint256 in range(MAX_B):
            if b >= B:
                break
            g += coefs[b] * self._val(xs, b * width + i)
        gs[i] = g >> 8
    self._verdict(self._update_hash(j, old, width, gs))
# @model mlp end
