# pragma version ~=0.4.3
"""
@title One-step verifier of the Map stages of the robust rules (orfl)
@notice Stateless, like FoldVerifier.vy: every root is an argument (the dispute game
        passes its agreed stage roots). `map_step` re-executes one Map stage of a trace
        program (mechanism/dispute/programs.py) on output chunk j from Merkle-opened
        inputs and returns whether the claimed output leaf is the honest one; it
        REVERTS on a malformed proof, exactly where mechanism/dispute/onestep.py
        `map_step` raises CommitmentError. The n input chunks j are proven by one
        opening of column leaf j, a centre vector chunk by its own opening, the small
        vector the stage reads (Krum's order, Bulyan's chosen rows, Weiszfeld weights,
        clip factors) whole against its root (chunk 1, arity k). Modes:
        0 zero:       out = 0                                 (centered clipping v_0)
        1 mean:       out = floor(sum_{i in S} x_i / |S|), S = the first m entries of
                      the vector (no vector: every row)       (Krum, Multi-Krum, z_0)
        2 weighted:   out = floor(sum_i w_i x_i / sum_i w_i)  (Weiszfeld z_{t+1})
        3 centered:   out = v + floor(sum_i ((x_i - v) c_i >> 20) / n)
                                                              (centered clipping v_{l+1})
        4 trimmed:    coordinate-wise trimmed mean (f per side) of the rows S = every
                      entry of the vector (no vector: every row)  (Bulyan's last stage)
        5 clip-trim:  trimmed mean (f per side) of the rows (x_i c_i) >> 20 (no vector:
                      x_i)                                    (mean / trimmed mean, clipped)
        6 clip-med:   median of the same rows                 (median, clipped)
        Order statistics (modes 4-6) are checked by counting, as in DisputeGame.onestep:
        per coordinate the caller names the rows holding the lo-th and hi-th order
        statistic (2 bytes). Rounding: floor division (mechanism/aggregation/_intmath.py).
        Encodings: mechanism/commitment.py (leaves 0x00, nodes 0x01, column leaves 0x04;
        little-endian int64 values).
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
MAX_DATA: constant(uint256) = 32800
MAX_VEC: constant(uint256) = 544
MAX_WIT: constant(uint256) = 160
M8: constant(uint256) = 71777214294589695
M16: constant(uint256) = 281470681808895
M64: constant(uint256) = 18446744073709551615
MIN64: constant(int256) = -9223372036854775808
MAX64: constant(int256) = 9223372036854775807
SCALE_BITS: constant(uint256) = 20


struct Geo:
    n: uint256
    d: uint256
    chunk: uint256
    arity: uint256
    depth: uint256


@internal
@pure
def _reduce(leaves: bytes32[MAX_N], m: uint256, k: uint256) -> bytes32:
    """Hash m <= 64 leaf hashes up to the root (a node over padding only is the pad hash)."""
    buf: bytes32[MAX_N] = leaves
    cnt: uint256 = m
    pad: bytes32 = empty(bytes32)
    for l: uint256 in range(MAX_DEPTH):
        if cnt == 1 and l > 0:
            break
        nxt: uint256 = (cnt + k - 1) // k
        for i: uint256 in range(MAX_N):
            if i >= nxt:
                break
            ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
            for q: uint256 in range(MAX_K):
                if q >= k:
                    break
                if i * k + q < cnt:
                    ws[q] = buf[i * k + q]
                else:
                    ws[q] = pad
            buf[i] = merkle_lib._hash_node(ws, k)
        pad = merkle_lib._pad_next(pad, k)
        cnt = nxt
    return buf[0]


@internal
@pure
def _small(g: Geo, vals: Bytes[MAX_VEC], m: uint256, root: bytes32) -> int256[MAX_N]:
    """The m packed int64 values of an agreed small vector, checked against its root."""
    assert m >= 1 and m <= MAX_N and len(vals) == 8 * m + 32, "vector length"
    leaves: bytes32[MAX_N] = empty(bytes32[MAX_N])
    out: int256[MAX_N] = empty(int256[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= m:
            break
        raw: uint256 = convert(extract32(vals, 8 * i, output_type=bytes32), uint256) >> 192
        leaves[i] = merkle_lib._small_leaf(i, raw)
        out[i] = merkle_lib._swap(raw)
    assert self._reduce(leaves, m, g.arity) == root, "vector root"
    return out


@internal
@pure
def _floordiv(a: int256, b: int256) -> int256:
    q: int256 = a // b
    if a % b != 0 and (a < 0) != (b < 0):
        q -= 1
    return q


@internal
@pure
def _put(words: uint256[16], c: uint256, v: int256) -> uint256[16]:
    """Write int64 v as little-endian bytes at value slot c of the packed output."""
    assert v >= MIN64 and v <= MAX64, "int64"
    u: uint256 = convert(convert(v, bytes32), uint256) & M64
    u = ((u & M8) << 8) | ((u >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    out: uint256[16] = words
    out[c // 4] |= u << (192 - 64 * (c % 4))
    return out


@internal
@pure
def _mask(vec: int256[MAX_N], cnt: uint256, n: uint256, strict: bool) -> uint256:
    """Bit i set iff row i is among the first cnt entries (each a row index < n;
    `strict`: no entry twice)."""
    mask: uint256 = 0
    for i: uint256 in range(MAX_N):
        if i >= cnt:
            break
        e: int256 = vec[i]
        assert e >= 0 and e < convert(n, int256), "row index"
        b: uint256 = 1 << convert(e, uint256)
        assert not strict or mask & b == 0, "row twice"
        mask |= b
    return mask


@internal
@pure
def _popcount(v: uint256) -> uint256:
    c: uint256 = 0
    u: uint256 = v
    for i: uint256 in range(MAX_N):
        if u == 0:
            break
        u &= u - 1
        c += 1
    return c


@external
@pure
def map_step(g: Geo, mode: uint256, f: uint256, m: uint256, j: uint256, cols_root: bytes32,
             cdata: Bytes[MAX_DATA], col_sibs: DynArray[bytes32, MAX_PATH], center_root: bytes32,
             center: Bytes[MAX_VEC], center_sibs: DynArray[bytes32, MAX_PATH], vec: Bytes[MAX_VEC],
             vec_len: uint256, vec_root: bytes32, wit: Bytes[MAX_WIT], claimed: bytes32) -> bool:
    """
    @notice True iff `claimed` is the honest output leaf j of this Map stage.
    @param mode the stage's arithmetic (see the contract notice); f the trim per side
           (modes 4, 5), m the rows taken from the vector (mode 1)
    @param cdata n input chunks j (8 * width bytes each, little-endian) + 32 padding bytes
    @param center the centre vector's chunk j + 32 padding bytes (mode 3 only)
    @param vec the small vector the stage reads (vec_len packed int64 + 32 padding
           bytes; vec_len 0: none)
    @param wit modes 4-6: per coordinate, the rows holding the lo-th and hi-th order
           statistic (1 byte each) + 32 padding bytes
    """
    if j >= (g.d + g.chunk - 1) // g.chunk:
        return claimed == empty(bytes32)
    assert mode <= 6, "mode"
    n: uint256 = g.n
    width: uint256 = min(g.chunk, g.d - j * g.chunk)
    nb: uint256 = 8 * width
    chunks: Bytes[MAX_DATA] = cdata  # one copy to memory: extract32 on calldata recopies
    assert len(chunks) == n * nb + 32, "chunks"
    jb: bytes32 = convert(j, bytes32)
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        hs[t] = sha256(concat(b"\x00", jb, slice(chunks, t * nb, nb)))
    assert len(col_sibs) == g.depth * (g.arity - 1), "path"
    col: bytes32 = sha256(concat(b"\x04", jb, slice(abi_encode(hs), 0, 32 * n)))
    assert merkle_lib._climb(col, j, col_sibs, 0, g.arity, g.depth) == cols_root, "column"
    cv: int256[MAX_C] = empty(int256[MAX_C])
    if mode == 3:
        assert len(center) == nb + 32 and len(center_sibs) == g.depth * (g.arity - 1), "center"
        leaf: bytes32 = sha256(concat(b"\x00", jb, slice(center, 0, nb)))
        assert merkle_lib._climb(leaf, j, center_sibs, 0, g.arity, g.depth) == center_root, "center"
        for c: uint256 in range(MAX_C):
            if c >= width:
                break
            cv[c] = merkle_lib._le64(extract32(center, 8 * c, output_type=bytes32))
    w: int256[MAX_N] = empty(int256[MAX_N])
    if vec_len > 0:
        w = self._small(g, vec, vec_len, vec_root)
    elif mode == 2 or mode == 3:
        assert False, "vector"
    if mode == 2 or mode == 3 or (mode >= 5 and vec_len > 0):
        assert vec_len == n, "vector length"
    # the rows the stage reads (modes 1, 4) and the order statistics (modes 4-6)
    rows: uint256 = (1 << n) - 1
    if mode == 1 and vec_len > 0:
        assert m >= 1 and m <= vec_len, "m"
        rows = self._mask(w, m, n, False)
    elif mode == 4 and vec_len > 0:
        rows = self._mask(w, vec_len, n, True)
    size: uint256 = self._popcount(rows)
    lo: uint256 = f
    hi: uint256 = 0
    if mode >= 4:
        if mode == 6:
            lo = (size - 1) // 2
            hi = size // 2
        else:
            assert size >= 2 * f + 1, "trim"
            hi = size - f - 1
        assert len(wit) == 2 * width + 32, "witness"
    wsum: int256 = 0
    if mode == 2:
        for t: uint256 in range(MAX_N):
            if t >= n:
                break
            wsum += w[t]
        assert wsum != 0, "weights"
    clip: bool = mode >= 5 and vec_len > 0
    words: uint256[16] = empty(uint256[16])
    for c: uint256 in range(MAX_C):
        if c >= width:
            break
        acc: int256 = 0
        if mode == 0:
            continue
        if mode <= 3:
            for t: uint256 in range(MAX_N):
                if t >= n:
                    break
                if (rows >> t) & 1 == 0:
                    continue
                v: int256 = merkle_lib._le64(extract32(chunks, t * nb + 8 * c, output_type=bytes32))
                if mode == 1:
                    acc += v
                elif mode == 2:
                    acc += v * w[t]
                else:
                    acc += ((v - cv[c]) * w[t]) >> SCALE_BITS
            if mode == 1:
                words = self._put(words, c, self._floordiv(acc, convert(size, int256)))
            elif mode == 2:
                words = self._put(words, c, self._floordiv(acc, wsum))
            else:
                words = self._put(words, c, cv[c] + self._floordiv(acc, convert(n, int256)))
            continue
        ab: uint256 = convert(extract32(wit, 2 * c, output_type=bytes32), uint256) >> 240
        ia: uint256 = ab >> 8
        ib: uint256 = ab & 255
        assert ia < n and ib < n and (rows >> ia) & 1 == 1 and (rows >> ib) & 1 == 1, "witness"
        a: int256 = merkle_lib._le64(extract32(chunks, ia * nb + 8 * c, output_type=bytes32))
        b: int256 = merkle_lib._le64(extract32(chunks, ib * nb + 8 * c, output_type=bytes32))
        if clip:
            a = (a * w[ia]) >> SCALE_BITS
            b = (b * w[ib]) >> SCALE_BITS
        assert a <= b, "witness"
        cl: uint256 = 0
        ca: uint256 = 0
        cg: uint256 = 0
        cb: uint256 = 0
        for t: uint256 in range(MAX_N):
            if t >= n:
                break
            if (rows >> t) & 1 == 0:
                continue
            v: int256 = merkle_lib._le64(extract32(chunks, t * nb + 8 * c, output_type=bytes32))
            if clip:
                v = (v * w[t]) >> SCALE_BITS
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
        # a, b are the lo-th and hi-th order statistics iff the counts bracket lo, hi
        assert cl <= lo and lo < cl + ca, "witness"
        assert cg <= size - 1 - hi and size - 1 - hi < cg + cb, "witness"
        if a == b:
            acc = convert(hi - lo + 1, int256) * a
        else:
            acc += convert(cl + ca - lo, int256) * a + convert(hi + 1 + cg + cb - size, int256) * b
        words = self._put(words, c, self._floordiv(acc, convert(hi - lo + 1, int256)))
    leaf: bytes32 = sha256(concat(b"\x00", jb, slice(abi_encode(words), 0, nb)))
    return leaf == claimed
