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


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_fold_partial_sums_total_each_product_and_each_verifies(model: str) -> None:
    """Every z item's per-chunk partial sums total the committed first-layer product; every
    sum leaf verifies, a wrong one does not, a tampered proof is rejected, padding must be
    zero."""
    from mechanism.commitment import SUM_ZERO, sum_leaf
    from mechanism.training_proof.game import verify_sum_step

    tr = demo_trace(model, steps=2, seed=3, chunk=8, arity=4, features=40)  # R = 6 chunks per row
    st_, prover = tr.setting, TrainingProver(tr)
    ctx = context(st_, tr.shard.root, tr.start_tree.root, tr.roots)
    folds = [s for s in range(len(st_.names)) if st_.is_fold(s)]
    assert [st_.names[s] for s in folds] == ["z1", "z2"] and st_.row_chunks == 6
    for s in folds:
        for item in (0, st_.leaves(s) - 1, 13):
            deltas = prover.deltas(s, item)
            assert sum(deltas) == int(tr.values[s][item])
            assert s == folds[0] or len(set(deltas)) > 1  # step 1 starts from zero weights
            tree = prover.sum_tree(s, item)
            for k in range(4 ** tree.depth):
                proof = prover.sum_proof(s, item, k)
                claimed = tree.levels[0][k]
                assert verify_sum_step(st_, ctx, s, item, k, claimed, proof)
                if k >= st_.row_chunks:
                    assert claimed == SUM_ZERO
                    continue
                assert not verify_sum_step(st_, ctx, s, item, k, sum_leaf(k, deltas[k] + 1), proof)
                with pytest.raises(CommitmentError):
                    verify_sum_step(st_, ctx, s, item, k, claimed, tamper(proof))


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_trace_stages_equal_the_reference(model: str) -> None:
    """The committed first-layer products, errors and weights of every step are the
    pure-Python reference's (logreg errors from the unshifted logit,
    ``sigmoid(z >> 8) - onehot``; MLP hidden pre-activations ``clamp(z >> 8)``)."""
    from mechanism.training_proof.arith import DATA_FRAC_BITS, error
    from mechanism.training_proof.trace import hidden
    from mechanism.training_proof.train import reference_step

    tr = demo_trace(model, steps=3, seed=5, chunk=16, arity=2)
    st_, sh = tr.setting, tr.shard
    C, L, P, w = st_.spec.classes, st_.spec.layer1_rows, st_.spec.row_len, tr.w0.tolist()
    for t in range(1, 4):
        pos = st_.batch(t)
        xs, ys = [sh.features[p].tolist() for p in pos], [int(sh.labels[p]) for p in pos]
        prev = tr.vector(st_.prev_tree(t)).tolist()
        a, e, w = reference_step(st_.spec, st_.hyper, w, xs, ys)
        z = tr.values[st_.index(f"z{t}")].tolist()
        assert z == [sum(u * v for u, v in zip(prev[r * P:(r + 1) * P], x, strict=True)) for x in xs for r in range(L)]
        assert e == tr.values[st_.index(f"e{t}")].tolist()
        if model == "logreg":
            assert e == [error(z[q] >> DATA_FRAC_BITS, ys[q // C], q % C) for q in range(len(z))]
        else:
            assert a == [hidden(v) for v in z]
        assert w == tr.values[st_.index(f"w{t}")].tolist()


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_games_reaching_a_sum_tree_are_won_by_the_honest_side(model: str) -> None:
    """Lies in (and false disputes of) the first-layer products descend the item's sum
    tree; the honest side wins all of them, every strategy, either liar."""
    reached: set[tuple[str, str]] = set()
    for liar in ("trainer", "challenger"):
        for strategy in STRATEGIES:
            for seed in range(40):
                tr = _trace(model, 2, 8, 2)
                res, g = play_training(tr, liar, strategy, np.random.default_rng(seed))  # type: ignore[arg-type]
                assert res.honest_won, res
                assert res.moves <= res.move_bound
                if g is not None and g.tree == "sum":
                    reached.add((liar, strategy))
    # a lie in a random stage, or a dispute of a random stage, reaches a sum leaf for some
    # seed (a lying challenger's after_point and wrong_output always dispute the update)
    assert {("trainer", s) for s in ("random_step", "after_point", "equivocation")} <= reached
    assert {("challenger", s) for s in ("random_step", "equivocation")} <= reached
