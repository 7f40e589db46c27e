# pragma version ~=0.4.3
"""
@title One-step verifier for Fold and max steps (orfl)
@notice Stateless: every root a step is checked against is an argument (the dispute game
        passes its agreed stage roots). Mirrors mechanism/dispute/onestep.py: a function
        returns the verdict on the proposer's claim and REVERTS on a malformed proof (a
        tampered opening), exactly where the Python verifier raises CommitmentError.
        * sum_step: one chunk of an additive Fold (squared distances / norms of rescaled
          operands, mechanism/aggregation/_intmath.py); the n input chunks are proven by
          one opening of column leaf j, a centre vector chunk by its own opening, the
          global scalar M (an int64) by its one-leaf commitment; s = rescale_shift(M, d).
          mode 0: item p = pair (a < b):  sum ((x_a >> s) - (x_b >> s))^2
          mode 1: item a, centre z:        sum ((x_a >> s) - (z >> s))^2
          mode 2: item a, centre v:        sum ((x_a - v) >> s)^2
          mode 3: item a, no centre:       sum (x_a >> s)^2
        * max_witness: max |x| (mode 0) or max |x - v| (mode 2) over an opened chunk.
        Krum's selection step is KrumVerifier.vy; shared helpers are merkle_lib.vy.
        Encodings: mechanism/commitment.py (leaves 0x00, nodes 0x01, sum leaves 0x03,
        column leaves 0x04; little-endian int64 values).
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
MAX_DATA: constant(uint256) = 32800
MAX_VEC: constant(uint256) = 544
M8: constant(uint256) = 71777214294589695
M16: constant(uint256) = 281470681808895
M64: constant(uint256) = 18446744073709551615
MIN64: constant(int256) = -9223372036854775808
MAX64: constant(int256) = 9223372036854775807


struct Geo:
    n: uint256
    d: uint256
    chunk: uint256
    arity: uint256
    depth: uint256


@internal
@pure
def _word_vals(w: bytes32) -> int256[4]:
    """The four little-endian int64 values packed in one 32-byte word."""
    out: int256[4] = empty(int256[4])
    for r: uint256 in range(4):
        u: uint256 = (convert(w, uint256) >> (192 - 64 * r)) & M64
        u = ((u & M8) << 8) | ((u >> 8) & M8)
        u = ((u & M16) << 16) | ((u >> 16) & M16)
        u = ((u << 32) | (u >> 32)) & M64
        out[r] = convert(convert(u << 192, bytes32), int256) >> 192
    return out


@internal
@pure
def _width(g: Geo, j: uint256) -> uint256:
    L: uint256 = (g.d + g.chunk - 1) // g.chunk
    assert j < L, "range"
    return min(g.chunk, g.d - j * g.chunk)


@internal
@pure
def _open_cols(g: Geo, j: uint256, hs: bytes32[MAX_N], sibs: DynArray[bytes32, MAX_PATH], root: bytes32):
    """The n input leaves hs (hashed by the caller from the chunks) against ONE opening
    of column leaf j (reverts otherwise)."""
    assert len(sibs) == g.depth * (g.arity - 1), "path"
    col: bytes32 = sha256(concat(b"\x04", convert(j, bytes32), slice(abi_encode(hs), 0, 32 * g.n)))
    assert merkle_lib._climb(col, j, sibs, 0, g.arity, g.depth) == root, "column"


@internal
@pure
def _open_vec(g: Geo, j: uint256, nb: uint256, vals: Bytes[MAX_VEC],
              sibs: DynArray[bytes32, MAX_PATH], root: bytes32):
    assert len(vals) == nb + 32, "vector"
    assert len(sibs) == g.depth * (g.arity - 1), "path"
    leaf: bytes32 = sha256(concat(b"\x00", convert(j, bytes32), slice(vals, 0, nb)))
    assert merkle_lib._climb(leaf, j, sibs, 0, g.arity, g.depth) == root, "vector"


@external
@pure
def shift_of(m: int256, d: uint256) -> uint256:
    return merkle_lib._shift(m, d)


@external
@pure
def scalar_root(v: int256, k: uint256) -> bytes32:
    return merkle_lib._scalar_root(v, k)


@external
@pure
def sum_step(g: Geo, mode: uint256, item: uint256, j: uint256, m_val: int256, m_root: bytes32,
             cols_root: bytes32, cdata: Bytes[MAX_DATA], col_sibs: DynArray[bytes32, MAX_PATH],
             center_root: bytes32, center: Bytes[MAX_VEC], center_sibs: DynArray[bytes32, MAX_PATH],
             claimed_hash: bytes32, claimed_value: int256) -> bool:
    """@notice True iff the claimed sum leaf j of item `item` is the honest one."""
    if j >= (g.d + g.chunk - 1) // g.chunk:
        return claimed_hash == empty(bytes32) and claimed_value == 0
    assert mode <= 3, "mode"
    # M is committed as one int64 leaf: a wider m_val would match M's commitment by its
    # low 64 bits while the shift below reads all of it
    assert m_val >= MIN64 and m_val <= MAX64, "scalar"
    assert merkle_lib._scalar_root(m_val, g.arity) == m_root, "scalar"
    width: uint256 = self._width(g, j)
    nb: uint256 = 8 * width
    chunks: Bytes[MAX_DATA] = cdata  # one copy to memory: extract32 on calldata recopies
    assert len(chunks) == g.n * nb + 32, "chunks"
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= g.n:
            break
        hs[t] = sha256(concat(b"\x00", convert(j, bytes32), slice(chunks, t * nb, nb)))
    self._open_cols(g, j, hs, col_sibs, cols_root)
    if mode == 1 or mode == 2:
        self._open_vec(g, j, nb, center, center_sibs, center_root)
    n: uint256 = g.n
    a: uint256 = item
    b: uint256 = 0
    if mode == 0:
        # item p enumerates pairs (a, b), a < b, row by row
        rest: uint256 = item
        for r: uint256 in range(MAX_N):
            if rest < n - 1 - r:
                a = r
                b = r + 1 + rest
                break
            rest -= n - 1 - r
        assert b > a, "item"
    assert a < n, "item"
    s: uint256 = merkle_lib._shift(m_val, g.d)
    acc: int256 = 0
    for c: uint256 in range(MAX_C):
        if c >= width:
            break
        u: int256 = merkle_lib._le64(extract32(chunks, a * nb + 8 * c, output_type=bytes32))
        w: int256 = 0
        if mode == 0:
            w = merkle_lib._le64(extract32(chunks, b * nb + 8 * c, output_type=bytes32))
        elif mode != 3:
            w = merkle_lib._le64(extract32(center, 8 * c, output_type=bytes32))
        e: int256 = 0
        if mode <= 1:
            e = (u >> s) - (w >> s)
        else:
            e = (u - w) >> s
        acc += e * e
    h: bytes32 = sha256(concat(b"\x03", convert(j, bytes32), convert(acc, bytes32)))
    return h == claimed_hash and acc == claimed_value


@external
@pure
def max_witness(g: Geo, mode: uint256, j: uint256, cols_root: bytes32, cdata: Bytes[MAX_DATA],
                col_sibs: DynArray[bytes32, MAX_PATH], center_root: bytes32, center: Bytes[MAX_VEC],
                center_sibs: DynArray[bytes32, MAX_PATH]) -> uint256:
    """@notice Largest |x| (mode 0) or |x - v| (mode 2) over opened chunk j."""
    assert mode == 0 or mode == 2, "mode"
    width: uint256 = self._width(g, j)
    nb: uint256 = 8 * width
    chunks: Bytes[MAX_DATA] = cdata  # one copy to memory: extract32 on calldata recopies
    assert len(chunks) == g.n * nb + 32, "chunks"
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= g.n:
            break
        hs[t] = sha256(concat(b"\x00", convert(j, bytes32), slice(chunks, t * nb, nb)))
    self._open_cols(g, j, hs, col_sibs, cols_root)
    if mode == 2:
        self._open_vec(g, j, nb, center, center_sibs, center_root)
    cv: int256[MAX_C] = empty(int256[MAX_C])
    if mode == 2:
        for c: uint256 in range(MAX_C):
            if c >= width:
                break
            cv[c] = merkle_lib._le64(extract32(center, 8 * c, output_type=bytes32))
    total: uint256 = g.n * width
    hi: int256 = 0
    lo: int256 = 0
    c: uint256 = 0
    for wi: uint256 in range(MAX_DATA // 32):
        if 4 * wi >= total:
            break
        vs: int256[4] = self._word_vals(extract32(chunks, 32 * wi, output_type=bytes32))
        for r: uint256 in range(4):
            if 4 * wi + r >= total:
                break
            v: int256 = vs[r] - cv[c]
            if v > hi:
                hi = v
            elif v < lo:
                lo = v
            c += 1
            if c == width:
                c = 0
    best: uint256 = convert(max(hi, -lo), uint256)
    return best
