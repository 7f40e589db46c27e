"""Full mode with training proofs: watchers dispute model poisoners with the training
fraud proof game; losers are slashed and their updates excluded (agents.abm.training_disputes)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel
from mechanism.errors import ParameterError

BASE = {"mode": "full", "blocks": 120, "trainers": 8, "challengers": 2, "seed": 1, "malicious_fraction": 0.25,
        "sequencer_strategy": "honest"}


@pytest.mark.parametrize("attack", ["sign_flip", "model_replacement"])
def test_every_model_poisoner_is_slashed_and_no_honest_trainer_is(attack: str) -> None:
    model = RollupModel(ABMConfig(**BASE, attack=attack, training_proofs=True))
    s = model.run()
    wl = model.workload
    assert wl is not None
    malicious = {i for i, t in enumerate(model.trainers) if t.malicious}
    assert len(malicious) == 2 and wl.rounds >= 2
    assert wl.slashed == malicious  # every model poisoner, and only they
    assert all(d.trainer in malicious and d.slashed for d in wl.trainer_disputes)
    assert s["trainers_slashed"] == 2 and s["slashed_honest"] == 0 and s["slashed_malicious"] == 2
    assert s["trainer_disputes"] == s["trainer_disputes_won_by_watchers"] == len(wl.trainer_disputes) >= 2
    # slashed in round 0, then left out of every round: 2 updates per round
    assert min(d.round for d in wl.trainer_disputes) == 0
    assert s["updates_excluded"] == 2 * wl.rounds
    assert wl.last_updates.shape[0] == 6  # the aggregate's inputs are the six honest updates
    assert s["trainer_stake_slashed_eth"] == pytest.approx(2 * model.cfg.trainer_stake_eth)
    for i in malicious:
        assert model.trainers[i].costs_eth >= model.cfg.trainer_stake_eth


@pytest.mark.evm
@pytest.mark.slow
def test_trainer_disputes_replayed_in_the_evm_reach_the_same_verdict() -> None:
    model = RollupModel(ABMConfig(**BASE, attack="sign_flip", training_proofs=True, training_proofs_evm=True))
    s = model.run()
    wl = model.workload
    assert wl is not None and s["trainers_slashed"] == 2 and s["slashed_honest"] == 0
    assert all(d.gas is not None and d.gas > 21_000 for d in wl.trainer_disputes)
    assert s["trainer_dispute_gas_total"] == sum(d.gas for d in wl.trainer_disputes if d.gas is not None)


def test_data_poisoning_is_not_disputed_and_matches_the_run_without_proofs() -> None:
    on = RollupModel(ABMConfig(**BASE, attack="label_flip", training_proofs=True))
    s_on = on.run()
    s_off = RollupModel(ABMConfig(**BASE, attack="label_flip")).run()
    assert s_on["trainer_disputes"] == 0 and s_on["trainers_slashed"] == 0 and s_on["updates_excluded"] == 0
    assert s_on["accuracy"] == s_off["accuracy"] and s_on["assertions"] == s_off["assertions"]


def test_off_the_summary_and_the_config_key_are_unchanged() -> None:
    cfg = ABMConfig(**BASE, attack="sign_flip")
    s = RollupModel(cfg).run()
    assert not any(k.startswith(("trainer_disputes", "trainers_slashed", "updates_excluded")) for k in s)
    from agents.store import config_key

    d = cfg.as_dict()
    d.pop("training_proofs")
    d.pop("training_proofs_evm")
    assert cfg.key() == config_key(d) and cfg.replace(training_proofs=True).key() != cfg.key()


def test_training_proofs_need_full_mode() -> None:
    with pytest.raises(ParameterError, match="training_proofs"):
        ABMConfig(training_proofs=True)
    with pytest.raises(ParameterError, match="training_proofs"):
        ABMConfig(mode="full", training_proofs=1)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="training_proofs_evm"):
        ABMConfig(mode="full", training_proofs_evm=True)


def test_watcher_disputes_exactly_the_lying_commitments_and_wins() -> None:
    """Across rounds every lying strategy shows up; every lie is disputed and lost by the
    trainer, and an honest commitment equals the watcher's re-execution."""
    from sklearn.datasets import load_digits

    from agents.abm.training_disputes import TrainerDisputes
    from mechanism.dispute.strategies import STRATEGIES

    b = load_digits()
    shards = np.array_split(np.random.default_rng(0).permutation(len(b.target)), 4)
    td = TrainerDisputes("logreg", shards, b.data / 16.0, b.target, 10, 2, 0.5, seed=3)
    rng = np.random.default_rng(5)
    played = []
    for rnd in range(12):
        ds = td.play_round(rnd, {1, 3}, [0, 1, 2, 3], rng)
        assert sorted(d.trainer for d in ds) == [1, 3]
        played += ds
    assert all(d.slashed for d in played)
    assert {d.strategy for d in played} >= set(STRATEGIES) - {"inconsistent_children"}
    with pytest.raises(ParameterError, match="full_model"):
        TrainerDisputes("cnn", shards, b.data / 16.0, b.target, 10, 2, 0.5, seed=3)


@pytest.mark.parametrize("name", ["logreg", "mlp"])
def test_committed_run_starts_from_the_round_global_model(name: str) -> None:
    """The integer start weights are the float global model in the proof's layout: the
    integer forward pass predicts the float model's class on (almost) every example."""
    import torch

    from agents.abm.training_disputes import TrainerDisputes
    from agents.fl import training
    from mechanism.training_proof.commit import encode_features
    from mechanism.training_proof.train import predict

    data = training.load_dataset("digits", seed=0)
    flat = training.FlatModel(training.build_model(name, data))
    g = torch.Generator().manual_seed(0)
    w = flat.init(g).to(torch.float64)
    x, y = data.x_train.numpy(), data.y_train.numpy()
    for _ in range(30):  # a few float SGD steps so that the model is not trivial
        w = w + training.local_sgd(flat, w, data, training.ShardSampler([np.arange(len(y))]), steps=5, batch=16,
                                   lr=0.5, generator=g)[0].to(torch.float64)
    hidden = int(flat.shapes[0][0]) if name == "mlp" else 0
    td = TrainerDisputes(name, [np.arange(40)], x, y, data.n_classes, 2, 0.5, seed=0, hidden=hidden)
    ints = predict(td.spec, td.start_weights(w.numpy()), encode_features(x[:300], td.spec))
    floats = flat.logits(w.to(torch.float32), data.x_train[:300]).argmax(dim=1).numpy()
    assert float(np.mean(ints == floats)) >= 0.95
    assert float(np.mean(floats == y[:300])) >= 0.5  # the float model learned something
    with pytest.raises(ParameterError, match="global_model"):
        td.start_weights(w.numpy()[:-1])
