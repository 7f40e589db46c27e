"""The Gaussian mechanism on clipped updates, applied by each trainer before it publishes
(local DP; docs/privacy.md).

``release(u) = clip(u, C) + N(0, (z * 2 C)^2 I)`` with ``clip(u, C) = u * min(1, C / ||u||_2)``.
The L2 sensitivity of the clipped update under the local (replace-the-whole-data-set)
relation is the ball's diameter ``2 C``; Dwork and Roth, "The Algorithmic Foundations of
Differential Privacy" (2014), Thm. A.1, for the Gaussian mechanism, and
:mod:`.accounting` for the composition over rounds.

The noise is float; the trainer encodes the noisy update to the protocol's fixed point
afterwards (docs/fixedpoint.md), so every protocol check (norm bound, range) sees the
published, noisy values. A norm bound of the trainer-validity predicates must leave room
for the noise: ``E ||noise||_2 ~ z 2 C sqrt(d)``; :func:`noisy_norm_quantile` gives the
bound a noisy honest update stays under with a stated probability.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from mechanism.errors import NonFiniteError, ParameterError, ShapeError


def _check_vector(u: np.ndarray) -> np.ndarray:
    a = np.asarray(u, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ShapeError.bad("update", f"shape {a.shape}", "a non-empty 1-d vector")
    if not np.all(np.isfinite(a)):
        raise NonFiniteError.bad("update", "NaN/Inf entries", "finite values")
    return a


def _check_params(clip_l2: float, noise_multiplier: float) -> None:
    if not (math.isfinite(clip_l2) and clip_l2 > 0):
        raise ParameterError.bad("clip_l2", clip_l2, "a finite number > 0")
    if not (math.isfinite(noise_multiplier) and noise_multiplier >= 0):
        raise ParameterError.bad("noise_multiplier", noise_multiplier, "a finite number >= 0")


def clip(u: np.ndarray, clip_l2: float) -> np.ndarray:
    """``u * min(1, C / ||u||_2)`` (a copy; the zero vector stays zero)."""
    a = _check_vector(u)
    _check_params(clip_l2, 0.0)
    norm = float(np.linalg.norm(a))
    return a * (clip_l2 / norm) if norm > clip_l2 else a.copy()


def noise_std(clip_l2: float, noise_multiplier: float) -> float:
    """Per-coordinate standard deviation ``z * 2 C`` (sensitivity 2C, module docstring)."""
    _check_params(clip_l2, noise_multiplier)
    return noise_multiplier * 2.0 * clip_l2


def release(u: np.ndarray, clip_l2: float, noise_multiplier: float, rng: np.random.Generator) -> np.ndarray:
    """One trainer's locally private release of its update (module docstring)."""
    c = clip(u, clip_l2)
    sd = noise_std(clip_l2, noise_multiplier)
    return c + rng.normal(0.0, sd, size=c.shape) if sd > 0 else c


def noisy_norm_quantile(clip_l2: float, noise_multiplier: float, dim: int, prob: float) -> float:
    """A bound B with P(||clip(u) + noise||_2 <= B) >= prob for every u: ``C + sd *
    sqrt(chi2_d quantile)`` by the triangle inequality (||noise||/sd is chi with d
    degrees of freedom)."""
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ParameterError.bad("dim", dim, "an integer >= 1")
    if not (0 < prob < 1):
        raise ParameterError.bad("prob", prob, "a number in (0, 1)")
    sd = noise_std(clip_l2, noise_multiplier)
    return clip_l2 + sd * math.sqrt(float(stats.chi2.ppf(prob, dim)))
