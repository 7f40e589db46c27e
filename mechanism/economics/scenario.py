"""The designer's inputs and the uncertainty box (frozen dataclasses, units in names).

:class:`DesignInputs` holds everything ``orfl recommend`` accepts. Four inputs are
intervals -- gas price, ETH price, value at stake (the attacker's gain) and the
censoring fraction -- and the design must hold at every vertex of that box
(:func:`box_vertices`). Every deterrence bound used by the design is monotone in each of
the four coordinates, so its worst case over the box is attained at a vertex. The
attacker budget K (a point, ``attacker_budget_eth``) enters each vertex through
:func:`attack_value_eth`, ``W = max(G, K)``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mechanism import units
from mechanism.economics import workload
from mechanism.errors import ParameterError


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[low, high]`` of one uncertain input."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ParameterError.bad("interval", (self.low, self.high), "finite low <= high")

    @property
    def nominal(self) -> float:
        """Geometric mean for positive intervals, arithmetic mean otherwise."""
        if self.low > 0:
            return math.sqrt(self.low * self.high)
        return 0.5 * (self.low + self.high)

    def scaled(self, factor: float) -> Interval:
        return Interval(self.low * factor, self.high * factor)

    @classmethod
    def of(cls, value: float | tuple[float, float] | list[float] | Interval) -> Interval:
        if isinstance(value, Interval):
            return value
        if isinstance(value, (tuple, list)):
            if len(value) == 1:
                return cls(float(value[0]), float(value[0]))
            if len(value) != 2:
                raise ParameterError.bad("interval", value, "one value or [low, high]")
            return cls(float(value[0]), float(value[1]))
        return cls(float(value), float(value))


def _check(name: str, value: object, ok: bool, allowed: str) -> None:
    if not ok or (isinstance(value, float) and math.isnan(value)):
        raise ParameterError.bad(name, value, allowed)


@dataclass(frozen=True)
class DesignInputs:
    """Everything the design depends on. Defaults: the "default scenario" of the report."""

    model_size: int = 1_000_000
    trainers: int = 50
    malicious_fraction: float = 0.1
    challengers: int = 10
    value_at_stake_usd: Interval = field(default_factory=lambda: Interval(5e5, 2e6))
    gas_price_gwei: Interval = field(default_factory=lambda: Interval(*units.DEFAULT_GAS_PRICE_RANGE_GWEI))
    eth_price_usd: Interval = field(default_factory=lambda: Interval(*units.DEFAULT_ETH_PRICE_RANGE_USD))
    censor_fraction: Interval = field(default_factory=lambda: Interval(0.0, 0.5))
    target_fraud_probability: float = 1e-6
    interest_rate_per_year: float = units.DEFAULT_INTEREST_RATE_PER_YEAR
    #: Off-chain re-execution of one round by a challenger; None: measured by this toolkit
    #: (:func:`reexec_seconds`, mechanism/data/reexecution.json).
    reexec_seconds: float | None = None
    dispute_gas_per_side: float | None = None  # None: the calibrated model of the rule's own game
    resource_ratio: float = 10.0
    jackpot_eth: float = 0.1
    claim_gas: float = 100_000.0
    response_buffer_hours: float = 2.0
    move_clock_hours: float = 1.0
    max_period_hours: float = 30 * 24.0
    max_reward_share: float = 0.9
    trainer_reward_share: float = 0.5
    trainer_lock_days: float = 30.0
    trainer_tenure_days: float = 365.0  # an honest trainer's registration fee is amortised over this
    poisoning_gain_share: float = 1.0  # share of the value at stake a Sybil poisoner captures (0: ignore Sybils)
    rounds_per_day: float = 24.0
    compute_usd_per_hour: float = units.DEFAULT_COMPUTE_USD_PER_HOUR
    bandwidth_usd_per_gb: float = units.DEFAULT_BANDWIDTH_USD_PER_GB
    download_gbit_per_s: float = units.DEFAULT_DOWNLOAD_GBIT_PER_S
    block_gas_limit: float = float(units.DEFAULT_BLOCK_GAS_LIMIT)
    tolerance_margin: float = 0.5
    rule: str | None = None
    non_iid_alpha: float | None = None  # trainers' Dirichlet heterogeneity; None: most heterogeneous measured
    #: What an attacker may spend on one fraud whatever its gain (stuffing, bribes, lost bonds,
    #: sub-challenges); None: gain-bounded, it spends at most its gain G (docs/economics.md,
    #: 'Attacker budget').
    attacker_budget_eth: float | None = None
    #: Trainers' updates are re-executable and disputed by training fraud proofs: the
    #: proof-checked tolerance and the training dispute's gas apply (docs/economics.md,
    #: 'Training proofs').
    training_proofs: bool = False
    #: Local differential privacy of every honest trainer's update over a training run
    #: (epsilon at the privacy table's delta); None: no local DP. The tolerance is the
    #: one measured at this epsilon (docs/privacy.md, 'The measured privacy table').
    privacy_epsilon: float | None = None

    def __post_init__(self) -> None:
        for name in ("value_at_stake_usd", "gas_price_gwei", "eth_price_usd", "censor_fraction"):
            iv = getattr(self, name)
            if not isinstance(iv, Interval):
                object.__setattr__(self, name, Interval.of(iv))
        for name in ("model_size", "trainers", "challengers"):
            v = getattr(self, name)
            _check(name, v, isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1")
        _check("malicious_fraction", self.malicious_fraction, 0.0 <= self.malicious_fraction < 0.5,
               "a fraction in [0, 0.5)")
        _check("value_at_stake_usd", self.value_at_stake_usd.low, self.value_at_stake_usd.low > 0,
               "positive USD amounts (low <= high)")
        _check("gas_price_gwei", self.gas_price_gwei.low, self.gas_price_gwei.low > 0, "positive gwei (low <= high)")
        _check("eth_price_usd", self.eth_price_usd.low, self.eth_price_usd.low > 0, "positive USD (low <= high)")
        cf = self.censor_fraction
        _check("censor_fraction", (cf.low, cf.high), cf.low >= 0.0 and cf.high < 1.0, "fractions in [0, 1)")
        _check("target_fraud_probability", self.target_fraud_probability,
               0.0 < self.target_fraud_probability < 1.0, "a probability in (0, 1)")
        _check("interest_rate_per_year", self.interest_rate_per_year,
               0.0 < self.interest_rate_per_year <= 1.0, "a rate in (0, 1] per year")
        if self.reexec_seconds is not None:
            _check("reexec_seconds", self.reexec_seconds,
                   math.isfinite(self.reexec_seconds) and self.reexec_seconds > 0, "a finite number > 0")
        positive = ("resource_ratio", "jackpot_eth", "move_clock_hours", "max_period_hours",
                    "rounds_per_day", "download_gbit_per_s", "block_gas_limit", "trainer_lock_days",
                    "trainer_tenure_days")
        for name in positive:
            v = getattr(self, name)
            _check(name, v, math.isfinite(v) and v > 0, "a finite number > 0")
        for name in ("claim_gas", "response_buffer_hours", "compute_usd_per_hour", "bandwidth_usd_per_gb",
                     "tolerance_margin", "poisoning_gain_share"):
            v = getattr(self, name)
            _check(name, v, math.isfinite(v) and v >= 0, "a finite number >= 0")
        _check("resource_ratio", self.resource_ratio, self.resource_ratio >= 1.0, "a number >= 1")
        for name in ("max_reward_share", "trainer_reward_share"):
            v = getattr(self, name)
            _check(name, v, 0.0 < v <= 1.0, "a share in (0, 1]")
        if self.non_iid_alpha is not None:
            _check("non_iid_alpha", self.non_iid_alpha,
                   isinstance(self.non_iid_alpha, (int, float)) and self.non_iid_alpha > 0,
                   "a positive Dirichlet concentration (inf = IID)")
        if self.attacker_budget_eth is not None:
            b = self.attacker_budget_eth
            _check("attacker_budget_eth", b, isinstance(b, (int, float)) and not isinstance(b, bool)
                   and math.isfinite(b) and b >= 0, "a finite amount of ETH >= 0 (omit it for a gain-bounded attacker)")
        _check("training_proofs", self.training_proofs, isinstance(self.training_proofs, bool), "true or false")
        if self.privacy_epsilon is not None:
            e = self.privacy_epsilon
            _check("privacy_epsilon", e, isinstance(e, (int, float)) and not isinstance(e, bool) and e > 0,
                   "a local-DP epsilon > 0 (inf = no noise) measured in the privacy tolerance table")
        if self.dispute_gas_per_side is not None:
            _check("dispute_gas_per_side", self.dispute_gas_per_side,
                   math.isfinite(self.dispute_gas_per_side) and self.dispute_gas_per_side > 0, "gas > 0")

    def replace(self, **changes: object) -> DesignInputs:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return DesignInputs(**values)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = [v.low, v.high] if isinstance(v, Interval) else v
        return out


#: Unit of every :class:`DesignInputs` field (``orfl recommend --json``, ``inputs``).
INPUT_UNITS = {
    "model_size": "parameters", "trainers": "trainers", "malicious_fraction": "share of trainers",
    "challengers": "challengers", "value_at_stake_usd": "USD", "gas_price_gwei": "gwei", "eth_price_usd": "USD/ETH",
    "censor_fraction": "share of block proposers", "target_fraud_probability": "probability",
    "interest_rate_per_year": "1/year", "reexec_seconds": "s", "dispute_gas_per_side": "gas",
    "resource_ratio": "1", "jackpot_eth": "ETH", "claim_gas": "gas", "response_buffer_hours": "h",
    "move_clock_hours": "h", "max_period_hours": "h", "max_reward_share": "1", "trainer_reward_share": "1",
    "trainer_lock_days": "days", "trainer_tenure_days": "days", "poisoning_gain_share": "1",
    "rounds_per_day": "1/day", "compute_usd_per_hour": "USD/h", "bandwidth_usd_per_gb": "USD/GB",
    "download_gbit_per_s": "Gbit/s", "block_gas_limit": "gas", "tolerance_margin": "1", "rule": "-",
    "non_iid_alpha": "Dirichlet concentration", "attacker_budget_eth": "ETH", "training_proofs": "-",
    "privacy_epsilon": "1 (local-DP epsilon over a training run)",
}
#: Defaults that are dated market values or L1 constants with their source in ``mechanism/units.py``.
CITED_DEFAULTS = frozenset({"gas_price_gwei", "eth_price_usd", "interest_rate_per_year", "compute_usd_per_hour",
                            "bandwidth_usd_per_gb", "download_gbit_per_s", "block_gas_limit"})


BOX_AXES = ("gas_price_gwei", "eth_price_usd", "value_at_stake_usd", "censor_fraction")


@dataclass(frozen=True)
class Vertices:
    """The vertices of the uncertainty box with the derived per-vertex costs (ETH)."""

    gas_price_gwei: NDArray[np.float64]
    eth_price_usd: NDArray[np.float64]
    value_at_stake_usd: NDArray[np.float64]
    censor_fraction: NDArray[np.float64]
    gain_eth: NDArray[np.float64]
    dispute_cost_eth: NDArray[np.float64]
    verify_cost_eth: NDArray[np.float64]
    claim_cost_eth: NDArray[np.float64]
    #: W = max(G, K): what the attacker spends on the fraud (docs/economics.md, 'Attacker budget')
    attack_value_eth: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.gas_price_gwei.size)

    def vertex(self, i: int) -> dict[str, float]:
        return {a: float(getattr(self, a)[i]) for a in BOX_AXES}


def reexec_seconds(inputs: DesignInputs) -> float:
    """The challenger's off-chain re-execution of one round: the user's value, else the
    out-of-core median round measured by this toolkit at (trainers, model_size),
    interpolated between measured sizes and extended along the last segment beyond them
    (:func:`mechanism.outofcore.reexecution.load`, docs/economics.md, 'Detection')."""
    if inputs.reexec_seconds is not None:
        return float(inputs.reexec_seconds)
    from mechanism.outofcore.reexecution import load

    return float(load().seconds(inputs.model_size, inputs.trainers))


def reexec_source(inputs: DesignInputs) -> dict[str, object]:
    """Source entry of the measured re-execution time (``orfl recommend --json`` inputs)."""
    from mechanism.outofcore.reexecution import load

    m = load()
    return {"source": "measured", "file": "mechanism/data/" + Path(m.path).name, "sha256": m.sha256,
            "extrapolated": bool(m.extrapolated(inputs.model_size)),
            "reference": "out-of-core median round re-executed at n = 50, d = 1e6, 1e7, 1e8 "
                         "(benchmarks/outofcore.py), scaled by n / 50"}


def verify_cost_usd(inputs: DesignInputs) -> float:
    """One verification: re-execution at the compute price plus downloading the updates."""
    gb = workload.update_bytes(inputs.trainers, inputs.model_size) / 1e9
    return reexec_seconds(inputs) * inputs.compute_usd_per_hour / units.SECONDS_PER_HOUR + gb * inputs.bandwidth_usd_per_gb


def download_seconds(inputs: DesignInputs) -> float:
    return workload.update_bytes(inputs.trainers, inputs.model_size) * 8 / (inputs.download_gbit_per_s * 1e9)


def box_vertices(inputs: DesignInputs, dispute_gas: float, *, nominal: bool = False) -> Vertices:
    """All 2^4 vertices of the box (duplicates kept when an interval is a point), or the
    single nominal point when ``nominal`` is set."""
    ivs = [getattr(inputs, a) for a in BOX_AXES]
    pts = [tuple(iv.nominal for iv in ivs)] if nominal else list(itertools.product(*[(iv.low, iv.high) for iv in ivs]))
    arr = np.array(pts, dtype=float)
    gas, eth, val, q = arr.T
    vc_usd = verify_cost_usd(inputs)
    return Vertices(
        gas_price_gwei=gas, eth_price_usd=eth, value_at_stake_usd=val, censor_fraction=q,
        gain_eth=val / eth,
        dispute_cost_eth=units.gas_cost_eth(dispute_gas, gas),
        verify_cost_eth=vc_usd / eth,
        claim_cost_eth=units.gas_cost_eth(inputs.claim_gas, gas),
        attack_value_eth=attack_value_eth(val / eth, inputs.attacker_budget_eth),
    )


def attack_value_eth(gain_eth: NDArray[np.float64] | float, budget_eth: float | None) -> NDArray[np.float64]:
    """``W = max(G, K)``: what an attacker spends on one fraud (docs/economics.md, 'Attacker
    budget'). A gain-bounded attacker (``budget_eth`` None) spends up to its gain G; one with
    budget K spends up to K whatever the gain, and the design must stop both, so every row
    that weighs the attacker's spend or gain against a cost (stuffing, fraud deterrence,
    bribery) takes W in place of G. K <= G changes nothing."""
    g = np.asarray(gain_eth, dtype=float)
    return np.asarray(g if budget_eth is None else np.maximum(g, float(budget_eth)), dtype=float)
