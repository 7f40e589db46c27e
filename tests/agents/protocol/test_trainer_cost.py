"""Trainer duties on one core: every duty runs, blobs are packed to the EIP-4844 layout."""

from __future__ import annotations

import pytest

from agents.protocol.trainer_cost import (
    FIELD_ELEMENTS_PER_BLOB,
    USABLE_BYTES_PER_FIELD_ELEMENT,
    measure,
    pack_blobs,
)
from mechanism.errors import ParameterError


def test_blob_packing_keeps_every_field_element_below_the_modulus_and_the_bytes_in_order() -> None:
    data = bytes(range(256)) * 2000  # 512,000 bytes
    blobs = pack_blobs(data)
    per_blob = FIELD_ELEMENTS_PER_BLOB * USABLE_BYTES_PER_FIELD_ELEMENT
    assert len(blobs) == -(-len(data) // per_blob)
    assert all(len(b) == 32 * FIELD_ELEMENTS_PER_BLOB for b in blobs)
    assert all(b[32 * e] == 0 for b in blobs for e in range(FIELD_ELEMENTS_PER_BLOB))
    back = b"".join(b[32 * e + 1 : 32 * e + 32] for b in blobs for e in range(FIELD_ELEMENTS_PER_BLOB))
    assert back[: len(data)] == data and not any(back[len(data):])


@pytest.mark.slow
def test_blob_commitments_verify() -> None:
    import ckzg

    from agents.protocol.trainer_cost import _trusted_setup

    setup = _trusted_setup()
    blob = pack_blobs(b"orfl" * 1000)[0]
    c = ckzg.blob_to_kzg_commitment(blob, setup)
    proof = ckzg.compute_blob_kzg_proof(blob, c, setup)
    assert ckzg.verify_blob_kzg_proof(blob, c, proof, setup)


def test_measure_reports_each_duty_with_positive_times() -> None:
    costs = measure(4096, repeats=2, duties=("commit_update", "sign"), chunk=16, arity=16)
    assert [c.duty for c in costs] == ["commit_update", "sign"]
    for c in costs:
        assert 0 < c.seconds_min <= c.seconds_median <= c.seconds_max
        assert c.peak_alloc_mib >= 0 and c.repeats == 2


@pytest.mark.parametrize("kw,param", [({"d": 0}, "d"), ({"d": 10, "repeats": 0}, "repeats"),
                                      ({"d": 10, "duties": ("mine",)}, "duty")])
def test_bad_input(kw: dict, param: str) -> None:
    with pytest.raises(ParameterError, match=param):
        measure(**kw)
