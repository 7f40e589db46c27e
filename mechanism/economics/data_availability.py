"""Data availability of a round: publishing the n x d update values on the L1.

A round is disputable only while its inputs can be read (docs/design.md, 'The protocol
in one paragraph'). This module prices publishing them two ways and states the
constraint blob retention puts on the challenge period (docs/cost.md, 'Data
availability').

* **Calldata** (EIP-2028 prices, EIP-7623 floor): a transaction that only carries data
  pays ``21,000 + max(16 nz + 4 z, 10 (z + 4 nz))``; with no execution the floor binds,
  40 gas per non-zero byte, 10 per zero byte. A transaction is capped at 2^24 gas
  (EIP-7825), a block at the gas limit (``mechanism.units.BLOCK_GAS_LIMIT``).
* **Blobs** (EIP-4844): 4,096 field elements of 32 bytes each, 31 payload bytes per
  element below the BLS12-381 modulus (126,976 bytes per blob); each blob is
  ``GAS_PER_BLOB = 2^17`` blob gas at the blob base fee, which EIP-7918 holds at or above
  ``BLOB_BASE_COST * base_fee / GAS_PER_BLOB`` (2^13 execution gas per blob). A
  transaction carries at most ``MAX_BLOBS_PER_TX = 6`` blobs (EIP-7594), a block at most
  ``MAX_BLOBS_PER_BLOCK`` and targets ``TARGET_BLOBS_PER_BLOCK`` (EIP-7892 BPO2 values,
  :mod:`mechanism.units`). Blob gas is a separate market: its cost is reported in ETH and
  as *execution-gas equivalent* (blob fee / base fee) so both designs compare in gas.
* **Retention**: consensus clients serve blobs for ``MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS
  = 4,096`` epochs (EIP-4844, consensus specs deneb/p2p-interface; ~18.2 days). The blocks
  spent publishing, the challenge period and the longest dispute must all fit inside it:
  :func:`retention_slack_blocks` is the constraint the period design calls.
* **Opening published data in a dispute**: a blob field element is opened against the
  blob's versioned hash with the point-evaluation precompile (EIP-4844, 50,000 gas plus a
  192-byte input per opening); a Merkle root over the same bytes is opened with a path of
  sibling hashes (the calibrated per-sibling cost of :mod:`mechanism.dispute.gas`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from mechanism.errors import ParameterError
from mechanism.units import (
    BLOB_BASE_COST,
    BLOB_RETENTION_EPOCHS,
    BLOCK_GAS_LIMIT,
    CALLDATA_FLOOR_GAS_PER_TOKEN,
    CALLDATA_NONZERO_BYTE_GAS,
    CALLDATA_TOKENS_PER_NONZERO_BYTE,
    CALLDATA_ZERO_BYTE_GAS,
    DEFAULT_ETH_PRICE_USD,
    DEFAULT_GAS_PRICE_GWEI,
    GAS_PER_BLOB,
    MAX_BLOBS_PER_BLOCK,
    MAX_BLOBS_PER_TX,
    MAX_TX_GAS,
    POINT_EVALUATION_INPUT_BYTES,
    POINT_EVALUATION_PRECOMPILE_GAS,
    SLOTS_PER_EPOCH,
    TARGET_BLOBS_PER_BLOCK,
    TX_INTRINSIC_GAS,
    USABLE_BYTES_PER_BLOB,
    USABLE_BYTES_PER_FIELD_ELEMENT,
    WEI_PER_ETH,
    WEI_PER_GWEI,
)

#: Bytes per published value at the encoding used today (int64 fixed point, docs/fixedpoint.md).
DEFAULT_BYTES_PER_VALUE = 8
#: Fraction of zero bytes among encoded values (small int64 magnitudes, little-endian); the
#: same assumption as the dispute gas model (:data:`mechanism.dispute.gas.DEFAULT.zero_frac`).
DEFAULT_ZERO_FRACTION = 0.4
#: Blocks the blob sidecars stay retrievable: 4,096 epochs x 32 slots (EIP-4844).
RETENTION_BLOCKS = BLOB_RETENTION_EPOCHS * SLOTS_PER_EPOCH


def _check(n_trainers: int, model_size: int, bytes_per_value: int, zero_fraction: float) -> None:
    if n_trainers < 1:
        raise ParameterError.bad("trainers", n_trainers, "an integer >= 1")
    if model_size < 1:
        raise ParameterError.bad("params", model_size, "an integer >= 1")
    if not 1 <= bytes_per_value <= 32:
        raise ParameterError.bad("bytes_per_value", bytes_per_value, "an integer in [1, 32]")
    if not 0.0 <= zero_fraction <= 1.0:
        raise ParameterError.bad("zero_fraction", zero_fraction, "a fraction in [0, 1]")


def blob_base_fee_floor_gwei(base_fee_gwei: float) -> float:
    """EIP-7918 reserve price of blob gas: ``BLOB_BASE_COST * base_fee / GAS_PER_BLOB``
    (gwei per blob gas; 1/16 of the execution base fee)."""
    if not base_fee_gwei >= 0:
        raise ParameterError.bad("base_fee_gwei", base_fee_gwei, "a price >= 0 gwei")
    return BLOB_BASE_COST * base_fee_gwei / GAS_PER_BLOB


@dataclass(frozen=True)
class CalldataCost:
    """Publishing ``nbytes`` as calldata of data-only transactions (EIP-7623 floor)."""

    nbytes: float
    gas: float  # all transactions, intrinsic included
    transactions: int  # each within the EIP-7825 cap
    blocks_at_limit: int  # whole blocks at the gas limit
    eth: float


def calldata_cost(nbytes: float, zero_fraction: float = DEFAULT_ZERO_FRACTION,
                  gas_price_gwei: float = DEFAULT_GAS_PRICE_GWEI) -> CalldataCost:
    """Gas of publishing ``nbytes`` as calldata.

    Per byte, with no execution the EIP-7623 floor binds: ``10 * (z + 4 nz)`` against
    EIP-2028's ``4 z + 16 nz`` (the larger is charged). Transactions are filled up to the
    EIP-7825 cap of 2^24 gas, each paying 21,000 intrinsic gas; blocks at the gas limit.
    """
    if not nbytes >= 0:
        raise ParameterError.bad("nbytes", nbytes, "a byte count >= 0")
    z = zero_fraction
    per_byte = max(CALLDATA_FLOOR_GAS_PER_TOKEN * (z + CALLDATA_TOKENS_PER_NONZERO_BYTE * (1 - z)),
                   CALLDATA_ZERO_BYTE_GAS * z + CALLDATA_NONZERO_BYTE_GAS * (1 - z))
    bytes_per_tx = math.floor((MAX_TX_GAS - TX_INTRINSIC_GAS) / per_byte)
    txs = max(1, math.ceil(nbytes / bytes_per_tx))
    gas = per_byte * nbytes + TX_INTRINSIC_GAS * txs
    return CalldataCost(nbytes=nbytes, gas=gas, transactions=txs, blocks_at_limit=math.ceil(gas / BLOCK_GAS_LIMIT),
                        eth=gas * gas_price_gwei * WEI_PER_GWEI / WEI_PER_ETH)


@dataclass(frozen=True)
class BlobCost:
    """Publishing ``nbytes`` in EIP-4844 blobs."""

    nbytes: float
    blobs: int
    blob_gas: int
    transactions: int  # at MAX_BLOBS_PER_TX blobs each (EIP-7594)
    blocks_at_max: int  # every blob slot of every block
    blocks_at_target: int  # the target rate (the blob base fee does not rise)
    blob_base_fee_gwei: float
    execution_gas: float  # 21,000 per blob transaction
    gas_equivalent: float  # (blob fee + execution) / base fee, gas
    eth: float


def blob_cost(nbytes: float, gas_price_gwei: float = DEFAULT_GAS_PRICE_GWEI,
              blob_base_fee_gwei: float | None = None) -> BlobCost:
    """Blobs, blob gas and fee of publishing ``nbytes`` (EIP-4844).

    ``blobs = ceil(nbytes / 126,976)``; blob gas ``= blobs * 2^17``; fee ``= blob gas *
    blob base fee``, the base fee at least the EIP-7918 reserve price
    (:func:`blob_base_fee_floor_gwei`; the default is that floor, where blob fees sat
    through most of 2025-2026); ``ceil(blobs / 6)`` transactions (EIP-7594), each
    paying 21,000 execution gas; ``ceil(blobs / max)`` blocks if every blob slot is
    taken, ``ceil(blobs / target)`` at the target rate.
    """
    if not nbytes >= 0:
        raise ParameterError.bad("nbytes", nbytes, "a byte count >= 0")
    floor = blob_base_fee_floor_gwei(gas_price_gwei)
    fee = floor if blob_base_fee_gwei is None else blob_base_fee_gwei
    if not fee >= 0:
        raise ParameterError.bad("blob_base_fee_gwei", blob_base_fee_gwei, "a price >= 0 gwei")
    fee = max(fee, floor)
    blobs = max(1, math.ceil(nbytes / USABLE_BYTES_PER_BLOB))
    txs = math.ceil(blobs / MAX_BLOBS_PER_TX)
    blob_gas = blobs * GAS_PER_BLOB
    exec_gas = float(TX_INTRINSIC_GAS * txs)
    eth = (blob_gas * fee + exec_gas * gas_price_gwei) * WEI_PER_GWEI / WEI_PER_ETH
    equiv = blob_gas * fee / gas_price_gwei + exec_gas if gas_price_gwei > 0 else math.inf
    return BlobCost(nbytes=nbytes, blobs=blobs, blob_gas=blob_gas, transactions=txs,
                    blocks_at_max=math.ceil(blobs / MAX_BLOBS_PER_BLOCK),
                    blocks_at_target=math.ceil(blobs / TARGET_BLOBS_PER_BLOCK),
                    blob_base_fee_gwei=fee, execution_gas=exec_gas, gas_equivalent=equiv, eth=eth)


@dataclass(frozen=True)
class RoundDataAvailability:
    """Publishing one round's updates both ways."""

    n_trainers: int
    model_size: int
    bytes_per_value: int
    nbytes: int
    calldata: CalldataCost
    blobs: BlobCost
    gas_price_gwei: float
    eth_price_usd: float

    @property
    def cheaper(self) -> str:
        return "blobs" if self.blobs.eth <= self.calldata.eth else "calldata"

    @property
    def calldata_usd(self) -> float:
        return self.calldata.eth * self.eth_price_usd

    @property
    def blobs_usd(self) -> float:
        return self.blobs.eth * self.eth_price_usd

    def as_dict(self) -> dict[str, Any]:
        return {"trainers": self.n_trainers, "params": self.model_size, "bytes_per_value": self.bytes_per_value,
                "bytes": self.nbytes, "calldata_gas": self.calldata.gas, "calldata_transactions": self.calldata.transactions,
                "calldata_blocks": self.calldata.blocks_at_limit, "calldata_usd": self.calldata_usd,
                "blobs": self.blobs.blobs, "blob_gas": self.blobs.blob_gas,
                "blob_transactions": self.blobs.transactions, "blob_blocks_at_max": self.blobs.blocks_at_max,
                "blob_blocks_at_target": self.blobs.blocks_at_target,
                "blob_base_fee_gwei": self.blobs.blob_base_fee_gwei, "blob_gas_equivalent": self.blobs.gas_equivalent,
                "blobs_usd": self.blobs_usd, "cheaper": self.cheaper}


