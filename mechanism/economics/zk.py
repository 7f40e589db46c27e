"""Cost per round and time to finality of three designs: optimistic, hybrid, ZK validity.

docs/cost.md, 'Designs'. Every input is ``measured`` (this toolkit: the EVM-calibrated
dispute gas model, the ZK proofs of ``benchmarks/zk.py``), ``user`` (a flag) or ``cited``
(with its reference); :attr:`RoundCosts.sources` says which.

* **optimistic**: per round the assertion and its finalisation (calibrated base gas of
  ``post_assertion`` and ``finalise``, :data:`mechanism.rollup.gas.BASE_GAS`, plus two
  intrinsic gas charges), the expected dispute cost ``dispute_rate x 2 x gas per side``
  (:func:`mechanism.economics.workload.dispute_gas_per_side`, both sides may spend it),
  the round's inputs published in blobs (retained for the period, :mod:`.data_availability`),
  and the opportunity cost of the sequencer bond locked for the period, ``B_s r T``
  (docs/economics.md, symbols). Finality = the challenge period T.
* **hybrid**, the cheaper of two variants:
  (a) *bisection + ZK one-step*: the same game, but the leaf's arithmetic is a verified
  SNARK instead of the Vyper one-step: the one-step transaction keeps its Merkle openings
  (one-step gas minus the calibrated per-value arithmetic ``e_val[rule] n C``,
  :mod:`mechanism.dispute.gas`) and adds the measured ``verifyProof`` transaction; the
  prover proves one chunk (n x C values) at dispute time. Finality = T.
  (b) *single-round ZK fault proof* (OP Succinct Lite: one challenge, then one validity
  proof of the whole round, no bisection): a challenge transaction plus one
  ``verifyProof``; the prover proves the whole round only when challenged; the period
  swaps the bisection's ``2 x moves x clock`` blocks (:func:`mechanism.economics.period.dispute_blocks`)
  for the proving time. Finality = that period.
* **zk_validity**: every round is proved; per round the measured ``verifyProof``
  transaction plus the assertion, the prover's CPU time priced per core-hour, and only
  the *output* model published (the proof attests the inputs' aggregation; nobody needs
  the inputs to challenge). No bond is locked. Finality = proving wall time on
  ``prover_cores`` cores (independent chunk proofs in parallel) plus one block.

Prover time is extrapolated from the measured proofs (:mod:`mechanism.zk.fit`) with its
95% interval; combining chunk proofs into one (recursion) is not measured and not
included, so ZK prover costs are lower bounds. Without measured proofs the verification
gas falls back to the cited Groth16 anchors (:data:`GROTH16_MIN_GAS`, :data:`SP1_GROTH16_GAS`)
and the prover time to zk-OPML's EZKL times (:data:`ZKOPML_EZKL_SECONDS_PER_PARAM`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from mechanism.economics.data_availability import RoundDataAvailability, round_data_availability
from mechanism.errors import OrflError, ParameterError
from mechanism.units import (
    BLOCK_TIME_SECONDS,
    DEFAULT_COMPUTE_USD_PER_HOUR,
    DEFAULT_ETH_PRICE_USD,
    DEFAULT_GAS_PRICE_GWEI,
    DEFAULT_INTEREST_RATE_PER_YEAR,
    SECONDS_PER_HOUR,
    SECONDS_PER_YEAR,
    TX_INTRINSIC_GAS,
    WEI_PER_ETH,
    WEI_PER_GWEI,
)

DESIGNS = ("optimistic", "hybrid", "zk_validity")

#: Groth16 verification with 3 public inputs at EIP-1108 prices: one 4-pair pairing check
#: ``45,000 + 4 x 34,000 = 181,000`` gas plus ``ecMul``/``ecAdd`` per public input (6,000 +
#: 150 each): about 181k minimum (EIP-1108, "Reduce alt_bn128 precompile gas costs", 2019).
GROTH16_MIN_GAS = 181_000
#: Gas of verifying an SP1 Groth16 proof on chain in practice: ~270k (Succinct, SP1
#: documentation, "Onchain verification", 2024-2025).
SP1_GROTH16_GAS = 270_000
#: zk-OPML (Conway et al., "opML/zkOPML", 2024): EZKL proved 15k-62k-parameter models in
#: 9-256 s and ran out of memory at 3.5M parameters; ~256 s / 62k params = 4.1 ms per
#: parameter, the anchor used without measured proofs.
ZKOPML_EZKL_SECONDS_PER_PARAM = 256.0 / 62_000
#: Price of one CPU core-hour, USD: the dated compute assumption of :mod:`mechanism.units`
#: (8-vCPU on-demand cloud instances at 0.3-0.7 USD/h in 2025 list prices, 0.5 nominal)
#: divided by its 8 vCPUs.
DEFAULT_USD_PER_CORE_HOUR = DEFAULT_COMPUTE_USD_PER_HOUR / 8
#: Disputes per round the optimistic designs pay for in expectation (an assumption: in
#: the deterrence equilibrium fraud is rare; the report sweeps it).
DEFAULT_DISPUTE_RATE = 0.01
#: Cores a prover runs in parallel (an assumption; the report sweeps it).
DEFAULT_PROVER_CORES = 64


@dataclass(frozen=True)
class CostInputs:
    """One round's inputs. ``None`` means: take the recommended value (period, bond) or
    the model (dispute gas)."""

    rule: str = "median"
    n_trainers: int = 50
    model_size: int = 1_000_000
    bytes_per_value: int = 8
    gas_price_gwei: float = DEFAULT_GAS_PRICE_GWEI
    eth_price_usd: float = DEFAULT_ETH_PRICE_USD
    interest_rate_per_year: float = DEFAULT_INTEREST_RATE_PER_YEAR
    dispute_rate: float = DEFAULT_DISPUTE_RATE
    usd_per_core_hour: float = DEFAULT_USD_PER_CORE_HOUR
    prover_cores: int = DEFAULT_PROVER_CORES
    period_blocks: int | None = None
    sequencer_bond_eth: float | None = None
    move_clock_blocks: int | None = None  # None: the recommended design's (else the default Design's)
    dispute_gas_per_side: float | None = None
    finality_seconds: float = math.inf
    user: frozenset[str] = frozenset()  # the fields the user set

    def __post_init__(self) -> None:
        from mechanism.zk.circuits import ZK_RULES

        checks: list[tuple[str, Any, bool, str]] = [
            ("rule", self.rule, self.rule in ZK_RULES, f"one of {', '.join(ZK_RULES)} (rules with a ZK one-step)"),
            ("trainers", self.n_trainers, isinstance(self.n_trainers, int) and 1 <= self.n_trainers <= 10_000,
             "an integer in [1, 10000]"),
            ("params", self.model_size, isinstance(self.model_size, int) and 1 <= self.model_size <= 10**12,
             "an integer in [1, 1e12]"),
            ("bytes_per_value", self.bytes_per_value, 1 <= self.bytes_per_value <= 32, "an integer in [1, 32]"),
            ("gas_price_gwei", self.gas_price_gwei, _pos(self.gas_price_gwei), "a price > 0 gwei"),
            ("eth_price_usd", self.eth_price_usd, _pos(self.eth_price_usd), "a price > 0 USD"),
            ("interest_rate_per_year", self.interest_rate_per_year, 0 <= self.interest_rate_per_year < 10,
             "a rate in [0, 10) per year"),
            ("dispute_rate", self.dispute_rate, 0 <= self.dispute_rate <= 1, "a rate in [0, 1] disputes per round"),
            ("usd_per_core_hour", self.usd_per_core_hour, _pos(self.usd_per_core_hour), "a price > 0 USD"),
            ("prover_cores", self.prover_cores, isinstance(self.prover_cores, int) and self.prover_cores >= 1,
             "an integer >= 1"),
            ("period_blocks", self.period_blocks, self.period_blocks is None or self.period_blocks >= 1,
             "an integer >= 1"),
            ("move_clock_blocks", self.move_clock_blocks,
             self.move_clock_blocks is None or self.move_clock_blocks >= 1, "an integer >= 1"),
            ("sequencer_bond_eth", self.sequencer_bond_eth,
             self.sequencer_bond_eth is None or self.sequencer_bond_eth >= 0, "an amount >= 0 ETH"),
            ("dispute_gas", self.dispute_gas_per_side,
             self.dispute_gas_per_side is None or self.dispute_gas_per_side > 0, "a gas amount > 0"),
            ("finality_seconds", self.finality_seconds, self.finality_seconds > 0, "a time > 0 s"),
        ]
        for name, value, ok, allowed in checks:
            if not ok:
                raise ParameterError.bad(name, value, allowed)


def _pos(x: float) -> bool:
    return math.isfinite(x) and x > 0


@dataclass(frozen=True)
class DesignCost:
    """One design's cost per round and time to finality."""

    design: str
    variant: str
    gas: float  # expected L1 execution gas per round (transactions; blobs excluded)
    usd: float  # everything per round: gas, data availability, capital, prover
    usd_low: float  # the prover's 95% interval carried through
    usd_high: float
    finality_seconds: float
    data_availability: dict[str, Any]
    components_usd: dict[str, float]
    prover_cpu_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RoundCosts:
    inputs: CostInputs
    designs: tuple[DesignCost, ...]
    variants: tuple[DesignCost, ...]  # both hybrid variants
    period_blocks: int
    dispute_blocks: int
    sequencer_bond_eth: float
    dispute_gas_per_side: float
    onestep_gas: float
    zk_verify_gas: float  # one whole-round proof (n + 1 public roots)
    zk_onestep_verify_gas: float  # one chunk's one-step proof (n x C + C public values)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def design(self, name: str) -> DesignCost:
        return next(d for d in self.designs if d.design == name)

    @property
    def cheapest(self) -> str | None:
        """The cheapest design (USD per round) whose finality meets the user's bound."""
        ok = [d for d in self.designs if d.finality_seconds <= self.inputs.finality_seconds]
        return min(ok, key=lambda d: d.usd).design if ok else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {d.design: {"gas": d.gas, "usd": d.usd, "usd_ci95": [d.usd_low, d.usd_high],
                                          "finality_seconds": d.finality_seconds, "variant": d.variant,
                                          "data_availability": d.data_availability,
                                          "components_usd": d.components_usd,
                                          "prover_cpu_seconds": d.prover_cpu_seconds}
                               for d in self.designs}
        out["hybrid_variants"] = {v.variant: {"gas": v.gas, "usd": v.usd, "finality_seconds": v.finality_seconds}
                                  for v in self.variants}
        out["cheapest"] = self.cheapest
        out["finality_bound_seconds"] = self.inputs.finality_seconds
        out["inputs"] = {"rule": self.inputs.rule, "trainers": self.inputs.n_trainers,
                         "params": self.inputs.model_size, "period_blocks": self.period_blocks,
                         "dispute_blocks": self.dispute_blocks, "sequencer_bond_eth": self.sequencer_bond_eth,
                         "dispute_gas_per_side": self.dispute_gas_per_side, "onestep_gas": self.onestep_gas,
                         "zk_verify_gas": self.zk_verify_gas,
                         "zk_onestep_verify_gas": self.zk_onestep_verify_gas, "dispute_rate": self.inputs.dispute_rate,
                         "usd_per_core_hour": self.inputs.usd_per_core_hour, "prover_cores": self.inputs.prover_cores,
                         "gas_price_gwei": self.inputs.gas_price_gwei, "eth_price_usd": self.inputs.eth_price_usd}
        out["sources"] = self.sources
        return out


