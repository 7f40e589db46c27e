# pragma version ~=0.4.3
"""
@title One-step verifier of Krum's selection (orfl)
@notice krum_order checks that a submitted order of the n rows is the honest one --
        Krum scores (sum of the n - f - 2 smallest squared distances) from the committed
        distance vector, equal scores ordered by row content (lexicographic, proven by
        two Merkle openings with equal left siblings), identical rows by index -- and
        returns the order's commitment root; the caller compares it with the claimed
        stage root (mechanism/dispute/onestep.py: select_step). Stateless; reverts on a
        malformed proof. Encodings: mechanism/commitment.py.
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
MAX_M: constant(uint256) = 2016
MAX_SMALL: constant(uint256) = 16160
MAX_LEX: constant(uint256) = 8
MAX_LEX_DATA: constant(uint256) = 8224
MAX_LEX_PATH: constant(uint256) = 640
M64: constant(uint256) = 18446744073709551615


struct Geo:
    n: uint256
    d: uint256
    chunk: uint256
    arity: uint256
    depth: uint256


@internal
@pure
def _packed_root(vals: Bytes[MAX_SMALL], m: uint256, k: uint256) -> bytes32:
    """commit(v, chunk 1, arity k).root of m packed little-endian int64 values: leaf
    hashes in one buffer reduced in place level by level (a node over padding only is
    the level's pad hash)."""
    buf: bytes32[MAX_M] = empty(bytes32[MAX_M])
    for i: uint256 in range(MAX_M):
        if i >= m:
            break
        buf[i] = merkle_lib._small_leaf(i, convert(extract32(vals, 8 * i, output_type=bytes32), uint256) >> 192)
    cnt: uint256 = m
    pad: bytes32 = empty(bytes32)
    for l: uint256 in range(MAX_DEPTH):
        if cnt == 1 and l > 0:
            break
        nxt: uint256 = (cnt + k - 1) // k
        for i: uint256 in range(MAX_M):
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
def _order_root(order: DynArray[uint256, MAX_N], m: uint256, k: uint256) -> bytes32:
    """The same commitment of the order (at most MAX_N positions)."""
    buf: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= m:
            break
        buf[i] = merkle_lib._small_leaf(i, convert(merkle_lib._le8(convert(order[i], int256)), uint256))
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
def _width(g: Geo, j: uint256) -> uint256:
    assert j < (g.d + g.chunk - 1) // g.chunk, "range"
    return min(g.chunk, g.d - j * g.chunk)


@external
@pure
def small_root(vals: Bytes[MAX_SMALL], k: uint256) -> bytes32:
    """commit(v, chunk 1, arity k).root of packed little-endian int64 values (+32 pad)."""
    m: uint256 = (len(vals) - 32) // 8
    assert len(vals) == 8 * m + 32 and m >= 1, "length"
    return self._packed_root(vals, m, k)


@internal
@pure
def _lex_less(g: Geo, i: uint256, lo: bytes32, hi: bytes32, c: uint256, vals: Bytes[MAX_LEX_DATA],
              sibs: DynArray[bytes32, MAX_LEX_PATH]) -> bool:
    """Witness i proves row `lo` < row `hi` lexicographically: chunk c of both rows
    opened under their roots, equal left siblings on both paths (equal prefixes), and
    the first differing value of chunk c smaller in `lo`."""
    width: uint256 = self._width(g, c)
    nb: uint256 = 8 * width
    k: uint256 = g.arity
    per: uint256 = g.depth * (k - 1)
    base: uint256 = 2 * i * 8 * g.chunk
    cb: bytes32 = convert(c, bytes32)
    la: bytes32 = sha256(concat(b"\x00", cb, slice(vals, base, nb)))
    lb: bytes32 = sha256(concat(b"\x00", cb, slice(vals, base + nb, nb)))
    sa: DynArray[bytes32, MAX_PATH] = []
    sb: DynArray[bytes32, MAX_PATH] = []
    for q: uint256 in range(MAX_PATH):
        if q >= per:
            break
        sa.append(sibs[2 * i * per + q])
        sb.append(sibs[(2 * i + 1) * per + q])
    assert merkle_lib._climb(la, c, sa, 0, k, g.depth) == lo, "lex open"
    assert merkle_lib._climb(lb, c, sb, 0, k, g.depth) == hi, "lex open"
    p: uint256 = c
    for l: uint256 in range(MAX_DEPTH):
        if l >= g.depth:
            break
        for q: uint256 in range(MAX_K):
            if q >= p % k:
                break
            assert sa[l * (k - 1) + q] == sb[l * (k - 1) + q], "lex prefix"
        p = p // k
    for q: uint256 in range(MAX_C):
        assert q < width, "lex equal"
        u: int256 = merkle_lib._le64(extract32(vals, base + 8 * q, output_type=bytes32))
        v: int256 = merkle_lib._le64(extract32(vals, base + nb + 8 * q, output_type=bytes32))
        if u != v:
            return u < v
    return False


@internal
@pure
def _score(row: int256[MAX_N], n: uint256, i: uint256, drop: uint256) -> int256:
    """Sum of row t != i without its `drop` largest entries (Krum: the n - f - 2 nearest)."""
    if drop >= n - 1:
        return 0
    top: int256[MAX_N] = empty(int256[MAX_N])  # the largest so far, descending
    cnt: uint256 = 0
    total: int256 = 0
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        if t == i:
            continue
        v: int256 = row[t]
        total += v
        if cnt == drop and (drop == 0 or v <= top[drop - 1]):
            continue
        p: uint256 = cnt
        if cnt < drop:
            cnt += 1
        else:
            p = drop - 1
        for r: uint256 in range(MAX_N):
            if p == 0 or top[p - 1] >= v:
                break
            top[p] = top[p - 1]
            p -= 1
        top[p] = v
    for r: uint256 in range(MAX_N):
        if r >= cnt:
            break
        total -= top[r]
    return total


@external
@pure
def krum_order(g: Geo, f: uint256, dist: Bytes[MAX_SMALL], dist_root: bytes32, order: DynArray[uint256, MAX_N],
               input_roots: DynArray[bytes32, MAX_N], lex_pos: DynArray[uint256, MAX_LEX],
               lex_chunk: DynArray[uint256, MAX_LEX], lex_vals: Bytes[MAX_LEX_DATA],
               lex_sibs: DynArray[bytes32, MAX_LEX_PATH]) -> bytes32:
    """
    @notice Check that `order` is the honest Krum order of the n rows and return its
            commitment root (the caller compares it with the claimed stage root).
    @param dist the committed squared distances D_ab (a < b, row by row), packed
           little-endian int64, + 32 padding bytes
    @param lex_pos positions p where order[p], order[p + 1] tie on score and differ in
           content; lex_chunk / lex_vals / lex_sibs: the witness that row order[p] is
           lexicographically smaller (chunk index, both chunks, both paths)
    """
    n: uint256 = g.n
    m: uint256 = n * (n - 1) // 2
    assert len(order) == n and len(input_roots) == n, "count"
    assert len(dist) == 8 * m + 32, "dist"
    assert self._packed_root(dist, m, g.arity) == dist_root, "dist root"
    rows: int256[MAX_N][MAX_N] = empty(int256[MAX_N][MAX_N])
    a: uint256 = 0
    b: uint256 = 1
    for wi: uint256 in range(MAX_M // 4 + 1):
        if 4 * wi >= m:
            break
        word: uint256 = convert(extract32(dist, 32 * wi, output_type=bytes32), uint256)
        for r: uint256 in range(4):
            if 4 * wi + r >= m:
                break
            v: int256 = merkle_lib._swap((word >> (192 - 64 * r)) & M64)
            rows[a][b] = v
            rows[b][a] = v
            b += 1
            if b == n:
                a += 1
                b = a + 1
    keep: uint256 = 0
    if n >= f + 2:
        keep = n - f - 2
    scores: int256[MAX_N] = empty(int256[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= n:
            break
        scores[i] = self._score(rows[i], n, i, n - 1 - keep)
    seen: uint256 = 0
    w: uint256 = 0
    for p: uint256 in range(MAX_N):
        if p >= n:
            break
        o: uint256 = order[p]
        assert o < n and (seen >> o) & 1 == 0, "permutation"
        seen |= 1 << o
        if p + 1 < n:
            q: uint256 = order[p + 1]
            assert q < n, "permutation"
            assert scores[o] <= scores[q], "order"
            if scores[o] == scores[q]:
                if input_roots[o] == input_roots[q]:
                    assert o < q, "order"
                else:
                    assert w < len(lex_pos) and lex_pos[w] == p, "lex missing"
                    assert self._lex_less(g, w, input_roots[o], input_roots[q], lex_chunk[w], lex_vals, lex_sibs), "order"
                    w += 1
    assert w == len(lex_pos), "lex extra"
    return self._order_root(order, n, g.arity)
