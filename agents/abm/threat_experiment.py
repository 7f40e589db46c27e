"""The ABM against the threat model: does any fraud finalise at the recommended period?

(docs/economics.md, 'Threat model: the period'; docs/abm_threats.md.) At the design that
``orfl recommend --threat-model`` gives, every fraud's honest watchers face the threat
processes of :mod:`agents.abm.threats` (censoring proposers, the strong-censorship episode
ended by the social response, an L1 outage, watcher availability with a common-mode
outage, censored dispute moves against the game's clocks), under both order-flow
settings (:func:`mechanism.economics.threats.mempool.frontrun_probability`: with a public
mempool the sequencer front-runs the first challenge with its own self-challenge).

Settings (each under both order flows, ``frauds`` attempted frauds each):

* ``recommended``: the design's period and move clock, the attacker's episode on the
  challenge; and ``recommended, episode on a move``: the same design, the episode on one
  honest move of the game. Expected: no fraud finalises.
* ``period - 20% of binding``: the period shortened by :data:`CUT` (20 %) of the binding threat's
  own component (:attr:`ThreatPeriod.components_blocks`); expected: some fraud finalises.
* ``move clock - 20% of binding``: the move clock shortened the same way, the episode on
  a move; expected: some fraud finalises by timeout.

Fast path: the run of ``frauds`` frauds is split into independent batches of
``batch_frauds`` (each a deployment of its own, one :class:`~agents.abm.model.RollupModel`
with its own seed from one :class:`numpy.random.SeedSequence`), and each model jumps from
event to event, so a fraud costs its transactions, not the ~51,000 blocks of its period
(the rollup state machine copies its storage per transaction, so one long ledger would
cost time quadratic in the frauds). Rates come with exact Clopper-Pearson 95 % intervals.

Contents: :class:`ThreatRun`, :class:`ThreatExperiment`, :func:`threat_experiment`.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel

__all__ = ["CUT", "SETTINGS", "ThreatExperiment", "ThreatRun", "clopper_pearson", "threat_experiment"]

#: Share of the binding threat's component taken off in the "cut" settings.
CUT = 0.2
RECOMMENDED = "recommended"
RECOMMENDED_MOVE = "recommended, episode on a move"
PERIOD_CUT = f"period - {CUT:.0%} of binding"
CLOCK_CUT = f"move clock - {CUT:.0%} of binding"
#: setting -> (episode target, shorten the period?, shorten the move clock?, fraud expected to finalise?)
SETTINGS: dict[str, tuple[str, bool, bool, bool]] = {
    RECOMMENDED: ("challenge", False, False, False),
    RECOMMENDED_MOVE: ("move", False, False, False),
    PERIOD_CUT: ("challenge", True, False, True),
    CLOCK_CUT: ("move", False, True, True),
}


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """Exact 95 % binomial interval (Clopper and Pearson 1934; scipy's ``binomtest``)."""
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class ThreatRun:
    """One setting under one order flow: attempts, outcomes and the 95 % interval."""

    setting: str
    order_flow: str
    episode_target: str
    period_blocks: int
    move_clock_blocks: int
    attempts: int
    finalised: int
    caught: int
    honest_timeouts: int
    self_challenge_reverts: int  # caught frauds the sequencer reverted itself, front-running the challenge
    sequencer_loss_per_caught_eth: float  # its mean loss per caught fraud: (1 - f alpha) B_s plus costs
    rate_ci_low: float
    rate_ci_high: float
    binding_threat: str
    binding_component_blocks: float
    expect_finalise: bool
    seed: int
    batches: int
    unresolved: int  # frauds neither finalised nor caught when the run ended (0: every one decided)
    seconds: float

    @property
    def as_expected(self) -> bool:
        """No fraud finalised where none should; some did where the cut should let them."""
        decided = self.unresolved == 0 and self.attempts > 0
        return decided and ((self.finalised > 0) if self.expect_finalise else (self.finalised == 0))


@dataclass(frozen=True)
class ThreatExperiment:
    """Every run of :func:`threat_experiment`, with the design and threat model they used."""

    runs: tuple[ThreatRun, ...]
    threat_model: dict[str, Any]  # ThreatModel.provenance()
    design: dict[str, Any]  # the recommended design (Design fields)
    eps: float
    fraud_probability_bound: float  # the analytic union bound at the recommended period

    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([{**asdict(r), "as_expected": r.as_expected} for r in self.runs])

    def run(self, setting: str, order_flow: str) -> ThreatRun:
        return next(r for r in self.runs if r.setting == setting and r.order_flow == order_flow)

    @property
    def passed(self) -> bool:
        return all(r.as_expected for r in self.runs)


def _config(base: ABMConfig, order_flow: str, target: str, period: int, clock: int, frauds: int, seed: int,
            threat_model: str) -> ABMConfig:
    return base.replace(sequencer_strategy="fraudulent", challenger_strategy="always", scenario="plain_fraud",
                        honest_watchers=base.challengers, threat_model=threat_model, order_flow=order_flow,
                        episode_target=target, challenge_period_blocks=period, move_clock_blocks=clock,
                        max_frauds=frauds, seed=seed, blocks=1)


def threat_experiment(rec: Any, *, frauds: int = 1000, seed: int = 20261130,
                      order_flows: tuple[str, ...] = ("public", "private"),
                      settings: tuple[str, ...] = tuple(SETTINGS), batch_frauds: int = 25,
                      threat_model: str = "default") -> ThreatExperiment:
    """Run the ABM at ``rec`` (a :class:`mechanism.economics.recommend.Recommendation`
    computed under the threat model ``threat_model``, so ``rec.threat`` names the binding
    threat) for each setting and order flow, ``frauds`` attempted frauds each.

    The ABM's challengers are the threat model's m watchers, honest (they verify and
    challenge every fraud; their availability is the threat model's); the economy is the
    design's worst vertex (:func:`agents.abm.adapter.recommended_config`).
    """
    from agents.abm.adapter import recommended_config
    from agents.abm.threats import load_threats
    from mechanism.errors import ParameterError

    if rec.threat is None:
        raise ParameterError.bad("rec", "no threat check", "a recommendation computed under a threat model")
    for name, value in (("frauds", frauds), ("batch_frauds", batch_frauds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError.bad(name, value, "an integer >= 1")
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ParameterError.bad("settings", unknown, f"names from {list(SETTINGS)}")
    model = load_threats(threat_model)
    tp = rec.threat
    component = float(tp.components_blocks[tp.binding_threat])
    base = recommended_config(rec=rec).replace(challengers=model.watchers)
    period, clock = base.challenge_period_blocks, base.move_clock_blocks
    runs = []
    root = np.random.SeedSequence(seed)
    for setting in settings:
        target, cut_period, cut_clock, expect = SETTINGS[setting]
        t_period = period - int(CUT * component) if cut_period else period
        t_clock = clock - int(CUT * component) if cut_clock else clock
        if t_period < 1 or t_clock < 1:
            raise ParameterError.bad("binding_component_blocks", component,
                                     f"at most the period / {CUT:g} and the move clock / {CUT:g}")
        for flow in order_flows:
            sizes = [batch_frauds] * (frauds // batch_frauds) + ([frauds % batch_frauds] if frauds % batch_frauds else [])
            seeds = [int(x) for x in root.spawn(1)[0].generate_state(len(sizes))]  # one per batch
            t0 = time.perf_counter()
            fin = caught = timeouts = attempts = reverts = 0
            loss = 0.0
            for n, sd in zip(sizes, seeds, strict=True):
                cfg = _config(base, flow, target, t_period, t_clock, n, sd, threat_model)
                m = RollupModel(cfg, collect=False)
                s = m.run(blocks=n * (t_period + 2 * (cfg.dispute_depth + 1) * (t_clock + 1)) + 10 * t_period)
                attempts += s["frauds_attempted"]
                fin += s["frauds_finalized"]
                caught += s["frauds_caught"]
                timeouts += s["honest_timeouts"]
                reverts += s["self_challenge_reverts"]
                if s["frauds_finalized"] == 0:
                    loss -= s["sequencer_profit_eth"]
            lo, hi = clopper_pearson(fin, attempts)
            runs.append(ThreatRun(
                setting=setting, order_flow=flow, episode_target=target, period_blocks=t_period,
                move_clock_blocks=t_clock, attempts=attempts, finalised=fin, caught=caught, honest_timeouts=timeouts,
                self_challenge_reverts=reverts, sequencer_loss_per_caught_eth=loss / caught if caught and not fin else math.nan,
                rate_ci_low=lo, rate_ci_high=hi, binding_threat=tp.binding_threat, binding_component_blocks=component,
                expect_finalise=expect, seed=seed, batches=len(sizes), unresolved=attempts - fin - caught,
                seconds=time.perf_counter() - t0))
    return ThreatExperiment(runs=tuple(runs), threat_model=model.provenance(), design=asdict(rec.as_design()),
                            eps=float(tp.eps), fraud_probability_bound=float(tp.fraud_probability))
