# pragma version ~=0.4.3
"""
@title One-step verifier of the selection stages other than Krum's order (orfl)
@notice Each function recomputes one `select` stage of a trace program
        (mechanism/dispute/programs.py) whole from earlier, agreed small vectors and
        returns the commitment root of the result (chunk 1, arity k); the caller
        compares it with the claimed stage root. Mirrors mechanism/dispute/onestep.py
        (clip_factors, weiszfeld_weights, bulyan_chosen); reverts on a malformed proof.
        * clip_select: clip factors c_i = 2^20 if r_i <= tau else floor(tau 2^20 / r_i),
          r_i = isqrt(norm2_i) << s, s = rescale_shift(M, d) (clipping by norm and
          centered clipping, mechanism/aggregation/_intmath.py: clip_factor).
        * weights_select: Weiszfeld weights w_i = floor(m 2^P / r_i), r_i =
          max(isqrt(D_i) << s, nu), m = min_i r_i, P = 22 - ceil(log2 n)
          (mechanism/aggregation/geometric_median.py: weiszfeld_weights).
        * bulyan_select: Bulyan's selection (El Mhamdi et al. 2018): n - 2f rounds of
          Krum on the remaining rows, each winner removed; returns the root of the
          chosen rows in increasing order. O(n^2): per row i the caller supplies the
          other rows sorted by distance to i (checked: a permutation, non-decreasing);
          a row's score is the sum of the first keep entries of its sorted list among
          the remaining rows (keep = n' - f - 2), and after each removal either the
          removed row leaves that prefix or the prefix drops its last remaining entry,
          so each row's pointer only moves back. The round winners are supplied in
          order; a winner must have the smallest score, equal scores ordered by row
          content, identical rows by index. Content order comes from one ranking of the
          tied rows whose adjacent pairs are `prove_lex` records (as in KrumVerifier.vy):
          n - 1 records at most, however many rounds tie.
        Encodings: mechanism/commitment.py (leaves 0x00, nodes 0x01; little-endian int64).
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_K: constant(uint256) = 16
MAX_C: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
MAX_M: constant(uint256) = 2016
MAX_SMALL: constant(uint256) = 16160
MAX_SORTED: constant(uint256) = 4064
MAX_LEX_DATA: constant(uint256) = 1056
MAX_LEX_PATH: constant(uint256) = 320
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


# keccak256(d, chunk, arity, lo, hi) -> proven: row root lo < row root hi lexicographically
lex_less: HashMap[bytes32, bool]


@internal
@pure
def _packed_root(vals: Bytes[MAX_SMALL], m: uint256, k: uint256) -> bytes32:
    """commit(v, chunk 1, arity k).root of m packed little-endian int64 values."""
    buf: bytes32[MAX_M] = empty(bytes32[MAX_M])
    for i: uint256 in range(MAX_M):
        if i >= m:
            break
        buf[i] = merkle_lib._small_leaf(i, convert(extract32(vals, 8 * i, output_type=bytes32), uint256) >> 192)
    return self._reduce(buf, m, k)


@internal
@pure
def _reduce(leaves: bytes32[MAX_M], m: uint256, k: uint256) -> bytes32:
    """Hash m leaf hashes up to the root (a node over padding only is the pad hash)."""
    buf: bytes32[MAX_M] = leaves
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
def _vector_root(v: int256[MAX_N], m: uint256, k: uint256) -> bytes32:
    """commit(v[:m], chunk 1, arity k).root (v int64 values)."""
    buf: bytes32[MAX_M] = empty(bytes32[MAX_M])
    for i: uint256 in range(MAX_N):
        if i >= m:
            break
        buf[i] = merkle_lib._small_leaf(i, convert(merkle_lib._le8(v[i]), uint256))
    return self._reduce(buf, m, k)


@internal
@pure
def _small(g: Geo, vals: Bytes[MAX_SMALL], m: uint256, root: bytes32) -> int256[MAX_N]:
    """The m <= MAX_N packed int64 values of an agreed small vector (checked against its root)."""
    assert m <= MAX_N and len(vals) == 8 * m + 32, "length"
    assert self._packed_root(vals, m, g.arity) == root, "vector root"
    out: int256[MAX_N] = empty(int256[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= m:
            break
        out[i] = merkle_lib._swap(convert(extract32(vals, 8 * i, output_type=bytes32), uint256) >> 192)
    return out


@internal
@pure
def _scalar(g: Geo, m_val: int256, m_root: bytes32) -> uint256:
    """The rescale shift of the agreed max M (an int64 committed as one leaf)."""
    assert m_val >= MIN64 and m_val <= MAX64, "scalar"
    assert merkle_lib._scalar_root(m_val, g.arity) == m_root, "scalar"
    return merkle_lib._shift(m_val, g.d)


@internal
@pure
def _radius(v: int256, s: uint256) -> uint256:
    """isqrt(v) << s of a squared norm (a negative one is a malformed vector)."""
    assert v >= 0, "negative norm"
    return isqrt(convert(v, uint256)) << s


@external
@pure
def clip_select(g: Geo, tau: uint256, m_val: int256, m_root: bytes32, norm2: Bytes[MAX_SMALL],
                norm2_root: bytes32) -> bytes32:
    """@notice Root of the clip factors of the n committed squared norms."""
    s: uint256 = self._scalar(g, m_val, m_root)
    q: int256[MAX_N] = self._small(g, norm2, g.n, norm2_root)
    c: int256[MAX_N] = empty(int256[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= g.n:
            break
        r: uint256 = self._radius(q[i], s)
        if r <= tau:
            c[i] = convert(1 << SCALE_BITS, int256)
        else:
            c[i] = convert((tau << SCALE_BITS) // r, int256)
    return self._vector_root(c, g.n, g.arity)


@external
@pure
def weights_select(g: Geo, nu: uint256, m_val: int256, m_root: bytes32, dists: Bytes[MAX_SMALL],
                   dists_root: bytes32) -> bytes32:
    """@notice Root of the Weiszfeld weights of the n committed squared distances to z_t."""
    assert nu >= 1, "nu"
    s: uint256 = self._scalar(g, m_val, m_root)
    q: int256[MAX_N] = self._small(g, dists, g.n, dists_root)
    p: uint256 = 22 - merkle_lib._bitlen(g.n - 1)
    r: uint256[MAX_N] = empty(uint256[MAX_N])
    lo: uint256 = max_value(uint256)
    for i: uint256 in range(MAX_N):
        if i >= g.n:
            break
        r[i] = max(self._radius(q[i], s), nu)
        lo = min(lo, r[i])
    w: int256[MAX_N] = empty(int256[MAX_N])
    for i: uint256 in range(MAX_N):
        if i >= g.n:
            break
        w[i] = convert((lo << p) // r[i], int256)
    return self._vector_root(w, g.n, g.arity)


# ----------------------------------------------------------------- lexicographic records


@internal
@pure
def _width(g: Geo, j: uint256) -> uint256:
    assert j < (g.d + g.chunk - 1) // g.chunk, "range"
    return min(g.chunk, g.d - j * g.chunk)


@internal
@pure
def _lex_less(g: Geo, lo: bytes32, hi: bytes32, c: uint256, vals: Bytes[MAX_LEX_DATA],
              sibs: DynArray[bytes32, MAX_LEX_PATH]) -> bool:
    """Chunk c of both rows opened under their roots, equal left siblings on both paths
    (equal prefixes), and the first differing value of chunk c smaller in `lo`."""
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
    """@notice Record that row root `lo` is lexicographically smaller than row root `hi`
    (chunk c of both, then both openings; see KrumVerifier.prove_lex)."""
    assert lo != hi, "equal"
    assert self._lex_less(g, lo, hi, c, vals, sibs), "order"
    self.lex_less[self._lex_key(g, lo, hi)] = True


# ----------------------------------------------------------------------------- Bulyan


@external
@view
def bulyan_select(g: Geo, f: uint256, dist: Bytes[MAX_SMALL], dist_root: bytes32,
                  picks: DynArray[uint256, MAX_N], sorted_rows: Bytes[MAX_SORTED],
                  input_roots: DynArray[bytes32, MAX_N], rank: DynArray[uint256, MAX_N]) -> bytes32:
    """
    @notice Check Bulyan's round winners and return the root of the chosen rows
            (increasing row index).
    @param dist the committed squared distances D_ab (a < b, row by row), packed
           little-endian int64, + 32 padding bytes
    @param picks the winner of each of the n - 2f rounds, in order
    @param sorted_rows per row i, the other n - 1 rows by non-decreasing D_i., one byte
           each, rows one after another, + 32 padding bytes
    @param rank rows in increasing content order (identical rows by index), each adjacent
           pair of distinct rows recorded by `prove_lex`; every tie of distinct rows at a
           round's least score must be between ranked rows
    """
    n: uint256 = g.n
    m: uint256 = n * (n - 1) // 2
    assert n >= 2 * f + 1 and len(picks) == n - 2 * f and len(input_roots) == n, "count"
    assert len(dist) == 8 * m + 32, "dist"
    assert len(sorted_rows) == n * (n - 1) + 32, "sorted"
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
    # sorted lists: L[i][p] and the inverse position pos[i][t]; checked sorted permutations
    lst: uint256[MAX_N][MAX_N] = empty(uint256[MAX_N][MAX_N])
    pos: uint256[MAX_N][MAX_N] = empty(uint256[MAX_N][MAX_N])
    keep: uint256 = 0
    if n >= f + 2:
        keep = n - f - 2
    score: int256[MAX_N] = empty(int256[MAX_N])
    ptr: uint256[MAX_N] = empty(uint256[MAX_N])
    off: uint256 = 0
    word: uint256 = 0
    for i: uint256 in range(MAX_N):
        if i >= n:
            break
        seen: uint256 = 1 << i
        prev: int256 = min_value(int256)
        for p: uint256 in range(MAX_N):
            if p + 1 >= n:
                break
            if off % 32 == 0:
                word = convert(extract32(sorted_rows, off, output_type=bytes32), uint256)
            t: uint256 = (word >> (248 - 8 * (off % 32))) & 255
            off += 1
            assert t < n and (seen >> t) & 1 == 0, "sorted permutation"
            seen |= 1 << t
            v: int256 = rows[i][t]
            assert v >= prev, "sorted order"
            prev = v
            lst[i][p] = t
            pos[i][t] = p
            if p < keep:
                score[i] += v
        ptr[i] = keep
    # the content ranking: a chain of prove_lex records (transitive), position + 1 per row
    rk: uint256[MAX_N] = empty(uint256[MAX_N])
    for p: uint256 in range(MAX_N):
        if p >= len(rank):
            break
        x: uint256 = rank[p]
        assert x < n and rk[x] == 0, "rank"
        rk[x] = p + 1
        if p > 0:
            y: uint256 = rank[p - 1]
            if input_roots[x] == input_roots[y]:
                assert y < x, "rank"
            else:
                assert self.lex_less[self._lex_key(g, input_roots[y], input_roots[x])], "lex missing"
    # rounds: the winner has the least (score, content, index) among the remaining rows
    remaining: uint256 = (1 << n) - 1
    for r: uint256 in range(MAX_N):
        if r >= len(picks):
            break
        w: uint256 = picks[r]
        assert w < n and (remaining >> w) & 1 == 1, "pick"
        for o: uint256 in range(MAX_N):
            if o >= n:
                break
            if o != w and (remaining >> o) & 1 == 1:
                assert score[w] <= score[o], "pick order"
                if score[w] == score[o]:
                    if input_roots[w] == input_roots[o]:
                        assert w < o, "pick order"
                    else:
                        assert rk[w] != 0 and rk[o] != 0, "tie not ranked"
                        assert rk[w] < rk[o], "pick order"
        remaining ^= 1 << w
        if keep == 0:
            continue
        for i: uint256 in range(MAX_N):
            if i >= n:
                break
            if (remaining >> i) & 1 == 0:
                continue
            if pos[i][w] < ptr[i]:
                score[i] -= rows[i][w]
            else:
                for step: uint256 in range(MAX_N):
                    ptr[i] -= 1
                    t: uint256 = lst[i][ptr[i]]
                    if (remaining >> t) & 1 == 1:
                        score[i] -= rows[i][t]
                        break
        keep -= 1
    chosen: int256[MAX_N] = empty(int256[MAX_N])
    cnt: uint256 = 0
    for i: uint256 in range(MAX_N):
        if i >= n:
            break
        if (remaining >> i) & 1 == 0:
            chosen[cnt] = convert(i, int256)
            cnt += 1
    return self._vector_root(chosen, cnt, g.arity)
