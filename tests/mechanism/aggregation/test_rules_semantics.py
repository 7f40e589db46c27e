"""What each rule computes on hand-made inputs, and its errors."""

import pytest
import torch

from mechanism.aggregation import NormClip, aggregate, get_rule, rule_names
from mechanism.errors import (
    BreakdownError,
    FixedPointOverflowError,
    ParameterError,
    ShapeError,
    UnknownRuleError,
)
from mechanism.fixedpoint import MAX_ABS_INT, decode, encode

X = torch.tensor([[1, 5], [2, 7], [3, -3], [100, 6], [-100, 5]])


def test_known_values():
    assert aggregate("mean", X).tolist() == [1, 4]  # floor(6/5), floor(20/5)
    assert aggregate("mean", X, weights=(1, 1, 0, 0, 0)).tolist() == [1, 6]
    assert aggregate("median", X).tolist() == [2, 5]
    assert aggregate("median", X[:4]).tolist() == [2, 5]  # floor((2+3)/2), floor((5+6)/2)
    assert aggregate("trimmed_mean", X, f=1).tolist() == [2, 5]  # mean of 1,2,3 and 5,5,6
    assert aggregate("median", torch.tensor([[-3], [0]])).tolist() == [-2]  # floor(-1.5)


def test_krum_picks_the_honest_cluster():
    g = torch.Generator().manual_seed(1)
    honest = torch.randint(-10, 10, (8, 30), generator=g)
    bad = torch.full((3, 30), 10_000)
    x = torch.cat([bad, honest])
    k = aggregate("krum", x, f=3)
    assert any(torch.equal(k, h) for h in honest)
    mk = aggregate("multi_krum", x, f=3)
    assert mk.abs().max() <= 10
    assert aggregate("bulyan", torch.cat([x, honest[:1]]), f=2).abs().max() <= 10


def test_geometric_median_resists_outliers_and_fixes_points():
    same = torch.tensor([[5, -7, 9]] * 6)
    assert aggregate("geometric_median", same).tolist() == [5, -7, 9]
    x = torch.cat([torch.tensor([[0, 0]] * 5) + torch.tensor([[i, -i] for i in range(5)]),
                   torch.tensor([[10**9, 10**9]] * 2)])
    z = aggregate("geometric_median", x, iterations=30)
    assert z.abs().max() < 100  # the mean would be ~2.9e8


def test_centered_clipping_bounds_each_contribution():
    x = torch.tensor([[0] * 4] * 9 + [[10**9] * 4])
    z = aggregate("centered_clipping", x, tau=100, iterations=1)
    # one outlier moves the centre by at most tau / n per iteration
    assert 0 <= int(z.max()) <= 100 // 10 + 1


def test_norm_clip_bounds_norm():
    x = encode(torch.tensor([[3.0, 4.0], [0.3, 0.4]]))
    tau = 1 << 20  # norm 1.0
    c = decode(NormClip(tau)(x))
    assert abs(float(c[0].norm()) - 1.0) < 1e-5
    assert torch.allclose(c[1], torch.tensor([0.3, 0.4], dtype=torch.float64), atol=1e-6)


@pytest.mark.parametrize(("name", "f", "n_ok"), [("median", 2, 5), ("trimmed_mean", 2, 5), ("krum", 2, 7),
                                                ("multi_krum", 2, 7), ("bulyan", 2, 11)])
def test_breakdown_conditions(name, f, n_ok):
    x = torch.zeros((n_ok, 3), dtype=torch.int64)
    aggregate(name, x, f=f)
    with pytest.raises(BreakdownError, match=rf"n={n_ok - 1} .*needs n >= {n_ok}"):
        aggregate(name, x[:-1], f=f)


def test_input_errors():
    with pytest.raises(UnknownRuleError, match="rule='nope'"):
        aggregate("nope", X)
    with pytest.raises(ParameterError, match="not a parameter of median"):
        aggregate("median", X, tau=3)
    with pytest.raises(ParameterError, match="f=-1"):
        aggregate("trimmed_mean", X, f=-1)
    with pytest.raises(ShapeError, match="updates.dtype"):
        aggregate("mean", X.float())
    with pytest.raises(ShapeError, match="updates.shape"):
        aggregate("mean", X[0])
    with pytest.raises(ShapeError, match="updates.shape"):
        aggregate("mean", torch.zeros((0, 3), dtype=torch.int64))
    with pytest.raises(FixedPointOverflowError, match="2\\^40"):
        aggregate("mean", torch.tensor([[MAX_ABS_INT + 1]]))
    with pytest.raises(FixedPointOverflowError, match="overflows int64"):
        aggregate("mean", torch.tensor([[MAX_ABS_INT], [1]]), weights=(1 << 23, 1))
    with pytest.raises(ShapeError, match="one weight per trainer"):
        aggregate("mean", X, weights=(1, 2))
    with pytest.raises(ParameterError, match="tau"):
        aggregate("centered_clipping", X, tau=0)


def test_nan_never_reaches_rules():
    from mechanism.errors import NonFiniteError

    with pytest.raises(NonFiniteError):
        encode(torch.tensor([[1.0, float("nan")]]))


def test_every_rule_documents_breakdown():
    for name in rule_names():
        assert get_rule(name).breakdown