# ------------------------------------------------------------------ ZK inputs

@dataclass(frozen=True)
class ZkModel:
    """What the designs need from the ZK measurements, or from the cited anchors."""

    verify_source: str
    prover_source: str
    fit: Any  # mechanism.zk.fit.ProverFit | None

    def verify_gas(self, public_values: float) -> float:
        """Gas of one ``verifyProof`` transaction with ``public_values`` public inputs: the
        measured fit, or the cited SP1 Groth16 figure (a constant: Groth16 wraps hash
        their public inputs into one)."""
        if self.fit is not None:
            return float(self.fit.verify_gas(public_values))
        return float(SP1_GROTH16_GAS)

    def prover_seconds(self, rule: str, n: int, coordinates: float) -> tuple[float, float, float, int]:
        """(CPU seconds, 95% low, 95% high, proofs) of proving ``rule`` over n x coordinates."""
        if self.fit is not None:
            p = self.fit.predict(rule, n, coordinates)
            return p.cpu_seconds, p.cpu_seconds_low, p.cpu_seconds_high, p.proofs
        s = ZKOPML_EZKL_SECONDS_PER_PARAM * n * coordinates
        return s, s / 2, s * 2, 1


@functools.cache
def zk_model() -> ZkModel:
    """The measured ZK model when ``benchmarks/zk.py`` has run, else the cited anchors."""
    from mechanism.zk.fit import fit, load_measurements

    m = load_measurements()
    if m is None or not m.rows:
        return ZkModel(f"cited: SP1 Groth16 on-chain verification ~{SP1_GROTH16_GAS:,} gas "
                       f"(Succinct SP1 docs); minimum {GROTH16_MIN_GAS:,} at EIP-1108 prices",
                       "cited: zk-OPML, EZKL 9-256 s for 15k-62k parameters (4.1 ms/parameter, x/2 to x2)", None)
    f = fit(m)
    return ZkModel(f"{m.source} (Halo2/KZG verifyProof in py-evm, {f.points} proofs: {f.verify_gas_base:,.0f} gas "
                   f"+ {f.verify_gas_per_instance:,.0f} per public value)",
                   f"{m.source} ({f.method})", f)


