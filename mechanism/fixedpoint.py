"""Float <-> int64 fixed point, the one place where real numbers enter the protocol.

Encoding (the trainer does it once, before committing its update)::

    q = round_half_to_even(x * 2**frac_bits),   |q| <= 2**MAX_ABS_BITS - 1

* The product ``x * 2**frac_bits`` is exact in float64 (a power-of-two scaling), so the
  only rounding is the final one, and it is *round half to even* (IEEE 754
  roundTiesToEven, ``torch.round``): the unique documented rounding rule of encoding.
* Inside the aggregation rules every division rounds toward minus infinity (floor,
  Python's ``//``, ``torch.div(..., rounding_mode="floor")``). See docs/fixedpoint.md.
* NaN and +-Inf are rejected (:class:`NonFiniteError`); values whose magnitude exceeds
  the largest representable one raise :class:`FixedPointOverflowError` naming it.

Decoding ``x = q / 2**frac_bits`` is exact in float64 because |q| < 2**53.
"""

from __future__ import annotations

import numpy as np
import torch

from mechanism.errors import FixedPointOverflowError, NonFiniteError, ShapeError
from mechanism.params import DEFAULT_FRAC_BITS, MAX_ABS_BITS, FixedPointParams

MAX_ABS_INT = (1 << MAX_ABS_BITS) - 1


def _as_float64(x: torch.Tensor | np.ndarray | float | list[float]) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x
    else:
        t = torch.as_tensor(np.asarray(x))
    if t.dtype == torch.bool or t.is_complex():
        raise ShapeError.bad("dtype", str(t.dtype), "a real floating or integer array")
    return t.detach().to(torch.float64)


def max_abs_float(frac_bits: int = DEFAULT_FRAC_BITS) -> float:
    """Largest |x| that :func:`encode` accepts for ``frac_bits``."""
    return FixedPointParams(frac_bits).max_abs_float


def encode(
    x: torch.Tensor | np.ndarray | float | list[float], frac_bits: int = DEFAULT_FRAC_BITS
) -> torch.Tensor:
    """Encode real values as int64 fixed point (round half to even).

    Raises :class:`NonFiniteError` on NaN/Inf and :class:`FixedPointOverflowError` when
    ``|x| * 2**frac_bits`` rounds beyond ``2**MAX_ABS_BITS - 1``.
    """
    fp = FixedPointParams(frac_bits)
    t = _as_float64(x)
    finite = torch.isfinite(t)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        raise NonFiniteError.bad(
            "updates", f"{bad} non-finite value(s) (NaN/Inf)", "finite numbers only"
        )
    scaled = torch.round(t * float(1 << frac_bits))
    if scaled.numel() and float(scaled.abs().max()) > MAX_ABS_INT:
        worst = float(t.abs().max())
        raise FixedPointOverflowError(
            f"updates: |x|={worst:.6g} exceeds the largest representable magnitude "
            f"{fp.max_abs_float:.6g} (2^{MAX_ABS_BITS - frac_bits} - 2^-{frac_bits}) "
            f"at frac_bits={frac_bits}"
        )
    return scaled.to(torch.int64)


def decode(q: torch.Tensor, frac_bits: int = DEFAULT_FRAC_BITS) -> torch.Tensor:
    """Decode int64 fixed point to float64 (exact)."""
    FixedPointParams(frac_bits)
    if q.dtype != torch.int64:
        raise ShapeError.bad("dtype", str(q.dtype), "torch.int64 fixed-point values")
    return q.to(torch.float64) / float(1 << frac_bits)


def encode_int(x: float, frac_bits: int = DEFAULT_FRAC_BITS) -> int:
    """Encode one real scalar (e.g. a clipping radius) as a Python int."""
    return int(encode(torch.tensor([float(x)]), frac_bits)[0])
