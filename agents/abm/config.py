"""Configuration of one agent-based simulation (frozen, validated, TOML-loadable).

Units are in the field names (``*_eth``, ``*_blocks``, ``*_per_year``). Symbols follow
``ECONOMICS.md``: ``gain_eth`` G, ``sequencer_bond_eth`` B_s, ``challenger_bond_eth``
B_c, ``reward_share`` alpha, ``verify_cost_eth`` c_v, ``dispute_cost_eth`` c_d (one
side, one whole dispute), ``censor_fraction`` q, ``jackpot_rate`` phi / ``jackpot_eth`` J
(TrueBit forced errors). ``order_flow`` ("public" or "private", docs/economics.md 'Threat
model: order flow') decides whether the sequencer front-runs challenges and bribe
defectors; ``threat_model`` ("" , "default" or a TOML file), ``episode_target``,
``honest_watchers`` and ``max_frauds`` set up the threat processes of docs/abm_threats.md.
Every invalid value raises
:class:`mechanism.errors.ParameterError` naming the field, the value and what is allowed;
a TOML key that is not a field raises naming the key (:func:`load_config`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from mechanism.design import Design
from mechanism.errors import ParameterError
from mechanism.units import BLOCK_GAS_LIMIT

MODES = ("economic", "full")
SEQUENCER_STRATEGIES = ("honest", "fraudulent", "fixed", "equilibrium", "learning")
CHALLENGER_STRATEGIES = ("always", "lazy", "fixed", "equilibrium", "learning")
LEARNING_RULES = ("exp3", "logit", "fictitious")
SCENARIOS = ("none", "plain_fraud", "self_challenge", "griefing", "censorship", "stuffing",
             "bribing", "sybil", "lazy_challengers")
ORDER_FLOWS = ("public", "private")
#: Which honest action the attacker's episode (strong censorship, stuffing, an L1 outage, a
#: common-mode watcher outage; docs/economics.md 'Threat model: combining the threats') hits.
EPISODE_TARGETS = ("challenge", "move")

#: The protocol fields' defaults are the design defaults (one home: mechanism.design).
_D = Design()
#: ABM field -> Design field, for the protocol parameters the two share.
DESIGN_FIELDS = {
    "challenge_period_blocks": "challenge_period_blocks", "sequencer_bond_eth": "sequencer_bond_eth",
    "challenger_bond_eth": "challenger_bond_eth", "reward_share": "reward_share",
    "trainer_stake_eth": "trainer_stake_eth", "registration_cost_eth": "registration_fee_eth",
    "jackpot_rate": "jackpot_rate", "detect_blocks": "detect_blocks", "move_clock_blocks": "move_clock_blocks",
    "round_blocks": "round_blocks", "dispute_depth": "dispute_depth", "arity": "arity", "rule": "rule", "tolerance": "tolerance",
    "trainer_challenge_window_blocks": "trainer_challenge_window_blocks", "design_source": "source",
}


@dataclass(frozen=True)
class ABMConfig:
    """One run of :class:`agents.abm.model.RollupModel`. Defaults: a small, fast economy."""

    mode: str = "economic"
    blocks: int = 20_000
    seed: int = 0
    # learning workload
    trainers: int = 20
    malicious_fraction: float = 0.0
    attack: str = "sign_flip"
    rule: str = _D.rule
    tolerance: float = _D.tolerance  # measured beta; < 0: look it up for ``rule`` (agents.abm.adapter)
    full_model: str = "logreg"
    # protocol
    challengers: int = 5
    round_blocks: int = _D.round_blocks
    challenge_period_blocks: int = _D.challenge_period_blocks
    detect_blocks: int = _D.detect_blocks
    move_clock_blocks: int = _D.move_clock_blocks
    dispute_depth: int = _D.dispute_depth
    arity: int = _D.arity
    trainer_challenge_window_blocks: int = _D.trainer_challenge_window_blocks
    design_source: str = _D.source  # who set the protocol fields (Design.source)
    sequencer_bond_eth: float = _D.sequencer_bond_eth
    challenger_bond_eth: float = _D.challenger_bond_eth
    trainer_stake_eth: float = _D.trainer_stake_eth
    reward_share: float = _D.reward_share
    # economy
    gain_eth: float = 5.0
    verify_cost_eth: float = 0.05
    dispute_cost_eth: float = 0.1
    post_cost_eth: float = 0.0
    jackpot_rate: float = _D.jackpot_rate
    jackpot_eth: float = 0.0
    interest_rate_per_year: float = 0.05
    challenger_capital_eth: float = 100.0
    # strategies
    sequencer_strategy: str = "equilibrium"
    fraud_prob: float = 0.1
    challenger_strategy: str = "equilibrium"
    verify_prob: float = 0.5
    learning_rule: str = "exp3"
    learning_rate: float = 0.05
    logit_precision_per_eth: float = 5.0
    # adversary
    scenario: str = "none"
    censor_fraction: float = 0.0
    base_fee_gwei: float = 1.0
    block_gas_limit: float = float(BLOCK_GAS_LIMIT)
    sybil_identities: int = 0
    registration_cost_eth: float = _D.registration_fee_eth
    trainer_lock_blocks: int = 216_000
    griefing_rate: float = 1.0
    pending_value_eth: float = 0.0
    # order flow and threat processes (docs/economics.md 'Threat model'; agents.abm.threats)
    order_flow: str = "private"  # "public": the sequencer sees challenges and front-runs them
    threat_model: str = ""  # "": independent censoring proposers (censor_fraction) only; "default" or a TOML file
    episode_target: str = "challenge"  # the honest action the attacker's episode hits
    honest_watchers: int = 0  # challengers that always verify and challenge, unbribable (the threat model's watchers)
    max_frauds: int = 0  # stop posting once this many frauds were attempted (0: no limit)
    #: Full mode: trainers commit their runs and watchers dispute model poisoners with
    #: training fraud proofs; losers are slashed and excluded (agents.abm.training_disputes).
    training_proofs: bool = False
    training_proofs_evm: bool = False  # also replay every training dispute in the EVM (TrainingStep.vy)

    def __post_init__(self) -> None:
        _choice("mode", self.mode, MODES)
        _choice("sequencer_strategy", self.sequencer_strategy, SEQUENCER_STRATEGIES)
        _choice("challenger_strategy", self.challenger_strategy, CHALLENGER_STRATEGIES)
        _choice("learning_rule", self.learning_rule, LEARNING_RULES)
        _choice("scenario", self.scenario, SCENARIOS)
        _choice("order_flow", self.order_flow, ORDER_FLOWS)
        _choice("episode_target", self.episode_target, EPISODE_TARGETS)
        if not isinstance(self.threat_model, str):
            raise ParameterError.bad("threat_model", self.threat_model, "'' (none), 'default' or a TOML file path")
        for name in ("blocks", "trainers", "challengers"):
            _int(name, getattr(self, name), 1)
        for name in ("seed", "sybil_identities", "trainer_lock_blocks", "honest_watchers", "max_frauds"):
            _int(name, getattr(self, name), 0)
        for name in ("gain_eth", "verify_cost_eth", "dispute_cost_eth", "post_cost_eth", "jackpot_eth",
                     "interest_rate_per_year", "challenger_capital_eth", "learning_rate",
                     "logit_precision_per_eth", "base_fee_gwei", "block_gas_limit",
                     "registration_cost_eth", "pending_value_eth"):
            _real(name, getattr(self, name))
        _ = self.design  # the protocol fields, validated once by mechanism.design.Design
        for name in ("fraud_prob", "verify_prob", "griefing_rate"):
            _prob(name, getattr(self, name))
        _prob("censor_fraction", self.censor_fraction, upper_open=True)
        if not (isinstance(self.malicious_fraction, (int, float)) and 0.0 <= self.malicious_fraction < 1.0):
            raise ParameterError.bad("malicious_fraction", self.malicious_fraction, "a fraction in [0, 1)")
        if self.honest_watchers > self.challengers:
            raise ParameterError.bad("honest_watchers", self.honest_watchers, f"at most challengers = {self.challengers}")
        for name in ("training_proofs", "training_proofs_evm"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError.bad(name, getattr(self, name), "true or false")
        if self.training_proofs_evm and not self.training_proofs:
            raise ParameterError.bad("training_proofs_evm", True, "false unless training_proofs is true")
        if self.training_proofs and self.mode != "full":
            raise ParameterError.bad("training_proofs", self.training_proofs,
                                     "false in economic mode (training disputes are played in full mode)")
        if self.learning_rate <= 0 or self.learning_rate > 1:
            raise ParameterError.bad("learning_rate", self.learning_rate, "a number in (0, 1]")

    # ----------------------------------------------------------------- helpers
    def replace(self, **changes: Any) -> ABMConfig:
        """A copy with ``changes`` applied (validated; unknown names raise)."""
        check_keys(changes, "config")
        return replace(self, **changes)

    @property
    def design(self) -> Design:
        """The protocol design this run uses (keys as ``orfl recommend`` writes them)."""
        return Design(**{d: getattr(self, a) for a, d in DESIGN_FIELDS.items()})

    @classmethod
    def from_design(cls, design: Design, **overrides: Any) -> ABMConfig:
        """A config whose protocol fields are ``design``'s; ``overrides`` set the rest."""
        check_keys(overrides, "config")
        return cls(**{a: getattr(design, d) for a, d in DESIGN_FIELDS.items()}, **overrides)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key(self) -> str:
        """Config hash (:func:`agents.store.config_key`), *including* the seed."""
        from agents.store import config_key

        d = self.as_dict()
        for name in ("training_proofs", "training_proofs_evm"):
            if not d[name]:  # keys of runs without training proofs stay as they were
                d.pop(name)
        return config_key(d)

    @property
    def n_malicious(self) -> int:
        return math.floor(self.malicious_fraction * self.trainers + 1e-9)


