"""Design (b) end to end: encrypt to a committee, release the keys to a reader, play the
dispute over the salted leaves with salts revealed by verified committee shares."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.errors import CommitmentError
from mechanism.privacy import committee as cm


@pytest.fixture(scope="module")
def setting() -> tuple[cm.Committee, np.ndarray, list]:
    from mechanism.privacy.committee_game import encrypt_rows

    com = cm.deal(5, 3, np.random.default_rng(7))
    x = np.random.default_rng(8).integers(-(1 << 20), 1 << 20, size=(5, 22), dtype=np.int64)
    x[3] = x[1]  # duplicated rows: equal updates, unlinkable commitments
    return com, x, encrypt_rows(x, com, 4, 2, seed=9, members=(2, 4, 5), context=b"round 1")


def test_a_reader_gets_the_keys_from_t_members_and_decrypts(setting: tuple) -> None:
    from mechanism.privacy.committee_game import reader_decrypt, release_key

    com, x, cms = setting
    enc = cm.Encryptor(com.public_key)
    for t, c in enumerate(cms):
        key = release_key(com, c.enc, (1, 3, 5))
        assert key == cm.update_key(9, t)
        np.testing.assert_array_equal(reader_decrypt(c.enc, key, enc, b"round 1"), x[t])
    assert cms[1].root != cms[3].root
    with pytest.raises(CommitmentError, match="threshold"):
        release_key(com, cms[0].enc, (1, 3))
    with pytest.raises(CommitmentError):  # another trainer's key does not open this update
        reader_decrypt(cms[0].enc, cm.update_key(9, 1), enc, b"round 1")


@pytest.mark.parametrize("rule", ["mean", "median", "trimmed_mean"])
@pytest.mark.parametrize("liar", ["proposer", "challenger"])
def test_dispute_opens_only_what_it_needs_and_the_honest_side_wins(setting: tuple, rule: str, liar: str) -> None:
    from mechanism.dispute.programs import build_program
    from mechanism.dispute.strategies import STRATEGIES
    from mechanism.privacy.committee_game import CommitteeCommitment, encrypt_rows
    from mechanism.privacy.hiding_game import hiding_trace, play_hiding, revealed

    com, x, _ = setting
    kw = {"f": 1} if rule == "trimmed_mean" else {}
    prog = build_program(rule, 5, 22, **kw)
    honest = None
    opening = 0
    for g_i, strategy in enumerate(STRATEGIES):
        cms = encrypt_rows(x, com, 4, 2, seed=9, members=(2, 4, 5), context=b"round 1")  # fresh request logs
        honest = honest or hiding_trace(prog, x, list(cms))
        res, g = play_hiding(prog, x, list(cms), liar, strategy, np.random.default_rng([3, g_i]), honest)
        assert res.honest_won
        assert g is not None
        r = revealed(g)
        opened = {(oc.trainer, oc.j) for oc in r.chunks if oc.salt}
        opening += bool(opened)
        for oc in r.chunks:  # opened values are the trainer's chunk
            assert list(oc.values) == list(x[oc.trainer, 4 * oc.j : 4 * oc.j + 4])
        for t, c in enumerate(cms):
            assert isinstance(c, CommitteeCommitment)
            # the committee decrypted exactly the leaves whose salts the moves carried
            assert c.requested == {j for (u, j) in opened if u == t}
            assert len(c.requested) <= 1  # a one-step opens one chunk index
            for j in range(len(c.enc.headers)):
                s_j = cm.mul(com.public_key, cm.leaf_scalar(cm.update_key(9, t), j))
                assert s_j is not None
                assert r.contains(cm.leaf_salt(j, s_j)) == (j in c.requested)
    assert opening >= 2  # games that ended on a one-step over the inputs
