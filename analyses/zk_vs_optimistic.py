"""Report section: ZK proofs against fraud proofs, per round: cost against time to finality.

The one-step of mean, median and trimmed mean proved with a Halo2/KZG SNARK on this
machine (``benchmarks/zk.py``: setup, prove and verify seconds, proof bytes, and the
generated Solidity verifier's gas in py-evm), the prover fitted against the circuit's
size and extrapolated to whole rounds, and the three designs of
:mod:`mechanism.economics.zk` (optimistic, hybrid, ZK validity) over model size, trainers,
the sequencer bond (which scales with the value at stake) and the dispute rate
(docs/cost.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict

TITLE = "ZK vs optimistic: proved one-steps, prover extrapolation, cost-finality frontier"
RULE = "median"
TRAINERS = 50
MODEL_SIZES = (10**4, 10**5, 10**6, 10**7, 10**8, 10**9)
TRAINER_COUNTS = (10, 50, 200)
BONDS_ETH = (1.0, 10.0, 100.0, 1000.0)
DISPUTE_RATES = (0.0, 0.01, 0.1, 1.0)
DESIGN_NAMES = ("optimistic", "hybrid", "zk_validity")


@dataclass(frozen=True)
class ZkResults(SectionResults):
    proofs: Any  # DataFrame: the measured proofs (empty when none)
    proofs_source: str
    verify_source: str
    prover_method: str
    exponent: float
    verify_gas_base: float
    verify_gas_per_value: float
    frontier: Any  # DataFrame: one row per (d, design)
    extrapolation: Any  # DataFrame: prover per model size
    sweeps: Any  # DataFrame: (sweep, value, design) rows at d = 1e6
    vyper_onestep_gas: float
    zk_onestep_gas: float
    onestep_public_values: int
    period_blocks: int
    period_source: str
    bond_eth: float
    usd_per_core_hour: float
    prover_cores: int
    dispute_rate: float
    groth16_min_gas: int
    sp1_gas: int
    zkopml_seconds_per_param: float
    measured_seconds_per_value: float | None

    @property
    def measured(self) -> bool:
        return len(self.proofs) > 0

    @property
    def proofs_verified(self) -> Verdict:
        n = len(self.proofs)
        ok = n > 0 and bool(self.proofs["verified"].all() and self.proofs["exact"].all())
        evm = n > 0 and bool(self.proofs.get("evm_accepted", False).all()) \
            and bool(self.proofs.get("evm_rejects_tampered", False).all())
        return Verdict("ZK one-step: every measured proof verifies, equals the integer rule, and the EVM "
                       "verifier accepts it and rejects a tampered copy", ok and evm,
                       f"{n} proofs from {self.proofs_source}")

    def cheapest(self, d: int, bound_seconds: float = float("inf"), without_da: bool = False) -> str | None:
        """The cheapest design at model size ``d`` final within ``bound_seconds``
        (``without_da``: excluding the data-availability cost)."""
        rows = self.frontier[(self.frontier["params"] == d) & (self.frontier["finality_seconds"] <= bound_seconds)]
        if rows.empty:
            return None
        cost = rows["usd"] - rows["da_usd"] if without_da else rows["usd"]
        return str(rows.loc[cost.idxmin(), "design"])

    def verdicts(self) -> list[Verdict]:
        return [self.proofs_verified]

    def measurements(self) -> list[Measurement]:
        src = "measured" if self.measured else "cited"
        out = [Measurement("ZK verifyProof transaction (fixed part)", self.verify_gas_base, "gas", src,
                           self.verify_source)]
        if self.measured:
            row = self.proofs.iloc[0]
            out.append(Measurement(f"ZK prove time, {row['rule']} n={row['n_trainers']} c={row['chunk_coordinates']}",
                                   float(row["prove_cpu_seconds"]), "CPU s", "measured", self.proofs_source))
        return out

    def tables(self) -> dict[str, Any]:
        return {"zk_proofs": self.proofs, "zk_prover_extrapolation": self.extrapolation,
                "zk_frontier": self.frontier, "zk_sweeps": self.sweeps}

    def numbers(self) -> dict[str, Any]:
        return {"verify_gas_base": self.verify_gas_base, "verify_gas_per_value": self.verify_gas_per_value,
                "exponent": self.exponent, "vyper_onestep_gas": self.vyper_onestep_gas,
                "zk_onestep_gas": self.zk_onestep_gas, "cheapest_ref": self.cheapest(10**6)}

    def params(self) -> dict[str, Any]:
        return {"rule": RULE, "trainers": TRAINERS, "model_sizes": list(MODEL_SIZES), "bond_eth": self.bond_eth,
                "period_blocks": self.period_blocks, "usd_per_core_hour": self.usd_per_core_hour,
                "prover_cores": self.prover_cores, "dispute_rate": self.dispute_rate}


def run(ctx: ReportContext) -> ZkResults:
    import pandas as pd

    from analyses.onchain_cost import reference_design, reference_period
    from mechanism.economics import zk as z
    from mechanism.economics.workload import dispute_geometry

    model = z.zk_model()
    period, _, where = reference_period()
    design, _ = reference_design()
    bond, clock = float(design.sequencer_bond_eth), int(design.move_clock_blocks)

    def costs(**kw: Any) -> Any:
        base = {"rule": RULE, "n_trainers": TRAINERS, "model_size": 10**6, "period_blocks": period,
                "sequencer_bond_eth": bond, "move_clock_blocks": clock}
        return z.round_costs(z.CostInputs(**{**base, **kw}))

    sizes = MODEL_SIZES[:4] if ctx.quick else MODEL_SIZES
    ctx.progress(f"designs for d in {sizes}")
    rows, extra = [], []
    for d in sizes:
        r = costs(model_size=d)
        for des in r.designs:
            rows.append({"params": d, "design": des.design, "variant": des.variant, "gas": des.gas, "usd": des.usd,
                         "usd_low": des.usd_low, "usd_high": des.usd_high, "finality_seconds": des.finality_seconds,
                         "da_usd": des.components_usd["data_availability"],
                         "capital_usd": des.components_usd["capital"], "prover_usd": des.components_usd["prover"]})
        s, lo, hi, proofs = model.prover_seconds(RULE, TRAINERS, d)
        extra.append({"params": d, "cpu_seconds": s, "cpu_seconds_low": lo, "cpu_seconds_high": hi,
                      "proofs": proofs, "core_hours": s / 3600, "usd": s / 3600 * r.inputs.usd_per_core_hour,
                      "finality_seconds": r.design("zk_validity").finality_seconds})
    ref = costs()
    sweep_rows = []
    for name, key, values in (("trainers", "n_trainers", TRAINER_COUNTS), ("bond_eth", "sequencer_bond_eth", BONDS_ETH),
                              ("dispute_rate", "dispute_rate", DISPUTE_RATES)):
        for v in values:
            r = costs(**{key: v})
            for des in r.designs:
                sweep_rows.append({"sweep": name, "value": v, "design": des.design, "usd": des.usd,
                                   "finality_seconds": des.finality_seconds, "cheapest": r.cheapest})
    proofs = pd.DataFrame(list(model.fit.data)) if model.fit is not None else pd.DataFrame()
    per_value = None
    if model.fit is not None:
        biggest = max(model.fit.data, key=lambda row: row["n_trainers"] * row["chunk_coordinates"])
        per_value = biggest["prove_cpu_seconds"] / (biggest["n_trainers"] * biggest["chunk_coordinates"])
    chunk = dispute_geometry()[0]
    public = TRAINERS * chunk + chunk
    return ZkResults(
        proofs=proofs, proofs_source=model.prover_source, verify_source=model.verify_source,
        prover_method=model.fit.method if model.fit is not None else "cited anchor",
        exponent=model.fit.exponent if model.fit is not None else float("nan"),
        verify_gas_base=model.verify_gas(0), verify_gas_per_value=model.verify_gas(1) - model.verify_gas(0),
        frontier=pd.DataFrame(rows), extrapolation=pd.DataFrame(extra), sweeps=pd.DataFrame(sweep_rows),
        vyper_onestep_gas=ref.onestep_gas, zk_onestep_gas=ref.zk_onestep_verify_gas, onestep_public_values=public,
        period_blocks=period, period_source=where, bond_eth=bond, usd_per_core_hour=ref.inputs.usd_per_core_hour,
        prover_cores=ref.inputs.prover_cores, dispute_rate=ref.inputs.dispute_rate,
        groth16_min_gas=z.GROTH16_MIN_GAS, sp1_gas=z.SP1_GROTH16_GAS,
        zkopml_seconds_per_param=z.ZKOPML_EZKL_SECONDS_PER_PARAM, measured_seconds_per_value=per_value)


def plot(results: ZkResults, ctx: ReportContext) -> list[Figure]:
    import numpy as np

    from analyses.style import colors, new_figure, save_figure

    r = results
    fig, ax = new_figure()
    styles = {"optimistic": ("o", "-", 7), "hybrid": ("s", "--", 4), "zk_validity": ("^", "-", 5)}
    for c, name in zip(colors(len(DESIGN_NAMES)), DESIGN_NAMES, strict=True):
        g = r.frontier[r.frontier["design"] == name]
        err = np.vstack([g["usd"] - g["usd_low"], g["usd_high"] - g["usd"]])
        marker, line, size = styles[name]
        ax.errorbar(g["finality_seconds"] / 3600, g["usd"], yerr=err, marker=marker, ls=line, color=c, ms=size,
                    capsize=2, label=name, mfc="none" if name == "optimistic" else c)
        if name != "hybrid":
            for _, row in g.iterrows():
                ax.annotate(f" d={row['params']:.0e}", (row["finality_seconds"] / 3600, row["usd"]), fontsize=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time to finality [h]")
    ax.set_ylabel("cost per round [USD]")
    ax.set_title(f"{RULE}, n = {TRAINERS}: cost vs finality (95% prover interval)")
    ax.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "zk_frontier")
    figs = [("zk_frontier", "Cost per round against time to finality for each design and model size.")]
    if r.measured:
        fig2, ax2 = new_figure()
        p = r.proofs
        ax2.loglog(2.0 ** p["logrows"], p["prove_cpu_seconds"], "o", label="prove (measured)")
        ax2.loglog(2.0 ** p["logrows"], p["setup_cpu_seconds"], "s", label="setup (measured)")
        ax2.set_xlabel("circuit rows 2^logrows [1]")
        ax2.set_ylabel("CPU time, one thread [s]")
        ax2.legend(fontsize=7)
        save_figure(fig2, ctx.figures_dir, "zk_prover_time")
        figs.append(("zk_prover_time", "Measured prover and setup CPU time against the circuit's padded size."))
    return figs


def text(results: ZkResults) -> str:
    from analyses.style import format_number

    r = results
    ext = r.extrapolation
    ref = ext[ext["params"] == 10**6]
    ref_line = ""
    if len(ref):
        e = ref.iloc[0]
        ref_line = (f" At d = 1e6 (n = {TRAINERS}) the whole round extrapolates to {format_number(e['cpu_seconds'])} "
                    f"CPU seconds (95% interval {format_number(e['cpu_seconds_low'])}-{format_number(e['cpu_seconds_high'])}; "
                    f"{int(e['proofs']):,} proofs), {format_number(e['usd'])} USD at {r.usd_per_core_hour:g} USD per "
                    f"core-hour, final after {format_number(e['finality_seconds'] / 3600)} h on {r.prover_cores} cores.")
    if r.measured:
        p = r.proofs
        first = p.iloc[0]
        measured = (f"This machine proved {len(p)} one-steps ({', '.join(sorted(set(p['rule'])))}; "
                    f"{int(p['n_trainers'].min())}-{int(p['n_trainers'].max())} trainers, chunks of "
                    f"{int(p['chunk_coordinates'].min())}-{int(p['chunk_coordinates'].max())} coordinates, "
                    f"2^{int(p['logrows'].min())}-2^{int(p['logrows'].max())} rows): setup "
                    f"{format_number(p['setup_cpu_seconds'].min())}-{format_number(p['setup_cpu_seconds'].max())} CPU s, "
                    f"prove {format_number(p['prove_cpu_seconds'].min())}-{format_number(p['prove_cpu_seconds'].max())} CPU s, "
                    f"verify {format_number(p['verify_seconds'].max())} s or less, proofs of "
                    f"{int(p['proof_bytes'].max()):,} bytes. {r.proofs_verified.said('Every proof verified', 'Not every proof verified')}; "
                    f"the generated verifier costs {format_number(r.verify_gas_base)} gas plus "
                    f"{format_number(r.verify_gas_per_value)} per public value in py-evm (first proof: "
                    f"{format_number(first.get('evm_tx_gas', float('nan')))} gas), against the cited Groth16 floor of "
                    f"{r.groth16_min_gas:,} gas (EIP-1108) and ~{r.sp1_gas:,} for SP1's Groth16 wrapper. "
                    f"Prover time was fitted as {r.prover_method} (exponent {r.exponent:.2f}).")
        from mechanism.units import MAX_TX_GAS

        over = int((p["evm_tx_gas"] > MAX_TX_GAS).sum()) if "evm_tx_gas" in p else 0
        if over:
            measured += (f" {over} of the {len(p)} verifications {'exceeds' if over == 1 else 'exceed'} the EIP-7825 per-transaction cap of "
                         f"{MAX_TX_GAS:,} gas (their public values travel as calldata): a proof must hash its "
                         "inputs into a few public values to be verifiable on the L1.")
        if r.measured_seconds_per_value is not None:
            measured += (f" The largest measured instance took {r.measured_seconds_per_value * 1e3:.2f} ms of "
                         f"prover CPU per input value, against zk-OPML's EZKL anchor of "
                         f"{r.zkopml_seconds_per_param * 1e3:.1f} ms per model parameter.")
    else:
        measured = ("No proofs were measured on this machine (run `benchmarks/zk.py`); the ZK numbers below are the "
                    f"cited anchors: {r.verify_source}; {r.proofs_source}.")
    sizes = sorted(set(r.frontier["params"]))
    from mechanism.units import BLOCK_TIME_SECONDS

    period_s = float(r.period_blocks * BLOCK_TIME_SECONDS)

    def regimes(pick: Any) -> str:
        names = [(d, pick(d)) for d in sizes]
        runs = [(d, n) for i, (d, n) in enumerate(names) if i == 0 or n != names[i - 1][1]]
        if len(runs) == 1:
            return f"{runs[0][1]} at every d from {format_number(sizes[0])} to {format_number(sizes[-1])}"
        return "; ".join(f"{n or 'none'} from d = {format_number(d)}" for d, n in runs)

    zk = r.frontier[r.frontier["design"] == "zk_validity"].set_index("params")["finality_seconds"]
    slower = [d for d in sizes if zk[d] > period_s]
    sw = r.sweeps

    def sweep_line(name: str, unit: str) -> str:
        g = sw[(sw["sweep"] == name)].drop_duplicates("value")
        return ", ".join(f"{format_number(v)}{unit}: {c}" for v, c in zip(g["value"], g["cheapest"], strict=True))

    cheaper_onestep = "cheaper" if r.zk_onestep_gas < r.vyper_onestep_gas else "**more expensive**"
    return f"""
{measured}{ref_line}

