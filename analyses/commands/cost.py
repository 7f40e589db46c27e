"""``orfl cost``: cost per round and time to finality of the optimistic, hybrid and ZK
validity designs, and the cheapest one within a finality bound
(:mod:`mechanism.economics.zk`, docs/cost.md)."""

from __future__ import annotations

import math

import typer

from analyses.commands._common import (
    MARKET,
    OUTPUT,
    PROTOCOL,
    SCENARIO,
    emit_json,
    examples,
    option,
    print_table,
)

EXAMPLES = examples(
    ("orfl cost --rule median --trainers 50 --params 1000000", "the three designs at n = 50, d = 1e6"),
    ("orfl cost --params 1000000 --finality-seconds 3600 --json", "the cheapest design final within an hour"),
)


def register(app: typer.Typer) -> None:
    @app.command("cost", epilog=EXAMPLES)
    def cost(
        rule: str = option("median", "--rule", help="Aggregation rule: mean, median or trimmed_mean.", panel=SCENARIO),
        trainers: int = option(50, "--trainers", help="Trainers n per round.", panel=SCENARIO),
        params: int = option(1_000_000, "--params", help="Model parameters d.", panel=SCENARIO),
        bytes_per_value: int = option(8, "--bytes-per-value", help="Bytes of one published value (int64: 8).",
                                      panel=SCENARIO, unit="B"),
        finality_seconds: float = option(math.inf, "--finality-seconds",
                                         help="Finality bound: the cheapest design must be final within it.",
                                         panel=SCENARIO, unit="s", show_default="none"),
        gas_price_gwei: float | None = option(None, "--gas-price-gwei", help="L1 gas price.", panel=MARKET,
                                              show_default="dated default of mechanism/units.py"),
        eth_price_usd: float | None = option(None, "--eth-price-usd", help="ETH price.", panel=MARKET,
                                             show_default="dated default of mechanism/units.py"),
        usd_per_core_hour: float | None = option(None, "--usd-per-core-hour", help="Prover price per CPU core-hour.",
                                                 panel=MARKET, show_default="0.0625 USD (cited)"),
        dispute_rate: float | None = option(None, "--dispute-rate", help="Disputes per round (expected).",
                                            panel=PROTOCOL, show_default="0.01"),
        prover_cores: int | None = option(None, "--prover-cores", help="Cores the prover runs in parallel.",
                                          panel=PROTOCOL, show_default="64"),
        period_blocks: int | None = option(None, "--period-blocks", help="Challenge period T in blocks.",
                                           panel=PROTOCOL, show_default="recommended"),
        sequencer_bond_eth: float | None = option(None, "--sequencer-bond-eth", help="Sequencer bond B_s.",
                                                  panel=PROTOCOL, show_default="recommended"),
        move_clock_blocks: int | None = option(None, "--move-clock-blocks", help="Clock of one dispute move.",
                                               panel=PROTOCOL, unit="blocks", show_default="recommended"),
        dispute_gas: float | None = option(None, "--dispute-gas", help="Dispute gas per side.", panel=PROTOCOL,
                                           show_default="the EVM-calibrated model"),
        as_json: bool = option(False, "--json", help="Machine-readable output.", panel=OUTPUT),
    ) -> None:
        """Gas, USD and time to finality per round of each design; the cheapest within --finality-seconds."""
        from mechanism.economics.zk import CostInputs, round_costs

        given = {"gas_price_gwei": gas_price_gwei, "eth_price_usd": eth_price_usd,
                 "usd_per_core_hour": usd_per_core_hour, "dispute_rate": dispute_rate, "prover_cores": prover_cores}
        user = {k for k, v in given.items() if v is not None}
        inputs = CostInputs(rule=rule, n_trainers=trainers, model_size=params, bytes_per_value=bytes_per_value,
                            period_blocks=period_blocks, sequencer_bond_eth=sequencer_bond_eth,
                            move_clock_blocks=move_clock_blocks,
                            dispute_gas_per_side=dispute_gas, finality_seconds=finality_seconds,
                            user=frozenset(user), **{k: v for k, v in given.items() if v is not None})
        res = round_costs(inputs)
        if as_json:
            emit_json(res.as_dict())
            return
        print_table(
            f"{rule}, n = {trainers}, d = {params:,}: cost per round and time to finality",
            ["design", "gas", "USD", "USD 95%", "final", "blobs", "calldata gas"],
            [(d.design, round(d.gas), round(d.usd, 2), f"{d.usd_low:,.2f}-{d.usd_high:,.2f}",
              _duration(d.finality_seconds), d.data_availability["blobs"], f"{d.data_availability['calldata_gas']:.3g}")
             for d in res.designs])
        for d in res.designs:
            typer.echo(f"{d.design}: {d.variant}; DA: {d.data_availability['what']}")
        bound = "no bound" if math.isinf(finality_seconds) else f"finality <= {_duration(finality_seconds)}"
        cheapest = res.cheapest
        typer.echo(f"cheapest ({bound}): {cheapest if cheapest is not None else 'none of the designs meets it'}")
        for name, s in res.sources.items():
            typer.echo(f"  {name}: {s['source']} ({s['detail']})", err=True)


def _duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "inf"
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} d"
    if seconds >= 3_600:
        return f"{seconds / 3_600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"
