# pragma version ~=0.4.3
"""
@title Opening n input chunks under one column leaf: plain vs salted (hiding) leaves (orfl)
@notice The input check of the aggregation dispute's one-step (DisputeGame.vy `onestep`,
        FoldVerifier.vy `_open_cols`): chunk j of all n trainers is proven by ONE opening
        of column leaf j, col_j = sha256(0x04 || uint256(j) || leaf_1j || ... || leaf_nj).
        * open_plain: leaf_tj = sha256(0x00 || uint256(j) || le64(chunk_tj))
          (mechanism/commitment.py);
        * open_salted: leaf_tj = sha256(0x09 || uint256(j) || salt_tj || le64(chunk_tj))
          (mechanism/privacy/hiding.py), the n 32-byte salts sent with the chunks.
        Both revert unless the column path climbs to the stored root; the difference of
        their gas is what hiding leaves add to a one-step (docs/privacy.md).
"""

import merkle_lib

MAX_N: constant(uint256) = 64
MAX_C: constant(uint256) = 32
MAX_PATH: constant(uint256) = 160
MAX_DATA: constant(uint256) = 16384  # MAX_N * 8 * MAX_C

event Opened:
    j: uint256
    salted: bool

cols_root: public(bytes32)
n: public(uint256)
d: public(uint256)
chunk: public(uint256)
arity: public(uint256)
depth: public(uint256)


@deploy
def __init__(cols_root: bytes32, n: uint256, d: uint256, chunk: uint256, arity: uint256, depth: uint256):
    assert n >= 1 and n <= MAX_N, "n"
    assert chunk >= 1 and chunk <= MAX_C, "chunk"
    assert arity == 2 or arity == 4 or arity == 8 or arity == 16, "arity"
    self.cols_root = cols_root
    self.n = n
    self.d = d
    self.chunk = chunk
    self.arity = arity
    self.depth = depth


@internal
@view
def _width(j: uint256) -> uint256:
    L: uint256 = (self.d + self.chunk - 1) // self.chunk
    assert j < L, "range"
    return min(self.chunk, self.d - j * self.chunk)


@internal
@view
def _check_column(j: uint256, hs: bytes32[MAX_N], sibs: DynArray[bytes32, MAX_PATH]):
    assert len(sibs) == self.depth * (self.arity - 1), "path"
    col: bytes32 = sha256(concat(b"\x04", convert(j, bytes32), slice(abi_encode(hs), 0, 32 * self.n)))
    assert merkle_lib._climb(col, j, sibs, 0, self.arity, self.depth) == self.cols_root, "column"


@external
def open_plain(j: uint256, chunks: Bytes[MAX_DATA], col_siblings: DynArray[bytes32, MAX_PATH]):
    """
    @notice Prove chunk j of all n trainers (plain leaves) under the column root.
    @param chunks the n chunks j, 8 * width little-endian bytes each, trainer order
    @param col_siblings the opening of column leaf j: depth * (arity - 1) hashes, bottom-up
    """
    nb: uint256 = 8 * self._width(j)
    n: uint256 = self.n
    assert len(chunks) == n * nb, "chunks"
    jb: bytes32 = convert(j, bytes32)
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        hs[t] = sha256(concat(b"\x00", jb, slice(chunks, t * nb, nb)))
    self._check_column(j, hs, col_siblings)
    log Opened(j=j, salted=False)


@external
def open_salted(j: uint256, chunks: Bytes[MAX_DATA], salts: DynArray[bytes32, MAX_N],
                col_siblings: DynArray[bytes32, MAX_PATH]):
    """
    @notice Prove chunk j of all n trainers (salted leaves) under the column root.
    @param chunks the n chunks j, 8 * width little-endian bytes each, trainer order
    @param salts the n salts of leaf j, trainer order
    @param col_siblings the opening of column leaf j: depth * (arity - 1) hashes, bottom-up
    """
    nb: uint256 = 8 * self._width(j)
    n: uint256 = self.n
    assert len(chunks) == n * nb, "chunks"
    assert len(salts) == n, "salts"
    jb: bytes32 = convert(j, bytes32)
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        hs[t] = sha256(concat(b"\x09", jb, salts[t], slice(chunks, t * nb, nb)))
    self._check_column(j, hs, col_siblings)
    log Opened(j=j, salted=True)
