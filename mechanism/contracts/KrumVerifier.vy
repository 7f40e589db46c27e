# pragma version ~=0.4.3
"""
@title One-step verifier of Krum's selection (orfl)
@notice krum_order checks that a submitted order of the n rows is the honest one --
        Krum scores (sum of the n - f - 2 smallest squared distances) from the committed
        distance vector, equal scores ordered by row content (lexicographic), identical
        rows by index -- and returns the order's commitment root; the caller compares it
        with the claimed stage root (mechanism/dispute/onestep.py: select_step).
        * Scores in linear time: the caller supplies, per row i, the keep-th smallest
          distance t_i (keep = n - f - 2); with l_i / e_i the counts of row i's distances
          below / equal to t_i, t_i is right iff l_i < keep <= l_i + e_i, and then
          score_i = (sum of those below t_i) + (keep - l_i) t_i. O(n^2) for all rows,
          no term in f (an insertion sort of the f + 1 largest costs n^2 f).
        * Ties in any number: `prove_lex` records, one transaction per witness, that row
          root `lo` is lexicographically smaller than row root `hi` (two Merkle openings
          of the first differing chunk with equal left siblings); krum_order then reads
          the record for every adjacent tie of distinct roots. A record is a fact about
          two committed vectors (binding roots), so who proved it and when is immaterial.
        Reverts on a malformed proof. Encodings: mechanism/commitment.py.
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
MAX_M: constant(uint256) = 2016
MAX_SMALL: constant(uint256) = 16160
MAX_LEX_DATA: constant(uint256) = 1056
MAX_LEX_PATH: constant(uint256) = 320
M64: constant(uint256) = 18446744073709551615


struct Geo:
    n: uint256
    d: uint256
    chunk: uint256
    arity: uint256
    depth: uint256


# keccak256(d, chunk, arity, lo, hi) -> proven: row root lo < row root hi lexicographically
lex_less: HashMap[bytes32, bool]


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
def _lex_less(g: Geo, lo: bytes32, hi: bytes32, c: uint256, vals: Bytes[MAX_LEX_DATA],
              sibs: DynArray[bytes32, MAX_LEX_PATH]) -> bool:
    """The witness proves row `lo` < row `hi` lexicographically: chunk c of both rows
    opened under their roots, equal left siblings on both paths (equal prefixes), and
    the first differing value of chunk c smaller in `lo`."""
    width: uint256 = self._width(g, c)
    nb: uint256 = 8 * width
    k: uint256 = g.arity
    per: uint256 = g.depth * (k - 1)
    assert len(vals) == 2 * nb + 32 and len(sibs) == 2 * per, "lex length"
    cb: bytes32 = convert(c, bytes32)
    la: bytes32 = sha256(concat(b"\x00", cb, slice(vals, 0, nb)))
    lb: bytes32 = sha256(concat(b"\x00", cb, slice(vals, nb, nb)))
    sa: DynArray[bytes32, MAX_PATH] = []
    sb: DynArray[bytes32, MAX_PATH] = []
    for q: uint256 in range(MAX_PATH):
        if q >= per:
            break
        sa.append(sibs[q])
        sb.append(sibs[per + q])
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
        u: int256 = merkle_lib._le64(extract32(vals, 8 * q, output_type=bytes32))
        v: int256 = merkle_lib._le64(extract32(vals, nb + 8 * q, output_type=bytes32))
        if u != v:
            return u < v
    return False


@internal
@pure
def _lex_key(g: Geo, lo: bytes32, hi: bytes32) -> bytes32:
    return keccak256(abi_encode(g.d, g.chunk, g.arity, lo, hi))


@external
def prove_lex(g: Geo, lo: bytes32, hi: bytes32, c: uint256, vals: Bytes[MAX_LEX_DATA],
              sibs: DynArray[bytes32, MAX_LEX_PATH]):
    """
    @notice Record that the vector committed by `lo` is lexicographically smaller than
            the one committed by `hi` (same d, chunk, arity; depth from the geometry).
    @param c the first chunk in which they differ
    @param vals chunk c of `lo`, then of `hi` (little-endian int64) + 32 padding bytes
    @param sibs the opening of chunk c under `lo`, then under `hi` (bottom-up)
    """
    assert lo != hi, "equal"
    assert self._lex_less(g, lo, hi, c, vals, sibs), "order"
    self.lex_less[self._lex_key(g, lo, hi)] = True


@external
@view
def lex_proven(g: Geo, lo: bytes32, hi: bytes32) -> bool:
    return self.lex_less[self._lex_key(g, lo, hi)]


@internal
@pure
def _score(row: int256[MAX_N], n: uint256, i: uint256, keep: uint256, kth: int256) -> int256:
    """Sum of the `keep` smallest entries of row t != i (Krum: the n - f - 2 nearest),
    given `kth`, the keep-th smallest: it is right iff fewer than `keep` entries are
    below it and at least `keep` are at or below it (reverts "score" otherwise)."""
    if keep == 0:
        return 0
    below: uint256 = 0
    at: uint256 = 0
    total: int256 = 0
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        if t == i:
            continue
        v: int256 = row[t]
        if v < kth:
            below += 1
            total += v
        elif v == kth:
            at += 1
    assert below < keep and keep <= below + at, "score"
    return total + convert(keep - below, int256) * kth


@external
@view
def krum_order(g: Geo, f: uint256, dist: Bytes[MAX_SMALL], dist_root: bytes32, order: DynArray[uint256, MAX_N],
               input_roots: DynArray[bytes32, MAX_N], kth: DynArray[int256, MAX_N]) -> bytes32:
    """
    @notice Check that `order` is the honest Krum order of the n rows and return its
            commitment root (the caller compares it with the claimed stage root).
    @param dist the committed squared distances D_ab (a < b, row by row), packed
           little-endian int64, + 32 padding bytes
    @param kth per row i, its (n - f - 2)-th smallest distance to the others (any value
           when n < f + 3: the scores are then 0)
    Adjacent positions of equal score and distinct roots must have been proven ordered
    by `prove_lex` ("lex missing" otherwise).
    """
    n: uint256 = g.n
    m: uint256 = n * (n - 1) // 2
    assert len(order) == n and len(input_roots) == n and len(kth) == n, "count"
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
        scores[i] = self._score(rows[i], n, i, keep, kth[i])
    seen: uint256 = 0
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
                    assert self.lex_less[self._lex_key(g, input_roots[o], input_roots[q])], "lex missing"
    return self._order_root(order, n, g.arity)
