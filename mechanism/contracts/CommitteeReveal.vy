# pragma version ~=0.4.3
"""
@title Threshold reveal of one leaf key by a (t, m) committee (orfl)
@notice Design (b) of docs/privacy.md, specified in docs/privacy_committee.md and
        mechanism/privacy/committee.py: a trainer's leaf j is committed as the salted
        leaf sha256(0x09 || uint256(j) || salt_j || le64(chunk_j)) whose salt comes from
        the ElGamal shared point S_j = s R_j of the leaf's header R_j:
        salt_j = sha256(0x0d || uint256(j) || S_j.x || S_j.y).
        A dispute that opens leaf j receives t decryption shares D_i = s_i R_j, each with
        a Chaum-Pedersen proof (c, z) that log_G VK_i = log_R D_i:
            A1 = z G - c VK_i,  A2 = z R - c D_i,
            c == sha256(0x0e || G || VK_i || R || D_i || A1 || A2) mod q.
        The contract checks every proof with the ecAdd/ecMul precompiles (EIP-196),
        combines S_j = sum lambda_i D_i with Lagrange coefficients at 0 (the caller
        sends the inverse of each coefficient's denominator, which the contract checks),
        derives salt_j and checks the opened chunk against the committed leaf.
        A reader who holds the trainer's update key K knows r_j and opens the leaf
        without the committee: open_leaf_with_scalar computes S_j = r_j PK (one ecMul).
        Revealing r_j = sha256(0x0b || j || K) mod q reveals leaf j only.
        open_column / open_column_by_readers are the input check of a dispute's one-step
        (as HidingLeaf.vy open_salted): chunk j of all n trainers under one column leaf
        col_j = sha256(0x04 || uint256(j) || leaf_1j || ... || leaf_nj), every salt
        revealed on chain instead of sent.
"""

import merkle_lib

MAX_M: constant(uint256) = 32
MAX_T: constant(uint256) = 8
MAX_CHUNK_BYTES: constant(uint256) = 256
MAX_N: constant(uint256) = 64
MAX_DATA: constant(uint256) = 16384  # MAX_N * MAX_CHUNK_BYTES
MAX_PATH: constant(uint256) = 160
# alt_bn128 base field modulus and group order (EIP-196)
FP: constant(uint256) = 21888242871839275222246405745257275088696311157297823662689037894645226208583
FQ: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617

struct Share:
    index: uint256  # member index, 1..m
    d: uint256[2]  # D_i = s_i R
    c: uint256  # DLEQ challenge
    z: uint256  # DLEQ response
    inv: uint256  # inverse mod q of prod_{k != i} (k - i)

event Revealed:
    j: uint256
    salt: bytes32

vk: public(HashMap[uint256, uint256[2]])
pk: public(uint256[2])
members: public(uint256)
threshold: public(uint256)
# the column tree of a round's salted leaves (the one-step's input check)
cols_root: public(bytes32)
n: public(uint256)
d: public(uint256)
chunk: public(uint256)
arity: public(uint256)
depth: public(uint256)


@deploy
def __init__(vks: DynArray[uint256[2], MAX_M], threshold: uint256, pk: uint256[2], cols_root: bytes32,
             n: uint256, d: uint256, chunk: uint256, arity: uint256, depth: uint256):
    assert threshold >= 1 and threshold <= len(vks) and threshold <= MAX_T, "threshold"
    assert n <= MAX_N and 8 * chunk <= MAX_CHUNK_BYTES, "n, chunk"
    assert arity == 2 or arity == 4 or arity == 8 or arity == 16, "arity"
    self.pk = pk
    self.cols_root = cols_root
    self.n = n
    self.d = d
    self.chunk = chunk
    self.arity = arity
    self.depth = depth
    for i: uint256 in range(MAX_M):
        if i >= len(vks):
            break
        self.vk[i + 1] = vks[i]
    self.members = len(vks)
    self.threshold = threshold


@internal
@pure
def _neg(p: uint256[2]) -> uint256[2]:
    if p[1] == 0:
        return p
    return [p[0], FP - p[1]]


@internal
@view
def _dleq(r: uint256[2], s: Share) -> bool:
    vk: uint256[2] = self.vk[s.index]
    a1: uint256[2] = ecadd(ecmul([1, 2], s.z), self._neg(ecmul(vk, s.c)))
    a2: uint256[2] = ecadd(ecmul(r, s.z), self._neg(ecmul(s.d, s.c)))
    h: bytes32 = sha256(concat(b"\x0e", abi_encode(convert(1, uint256), convert(2, uint256), vk[0], vk[1],
                                                 r[0], r[1], s.d[0], s.d[1], a1[0], a1[1], a2[0], a2[1])))
    return convert(h, uint256) % FQ == s.c