FIELD_NAMES = frozenset(f.name for f in fields(ABMConfig))


def check_keys(values: dict[str, Any], where: str) -> None:
    """Raise naming every key of ``values`` that is not a config field."""
    unknown = sorted(set(values) - FIELD_NAMES)
    if unknown:
        raise ParameterError.bad(f"{where} key", unknown[0] if len(unknown) == 1 else unknown,
                                 "a field of ABMConfig (e.g. blocks, trainers, challengers, gain_eth)")


def from_dict(values: dict[str, Any], base: ABMConfig | None = None) -> ABMConfig:
    """Build a config from a flat mapping, rejecting unknown keys by name."""
    check_keys(values, "config")
    return replace(base or ABMConfig(), **values)


def load_config(path: Path | str, base: ABMConfig | None = None) -> ABMConfig:
    """Load a TOML file of config fields (top level or an ``[abm]`` table)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text())
    except FileNotFoundError as exc:
        raise ParameterError.bad("config", str(p), "an existing TOML file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError.bad("config", str(p), f"valid TOML ({exc})") from exc
    if set(raw) == {"abm"} and isinstance(raw["abm"], dict):
        raw = raw["abm"]
    return from_dict(raw, base)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParameterError.bad(name, value, "one of " + ", ".join(allowed))


def _int(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError.bad(name, value, f"an integer >= {low}")


def _real(name: str, value: object, positive: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):  # type: ignore[operator]
        raise ParameterError.bad(name, value, "a finite number " + ("> 0" if positive else ">= 0"))


def _prob(name: str, value: object, upper_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0
    if not ok or (upper_open and value >= 1.0):  # type: ignore[operator]
        raise ParameterError.bad(name, value, "a probability in [0, 1" + (")" if upper_open else "]"))
