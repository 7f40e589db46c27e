"""Report section: what publishing a round's updates costs on the L1, and how long it stays.

Calldata at the EIP-7623 floor against EIP-4844 blobs (EIP-7918 reserve price, EIP-7892
BPO2 blob limits, EIP-7594 per-transaction limit), the blob-retention constraint on the
challenge period (EIP-4844: 4,096 epochs), and the gas of opening published values in a
dispute (point-evaluation precompile vs Merkle paths), for d = 1e4 ... 1e9
(:mod:`mechanism.economics.data_availability`, docs/cost.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, Measurement, ReportContext, SectionResults, Verdict

TITLE = "On-chain cost of a round's data: calldata vs blobs, retention, openings"
#: Trainers of the reference round (docs/economics.md, workload).
TRAINERS = 50
MODEL_SIZES = (10**4, 10**5, 10**6, 10**7, 10**8, 10**9)
#: Encodings compared at the reference size (bytes per value: int64 today, int32, int16).
ENCODINGS = (8, 4, 2)
#: Chunk of the dispute one-step whose openings are priced (the dispute game's chunk).
OPENING_CHUNK = 16


@dataclass(frozen=True)
class OnchainCostResults(SectionResults):
    trainers: int
    table: Any  # DataFrame: one row per model size
    encodings: Any  # DataFrame: one row per bytes-per-value at d = 1e6
    openings: Any  # DataFrame: point evaluation vs Merkle per arity
    period_blocks: int
    dispute_blocks: int
    period_source: str
    retention_blocks: int
    max_period_blocks_at_reference: float
    largest_d_within_retention: int | None
    gas_price_gwei: float
    blob_base_fee_gwei: float
    eth_price_usd: float
    target_blobs: int
    max_blobs: int
    blobs_per_tx: int

    @property
    def blobs_always_cheaper(self) -> Verdict:
        cheaper = list(self.table["cheaper"])
        ok = all(c == "blobs" for c in cheaper)
        ratio = self.table["calldata_usd"] / self.table["blobs_usd"]
        return Verdict("data availability: blobs cost less than calldata at every d", ok,
                       f"calldata / blob cost from {ratio.min():,.0f}x to {ratio.max():,.0f}x over "
                       f"{len(cheaper)} sizes")

    @property
    def reference_fits_retention(self) -> Verdict:
        row = self.table[self.table["params"] == 10**6].iloc[0]
        ok = bool(row["retention_slack_blocks"] >= 0)
        return Verdict("retention: publishing + period + dispute fit inside blob retention at d = 1e6", ok,
                       f"slack {row['retention_slack_blocks']:,.0f} of {self.retention_blocks:,} blocks")

    def verdicts(self) -> list[Verdict]:
        return [self.blobs_always_cheaper, self.reference_fits_retention]

    def measurements(self) -> list[Measurement]:
        row = self.table[self.table["params"] == 10**6].iloc[0]
        return [Measurement("blobs per round at n = 50, d = 1e6 (int64)", int(row["blobs"]), "blobs", "cited",
                            "EIP-4844 blob size, 31 payload bytes per field element"),
                Measurement("blob cost per round at n = 50, d = 1e6", float(row["blobs_usd"]), "USD", "cited",
                            f"EIP-7918 reserve price at {self.gas_price_gwei:g} gwei, ETH {self.eth_price_usd:,.0f} USD")]

    def tables(self) -> dict[str, Any]:
        return {"data_availability": self.table, "da_encodings": self.encodings, "da_openings": self.openings}

    def numbers(self) -> dict[str, Any]:
        row = self.table[self.table["params"] == 10**6].iloc[0]
        return {"blobs_ref": int(row["blobs"]), "blob_usd_ref": float(row["blobs_usd"]),
                "calldata_usd_ref": float(row["calldata_usd"]), "retention_blocks": self.retention_blocks,
                "max_period_blocks": self.max_period_blocks_at_reference}

    def params(self) -> dict[str, Any]:
        return {"trainers": self.trainers, "model_sizes": list(MODEL_SIZES), "encodings": list(ENCODINGS),
                "gas_price_gwei": self.gas_price_gwei, "eth_price_usd": self.eth_price_usd,
                "period_blocks": self.period_blocks, "dispute_blocks": self.dispute_blocks}


def reference_design() -> tuple[Any, str]:
    """(design, where from): the report's recommended design, or the default
    :class:`~mechanism.design.Design` when the report scenario has none."""
    from mechanism.design import Design
    from mechanism.errors import OrflError

    try:
        from analyses.report import recommended_design

        return recommended_design(), "the report's recommended design"
    except OrflError as exc:
        return Design(), f"the default Design (no recommendation: {exc})"


def reference_period() -> tuple[int, int, str]:
    """(period, dispute blocks, where from) of :func:`reference_design`: the dispute is the
    median game's moves per side at n = 50, d = 1e6 times two sides times the move clock."""
    from mechanism.economics.period import dispute_blocks
    from mechanism.economics.workload import dispute_moves_per_side

    design, where = reference_design()
    moves = dispute_moves_per_side(TRAINERS, 10**6, rule="median")
    return int(design.challenge_period_blocks), int(dispute_blocks(moves, design.move_clock_blocks)), where


