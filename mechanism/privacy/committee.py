"""Updates encrypted to a threshold committee that decrypts only what a dispute opens:
the Python reference of the cryptography (docs/privacy_committee.md).

Group: alt_bn128 G1, the curve of the EVM's ecAdd/ecMul precompiles (EIP-196, gas per
EIP-1108): ``y^2 = x^3 + 3`` over F_p with generator ``G = (1, 2)`` of prime order q.
Points are affine ``(x, y)`` integer pairs, ``None`` the point at infinity (the
precompiles' ``(0, 0)``). Arithmetic is on Jacobian coordinates with plain integers; the
tests check it against ``py_ecc.optimized_bn128``.

* **Committee keys** (Shamir, CACM 1979; Feldman, FOCS 1987): a secret ``s`` shared by a
  degree ``t - 1`` polynomial f with ``f(0) = s``; member i (1..m) holds ``s_i = f(i)``;
  public ``PK = s G`` and verification keys ``VK_i = s_i G``. A dealer draws them here
  from a seeded generator; a deployment runs a distributed key generation (Gennaro,
  Jarecki, Krawczyk and Rabin, J. Cryptology 2007) so that no one ever holds s.
* **Per-leaf encapsulation** (hashed ElGamal KEM, ElGamal 1985; Shoup and Gennaro,
  EUROCRYPT 1998, threshold variant): the trainer draws a 32-byte update key K; for
  leaf j, ``r_j = sha256(0x0b || uint256(j) || K) mod q``, header ``R_j = r_j G`` and
  shared point ``S_j = r_j PK = s R_j``. From ``S_j``: the AES-256-GCM key
  ``k_j = sha256(0x0c || uint256(j) || x || y)`` (NIST SP 800-38D; a fresh key per
  leaf, so the fixed 12-byte zero nonce is never reused under one key) and the
  commitment salt ``salt_j = sha256(0x0d || uint256(j) || x || y)``. The committed leaf
  is the hiding leaf of :mod:`mechanism.privacy.hiding`,
  ``sha256(0x09 || uint256(j) || salt_j || le64(chunk_j))``, so the trees and the
  dispute over salted leaves are unchanged.
* **Update-key encapsulation** for readers (the sequencer and registered watchers,
  docs/privacy_committee.md "Who can challenge"): ``R_K = rho G`` and
  ``C_K = K xor sha256(0x10 || x || y)`` of ``rho PK``.
* **Decryption share** of header R by member i: ``D_i = s_i R`` with a Chaum-Pedersen
  proof (CRYPTO 1992) that ``log_G VK_i = log_R D_i``, made non-interactive by
  Fiat-Shamir: nonce ``w = sha256(0x0f || s_i || R) mod q`` (derandomised as in
  RFC 8032), ``A_1 = w G``, ``A_2 = w R``,
  ``c = sha256(0x0e || G || VK_i || R || D_i || A_1 || A_2) mod q`` (each coordinate a
  big-endian uint256), ``z = w + c s_i mod q``. Verification recomputes
  ``A_1 = z G - c VK_i`` and ``A_2 = z R - c D_i`` and the challenge.
* **Combination** of t shares from member set I by Lagrange interpolation at 0:
  ``S = sum_i lambda_i D_i``, ``lambda_i = prod_{k in I, k != i} k / (k - i) mod q``.

Fewer than t shares determine nothing about S (Shamir); a share with a wrong DLEQ proof
is rejected (soundness of Chaum-Pedersen). Tags 0x0b-0x10 are this module's; they keep
its hashes apart from every other preimage of the protocol (0x00-0x0a).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mechanism.commitment import chunk_bytes, num_chunks
from mechanism.errors import CommitmentError, ParameterError
from mechanism.privacy.hiding import salted_leaf

#: alt_bn128 base field modulus and group order (EIP-196).
P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
Q = 21888242871839275222246405745257275088548364400416034343698204186575808495617
CURVE_B = 3
G: tuple[int, int] = (1, 2)

LEAF_SCALAR_TAG = b"\x0b"
LEAF_KEY_TAG = b"\x0c"
LEAF_SALT_TAG = b"\x0d"
DLEQ_CHALLENGE_TAG = b"\x0e"
DLEQ_NONCE_TAG = b"\x0f"
UPDATE_KEY_TAG = b"\x10"
UPDATE_KEY_BYTES = 32
GCM_TAG_BYTES = 16
GCM_NONCE = bytes(12)
#: Bytes of a compressed header point (x with the parity of y in bit 255; p < 2^254).
HEADER_BYTES = 32

Point = tuple[int, int] | None


# ------------------------------------------------------------------ group arithmetic

def on_curve(pt: Point) -> bool:
    """True for the point at infinity and for affine points of ``y^2 = x^3 + 3``."""
    if pt is None:
        return True
    x, y = pt
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - CURVE_B) % P == 0


def _jdouble(x: int, y: int, z: int) -> tuple[int, int, int]:
    if y == 0 or z == 0:
        return 0, 1, 0
    a = x * x % P
    b = y * y % P
    c = b * b % P
    dd = 2 * ((x + b) ** 2 - a - c) % P
    e = 3 * a % P
    x3 = (e * e - 2 * dd) % P
    return x3, (e * (dd - x3) - 8 * c) % P, 2 * y * z % P


def _jadd_affine(x1: int, y1: int, z1: int, x2: int, y2: int) -> tuple[int, int, int]:
    """Jacobian + affine (mixed addition, EFD "madd-2007-bl" without the z2 terms)."""
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % P
    u2 = x2 * z1z1 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - x1) % P
    r = (s2 - y1) % P
    if h == 0:
        return _jdouble(x1, y1, z1) if r == 0 else (0, 1, 0)
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    return x3, (r * (v - x3) - y1 * hhh) % P, z1 * h % P


def _to_affine(x: int, y: int, z: int) -> Point:
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def add(a: Point, b: Point) -> Point:
    """a + b."""
    if a is None:
        return b
    if b is None:
        return a
    return _to_affine(*_jadd_affine(a[0], a[1], 1, b[0], b[1]))


def neg(a: Point) -> Point:
    """-a."""
    return None if a is None else (a[0], (-a[1]) % P)


def mul(a: Point, k: int) -> Point:
    """k a by double-and-add (k reduced mod q)."""
    k %= Q
    if a is None or k == 0:
        return None
    x, y, z = 0, 1, 0
    for bit in bin(k)[2:]:
        x, y, z = _jdouble(x, y, z)
        if bit == "1":
            x, y, z = _jadd_affine(x, y, z, a[0], a[1])
    return _to_affine(x, y, z)


class FixedBase:
    """Multiples of one point in 8-bit windows: ``table[i][b] = b 2^(8i) B`` (affine),
    so ``k B`` is at most 32 mixed additions (Brickell et al., EUROCRYPT 1992, fixed-base
    windows). Used for G and PK, the two bases of every encapsulation."""

    WINDOWS = 32

    def __init__(self, base: tuple[int, int]) -> None:
        self.base = base
        table: list[list[tuple[int, int]]] = []
        row_base: tuple[int, int] = base
        for _ in range(self.WINDOWS):
            row: list[tuple[int, int]] = [(0, 0), row_base]
            acc: Point = row_base
            for _b in range(2, 256):
                acc = add(acc, row_base)
                assert acc is not None
                row.append(acc)
            table.append(row)
            nxt = mul(row_base, 256)
            assert nxt is not None
            row_base = nxt
        self.table = table

    def jmul(self, k: int) -> tuple[int, int, int]:
        """k B in Jacobian coordinates."""
        k %= Q
        x, y, z = 0, 1, 0
        tab = self.table
        for i, b in enumerate(k.to_bytes(32, "little")):
            if b:
                px, py = tab[i][b]
                x, y, z = _jadd_affine(x, y, z, px, py)
        return x, y, z

    def mul(self, k: int) -> Point:
        return _to_affine(*self.jmul(k))


def _batch_affine(jac: Sequence[tuple[int, int, int]]) -> list[Point]:
    """Jacobian to affine with one inversion for all (Montgomery's trick)."""
    prefix = [1]
    for _, _, z in jac:
        prefix.append(prefix[-1] * (z or 1) % P)
    inv = pow(prefix[-1], -1, P)
    out: list[Point] = [None] * len(jac)
    for i in range(len(jac) - 1, -1, -1):
        x, y, z = jac[i]
        zi = inv * prefix[i] % P
        inv = inv * (z or 1) % P
        if z == 0:
            continue
        zi2 = zi * zi % P
        out[i] = (x * zi2 % P, y * zi2 * zi % P)
    return out


_G_TABLE: list[FixedBase] = []


def g_table() -> FixedBase:
    """The fixed-base table of G (built once)."""
    if not _G_TABLE:
        _G_TABLE.append(FixedBase(G))
    return _G_TABLE[0]


def compress(pt: tuple[int, int]) -> bytes:
    """32 bytes: x big-endian with the parity of y in the top bit."""
    return (pt[0] | ((pt[1] & 1) << 255)).to_bytes(32, "big")


def decompress(b: bytes) -> tuple[int, int]:
    """Inverse of :func:`compress` (``p = 3 mod 4``: ``y = (x^3 + 3)^((p + 1) / 4)``)."""
    if len(b) != HEADER_BYTES:
        raise CommitmentError(f"header has {len(b)} bytes, expected {HEADER_BYTES}")
    v = int.from_bytes(b, "big")
    x, parity = v & ((1 << 255) - 1), v >> 255
    y = pow((x * x * x + CURVE_B) % P, (P + 1) // 4, P)
    if x >= P or (y * y - x * x * x - CURVE_B) % P:
        raise CommitmentError("header is not a point of alt_bn128 G1")
    return x, (y if (y & 1) == parity else P - y)


def _u256(*vs: int) -> bytes:
    return b"".join(v.to_bytes(32, "big") for v in vs)


def _scalar(rng: np.random.Generator) -> int:
    while True:
        k = int.from_bytes(rng.bytes(32), "big") % Q
        if k:
            return k


# ------------------------------------------------------------------ committee keys

@dataclass(frozen=True)
class Committee:
    """A (t, m) committee: public key, verification keys (index i - 1 is member i), and
    the members' secret shares (held by the members; kept together only in simulations)."""

    threshold: int
    members: int
    public_key: tuple[int, int]
    verification_keys: tuple[tuple[int, int], ...]
    secret_shares: tuple[int, ...]


def deal(members: int, threshold: int, rng: np.random.Generator) -> Committee:
    """Shamir-share a random secret among ``members`` with ``threshold`` (module docstring)."""
    for name, v, lo in (("members", members, 1), ("threshold", threshold, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    if threshold > members:
        raise ParameterError.bad("threshold", threshold, f"at most the number of members ({members})")
    coeffs = [_scalar(rng) for _ in range(threshold)]
    shares = []
    for i in range(1, members + 1):
        acc = 0
        for c in reversed(coeffs):
            acc = (acc * i + c) % Q
        shares.append(acc)
    gt = g_table()
    pk = gt.mul(coeffs[0])
    vks = tuple(gt.mul(s) for s in shares)
    assert pk is not None and all(v is not None for v in vks)
    return Committee(threshold, members, pk, vks, tuple(shares))  # type: ignore[arg-type]


def lagrange_at_zero(indices: Sequence[int]) -> list[int]:
    """``lambda_i = prod_{k != i} k / (k - i) mod q`` for the member indices given."""
    if len(set(indices)) != len(indices) or any(i < 1 for i in indices):
        raise ParameterError.bad("indices", list(indices), "distinct member indices >= 1")
    out = []
    for i in indices:
        num = den = 1
        for k in indices:
            if k != i:
                num = num * k % Q
                den = den * (k - i) % Q
        out.append(num * pow(den, -1, Q) % Q)
    return out


def lagrange_denominators(indices: Sequence[int]) -> list[int]:
    """``prod_{k != i} (k - i) mod q`` per index: the contract checks the caller's inverses of these."""
    out = []
    for i in indices:
        den = 1
        for k in indices:
            if k != i:
                den = den * (k - i) % Q
        out.append(den)
    return out


# ------------------------------------------------------------------ encryption

def update_key(seed: int, trainer: int) -> bytes:
    """Trainer ``trainer``'s 32-byte update key from a generator seeded by ``(seed, trainer)``
    (reproducible; a deployment draws it from a CSPRNG)."""
    for name, v in (("seed", seed), ("trainer", trainer)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ParameterError.bad(name, v, "an integer >= 0")
    return np.random.SeedSequence([seed, trainer, 0x0B]).generate_state(8, np.uint32).astype("<u4").tobytes()


def leaf_scalar(key: bytes, j: int) -> int:
    """``r_j = sha256(0x0b || uint256(j) || K) mod q`` (1 if that is 0)."""
    if len(key) != UPDATE_KEY_BYTES:
        raise ParameterError.bad("key", f"{len(key)} bytes", f"{UPDATE_KEY_BYTES} bytes")
    r = int.from_bytes(hashlib.sha256(LEAF_SCALAR_TAG + j.to_bytes(32, "big") + key).digest(), "big") % Q
    return r or 1


def leaf_key(j: int, shared: tuple[int, int]) -> bytes:
    """AES-256-GCM key of leaf j from its shared point."""
    return hashlib.sha256(LEAF_KEY_TAG + _u256(j, *shared)).digest()


def leaf_salt(j: int, shared: tuple[int, int]) -> bytes:
    """Commitment salt of leaf j from its shared point (the contract derives the same)."""
    return hashlib.sha256(LEAF_SALT_TAG + _u256(j, *shared)).digest()


@dataclass(frozen=True)
class EncryptedUpdate:
    """What a trainer publishes for data availability (beside its salted root): per leaf
    the compressed header and the AES-GCM ciphertext with its tag; the update key
    encapsulated for readers; and the salted leaf hashes (the tree's level 0)."""

    d: int
    chunk: int
    headers: tuple[bytes, ...]
    ciphertexts: tuple[bytes, ...]
    key_header: bytes
    key_ciphertext: bytes
    leaves: tuple[bytes, ...]

    @property
    def ciphertext_bytes(self) -> int:
        """Bytes published per update: headers, ciphertexts with tags, the key capsule."""
        return (sum(len(h) for h in self.headers) + sum(len(c) for c in self.ciphertexts)
                + len(self.key_header) + len(self.key_ciphertext))

    @property
    def plaintext_bytes(self) -> int:
        return 8 * self.d


#: Fixed-base tables of recent public keys (a table takes ~0.2 s to build).
_PK_TABLES: dict[tuple[int, int], FixedBase] = {}


class Encryptor:
    """A trainer's encryption to one committee public key (fixed-base tables of G and PK)."""

    def __init__(self, public_key: tuple[int, int]) -> None:
        if public_key is None or not on_curve(public_key):
            raise ParameterError.bad("public_key", public_key, "a point of alt_bn128 G1")
        self.public_key = public_key
        self.g = g_table()
        if public_key not in _PK_TABLES:
            if len(_PK_TABLES) >= 8:
                _PK_TABLES.pop(next(iter(_PK_TABLES)))
            _PK_TABLES[public_key] = FixedBase(public_key)
        self.pk = _PK_TABLES[public_key]

    def shared_points(self, key: bytes, leaves: Sequence[int]) -> tuple[list[Point], list[Point]]:
        """Headers ``R_j`` and shared points ``S_j`` of ``leaves`` (batch-normalised)."""
        rs = [leaf_scalar(key, j) for j in leaves]
        heads = _batch_affine([self.g.jmul(r) for r in rs])
        shared = _batch_affine([self.pk.jmul(r) for r in rs])
        return heads, shared

    def encrypt(self, values: object, key: bytes, chunk: int, context: bytes = b"",
                rng: np.random.Generator | None = None) -> EncryptedUpdate:
        """Encrypt an int64 vector leaf by leaf (module docstring); ``context`` (e.g. round
        and trainer) is authenticated with every leaf; ``rng`` draws the key capsule's
        randomness (seeded by the key when omitted)."""
        from Crypto.Cipher import AES

        vec = np.ascontiguousarray(np.asarray(values), dtype="<i8")
        if vec.ndim != 1 or vec.size < 1:
            raise ParameterError.bad("values", f"shape {vec.shape}", "a non-empty int64 vector")
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ParameterError.bad("chunk", chunk, "an integer >= 1")
        d = int(vec.size)
        m = num_chunks(d, chunk)
        heads, shared = self.shared_points(key, range(m))
        hdrs, cts, leaves = [], [], []
        for j in range(m):
            s_j, r_j = shared[j], heads[j]
            assert s_j is not None and r_j is not None
            part = vec[j * chunk : (j + 1) * chunk]
            ciph = AES.new(leaf_key(j, s_j), AES.MODE_GCM, nonce=GCM_NONCE)
            ciph.update(context + j.to_bytes(32, "big"))
            ct, tag = ciph.encrypt_and_digest(chunk_bytes(part))
            hdrs.append(compress(r_j))
            cts.append(ct + tag)
            leaves.append(salted_leaf(j, leaf_salt(j, s_j), part))
        g = rng if rng is not None else np.random.default_rng(np.frombuffer(key, dtype=np.uint32))
        rho = _scalar(g)
        r_k = self.g.mul(rho)
        s_k = self.pk.mul(rho)
        assert r_k is not None and s_k is not None
        pad = hashlib.sha256(UPDATE_KEY_TAG + _u256(*s_k)).digest()
        cap = bytes(a ^ b for a, b in zip(key, pad, strict=True))
        return EncryptedUpdate(d, chunk, tuple(hdrs), tuple(cts), compress(r_k), cap, tuple(leaves))


def decrypt_leaf(enc: EncryptedUpdate, j: int, shared: tuple[int, int], context: bytes = b"") -> np.ndarray:
    """Chunk j from its ciphertext and the shared point ``S_j`` (CommitmentError if the
    GCM tag or the salted leaf does not verify)."""
    from Crypto.Cipher import AES

    if not 0 <= j < len(enc.ciphertexts):
        raise ParameterError.bad("j", j, f"a leaf index in [0, {len(enc.ciphertexts)})")
    blob = enc.ciphertexts[j]
    ciph = AES.new(leaf_key(j, shared), AES.MODE_GCM, nonce=GCM_NONCE)
    ciph.update(context + j.to_bytes(32, "big"))
    try:
        raw = ciph.decrypt_and_verify(blob[:-GCM_TAG_BYTES], blob[-GCM_TAG_BYTES:])
    except ValueError:
        raise CommitmentError(f"leaf {j}: the AES-GCM tag does not verify under this key") from None
    vals = np.frombuffer(raw, dtype="<i8").astype(np.int64)
    if salted_leaf(j, leaf_salt(j, shared), vals) != enc.leaves[j]:
        raise CommitmentError(f"leaf {j}: the decrypted chunk does not open the committed leaf")
    return vals


def decrypt_update_key(enc: EncryptedUpdate, shared: tuple[int, int]) -> bytes:
    """K from the key capsule and ``s R_K`` (what the committee gives a reader)."""
    pad = hashlib.sha256(UPDATE_KEY_TAG + _u256(*shared)).digest()
    return bytes(a ^ b for a, b in zip(enc.key_ciphertext, pad, strict=True))


# ------------------------------------------------------------------ shares and proofs

@dataclass(frozen=True)
class DecryptionShare:
    """Member ``index``'s share ``D = s_i R`` of header R with its DLEQ proof (c, z)."""

    index: int
    share: tuple[int, int]
    c: int
    z: int


def _challenge(vk: tuple[int, int], r: tuple[int, int], dsh: tuple[int, int], a1: Point, a2: Point) -> int:
    pts = [G, vk, r, dsh, a1 or (0, 0), a2 or (0, 0)]
    return int.from_bytes(hashlib.sha256(DLEQ_CHALLENGE_TAG + _u256(*(c for p in pts for c in p))).digest(),
                          "big") % Q


def decryption_share(committee: Committee, index: int, header: tuple[int, int]) -> DecryptionShare:
    """Member ``index`` (1-based) decrypts header R: ``D = s_i R`` and its proof."""
    if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= committee.members:
        raise ParameterError.bad("index", index, f"a member index in [1, {committee.members}]")
    if header is None or not on_curve(header):
        raise ParameterError.bad("header", header, "a point of alt_bn128 G1")
    s_i = committee.secret_shares[index - 1]
    dsh = mul(header, s_i)
    assert dsh is not None
    w = int.from_bytes(hashlib.sha256(DLEQ_NONCE_TAG + _u256(s_i, *header)).digest(), "big") % Q or 1
    a1, a2 = g_table().mul(w), mul(header, w)
    c = _challenge(committee.verification_keys[index - 1], header, dsh, a1, a2)
    return DecryptionShare(index, dsh, c, (w + c * s_i) % Q)


def verify_share(vk: tuple[int, int], header: tuple[int, int], sh: DecryptionShare) -> bool:
    """The Chaum-Pedersen check of one share against the member's verification key."""
    if not (on_curve(sh.share) and on_curve(header) and 0 <= sh.c < Q and 0 <= sh.z < Q) or sh.share is None:
        return False
    a1 = add(g_table().mul(sh.z), neg(mul(vk, sh.c)))
    a2 = add(mul(header, sh.z), neg(mul(sh.share, sh.c)))
    return _challenge(vk, header, sh.share, a1, a2) == sh.c


def combine(shares: Sequence[DecryptionShare]) -> Point:
    """``sum lambda_i D_i`` over the given shares (no verification: see :func:`reveal`)."""
    lam = lagrange_at_zero([s.index for s in shares])
    acc: Point = None
    for lm, s in zip(lam, shares, strict=True):
        acc = add(acc, mul(s.share, lm))
    return acc


def reveal(committee: Committee, header: tuple[int, int], shares: Sequence[DecryptionShare]) -> tuple[int, int]:
    """The shared point of ``header`` from at least t verified shares of distinct members
    (CommitmentError naming the first bad share, or too few)."""
    seen: set[int] = set()
    good: list[DecryptionShare] = []
    for s in shares:
        if not 1 <= s.index <= committee.members or s.index in seen:
            raise CommitmentError(f"share of member {s.index}: not a distinct member index in [1, {committee.members}]")
        if not verify_share(committee.verification_keys[s.index - 1], header, s):
            raise CommitmentError(f"share of member {s.index}: the DLEQ proof does not verify")
        seen.add(s.index)
        good.append(s)
    if len(good) < committee.threshold:
        raise CommitmentError(f"{len(good)} valid shares, the threshold is {committee.threshold}")
    pt = combine(good[: committee.threshold])
    assert pt is not None
    return pt
