"""The shape of the privacy-robustness trade-off, measured and compared with the published
analyses (docs/privacy_tradeoff.md).

Input: a privacy summary (the format of :func:`agents.fl.privacy.summarise_privacy`: one
row per rule, attack, fraction and epsilon target with the noise multiplier ``z`` and the
mean accuracy over seeds with its 95% t-interval). The noise each honest trainer adds has
per-coordinate standard deviation ``2 C z`` (:mod:`mechanism.privacy.gaussian`), so its
squared L2 norm has expectation

    N(z) = d (2 C z)^2                                           (model units^2)

the "noise variance proxy" every fit here uses as its x-axis (d: model dimension, C: the
clipping radius). Both analyses put the DP noise into the honest workers' variance:

* Guerraoui et al., "Differential Privacy and Byzantine Resilience in SGD: Do They Add
  Up?", PODC 2021 (arXiv:2102.08166): the Gaussian noise adds ``d sigma^2`` to each honest
  gradient's variance, so the variance-to-norm (VN) ratio condition under which a robust
  rule is (alpha, f)-Byzantine resilient holds only if the noise is small against the
  true gradient's norm (docs/privacy_tradeoff.md, "What the papers say").
* Allouah et al., "On the Privacy-Robustness-Utility Trilemma in Distributed Learning",
  ICML 2023 (arXiv:2302.04787): the error of any algorithm that is robust to f of n
  machines and differentially private for the honest ones has a privacy term and a
  robustness term, both linear in the dimension times the DP noise variance (order of
  magnitude; docs/privacy_tradeoff.md, "What the papers say").

What is computed, per rule (all intervals 95%, from a parametric bootstrap over the
summary's per-cell t-intervals with one explicit, seeded generator per fit):

* :class:`CleanShape`: clean accuracy loss against N(z) in the small-noise regime, the
  slope and the log-log exponent (predicted: 1, loss linear in the noise variance).
* :class:`GapShape`: attacked-minus-clean accuracy gap against N(z) (predicted: grows,
  since the robustness term scales with the honest variance the noise inflates).
* :class:`FractionScaling`: the gap's slope at the larger fraction over the smaller one
  (predicted: > 1; the order of the ratio is that of the robustness coefficient's lower
  bound f / (n - 2f)).
* :class:`Breakdown`: the least measured noise at which the rule's robustness breaks
  (attacked accuracy below clean minus ``delta``), against the VN ratio computed from
  the honest updates measured on the task (:func:`measure_honest_updates`).

Statuses are decided by the fits, never written in: ``agrees`` / ``disagrees`` /
``inconclusive`` (shapes), ``consistent`` / ``contradicts`` (breakdown vs VN condition).
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanism.errors import ParameterError

#: Columns of the privacy summary this module reads (agents.fl.privacy.summarise_privacy).
REQUIRED_COLUMNS = ("rule", "attack", "fraction", "epsilon", "noise_multiplier", "accuracy",
                    "accuracy_ci_low", "accuracy_ci_high", "seeds")
#: Confidence level of every interval.
CONFIDENCE = 0.95
#: Parametric bootstrap draws per fit.
DEFAULT_DRAWS = 2000
#: Small-noise regime: noisy points whose clean accuracy keeps at least this share of the
#: no-noise accuracy (the bounds are first order in the noise; beyond, accuracy saturates
#: towards chance and no linear shape is predicted).
DEFAULT_MIN_ACCURACY_SHARE = 0.5
#: The exponent the analyses predict for loss against the noise variance (linear).
PREDICTED_EXPONENT = 1.0

AGREES, DISAGREES, INCONCLUSIVE = "agrees", "disagrees", "inconclusive"
CONSISTENT, CONTRADICTS, NOT_BROKEN = "consistent", "contradicts", "not broken"


# ------------------------------------------------------------------ task geometry


@dataclass(frozen=True)
class TaskGeometry:
    """What turns a noise multiplier into a noise variance: the model dimension, the
    clipping radius C (L2, model units) and the number of trainers."""

    dim: int
    clip_l2: float
    n_trainers: int

    def __post_init__(self) -> None:
        if isinstance(self.dim, bool) or not isinstance(self.dim, int) or self.dim < 1:
            raise ParameterError.bad("dim", self.dim, "an integer >= 1")
        if not (math.isfinite(self.clip_l2) and self.clip_l2 > 0):
            raise ParameterError.bad("clip_l2", self.clip_l2, "a finite number > 0")
        if isinstance(self.n_trainers, bool) or not isinstance(self.n_trainers, int) or self.n_trainers < 1:
            raise ParameterError.bad("n_trainers", self.n_trainers, "an integer >= 1")

    def noise_variance_l2sq(self, noise_multiplier: float) -> float:
        """N(z) = d (2 C z)^2: the expected squared L2 norm of one trainer's Gaussian noise,
        per-coordinate standard deviation 2 C z (mechanism.privacy.gaussian.noise_std;
        Guerraoui et al., PODC 2021, the VN-ratio analysis: the noise adds d sigma^2 to the
        variance)."""
        if not (math.isfinite(noise_multiplier) and noise_multiplier >= 0):
            raise ParameterError.bad("noise_multiplier", noise_multiplier, "a finite number >= 0")
        return self.dim * (2.0 * self.clip_l2 * noise_multiplier) ** 2

    @classmethod
    def from_config(cls, cfg: Any) -> TaskGeometry:
        """The geometry of an :class:`agents.fl.training.FLConfig` (its model's dimension,
        its norm bound as C, its trainers)."""
        from agents.fl.training import FlatModel, build_model, load_dataset

        data = load_dataset(cfg.dataset, seed=cfg.seed, n_samples=cfg.generated_samples,
                            n_features=cfg.generated_features)
        return cls(int(FlatModel(build_model(cfg.model, data)).dim), float(cfg.norm_bound), int(cfg.n_trainers))


@dataclass(frozen=True)
class HonestUpdateStats:
    """Honest clipped updates measured round by round on a noiseless, attack-free run
    with the mean (:func:`measure_honest_updates`): the L2 norm of their mean and their
    variance ``E ||U_i - mean||^2`` (model units and model units^2)."""

    seed: int
    update_norm_l2: tuple[float, ...]
    update_variance_l2sq: tuple[float, ...]
    config: str  # the FLConfig as JSON

    def vn_ratios(self, noise_variance_l2sq: float) -> tuple[float, ...]:
        """Per round, sqrt(E||U - mean||^2 + N) / ||mean||: the variance-to-norm ratio of an
        honest noisy update (Guerraoui et al., PODC 2021: the VN condition of
        (alpha, f)-Byzantine resilience, with the DP noise's d sigma^2 added to the
        variance)."""
        return tuple(math.sqrt(v + noise_variance_l2sq) / g if g > 0 else math.inf
                     for g, v in zip(self.update_norm_l2, self.update_variance_l2sq, strict=True))

    def best_vn_ratio(self, noise_variance_l2sq: float) -> float:
        """The smallest VN ratio over the measured rounds: the condition must hold at every
        step, so if it fails at the most favourable round it fails."""
        return min(self.vn_ratios(noise_variance_l2sq))

    def noise_threshold_multiplier(self, vn_constant: float, geometry: TaskGeometry) -> float:
        """The largest z at which the VN condition ``ratio < vn_constant`` still holds at the
        most favourable round: ``N(z) < k^2 ||mean||^2 - E||U - mean||^2`` solved for z
        (0 if it fails without noise)."""
        if not (math.isfinite(vn_constant) and vn_constant > 0):
            raise ParameterError.bad("vn_constant", vn_constant, "a finite number > 0")
        room = max(vn_constant**2 * g * g - v for g, v in zip(self.update_norm_l2, self.update_variance_l2sq, strict=True))
        return math.sqrt(room / geometry.dim) / (2.0 * geometry.clip_l2) if room > 0 else 0.0

    @property
    def inflation_base_l2sq(self) -> float:
        """The honest variance without noise at the most favourable (least variance) round."""
        return min(self.update_variance_l2sq)


def measure_honest_updates(cfg: Any, rounds: int | None = None) -> HonestUpdateStats:
    """Run ``rounds`` rounds (default ``cfg.rounds``) of local SGD with the mean, no noise
    and no attack, and record the honest clipped updates' mean norm and variance; seeded
    by ``cfg.seed`` exactly as :func:`agents.fl.training.run_federated` seeds its run."""
    import dataclasses

    import torch

    from agents.fl.poisoning import project_to_ball
    from agents.fl.training import (
        FlatModel,
        ShardSampler,
        build_model,
        deterministic,
        load_dataset,
        local_sgd,
        split_dirichlet,
    )

    rounds = cfg.rounds if rounds is None else rounds
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ParameterError.bad("rounds", rounds, "an integer >= 1")
    ss = np.random.SeedSequence(cfg.seed)
    split_rng, _, torch_ss, _ = (np.random.default_rng(c) for c in ss.spawn(4))
    gen = torch.Generator().manual_seed(int(torch_ss.integers(2**62)))
    data = load_dataset(cfg.dataset, seed=cfg.seed, n_samples=cfg.generated_samples, n_features=cfg.generated_features)
    sampler = ShardSampler(split_dirichlet(data.y_train.numpy(), cfg.n_trainers, cfg.alpha, split_rng))
    model = FlatModel(build_model(cfg.model, data))
    w = model.init(gen).to(torch.float64)
    norms, variances = [], []
    with deterministic():
        for _ in range(rounds):
            d = local_sgd(model, w, data, sampler, steps=cfg.local_steps, batch=cfg.batch_size, lr=cfg.lr,
                          generator=gen)
            d = project_to_ball(d, cfg.norm_bound)
            m = d.mean(dim=0)
            norms.append(float(m.norm()))
            variances.append(float(((d - m) ** 2).sum(dim=1).mean()))
            w = w + m
    import json

    conf = json.dumps(dataclasses.asdict(dataclasses.replace(cfg, rounds=rounds)), sort_keys=True, default=str)
    return HonestUpdateStats(int(cfg.seed), tuple(norms), tuple(variances), conf)


def cited_vn_constant(rule: str, n_trainers: int, fraction: float) -> float | None:
    """The published VN constant k of ``rule`` (resilient if sqrt(E||G - g||^2) / ||g|| < k),
    or None where none is published for the rule as orfl runs it. Median: 1 / sqrt(n - f)
    (El Mhamdi, Guerraoui and Rouault, "Distributed Momentum for Byzantine-resilient
    Stochastic Gradient Descent", ICLR 2021, the VN-ratio bounds of the rules; the same
    formula is the median's ``upper_bound`` of the Krum library of that line of work,
    calicarpa.github.io/krum, "Median"). The mean has none (not resilient)."""
    f = math.floor(fraction * n_trainers + 1e-9)
    if rule == "median" and f < n_trainers:
        return 1.0 / math.sqrt(n_trainers - f)
    return None


# ------------------------------------------------------------------ input checks


def check_summary(summary: Any) -> Any:
    """The summary with its numeric columns as floats; ParameterError on a missing column,
    an empty frame, NaN, a negative noise multiplier, fewer than 2 seeds in a cell, or two
    rows for the same (rule, attack, fraction, noise multiplier)."""
    import pandas as pd

    if not isinstance(summary, pd.DataFrame):
        raise ParameterError.bad("summary", type(summary).__name__, "a pandas DataFrame")
    missing = [c for c in REQUIRED_COLUMNS if c not in summary.columns]
    if missing:
        raise ParameterError.bad("summary", f"missing columns {missing}", "the columns " + ", ".join(REQUIRED_COLUMNS))
    if summary.empty:
        raise ParameterError.bad("summary", "an empty frame", "at least one row per rule")
    s = summary.copy()
    for c in ("fraction", "epsilon", "noise_multiplier", "accuracy", "accuracy_ci_low", "accuracy_ci_high"):
        try:
            s[c] = s[c].astype(float)
        except (TypeError, ValueError) as e:
            raise ParameterError.bad(c, "non-numeric values", "numbers") from e
        if s[c].isna().any():
            raise ParameterError.bad(c, "NaN in row " + str(int(np.flatnonzero(s[c].isna().to_numpy())[0])),
                                     "numbers (a cell needs >= 2 seeds for its interval)")
    for c in ("fraction", "noise_multiplier", "accuracy", "accuracy_ci_low", "accuracy_ci_high"):
        if not np.isfinite(s[c].to_numpy()).all():
            raise ParameterError.bad(c, "an infinite value", "finite numbers")
    if (s["noise_multiplier"] < 0).any():
        raise ParameterError.bad("noise_multiplier", float(s["noise_multiplier"].min()), "numbers >= 0")
    if ((s["accuracy_ci_low"] > s["accuracy"]) | (s["accuracy_ci_high"] < s["accuracy"])).any():
        raise ParameterError.bad("accuracy_ci_low/high", "an interval not containing its mean", "low <= accuracy <= high")
    n_seeds = s["seeds"].map(lambda v: len(v) if hasattr(v, "__len__") else int(v))
    if (n_seeds < 2).any():
        raise ParameterError.bad("seeds", int(n_seeds.min()), "at least 2 seeds per cell")
    s["n_seeds"] = n_seeds.astype(int)
    if s.duplicated(["rule", "attack", "fraction", "noise_multiplier"]).any():
        raise ParameterError.bad("summary", "duplicate (rule, attack, fraction, noise_multiplier) rows",
                                 "one row per cell: filter extra dimensions (alpha, model) first")
    return s


def _standard_error(row: Any) -> float:
    """The t-interval's half-width over t_{k-1, 0.975}; the wider side, since the summary
    clips the interval to [0, 1] on one side at most (agents.fl.privacy.summarise_privacy)."""
    from scipy import stats

    half = max(row["accuracy_ci_high"] - row["accuracy"], row["accuracy"] - row["accuracy_ci_low"])
    return float(half / stats.t.ppf(0.5 + CONFIDENCE / 2, int(row["n_seeds"]) - 1))


def _rng(seed: int, *key: object) -> np.random.Generator:
    """One generator per fit, from the seed and a stable hash of the fit's key (so a fit's
    draws do not depend on which other fits ran)."""
    return np.random.default_rng([int(seed), zlib.crc32(repr(key).encode())])


def _draws(mean: np.ndarray, se: np.ndarray, k: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, cells) accuracies: mean + se * t_{k-1} per cell (the t-interval's own law)."""
    t = rng.standard_t(np.maximum(k - 1, 1).astype(float), size=(draws, len(mean)))
    return mean + se * t


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slope of y on x, row by row (y: (draws, p) or (p,))."""
    xc = x - x.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    return np.asarray((yc * xc).sum(axis=-1) / (xc * xc).sum())


#: Exponents p tried by the power-law fit (profile least squares). A draw beyond the range
#: is pinned to its end, which moves no quantile across 1 (the predicted exponent).
EXPONENT_GRID = np.round(np.arange(0.0, 4.0 + 1e-9, 0.01), 2)


def _power_exponent(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """p minimising sum_i w_i (y_i - c x_i^p)^2 over c (closed form, c = sum w y x^p /
    sum w x^2p) and p on :data:`EXPONENT_GRID`; row by row for y of shape (draws, k). No
    logarithm, so draws with a loss <= 0 still count."""
    xp = x[None, :] ** EXPONENT_GRID[:, None]  # (grid, k)
    yy = np.atleast_2d(y)  # (draws, k)
    num = (yy[:, None, :] * (w * xp)[None, :, :]).sum(axis=-1)  # (draws, grid)
    den = (w * xp * xp).sum(axis=-1)[None, :]
    c = num / den
    sse = (w * (yy[:, None, :] - c[..., None] * xp[None, :, :]) ** 2).sum(axis=-1)
    p = EXPONENT_GRID[np.argmin(sse, axis=1)]
    return p if y.ndim > 1 else p[0]


def _interval(values: np.ndarray) -> tuple[float, float]:
    a = (1 - CONFIDENCE) / 2
    v = values[np.isfinite(values)]
    if v.size == 0:
        return math.nan, math.nan
    return float(np.quantile(v, a)), float(np.quantile(v, 1 - a))


# ------------------------------------------------------------------ the shapes


@dataclass(frozen=True)
class CleanShape:
    """Clean accuracy loss L(z) = acc(0) - acc(z) against the noise variance N(z) in the
    small-noise regime. Allouah et al. (ICML 2023) put the privacy term of the error
    linear in d sigma^2 (over n for the average): predicted slope > 0 and exponent 1 in
    L ~ N^p. ``status``: agrees (slope > 0 and 1 inside the exponent's interval),
    disagrees (slope < 0; or the loss rises by less than ``delta`` over the regime; or
    the exponent's interval excludes 1), else inconclusive."""

    rule: str
    reference_accuracy: float  # no-noise clean accuracy
    noise_multipliers: tuple[float, ...]  # the regime's points (0 first)
    noise_variance_l2sq: tuple[float, ...]
    accuracy_loss: tuple[float, ...]
    points_outside_regime: int
    slope_per_l2sq: float  # accuracy lost per unit of N (model units^2)
    slope_ci_low: float
    slope_ci_high: float
    exponent: float  # p in L = c N^p (weighted least squares over the noisy points)
    exponent_ci_low: float
    exponent_ci_high: float
    status: str
    reason: str


@dataclass(frozen=True)
class GapShape:
    """Attacked-minus-clean accuracy gap G(z) against N(z), over the rule's clean small-noise
    regime. Allouah et al. (ICML 2023): the robustness term of the error is the
    robustness coefficient times the honest variance, which the noise raises from V to
    V + N(z); Guerraoui et al. (PODC 2021): the noise raises the VN ratio. The shape they
    suggest: G grows with the noise. ``increase`` is the mean gap over the noisy points
    minus the gap without noise (the test); ``slope_per_l2sq`` the least-squares slope of
    G on N over all points (reported). ``status``: agrees (increase > 0 or slope > 0),
    disagrees (increase and slope < 0, or both rise by less than ``delta`` over the
    regime), else inconclusive. ``variance_inflation`` is (V + N) / V per point, V the
    measured honest variance without noise (NaN without measured updates)."""

    rule: str
    attack: str
    fraction: float
    noise_multipliers: tuple[float, ...]
    gap: tuple[float, ...]
    variance_inflation: tuple[float, ...]
    increase: float
    increase_ci_low: float
    increase_ci_high: float
    slope_per_l2sq: float
    slope_ci_low: float
    slope_ci_high: float
    status: str
    reason: str


@dataclass(frozen=True)
class FractionScaling:
    """The gap's increase with the noise (:class:`GapShape`) at the larger malicious
    fraction minus at the smaller one, and their ratio. Predicted: larger at the larger
    fraction, since the robustness coefficient kappa of an (f, kappa)-robust rule is at
    least f / (n - 2f) (Allouah et al., "Fixing by Mixing", AISTATS 2023, the lower bound
    on kappa) and the trilemma's robustness term is kappa times the noisy honest
    variance (Allouah et al., ICML 2023). ``kappa_bound_ratio`` is the ratio of that lower
    bound at the two fractions: an order of magnitude, not a predicted constant.
    ``status``: agrees if the difference's interval lies above 0, disagrees if below,
    else inconclusive."""

    rule: str
    attack: str
    fraction_low: float
    fraction_high: float
    increase_difference: float
    increase_difference_ci_low: float
    increase_difference_ci_high: float
    increase_ratio: float  # NaN if the smaller fraction's increase is <= 0
    kappa_bound_ratio: float
    status: str
    reason: str


@dataclass(frozen=True)
class Breakdown:
    """The least measured noise multiplier at which robustness breaks: the gap (clean
    minus attacked mean accuracy at the same noise) exceeds ``delta``; ``significant``
    says whether the gap's 95% interval lies above ``delta`` there. The VN condition
    (Guerraoui et al., PODC 2021) is sufficient for resilience: a break where the VN
    ratio is below ``vn_constant`` contradicts it; a break above it is consistent."""

    rule: str
    attack: str
    fraction: float
    noise_multiplier_break: float  # NaN: not broken at any measured noise
    epsilon_break: float
    gap_at_break: float
    significant: bool
    vn_ratio_at_break: float  # NaN without measured updates or without a break
    vn_ratio_without_noise: float
    vn_threshold_noise_multiplier: float  # largest z where ratio < vn_constant (0: fails without noise)
    vn_constant: float
    vn_constant_source: str  # "cited: ..." or "user"
    status: str


def _regime(clean: Any, min_share: float) -> tuple[Any, int]:
    ref = float(clean.loc[clean["noise_multiplier"] == 0.0, "accuracy"].iloc[0])
    keep = clean[(clean["noise_multiplier"] == 0.0) | (clean["accuracy"] >= min_share * ref)]
    return keep.sort_values("noise_multiplier"), len(clean) - len(keep)


def _flat(ci_high: float, x: np.ndarray, delta: float) -> bool:
    return bool(ci_high * float(x.max() - x.min()) < delta)


def clean_shape(s: Any, rule: str, geometry: TaskGeometry, delta: float, seed: int = 0,
                draws: int = DEFAULT_DRAWS, min_accuracy_share: float = DEFAULT_MIN_ACCURACY_SHARE) -> CleanShape:
    """The :class:`CleanShape` of ``rule`` in a checked summary (:func:`check_summary`)."""
    clean = s[(s["rule"] == rule) & (s["fraction"] == 0.0)]
    if not (clean["noise_multiplier"] == 0.0).any():
        raise ParameterError.bad("summary", f"no clean no-noise row for rule {rule!r}",
                                 "a row with fraction 0 and noise_multiplier 0 (epsilon inf) per rule")
    reg, outside = _regime(clean, min_accuracy_share)
    z = reg["noise_multiplier"].to_numpy()
    x = np.array([geometry.noise_variance_l2sq(v) for v in z])
    mean, k = reg["accuracy"].to_numpy(), reg["n_seeds"].to_numpy()
    se = np.array([_standard_error(r) for _, r in reg.iterrows()])
    ref = float(mean[0])
    loss = ref - mean
    nan = math.nan
    if len(z) < 2:
        return CleanShape(rule, ref, tuple(z), tuple(x), tuple(loss), outside, nan, nan, nan, nan, nan, nan,
                          INCONCLUSIVE, "no noisy point in the small-noise regime")
    acc = _draws(mean, se, k, draws, _rng(seed, "clean", rule))
    boot_loss = acc[:, :1] - acc
    slope = float(_slopes(x, loss))
    s_lo, s_hi = _interval(_slopes(x, boot_loss))
    exp, e_lo, e_hi = nan, nan, nan
    if len(z) >= 3:  # two noisy points at least
        w = 1.0 / np.maximum(se[1:], 1e-12) ** 2
        exp = float(_power_exponent(x[1:], loss[1:], w))
        e_lo, e_hi = _interval(_power_exponent(x[1:], boot_loss[:, 1:], w))
    if s_hi < 0:
        status, reason = DISAGREES, "accuracy rises with the noise"
    elif _flat(s_hi, x, delta):
        status, reason = DISAGREES, f"the loss rises by less than {delta:g} over the regime"
    elif s_lo <= 0:
        status, reason = INCONCLUSIVE, "slope interval includes 0"
    elif math.isnan(e_lo):
        status, reason = INCONCLUSIVE, "slope > 0; fewer than 2 noisy points for the exponent"
    elif e_lo <= PREDICTED_EXPONENT <= e_hi:
        status, reason = AGREES, "slope > 0 and the exponent's interval contains 1"
    else:
        status, reason = DISAGREES, f"slope > 0 but the exponent's interval [{e_lo:.2f}, {e_hi:.2f}] excludes 1"
    return CleanShape(rule, ref, tuple(float(v) for v in z), tuple(float(v) for v in x), tuple(float(v) for v in loss),
                      outside, slope, s_lo, s_hi, exp, e_lo, e_hi, status, reason)


def _gap_cells(s: Any, rule: str, attack: str, fraction: float, zs: np.ndarray) -> tuple[Any, Any]:
    g = s[s["rule"] == rule]
    clean = g[g["fraction"] == 0.0].set_index("noise_multiplier")
    att = g[(g["attack"] == attack) & (g["fraction"] == fraction)].set_index("noise_multiplier")
    both = [z for z in zs if z in clean.index and z in att.index]
    return clean.loc[both], att.loc[both]


def _cell_draws(cells: Any, draws: int, rng: np.random.Generator) -> np.ndarray:
    se = np.array([_standard_error(r) for _, r in cells.iterrows()])
    return _draws(cells["accuracy"].to_numpy(), se, cells["n_seeds"].to_numpy(), draws, rng)


def _gap_draws(clean: Any, att: Any, draws: int, rng: np.random.Generator) -> np.ndarray:
    return _cell_draws(clean, draws, rng) - _cell_draws(att, draws, rng)


def _increase(gap: np.ndarray) -> np.ndarray:
    """Mean gap over the noisy points minus the gap without noise (first column)."""
    return np.asarray(gap[..., 1:].mean(axis=-1) - gap[..., 0])


def gap_shape(s: Any, rule: str, attack: str, fraction: float, regime: Sequence[float], geometry: TaskGeometry,
              delta: float, stats: HonestUpdateStats | None = None, seed: int = 0,
              draws: int = DEFAULT_DRAWS) -> GapShape:
    """The :class:`GapShape` of (rule, attack, fraction) over the noise multipliers
    ``regime`` (the rule's clean small-noise regime, no-noise level first)."""
    clean, att = _gap_cells(s, rule, attack, fraction, np.asarray(regime, dtype=float))
    z = clean.index.to_numpy(dtype=float)
    x = np.array([geometry.noise_variance_l2sq(v) for v in z])
    gap = clean["accuracy"].to_numpy() - att["accuracy"].to_numpy()
    base = stats.inflation_base_l2sq if stats is not None else math.nan
    infl = tuple(float((base + v) / base) if base > 0 else math.nan for v in x)
    nan = math.nan
    if len(z) < 2 or z[0] != 0.0:
        return GapShape(rule, attack, fraction, tuple(float(v) for v in z), tuple(float(v) for v in gap), infl,
                        nan, nan, nan, nan, nan, nan, INCONCLUSIVE, "no no-noise level or no noisy level")
    boot = _gap_draws(clean, att, draws, _rng(seed, "gap", rule, attack, fraction))
    inc = float(_increase(gap))
    i_lo, i_hi = _interval(_increase(boot))
    slope = float(_slopes(x, gap))
    lo, hi = _interval(_slopes(x, boot))
    if i_lo > 0 or lo > 0:
        status, reason = AGREES, "the gap grows with the noise"
    elif i_hi < 0 and hi < 0:
        status, reason = DISAGREES, "the gap shrinks as the noise grows"
    elif i_hi < delta and _flat(hi, x, delta):
        status, reason = DISAGREES, f"the gap rises by less than {delta:g} over the regime"
    else:
        status, reason = INCONCLUSIVE, "increase and slope intervals include 0"
    return GapShape(rule, attack, fraction, tuple(float(v) for v in z), tuple(float(v) for v in gap), infl,
                    inc, i_lo, i_hi, slope, lo, hi, status, reason)


def kappa_lower_bound(fraction: float, n_trainers: int) -> float:
    """f / (n - 2f) with f = floor(fraction n): the least robustness coefficient of any
    (f, kappa)-robust aggregation rule (Allouah et al., "Fixing by Mixing: A Recipe for
    Optimal Byzantine ML under Heterogeneity", AISTATS 2023, lower bound on kappa)."""
    f = math.floor(fraction * n_trainers + 1e-9)
    if not 0 <= 2 * f < n_trainers:
        raise ParameterError.bad("fraction", fraction, f"a fraction with 2 floor(fraction n) < n = {n_trainers}")
    return f / (n_trainers - 2 * f)


def fraction_scaling(s: Any, rule: str, attack: str, low: float, high: float, regime: Sequence[float],
                     geometry: TaskGeometry, seed: int = 0, draws: int = DEFAULT_DRAWS) -> FractionScaling:
    """The :class:`FractionScaling` of (rule, attack) between fractions ``low`` < ``high``."""
    zs = np.asarray(regime, dtype=float)
    c1, a1 = _gap_cells(s, rule, attack, low, zs)
    c2, a2 = _gap_cells(s, rule, attack, high, zs)
    common = sorted(set(c1.index) & set(c2.index))
    k_low = kappa_lower_bound(low, geometry.n_trainers)
    kb = kappa_lower_bound(high, geometry.n_trainers) / k_low if k_low > 0 else math.inf
    nan = math.nan
    if len(common) < 2 or common[0] != 0.0:
        return FractionScaling(rule, attack, low, high, nan, nan, nan, nan, kb, INCONCLUSIVE,
                               "no shared no-noise and noisy levels")
    rng = _rng(seed, "fraction", rule, attack, low, high)
    c = _cell_draws(c1.loc[common], draws, rng)  # the same clean cells for both fractions
    i1 = _increase(c - _cell_draws(a1.loc[common], draws, rng))
    i2 = _increase(c - _cell_draws(a2.loc[common], draws, rng))
    m1 = float(_increase(c1.loc[common, "accuracy"].to_numpy() - a1.loc[common, "accuracy"].to_numpy()))
    m2 = float(_increase(c2.loc[common, "accuracy"].to_numpy() - a2.loc[common, "accuracy"].to_numpy()))
    lo, hi = _interval(i2 - i1)
    if lo > 0:
        status, reason = AGREES, "the gap grows more with the noise at the larger fraction"
    elif hi < 0:
        status, reason = DISAGREES, "the gap grows less with the noise at the larger fraction"
    else:
        status, reason = INCONCLUSIVE, "difference interval includes 0"
    return FractionScaling(rule, attack, low, high, m2 - m1, lo, hi, m2 / m1 if m1 > 0 else nan, kb, status, reason)


def breakdown(s: Any, rule: str, attack: str, fraction: float, geometry: TaskGeometry, delta: float,
              stats: HonestUpdateStats | None = None, vn_constant: float | None = None, seed: int = 0,
              draws: int = DEFAULT_DRAWS) -> Breakdown:
    """The :class:`Breakdown` of (rule, attack, fraction) over every measured noise level.
    ``vn_constant`` None: the rule's published constant (:func:`cited_vn_constant`), else 1
    (noise plus variance no larger than the signal: the weakest form, a user choice)."""
    if vn_constant is not None:
        k, source = float(vn_constant), "user"
    else:
        cited = cited_vn_constant(rule, geometry.n_trainers, fraction)
        k, source = ((cited, "cited: El Mhamdi et al., ICLR 2021 (1/sqrt(n-f))") if cited is not None
                     else (1.0, "user: 1, no published constant for this rule"))
    g = s[s["rule"] == rule]
    clean = g[g["fraction"] == 0.0].set_index("noise_multiplier").sort_index()
    att = g[(g["attack"] == attack) & (g["fraction"] == fraction)].set_index("noise_multiplier")
    zs = [z for z in clean.index if z in att.index]
    gaps = {z: float(clean.loc[z, "accuracy"] - att.loc[z, "accuracy"]) for z in zs}
    broken = [z for z in zs if gaps[z] > delta]
    nan = math.nan
    r0 = stats.best_vn_ratio(0.0) if stats is not None else nan
    zt = stats.noise_threshold_multiplier(k, geometry) if stats is not None else nan
    if not broken:
        return Breakdown(rule, attack, fraction, nan, nan, nan, False, nan, r0, zt, k, source, NOT_BROKEN)
    zb = float(broken[0])
    boot = _gap_draws(clean.loc[[zb]], att.loc[[zb]], draws, _rng(seed, "break", rule, attack, fraction))
    sig = bool(_interval(boot[:, 0])[0] > delta)
    rb = stats.best_vn_ratio(geometry.noise_variance_l2sq(zb)) if stats is not None else nan
    status = INCONCLUSIVE if stats is None else (CONTRADICTS if rb < k else CONSISTENT)
    return Breakdown(rule, attack, fraction, zb, float(att.loc[zb, "epsilon"]), gaps[zb], sig, rb, r0, zt, k, source,
                     status)


# ------------------------------------------------------------------ the comparison


@dataclass(frozen=True)
class TradeoffComparison:
    """Every shape of a summary (:func:`compare_tradeoff`), with the inputs that decided them."""

    clean: tuple[CleanShape, ...]
    gaps: tuple[GapShape, ...]
    scaling: tuple[FractionScaling, ...]
    breakdowns: tuple[Breakdown, ...]
    geometry: TaskGeometry
    stats: HonestUpdateStats | None
    delta: float
    vn_constant: float | None
    seed: int
    draws: int
    min_accuracy_share: float

    def tables(self) -> dict[str, Any]:
        """One DataFrame per kind of shape (tuples as strings of rounded numbers)."""
        import dataclasses

        import pandas as pd

        def frame(rows: Sequence[Any]) -> Any:
            out = []
            for r in rows:
                d = dataclasses.asdict(r)
                out.append({k: (", ".join(f"{x:.4g}" for x in v) if isinstance(v, tuple) else v) for k, v in d.items()})
            return pd.DataFrame(out)

        return {"tradeoff_clean": frame(self.clean), "tradeoff_gap": frame(self.gaps),
                "tradeoff_fraction": frame(self.scaling), "tradeoff_breakdown": frame(self.breakdowns)}

    def counts(self) -> dict[str, dict[str, int]]:
        """How many shapes of each kind got each status."""
        out: dict[str, dict[str, int]] = {}
        for kind, rows in (("clean", self.clean), ("gap", self.gaps), ("fraction", self.scaling),
                           ("breakdown", self.breakdowns)):
            c: dict[str, int] = {}
            for r in rows:
                c[r.status] = c.get(r.status, 0) + 1
            out[kind] = c
        return out

    def text(self) -> str:
        """Markdown sentences, every number computed from the fits above."""
        lines = []
        for c in self.clean:
            exp = (f"exponent {c.exponent:.2f} [{c.exponent_ci_low:.2f}, {c.exponent_ci_high:.2f}]"
                   if math.isfinite(c.exponent_ci_low) else "exponent not fitted")
            k = len(c.noise_multipliers) - 1
            lines.append(f"- **{c.rule}**, clean: accuracy loss against the noise variance d(2Cz)^2 over "
                         f"{k} small-noise level{'s' if k != 1 else ''} (z <= {max(c.noise_multipliers):.3g}): "
                         f"slope {c.slope_per_l2sq * 1e4:.2f} [{c.slope_ci_low * 1e4:.2f}, "
                         f"{c.slope_ci_high * 1e4:.2f}] x 1e-4 per unit, {exp} (predicted 1); "
                         f"the linear shape **{c.status}** ({c.reason}).")
        by = self.counts()
        if self.gaps:
            best = max(self.gaps, key=lambda g: g.increase if math.isfinite(g.increase) else -math.inf)
            infl = (f"; the noise multiplies the honest variance by {best.variance_inflation[1]:.0f} at the least "
                    f"noise" if len(best.variance_inflation) > 1 and math.isfinite(best.variance_inflation[1])
                    else "")
            lines.append(f"- The attacked-minus-clean gap grows with the noise (the shape both analyses suggest) in "
                         f"{by['gap'].get(AGREES, 0)} of {len(self.gaps)} (rule, attack, fraction) cells ("
                         + ", ".join(f"{k}: {v}" for k, v in sorted(by["gap"].items())) + "); largest increase "
                         f"{best.increase * 100:.1f} pp [{best.increase_ci_low * 100:.1f}, "
                         f"{best.increase_ci_high * 100:.1f}] ({best.rule}, {best.attack}, {best.fraction:g})"
                         f"{infl}.")
        if self.scaling:
            fin = [f for f in self.scaling if math.isfinite(f.increase_difference)]
            top = max(fin, key=lambda f: f.increase_difference) if fin else None
            ratios = [f.increase_ratio for f in self.scaling if f.status == AGREES and math.isfinite(f.increase_ratio)
                      and f.increase_ratio > 0]
            lines.append(f"- The gap grows more at the larger fraction in {by['fraction'].get(AGREES, 0)} of "
                         f"{len(self.scaling)} (rule, attack, fraction pair) cells ("
                         + ", ".join(f"{k}: {v}" for k, v in sorted(by["fraction"].items())) + ")"
                         + (f"; largest: {top.rule}/{top.attack} {top.fraction_low:g}->{top.fraction_high:g} "
                            f"{top.increase_difference * 100:+.1f} pp [{top.increase_difference_ci_low * 100:+.1f}, "
                            f"{top.increase_difference_ci_high * 100:+.1f}]" if top is not None else "")
                         + ((f"; where it does, the ratio of the increases ranges {min(ratios):.2f} to "
                             f"{max(ratios):.2f}" if len(ratios) > 1 else
                             f"; where it does, the ratio of the increases is {ratios[0]:.2f}")
                            + " against the ratio of kappa >= f/(n-2f), "
                            f"{min(f.kappa_bound_ratio for f in self.scaling):.2f} to "
                            f"{max(f.kappa_bound_ratio for f in self.scaling):.2f} (an order of magnitude only)"
                            if ratios else "") + ".")
        if self.stats is not None:
            st = self.stats
            zs = sorted({z for c in self.clean for z in c.noise_multipliers if z > 0})
            first = zs[0] if zs else math.nan
            r_first = st.best_vn_ratio(self.geometry.noise_variance_l2sq(first)) if zs else math.nan
            ks = sorted({(b.vn_constant, b.rule) for b in self.breakdowns})
            thresholds = [(r, k, st.noise_threshold_multiplier(k, self.geometry)) for k, r in ks]
            fails = [f"{r} (k = {k:.3f})" for r, k, z in thresholds if z == 0]
            held = [f"{r} k = {k:.3f}: holds up to z = {z:.4f}" for r, k, z in thresholds if z != 0]
            holds = "; ".join(held + ([f"it fails without noise for {len(fails)} of {len(thresholds)} (rule, k): "
                                       + ", ".join(dict.fromkeys(fails))] if fails else []))
            lines.append(f"- VN ratio of the honest updates (best of {len(st.update_norm_l2)} measured rounds, "
                         f"d = {self.geometry.dim}, C = {self.geometry.clip_l2:g}): "
                         f"{st.best_vn_ratio(0.0):.2f} without noise, {r_first:.1f} at the least measured noise "
                         f"z = {first:.3f}; the condition ratio < k: {holds}.")
        broken = [b for b in self.breakdowns if b.status != NOT_BROKEN]
        first_noisy = [b for b in broken if b.noise_multiplier_break > 0]
        lines.append(f"- Robustness broke (gap > {self.delta:g}) at some measured noise in {len(broken)} of "
                     f"{len(self.breakdowns)} cells ({sum(b.significant for b in broken)} with the gap's interval "
                     f"above {self.delta:g}; {len(broken) - len(first_noisy)} already without noise); "
                     f"{sum(b.status == CONTRADICTS for b in broken)} of them where the VN condition held.")
        return "\n".join(lines)


def compare_tradeoff(summary: Any, geometry: TaskGeometry, stats: HonestUpdateStats | None = None,
                     delta: float | None = None, vn_constant: float | None = None, seed: int = 0,
                     draws: int = DEFAULT_DRAWS,
                     min_accuracy_share: float = DEFAULT_MIN_ACCURACY_SHARE) -> TradeoffComparison:
    """Every shape of ``summary`` (module docstring). ``delta`` defaults to the tolerance
    grid's margin (:data:`agents.fl.tolerance.DEFAULT_DELTA`); ``vn_constant`` overrides
    every rule's VN constant k (default: :func:`breakdown`'s choice per rule)."""
    if delta is None:
        from agents.fl.tolerance import DEFAULT_DELTA

        delta = DEFAULT_DELTA
    if not (math.isfinite(delta) and 0 < delta < 1):
        raise ParameterError.bad("delta", delta, "a number in (0, 1)")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise ParameterError.bad("draws", draws, "an integer >= 100")
    if not (0 < min_accuracy_share < 1):
        raise ParameterError.bad("min_accuracy_share", min_accuracy_share, "a number in (0, 1)")
    if vn_constant is not None and not (math.isfinite(vn_constant) and vn_constant > 0):
        raise ParameterError.bad("vn_constant", vn_constant, "a finite number > 0, or None for the cited ones")
    s = check_summary(summary)
    cleans, gaps, scal, brk = [], [], [], []
    for rule in sorted(set(s["rule"])):
        c = clean_shape(s, rule, geometry, delta, seed, draws, min_accuracy_share)
        cleans.append(c)
        g = s[(s["rule"] == rule) & (s["fraction"] > 0)]
        for attack in sorted(set(g["attack"])):
            fr = sorted(set(g.loc[g["attack"] == attack, "fraction"]))
            for f in fr:
                gaps.append(gap_shape(s, rule, attack, f, c.noise_multipliers, geometry, delta, stats, seed, draws))
                brk.append(breakdown(s, rule, attack, f, geometry, delta, stats, vn_constant, seed, draws))
            for lo, hi in itertools.pairwise(fr):
                scal.append(fraction_scaling(s, rule, attack, lo, hi, c.noise_multipliers, geometry, seed, draws))
    return TradeoffComparison(tuple(cleans), tuple(gaps), tuple(scal), tuple(brk), geometry, stats, float(delta),
                              vn_constant, int(seed), int(draws), float(min_accuracy_share))


def compare_grid(summary: Any, base: Any, measure: bool = True, **kwargs: Any) -> dict[tuple[str, float], TradeoffComparison]:
    """:func:`compare_tradeoff` per (model, alpha) of a grid summary (the ``rows`` of the
    shipped privacy table, or :func:`agents.fl.privacy.run_privacy_grid`'s summary, which
    carry ``model`` and ``alpha`` columns; a summary without them is one task, ``base``'s).
    Each task's geometry and honest updates (if ``measure``) come from ``base`` with its
    model, alpha and converged rounds (:data:`agents.fl.convergence.CONVERGED_ROUNDS`)."""
    import dataclasses

    import pandas as pd

    from agents.fl.convergence import CONVERGED_ROUNDS

    if not isinstance(summary, pd.DataFrame):
        raise ParameterError.bad("summary", type(summary).__name__, "a pandas DataFrame")
    s = summary.copy()
    if "model" not in s.columns:
        s["model"] = base.model
    if "alpha" not in s.columns:
        s["alpha"] = float(base.alpha)
    rounds = dict(CONVERGED_ROUNDS)
    out = {}
    for (model, alpha), g in s.groupby(["model", "alpha"], sort=True):
        if model not in rounds:
            raise ParameterError.bad("model", model, "one of " + ", ".join(rounds))
        cfg = dataclasses.replace(base, model=str(model), alpha=float(alpha), rounds=int(rounds[model]))
        geometry = TaskGeometry.from_config(cfg)
        stats = measure_honest_updates(cfg) if measure else None
        out[(str(model), float(alpha))] = compare_tradeoff(g.drop(columns=["model", "alpha"]), geometry, stats, **kwargs)
    return out