def run(ctx: ReportContext) -> OnchainCostResults:
    import pandas as pd

    from mechanism.economics import data_availability as da
    from mechanism.units import (
        DEFAULT_ETH_PRICE_USD,
        DEFAULT_GAS_PRICE_GWEI,
        MAX_BLOBS_PER_BLOCK,
        MAX_BLOBS_PER_TX,
        TARGET_BLOBS_PER_BLOCK,
    )

    period, dispute, where = reference_period()
    ctx.progress(f"data availability for d = 1e4..1e9 (period {period} blocks from {where})")
    table = pd.DataFrame(da.sweep(list(MODEL_SIZES), TRAINERS, period_blocks=period, dispute_blocks=dispute))
    enc = pd.DataFrame([da.round_data_availability(TRAINERS, 10**6, b).as_dict() for b in ENCODINGS])
    openings = pd.DataFrame([{"arity": k, **da.opening_cost(TRAINERS, OPENING_CHUNK, 10**6, arity=k).as_dict()}
                             for k in (2, 4, 16)])
    fits = table[table["retention_slack_blocks"] >= 0]["params"]
    ref = table[table["params"] == 10**6].iloc[0]
    return OnchainCostResults(
        trainers=TRAINERS, table=table, encodings=enc, openings=openings, period_blocks=period,
        dispute_blocks=dispute, period_source=where, retention_blocks=da.RETENTION_BLOCKS,
        max_period_blocks_at_reference=da.max_period_blocks(dispute, float(ref["blob_blocks_at_target"])),
        largest_d_within_retention=int(fits.max()) if len(fits) else None, gas_price_gwei=DEFAULT_GAS_PRICE_GWEI,
        blob_base_fee_gwei=float(ref["blob_base_fee_gwei"]), eth_price_usd=DEFAULT_ETH_PRICE_USD,
        target_blobs=TARGET_BLOBS_PER_BLOCK, max_blobs=MAX_BLOBS_PER_BLOCK, blobs_per_tx=MAX_BLOBS_PER_TX)


