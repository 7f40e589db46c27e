"""Design (b): the Python reference of the threshold encryption (mechanism/privacy/committee.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.errors import CommitmentError, ParameterError
from mechanism.privacy import committee as cm


@pytest.fixture(scope="module")
def committee() -> cm.Committee:
    return cm.deal(7, 4, np.random.default_rng(1))


@pytest.fixture(scope="module")
def encrypted(committee: cm.Committee) -> tuple[np.ndarray, cm.EncryptedUpdate]:
    x = np.random.default_rng(2).integers(-(1 << 40), 1 << 40, size=75, dtype=np.int64)  # 4 full chunks + 11
    return x, cm.Encryptor(committee.public_key).encrypt(x, cm.update_key(0, 3), 16, context=b"round 5")


def test_group_arithmetic_matches_py_ecc() -> None:
    from py_ecc.optimized_bn128 import G1, add, curve_order, field_modulus, multiply, normalize

    assert (field_modulus, curve_order) == (cm.P, cm.Q)
    rng = np.random.default_rng(0)
    for _ in range(5):
        k1, k2 = (int.from_bytes(rng.bytes(32), "big") for _ in range(2))
        ref1, ref2 = normalize(multiply(G1, k1 % cm.Q)), normalize(multiply(G1, k2 % cm.Q))
        a, b = cm.mul(cm.G, k1), cm.g_table().mul(k2)
        assert a == (int(ref1[0]), int(ref1[1]))
        assert b == (int(ref2[0]), int(ref2[1]))
        s = normalize(add(multiply(G1, k1 % cm.Q), multiply(G1, k2 % cm.Q)))
        assert cm.add(a, b) == (int(s[0]), int(s[1]))
        assert a is not None and cm.on_curve(a) and cm.decompress(cm.compress(a)) == a
    assert cm.add(cm.G, cm.neg(cm.G)) is None and cm.mul(cm.G, cm.Q) is None
    assert cm.add(cm.G, cm.G) == cm.mul(cm.G, 2)


def test_decompress_rejects_a_non_point() -> None:
    x = next(v for v in range(5, 100) if pow((v**3 + 3) % cm.P, (cm.P - 1) // 2, cm.P) != 1)
    with pytest.raises(CommitmentError, match="not a point"):
        cm.decompress(x.to_bytes(32, "big"))


def test_every_leaf_round_trips_through_t_shares(committee: cm.Committee,
                                                  encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    x, enc = encrypted
    assert len(enc.headers) == 5 and enc.ciphertext_bytes == 5 * (32 + 16) + 8 * 75 + 64
    rng = np.random.default_rng(3)
    for j in range(5):
        hdr = cm.decompress(enc.headers[j])
        members = sorted(int(i) for i in rng.choice(np.arange(1, 8), size=4, replace=False))
        shared = cm.reveal(committee, hdr, [cm.decryption_share(committee, i, hdr) for i in members])
        np.testing.assert_array_equal(cm.decrypt_leaf(enc, j, shared, b"round 5"), x[16 * j : 16 * j + 16])
        with pytest.raises(CommitmentError, match="tag"):  # the context is authenticated
            cm.decrypt_leaf(enc, j, shared, b"round 6")


def test_the_update_key_capsule_opens_to_readers(committee: cm.Committee,
                                                 encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    _, enc = encrypted
    hdr = cm.decompress(enc.key_header)
    shared = cm.reveal(committee, hdr, [cm.decryption_share(committee, i, hdr) for i in (1, 2, 3, 7)])
    assert cm.decrypt_update_key(enc, shared) == cm.update_key(0, 3)


def test_one_leaf_key_opens_no_other_leaf(committee: cm.Committee,
                                          encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    _, enc = encrypted
    hdr = cm.decompress(enc.headers[1])
    shared = cm.reveal(committee, hdr, [cm.decryption_share(committee, i, hdr) for i in (4, 5, 6, 7)])
    for j in (0, 2, 3, 4):
        with pytest.raises(CommitmentError, match="tag"):
            cm.decrypt_leaf(enc, j, shared, b"round 5")
    assert len({cm.decompress(h) for h in enc.headers}) == 5  # independent headers per leaf


def test_fewer_than_t_shares_do_not_recover(committee: cm.Committee,
                                            encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    _, enc = encrypted
    hdr = cm.decompress(enc.headers[2])
    three = [cm.decryption_share(committee, i, hdr) for i in (1, 3, 6)]
    with pytest.raises(CommitmentError, match="threshold is 4"):
        cm.reveal(committee, hdr, three)
    wrong = cm.combine(three)  # interpolating t - 1 shares gives some other point
    assert wrong is not None
    with pytest.raises(CommitmentError, match="tag"):
        cm.decrypt_leaf(enc, 2, wrong, b"round 5")


def test_t_minus_1_shares_are_consistent_with_any_secret(committee: cm.Committee) -> None:
    """Shamir: for any candidate secret there is a degree t - 1 polynomial through it and
    the t - 1 shares, so the shares alone rule out no secret."""
    idx = [2, 5, 6]
    shares = [committee.secret_shares[i - 1] for i in idx]
    for cand in (0, 1, 12345):
        pts = [(0, cand), *zip(idx, shares, strict=True)]
        # evaluate the interpolating polynomial through pts at each share index: it matches
        for i, s in zip(idx, shares, strict=True):
            val = 0
            for a, (xa, ya) in enumerate(pts):
                num = den = 1
                for b, (xb, _) in enumerate(pts):
                    if a != b:
                        num = num * (i - xb) % cm.Q
                        den = den * (xa - xb) % cm.Q
                val = (val + ya * num * pow(den, -1, cm.Q)) % cm.Q
            assert val == s


def test_forged_shares_and_proofs_are_rejected(committee: cm.Committee,
                                               encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    _, enc = encrypted
    hdr = cm.decompress(enc.headers[0])
    good = [cm.decryption_share(committee, i, hdr) for i in (1, 2, 3, 4)]
    vk = committee.verification_keys
    assert all(cm.verify_share(vk[s.index - 1], hdr, s) for s in good)
    s0 = good[0]
    forged = [
        cm.DecryptionShare(1, cm.add(s0.share, cm.G), s0.c, s0.z),  # wrong share, its proof
        cm.DecryptionShare(1, s0.share, s0.c, (s0.z + 1) % cm.Q),  # wrong response
        cm.DecryptionShare(1, s0.share, (s0.c + 1) % cm.Q, s0.z),  # wrong challenge
        cm.DecryptionShare(5, s0.share, s0.c, s0.z),  # member 1's share claimed by member 5
    ]
    for f in forged:
        assert not cm.verify_share(vk[f.index - 1], hdr, f)
        with pytest.raises(CommitmentError, match=f"member {f.index}: the DLEQ proof"):
            cm.reveal(committee, hdr, [f, *good[1:]] if f.index != 5 else [*good[1:], f])
    other = cm.decompress(enc.headers[1])  # a valid share of another header
    assert not cm.verify_share(vk[0], hdr, cm.decryption_share(committee, 1, other))
    with pytest.raises(CommitmentError, match="distinct"):
        cm.reveal(committee, hdr, [good[0], good[0], *good[1:]])


def test_a_ciphertext_that_does_not_open_the_leaf_is_caught(committee: cm.Committee,
                                                            encrypted: tuple[np.ndarray, cm.EncryptedUpdate]) -> None:
    from dataclasses import replace

    _, enc = encrypted
    hdr = cm.decompress(enc.headers[3])
    shared = cm.reveal(committee, hdr, [cm.decryption_share(committee, i, hdr) for i in (1, 2, 3, 4)])
    bad = replace(enc, leaves=(*enc.leaves[:3], enc.leaves[2], *enc.leaves[4:]))
    with pytest.raises(CommitmentError, match="committed leaf"):
        cm.decrypt_leaf(bad, 3, shared, b"round 5")


@settings(max_examples=30)
@given(m=st.integers(1, 6), data=st.data())
def test_any_t_members_recover_the_shared_point(m: int, data: st.DataObject) -> None:
    t = data.draw(st.integers(1, m))
    com = cm.deal(m, t, np.random.default_rng([m, t]))
    r = data.draw(st.integers(1, cm.Q - 1))
    hdr = cm.g_table().mul(r)
    assert hdr is not None
    members = data.draw(st.lists(st.integers(1, m), min_size=t, max_size=t, unique=True))
    shared = cm.reveal(com, hdr, [cm.decryption_share(com, i, hdr) for i in members])
    assert shared == cm.mul(com.public_key, r)


def test_parameters_are_checked(committee: cm.Committee) -> None:
    with pytest.raises(ParameterError, match="threshold"):
        cm.deal(3, 4, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="index"):
        cm.decryption_share(committee, 8, cm.G)
    with pytest.raises(ParameterError, match="public_key"):
        cm.Encryptor((1, 3))
