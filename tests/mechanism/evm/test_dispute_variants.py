"""Compiled variants of DisputeGame.vy reach the Python verdict of every variant game,
the honest side wins, and the cheaper encodings are cheaper where the benchmark says."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanism.dispute import variants as V
from mechanism.errors import DisputeError
from mechanism.evm import dispute_variants as E

pytestmark = pytest.mark.evm


def _x(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, d), dtype=np.int64)


def test_protocol_variant_source_is_the_shipped_contract() -> None:
    assert E.source(V.PROTOCOL) == E.CONTRACT.read_text()
    src = E.source(V.by_name("keccak-be32"), arity32=True)
    assert "sha256(" not in src and "keccak256(" in src and "k == 32" in src
    assert "self._le64(" not in src and ">> 224" in src


@pytest.mark.parametrize("liar", ["proposer", "challenger"])
def test_quick_differential(liar: str) -> None:
    s = V.setup(V.by_name("keccak-be32"), _x(5, 40, 1), 4, 4)
    for stage in (0, 1):
        rec = V.play(s, stage, liar, "random_step", np.random.default_rng(3))
        res = E.replay(s, rec, tight=False)
        assert res.winner == rec.winner and V.honest_won(rec)


def test_replay_refuses_a_wrong_python_verdict() -> None:
    s = V.setup(V.by_name("keccak-be32"), _x(4, 30, 2), 4, 2)
    rec = V.play(s, 1, "proposer", "random_step", np.random.default_rng(0))
    rec.winner = "proposer"
    with pytest.raises(DisputeError, match="winner"):
        E.replay(s, rec, tight=False)


@pytest.mark.slow
def test_big_endian_and_keccak_one_steps_are_cheaper() -> None:
    x = _x(16, 600, 4)
    one = {}
    for name in ("sha256-le64", "sha256-be64", "keccak-be64", "keccak-be32"):
        s = V.setup(V.by_name(name), x, 16, 4)
        res = E.replay(s, V.play(s, 1, "proposer", "random_step", np.random.default_rng(5)))
        one[name] = next((e, t) for k, e, t in res.gas if k == "onestep")
    assert one["sha256-be64"][0] < one["sha256-le64"][0]  # no byte swap per value
    assert one["keccak-be64"][0] < one["sha256-be64"][0]  # opcode, not precompile
    assert one["keccak-be32"][1] < one["keccak-be64"][1]  # half the chunk calldata


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variant=st.sampled_from([v.name for v in V.VARIANTS]), stage=st.integers(0, 1),
       liar=st.sampled_from(["proposer", "challenger", "none"]), strategy=st.sampled_from(V.STRATEGIES),
       n=st.integers(1, 9), d=st.integers(1, 80), chunk=st.sampled_from([1, 3, 8]),
       arity=st.sampled_from([2, 4, 16, 32]), rule=st.sampled_from(["mean", "median", "trimmed_mean"]),
       seed=st.integers(0, 1000))
def test_evm_reaches_the_python_verdict(variant: str, stage: int, liar: str, strategy: str, n: int, d: int,
                                        chunk: int, arity: int, rule: str, seed: int) -> None:
    f = 1 if rule == "trimmed_mean" and n >= 3 else 0
    s = V.setup(V.by_name(variant), _x(n, d, seed), chunk, arity, rule, f)
    rec = V.play(s, stage, liar, strategy, np.random.default_rng(seed))
    res = E.replay(s, rec, tight=False)  # compiled once per variant: the shipped bounds
    assert res.winner == rec.winner and V.honest_won(rec)


@pytest.mark.slow
def test_same_depth_game_pays_what_the_full_game_pays() -> None:
    v = V.by_name("keccak-be32")
    full = E.measure(v, 8, 9000, 16, 4, 1, full=True)
    small = E.measure(v, 8, 9000, 16, 4, 1)
    assert E.same_depth_d(9000, 16, 4) < 9000
    assert [k for k, _e, _t in full.gas] == [k for k, _e, _t in small.gas]
    for (k1, e1, t1), (k2, e2, t2) in zip(full.gas, small.gas, strict=True):
        assert k1 == k2 and abs(e1 - e2) <= 200 and abs(t1 - t2) <= 600