# ------------------------------------------------------------------ optimistic inputs

@dataclass(frozen=True)
class OptimisticInputs:
    period_blocks: int
    dispute_blocks: int
    sequencer_bond_eth: float
    gas_per_side: float
    onestep_gas: float
    arithmetic_gas: float  # the one-step's per-value arithmetic (what a ZK one-step replaces)
    chunk: int
    sources: dict[str, dict[str, str]]


def optimistic_inputs(i: CostInputs) -> OptimisticInputs:
    """Period, bond and dispute gas: the user's, or the recommendation's and the model's."""
    from mechanism.design import Design
    from mechanism.dispute.gas import DEFAULT
    from mechanism.dispute.gas_fold import rule_game_cost
    from mechanism.economics import workload
    from mechanism.economics.period import dispute_blocks as game_blocks

    src: dict[str, dict[str, str]] = {}
    chunk, arity = workload.dispute_geometry()
    game = rule_game_cost(i.rule, i.n_trainers, i.model_size, chunk, arity)
    gas = float(game.gas_per_side)
    onestep = float(game.max_tx_gas)
    src["dispute_gas_per_side"] = {"source": "measured", "detail": workload.dispute_gas_source(i.rule)}
    if i.dispute_gas_per_side is not None:
        onestep *= i.dispute_gas_per_side / gas
        gas = float(i.dispute_gas_per_side)
        src["dispute_gas_per_side"] = {"source": "user", "detail": "--dispute-gas"}
    moves = int(game.moves_per_side)
    period, bond = i.period_blocks, i.sequencer_bond_eth
    design = Design()
    clock = design.move_clock_blocks
    if period is None or bond is None:
        rec = _recommendation(i.rule, i.n_trainers, i.model_size)
        if isinstance(rec, str):
            why = f"the default Design (no recommendation: {rec})"
            rec_period, rec_bond = design.challenge_period_blocks, design.sequencer_bond_eth
            kind = "assumed"
        else:
            rec_design, why = rec
            rec_period, rec_bond = rec_design.challenge_period_blocks, rec_design.sequencer_bond_eth
            clock = rec_design.move_clock_blocks
            kind = "recommended"
        if period is None:
            period = int(rec_period)
            src["period_blocks"] = {"source": kind, "detail": why}
        if bond is None:
            bond = float(rec_bond)
            src["sequencer_bond_eth"] = {"source": kind, "detail": why}
    if i.move_clock_blocks is not None:
        clock = i.move_clock_blocks
    for name in ("period_blocks", "sequencer_bond_eth"):
        src.setdefault(name, {"source": "user", "detail": f"--{name.replace('_', '-')}"})
    return OptimisticInputs(period_blocks=int(period), dispute_blocks=int(game_blocks(moves, clock)),
                            sequencer_bond_eth=float(bond), gas_per_side=gas, onestep_gas=onestep,
                            arithmetic_gas=min(onestep, DEFAULT.value_gas(i.rule) * i.n_trainers * chunk),
                            chunk=chunk, sources=src)


