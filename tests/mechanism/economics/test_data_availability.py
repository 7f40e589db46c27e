"""Data availability of a round: calldata (EIP-7623 floor) vs blobs (EIP-4844/7918/7594)."""

from __future__ import annotations

import math

import pytest

from mechanism.economics import data_availability as da
from mechanism.errors import ParameterError
from mechanism.units import (
    BLOB_BASE_COST,
    GAS_PER_BLOB,
    MAX_BLOBS_PER_BLOCK,
    MAX_BLOBS_PER_TX,
    MAX_TX_GAS,
    TARGET_BLOBS_PER_BLOCK,
    USABLE_BYTES_PER_BLOB,
    blocks_to_days,
    transaction_gas,
)


def test_calldata_floor_binds_for_data_only_transactions() -> None:
    # all non-zero bytes: EIP-7623 charges 40 gas per byte, EIP-2028 16
    c = da.calldata_cost(1000, zero_fraction=0.0, gas_price_gwei=1.0)
    assert c.gas == 21_000 + 40 * 1000
    assert c.transactions == 1
    # all zero bytes: 10 per byte (floor) > 4 (EIP-2028)
    assert da.calldata_cost(1000, zero_fraction=1.0).gas == 21_000 + 10 * 1000


def test_calldata_splits_at_the_eip7825_cap() -> None:
    per_tx = (MAX_TX_GAS - 21_000) // 40
    c = da.calldata_cost(per_tx + 1, zero_fraction=0.0)
    assert c.transactions == 2
    assert c.gas == 40 * (per_tx + 1) + 2 * 21_000


def test_transaction_gas_floor_against_execution() -> None:
    data = b"\x01" * 1000
    # no execution: the floor (21,000 + 40 per non-zero byte) is charged
    assert transaction_gas(0, data) == 21_000 + 40_000
    # with enough execution the standard cost (16 per byte + execution) is charged
    assert transaction_gas(100_000, data) == 21_000 + 16_000 + 100_000


def test_blob_counts_and_limits() -> None:
    b = da.blob_cost(USABLE_BYTES_PER_BLOB * 13 + 1, gas_price_gwei=5.0)
    assert b.blobs == 14
    assert b.blob_gas == 14 * GAS_PER_BLOB
    assert b.transactions == math.ceil(14 / MAX_BLOBS_PER_TX) == 3
    assert b.blocks_at_max == math.ceil(14 / MAX_BLOBS_PER_BLOCK)
    assert b.blocks_at_target == math.ceil(14 / TARGET_BLOBS_PER_BLOCK)


def test_eip7918_reserve_price_is_a_floor() -> None:
    floor = da.blob_base_fee_floor_gwei(16.0)
    assert floor == pytest.approx(16.0 * BLOB_BASE_COST / GAS_PER_BLOB) == pytest.approx(1.0)
    # a lower quoted blob fee is lifted to the floor, a higher one is kept
    assert da.blob_cost(10, 16.0, blob_base_fee_gwei=1e-9).blob_base_fee_gwei == pytest.approx(1.0)
    assert da.blob_cost(10, 16.0, blob_base_fee_gwei=3.0).blob_base_fee_gwei == 3.0
    # at the floor a blob costs as much as BLOB_BASE_COST execution gas
    b = da.blob_cost(10, 16.0)
    assert b.gas_equivalent - b.execution_gas == pytest.approx(BLOB_BASE_COST)


def test_blobs_beat_calldata_and_scale_linearly() -> None:
    small, big = da.round_data_availability(50, 10**4), da.round_data_availability(50, 10**6)
    assert small.cheaper == big.cheaper == "blobs"
    assert big.nbytes == 50 * 10**6 * 8
    assert big.blobs.blobs == math.ceil(big.nbytes / USABLE_BYTES_PER_BLOB)
    assert big.calldata.gas / small.calldata.gas == pytest.approx(100, rel=0.01)
    # narrower encoding: half the bytes, half the blobs (up to rounding)
    half = da.round_data_availability(50, 10**6, bytes_per_value=4)
    assert half.blobs.blobs == math.ceil(big.nbytes / 2 / USABLE_BYTES_PER_BLOB)


def test_retention_constraint() -> None:
    assert da.RETENTION_BLOCKS == 4096 * 32
    # ~18.2 days of 12 s slots
    assert blocks_to_days(da.RETENTION_BLOCKS) == pytest.approx(18.2, abs=0.05)
    assert da.retention_slack_blocks(50_400, 1_000, 200) == da.RETENTION_BLOCKS - 51_600
    assert da.retention_slack_blocks(da.RETENTION_BLOCKS, 1) < 0
    assert da.max_period_blocks(1_000, 200) == da.RETENTION_BLOCKS - 1_200
    # d = 1e9 at n = 50 cannot even be published inside retention at the blob target
    huge = da.round_data_availability(50, 10**9)
    assert da.retention_slack_blocks(0, 0, huge.blobs.blocks_at_target) < 0


def test_openings_point_evaluation_vs_merkle() -> None:
    o = da.opening_cost(50, 16, 10**6, arity=2)
    # 3 int64 per 31-byte field element: 6 elements per trainer's chunk of 16
    assert o.openings == 50 * 6
    assert o.point_evaluation_gas == pytest.approx(300 * (50_000 + 16 * 192))
    assert 0 < o.merkle_gas < o.point_evaluation_gas
    # int8 values: 31 per element, a chunk of 16 is one opening per trainer
    assert da.opening_cost(50, 16, 10**6, bytes_per_value=1).openings == 50


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n_trainers": 0, "model_size": 10}, "trainers"),
    ({"n_trainers": 5, "model_size": 0}, "params"),
    ({"n_trainers": 5, "model_size": 10, "bytes_per_value": 0}, "bytes_per_value"),
    ({"n_trainers": 5, "model_size": 10, "gas_price_gwei": 0.0}, "gas_price_gwei"),
])
def test_bad_input_names_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ParameterError) as e:
        da.round_data_availability(**kwargs)
    assert e.value.parameter == name
    with pytest.raises(ParameterError, match="period_blocks"):
        da.retention_slack_blocks(-1, 0)
