"""Units, L1 protocol constants and dated market defaults: the only home of each.

Internally every amount is a float in **ETH** (integer **wei** on chain), every duration
in **L1 blocks** (or years where an interest rate is applied), every gas amount in
**gas**. This module is the one place that defines the L1's block time, block gas limit
and target, transaction intrinsic gas, calldata and blob pricing, the per-transaction gas
cap, and the wei/gwei/ETH/USD and block/time conversions; a test fails if another module
defines its own block time, gas limit or intrinsic gas.

Market defaults
---------------
Each default is an *assumption*, dated, with the source it was taken from. They are
what ``orfl recommend`` uses when the user gives nothing; the design is robust over a
box around them (:mod:`mechanism.economics.scenario`), so they matter less than the
box edges. Replace them with current values before relying on a recommendation.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

WEI_PER_ETH = 10**18
WEI_PER_GWEI = 10**9
GWEI_PER_ETH = 10**9

#: Ethereum slot time after the Merge: ``SECONDS_PER_SLOT = 12`` in the consensus specs
#: (ethereum/consensus-specs, phase0 config, unchanged through Pectra/Fusaka, checked
#: 2026-11). One L1 block per slot is assumed (missed slots are ignored: conservative
#: for the censorship bound, which counts blocks, optimistic for wall-clock periods).
BLOCK_TIME_SECONDS = 12
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0
#: Julian year, the convention for converting an annual interest rate.
SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY
BLOCKS_PER_HOUR = SECONDS_PER_HOUR / BLOCK_TIME_SECONDS  # 300
BLOCKS_PER_DAY = SECONDS_PER_DAY / BLOCK_TIME_SECONDS  # 7200
BLOCKS_PER_YEAR = SECONDS_PER_YEAR / BLOCK_TIME_SECONDS  # 2,629,800

#: Nominal L1 gas price (base fee + tip), gwei. Assumption dated 2026-11: after the 2025
#: gas-limit increases, Etherscan's gas tracker showed typical prices of 0.5-5 gwei
#: through 2025; we take 5 gwei as nominal and design over the range
#: [DEFAULT_GAS_PRICE_RANGE_GWEI], whose upper end covers congestion spikes.
DEFAULT_GAS_PRICE_GWEI = 5.0
DEFAULT_GAS_PRICE_RANGE_GWEI = (1.0, 100.0)

#: ETH price, USD. Assumption dated 2026-11 (2025 spot range on CoinGecko was roughly
#: 1,500-4,900 USD); nominal 3,500 USD, designed over [1,500, 8,000].
DEFAULT_ETH_PRICE_USD = 3_500.0
DEFAULT_ETH_PRICE_RANGE_USD = (1_500.0, 8_000.0)

#: Opportunity cost of locked capital, 1/year. Assumption dated 2026-11: Ethereum
#: staking yields ~3 %/yr (beaconcha.in, 2025) plus a risk premium for capital that is
#: locked and slashable; 5 %/yr nominal.
DEFAULT_INTEREST_RATE_PER_YEAR = 0.05

#: L1 block gas limit, gas. Raised to 36M (Feb 2025), 45M (Jul 2025) and 60M (Fusaka,
#: Dec 2025) by validator signalling; 60M assumed as of 2026-11. It scales the EIP-1559
#: block-stuffing cost (:func:`mechanism.economics.period.stuffing_cost_eth`) and is the
#: limit of the simulated L1 (:mod:`mechanism.chain`).
BLOCK_GAS_LIMIT = 60_000_000
DEFAULT_BLOCK_GAS_LIMIT = BLOCK_GAS_LIMIT
#: EIP-1559: the gas target is the limit divided by ``ELASTICITY_MULTIPLIER = 2``, and the
#: base fee moves by at most ``1 / BASE_FEE_MAX_CHANGE_DENOMINATOR`` per block.
ELASTICITY_MULTIPLIER = 2
BLOCK_GAS_TARGET = BLOCK_GAS_LIMIT // ELASTICITY_MULTIPLIER
BASE_FEE_MAX_CHANGE_DENOMINATOR = 8

# ---------------------------------------------------------------- transaction gas
#: Intrinsic gas of every transaction (Yellow Paper G_transaction).
TX_INTRINSIC_GAS = 21_000
#: Calldata gas per zero / non-zero byte (EIP-2028).
CALLDATA_ZERO_BYTE_GAS = 4
CALLDATA_NONZERO_BYTE_GAS = 16
#: EIP-7623 (Pectra) floor: ``21,000 + 10 * tokens`` with ``tokens = zero + 4 * nonzero``.
CALLDATA_FLOOR_GAS_PER_TOKEN = 10
CALLDATA_TOKENS_PER_NONZERO_BYTE = 4
#: EIP-7825 (Fusaka) per-transaction gas cap, 2^24 = 16,777,216.
MAX_TX_GAS = 1 << 24

# ---------------------------------------------------------------- blobs (EIP-4844)
#: A blob is 4,096 field elements of 32 bytes (131,072 bytes; 126,976 usable when each
#: element carries 31 payload bytes below the BLS modulus) and costs ``GAS_PER_BLOB``
#: blob gas (EIP-4844). Blobs are retained ``BLOB_RETENTION_EPOCHS`` epochs by consensus
#: clients (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS = 4096 epochs of 32 slots: ~18.2 days).
BYTES_PER_BLOB = 131_072
USABLE_BYTES_PER_BLOB = 4_096 * 31
GAS_PER_BLOB = 1 << 17
BLOB_RETENTION_EPOCHS = 4_096
SLOTS_PER_EPOCH = 32
#: Minimum blob base fee, wei per blob gas (EIP-4844 ``MIN_BASE_FEE_PER_BLOB_GAS``).
MIN_BASE_FEE_PER_BLOB_GAS_WEI = 1
#: Blob target and maximum per block in force, and the base-fee update fraction that goes
#: with them. Cancun (EIP-4844, Mar 2024): 3 / 6, 3,338,477; Prague (EIP-7691, May 2025):
#: 6 / 9, 5,007,716; Fusaka (Dec 3, 2025) schedules blob-parameter-only forks (EIP-7892):
#: BPO1 (Dec 9, 2025) 10 / 15, 8,346,193; BPO2 (Jan 7, 2026) 14 / 21, 11,684,671. BPO2 is
#: assumed in force as of 2026-11 (no later BPO scheduled in the Fusaka meta-EIP-7607).
TARGET_BLOBS_PER_BLOCK = 14
MAX_BLOBS_PER_BLOCK = 21
BLOB_BASE_FEE_UPDATE_FRACTION = 11_684_671
#: Per-transaction blob limit, EIP-7594 (PeerDAS, Fusaka): ``MAX_BLOBS_PER_TX = 6``.
MAX_BLOBS_PER_TX = 6
#: EIP-7918 (Fusaka) reserve price: the blob base fee is held at or above
#: ``BLOB_BASE_COST * base_fee_per_gas / GAS_PER_BLOB`` (a blob costs at least as much as
#: 2^13 execution gas), ``BLOB_BASE_COST = 2**13``.
BLOB_BASE_COST = 1 << 13
#: Point-evaluation precompile (address 0x0A), EIP-4844 ``POINT_EVALUATION_PRECOMPILE_GAS``;
#: its input is 192 bytes (versioned hash 32, z 32, y 32, commitment 48, proof 48).
POINT_EVALUATION_PRECOMPILE_GAS = 50_000
POINT_EVALUATION_INPUT_BYTES = 192
#: ``BLOBHASH`` opcode gas (EIP-4844 ``HASH_OPCODE_GAS``).
BLOBHASH_OPCODE_GAS = 3
#: Bytes of a field element of a blob (EIP-4844 ``BYTES_PER_FIELD_ELEMENT``) and its
#: usable payload bytes when each element stays below the BLS12-381 scalar modulus.
BYTES_PER_FIELD_ELEMENT = 32
USABLE_BYTES_PER_FIELD_ELEMENT = 31
FIELD_ELEMENTS_PER_BLOB = 4_096

#: Price of one verifier's compute, USD per hour of re-execution (a few cloud vCPUs).
#: Assumption dated 2026-11 (on-demand 8-vCPU instances list at 0.3-0.7 USD/h).
DEFAULT_COMPUTE_USD_PER_HOUR = 0.5
#: Price of downloading the round's updates, USD per GB (cloud egress lists at
#: 0.05-0.09 USD/GB, 2025). Assumption dated 2026-11.
DEFAULT_BANDWIDTH_USD_PER_GB = 0.05
#: Verifier's download bandwidth, Gbit/s. Assumption.
DEFAULT_DOWNLOAD_GBIT_PER_S = 1.0


def calldata_gas(data: bytes) -> int:
    """Calldata gas of ``data`` (EIP-2028: 16 per non-zero byte, 4 per zero byte)."""
    zeros = data.count(0)
    return CALLDATA_ZERO_BYTE_GAS * zeros + CALLDATA_NONZERO_BYTE_GAS * (len(data) - zeros)


def calldata_gas_of_counts(nbytes: float, zero_bytes: float, eip7623: bool = False) -> float:
    """Intrinsic + calldata gas of a transaction with ``nbytes`` of calldata of which
    ``zero_bytes`` are zero; with ``eip7623`` the EIP-7623 floor
    ``21,000 + 10 * (zero + 4 * nonzero)`` applies when it is higher."""
    nonzero = nbytes - zero_bytes
    std = TX_INTRINSIC_GAS + CALLDATA_NONZERO_BYTE_GAS * nonzero + CALLDATA_ZERO_BYTE_GAS * zero_bytes
    if not eip7623:
        return std
    floor = TX_INTRINSIC_GAS + CALLDATA_FLOOR_GAS_PER_TOKEN * (zero_bytes + CALLDATA_TOKENS_PER_NONZERO_BYTE * nonzero)
    return max(std, floor)


def intrinsic_gas(data: bytes, eip7623: bool = False) -> int:
    """Gas a transaction with calldata ``data`` pays before execution:
    ``21,000 + calldata`` (EIP-2028), or the EIP-7623 floor when ``eip7623`` and higher."""
    zeros = data.count(0)
    return int(calldata_gas_of_counts(len(data), zeros, eip7623))


def transaction_gas(execution_gas: float, data: bytes) -> int:
    """Gas used by a transaction with calldata ``data`` that executes ``execution_gas``:
    EIP-7623 (Pectra) charges ``21,000 + max(calldata + execution, 10 * tokens)`` with
    calldata per EIP-2028 and ``tokens = zero + 4 * nonzero``."""
    zeros = data.count(0)
    nonzero = len(data) - zeros
    std = TX_INTRINSIC_GAS + calldata_gas(data) + execution_gas
    floor = TX_INTRINSIC_GAS + CALLDATA_FLOOR_GAS_PER_TOKEN * (zeros + CALLDATA_TOKENS_PER_NONZERO_BYTE * nonzero)
    return int(max(std, floor))


def gwei_to_wei(gwei: float) -> int:
    """Integer wei of ``gwei`` (rounded)."""
    return round(gwei * WEI_PER_GWEI)


def gwei_to_eth(gwei: ArrayLike) -> NDArray[np.float64]:
    """``gwei * 1e-9`` ETH."""
    return np.asarray(gwei, dtype=float) / GWEI_PER_ETH


def eth_to_wei(eth: float) -> int:
    """ETH to integer wei (rounded half to even through ``round``)."""
    return round(eth * WEI_PER_ETH)


def wei_to_eth(wei: int) -> float:
    """ETH of ``wei``; amounts beyond float range (e.g. the exact EIP-1559 cost of stuffing
    thousands of blocks, which grows as 1.125^k) are ``inf``."""
    try:
        return wei / WEI_PER_ETH
    except OverflowError:
        return math.inf if wei > 0 else -math.inf


def gas_cost_eth(gas: ArrayLike, gas_price_gwei: ArrayLike) -> NDArray[np.float64]:
    """Cost of ``gas`` at ``gas_price_gwei``: ``gas * price * 1e-9`` ETH."""
    return np.asarray(gas, dtype=float) * np.asarray(gas_price_gwei, dtype=float) / GWEI_PER_ETH


def eth_to_usd(eth: ArrayLike, eth_price_usd: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(eth, dtype=float) * np.asarray(eth_price_usd, dtype=float)


def usd_to_eth(usd: ArrayLike, eth_price_usd: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(usd, dtype=float) / np.asarray(eth_price_usd, dtype=float)


def blocks_to_hours(blocks: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(blocks, dtype=float) / BLOCKS_PER_HOUR


def blocks_to_days(blocks: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(blocks, dtype=float) / BLOCKS_PER_DAY


def blocks_to_years(blocks: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(blocks, dtype=float) / BLOCKS_PER_YEAR


def hours_to_blocks(hours: float) -> int:
    """Whole blocks covering ``hours`` (rounded up)."""
    return math.ceil(hours * BLOCKS_PER_HOUR - 1e-9)


def seconds_to_blocks(seconds: float) -> int:
    """Whole blocks covering ``seconds`` (rounded up)."""
    return math.ceil(seconds / BLOCK_TIME_SECONDS - 1e-9)
