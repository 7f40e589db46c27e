"""``orfl recommend``: the logic behind the command (no CLI code here).

:func:`recommend` picks the aggregation rule, solves the robust design
(:func:`mechanism.economics.optimum.solve_closed_form`), rounds every number *up* to three
significant figures (so rounding never weakens a bound), attaches the binding constraint,
the worst-case vertex, the sensitivity of each output to a +10 % change of each input,
the cost, the Sybil diagnostic and the assumptions, and returns a frozen
:class:`Recommendation` whose :meth:`Recommendation.to_dict` is the ``--json`` output
(docs/economics.md, 'orfl recommend').

Also here: :func:`choose_rule` / :class:`RuleChoice` (the aggregation rule),
:func:`sensitivity`, :func:`ceil_sig`, :data:`ASSUMPTIONS`, :data:`OUTPUTS`, and the
config readers :func:`load_config` / :func:`inputs_from_mapping`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from mechanism import units
from mechanism.design import Design
from mechanism.economics import workload
from mechanism.economics.bounds import sybil_attack_cost_eth
from mechanism.economics.constraints import DesignResult, make_problem
from mechanism.economics.optimum import solve_closed_form
from mechanism.economics.payoffs import bribe_needed_eth
from mechanism.economics.scenario import (
    CITED_DEFAULTS,
    INPUT_UNITS,
    DesignInputs,
    Interval,
    box_vertices,
    reexec_seconds,
    reexec_source,
)
from mechanism.economics.threats import ThreatModel, ThreatPeriod, threat_period
from mechanism.economics.threats.delay import delay_attack
from mechanism.economics.threats.episodes import episodes_of
from mechanism.economics.threats.trainer_window import TrainerWindow, trainer_challenge_window
from mechanism.economics.tolerance import ToleranceTable, from_mapping, load_tolerance_table
from mechanism.economics.training_dispute import TrainingDisputeGas, load_training_dispute_gas
from mechanism.errors import InfeasibleError, OrflError, ParameterError

__all__ = [
    "ASSUMPTIONS",
    "OUTPUTS",
    "Recommendation",
    "RuleChoice",
    "ceil_sig",
    "choose_rule",
    "dispute_gas_source",
    "inputs_from_mapping",
    "load_config",
    "recommend",
    "rules_with_dispute_gas",
    "sensitivity",
    "tolerance_setting",
    "training_dispute_gas",
]

OUTPUTS = ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share",
           "trainer_stake_eth", "jackpot_rate", "registration_fee_eth")


def ceil_sig(x: float, digits: int = 3) -> float:
    """Round ``x >= 0`` up to ``digits`` significant figures."""
    if x <= 0 or not math.isfinite(x):
        return x
    e = math.floor(math.log10(x)) - digits + 1
    return math.ceil(x / 10.0**e - 1e-9) * 10.0**e


def tolerance_setting(inputs: DesignInputs) -> str:
    """The tolerance-table setting the design reads: ``proof_checked`` with training proofs
    (only data-only attacks remain), else ``predicates`` (docs/economics.md, 'Training proofs')."""
    return "proof_checked" if inputs.training_proofs else "predicates"


def training_dispute_gas(inputs: DesignInputs) -> TrainingDisputeGas | None:
    """The measured gas of a training dispute at ``inputs.model_size`` when training proofs
    are on (:func:`mechanism.economics.training_dispute.load_training_dispute_gas`), else None."""
    return load_training_dispute_gas(inputs.model_size) if inputs.training_proofs else None


def rules_with_dispute_gas() -> tuple[str, ...]:
    """The rules that have a measured dispute-gas model, hence may be recommended."""
    return tuple(workload.RULES_WITH_DISPUTE_GAS)


def dispute_gas_source(rule: str) -> dict[str, str]:
    """Where ``rule``'s dispute gas comes from: the EVM-calibrated model of its own game
    (:func:`mechanism.economics.workload.dispute_gas_source`)."""
    return {"source": "measured", "reference": workload.dispute_gas_source(rule)}


@dataclass(frozen=True)
class RuleChoice:
    """The recommended aggregation rule and the alternatives considered."""

    name: str
    tolerance: float
    dispute_gas_per_side: float
    candidates: tuple[tuple[str, float, float, bool], ...]  # (rule, tolerance, gas, covers)
    tolerance_source: str
    missing: tuple[tuple[str, str], ...] = ()  # (rule, why) of rules the table cannot vouch for
    table: ToleranceTable | None = None


def choose_rule(inputs: DesignInputs, table: ToleranceTable | Mapping[str, float], source: str | None = None) -> RuleChoice:
    """The rule whose tolerance covers the expected malicious fraction with margin,
    ``beta >= f (1 + margin)`` (and beta > f when f > 0), at the lowest dispute gas.

    Only rules with a dispute-gas model (:func:`rules_with_dispute_gas`) and a complete
    row in the tolerance table are candidates; the others are listed in ``missing``."""
    if not isinstance(table, ToleranceTable):
        table = from_mapping(table, source or "user table")
    if source is None:
        source = (f"{table.source} table {table.path}" + (f" at non-IID alpha {table.alpha:g}" if table.alpha is not None else "")
                  + (f", local-DP epsilon {table.epsilon:g}" if table.privacy else "") + f", setting {table.setting}")
    f, need = inputs.malicious_fraction, inputs.malicious_fraction * (1.0 + inputs.tolerance_margin)
    cands, missing = [], []
    for rule in rules_with_dispute_gas():
        why = table.missing_reason(rule)
        if why is not None:
            missing.append((rule, why))
            continue
        beta = table.beta(rule)
        gas = workload.dispute_gas_per_side(rule, inputs.trainers, inputs.model_size)
        cands.append((rule, float(beta), gas, beta >= need and (beta > f or f == 0.0)))
    if not cands:
        raise ParameterError.bad("tolerance_table", table.path, "complete rows for rules among " + ", ".join(rules_with_dispute_gas()))
    cands.sort(key=lambda c: (c[2], -c[1]))
    if inputs.rule is not None:
        chosen = [c for c in cands if c[0] == inputs.rule]
        if not chosen:
            why = dict(missing).get(inputs.rule, "no dispute-gas model")
            raise ParameterError.bad("rule", inputs.rule, f"a rule the tolerance table measures ({why}): " + ", ".join(c[0] for c in cands))
        if not chosen[0][3]:
            raise InfeasibleError(
                f"rule {inputs.rule} tolerates a malicious fraction of {chosen[0][1]:g} but malicious_fraction="
                f"{f:g} with tolerance_margin={inputs.tolerance_margin:g} needs >= {need:.3g}")
    else:
        chosen = [c for c in cands if c[3]]
        if not chosen:
            best = max(cands, key=lambda c: c[1])
            raise InfeasibleError(
                f"malicious_fraction={f:g} with tolerance_margin={inputs.tolerance_margin:g} needs a tolerance >= "
                f"{need:.3g}, but the most tolerant rule ({best[0]}) tolerates {best[1]:g} ({source}"
                + (f"; measured alphas: {', '.join(f'{a:g}' for a in table.alphas)}, see --non-iid-alpha)"
                   if table.alphas else ")"))
    rule, beta, gas, _ = chosen[0]
    if inputs.dispute_gas_per_side is not None:
        gas = float(inputs.dispute_gas_per_side)
    return RuleChoice(rule, beta, gas, tuple(cands), source, tuple(missing), table)


@dataclass(frozen=True)
class Recommendation:
    """A recommended parameter set with its reasons (native units; USD/hours alongside)."""

    challenge_period_blocks: int
    sequencer_bond_eth: float
    challenger_bond_eth: float
    reward_share: float
    trainer_stake_eth: float
    jackpot_rate: float
    jackpot_eth: float
    registration_fee_eth: float
    rule: RuleChoice
    design: DesignResult
    inputs: DesignInputs
    cost_eth_per_assertion: float
    sybil: dict[str, Any]  # numbers, plus the tolerance setting and what poisoning remains
    bribery: dict[str, float] = field(default_factory=dict)
    sensitivity: dict[str, dict[str, float | None]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    user_inputs: frozenset[str] = frozenset()  # inputs the user gave (flags or config)
    threat: ThreatPeriod | None = None  # the period and game clocks under the threat model
    trainer_window: TrainerWindow | None = None  # the trainer-challenge window under the same threats
    delay: dict[str, float] = field(default_factory=dict)  # the delay attack the attacker's spend buys
    training_gas: TrainingDisputeGas | None = None  # measured training-dispute gas (training proofs on)

    @property
    def trainer_challenge_window_blocks(self) -> int:
        """T of the trainer disputes (the default :class:`Design`'s without a sizing)."""
        return self.trainer_window.window_blocks if self.trainer_window is not None \
            else Design().trainer_challenge_window_blocks

    def round_latency(self) -> dict[str, float]:
        """Blocks from a round's opening to its assertion's finality when unchallenged:
        publication window + trainer-challenge window + challenge period (docs/protocol.md,
        'Publication and trainer-challenge windows')."""
        from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS

        total = PUBLICATION_WINDOW_BLOCKS + self.trainer_challenge_window_blocks + self.challenge_period_blocks
        return {"publication_window_blocks": PUBLICATION_WINDOW_BLOCKS,
                "trainer_challenge_window_blocks": self.trainer_challenge_window_blocks,
                "challenge_period_blocks": self.challenge_period_blocks, "total_blocks": total,
                "total_hours": float(units.blocks_to_hours(total)),
                "max_rounds_per_day": float(units.BLOCKS_PER_DAY / total)}

    def value(self, name: str) -> float:
        return float(getattr(self, name))

    def as_design(self) -> Design:
        """The deployment this recommendation describes (:class:`mechanism.design.Design`),
        what ``orfl recommend -o`` writes and ``orfl simulate``/``orfl abm --design`` read.

        Time fields come from the same inputs the period was sized with: the detection
        term of the period, the per-move clock ``move_clock_hours``, the bisection depth
        of the dispute game the gas was priced on (moves per side, docs/economics.md,
        'Period decomposition'), its arity, and one round per ``24 h / rounds_per_day``."""
        i = self.inputs
        return Design(
            challenge_period_blocks=int(self.challenge_period_blocks),
            sequencer_bond_eth=float(self.sequencer_bond_eth),
            challenger_bond_eth=float(self.challenger_bond_eth),
            reward_share=float(self.reward_share),
            trainer_stake_eth=float(self.trainer_stake_eth),
            registration_fee_eth=float(self.registration_fee_eth),
            jackpot_rate=float(self.jackpot_rate),
            detect_blocks=int(self.design.breakdown.detect_blocks),
            move_clock_blocks=self.threat.game.clock_blocks if self.threat is not None
            else units.hours_to_blocks(i.move_clock_hours),
            round_blocks=max(1, round(units.BLOCKS_PER_DAY / i.rounds_per_day)),
            dispute_depth=workload.dispute_moves_per_side(i.trainers, i.model_size, rule=self.rule.name),
            arity=workload.DISPUTE_ARITY,
            trainer_challenge_window_blocks=self.trainer_challenge_window_blocks,
            rule=self.rule.name,
            tolerance=float(self.rule.tolerance),
            source="orfl recommend",
        )

    def to_dict(self) -> dict[str, Any]:
        eth_usd = self.inputs.eth_price_usd.nominal
        d = self.design
        binding = {
            "challenge_period_blocks": d.binding["challenge_period_blocks"],
            "sequencer_bond_eth": d.binding["sequencer_bond_eth"],
            "challenger_bond_eth": d.binding["challenger_bond_eth"],
            "reward_share": d.binding["reward_eth"],
            "trainer_stake_eth": d.binding["trainer_stake_eth"],
            "jackpot_rate": d.binding["jackpot_rate"],
            "registration_fee_eth": d.binding["registration_fee_eth"],
        }
        worst: dict[str, Any] = {k: d.worst_vertex["reward_eth" if k == "reward_share" else k] for k in binding}
        tw = self.trainer_window
        if tw is not None:
            binding["trainer_challenge_window_blocks"] = f"threat: {tw.binding_threat}"
            worst["trainer_challenge_window_blocks"] = None
        params = [
            ("challenge_period_blocks", self.challenge_period_blocks, "blocks", "hours",
             float(units.blocks_to_hours(self.challenge_period_blocks))),
            ("sequencer_bond_eth", self.sequencer_bond_eth, "ETH", "USD", self.sequencer_bond_eth * eth_usd),
            ("challenger_bond_eth", self.challenger_bond_eth, "ETH", "USD", self.challenger_bond_eth * eth_usd),
            ("reward_share", self.reward_share, "1", "USD (reward)", self.reward_share * self.sequencer_bond_eth * eth_usd),
            ("trainer_stake_eth", self.trainer_stake_eth, "ETH", "USD", self.trainer_stake_eth * eth_usd),
            ("jackpot_rate", self.jackpot_rate, "1/assertion", "USD/assertion", self.jackpot_rate * self.jackpot_eth * eth_usd),
            ("registration_fee_eth", self.registration_fee_eth, "ETH (burned, once per trainer)", "USD",
             self.registration_fee_eth * eth_usd),
        ]
        if tw is not None:
            params.append(("trainer_challenge_window_blocks", tw.window_blocks, "blocks", "hours",
                           float(units.blocks_to_hours(tw.window_blocks))))
        comps = dict(d.cost_components_eth)
        rounds_per_year = self.inputs.rounds_per_day * 365.25
        return {
            "challenge_period_blocks": self.challenge_period_blocks,
            "challenge_period_hours": float(units.blocks_to_hours(self.challenge_period_blocks)),
            "sequencer_bond_eth": self.sequencer_bond_eth,
            "sequencer_bond_usd": self.sequencer_bond_eth * eth_usd,
            "challenger_bond_eth": self.challenger_bond_eth,
            "challenger_bond_usd": self.challenger_bond_eth * eth_usd,
            "reward_share": self.reward_share,
            "trainer_stake_eth": self.trainer_stake_eth,
            "trainer_stake_usd": self.trainer_stake_eth * eth_usd,
            "jackpot_rate": self.jackpot_rate,
            "jackpot_eth": self.jackpot_eth,
            "registration_fee_eth": self.registration_fee_eth,
            "registration_fee_usd": self.registration_fee_eth * eth_usd,
            "bribery": self.bribery,
            "trainer_challenge_window_blocks": self.trainer_challenge_window_blocks,
            "trainer_challenge_window": tw.as_dict() if tw is not None else None,
            "round_latency": self.round_latency(),
            "delay_attack": self.delay,
            "design": self.as_design().to_dict(),
            "aggregation_rule": self.rule.name,
            "parameters": [
                {"name": n, "value": v, "unit": u, "alt_unit": au, "alt_value": av,
                 "binding_constraint": binding[n], "worst_case_vertex": worst[n]}
                for n, v, u, au, av in params
            ],
            "binding_constraints": binding,
            "sensitivity_to_10pct_increase": self.sensitivity,
            "period_breakdown_blocks": d.breakdown.as_dict(),
            "target_verification_probability": d.target_verify_prob,
            "cost": {
                "total_eth_per_assertion": self.cost_eth_per_assertion,
                "total_usd_per_assertion": self.cost_eth_per_assertion * eth_usd,
                "total_usd_per_year": self.cost_eth_per_assertion * eth_usd * rounds_per_year,
                "components_eth_per_assertion": comps,
                "priced_at": {"eth_price_usd": eth_usd, "gas_price_gwei": self.inputs.gas_price_gwei.nominal},
            },
            "aggregation": {
                "rule": self.rule.name, "tolerance": self.rule.tolerance,
                "dispute_gas_per_side": self.rule.dispute_gas_per_side,
                "tolerance_source": self.rule.tolerance_source,
                "candidates": [{"rule": r, "tolerance": b, "dispute_gas_per_side": g, "covers": c,
                                "dispute_gas_source": dispute_gas_source(r)["source"]}
                               for r, b, g, c in self.rule.candidates],
                "missing": [{"rule": r, "reason": why} for r, why in self.rule.missing],
            },
            "sybil": self.sybil,
            "inputs": self.inputs_with_sources(),
            "assumptions": ASSUMPTIONS + (TRAINING_PROOF_ASSUMPTIONS if self.inputs.training_proofs else []),
            "warnings": list(self.warnings),
            "threat_model": self.threat.as_dict() if self.threat is not None else None,
        }


    def inputs_with_sources(self) -> dict[str, dict[str, Any]]:
        """Every input with its value, unit and source: ``measured`` (file and SHA-256, or
        the model it was measured with), ``user``, ``cited`` (reference) or, for scenario
        defaults that are neither, ``assumed`` (docs/economics.md, 'orfl recommend')."""
        out: dict[str, dict[str, Any]] = {}
        for name, value in self.inputs.as_dict().items():
            entry: dict[str, Any] = {"value": value, "unit": INPUT_UNITS.get(name, "-")}
            if name in self.user_inputs:
                entry["source"] = "user"
            elif name in CITED_DEFAULTS:
                entry.update(source="cited", reference="mechanism/units.py (dated default with its source)")
            elif name == "reexec_seconds":
                entry.update(value=reexec_seconds(self.inputs), **reexec_source(self.inputs))
            elif name == "attacker_budget_eth":
                entry.update(source="assumed", reference="none: a gain-bounded attacker spends at most its gain "
                                                         "(docs/economics.md, 'Attacker budget')")
            elif name == "privacy_epsilon" and value is None:
                entry.update(source="assumed", reference="no local differential privacy (no noise, epsilon = inf)")
            elif name == "non_iid_alpha" and self.rule.table is not None and self.rule.table.alpha is not None:
                entry.update(value=self.rule.table.alpha, source="measured",
                             reference="most heterogeneous alpha of the measured tolerance table")
            else:
                entry.update(source="assumed", reference="default scenario (mechanism/economics/scenario.py)")
            out[name] = entry
        table = self.rule.table
        tol: dict[str, Any] = {"value": self.rule.tolerance, "unit": "malicious fraction", "rule": self.rule.name}
        tol.update(table.describe(self.rule.name) if table is not None else {"source": "user"})
        tol["setting"] = table.setting if table is not None else tolerance_setting(self.inputs)
        if table is not None and table.source == "measured":
            e = table.rules[self.rule.name]
            tol.update(worst_attack=e.worst_attack, worst_model=e.worst_model, beta_mean=e.beta_mean)
        out["tolerance"] = tol
        gas: dict[str, Any] = {"value": self.rule.dispute_gas_per_side, "unit": "gas", "rule": self.rule.name}
        gas.update({"source": "user"} if "dispute_gas_per_side" in self.user_inputs else dispute_gas_source(self.rule.name))
        out["dispute_gas_per_side"] = gas
        if self.training_gas is not None:
            out["training_dispute_gas"] = self.training_gas.describe()
        return out


#: Added to :data:`ASSUMPTIONS` with ``training_proofs`` (docs/economics.md, 'Training proofs').
TRAINING_PROOF_ASSUMPTIONS = [
    "training proofs: a trainer's update that is not honest SGD on its committed shard loses a training dispute, "
    "its stake is slashed and its update excluded; the trainer-challenge window lets such an update escape with "
    "probability at most the target; the stake pays the watcher the dearer of a predicate and a training dispute "
    "(measured training-dispute gas); only data poisoning (label flips on the trainer's own shard) is not slashable, "
    "so the Sybil bound uses the proof-checked tolerance",
]

ASSUMPTIONS = [
    "market defaults (gas price, ETH price, interest rate, gas limit, compute and bandwidth prices) are dated "
    "2026-11 assumptions, see mechanism/units.py",
    "every input's source (measured with file and SHA-256, user, cited, or an assumed scenario default) is listed "
    "under `inputs`; the tolerance is the measured table's worst case over attacks at the declared non-IID level, "
    "lower end of the 95% interval",
    "block proposers censor independently (Felten's q^T); no social-layer response time beyond the buffer",
    "the sequencer can front-run honest challengers with a self-challenge, so its penalty is (1 - reward_share) x bond",
    "verification is sustained by forced errors with a jackpot (TrueBit); the target verification rate makes "
    "P(fraud finalises) equal the target probability at the worst vertex",
    "bribery: the m potential challengers are known, rational and all bribable (one altruist defeats bribery), bribes "
    "are enforceable but bind for one assertion only, a defector from a bribe collects its reward (the sequencer "
    "cannot pre-empt it), and forced-error jackpots are not paid for real fraud",
    "Sybil poisoning inside the validity predicate is not slashable: new identities must cost the attacker "
    "(burned registration fee + stake capital over the lock-up) at least poisoning_gain_share x the value at stake; "
    "the attacker also controls the expected malicious trainers; honest trainers pay the same fee once per tenure",
    "the attacker spends up to W = max(G, attacker_budget_eth) on one fraud (G without a budget): stuffing, "
    "fraud deterrence and bribery are sized at W, the value pending in a dispute stays G (docs/economics.md, "
    "'Attacker budget')",
    "the trainer-challenge window is sized like the period: the least T with P(an invalid update escapes its "
    "trainer dispute) <= the target under the same censorship (docs/economics.md, 'Threat model: trainer-challenge "
    "window')",
    "every value is rounded up to 3 significant figures",
]


def _solve(inputs: DesignInputs, table: ToleranceTable, source: str | None) -> tuple[RuleChoice, DesignResult]:
    rule = choose_rule(inputs, table, source)
    tg = training_dispute_gas(inputs)
    return rule, solve_closed_form(make_problem(inputs, rule.dispute_gas_per_side, rule.tolerance,
                                                training_dispute_gas=tg.gas_total if tg is not None else 0.0))


def _outputs(res: DesignResult) -> dict[str, float]:
    return {
        "challenge_period_blocks": float(res.period_blocks), "sequencer_bond_eth": res.sequencer_bond_eth,
        "challenger_bond_eth": res.challenger_bond_eth, "reward_share": res.reward_share,
        "trainer_stake_eth": res.trainer_stake_eth, "jackpot_rate": res.jackpot_rate,
        "registration_fee_eth": res.registration_fee_eth,
        "cost_eth_per_assertion": res.cost_eth_per_assertion,
    }


def _perturbations(i: DesignInputs) -> dict[str, Callable[[], DesignInputs]]:
    """+10 % of each input (ranges scaled at both ends; integers at least +1)."""
    def up(name: str) -> Callable[[], DesignInputs]:
        v = getattr(i, name)
        if name == "reexec_seconds":  # the measured value when the user gave none
            v = reexec_seconds(i)
        if isinstance(v, Interval):
            nv: object = v.scaled(1.1)
            if name == "censor_fraction":
                nv = Interval(min(v.low * 1.1, 0.999), min(v.high * 1.1, 0.999))
        elif isinstance(v, int) and not isinstance(v, bool):
            nv = max(v + 1, round(v * 1.1))
        else:
            nv = v * 1.1
        return lambda: i.replace(**{name: nv})

    names = ["value_at_stake_usd", "gas_price_gwei", "eth_price_usd", "censor_fraction",
             "target_fraud_probability", "interest_rate_per_year", "reexec_seconds", "challengers", "trainers",
             "model_size", "malicious_fraction", "resource_ratio", "jackpot_eth", "response_buffer_hours",
             "move_clock_hours"]
    if i.dispute_gas_per_side is not None:
        names.append("dispute_gas_per_side")
    if i.attacker_budget_eth:
        names.append("attacker_budget_eth")
    return {n: up(n) for n in names}


def sensitivity(inputs: DesignInputs, table: ToleranceTable, source: str | None,
                base: DesignResult) -> dict[str, dict[str, float | None]]:
    """Relative change of every output under +10 % of each input (``None``: infeasible)."""
    ref = _outputs(base)
    out: dict[str, dict[str, float | None]] = {k: {} for k in ref}
    for name, make in _perturbations(inputs).items():
        try:
            _, res = _solve(make(), table, source)
            new: dict[str, float] | None = _outputs(res)
        except OrflError:
            new = None
        for k, v0 in ref.items():
            out[k][name] = None if new is None else ((new[k] - v0) / v0 if v0 else new[k] - v0)
    return out


def design_threats(inputs: DesignInputs) -> ThreatModel:
    """The threat model that the design problem itself assumes: independent censoring
    proposers at the box's largest share q, timed by the attacker, and nothing else (no
    strong censorship, L1 outages or watcher failures). ``orfl recommend`` checks the
    period, the game's clocks and the trainer-challenge window under it when no threat
    model is given, so that a large q lengthens the clocks or fails naming them
    (docs/economics.md, 'Threat model'); :func:`threats_for` adds the attacker budget."""
    return ThreatModel(censor_fraction=float(inputs.censor_fraction.high), strong_censorship=False,
                       outage_prob=0.0, common_mode_prob=0.0, watcher_online_prob=1.0)


def threats_for(inputs: DesignInputs, threats: ThreatModel | None) -> ThreatModel:
    """``threats`` with the design's censoring share where the threat file leaves it
    unset; :func:`design_threats` when None. The design's attacker budget (when set) is the
    threat model's."""
    model = design_threats(inputs) if threats is None else threats
    if threats is not None and "censor_fraction" not in threats.given:
        model = model.with_(censor_fraction=float(inputs.censor_fraction.high))
    if inputs.attacker_budget_eth is not None:
        model = model.with_(attacker_budget_eth=float(inputs.attacker_budget_eth))
    return model


def with_threat_budget(inputs: DesignInputs, threats: ThreatModel | None) -> DesignInputs:
    """``inputs`` with the threat file's ``[attacker] attacker_budget_eth`` when the inputs
    have none (an explicit ``attacker_budget_eth`` input wins over the file)."""
    if inputs.attacker_budget_eth is None and threats is not None and threats.attacker_budget_eth is not None:
        return inputs.replace(attacker_budget_eth=float(threats.attacker_budget_eth))
    return inputs


def _gain_worst(inputs: DesignInputs) -> float:
    """The largest gain of the box, ``G_max = value_high / eth_low`` (ETH)."""
    return inputs.value_at_stake_usd.high / inputs.eth_price_usd.low


def _trainer_window(inputs: DesignInputs, model: ThreatModel) -> TrainerWindow:
    """The least trainer-challenge window under ``model`` (:func:`trainer_challenge_window`):
    a watcher needs one update's download (``8 d`` bytes) before it can dispute; stuffing
    at the worst gain and lowest base fee, as for the period."""
    from mechanism.rollup.params import MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS

    seconds = workload.update_bytes(1, inputs.model_size) * 8 / (inputs.download_gbit_per_s * 1e9)
    ep = episodes_of(model, _gain_worst(inputs), inputs.gas_price_gwei.low, inputs.block_gas_limit)
    return trainer_challenge_window(model, inputs.target_fraud_probability, detect_blocks=units.seconds_to_blocks(seconds),
                                    min_blocks=MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS, episodes=ep,
                                    max_blocks=units.hours_to_blocks(inputs.max_period_hours))


def _delay(inputs: DesignInputs, bc: float, dispute_gas: float, period_blocks: int, game_blocks: int) -> dict[str, float]:
    """The delay attack the attacker's spend ``W = max(G_max, K)`` buys against the rounded
    challenger bond, at the highest gas price (:func:`~mechanism.economics.threats.delay.delay_attack`,
    parallel disputes; docs/economics.md, 'Attacker budget')."""
    spend = float(np.max(box_vertices(inputs, dispute_gas).attack_value_eth))
    cd = units.gas_cost_eth(dispute_gas, inputs.gas_price_gwei.high)
    d = delay_attack(spend, bc, float(cd), period_blocks, game_blocks, parallel=True)
    return {"attacker_spend_eth": spend, "challenger_bond_eth": bc, "dispute_cost_eth": float(cd),
            "sub_challenges": float(d.sub_challenges), "defender_funds_needed_eth": float(d.honest_spend_eth),
            "resource_ratio": float(d.resource_ratio), "worst_confirmation_blocks": float(d.worst_confirmation_blocks),
            "worst_confirmation_hours": float(units.blocks_to_hours(d.worst_confirmation_blocks))}


def _threat_check(inputs: DesignInputs, res: DesignResult, rule: RuleChoice, model: ThreatModel) -> ThreatPeriod:
    """The least period and safe game clocks under ``model`` (:func:`threat_period`) for the
    design's detection and buffer terms, the rule's game and the worst stuffing gain."""
    bd = res.breakdown
    return threat_period(
        model, inputs.target_fraud_probability, detect_blocks=int(bd.detect_blocks), buffer_blocks=int(bd.buffer_blocks),
        moves_per_side=workload.dispute_moves_per_side(inputs.trainers, inputs.model_size, rule=rule.name),
        move_clock_blocks=units.hours_to_blocks(inputs.move_clock_hours), lengthen_clocks=True,
        gain_eth=inputs.value_at_stake_usd.high / inputs.eth_price_usd.low, base_fee_gwei=inputs.gas_price_gwei.low,
        gas_limit=inputs.block_gas_limit, max_period_blocks=units.hours_to_blocks(inputs.max_period_hours))


def recommend(inputs: DesignInputs, tolerance_table: ToleranceTable | Mapping[str, float] | None = None,
              tolerance_source: str | None = None, with_sensitivity: bool = True,
              user_inputs: frozenset[str] | set[str] = frozenset(),
              threats: ThreatModel | None = None) -> Recommendation:
    """Recommend a parameter set for ``inputs`` (raises InfeasibleError / ParameterError).

    The tolerance comes from ``tolerance_table``: by default the shipped measured table
    (:func:`mechanism.economics.tolerance.load_tolerance_table`) at ``inputs.non_iid_alpha``;
    a plain ``{rule: beta}`` mapping is a user table. ``user_inputs`` names the inputs the
    user gave (their source is ``user`` in the output).

    The period and the game's move clock are then checked under ``threats`` (default:
    :func:`design_threats`): the period is the larger of the design's and the threat
    model's least period (:func:`mechanism.economics.threats.threat_period`; its binding
    threat is then the period's binding constraint), and the move clock is lengthened
    until every honest move lands with the required probability; where no period or
    clock can reach ``target_fraud_probability`` an :class:`InfeasibleError` names the
    threat or the dispute clocks."""
    from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS

    setting = tolerance_setting(inputs)
    if tolerance_table is None:
        table = load_tolerance_table(None, inputs.non_iid_alpha, setting=setting, epsilon=inputs.privacy_epsilon)
    elif isinstance(tolerance_table, ToleranceTable):
        table = tolerance_table
    else:
        table = replace(from_mapping(tolerance_table, tolerance_source or "user table"), setting=setting)
    if table.setting != setting:
        raise ParameterError.bad("tolerance_setting", table.setting,
                                 f"{setting} (training_proofs={inputs.training_proofs}; load the table with setting={setting})")
    wanted = math.inf if inputs.privacy_epsilon is None else float(inputs.privacy_epsilon)
    if table.source == "measured" and table.epsilon != wanted:
        raise ParameterError.bad("privacy_epsilon", inputs.privacy_epsilon,
                                 f"the epsilon the tolerance table was loaded at ({table.epsilon:g}; load it with "
                                 f"epsilon={inputs.privacy_epsilon})")
    if inputs.attacker_budget_eth is None and threats is not None and threats.attacker_budget_eth is not None:
        inputs = with_threat_budget(inputs, threats)
        user_inputs = frozenset(user_inputs) | {"attacker_budget_eth"}  # given in the threat file
    rule, res = _solve(inputs, table, tolerance_source)
    model = threats_for(inputs, threats)
    threat = _threat_check(inputs, res, rule, model)
    trainer = _trainer_window(inputs, model)
    if threat.period_blocks > res.period_blocks:
        binding = {**res.binding, "challenge_period_blocks": f"threat: {threat.binding_threat}"}
        res = replace(res, period_blocks=threat.period_blocks, binding=binding)
    bs = ceil_sig(res.sequencer_bond_eth)
    alpha = min(ceil_sig(res.reward_eth / bs), inputs.max_reward_share) if bs > 0 else 0.0
    st = ceil_sig(res.trainer_stake_eth)
    fee = ceil_sig(res.registration_fee_eth)
    lock_years = inputs.trainer_lock_days / 365.25
    honest = max(1, round(inputs.trainers * (1.0 - inputs.malicious_fraction)))
    k = int(res.extra["sybil_identities"])
    gain_max = _gain_worst(inputs)
    gain_p = inputs.poisoning_gain_share * gain_max
    cost = float(sybil_attack_cost_eth(k, st, inputs.interest_rate_per_year, lock_years, fee))
    sybil = {"honest_trainers": honest, "identities_needed": k, "lock_days": inputs.trainer_lock_days,
             "tolerance_setting": table.setting, "tolerance": float(res.extra.get("tolerance", rule.tolerance)),
             "poisoning": "data poisoning only (model poisoning is slashed by training disputes)"
             if inputs.training_proofs else "any poisoning inside the validity predicates",
             "attack_cost_eth": cost, "poisoning_gain_eth": gain_p,
             "stake_capital_cost_eth": float(sybil_attack_cost_eth(k, st, inputs.interest_rate_per_year, lock_years)),
             "honest_fees_per_tenure_eth": inputs.trainers * fee}
    bc = ceil_sig(res.challenger_bond_eth)
    worst = box_vertices(inputs, rule.dispute_gas_per_side)
    w = int(np.argmax(worst.gain_eth + worst.dispute_cost_eth))  # highest gas, lowest ETH price
    bribe = float(bribe_needed_eth(alpha * bs, worst.dispute_cost_eth[w], worst.verify_cost_eth[w], bc,
                                   inputs.interest_rate_per_year, res.extra["dispute_years"], 0.0))
    bribery = {"challengers": inputs.challengers, "reward_eth": alpha * bs, "bribe_per_challenger_eth": bribe,
               "bribe_all_cost_eth": inputs.challengers * bribe, "max_gain_eth": gain_max,
               "attacker_spend_eth": float(np.max(worst.attack_value_eth))}
    warnings = []
    if gain_p > 0 and fee > 0 and inputs.trainers * fee > gain_max:
        warnings.append(
            f"Sybil deterrence is expensive: {k} Sybil identities must cost >= {gain_p:.3g} ETH, so every trainer "
            f"burns a {fee:.3g} ETH registration fee ({inputs.trainers * fee:.3g} ETH per tenure for all trainers, "
            f"more than the value at stake); consider permissioned registration, reputation or contribution scoring, "
            "or a smaller poisoning_gain_share if poisoning cannot capture the whole value (docs/economics.md, 'Sybil poisoning')")
    if threat.game.lengthened:
        warnings.append(
            f"dispute clocks: a move clock of {units.hours_to_blocks(inputs.move_clock_hours)} blocks loses an honest move "
            f"by timeout too often under the threat model; lengthened to {threat.game.clock_blocks} blocks "
            f"(longest game {threat.game.game_bound_blocks} blocks)")
    latency = PUBLICATION_WINDOW_BLOCKS + trainer.window_blocks + res.period_blocks
    round_blocks = units.BLOCKS_PER_DAY / inputs.rounds_per_day
    if latency > round_blocks:
        warnings.append(
            f"round latency: publication {PUBLICATION_WINDOW_BLOCKS} + trainer challenge window {trainer.window_blocks} "
            f"+ challenge period {res.period_blocks} = {latency} blocks, longer than a round at rounds_per_day="
            f"{inputs.rounds_per_day:g} ({round_blocks:.4g} blocks); rounds are sequential (docs/protocol.md), so at "
            f"most {units.BLOCKS_PER_DAY / latency:.3g} rounds per day finalise")
    if inputs.poisoning_gain_share == 0:
        warnings.append("poisoning_gain_share=0: Sybil poisoning above the tolerance is not deterred")
    tg = training_dispute_gas(inputs)
    if tg is not None and tg.extrapolated:
        warnings.append(
            f"training-dispute gas at model_size={inputs.model_size:,} is extrapolated in log2 d from widths measured "
            f"up to {tg.measured_sizes[-1]:,} ({tg.gas_total:,.0f} gas; docs/economics.md, 'Training proofs')")
    sens = sensitivity(inputs, table, tolerance_source, res) if with_sensitivity else {}
    phi = ceil_sig(res.jackpot_rate)
    # Cost of the rounded parameters (the design's objective, nominal prices).
    comps = res.cost_components_eth
    scale = lambda key, new, old: comps[key] * (new / old if old else 1.0)  # noqa: E731
    total = (scale("sequencer_bond_capital_eth", bs, res.sequencer_bond_eth)
             + scale("challenger_bond_capital_eth", bc, res.challenger_bond_eth)
             + scale("trainer_stake_capital_eth", st, res.trainer_stake_eth)
             + scale("jackpot_eth", phi, res.jackpot_rate)
             + scale("registration_fee_eth", fee, res.registration_fee_eth) + comps["finality_delay_eth"])
    return Recommendation(
        challenge_period_blocks=res.period_blocks, sequencer_bond_eth=bs, challenger_bond_eth=bc,
        reward_share=alpha, trainer_stake_eth=st, jackpot_rate=phi, jackpot_eth=inputs.jackpot_eth,
        registration_fee_eth=fee, rule=rule, design=res, inputs=inputs, cost_eth_per_assertion=total, sybil=sybil,
        bribery=bribery,
        sensitivity=sens, warnings=tuple(warnings), user_inputs=frozenset(user_inputs), threat=threat,
        trainer_window=trainer,
        training_gas=tg,
        delay=_delay(inputs, bc, rule.dispute_gas_per_side, res.period_blocks,
                     (2 * workload.dispute_moves_per_side(inputs.trainers, inputs.model_size, rule=rule.name) + 1)
                     * (threat.game.clock_blocks if threat is not None else units.hours_to_blocks(inputs.move_clock_hours))),
    )


def inputs_from_mapping(values: Mapping[str, Any], where: str = "config") -> DesignInputs:
    """Build :class:`DesignInputs` from a mapping (TOML config or merged CLI flags)."""
    known = {f.name for f in fields(DesignInputs)}
    extra = sorted(set(values) - known)
    if extra:
        raise ParameterError.bad(f"{where}.{extra[0]}", values[extra[0]], "one of " + ", ".join(sorted(known)))
    try:
        return DesignInputs(**dict(values))
    except TypeError as exc:
        raise ParameterError.bad(where, dict(values), str(exc)) from None


def load_config(path: Path | str) -> dict[str, Any]:
    """Read a TOML config (keys: :class:`DesignInputs` fields, ranges as [low, high]; optional
    ``tolerance_table`` path); a ``[recommend]`` table is used if present."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError.bad("config", str(path), "an existing TOML file")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError.bad("config", str(path), f"valid TOML ({exc})") from None
    sub = data.get("recommend")
    return dict(sub) if isinstance(sub, dict) else data
