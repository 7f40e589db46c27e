"""Poisoning attacks: what each one submits, the norm bound, the registry."""

import statistics

import pytest
import torch

from agents.fl.poisoning import (
    ATTACKS,
    Adaptive,
    RoundView,
    alie_z,
    attack_names,
    get_attack,
    project_to_ball,
)
from agents.fl.training import FLConfig, run_federated
from mechanism.aggregation import aggregate
from mechanism.errors import ParameterError, UnknownRuleError
from mechanism.fixedpoint import decode, encode

BOUND = 2.0


def _view(h=12, m=4, d=30, seed=0, rule=None):
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(d, generator=g, dtype=torch.float64) * 0.2
    honest = base + 0.1 * torch.randn((h, d), generator=g, dtype=torch.float64)
    own = base + 0.1 * torch.randn((m, d), generator=g, dtype=torch.float64)
    agg = None
    if rule is not None:
        def agg(u, rule=rule):
            return decode(aggregate(rule, encode(u), **({} if rule == "mean" else {"f": m})))
    return RoundView(honest, own, h + m, BOUND, torch.Generator().manual_seed(seed + 1), agg)


def test_registry_names_and_errors():
    assert set(attack_names()) == {
        "sign_flip", "gaussian", "label_flip", "ipm", "alie", "mimic", "model_replacement", "adaptive", "backdoor"}
    assert "none" in attack_names(include_none=True) and set(ATTACKS) >= set(attack_names())
    with pytest.raises(UnknownRuleError, match=r"attack='nuke' is invalid: one of none, sign_flip"):
        get_attack("nuke")
    with pytest.raises(ParameterError, match="not a parameter of ipm"):
        get_attack("ipm", sigma=1.0)
    assert get_attack("ipm", epsilon=2.0).epsilon == 2.0


def test_sign_flip_flips():
    v = _view()
    out = get_attack("sign_flip").craft(v)
    cos = torch.nn.functional.cosine_similarity(out, v.own, dim=1)
    assert torch.allclose(cos, torch.full_like(cos, -1.0))
    assert torch.allclose(out.norm(dim=1), torch.full((v.m,), BOUND, dtype=torch.float64))
    assert torch.equal(get_attack("sign_flip", scale=1.0).craft(v), -v.own)


def test_project_to_ball():
    u = torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64)
    p = project_to_ball(u, 2.0)
    assert torch.allclose(p[0].norm(), torch.tensor(2.0, dtype=torch.float64)) and torch.equal(p[1], u[1])
    assert torch.allclose(p[0] / p[0].norm(), u[0] / u[0].norm())


def test_gaussian_is_reproducible_from_the_generator():
    a, b = get_attack("gaussian").craft(_view()), get_attack("gaussian").craft(_view())
    assert torch.equal(a, b) and abs(float(a.std()) - 1.0) < 0.2


def test_ipm_opposes_the_honest_mean():
    v = _view()
    out = get_attack("ipm", epsilon=0.5).craft(v)
    mu = v.honest.mean(0)
    assert torch.allclose(out, (-0.5 * mu).expand_as(out)) and float(out[0] @ mu) < 0


def test_alie_is_mean_minus_z_std():
    assert alie_z(100, 20) == pytest.approx(statistics.NormalDist().inv_cdf(69 / 100))
    assert 0 < alie_z(50, 5) < alie_z(50, 20)
    v = _view()
    out = get_attack("alie", z=1.5).craft(v)
    exp = v.honest.mean(0) - 1.5 * v.honest.std(0, unbiased=False)
    assert torch.allclose(out, exp.expand_as(out))


def test_mimic_copies_one_honest_update():
    v = _view()
    out = get_attack("mimic").craft(v)
    assert any(torch.equal(out[0], h) for h in v.honest) and torch.equal(out[0], out[-1])


def test_label_flip_and_backdoor_poison():
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(2, 6, 64), torch.randint(0, 10, (2, 6), generator=g)
    _, fy = get_attack("label_flip").poison(x, y, 10, g)
    assert torch.equal(fy, 9 - y)
    mr = get_attack("model_replacement", target=3, poison_fraction=0.5)
    px, py = mr.poison(x, y, 10, g)
    assert (py[:, :3] == 3).all() and torch.equal(py[:, 3:], y[:, 3:])
    assert (px[:, :3, -4:] == 1.0).all() and torch.equal(px[:, 3:], x[:, 3:])
    v = _view(h=12, m=4)
    assert torch.allclose(mr.craft(v), 4.0 * v.own)  # boost n / m = 16 / 4


@pytest.mark.parametrize("rule", ["mean", "median", "krum", "trimmed_mean"])
def test_adaptive_stays_inside_the_norm_bound_and_maximises_damage(rule):
    v = _view(rule=rule)
    atk = Adaptive()
    out = atk.craft(v)
    assert (out.norm(dim=1) <= BOUND + 1e-9).all() and torch.equal(out[0], out[-1])
    mu = v.honest.mean(0)
    chosen = float((v.aggregate(torch.cat([v.honest, out])) - mu).norm())
    for cand in atk.candidates(v):
        rows = project_to_ball(cand.unsqueeze(0), BOUND, 1e-9).expand(v.m, -1)
        assert float(rows.norm(dim=1).max()) <= BOUND
        assert chosen >= float((v.aggregate(torch.cat([v.honest, rows])) - mu).norm()) - 1e-12


def test_adaptive_on_mean_goes_to_the_boundary():
    v = _view(rule="mean")
    out = Adaptive().craft(v)
    assert float(out[0].norm()) == pytest.approx(BOUND, rel=1e-6)


def test_adaptive_needs_the_rule():
    with pytest.raises(ParameterError, match="aggregate"):
        Adaptive().craft(_view())


def test_predicate_rejects_only_unbounded_attacks():
    small = dict(n_trainers=20, rounds=2, local_steps=2, fraction=0.2)
    assert run_federated(FLConfig(attack="adaptive", bound_aware=False, **small)).rejected == 0
    assert run_federated(FLConfig(attack="gaussian", bound_aware=False, **small)).rejected == 2 * 4
    assert run_federated(FLConfig(attack="gaussian", **small)).rejected == 0


def test_data_only_attacks_are_the_ones_a_training_proof_cannot_slash():
    from agents.fl.poisoning import data_only_attacks

    assert data_only_attacks() == ["label_flip", "backdoor"]
    assert data_only_attacks(["ipm", "backdoor"]) == ["backdoor"]


def test_backdoor_poisons_a_fixed_share_of_the_shard_once_and_submits_its_true_update():
    a = get_attack("backdoor", poison_fraction=0.25, target=3)
    x, y = torch.rand(40, 10), torch.randint(0, 10, (40,))
    px, py = a.poison_shard(x, y, 10, torch.Generator().manual_seed(0))
    stamped = (px[:, -4:] == 1.0).all(dim=1) & (py == 3)
    assert int(stamped.sum()) >= 10 and int((px != x).any(dim=1).sum()) <= 10  # 10 examples rewritten
    assert torch.equal(px[:, :-4], x[:, :-4]) and torch.equal(x, x.clone())
    v = _view()
    assert torch.equal(a.craft(v), v.own)  # no boost: the honest result of training on the shard
    with pytest.raises(ParameterError, match="poison_fraction"):
        get_attack("backdoor", poison_fraction=0.0)
