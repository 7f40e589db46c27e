"""Design (b) end to end in Python: trainers encrypt to a committee, a reader obtains the
update keys from t members and decrypts, and the aggregation dispute over salted leaves
runs with every opened salt revealed by t verified committee shares
(docs/privacy_committee.md).

The committed leaves of an encrypted update are the salted leaves of
:mod:`mechanism.privacy.hiding` (only the salt's derivation differs), so the dispute is
:func:`mechanism.privacy.hiding_game.play_hiding` unchanged. :class:`CommitteeCommitment`
is a :class:`~mechanism.privacy.hiding.HidingCommitment` whose ``salt(j)`` asks the
committee: t members' decryption shares of leaf j's header, each Chaum-Pedersen proof
verified, combined by Lagrange interpolation (:func:`mechanism.privacy.committee.reveal`).
It records which leaves were requested, so a test can check the committee decrypted
only the leaves the dispute opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mechanism.commitment import MerkleTree, _build_levels
from mechanism.errors import ParameterError
from mechanism.privacy import committee as cm
from mechanism.privacy.hiding import HidingCommitment


@dataclass(frozen=True)
class CommitteeCommitment(HidingCommitment):
    """A trainer's salted tree over its encrypted update; salts come from the committee.
    ``key`` (of the parent) is empty: no salt key exists in this design."""

    committee: cm.Committee
    enc: cm.EncryptedUpdate
    members: tuple[int, ...]  # the t members who answer
    requested: set[int] = field(default_factory=set, compare=False, hash=False)
    _salts: dict[int, bytes] = field(default_factory=dict, compare=False, hash=False)

    def salt(self, j: int) -> bytes:
        """Leaf j's salt from t verified shares of its header (cached)."""
        if j not in self._salts:
            self.requested.add(j)
            hdr = cm.decompress(self.enc.headers[j])
            shares = [cm.decryption_share(self.committee, i, hdr) for i in self.members]
            self._salts[j] = cm.leaf_salt(j, cm.reveal(self.committee, hdr, shares))
        return self._salts[j]


def encrypt_rows(x: np.ndarray, committee: cm.Committee, chunk: int, arity: int, seed: int,
                 members: Sequence[int] | None = None, context: bytes = b"") -> list[CommitteeCommitment]:
    """Every row of ``x`` encrypted to ``committee`` (row t with ``update_key(seed, t)``),
    with its salted tree; ``members`` answer salt requests (default: the first t)."""
    from mechanism.commitment import _check_pow2

    _check_pow2("chunk_size", chunk, 1)
    _check_pow2("arity", arity, 2)
    who = tuple(members) if members is not None else tuple(range(1, committee.threshold + 1))
    if len(who) != committee.threshold:
        raise ParameterError.bad("members", list(who), f"{committee.threshold} member indices (the threshold)")
    enc = cm.Encryptor(committee.public_key)
    out = []
    for t in range(len(x)):
        e = enc.encrypt(np.asarray(x[t], dtype=np.int64), cm.update_key(seed, t), chunk, context,
                        np.random.default_rng([seed, t]))
        tree = MerkleTree(_build_levels(b"".join(e.leaves), arity), e.d, chunk, arity)
        out.append(CommitteeCommitment(tree, b"", committee, e, who))
    return out


def release_key(committee: cm.Committee, enc: cm.EncryptedUpdate, members: Sequence[int]) -> bytes:
    """What t members give a registered reader: the update key K from their verified
    shares of the key capsule."""
    hdr = cm.decompress(enc.key_header)
    return cm.decrypt_update_key(enc, cm.reveal(committee, hdr, [cm.decryption_share(committee, i, hdr)
                                                                  for i in members]))


def reader_decrypt(enc: cm.EncryptedUpdate, key: bytes, encryptor: cm.Encryptor, context: bytes = b"") -> np.ndarray:
    """A reader's plaintext of a whole update from its key K (every leaf's GCM tag and
    committed leaf checked: CommitmentError otherwise)."""
    m = len(enc.headers)
    _, shared = encryptor.shared_points(key, range(m))
    parts = []
    for j, s_j in enumerate(shared):
        assert s_j is not None
        parts.append(cm.decrypt_leaf(enc, j, s_j, context))
    return np.concatenate(parts)
