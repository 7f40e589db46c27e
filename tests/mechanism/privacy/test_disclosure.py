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


@pytest.mark.parametrize("rule,kw", [("median", {}), ("trimmed_mean", {"f": 1}), ("mean", {})])
def test_hiding_disputes_open_one_salted_chunk_and_hide_the_rest(rule: str, kw: dict) -> None:
    from mechanism.privacy.disclosure import hiding_dispute

    h = hiding_dispute(rule, 6, 1_000_000, chunk_size=8, arity=4, games=12, **kw)
    assert h.disputes_opening_values > 0  # some games end on a one-step over the inputs
    assert h.own_values_per_dispute == 8 and h.salts_per_dispute == 1  # one chunk, its salt
    assert h.trainers_opened == 6  # the column leaf opens chunk j of every trainer
    assert h.unopened_salts_revealed == 0
    assert h.honest_wins == h.games == 12
    assert h.fraction_of_update == pytest.approx(8 / 1_000_000)


def test_designs_table_follows_the_measurements() -> None:
    from mechanism.privacy.disclosure import HidingDisclosure, designs

    plain = aggregation_dispute("median", 5, 1000, chunk_size=8, arity=4)
    leaky = HidingDisclosure("median", 4, 2, 8, 1, 5, 3, 0.008, 4)
    rows = {r.design: r for r in designs(1000, plain, leaky)}
    assert rows["publication"].published_values == 1000
    assert rows["commitments, salted leaves"].published_values == 0
    assert rows["commitments, plain leaves"].dispute_values == plain.own_values_per_dispute == 8
    assert "3 unopened salts revealed" in rows["commitments, salted leaves"].unopened
    with pytest.raises(ParameterError, match="d"):
        designs(0, plain, leaky)
