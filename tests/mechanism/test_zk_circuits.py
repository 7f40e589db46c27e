"""The one-step circuits: the sorting network sorts, the numerators floor-divide to the
protocol's rules bit for bit, and the torch module computes the same numerators."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.aggregation import aggregate_reference
from mechanism.errors import ParameterError
from mechanism.zk.circuits import OneStepCircuit, batcher_pairs, floor_output, sort_network


@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_batcher_network_sorts(values):
    assert sort_network(values, batcher_pairs(len(values))) == sorted(values)


def test_comparator_counts_are_batchers():
    # Knuth TAOCP 3, 5.3.4: 19 comparators for 8 inputs, 63 for 16
    assert len(batcher_pairs(8)) == 19
    assert len(batcher_pairs(16)) == 63
    assert len(batcher_pairs(1)) == 0


@pytest.mark.parametrize(("rule", "n", "params"), [("mean", 6, {}), ("median", 5, {}), ("median", 6, {}),
                                                   ("trimmed_mean", 7, {"f": 1})])
def test_numerators_floor_to_the_protocol_rule(rule, n, params):
    rng = np.random.default_rng(3)
    x = rng.integers(-(2**20), 2**20, size=(n, 9))
    c = OneStepCircuit(rule, n, 9, trim=params.get("f", 1))
    out = floor_output(c.reference(x.tolist()), c.denominator)
    want = [int(v) for v in aggregate_reference(rule, x.tolist(), **params)]
    assert out == want


@pytest.mark.parametrize("rule", ["mean", "median", "trimmed_mean"])
def test_torch_module_equals_reference(rule):
    rng = np.random.default_rng(5)
    x = rng.integers(-1000, 1000, size=(5, 4))
    c = OneStepCircuit(rule, 5, 4)
    got = c.torch_module()(torch.tensor(x, dtype=torch.float64)).round().long().tolist()
    assert got == c.reference(x.tolist())


def test_bad_circuit_parameters():
    with pytest.raises(ParameterError, match="rule"):
        OneStepCircuit("krum", 5, 4)
    with pytest.raises(ParameterError, match="trim"):
        OneStepCircuit("trimmed_mean", 4, 4, trim=2)
    with pytest.raises(ParameterError, match="chunk_coordinates"):
        OneStepCircuit("median", 4, 0)
