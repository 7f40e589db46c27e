"""Report section: the bit-exact aggregation core.

Lists every rule with its breakdown condition and source, re-runs the determinism checks
(fast path == pure-Python reference, permutation invariance, 1 vs 2 torch threads) on
seeded random inputs with ties and extreme values, and times the fast paths against
float baselines measured in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyses.report import Figure, ReportContext, SectionResults, Verdict

TITLE = "Aggregation core: rules, breakdown conditions, determinism and speed"
#: A timing benchmark: the report builds it alone, never beside other sections, so that
#: their processes neither slow its timings nor compete with its threads.
RUN_ALONE = True

SOURCES = {
    "mean": "McMahan et al. 2017 (FedAvg)",
    "median": "Yin et al. 2018",
    "trimmed_mean": "Yin et al. 2018",
    "krum": "Blanchard et al. 2017",
    "multi_krum": "Blanchard et al. 2017",
    "geometric_median": "Weiszfeld 1937; Pillutla et al. 2022 (RFA)",
    "centered_clipping": "Karimireddy et al. 2021",
    "bulyan": "El Mhamdi et al. 2018",
}
CHECK_PARAMS: dict[str, dict[str, Any]] = {
    "mean": {},
    "median": {"f": 1},
    "trimmed_mean": {"f": 1},
    "krum": {"f": 1},
    "multi_krum": {"f": 1},
    "geometric_median": {"iterations": 4},
    "centered_clipping": {"tau": 1 << 21, "iterations": 2},
    "bulyan": {"f": 1},
}
#: The three determinism checks, as columns of the checks table.
CHECKS = ("fast_equals_reference", "permutation_invariant", "threads_1_vs_default")


def random_rows(rng: Any, n: int, d: int) -> list[list[int]]:
    """Seeded int rows with duplicates, ties and values near the 2^40 bound."""
    from mechanism.fixedpoint import MAX_ABS_INT

    scale = int(rng.choice([1 << 4, 1 << 20, MAX_ABS_INT]))
    rows = rng.integers(-scale, scale, size=(n, d), endpoint=True).tolist()
    if n > 2:
        rows[1] = list(rows[0])  # an exact duplicate
        rows[2][: d // 2] = rows[0][: d // 2]  # partial ties
    return rows


def determinism_checks(seed: int, trials: int) -> list[dict[str, Any]]:
    import numpy as np
    import torch

    from mechanism.aggregation import aggregate, aggregate_reference

    rng = np.random.default_rng(seed)
    out = []
    threads = torch.get_num_threads()
    for name, params in CHECK_PARAMS.items():
        ok_ref = ok_perm = ok_thr = 0
        for _ in range(trials):
            n, d = int(rng.integers(7, 16)), int(rng.integers(1, 64))
            rows = random_rows(rng, n, d)
            x = torch.tensor(rows, dtype=torch.int64)
            fast = aggregate(name, x, **params)
            ok_ref += fast.tolist() == aggregate_reference(name, rows, **params)
            perm = torch.from_numpy(rng.permutation(n))
            p = dict(params)
            ok_perm += torch.equal(aggregate(name, x[perm], **p), fast)
            torch.set_num_threads(1)
            try:
                ok_thr += torch.equal(aggregate(name, x, **params), fast)
            finally:
                torch.set_num_threads(threads)
        out.append({"rule": name, "trials": trials, "fast_equals_reference": ok_ref,
                    "permutation_invariant": ok_perm, "threads_1_vs_default": ok_thr})
    return out


@dataclass(frozen=True)
class AggregationCoreResults(SectionResults):
    """The rule list, the determinism checks and the speed benchmark of one run."""

    frac_bits: int
    max_abs_bits: int
    rules: Any  # DataFrame: rule, breakdown condition, min n, source
    checks: Any  # DataFrame: one row per rule
    n: int  # benchmark trainers
    d: int  # benchmark parameters
    bench: Any  # DataFrame: every timed path
    bench_params: dict[str, Any]
    seed: int
    #: DataFrame: a trainer's protocol duties per round on one core (agents/protocol/trainer_cost.py)
    trainer_duties: Any = None

    @property
    def rule_rows(self) -> Any:
        """Benchmark rows of the rules (the float baselines left out)."""
        return self.bench[self.bench["kind"] != "float baseline"]

    @property
    def failed_checks(self) -> list[tuple[str, str, int, int]]:
        """(rule, check, passed trials, trials) of every check that failed some trial."""
        return [(row["rule"], c, int(row[c]), int(row["trials"])) for _, row in self.checks.iterrows()
                for c in CHECKS if int(row[c]) != int(row["trials"])]

    @property
    def all_ok(self) -> bool:
        return not self.failed_checks

    @property
    def determinism(self) -> Verdict:
        total = len(self.checks) * len(CHECKS)
        failed = self.failed_checks
        detail = (f"{total} checks x {int(self.checks['trials'].iloc[0])} seeded trials, all equal" if not failed else
                  f"{len(failed)} of {total} checks failed: " +
                  ", ".join(f"{r} {c} {k}/{n}" for r, c, k, n in failed))
        return Verdict("bit-exact aggregation: fast path = reference, permutation- and thread-invariant",
                       not failed, detail)

    def tables(self) -> dict[str, Any]:
        out = {"aggregation_rules": self.rules, "determinism_checks": self.checks,
               "aggregation_benchmark": self.bench_table}
        if self.trainer_duties is not None:
            out["trainer_duties"] = self.trainer_duties
        return out

    def duty_totals(self) -> list[tuple[int, float, float]]:
        """(d, seconds of every duty but blobs, seconds of the blobs) per measured d."""
        t = self.trainer_duties
        out = []
        for d in sorted(t["d"].unique()):
            g = t[t["d"] == d]
            blobs = float(g.loc[g["duty"] == "blobs", "time [s]"].sum())
            out.append((int(d), float(g["time [s]"].sum()) - blobs, blobs))
        return out

    @property
    def bench_table(self) -> Any:
        """The benchmark as shown: a baseline is its own reference (ratio 1), units in the headers."""
        b = self.bench.copy()
        base = b["kind"] == "float baseline"
        b.loc[base, "baseline"] = b.loc[base, "name"]
        b.loc[base, "ratio"] = 1.0
        return b.rename(columns={"name": "path", "seconds": "time [s]", "ratio": "time / baseline time [1]"})

    def numbers(self) -> dict[str, Any]:
        rows = self.rule_rows
        return {"n": self.n, "d": self.d, "determinism_ok": "yes" if self.all_ok else "no",
                **{f"ratio_{r}": float(v) for r, v in zip(rows["name"], rows["ratio"], strict=True)}}

    def verdicts(self) -> list[Verdict]:
        return [self.determinism]

    def params(self) -> dict[str, Any]:
        return {"frac_bits": self.frac_bits, "bench_n": self.n, "bench_d": self.d,
                "bench_params": self.bench_params, "check_params": CHECK_PARAMS}

    def seeds(self) -> list[int]:
        return [self.seed]


def run(ctx: ReportContext) -> AggregationCoreResults:
    import pandas as pd

    from analyses import bench_aggregation
    from mechanism.aggregation import RULES, get_rule
    from mechanism.params import DEFAULT_FRAC_BITS, MAX_ABS_BITS

    rules = []
    for name, cls in RULES.items():
        rule = get_rule(name, **({"f": 1} if "f" in cls.__dataclass_fields__ else {}))
        rules.append({"rule": name, "breakdown condition": cls.breakdown,
                      "min n at f=1": rule.min_trainers(), "source": SOURCES[name]})
    rules_df = pd.DataFrame(rules)

    ctx.progress("determinism checks")
    checks = pd.DataFrame(determinism_checks(ctx.seed, 3 if ctx.quick else 10))

    n, d = (30, 100_000) if ctx.quick else (50, 1_000_000)
    ctx.progress(f"benchmark n={n} d={d}")
    bench = pd.DataFrame(bench_aggregation.run(n, d, repeats=1 if ctx.quick else 3, seed=ctx.seed))

    from agents.protocol.trainer_cost import measure

    duty_rows = []
    for dd in ((100_000,) if ctx.quick else (100_000, 1_000_000)):
        ctx.progress(f"trainer duties on one core, d={dd:,}")
        for c in measure(dd, repeats=1 if ctx.quick else 3, seed=ctx.seed):
            duty_rows.append({"d": dd, "duty": c.duty, "time [s]": c.seconds_median, "min [s]": c.seconds_min,
                              "max [s]": c.seconds_max, "peak allocations [MiB]": c.peak_alloc_mib,
                              "input [MiB]": c.input_mib, "what": c.detail})
    return AggregationCoreResults(
        frac_bits=DEFAULT_FRAC_BITS, max_abs_bits=MAX_ABS_BITS, rules=rules_df, checks=checks,
        n=n, d=d, bench=bench, bench_params=bench_aggregation.DEFAULT_PARAMS, seed=ctx.seed,
        trainer_duties=pd.DataFrame(duty_rows),
    )


def plot(results: AggregationCoreResults, ctx: ReportContext) -> list[Figure]:
    from analyses.style import new_figure, save_figure

    rule_rows = results.rule_rows
    fig, ax = new_figure()
    ax.barh(rule_rows["name"], rule_rows["ratio"])
    ax.axvline(1.0, color="k", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("time / best float baseline [ratio, log scale]")
    ax.set_ylabel("aggregation rule")
    ax.set_title(f"bit-exact int64 rules, n={results.n}, d={results.d:,}")
    save_figure(fig, ctx.figures_dir, "aggregation_speed_ratio")
    return [("aggregation_speed_ratio", "Fast-path time of each bit-exact rule relative to its float baseline.")]


def text(results: AggregationCoreResults) -> str:
    r = results
    return f"""
