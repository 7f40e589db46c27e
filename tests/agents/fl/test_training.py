"""Workload: data, Dirichlet splits, models, deterministic vectorised local SGD."""

import math
import time

import numpy as np
import pytest
import torch

from agents.fl.training import (
    FlatModel,
    FLConfig,
    ShardSampler,
    build_model,
    deterministic,
    load_dataset,
    local_sgd,
    run_federated,
    split_dirichlet,
    split_iid,
)
from mechanism.errors import ParameterError, UnknownRuleError

SMALL = dict(n_trainers=20, rounds=3, local_steps=3)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def _classes_per_trainer(labels, shards):
    return float(np.mean([len(np.unique(labels[s])) for s in shards]))


def test_digits_shapes(digits):
    assert digits.x_train.shape[1] == 64 and digits.n_classes == 10
    assert len(digits.x_train) + len(digits.x_test) == 1797
    assert float(digits.x_train.max()) <= 1.0 and digits.image_shape == (1, 8, 8)


def test_generated_task_scales():
    data = load_dataset("generated", n_samples=600, n_features=40, n_classes=3)
    assert data.x_train.shape == (450, 40) and data.n_classes == 3 and data.image_shape is None
    assert abs(float(data.x_train.mean())) < 0.05


def test_unknown_dataset_and_model(digits):
    with pytest.raises(UnknownRuleError, match="dataset"):
        load_dataset("mnist")
    with pytest.raises(UnknownRuleError, match="model"):
        build_model("resnet", digits)
    with pytest.raises(ParameterError, match="image shape"):
        build_model("cnn", load_dataset("generated", n_samples=200, n_features=8, n_classes=2))


@pytest.mark.parametrize("alpha", [0.1, 1.0, 100.0, math.inf])
def test_dirichlet_split_is_a_balanced_partition(digits, alpha):
    labels = digits.y_train.numpy()
    shards = split_dirichlet(labels, 37, alpha, np.random.default_rng(1))
    allidx = np.concatenate(shards)
    assert len(allidx) == len(labels) and len(np.unique(allidx)) == len(labels)
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_dirichlet_small_alpha_is_skewed(digits):
    labels = digits.y_train.numpy()
    rng = np.random.default_rng(2)
    skewed = _classes_per_trainer(labels, split_dirichlet(labels, 30, 0.1, rng))
    mixed = _classes_per_trainer(labels, split_dirichlet(labels, 30, 100.0, rng))
    iid = _classes_per_trainer(labels, split_iid(len(labels), 30, rng))
    assert skewed < 4.0 < 8.0 < mixed and iid > 8.0


def test_split_is_deterministic_and_validated(digits):
    labels = digits.y_train.numpy()
    a = split_dirichlet(labels, 10, 0.5, np.random.default_rng(3))
    b = split_dirichlet(labels, 10, 0.5, np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(ParameterError, match="alpha"):
        split_dirichlet(labels, 10, 0.0, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="n_trainers"):
        split_iid(5, 6, np.random.default_rng(0))


@pytest.mark.parametrize(("name", "dim"), [("logreg", 650), ("mlp", 64 * 32 + 32 + 32 * 10 + 10), ("cnn", 80 + 1290)])
def test_models_batched_gradients(digits, name, dim):
    model = FlatModel(build_model(name, digits))
    assert model.dim == dim
    flat = model.init(torch.Generator().manual_seed(0)).expand(3, -1).clone()
    g = model.batched_grad(flat, digits.x_train[:12].reshape(3, 4, 64), digits.y_train[:12].reshape(3, 4))
    assert g.shape == (3, dim) and torch.isfinite(g).all()
    # per-trainer gradients equal the unbatched ones
    one = model.batched_grad(flat[:1], digits.x_train[4:8].reshape(1, 4, 64), digits.y_train[4:8].reshape(1, 4))
    assert torch.allclose(g[1], one[0], atol=1e-6)


def test_local_sgd_is_bit_identical(digits):
    model = FlatModel(build_model("mlp", digits))
    shards = split_dirichlet(digits.y_train.numpy(), 8, 0.5, np.random.default_rng(0))
    outs = []
    for _ in range(2):
        g = torch.Generator().manual_seed(7)
        with deterministic():
            outs.append(local_sgd(model, model.init(g), digits, ShardSampler(shards), steps=3, batch=8, lr=0.1, generator=g))
    assert outs[0].shape == (8, model.dim) and torch.equal(outs[0], outs[1])


def test_deterministic_scope_restores_state():
    before = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    with deterministic():
        assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
    assert (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()) == before


def test_same_seed_same_accuracies_bit_for_bit():
    cfg = FLConfig(rule="trimmed_mean", attack="alie", fraction=0.2, alpha=0.5, seed=11, **SMALL)
    a, b = run_federated(cfg), run_federated(cfg)
    assert a.accuracy == b.accuracy and a.loss == b.loss and a.curve == b.curve
    c = run_federated(FLConfig(rule="trimmed_mean", attack="alie", fraction=0.2, alpha=0.5, seed=12, **SMALL))
    assert c.curve != a.curve


def test_100_trainers_10_rounds_is_fast_and_learns():
    cfg = FLConfig(n_trainers=100, rounds=10, alpha=100.0, model="logreg")
    run_federated(FLConfig(n_trainers=10, rounds=1))  # warm-up (vmap tracing, imports)
    t0 = time.perf_counter()
    r = run_federated(cfg)
    assert time.perf_counter() - t0 < 60.0
    assert r.accuracy > 0.85 and len(r.curve) == 10 and r.rejected == 0


def test_config_validation():
    for kw, needle in [
        ({"fraction": 1.0}, "fraction"), ({"fraction": -0.1}, "fraction"), ({"alpha": 0.0}, "alpha"),
        ({"rule": "avg"}, "rule"), ({"attack": "nuke"}, "attack"), ({"model": "cnn", "dataset": "generated"}, "model"),
        ({"lr": 0.0}, "lr"),
    ]:
        with pytest.raises(ParameterError, match=needle):
            FLConfig(**kw)
    assert FLConfig(fraction=0.3, n_trainers=10).n_malicious == 3
    assert FLConfig(fraction=0.29, n_trainers=10).n_malicious == 2


@pytest.mark.parametrize("name", ["logreg", "mlp"])
def test_closed_form_gradients_equal_autograd(digits, name):
    model = FlatModel(build_model(name, digits))
    g = torch.Generator().manual_seed(5)
    flat = torch.stack([model.init(g) for _ in range(6)]) * 3.0
    idx = torch.randint(0, len(digits.x_train), (6, 16), generator=g)
    fast = model.batched_grad(flat, digits.x_train[idx], digits.y_train[idx])
    ref = model.autograd_grad(flat, digits.x_train[idx], digits.y_train[idx])
    assert model.kind is not None and fast.shape == ref.shape == (6, model.dim)
    assert torch.allclose(fast, ref, rtol=1e-5, atol=1e-6)
    assert FlatModel(build_model("cnn", digits)).kind is None  # the CNN keeps autograd


def test_krum_selection_of_a_malicious_row_is_counted():
    cfg = FLConfig(n_trainers=20, rounds=3, local_steps=2, rule="krum", attack="alie", fraction=0.2, alpha=100.0)
    r = run_federated(cfg)
    assert 0 <= r.malicious_selected <= 3
    assert run_federated(FLConfig(n_trainers=20, rounds=3, local_steps=2, rule="krum")).malicious_selected == 0
    assert run_federated(FLConfig(n_trainers=20, rounds=3, local_steps=2, rule="mean", attack="alie",
                                  fraction=0.2)).malicious_selected == 0  # the mean never equals one row
