import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from mechanism.errors import FixedPointOverflowError, NonFiniteError, ParameterError, ShapeError
from mechanism.fixedpoint import MAX_ABS_INT, decode, encode, encode_int, max_abs_float


@given(st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=1, max_size=50), st.integers(0, 32))
def test_roundtrip_error_at_most_half_ulp(xs, frac_bits):
    if max(abs(v) for v in xs) > max_abs_float(frac_bits):
        return
    q = encode(xs, frac_bits)
    back = decode(q, frac_bits)
    assert q.dtype == torch.int64
    err = (back - torch.tensor(xs, dtype=torch.float64)).abs().max().item()
    assert err <= 0.5 / 2**frac_bits


def test_round_half_to_even():
    # 0.5, 1.5, 2.5 and -0.5 ulps go to the even neighbour
    q = encode(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5]) / 2**20)
    assert q.tolist() == [0, 2, 2, 0, -2]


def test_decode_is_exact_inverse_on_integers():
    q = torch.tensor([-MAX_ABS_INT, -1, 0, 1, MAX_ABS_INT])
    assert torch.equal(encode(decode(q)), q)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_rejected(bad):
    with pytest.raises(NonFiniteError, match="non-finite"):
        encode([0.0, bad])


def test_overflow_names_largest_magnitude():
    with pytest.raises(FixedPointOverflowError, match="largest representable magnitude 1.04858e"):
        encode([2.0**21])
    # exactly the bound is accepted, one ulp above is not
    assert encode([max_abs_float()]).item() == MAX_ABS_INT
    with pytest.raises(FixedPointOverflowError):
        encode([max_abs_float() + 2.0**-20])


def test_bad_frac_bits_and_dtype():
    with pytest.raises(ParameterError, match="frac_bits"):
        encode([1.0], frac_bits=40)
    with pytest.raises(ShapeError, match="dtype"):
        encode(torch.tensor([True]))
    with pytest.raises(ShapeError, match="int64"):
        decode(torch.tensor([1.0]))


def test_numpy_and_float32_inputs_agree():
    a = np.linspace(-3, 3, 101, dtype=np.float32)
    assert torch.equal(encode(a), encode(torch.from_numpy(a)))
    assert encode_int(1.0) == 1 << 20
