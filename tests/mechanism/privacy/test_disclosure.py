"""Disclosure accounting counts what the proofs actually open."""

from __future__ import annotations

import pytest

from mechanism.errors import ParameterError
from mechanism.privacy.disclosure import aggregation_dispute, publication, training_dispute


@pytest.mark.parametrize("chunk", [8, 16, 32])
def test_coordinate_rule_dispute_opens_one_chunk_of_every_trainer(chunk: int) -> None:
    d = 1_000_000
    got = aggregation_dispute("median", 9, d, chunk_size=chunk, arity=4)
    assert got.own_values_per_dispute == chunk
    assert got.fraction_of_update == pytest.approx(chunk / d)
    out = next(s for s in got.stages if s.stage == "out")
    assert out.trainers_opened == 9 and out.own_values_max == chunk
    cols = next(s for s in got.stages if s.stage == "cols")
    assert cols.own_values_max == 0  # a column one-step opens a leaf hash, no values


def test_krum_reveals_pairwise_distances_as_derived_values() -> None:
    n = 10
    got = aggregation_dispute("krum", n, 4096, chunk_size=16, arity=4, f=2)
    order = next(s for s in got.stages if s.stage == "order")
    assert order.derived_values >= n * (n - 1) // 2  # the committed distance matrix is opened whole


def test_small_d_is_capped_by_the_update() -> None:
    got = aggregation_dispute("mean", 5, 10, chunk_size=16, arity=4)
    assert got.own_values_per_dispute == 10 and got.fraction_of_update == 1.0


def test_publication_reveals_everything() -> None:
    p = publication(123)
    assert p.own_values_per_dispute == 123 and p.fraction_of_update == 1.0


def test_training_dispute_opens_raw_examples_of_one_minibatch() -> None:
    td = training_dispute("logreg", steps=1, chunk=16, arity=4)
    assert td.labels == td.examples_opened
    assert 1 <= td.examples_opened <= 8  # at most the batch of the disputed step
    assert td.feature_values <= td.examples_opened * 16  # one feature chunk per example
    assert 0 < td.data_fraction < 1


@pytest.mark.parametrize("name,val", [("n", 0), ("d", -1), ("chunk_size", 0), ("arity", 1)])
def test_bad_geometry(name: str, val: int) -> None:
    kw = {"n": 4, "d": 64, "chunk_size": 16, "arity": 4} | {name: val}
    with pytest.raises(ParameterError, match=name):
        aggregation_dispute("mean", **kw)  # type: ignore[arg-type]
