"""The federated-learning workload: embedded data, non-IID splits, small models and
deterministic, vectorised local SGD (FedAvg-style rounds, McMahan et al., AISTATS 2017,
"Communication-efficient learning of deep networks from decentralized data").

* Data: sklearn's ``digits`` (1,797 8x8 images, 10 classes; ships with sklearn) or a
  generated task (``make_classification``) that scales in samples and features. Nothing
  is downloaded. Features are scaled to [0, 1] (digits) or standardised (generated).
* Splits: :func:`split_dirichlet` (Hsu, Qi and Brown 2019, "Measuring the effects of
  non-identical data distribution for federated visual classification": trainer i's
  class mix ``q_i ~ Dir(alpha * p)``) and :func:`split_iid`; ``alpha = inf`` means IID.
* Models: logistic regression, a one-hidden-layer MLP and a small CNN for 8x8 images,
  all evaluated with :mod:`torch.func` (``vmap(grad(...))`` over stacked parameters),
  so every trainer of a round trains in one batched computation.
* Local SGD: ``local_steps`` steps of plain SGD on mini-batches drawn *with
  replacement* from the trainer's shard, indices from one explicit
  :class:`torch.Generator`; run under :func:`deterministic` (scoped
  ``torch.use_deterministic_algorithms(True)``), so one seed gives bit-identical models.
  Parameters are initialised from the generator (U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  weights, zero biases), never from the global RNG.

:func:`run_federated` runs the whole loop of the protocol for one configuration:
local training, malicious trainers (:mod:`agents.fl.poisoning`), the L2-norm validity
predicate, int64 fixed point (:mod:`mechanism.fixedpoint`), the robust rule
(:func:`mechanism.aggregation.aggregate`) and evaluation on the held-out set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from agents.fl.datasets import DATASETS, Dataset, load_dataset, split_dirichlet, split_iid
from agents.fl.networks import MODELS, FlatModel, build_model
from mechanism.errors import ParameterError, UnknownRuleError
from mechanism.params import DEFAULT_FRAC_BITS

__all__ = [
    "DATASETS", "MODELS", "Dataset", "FLConfig", "FlatModel", "RunResult", "ShardSampler",
    "build_model", "deterministic", "load_dataset", "local_sgd", "rule_params", "run_federated",
    "split_dirichlet", "split_iid",
]


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Scope ``torch.use_deterministic_algorithms(True)`` and one intra-op thread.

    One thread fixes the reduction order of every kernel (bit-identical results whatever
    the machine's core count) and, on a shared 2-core machine, avoids the 10-50x slowdown
    of spinning OpenMP threads; the tensors here are too small to gain from threads.
    The previous mode and thread count are restored on exit.
    """
    before, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)
        torch.set_num_threads(threads)


# ---------------------------------------------------------------------- local SGD