def plot(results: OnchainCostResults, ctx: ReportContext) -> list[Figure]:
    from analyses.style import new_figure, save_figure

    r = results
    t = r.table
    fig, (ax, ax2) = new_figure(ncols=2)
    ax.loglog(t["params"], t["calldata_usd"], "o-", label="calldata (EIP-7623 floor)")
    ax.loglog(t["params"], t["blobs_usd"], "s-", label="blobs (EIP-7918 reserve price)")
    ax.set_xlabel("model parameters d [1]")
    ax.set_ylabel(f"publishing one round, n = {r.trainers} [USD]")
    ax.legend(fontsize=7)
    ax2.loglog(t["params"], t["blob_blocks_at_target"], "s-", label=f"blobs at target ({r.target_blobs}/block)")
    ax2.loglog(t["params"], t["calldata_blocks"], "o-", label="calldata, full blocks")
    ax2.axhline(r.retention_blocks - r.period_blocks - r.dispute_blocks, color="k", ls="--", lw=1,
                label="retention - period - dispute")
    ax2.set_xlabel("model parameters d [1]")
    ax2.set_ylabel("blocks to publish one round [blocks]")
    ax2.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "onchain_data_availability")
    return [("onchain_data_availability",
             f"Publishing n = {r.trainers} int64 updates: cost (left) and blocks needed against blob retention (right).")]


def text(results: OnchainCostResults) -> str:
    from analyses.style import format_number

    r = results
    t = r.table
    ref = t[t["params"] == 10**6].iloc[0]
    big = t.iloc[-1]
    pe, mk = r.openings.iloc[0], r.openings.iloc[-1]
    fits = ("every size up to d = " + format_number(r.largest_d_within_retention)
            if r.largest_d_within_retention is not None else "no size")
    retention = r.reference_fits_retention.said("fits", "**does not fit**")
    cheaper = r.blobs_always_cheaper.said("cost less than calldata at every size", "**do not always** cost less")
    enc = r.encodings
    return f"""
A round publishes n x d values (int64: 8 bytes each). As calldata of data-only
transactions the EIP-7623 floor binds (40 gas per non-zero byte); at n = {r.trainers}, d = 1e6
that is {format_number(ref['calldata_gas'])} gas in {int(ref['calldata_transactions']):,} transactions
(each capped at 2^24 gas by EIP-7825), {format_number(ref['calldata_usd'])} USD at {r.gas_price_gwei:g} gwei
and {r.eth_price_usd:,.0f} USD/ETH. In EIP-4844 blobs (126,976 payload bytes each) the same round is
{int(ref['blobs']):,} blobs in {int(ref['blob_transactions']):,} transactions of at most {r.blobs_per_tx} blobs
(EIP-7594), {int(ref['blob_blocks_at_target']):,} blocks at the BPO2 target of {r.target_blobs} blobs per block
({int(ref['blob_blocks_at_max']):,} at the maximum {r.max_blobs}), and {format_number(ref['blobs_usd'])} USD
at the EIP-7918 reserve price ({r.blob_base_fee_gwei:g} gwei per blob gas). Blobs {cheaper}.
Narrower encodings scale both linearly: {int(enc.iloc[0]['blobs']):,}, {int(enc.iloc[1]['blobs']):,} and
{int(enc.iloc[2]['blobs']):,} blobs at {int(enc.iloc[0]['bytes_per_value'])}, {int(enc.iloc[1]['bytes_per_value'])}
and {int(enc.iloc[2]['bytes_per_value'])} bytes per value.

Blobs are served for {r.retention_blocks:,} blocks (4,096 epochs, ~18 days). Publishing, the challenge
period ({r.period_blocks:,} blocks, {r.period_source}) and the longest dispute ({r.dispute_blocks:,} blocks)
must end inside it: at d = 1e6 the round {retention} (the period may be at most
{format_number(r.max_period_blocks_at_reference)} blocks), and {fits} fits. At d = 1e9 publishing alone takes
{int(big['blob_blocks_at_target']):,} blocks at the target rate, so a round of that size cannot use blobs
as its data availability for an optimistic design.

Opening published values in a one-step (n = {r.trainers}, a chunk of {OPENING_CHUNK} int64 values): the
point-evaluation precompile needs {int(pe['openings']):,} openings at 50,000 gas each,
{format_number(pe['point_evaluation_gas'])} gas, against {format_number(pe['merkle_gas'])} gas for binary
Merkle paths over the same bytes ({format_number(mk['merkle_gas'])} at arity {int(mk['arity'])}).
"""