@functools.cache
def _recommendation(rule: str, n: int, d: int) -> Any:
    """(design, how it was obtained) from ``orfl recommend`` at this size, or why there is
    none. Tried in order: the rule in the default scenario; the rule at the least
    heterogeneous measured non-IID level (as the report does when the default scenario has
    no design, :func:`analyses.report.report_scenario`); then the same two with the rule
    ``recommend`` chooses (its period and bond, named in the answer)."""
    from mechanism.economics.recommend import recommend
    from mechanism.economics.scenario import DesignInputs
    from mechanism.economics.tolerance import load_tolerance_table

    alpha = max(load_tolerance_table(None, None).alphas)
    errors = []
    for r, a in ((rule, None), (rule, alpha), (None, None), (None, alpha)):
        try:
            rec = recommend(DesignInputs(rule=r, trainers=n, model_size=d, non_iid_alpha=a), with_sensitivity=False)
        except OrflError as e:
            errors.append(str(e))
            continue
        how = f"orfl recommend --trainers {n} --model-size {d}"
        how += f" --rule {r}" if r else f" (its rule: {rec.rule.name}; {rule} has no design: {errors[0]})"
        how += f" --non-iid-alpha {a:g} (the default scenario has none)" if a is not None else ""
        return rec.as_design(), how
    return "; ".join(errors)