A hybrid dispute that ends in a ZK one-step still opens the {TRAINERS} inputs; with the opened
values as the proof's {r.onestep_public_values:,} public inputs its verification costs
{format_number(r.zk_onestep_gas)} gas, {cheaper_onestep} than the Vyper one-step's
{format_number(r.vyper_onestep_gas)} gas (the arithmetic it replaces is only a part of it).

Per round ({RULE}, n = {TRAINERS}; period {r.period_blocks:,} blocks from {r.period_source}; bond
{format_number(r.bond_eth)} ETH; dispute rate {r.dispute_rate:g}), the cheapest design is
{regimes(r.cheapest)}. The optimistic designs pay to publish all n inputs, the ZK validity
design only the output; without data availability the cheapest is {regimes(lambda d: r.cheapest(d, without_da=True))}.
Proving is slower than the challenge period ({format_number(period_s / 3600)} h) from
{'d = ' + format_number(min(slower)) if slower else 'no size measured'} on {r.prover_cores} cores, so with the period as
the finality bound the cheapest is {regimes(lambda d: r.cheapest(d, period_s))}. ZK prover costs exclude
recursion (aggregating chunk proofs into one) and are lower bounds. At d = 1e6, cheapest by trainers: {sweep_line('trainers', '')}; by sequencer bond
(it scales with the value at stake): {sweep_line('bond_eth', ' ETH')}; by dispute rate:
{sweep_line('dispute_rate', '')}.
"""
