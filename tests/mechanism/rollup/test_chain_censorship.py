"""The simulated L1: EIP-1559 updates, inclusion by fee, censorship q^T, stuffing cost."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analyses.censorship import miss_probability
from mechanism.chain import (
    GAS_LIMIT,
    GAS_TARGET,
    GWEI,
    Chain,
    Tx,
    censorship_trial,
    next_base_fee,
    stuffing_cost_prediction_wei,
    stuffing_run,
)
from mechanism.errors import ParameterError


def test_base_fee_update_follows_eip1559() -> None:
    b = 10 * GWEI
    assert next_base_fee(b, GAS_TARGET) == b
    assert next_base_fee(b, GAS_LIMIT) == b + b // 8  # full block: +12.5%
    assert next_base_fee(b, 0) == b - b // 8  # empty block: -12.5%
    assert next_base_fee(b, GAS_TARGET + GAS_TARGET // 2) == b + b // 16
    assert next_base_fee(7, GAS_TARGET + 1) == 8  # minimum increase of 1 wei


def test_inclusion_by_tip_and_base_fee() -> None:
    chain = Chain(seed=1, background_gas_mean=0, base_fee_wei=GWEI)
    low = chain.submit(Tx("a", GAS_LIMIT // 2, 10 * GWEI, 1))
    high = chain.submit(Tx("b", GAS_LIMIT // 2, 10 * GWEI, GWEI))
    cheap = chain.submit(Tx("c", 21_000, GWEI // 2, GWEI))  # max fee below the base fee
    block = chain.step()
    assert block.txs == [high, low] and cheap in chain.mempool


def test_chain_is_deterministic_from_seed() -> None:
    def fees(seed: int) -> list[int]:
        c = Chain(seed=seed, censor_fraction=0.3)
        return [c.step().base_fee_wei for _ in range(30)]

    assert fees(5) == fees(5) and fees(5) != fees(6)
    with pytest.raises(ParameterError):
        Chain(censor_fraction=1.5)


@pytest.mark.parametrize(("q", "window"), [(0.5, 3), (0.8, 5), (0.3, 1)])
def test_censorship_miss_probability_matches_q_to_the_T(q: float, window: int) -> None:
    rng = np.random.default_rng(11)
    res = miss_probability(q, window, trials=3000, rng=rng)
    assert res["ci_low"] <= q**window <= res["ci_high"], res
    direct = np.mean([censorship_trial(q, window, rng) for _ in range(300)])
    assert abs(direct - q**window) < 0.1


def test_stuffing_cost_grows_as_eip1559_predicts() -> None:
    for k in (1, 5, 20):
        cost, fees = stuffing_run(k, 10 * GWEI, tip_wei=GWEI)
        pred = stuffing_cost_prediction_wei(k, 10 * GWEI, GWEI)
        assert abs(cost - pred) / pred < 0.01
        assert all(b2 > b1 for b1, b2 in itertools.pairwise(fees))