# ------------------------------------------------------------------ the designs

def _eth(gas: float, i: CostInputs) -> float:
    return gas * i.gas_price_gwei * WEI_PER_GWEI / WEI_PER_ETH


def da_choice(r: RoundDataAvailability, hold_blocks: float) -> tuple[str, float]:
    """(``blobs`` or ``calldata``, USD): blobs when they are cheaper and the data must be
    held no longer than blob retention allows (``publish + hold`` within 4,096 epochs,
    :func:`mechanism.economics.data_availability.retention_slack_blocks`), else calldata."""
    from mechanism.economics.data_availability import retention_slack_blocks

    fits = retention_slack_blocks(hold_blocks, 0.0, r.blobs.blocks_at_target) >= 0
    if fits and r.blobs_usd <= r.calldata_usd:
        return "blobs", r.blobs_usd
    return "calldata", r.calldata_usd


def _da_dict(r: RoundDataAvailability, what: str, used: str) -> dict[str, Any]:
    return {"what": what, "used": used, "bytes": r.nbytes, "calldata_gas": r.calldata.gas,
            "calldata_usd": r.calldata_usd, "blobs": r.blobs.blobs, "blob_gas": r.blobs.blob_gas,
            "blobs_usd": r.blobs_usd, "blob_blocks_at_target": r.blobs.blocks_at_target, "cheaper": r.cheaper}


