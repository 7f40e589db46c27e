"""Privacy accounting of local differential privacy over training rounds (docs/privacy.md).

Each round a trainer releases its clipped update plus Gaussian noise
(:mod:`.gaussian`). Under local DP the neighbouring relation is *any two local data sets
of the trainer*, so two releases differ by at most the diameter ``2 C`` of the clipping
ball: the L2 sensitivity is ``2 C`` and the noise standard deviation ``z * 2 C``, where
``z`` is the noise multiplier of a unit-sensitivity Gaussian mechanism. The trainer takes
part in every round and the adversary sees every release (no subsampling), so the
guarantee after R rounds is the R-fold composition of ``GaussianDpEvent(z)``.

Accountants (Google's ``dp-accounting`` package):

* ``rdp``: Renyi DP of the Gaussian mechanism, ``eps_alpha = alpha / (2 z^2)`` per round
  (Mironov, "Renyi Differential Privacy", CSF 2017, Prop. 7), composed additively and
  converted to (eps, delta) with the improved conversion of Canonne, Kamath and
  Steinke (NeurIPS 2020) as implemented by ``RdpAccountant``;
* ``pld``: privacy loss distributions (Koskela et al. 2020; Doroshenko et al., PETS
  2022), tighter than RDP.

:func:`zcdp_epsilon` is the closed-form upper bound of Bun and Steinke (TCC 2016,
Prop. 1.3 and Lemma 2.4): R rounds of the Gaussian are ``rho = R / (2 z^2)``-zCDP and
``rho``-zCDP implies ``(rho + 2 sqrt(rho ln(1/delta)), delta)``-DP. Both accountants
must stay at or under it (a test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mechanism.errors import ParameterError

Accountant = Literal["rdp", "pld"]
ACCOUNTANTS: tuple[Accountant, ...] = ("rdp", "pld")

#: Noise multipliers searched by :func:`noise_multiplier_for` (z above this is no
#: learning signal at all: the noise is 10^4 times the clipping diameter).
MAX_NOISE_MULTIPLIER = 1e4


@dataclass(frozen=True)
class PrivacyGuarantee:
    """(epsilon, delta)-local DP of one trainer after ``rounds`` releases; epsilon is
    ``inf`` when no noise is added (``noise_multiplier == 0``)."""

    epsilon: float
    delta: float
    noise_multiplier: float
    rounds: int
    accountant: str


def _check(noise_multiplier: float, rounds: int, delta: float, accountant: str) -> None:
    if not math.isfinite(noise_multiplier) or noise_multiplier < 0:
        raise ParameterError.bad("noise_multiplier", noise_multiplier, "a finite number >= 0")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ParameterError.bad("rounds", rounds, "an integer >= 1")
    if not (math.isfinite(delta) and 0 < delta < 1):
        raise ParameterError.bad("delta", delta, "a number in (0, 1)")
    if accountant not in ACCOUNTANTS:
        raise ParameterError.bad("accountant", accountant, "one of " + ", ".join(ACCOUNTANTS))


def ldp_epsilon(noise_multiplier: float, rounds: int, delta: float, accountant: Accountant = "rdp") -> float:
    """Epsilon of R compositions of the unit-sensitivity Gaussian mechanism with noise
    multiplier z at the given delta (module docstring for the accountants)."""
    _check(noise_multiplier, rounds, delta, accountant)
    if noise_multiplier == 0:
        return math.inf
    import dp_accounting
    from dp_accounting import pld, rdp

    event = dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(noise_multiplier), rounds)
    acc = rdp.RdpAccountant() if accountant == "rdp" else pld.PLDAccountant()
    acc.compose(event)
    return float(acc.get_epsilon(delta))


def zcdp_epsilon(noise_multiplier: float, rounds: int, delta: float) -> float:
    """Closed-form bound ``rho + 2 sqrt(rho ln(1/delta))`` with ``rho = R / (2 z^2)``
    (Bun and Steinke 2016; module docstring)."""
    _check(noise_multiplier, rounds, delta, "rdp")
    if noise_multiplier == 0:
        return math.inf
    rho = rounds / (2.0 * noise_multiplier**2)
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def noise_multiplier_for(epsilon: float, delta: float, rounds: int, accountant: Accountant = "rdp",
                         rel_tol: float = 1e-4) -> float:
    """The least noise multiplier z whose R-round guarantee is at most ``epsilon``
    (bisection: epsilon decreases strictly in z); 0 for ``epsilon = inf``."""
    if math.isnan(epsilon) or epsilon <= 0:
        raise ParameterError.bad("epsilon", epsilon, "a number > 0 or inf")
    _check(1.0, rounds, delta, accountant)
    if math.isinf(epsilon):
        return 0.0
    lo, hi = 0.0, 1.0
    while ldp_epsilon(hi, rounds, delta, accountant) > epsilon:
        lo, hi = hi, hi * 2.0
        if hi > MAX_NOISE_MULTIPLIER:
            raise ParameterError.bad("epsilon", epsilon,
                                     f"reachable with noise multiplier <= {MAX_NOISE_MULTIPLIER:g} "
                                     f"over {rounds} rounds at delta={delta:g}")
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if ldp_epsilon(mid, rounds, delta, accountant) > epsilon:
            lo = mid
        else:
            hi = mid
    return hi


def guarantee(noise_multiplier: float, rounds: int, delta: float, accountant: Accountant = "rdp") -> PrivacyGuarantee:
    """:class:`PrivacyGuarantee` of a noise multiplier over ``rounds`` rounds."""
    return PrivacyGuarantee(ldp_epsilon(noise_multiplier, rounds, delta, accountant), delta,
                            noise_multiplier, rounds, accountant)


def calibrate(epsilon: float, delta: float, rounds: int, accountant: Accountant = "rdp") -> PrivacyGuarantee:
    """The guarantee of the least noise that reaches ``epsilon``: its ``epsilon`` field is
    the accountant's figure for that noise (at most the target), never the target typed in."""
    z = noise_multiplier_for(epsilon, delta, rounds, accountant)
    return guarantee(z, rounds, delta, accountant)