class ShardSampler:
    """Draws (n, B) mini-batch indices, with replacement, from each trainer's shard."""

    def __init__(self, shards: list[np.ndarray]) -> None:
        width = max(len(s) for s in shards)
        pad = np.zeros((len(shards), width), dtype=np.int64)
        for i, s in enumerate(shards):
            if len(s) == 0:
                raise ParameterError.bad("shards", f"trainer {i} has no samples", "non-empty shards")
            pad[i, : len(s)] = s
        self.index = torch.from_numpy(pad)
        self.sizes = torch.tensor([len(s) for s in shards], dtype=torch.float64).unsqueeze(1)

    def draw(self, rows: torch.Tensor, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Sample indices for trainer ``rows`` (1-D long): shape (len(rows), batch)."""
        u = torch.rand((len(rows), batch), generator=generator, dtype=torch.float64)
        pos = torch.floor(u * self.sizes[rows]).to(torch.int64)
        return self.index[rows].gather(1, pos)


BatchHook = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def local_sgd(
    model: FlatModel,
    start: torch.Tensor,
    data: Dataset,
    sampler: ShardSampler,
    *,
    steps: int,
    batch: int,
    lr: float,
    generator: torch.Generator,
    poisoned: torch.Tensor | None = None,
    poison: BatchHook | None = None,
) -> torch.Tensor:
    """Train every trainer from ``start`` (dim,) for ``steps`` SGD steps; return deltas (n, dim).

    ``poison(x, y, generator)`` rewrites the mini-batches of the trainers whose indices are
    in ``poisoned`` (data-poisoning attacks such as label flipping or a backdoor trigger).
    """
    n = sampler.index.shape[0]
    rows = torch.arange(n)
    params = start.to(torch.float32).expand(n, -1).clone()
    for _ in range(steps):
        idx = sampler.draw(rows, batch, generator)
        x, y = data.x_train[idx], data.y_train[idx]
        if poison is not None and poisoned is not None and len(poisoned):
            px, py = poison(x[poisoned], y[poisoned], generator)
            x, y = x.clone(), y.clone()
            x[poisoned], y[poisoned] = px, py
        params -= lr * model.batched_grad(params, x, y)
    return (params - start.to(torch.float32)).to(torch.float64)


# ----------------------------------------------------------------- federated loop


@dataclass(frozen=True)
class FLConfig:
    """One federated run. Units: ``norm_bound`` and ``cc_tau`` are L2 radii in model
    units (encoded to fixed point with ``frac_bits``); ``alpha = inf`` is IID; the
    ``fraction`` of trainers that is malicious is ``m = floor(fraction * n_trainers)``.
    ``assumed_f`` is the f given to the rule (``None``: the true m, the rule's best case).
    ``norm_predicate`` switches the protocol's L2 validity predicate (docs/protocol.md):
    on, malicious rows are scaled into the ball (``bound_aware``) or rejected; off (a
    controlled experiment only, the unbounded setting of the Byzantine-FL papers), crafted
    rows go to the rule as they are. Honest trainers clip themselves either way, so the
    predicate is the only difference between the two settings.
    """

    dataset: str = "digits"
    model: str = "logreg"
    n_trainers: int = 100
    rounds: int = 10
    local_steps: int = 5
    batch_size: int = 16
    lr: float = 0.5
    alpha: float = math.inf
    rule: str = "mean"
    attack: str = "none"
    attack_params: tuple[tuple[str, object], ...] = ()
    fraction: float = 0.0
    seed: int = 0
    norm_bound: float = 2.0
    bound_aware: bool = True
    cc_tau: float = 0.5
    assumed_f: int | None = None
    norm_predicate: bool = True
    frac_bits: int = DEFAULT_FRAC_BITS
    generated_samples: int = 20_000
    generated_features: int = 100
    #: Local differential privacy (docs/privacy.md): each honest trainer publishes
    #: clip(u, norm_bound) + N(0, (z 2 norm_bound)^2) with z the least noise multiplier whose
    #: ``rounds``-fold composition is (ldp_epsilon, ldp_delta)-DP (dp-accounting RDP);
    #: ``inf`` = no noise.
    ldp_epsilon: float = math.inf
    ldp_delta: float = 1e-5

    def __post_init__(self) -> None:
        from agents.fl.poisoning import ATTACKS
        from mechanism.aggregation import RULES

        if not (isinstance(self.fraction, (int, float)) and 0.0 <= self.fraction < 1.0):
            raise ParameterError.bad("fraction", self.fraction, "a malicious fraction in [0, 1)")
        if not self.alpha > 0:
            raise ParameterError.bad("alpha", self.alpha, "a positive Dirichlet concentration (inf = IID)")
        if self.rule not in RULES:
            raise UnknownRuleError.bad("rule", self.rule, f"one of {', '.join(RULES)}")
        if self.attack not in ATTACKS:
            raise UnknownRuleError.bad("attack", self.attack, f"one of {', '.join(ATTACKS)}")
        if self.dataset not in DATASETS:
            raise UnknownRuleError.bad("dataset", self.dataset, f"one of {', '.join(DATASETS)}")
        if self.model not in MODELS or (self.model == "cnn" and self.dataset != "digits"):
            raise UnknownRuleError.bad("model", self.model, "logreg, mlp, or cnn (digits only)")
        for k in ("n_trainers", "rounds", "local_steps", "batch_size"):
            if int(getattr(self, k)) < 1:
                raise ParameterError.bad(k, getattr(self, k), "a positive integer")
        for k in ("lr", "norm_bound", "cc_tau"):
            if not getattr(self, k) > 0:
                raise ParameterError.bad(k, getattr(self, k), "a positive number")
        if not self.ldp_epsilon > 0:  # NaN fails too
            raise ParameterError.bad("ldp_epsilon", self.ldp_epsilon, "a number > 0, or inf for no noise")
        if not 0 < self.ldp_delta < 1:
            raise ParameterError.bad("ldp_delta", self.ldp_delta, "a number in (0, 1)")

    @property
    def ldp_noise_multiplier(self) -> float:
        """z of the Gaussian mechanism for (ldp_epsilon, ldp_delta) over ``rounds`` releases
        (0 without privacy); :func:`mechanism.privacy.accounting.noise_multiplier_for`."""
        return _noise_multiplier(self.ldp_epsilon, self.ldp_delta, self.rounds)

    @property
    def n_malicious(self) -> int:
        return math.floor(self.fraction * self.n_trainers + 1e-9)


@functools.lru_cache(maxsize=256)
def _noise_multiplier(epsilon: float, delta: float, rounds: int) -> float:
    if math.isinf(epsilon):
        return 0.0
    from mechanism.privacy.accounting import noise_multiplier_for

    return noise_multiplier_for(epsilon, delta, rounds)


#: An honest noisy update stays under the norm predicate's bound with this probability
#: (the bound is widened by :func:`mechanism.privacy.gaussian.noisy_norm_quantile`).
LDP_BOUND_PROB = 1.0 - 1e-6


@dataclass(frozen=True)
class RunResult:
    """Outcome of :func:`run_federated` (accuracies in [0, 1], loss in nats)."""

    accuracy: float
    loss: float
    backdoor: float  # share of triggered non-target test samples classified as target (NaN if n/a)
    rejected: int  # updates rejected by the validity predicate over all rounds
    malicious_selected: int  # rounds whose aggregate equals a malicious trainer's submitted row (selection rules)
    curve: tuple[float, ...]  # test accuracy after each round
    seconds: float


def rule_params(rule: str, f: int, cc_tau_int: int) -> dict[str, object]:
    """Parameters of ``rule`` for ``f`` assumed Byzantine trainers."""
    if rule == "mean":
        return {}
    if rule == "centered_clipping":
        return {"tau": cc_tau_int, "f": f}
    return {"f": f}


def run_federated(cfg: FLConfig) -> RunResult:
    """Run ``cfg.rounds`` rounds; raise BreakdownError if the rule cannot take ``f``."""
    import time

    from agents.fl.poisoning import RoundView, get_attack, project_to_ball
    from mechanism.aggregation import aggregate, get_rule
    from mechanism.aggregation._intmath import row_sqnorms_shifted
    from mechanism.fixedpoint import decode, encode, encode_int, max_abs_float

    t0 = time.perf_counter()
    n, m = cfg.n_trainers, cfg.n_malicious
    params = rule_params(cfg.rule, m if cfg.assumed_f is None else cfg.assumed_f, encode_int(cfg.cc_tau, cfg.frac_bits))
    get_rule(cfg.rule, **params).check_n(n)
    attack = get_attack(cfg.attack, **dict(cfg.attack_params))
    ss = np.random.SeedSequence(cfg.seed)
    split_rng, pick_rng, torch_ss, attack_ss = (np.random.default_rng(c) for c in ss.spawn(4))
    gen = torch.Generator().manual_seed(int(torch_ss.integers(2**62)))
    attack_gen = torch.Generator().manual_seed(int(attack_ss.integers(2**62)))
    data = load_dataset(cfg.dataset, seed=cfg.seed, n_samples=cfg.generated_samples, n_features=cfg.generated_features)
    shards = split_dirichlet(data.y_train.numpy(), n, cfg.alpha, split_rng)
    sampler = ShardSampler(shards)
    model = FlatModel(build_model(cfg.model, data))
    bad = torch.zeros(n, dtype=torch.bool)
    bad[torch.from_numpy(pick_rng.permutation(n)[:m])] = True  # nested across fractions
    mal, honest = torch.nonzero(bad).flatten(), torch.nonzero(~bad).flatten()
    train = data
    if m and attack.poisons_shard:  # the malicious trainers commit poisoned shards (disjoint from the honest ones)
        rows = torch.from_numpy(np.concatenate([shards[i] for i in mal.tolist()]))
        x, y = data.x_train.clone(), data.y_train.clone()
        x[rows], y[rows] = attack.poison_shard(x[rows], y[rows], data.n_classes, attack_gen)
        train = dataclasses.replace(data, x_train=x, y_train=y)
    z = cfg.ldp_noise_multiplier
    bound = cfg.norm_bound  # the norm predicate's L2 bound
    if z > 0:  # room for honest noise: attackers get the same larger ball (docs/privacy.md)
        from mechanism.privacy.gaussian import noisy_norm_quantile

        bound = noisy_norm_quantile(cfg.norm_bound, z, model.dim, LDP_BOUND_PROB)
        ldp_gen = torch.Generator().manual_seed(int(np.random.default_rng(ss.spawn(1)[0]).integers(2**62)))
    tau_int = encode_int(bound, cfg.frac_bits)
    margin = math.sqrt(model.dim) * 8.0 / (1 << cfg.frac_bits)  # covers quantisation + shifts
    limit = max_abs_float(cfg.frac_bits)

    def round_aggregate(honest_rows: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """The round's rule on a float (n, d) matrix; the honest block is encoded once per
        round (encoding is elementwise, so the result is the same bits)."""
        q_honest = encode(honest_rows, cfg.frac_bits)
        h = honest_rows.shape[0]

        def agg(u: torch.Tensor) -> torch.Tensor:
            if u.shape[0] >= h and torch.equal(u[:h], honest_rows):
                q = torch.cat([q_honest, encode(u[h:], cfg.frac_bits)])
            else:
                q = encode(u, cfg.frac_bits)
            return decode(aggregate(cfg.rule, q, **params), cfg.frac_bits)

        return agg

    def poison(x: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        return attack.poison(x, y, data.n_classes, g)

    w = model.init(gen).to(torch.float64)
    curve, rejected, selected = [], 0, 0
    with deterministic():
        for _ in range(cfg.rounds):
            deltas = local_sgd(
                model, w, train, sampler, steps=cfg.local_steps, batch=cfg.batch_size, lr=cfg.lr,
                generator=gen, poisoned=mal if attack.poisons_data else None, poison=poison,
            )
            deltas = project_to_ball(deltas, cfg.norm_bound, margin)  # honest trainers clip themselves
            if z > 0:  # the Gaussian mechanism at each honest trainer (sensitivity 2C)
                noise = torch.randn(deltas.shape, generator=ldp_gen, dtype=deltas.dtype) * (z * 2.0 * cfg.norm_bound)
                deltas[honest] = deltas[honest] + noise[honest]
            if m:
                hv = deltas[honest]
                view = RoundView(hv, deltas[mal], n, cfg.norm_bound, attack_gen,
                                 round_aggregate(hv) if attack.needs_aggregate else None)
                crafted = attack.craft(view)
                if cfg.bound_aware and cfg.norm_predicate:
                    crafted = project_to_ball(crafted, bound, margin)
                deltas[mal] = crafted
            sane = deltas.abs().amax(dim=1) < limit  # NaN propagates through amax: not sane
            q = encode(torch.where(sane.unsqueeze(1), deltas, 0.0), cfg.frac_bits)
            sq, s = row_sqnorms_shifted(q, q.shape[1])
            valid = sane
            if cfg.norm_predicate:
                valid = sane & torch.tensor([(math.isqrt(v) << s) <= tau_int for v in sq])
            rejected += int((~valid).sum())
            out = aggregate(cfg.rule, q[valid], **params)
            if m:
                selected += int((q[mal][valid[mal]] == out).all(dim=1).any())
            w = w + decode(out, cfg.frac_bits)
            curve.append(model.evaluate(w, data.x_test, data.y_test)[0])
    acc, loss = model.evaluate(w, data.x_test, data.y_test)
    backdoor = math.nan
    if hasattr(attack, "stamp"):
        keep = data.y_test != attack.target % data.n_classes  # type: ignore[attr-defined]
        xs = attack.stamp(data.x_test[keep])  # type: ignore[attr-defined]
        target = torch.full((len(xs),), attack.target % data.n_classes)  # type: ignore[attr-defined]
        backdoor = model.evaluate(w, xs, target)[0]
    return RunResult(acc, loss, backdoor, rejected, selected, tuple(curve), time.perf_counter() - t0)