def round_data_availability(n_trainers: int, model_size: int, bytes_per_value: int = DEFAULT_BYTES_PER_VALUE,
                            zero_fraction: float = DEFAULT_ZERO_FRACTION,
                            gas_price_gwei: float = DEFAULT_GAS_PRICE_GWEI,
                            eth_price_usd: float = DEFAULT_ETH_PRICE_USD,
                            blob_base_fee_gwei: float | None = None) -> RoundDataAvailability:
    """Publishing n x d values of ``bytes_per_value`` bytes as calldata and as blobs."""
    _check(n_trainers, model_size, bytes_per_value, zero_fraction)
    if not gas_price_gwei > 0:
        raise ParameterError.bad("gas_price_gwei", gas_price_gwei, "a price > 0 gwei")
    nbytes = n_trainers * model_size * bytes_per_value
    return RoundDataAvailability(
        n_trainers=n_trainers, model_size=model_size, bytes_per_value=bytes_per_value, nbytes=nbytes,
        calldata=calldata_cost(nbytes, zero_fraction, gas_price_gwei),
        blobs=blob_cost(nbytes, gas_price_gwei, blob_base_fee_gwei),
        gas_price_gwei=gas_price_gwei, eth_price_usd=eth_price_usd)


# ----------------------------------------------------------------------- retention