Updates are encoded once to int64 fixed point with `frac_bits = {r.frac_bits}`
(resolution 2^-{r.frac_bits}, |value| < 2^{r.max_abs_bits - r.frac_bits}); encoding rounds half to even,
every division inside a rule rounds toward minus infinity, squared distances use rescaled
operands that keep every float64 partial sum exact, square roots are integer square roots,
and ties are broken by score then by the rows' content. Each rule below has a pure-Python
integer reference that is its specification; the torch fast path equals it bit for bit.

**Determinism checks that ran for this report** (seeded random inputs with duplicates,
partial ties and values near the 2^{r.max_abs_bits} bound): {r.determinism.said("all passed", "**FAILED**")}
({r.determinism.detail}).

**Speed** (n={r.n}, d={r.d:,}; ratios are measured in the same run against float baselines;
absolute seconds are machine-dependent).
""" + _duties_text(r)


def _duties_text(r: AggregationCoreResults) -> str:
    if r.trainer_duties is None or len(r.trainer_duties) == 0:
        return ""
    parts = []
    totals = r.duty_totals()
    dominant = all(b > rest for _, rest, b in totals)
    verdict = ("Publishing the update as EIP-4844 blobs is the trainer's dominant cost at every measured d"
               if dominant else "Blob publication is not the dominant duty at every measured d")
    for d, rest, blobs in totals:
        share = blobs / (blobs + rest) if blobs + rest > 0 else 0.0
        parts.append(f"at d = {d:,}, encoding, both commitments and signing take {rest:.3f} s together, "
                     f"while the blobs' KZG commitments and cell proofs take {blobs:,.1f} s ({share:.0%} of the total)")
    return f"""
**A trainer's protocol duties per round on one core** (median of the runs; a fresh process
pinned to one CPU; table `trainer_duties`): {"; ".join(parts)}. {verdict}; calldata
publication needs no KZG work but costs more gas (section `onchain_cost`).
"""
