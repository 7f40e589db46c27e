"""Poisoning strategies of malicious trainers (one class per attack plus a registry).

An attack acts at two points of a round (see :func:`agents.fl.training.run_federated`):

* ``poison(x, y, n_classes, generator)`` rewrites the malicious trainers' mini-batches
  during local training (data poisoning; identity by default);
* ``craft(view)`` turns the round's information into the malicious updates, float64
  (m, d) model deltas, before quantisation;
* ``poison_shard(x, y, n_classes, generator)`` (attacks with ``poisons_shard``) rewrites
  the malicious trainers' shards once, before the first round: the poisoned data *is*
  what they commit, so every later step is honest SGD on committed data.

**Data-only attacks** (``data_only = True``: label flipping, the unboosted backdoor)
submit the true result of local SGD on their own (poisoned) data. They are the attacks
that remain when a training fraud proof re-executes a trainer's SGD from its committed
shard (docs/training_proof.md): everything else -- crafted, scaled or noisy updates --
differs from the re-execution and is slashed.

**Threat model.** Attacks marked ``omniscient = True`` (IPM, ALIE, mimic, adaptive) see
the honest updates of the current round (``view.honest``), as in the papers that
introduced them; the others use only the malicious trainers' own data and updates. All
malicious trainers collude. A rational attacker never breaks the protocol's validity
predicate (an L2 norm bound; breaking it is slashed by a fraud proof), so by default
the federated loop scales every crafted row into the ball (:func:`project_to_ball`);
with ``bound_aware=False`` over-long rows are instead rejected (and would be slashed).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from mechanism._registry import instantiate
from mechanism.errors import ParameterError


@dataclass(frozen=True)
class RoundView:
    """What the malicious coalition knows when it crafts its updates (float64 deltas).

    ``aggregate`` maps a full (n, d) float update matrix to the protocol's aggregate
    (quantised and run through the real rule); only the adaptive attack calls it.
    """

    honest: torch.Tensor
    own: torch.Tensor
    n_trainers: int
    norm_bound: float
    generator: torch.Generator
    aggregate: Callable[[torch.Tensor], torch.Tensor] | None = None

    @property
    def m(self) -> int:
        return int(self.own.shape[0])


def project_to_ball(u: torch.Tensor, bound: float, margin: float = 0.0) -> torch.Tensor:
    """Scale every row of ``u`` with L2 norm > ``bound - margin`` onto that sphere."""
    r = bound - margin
    norms = u.norm(dim=1, keepdim=True)
    scale = torch.where(norms > r, r / norms.clamp_min(1e-300), torch.ones_like(norms))
    return u * scale


@dataclass(frozen=True)
class Attack:
    """Base class: honest behaviour (train on own data, submit the true delta)."""

    name: ClassVar[str] = "none"
    omniscient: ClassVar[bool] = False
    poisons_data: ClassVar[bool] = False
    needs_aggregate: ClassVar[bool] = False  # craft() calls view.aggregate
    poisons_shard: ClassVar[bool] = False  # poison_shard() rewrites the committed shard once
    data_only: ClassVar[bool] = False  # the update is honest SGD on the trainer's own data

    def poison_shard(
        self, x: torch.Tensor, y: torch.Tensor, n_classes: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return x, y

    def poison(
        self, x: torch.Tensor, y: torch.Tensor, n_classes: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return x, y

    def craft(self, view: RoundView) -> torch.Tensor:
        return view.own.clone()


@dataclass(frozen=True)
class NoAttack(Attack):
    """The clean run: malicious trainers (if any) behave honestly."""

    name: ClassVar[str] = "none"


@dataclass(frozen=True)
class SignFlip(Attack):
    """Submit ``-scale * own update`` (sign flipping, e.g. Allen-Zhu et al. 2021;
    Karimireddy, He and Jaggi, ICLR 2022 benchmark). ``scale = None`` (default) is the
    strongest valid sign flip: the flipped row is stretched onto the norm bound."""

    name: ClassVar[str] = "sign_flip"
    scale: float | None = None

    def craft(self, view: RoundView) -> torch.Tensor:
        if self.scale is not None:
            return -self.scale * view.own
        norms = view.own.norm(dim=1, keepdim=True).clamp_min(1e-300)
        return -view.own * (view.norm_bound / norms)


@dataclass(frozen=True)
class GaussianNoise(Attack):
    """Submit i.i.d. N(0, sigma^2) noise per coordinate (Blanchard et al. 2017, Sec. 5)."""

    name: ClassVar[str] = "gaussian"
    sigma: float = 1.0

    def craft(self, view: RoundView) -> torch.Tensor:
        z = torch.randn(view.own.shape, generator=view.generator, dtype=torch.float64)
        return self.sigma * z


@dataclass(frozen=True)
class LabelFlip(Attack):
    """Train on flipped labels ``y -> C - 1 - y`` (data poisoning; Allen-Zhu et al. 2021)."""

    name: ClassVar[str] = "label_flip"
    poisons_data: ClassVar[bool] = True
    data_only: ClassVar[bool] = True

    def poison(self, x, y, n_classes, generator):  # type: ignore[no-untyped-def]
        return x, (n_classes - 1) - y


@dataclass(frozen=True)
class IPM(Attack):
    """Inner-product manipulation: every malicious row is ``-epsilon * mean(honest)``
    (Xie, Koyejo and Gupta, UAI 2020, "Fall of empires"). Omniscient."""

    name: ClassVar[str] = "ipm"
    omniscient: ClassVar[bool] = True
    epsilon: float = 0.1

    def craft(self, view: RoundView) -> torch.Tensor:
        return (-self.epsilon * view.honest.mean(dim=0)).expand(view.m, -1).clone()


def alie_z(n: int, m: int) -> float:
    """Baruch et al. 2019 z_max: ``s = floor(n/2 + 1) - m``, ``z = Phi^-1((n - s) / n)``."""
    s = n // 2 + 1 - m
    p = min(max((n - s) / n, 0.5), 0.999)
    return statistics.NormalDist().inv_cdf(p)


@dataclass(frozen=True)
class ALIE(Attack):
    """"A little is enough": every malicious row is ``mu - z * sigma`` with mu, sigma the
    coordinate-wise mean and standard deviation of the honest updates (Baruch, Baruch
    and Goldberg, NeurIPS 2019). ``z = None`` uses their z_max(n, m). Omniscient."""

    name: ClassVar[str] = "alie"
    omniscient: ClassVar[bool] = True
    z: float | None = None

    def craft(self, view: RoundView) -> torch.Tensor:
        z = alie_z(view.n_trainers, view.m) if self.z is None else self.z
        h = view.honest
        sd = h.std(dim=0, unbiased=False) if h.shape[0] > 1 else torch.zeros_like(h[0])
        return (h.mean(dim=0) - z * sd).expand(view.m, -1).clone()


@dataclass(frozen=True)
class Mimic(Attack):
    """All malicious trainers copy one honest update: the one most extreme along the top
    principal direction of the honest updates, so as to over-weight one trainer's
    non-IID data (Karimireddy, He and Jaggi, ICLR 2022, "Byzantine-robust learning on
    heterogeneous datasets via bucketing", Sec. 3). Power iteration from a generator
    draw, ``iterations`` steps. Omniscient."""

    name: ClassVar[str] = "mimic"
    omniscient: ClassVar[bool] = True
    iterations: int = 20

    def craft(self, view: RoundView) -> torch.Tensor:
        c = view.honest - view.honest.mean(dim=0)
        v = torch.randn(c.shape[1], generator=view.generator, dtype=torch.float64)
        for _ in range(self.iterations):
            v = c.T @ (c @ v)
            v = v / v.norm().clamp_min(1e-300)
        i = int(torch.argmax((c @ v).abs()))
        return view.honest[i].expand(view.m, -1).clone()


@dataclass(frozen=True)
class ModelReplacement(Attack):
    """Scaled backdoor / model replacement (Bagdasaryan et al., AISTATS 2020, "How to
    backdoor federated learning"): train with a fraction ``poison_fraction`` of each batch
    stamped with a trigger (the last ``trigger_size`` features set to ``trigger_value``)
    and relabelled ``target``; submit the delta boosted by ``boost`` (``None``: n / m, so
    that the mean replaces the global model). The norm bound usually caps the boost."""

    name: ClassVar[str] = "model_replacement"
    poisons_data: ClassVar[bool] = True
    target: int = 0
    trigger_size: int = 4
    trigger_value: float = 1.0
    poison_fraction: float = 0.5
    boost: float | None = None

    def poison(self, x, y, n_classes, generator):  # type: ignore[no-untyped-def]
        k = round(self.poison_fraction * x.shape[1])
        x, y = x.clone(), y.clone()
        x[:, :k] = self.stamp(x[:, :k])
        y[:, :k] = self.target % n_classes
        return x, y

    def stamp(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the trigger to feature rows ``x`` (..., F)."""
        return stamp_trigger(x, self.trigger_size, self.trigger_value)

    def craft(self, view: RoundView) -> torch.Tensor:
        boost = view.n_trainers / max(view.m, 1) if self.boost is None else self.boost
        return boost * view.own


def stamp_trigger(x: torch.Tensor, size: int, value: float) -> torch.Tensor:
    """A copy of feature rows ``x`` (..., F) with the last ``size`` features set to ``value``."""
    x = x.clone()
    x[..., -size:] = value
    return x


@dataclass(frozen=True)
class Backdoor(Attack):
    """Data-only backdoor: the trainer commits a shard in which a ``poison_fraction`` of
    its examples (drawn once from the generator) carry the trigger of
    :class:`ModelReplacement` and the label ``target``, trains honestly on it and submits
    its true delta -- the backdoor of Bagdasaryan et al. (AISTATS 2020) without the
    model-replacement boost. Re-executing its SGD on the committed shard reproduces the
    update, so a training fraud proof cannot see it."""

    name: ClassVar[str] = "backdoor"
    poisons_shard: ClassVar[bool] = True
    data_only: ClassVar[bool] = True
    target: int = 0
    trigger_size: int = 4
    trigger_value: float = 1.0
    poison_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.poison_fraction <= 1.0:
            raise ParameterError.bad("poison_fraction", self.poison_fraction, "a fraction in (0, 1]")

    def poison_shard(self, x, y, n_classes, generator):  # type: ignore[no-untyped-def]
        pick = torch.randperm(len(x), generator=generator)[: round(self.poison_fraction * len(x))]
        x, y = x.clone(), y.clone()
        x[pick] = self.stamp(x[pick])
        y[pick] = self.target % n_classes
        return x, y

    def stamp(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the trigger to feature rows ``x`` (..., F)."""
        return stamp_trigger(x, self.trigger_size, self.trigger_value)


@dataclass(frozen=True)
class Adaptive(Attack):
    """Rule-aware attack inside the validity predicate (the AGR-tailored attack of
    Shejwalkar and Houmansadr, NDSS 2021, restricted to the L2 ball of radius B).

    All malicious trainers submit ``mu + gamma * p`` with mu the honest mean and p one of
    ``-mu/|mu|`` ("unit"), ``-std/|std|`` ("std") and ``-sign(mu)/sqrt(d)`` ("sign");
    gamma ranges over ``fractions * gamma_max(p)`` where gamma_max puts the row exactly on
    the ball ``|mu + gamma p| = B``. It keeps the candidate maximising the damage
    ``|AGG(honest + malicious) - mu|`` computed with the protocol's real rule
    (``view.aggregate``). Every candidate is valid, so a fraud proof cannot slash it.
    Omniscient (honest updates and the rule are known).
    """

    name: ClassVar[str] = "adaptive"
    omniscient: ClassVar[bool] = True
    needs_aggregate: ClassVar[bool] = True
    directions: tuple[str, ...] = ("unit", "std", "sign")
    fractions: tuple[float, ...] = (0.05, 0.2, 0.5, 1.0)

    def candidates(self, view: RoundView) -> list[torch.Tensor]:
        h = view.honest
        mu = h.mean(dim=0)
        out = []
        for name in self.directions:
            if name == "unit":
                p = -mu
            elif name == "std":
                p = -h.std(dim=0, unbiased=False)
            elif name == "sign":
                p = -torch.sign(mu)
            else:
                raise ParameterError.bad("directions", name, "unit, std or sign")
            norm = float(p.norm())
            if norm == 0.0:
                continue
            p = p / norm
            b = float(mu @ p)
            gmax = -b + math.sqrt(max(b * b - (float(mu @ mu) - view.norm_bound**2), 0.0))
            out += [mu + (f * gmax) * p for f in self.fractions]
        return out or [mu]

    def craft(self, view: RoundView) -> torch.Tensor:
        if view.aggregate is None:
            raise ParameterError.bad("aggregate", None, "the adaptive attack needs the round's rule")
        mu = view.honest.mean(dim=0)
        best, best_damage = mu, -1.0
        for cand in self.candidates(view):
            rows = project_to_ball(cand.unsqueeze(0), view.norm_bound, 1e-9).expand(view.m, -1)
            damage = float((view.aggregate(torch.cat([view.honest, rows])) - mu).norm())
            if damage > best_damage:
                best, best_damage = rows[0], damage
        return best.expand(view.m, -1).clone()


ATTACKS: dict[str, type[Attack]] = {
    cls.name: cls
    for cls in (NoAttack, SignFlip, GaussianNoise, LabelFlip, IPM, ALIE, Mimic, ModelReplacement, Adaptive, Backdoor)
}


def attack_names(include_none: bool = False) -> list[str]:
    """Registered attack names (``none``, the clean run, only on request)."""
    return [n for n in ATTACKS if include_none or n != "none"]


def get_attack(name: str, **params: Any) -> Attack:
    """Instantiate attack ``name``; unknown names or parameters raise one clear line."""
    return instantiate("attack", ATTACKS, name, params)


def data_only_attacks(names: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The data-only attacks among ``names`` (default: every registered attack): those a
    training fraud proof cannot slash."""
    return [n for n in (attack_names() if names is None else names) if ATTACKS[n].data_only]
