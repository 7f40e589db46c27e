"""Gas model of the Python rollup machine (:mod:`mechanism.rollup.state`), calibrated on the EVM.

Gas of a transaction (:class:`GasMeter`)::

    gas = 21000 + calldata(16/4 per byte) + base[path] + sum_writes sstore(orig, cur, new)
          - min(refund, gas // 5)                      (EIP-2028, EIP-2200/2929, EIP-3529)

``base[path]`` (:data:`BASE_GAS`: reads, hashing, logs, value transfers, cold-access
surcharges) is calibrated against the EVM per code path by ``python -m
mechanism.evm.rollup --calibrate``, where every call is its own transaction
(:func:`mechanism.evm.tx.begin_transaction`); the storage term is modelled per
write.
"""

from __future__ import annotations

from typing import Any

from mechanism import units

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

#: EIP-2929/2200/3529 storage constants (gas).
SSTORE_SET, SSTORE_RESET, WARM_ACCESS, SSTORE_CLEARS_REFUND = 20_000, 2_900, 100, 4_800
#: Execution gas of each code path *excluding* the modelled storage-write term: reads,
#: hashing, logs, value transfers and cold-access surcharges. Calibrated against the EVM
#: (titanoboa, vyper 0.4.3) by ``python -m mechanism.evm.rollup --calibrate``.
BASE_GAS: dict[str, int] = {
    'cancel_dispute:assertion': 34498,
    'cancel_dispute:trainer': 36730,
    'challenge_assertion': 57026,
    'challenge_trainer': 46367,
    'complete_exit': 17018,
    'finalise': 32104,
    'move_commit': 31413,
    'move_index': 31574,
    'post_assertion': 41029,
    'post_assertion:empty': 41143,
    'publish_update': 24440,
    'register_trainer': 16793,
    'request_exit': 6006,
    'resolve:assertion:challenger:burn': 56489,
    'resolve:assertion:challenger:noburn': 47154,
    'resolve:assertion:defender:burn': 48027,
    'resolve:assertion:defender:noburn': 38692,
    'resolve:trainer:challenger:burn': 68365,
    'resolve:trainer:challenger:noburn': 59030,
    'resolve:trainer:defender:burn': 50293,
    'resolve:trainer:defender:noburn': 40958,
    'timeout:assertion:challenger:burn': 56438,
    'timeout:assertion:challenger:noburn': 47103,
    'timeout:assertion:defender:burn': 47968,
    'timeout:assertion:defender:noburn': 38633,
    'timeout:trainer:challenger:burn': 68281,
    'timeout:trainer:challenger:noburn': 58946,
    'timeout:trainer:defender:burn': 50201,
    'timeout:trainer:defender:noburn': 40866,
    'withdraw': 15624,
}


def _is_zero(v: Any) -> bool:
    return v in (0, False, ZERO_ADDRESS, b"\x00" * 32)


def intrinsic_gas(args: tuple[Any, ...]) -> int:
    """21000 + calldata cost (EIP-2028: 16 gas per non-zero byte, 4 per zero byte) of the
    ABI encoding: a 4-byte selector (counted as non-zero) and one 32-byte word per argument."""
    data = bytearray(b"\xff" * 4)
    for a in args:
        if isinstance(a, bytes):
            data += a.rjust(32, b"\x00")
        elif isinstance(a, str):
            data += bytes.fromhex(a[2:]).rjust(32, b"\x00")
        else:
            data += int(a).to_bytes(32, "big")
    return units.intrinsic_gas(bytes(data))


class GasMeter:
    """Prices the storage writes of one transaction (EIP-2200 net metering, EIP-3529)."""

    def __init__(self) -> None:
        self.original: dict[tuple[Any, ...], Any] = {}
        self.storage_gas = 0
        self.refund = 0

    def sstore(self, key: tuple[Any, ...], current: Any, new: Any) -> None:
        orig = self.original.setdefault(key, current)
        if new == current:
            self.storage_gas += WARM_ACCESS
            return
        if orig == current:
            self.storage_gas += SSTORE_SET if _is_zero(orig) else SSTORE_RESET
            if not _is_zero(orig) and _is_zero(new):
                self.refund += SSTORE_CLEARS_REFUND
            return
        self.storage_gas += WARM_ACCESS
        if not _is_zero(orig):
            if _is_zero(current):
                self.refund -= SSTORE_CLEARS_REFUND
            if _is_zero(new):
                self.refund += SSTORE_CLEARS_REFUND
        if orig == new:
            self.refund += (SSTORE_SET if _is_zero(orig) else SSTORE_RESET) - WARM_ACCESS

    def exec_gas(self, path: str) -> int:
        """Execution gas of the code path (no intrinsic gas, before the refund)."""
        return BASE_GAS.get(path, 0) + self.storage_gas

    def charged(self, args: tuple[Any, ...], path: str) -> int:
        """Gas charged: intrinsic + base + storage - min(refund, gas // 5) (EIP-3529)."""
        total = intrinsic_gas(args) + BASE_GAS.get(path, 0) + self.storage_gas
        return total - min(max(self.refund, 0), total // 5)