@internal
@view
def _combine(r: uint256[2], shares: DynArray[Share, MAX_T]) -> uint256[2]:
    assert len(shares) == self.threshold, "shares"
    acc: uint256[2] = [0, 0]
    for k: uint256 in range(MAX_T):
        if k >= len(shares):
            break
        s: Share = shares[k]
        assert s.index >= 1 and s.index <= self.members, "index"
        assert s.c < FQ and s.z < FQ, "scalar"
        assert self._dleq(r, s), "dleq"
        num: uint256 = 1
        den: uint256 = 1
        for l: uint256 in range(MAX_T):
            if l >= len(shares):
                break
            if l != k:
                o: uint256 = shares[l].index
                assert o != s.index, "duplicate"
                num = uint256_mulmod(num, o, FQ)
                den = uint256_mulmod(den, (o + FQ - s.index) % FQ, FQ)
        assert uint256_mulmod(den, s.inv, FQ) == 1, "inverse"
        acc = ecadd(acc, ecmul(s.d, uint256_mulmod(num, s.inv, FQ)))
    return acc


@internal
@pure
def _salt_of(j: uint256, sp: uint256[2]) -> bytes32:
    return sha256(concat(b"\x0d", convert(j, bytes32), convert(sp[0], bytes32), convert(sp[1], bytes32)))


@internal
@view
def _salt(j: uint256, r: uint256[2], shares: DynArray[Share, MAX_T]) -> bytes32:
    return self._salt_of(j, self._combine(r, shares))


@external
def reveal(j: uint256, r: uint256[2], shares: DynArray[Share, MAX_T]) -> bytes32:
    """
    @notice Verify t shares of header r and return leaf j's salt.
    """
    salt: bytes32 = self._salt(j, r, shares)
    log Revealed(j=j, salt=salt)
    return salt


@external
def open_leaf(j: uint256, r: uint256[2], shares: DynArray[Share, MAX_T], chunk: Bytes[MAX_CHUNK_BYTES],
              leaf: bytes32) -> bytes32:
    """
    @notice Reveal leaf j's salt from t shares and check that chunk (le64 values) opens the
            committed salted leaf `leaf` (in a one-step, the leaf the column path proves).
    """
    salt: bytes32 = self._salt(j, r, shares)
    assert sha256(concat(b"\x09", convert(j, bytes32), salt, chunk)) == leaf, "leaf"
    log Revealed(j=j, salt=salt)
    return salt


@external
def open_leaf_with_scalar(j: uint256, rj: uint256, chunk: Bytes[MAX_CHUNK_BYTES], leaf: bytes32) -> bytes32:
    """
    @notice A reader's opening: leaf j's salt from r_j (S_j = r_j PK), and the chunk checked
            against the committed leaf; a wrong r_j gives another salt and reverts.
    """
    assert rj != 0 and rj < FQ, "scalar"
    salt: bytes32 = self._salt_of(j, ecmul(self.pk, rj))
    assert sha256(concat(b"\x09", convert(j, bytes32), salt, chunk)) == leaf, "leaf"
    log Revealed(j=j, salt=salt)
    return salt


@external
def open_leaf_with_salt(j: uint256, salt: bytes32, chunk: Bytes[MAX_CHUNK_BYTES], leaf: bytes32) -> bytes32:
    """
    @notice The same check with the salt sent in the clear (design (a), the baseline the two
            openings above are measured against).
    """
    assert sha256(concat(b"\x09", convert(j, bytes32), salt, chunk)) == leaf, "leaf"
    log Revealed(j=j, salt=salt)
    return salt


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
def open_column(j: uint256, headers: DynArray[uint256[2], MAX_N], shares: DynArray[DynArray[Share, MAX_T], MAX_N],
                chunks: Bytes[MAX_DATA], col_siblings: DynArray[bytes32, MAX_PATH]):
    """
    @notice Prove chunk j of all n trainers under the column root, each trainer's salt
            revealed from t committee shares of its leaf header.
    """
    nb: uint256 = 8 * self._width(j)
    n: uint256 = self.n
    assert len(chunks) == n * nb and len(headers) == n and len(shares) == n, "inputs"
    jb: bytes32 = convert(j, bytes32)
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        hs[t] = sha256(concat(b"\x09", jb, self._salt(j, headers[t], shares[t]), slice(chunks, t * nb, nb)))
    self._check_column(j, hs, col_siblings)


@external
def open_column_by_readers(j: uint256, scalars: DynArray[uint256, MAX_N], chunks: Bytes[MAX_DATA],
                           col_siblings: DynArray[bytes32, MAX_PATH]):
    """
    @notice The same with each trainer's leaf scalar r_j sent by a reader (S_j = r_j PK).
    """
    nb: uint256 = 8 * self._width(j)
    n: uint256 = self.n
    assert len(chunks) == n * nb and len(scalars) == n, "inputs"
    jb: bytes32 = convert(j, bytes32)
    pk: uint256[2] = self.pk
    hs: bytes32[MAX_N] = empty(bytes32[MAX_N])
    for t: uint256 in range(MAX_N):
        if t >= n:
            break
        assert scalars[t] != 0 and scalars[t] < FQ, "scalar"
        hs[t] = sha256(concat(b"\x09", jb, self._salt_of(j, ecmul(pk, scalars[t])), slice(chunks, t * nb, nb)))
    self._check_column(j, hs, col_siblings)
