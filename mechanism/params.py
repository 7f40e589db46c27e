"""The fixed-point format of the protocol (torch-free, so the CLI and configs can name it).

The one home of ``DEFAULT_FRAC_BITS`` and ``MAX_ABS_BITS``; :mod:`mechanism.fixedpoint`
encodes and decodes with them.

Units are in the field names (``*_bits``, ``*_blocks``, ``*_wei``, ``*_eth``, ``*_gwei``).
Validation happens in ``__post_init__`` and raises :class:`mechanism.errors.ParameterError`
naming the field, the value and the allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass

from mechanism.errors import ParameterError

#: Default fractional bits of the int64 fixed-point encoding (see docs/fixedpoint.md).
#: 2^-20 ~ 9.5e-7 is finer than float32's unit roundoff for values of order 1 (model
#: deltas are typically |x| < 1), while the 40-bit magnitude bound leaves 2^20 ~ 1e6 of
#: float range and 23 bits of headroom for exact sums over up to 2^22 trainers and for
#: the 20-bit scale factors of the clipping rules.
DEFAULT_FRAC_BITS = 20

#: Every fixed-point input satisfies |q| <= 2^MAX_ABS_BITS - 1 (validated on encode and
#: on entry to every aggregation rule). All overflow arguments in the rules rest on it.
MAX_ABS_BITS = 40


@dataclass(frozen=True)
class FixedPointParams:
    """Fixed-point format: ``q = round_half_even(x * 2**frac_bits)``, ``|q| < 2**40``."""

    frac_bits: int = DEFAULT_FRAC_BITS

    def __post_init__(self) -> None:
        if isinstance(self.frac_bits, bool) or not isinstance(self.frac_bits, int):
            raise ParameterError.bad("frac_bits", self.frac_bits, "an integer in [0, 32]")
        if not 0 <= self.frac_bits <= 32:
            raise ParameterError.bad("frac_bits", self.frac_bits, "an integer in [0, 32]")

    @property
    def max_abs_int(self) -> int:
        """Largest representable |q| (integer units)."""
        return (1 << MAX_ABS_BITS) - 1

    @property
    def max_abs_float(self) -> float:
        """Largest representable |x| in real units."""
        return self.max_abs_int / float(1 << self.frac_bits)
