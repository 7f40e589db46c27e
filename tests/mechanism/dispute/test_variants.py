"""The variant commitments and games (Python side): the protocol variant is the
protocol's commitment byte for byte, the others differ only in hash and encoding, and
the honest side wins every game."""

import numpy as np
import pytest

from mechanism import commitment as cm
from mechanism.dispute import variants as V
from mechanism.errors import ParameterError


def _x(n: int, d: int, seed: int = 0, bound: int = 1 << 24) -> np.ndarray:
    return np.random.default_rng(seed).integers(-bound, bound, size=(n, d), dtype=np.int64)


def test_protocol_variant_is_the_protocol_commitment() -> None:
    x = _x(3, 70)
    s = V.setup(V.PROTOCOL, x, 8, 4)
    trees = [cm.commit(r, 8, 4) for r in x]
    assert s.input_roots == [t.root for t in trees]
    assert s.cols.root == cm.commit_columns(trees).root
    assert s.input_tree(1).opening(5) == cm.commit(x[1], 8, 4).opening(5).flat()


def test_keccak_is_the_evm_keccak_not_sha3() -> None:
    v = V.by_name("keccak-le64")
    assert V.hash_bytes(v, b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_int32_encoding_range_and_bytes() -> None:
    v = V.by_name("keccak-be32")
    assert V.encode(v, np.array([1, -1])) == b"\x00\x00\x00\x01\xff\xff\xff\xff"
    with pytest.raises(ParameterError, match="values"):
        V.encode(v, np.array([1 << 31]))
    with pytest.raises(ParameterError, match="big_endian"):
        V.Variant("x", "sha256", 4, False)


@pytest.mark.parametrize("n", [4, 5, 9])
def test_aggregate_matches_floored_order_statistics(n: int) -> None:
    x = _x(n, 40, n)
    assert np.array_equal(V.aggregate("median", x), np.floor(np.median(x, axis=0)).astype(np.int64))
    assert np.array_equal(V.aggregate("mean", x), x.sum(axis=0) // n)
    srt = np.sort(x, axis=0)
    assert np.array_equal(V.aggregate("trimmed_mean", x, 1), srt[1 : n - 1].sum(axis=0) // (n - 2))


def test_onestep_accepts_only_committed_rows_and_true_output() -> None:
    s = V.setup(V.by_name("sha256-be32"), _x(5, 33), 4, 2)
    j = 3
    rows, out = s.rows(j).copy(), s.out[12:16].copy()
    assert V.onestep_accepts(s, j, rows, out)
    out[1] += 1
    assert not V.onestep_accepts(s, j, rows, out)
    rows[2, 0] += 1
    assert not V.onestep_accepts(s, j, rows, V.aggregate("median", rows))


@pytest.mark.parametrize("variant", [v.name for v in V.VARIANTS])
def test_honest_side_wins_every_strategy(variant: str) -> None:
    s = V.setup(V.by_name(variant), _x(6, 50, 2), 4, 4)
    for stage in (0, 1):
        for liar in ("proposer", "challenger", "none"):
            for strat in V.STRATEGIES:
                rec = V.play(s, stage, liar, strat, np.random.default_rng(7))
                assert V.honest_won(rec), (stage, liar, strat, rec.winner)
                assert len(rec.attempts) <= 3 + 2 * s.depth + 2


def test_bad_arguments_are_refused() -> None:
    s = V.setup(V.PROTOCOL, _x(3, 8), 4, 2)
    with pytest.raises(ParameterError, match="stage"):
        V.play(s, 2, "proposer", "stall", np.random.default_rng(0))
    with pytest.raises(ParameterError, match="arity"):
        V.setup(V.PROTOCOL, _x(3, 8), 4, 3)
    with pytest.raises(ParameterError, match="variant"):
        V.by_name("md5")
