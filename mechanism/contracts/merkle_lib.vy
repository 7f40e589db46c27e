# pragma version ~=0.4.3
"""
@title Pure helpers shared by the orfl verifiers (FoldVerifier.vy, KrumVerifier.vy)
@notice SHA-256 Merkle encodings of mechanism/commitment.py (leaves 0x00, nodes 0x01),
        little-endian int64 decoding and the rescale shift of _intmath.py.
"""

MAX_K: constant(uint256) = 16
MAX_DEPTH: constant(uint256) = 40
MAX_PATH: constant(uint256) = 160
M8: constant(uint256) = 71777214294589695
M16: constant(uint256) = 281470681808895
M64: constant(uint256) = 18446744073709551615


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
@pure
def _le64(w: bytes32) -> int256:
    u: uint256 = convert(w, uint256) >> 192
    u = ((u & M8) << 8) | ((u >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    return convert(convert(u << 192, bytes32), int256) >> 192


@internal
@pure
def _le8(v: int256) -> Bytes[8]:
    """Little-endian int64 bytes of v (two's complement); v must fit in int64, else
    two values 2^64 apart would share their bytes."""
    assert v >= -9223372036854775808 and v <= 9223372036854775807, "int64"
    u: uint256 = convert(convert(v, bytes32), uint256) & M64
    u = ((u & M8) << 8) | ((u >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    return slice(convert(u << 192, bytes32), 0, 8)


@internal
@pure
def _bitlen(v: uint256) -> uint256:
    b: uint256 = 0
    u: uint256 = v
    for step: uint256 in [128, 64, 32, 16, 8, 4, 2, 1]:
        if u >> step != 0:
            u = u >> step
            b += step
    if u != 0:
        b += 1
    return b


@internal
@pure
def _shift(m: int256, d: uint256) -> uint256:
    """rescale_shift(M, d): operands x >> s fit in (52 - ceil(log2 d)) // 2 bits."""
    bits: uint256 = (52 - self._bitlen(d - 1)) // 2
    ml: uint256 = self._bitlen(convert(abs(m), uint256))
    if ml > bits:
        return ml - bits
    return 0


@internal
@pure
def _climb(leaf: bytes32, j: uint256, sibs: DynArray[bytes32, MAX_PATH], off: uint256, k: uint256,
           dep: uint256) -> bytes32:
    """Fold a leaf up its path (k - 1 siblings per level, bottom-up, from sibs[off]).
    Reverts ("index") unless j < k^dep: only j % k is read per level, so an index
    j0 + k^dep would otherwise climb the path of node j0 (and pass for another slot)."""
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
        h = self._hash_node(ws, k)
        p = p // k
    assert p == 0, "index"
    return h


@internal
@pure
def _scalar_root(v: int256, k: uint256) -> bytes32:
    """commit([v], chunk 1, arity k).root: one leaf padded with k - 1 zero words."""
    ws: bytes32[MAX_K] = empty(bytes32[MAX_K])
    ws[0] = sha256(concat(b"\x00", convert(0, bytes32), self._le8(v)))
    return self._hash_node(ws, k)


@internal
@pure
def _pad_next(pad: bytes32, k: uint256) -> bytes32:
    pw: bytes32[MAX_K] = empty(bytes32[MAX_K])
    for q: uint256 in range(MAX_K):
        pw[q] = pad
    return self._hash_node(pw, k)


@internal
@pure
def _small_leaf(i: uint256, raw: uint256) -> bytes32:
    """leaf_hash(i, [v]) from v's 8 raw little-endian bytes read as a big-endian number:
    0x00 || uint256_be(i) || raw == 9 zero bytes || bytes32((i << 64) | raw)."""
    return sha256(concat(b"\x00\x00\x00\x00\x00\x00\x00\x00\x00", convert((i << 64) | raw, bytes32)))


@internal
@pure
def _swap(raw: uint256) -> int256:
    u: uint256 = ((raw & M8) << 8) | ((raw >> 8) & M8)
    u = ((u & M16) << 16) | ((u >> 16) & M16)
    u = ((u << 32) | (u >> 32)) & M64
    return convert(convert(u << 192, bytes32), int256) >> 192