def round_costs(i: CostInputs, opt: OptimisticInputs | None = None, zk: ZkModel | None = None) -> RoundCosts:
    """The three designs for one round (module docstring)."""
    from mechanism.rollup.gas import BASE_GAS

    opt = opt or optimistic_inputs(i)
    zk = zk or zk_model()
    usd = i.eth_price_usd
    core_usd_per_s = i.usd_per_core_hour / SECONDS_PER_HOUR
    base = BASE_GAS["post_assertion"] + BASE_GAS["finalise"] + 2 * TX_INTRINSIC_GAS
    challenge_gas = BASE_GAS["challenge_assertion"] + TX_INTRINSIC_GAS

    da_in = round_data_availability(i.n_trainers, i.model_size, i.bytes_per_value, gas_price_gwei=i.gas_price_gwei,
                                    eth_price_usd=usd)
    da_out = round_data_availability(1, i.model_size, i.bytes_per_value, gas_price_gwei=i.gas_price_gwei,
                                     eth_price_usd=usd)
    # inputs must stay readable through the period and the longest dispute; the output
    # of a validity proof only until the next round reads it (one block is enough here)
    in_mode, da_in_usd = da_choice(da_in, opt.period_blocks + opt.dispute_blocks)
    out_mode, da_out_usd = da_choice(da_out, 1)
    inputs_what = "the n updates (challengers re-execute)"

    def capital(period_blocks: float) -> float:
        return opt.sequencer_bond_eth * i.interest_rate_per_year * period_blocks * BLOCK_TIME_SECONDS \
            / SECONDS_PER_YEAR * usd

    # optimistic
    o_gas = base + i.dispute_rate * 2 * opt.gas_per_side
    o = DesignCost("optimistic", "bisection to a Vyper one-step", o_gas,
                   _eth(o_gas, i) * usd + da_in_usd + capital(opt.period_blocks), 0.0, 0.0,
                   opt.period_blocks * BLOCK_TIME_SECONDS, _da_dict(da_in, inputs_what, in_mode),
                   {"gas": _eth(o_gas, i) * usd, "data_availability": da_in_usd,
                    "capital": capital(opt.period_blocks), "prover": 0.0})
    o = replace(o, usd_low=o.usd, usd_high=o.usd)

    # hybrid (a): bisection + ZK one-step
    # the one-step passes the n x C opened values and C outputs as public inputs
    verify_a = zk.verify_gas(i.n_trainers * opt.chunk + opt.chunk)
    side_a = opt.gas_per_side - opt.arithmetic_gas + verify_a
    pa, pa_lo, pa_hi, _ = zk.prover_seconds(i.rule, i.n_trainers, opt.chunk)
    a_gas = base + i.dispute_rate * 2 * side_a
    a_fixed = _eth(a_gas, i) * usd + da_in_usd + capital(opt.period_blocks)
    a = DesignCost("hybrid", "bisection to a chunk + ZK one-step", a_gas,
                   a_fixed + i.dispute_rate * pa * core_usd_per_s, a_fixed + i.dispute_rate * pa_lo * core_usd_per_s,
                   a_fixed + i.dispute_rate * pa_hi * core_usd_per_s, opt.period_blocks * BLOCK_TIME_SECONDS,
                   _da_dict(da_in, inputs_what, in_mode),
                   {"gas": _eth(a_gas, i) * usd, "data_availability": da_in_usd, "capital": capital(opt.period_blocks),
                    "prover": i.dispute_rate * pa * core_usd_per_s}, pa)

    # whole-round proof (zk_validity every round; hybrid (b) only when challenged): public
    # inputs are the n input roots and the output root (their in-circuit hashing is not
    # measured: a lower bound on the prover)
    verify_round = zk.verify_gas(i.n_trainers + 1)
    pr, pr_lo, pr_hi, proofs = zk.prover_seconds(i.rule, i.n_trainers, i.model_size)
    per_proof = pr / proofs
    wall = per_proof * math.ceil(proofs / i.prover_cores)
    prove_blocks = math.ceil(wall / BLOCK_TIME_SECONDS)

    # hybrid (b): single-round ZK fault proof
    period_b = max(1, opt.period_blocks - opt.dispute_blocks) + prove_blocks
    b_gas = base + i.dispute_rate * (challenge_gas + verify_round)
    b_fixed = _eth(b_gas, i) * usd + da_in_usd + capital(period_b)
    b = DesignCost("hybrid", "single-round ZK fault proof (one challenge, one proof)", b_gas,
                   b_fixed + i.dispute_rate * pr * core_usd_per_s, b_fixed + i.dispute_rate * pr_lo * core_usd_per_s,
                   b_fixed + i.dispute_rate * pr_hi * core_usd_per_s, period_b * BLOCK_TIME_SECONDS,
                   _da_dict(da_in, inputs_what, in_mode),
                   {"gas": _eth(b_gas, i) * usd, "data_availability": da_in_usd, "capital": capital(period_b),
                    "prover": i.dispute_rate * pr * core_usd_per_s}, pr)
    hybrid = min((a, b), key=lambda x: x.usd)

    # zk validity
    v_gas = BASE_GAS["post_assertion"] + TX_INTRINSIC_GAS + verify_round
    v_fixed = _eth(v_gas, i) * usd + da_out_usd
    v = DesignCost("zk_validity", "every round proved", v_gas, v_fixed + pr * core_usd_per_s,
                   v_fixed + pr_lo * core_usd_per_s, v_fixed + pr_hi * core_usd_per_s,
                   wall + BLOCK_TIME_SECONDS, _da_dict(da_out, "the output model only (the proof attests the inputs)", out_mode),
                   {"gas": _eth(v_gas, i) * usd, "data_availability": da_out_usd, "capital": 0.0,
                    "prover": pr * core_usd_per_s}, pr)

    src = dict(opt.sources)
    src["zk_verify_gas"] = {"source": "measured" if zk.fit is not None else "cited", "detail": zk.verify_source}
    src["prover_seconds"] = {"source": "measured" if zk.fit is not None else "cited", "detail": zk.prover_source}
    src["usd_per_core_hour"] = ({"source": "user", "detail": "--usd-per-core-hour"} if "usd_per_core_hour" in i.user
                                else {"source": "cited", "detail": "mechanism/units.py DEFAULT_COMPUTE_USD_PER_HOUR "
                                      "(dated 2026-11, 8-vCPU on-demand list prices) / 8 vCPUs"})
    for name in ("dispute_rate", "prover_cores"):
        src[name] = {"source": "user", "detail": f"--{name.replace('_', '-')}" if name in i.user
                     else "default assumption (docs/cost.md)"}
    return RoundCosts(inputs=i, designs=(o, hybrid, v), variants=(a, b), period_blocks=opt.period_blocks,
                      dispute_blocks=opt.dispute_blocks, sequencer_bond_eth=opt.sequencer_bond_eth,
                      dispute_gas_per_side=opt.gas_per_side, onestep_gas=opt.onestep_gas, zk_verify_gas=verify_round,
                      zk_onestep_verify_gas=verify_a,
                      sources=src)