def retention_slack_blocks(period_blocks: float, dispute_blocks: float, publish_blocks: float = 0.0,
                           retention_blocks: float = RETENTION_BLOCKS) -> float:
    """Blocks left before the round's blobs may be pruned when the last dispute ends:
    ``retention - (publish + period + dispute)``. The design is feasible for blob data
    availability iff this is >= 0 (EIP-4844 retention; docs/cost.md, 'Retention').
    ``publish_blocks`` counts from the first blob of the round (its blobs are pruned
    first)."""
    for name, v in (("period_blocks", period_blocks), ("dispute_blocks", dispute_blocks),
                    ("publish_blocks", publish_blocks)):
        if not v >= 0:
            raise ParameterError.bad(name, v, "a number of blocks >= 0")
    return retention_blocks - (publish_blocks + period_blocks + dispute_blocks)


def max_period_blocks(dispute_blocks: float, publish_blocks: float = 0.0,
                      retention_blocks: float = RETENTION_BLOCKS) -> float:
    """The longest challenge period blob retention allows (the constraint's bound)."""
    return retention_slack_blocks(0.0, dispute_blocks, publish_blocks, retention_blocks)


# ----------------------------------------------------------------------- openings

@dataclass(frozen=True)
class OpeningCost:
    """Gas of opening the published values a one-step reads."""

    values: int  # values opened (n trainers x c coordinates)
    openings: int  # point evaluations, or Merkle paths
    point_evaluation_gas: float
    merkle_gas: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def opening_cost(n_trainers: int, chunk_coordinates: int, model_size: int,
                 bytes_per_value: int = DEFAULT_BYTES_PER_VALUE, arity: int = 2) -> OpeningCost:
    """Gas of opening one chunk of every trainer's published update in a one-step.

    * Point evaluation (EIP-4844): a field element carries ``floor(31 / bytes_per_value)``
      values; each trainer's chunk spans ``ceil(c / that)`` elements, each one call of the
      precompile (50,000 gas) with its 192-byte input as calldata (EIP-2028, all non-zero:
      commitments and proofs are uniformly random).
    * Merkle paths over the same bytes (one root per trainer, leaves of one chunk): per
      trainer a path of ``ceil(log_k(leaves))`` levels of ``k - 1`` 32-byte siblings, each
      at the calibrated execution gas per sibling (:data:`mechanism.dispute.gas.DEFAULT`)
      plus its calldata; the leaf's own bytes are the one-step's input in both cases.
    """
    _check(n_trainers, model_size, bytes_per_value, 0.0)
    if chunk_coordinates < 1:
        raise ParameterError.bad("chunk_coordinates", chunk_coordinates, "an integer >= 1")
    if arity < 2:
        raise ParameterError.bad("arity", arity, "an integer >= 2")
    from mechanism.dispute.gas import DEFAULT

    per_fe = max(1, USABLE_BYTES_PER_FIELD_ELEMENT // bytes_per_value)
    elements = math.ceil(chunk_coordinates / per_fe)
    pe_openings = n_trainers * elements
    pe_gas = pe_openings * (POINT_EVALUATION_PRECOMPILE_GAS + CALLDATA_NONZERO_BYTE_GAS * POINT_EVALUATION_INPUT_BYTES)
    leaves = math.ceil(model_size / chunk_coordinates)
    depth = 0
    while arity**depth < leaves:
        depth += 1
    siblings = depth * (arity - 1)
    merkle_gas = n_trainers * siblings * (DEFAULT.per_sibling + CALLDATA_NONZERO_BYTE_GAS * 32)
    return OpeningCost(values=n_trainers * chunk_coordinates, openings=pe_openings,
                       point_evaluation_gas=float(pe_gas), merkle_gas=float(merkle_gas))


def sweep(model_sizes: list[int], n_trainers: int = 50, bytes_per_value: int = DEFAULT_BYTES_PER_VALUE,
          gas_price_gwei: float = DEFAULT_GAS_PRICE_GWEI, eth_price_usd: float = DEFAULT_ETH_PRICE_USD,
          period_blocks: float = 0.0, dispute_blocks: float = 0.0) -> list[dict[str, Any]]:
    """One row of :meth:`RoundDataAvailability.as_dict` per model size, with the retention
    slack of publishing at the blob target rate followed by ``period + dispute``."""
    rows = []
    for d in model_sizes:
        r = round_data_availability(n_trainers, d, bytes_per_value, gas_price_gwei=gas_price_gwei,
                                    eth_price_usd=eth_price_usd)
        row = r.as_dict()
        row["retention_slack_blocks"] = retention_slack_blocks(period_blocks, dispute_blocks, r.blobs.blocks_at_target)
        rows.append(row)
    return rows
