"""The honest side wins every generated training dispute; tampered proofs are rejected."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanism.dispute.proofs import tamper
from mechanism.dispute.strategies import STRATEGIES
from mechanism.errors import CommitmentError
from mechanism.training_proof import demo_trace, play_training, verify_step
from mechanism.training_proof.game import TrainingProver, context

_TRACES: dict[tuple[str, int, int, int], object] = {}


def _trace(model: str, steps: int, chunk: int, arity: int):  # type: ignore[no-untyped-def]
    key = (model, steps, chunk, arity)
    if key not in _TRACES:
        _TRACES[key] = demo_trace(model, steps=steps, seed=steps + chunk, chunk=chunk, arity=arity)
    return _TRACES[key]


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(["logreg", "mlp"]), liar=st.sampled_from(["trainer", "challenger"]),
       strategy=st.sampled_from(STRATEGIES), steps=st.integers(1, 3), chunk=st.sampled_from([8, 16]),
       arity=st.sampled_from([2, 4, 16]), seed=st.integers(0, 10**6))
def test_honest_side_wins(model: str, liar: str, strategy: str, steps: int, chunk: int, arity: int, seed: int) -> None:
    tr = _trace(model, steps, chunk, arity)
    res, _ = play_training(tr, liar, strategy, np.random.default_rng(seed))  # type: ignore[arg-type]
    assert res.honest_won, res
    assert res.moves <= res.move_bound


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_every_leaf_verifies_and_tampering_is_rejected(model: str) -> None:
    tr = _trace(model, 2, 16, 4)
    st_, prover = tr.setting, TrainingProver(tr)  # type: ignore[attr-defined]
    ctx = context(st_, tr.shard.root, tr.start_tree.root, tr.roots)  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    for s in range(len(st_.names)):
        for j in {0, st_.leaves(s) - 1, int(rng.integers(st_.leaves(s)))}:
            proof = prover.map_proof(s, j)
            claimed = tr.trees[s].levels[0][j]  # type: ignore[attr-defined]
            assert verify_step(st_, ctx, s, j, claimed, proof)
            wrong = bytes(32 - 1) + b"\x01"
            assert not verify_step(st_, ctx, s, j, wrong, proof)
            with pytest.raises(CommitmentError):
                verify_step(st_, ctx, s, j, claimed, tamper(proof))


def test_disputing_an_honest_trainer_never_wins() -> None:
    tr = _trace("logreg", 2, 16, 4)
    wins = [play_training(tr, "challenger", s, np.random.default_rng(i))[0].winner  # type: ignore[arg-type]
            for s in STRATEGIES for i in range(3)]
    assert set(wins) == {"proposer"}
