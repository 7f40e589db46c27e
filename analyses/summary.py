"""Report section: the summary that opens the report.

The recommended design (each parameter with its binding constraint), read from the same
:func:`analyses.report.recommendation` the bond, period and ABM sections read; the
headline measurements with their sources (measured, user or cited); and every check the
other sections ran (:class:`analyses.report.Verdict`) with a pass/fail mark. It is built
after the other sections (``RUN_AFTER_OTHERS``) and reads their results from
:attr:`analyses.report.ReportContext.results`; it writes the design as ``design.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from analyses.report import (
    DISPUTE_GAS_INPUT,
    TOLERANCE_INPUT,
    Figure,
    Measurement,
    ReportContext,
    SectionResults,
    Verdict,
    declared_inputs,
    recommendation_inputs,
)

TITLE = "Summary: recommended design, measurements and checks"
#: Built after every other section, placed first.
RUN_AFTER_OTHERS = True

#: Where each time/geometry field of the design comes from (they are derived from inputs,
#: not bound by a constraint; mechanism.economics.recommend.Recommendation.as_design).
DERIVED = {
    "detect_blocks": ("blocks", "re-execution and download time (detection term of the period)"),
    "move_clock_blocks": ("blocks", "input move_clock_hours"),
    "round_blocks": ("blocks", "input rounds_per_day"),
    "dispute_depth": ("moves per side", "bisection depth of the priced dispute game"),
    "arity": ("children per move", "dispute geometry of the gas model"),
}


@dataclass(frozen=True)
class SummaryResults(SectionResults):
    """The design, its hash, the headline measurements and every section's verdicts."""

    rec: Any  # the recommendation (analyses.report.recommendation)
    design: Any  # mechanism.design.Design: rec.as_design()
    design_sha256: str
    parameters: Any  # DataFrame: parameter, value, unit, binding constraint
    headline: list[Measurement]
    inputs: list[Measurement]  # every input the recommendation declares, with its source
    checks: list[tuple[str, Verdict]]  # (section key, verdict), in report order
    sections_run: list[str]
    default_infeasible: str | None = None  # why the default scenario has no design (report_scenario)

    @property
    def default_scenario(self) -> Verdict:
        """The default scenario (no declared non-IID level) has a design."""
        alpha = self.rec.inputs.non_iid_alpha
        detail = ("a design exists" if self.default_infeasible is None else
                  f"{self.default_infeasible}; this report designs for non-IID alpha {alpha:g} instead")
        return Verdict("default scenario has a design", self.default_infeasible is None, detail)

    @property
    def grounded(self) -> Verdict:
        """The recommendation's tolerance and dispute gas are measured by this toolkit."""
        ins = {m.name: m for m in self.headline}
        parts = [ins[k] for k in (TOLERANCE_INPUT, DISPUTE_GAS_INPUT) if k in ins]
        ok = len(parts) == 2 and all(m.source == "measured" for m in parts)
        return Verdict("recommendation: tolerance and dispute gas are measured", ok,
                       "; ".join(f"{m.name}: {m.source} ({m.detail})" for m in parts) or "inputs not stated")

    @property
    def all_checks(self) -> list[tuple[str, Verdict]]:
        return [("summary", self.default_scenario), ("summary", self.grounded), *self.checks]

    @property
    def failed(self) -> list[tuple[str, Verdict]]:
        return [(k, v) for k, v in self.all_checks if not v.passed]

    def verdicts(self) -> list[Verdict]:
        return [self.default_scenario, self.grounded]

    def measurements(self) -> list[Measurement]:
        return list(self.headline)

    def tables(self) -> dict[str, Any]:
        import pandas as pd

        ms = pd.DataFrame([{"measurement": m.name, "value": m.value, "unit": m.unit, "source": m.source,
                            "where from": m.detail} for m in self.headline])
        vs = pd.DataFrame([{"result": v.mark, "check": v.name, "section": k, "numbers": v.detail}
                           for k, v in self.all_checks])
        out = {"summary_design": self.parameters, "summary_measurements": ms, "summary_checks": vs}
        if self.inputs:
            out["summary_inputs"] = pd.DataFrame([{"input": m.name, "value": m.value, "unit": m.unit, "source": m.source,
                                                   "where from": m.detail} for m in self.inputs])
        return out

    def numbers(self) -> dict[str, Any]:
        d = self.design
        out: dict[str, Any] = {"designSha": self.design_sha256[:12], "checksPassed": len(self.all_checks) - len(self.failed),
                               "checks": len(self.all_checks), "checksFailed": len(self.failed), "rule": d.rule,
                               "tolerance": d.tolerance}
        for k in ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share",
                  "trainer_stake_eth", "registration_fee_eth", "jackpot_rate", "move_clock_blocks", "dispute_depth"):
            out[k] = getattr(d, k)
        ins = {m.name: m for m in self.headline}
        if DISPUTE_GAS_INPUT in ins:
            out["disputeGasPerSide"] = ins[DISPUTE_GAS_INPUT].value
        return out

    def params(self) -> dict[str, Any]:
        return {"design": self.design.to_dict(), "design_sha256": self.design_sha256}

    def files(self) -> dict[str, str]:
        return {"design.json": json.dumps(self.design.to_dict(), indent=2) + "\n"}


def design_table(rec: Any) -> Any:
    """Every field of the recommended design with its unit and what binds or sets it."""
    import pandas as pd

    d = rec.to_dict()
    design = rec.as_design()
    rows = [{"parameter": p["name"], "value": p["value"], "unit": p["unit"], "binding constraint": p["binding_constraint"]}
            for p in d["parameters"]]
    for name, (unit, origin) in DERIVED.items():
        rows.append({"parameter": name, "value": getattr(design, name), "unit": unit, "binding constraint": origin})
    rows.append({"parameter": "rule", "value": design.rule, "unit": "",
                 "binding constraint": f"lowest dispute gas with tolerance >= f (1 + margin) = "
                                       f"{rec.inputs.malicious_fraction * (1 + rec.inputs.tolerance_margin):.3g}"})
    rows.append({"parameter": "tolerance", "value": design.tolerance, "unit": "1",
                 "binding constraint": f"beta* of {design.rule} ({rec.rule.tolerance_source})"})
    return pd.DataFrame(rows)


def run(ctx: ReportContext) -> SummaryResults:
    from analyses.report import recommendation, report_scenario

    rec = recommendation()
    design = rec.as_design()
    headline = recommendation_inputs(rec)
    checks: list[tuple[str, Verdict]] = []
    for key, res in ctx.results.items():
        if key == "summary":
            continue
        checks += [(key, v) for v in res.verdicts()]
        if key != "bond_sizing":  # the bond section restates the recommendation's inputs
            headline += list(res.measurements())
    return SummaryResults(rec=rec, design=design, design_sha256=design.sha256(), parameters=design_table(rec),
                          headline=headline, inputs=declared_inputs(rec), checks=checks,
                          sections_run=[k for k in ctx.results if k != "summary"], default_infeasible=report_scenario()[1])


def plot(results: SummaryResults, ctx: ReportContext) -> list[Figure]:
    return []


def text(results: SummaryResults) -> str:
    r = results
    d, rec = r.design, r.rec
    n, bad = len(r.all_checks), r.failed
    status = (f"**All {n} checks passed.**" if not bad else
              f"**{n - len(bad)} of {n} checks passed; {len(bad)} failed:**\n\n" +
              "\n".join(f"- ✗ {v.name} ({v.detail}), section `{k}`" for k, v in bad) + "\n")
    ins = {m.name: m for m in r.headline}
    tol, gas = ins.get(TOLERANCE_INPUT), ins.get(DISPUTE_GAS_INPUT)
    grounded = r.grounded.said(
        "Both inputs the toolkit measures for a recommendation are measured here",
        "**The recommendation is not yet grounded in this toolkit's measurements**: " +
        "; ".join(f"{m.name} is {m.source}" for m in (tol, gas) if m is not None and m.source != "measured"))
    counts = {src: sum(m.source == src for m in r.inputs) for src in dict.fromkeys(m.source for m in r.inputs)}
    inputs = ("" if not r.inputs else "\n\nThe recommendation's inputs by source (table `summary_inputs`): " +
              ", ".join(f"{n} {src}" for src, n in counts.items()) + ".")
    scenario = r.default_scenario.said(
        "The recommended design for the default scenario",
        "**The default scenario has no design**: " + (r.default_infeasible or "") +
        f". The design below is for the least heterogeneous measured level, non-IID alpha "
        f"{rec.inputs.non_iid_alpha:g} (`orfl recommend --non-iid-alpha {rec.inputs.non_iid_alpha:g}`); every section "
        "that uses a design uses this one. The recommended design")
    return f"""
{scenario}:

- challenge period **{d.challenge_period_blocks:,} blocks** (binding: `{rec.design.binding['challenge_period_blocks']}`)
- sequencer bond **{d.sequencer_bond_eth:g} ETH**, challenger bond **{d.challenger_bond_eth:g} ETH**, reward share
  **{d.reward_share:g}**
- trainer stake **{d.trainer_stake_eth:g} ETH**, registration fee **{d.registration_fee_eth:g} ETH**, jackpot rate
  **{d.jackpot_rate:g}**
- aggregation rule **{d.rule}** with tolerance beta* = **{d.tolerance:g}**
  ({tol.source + ': ' + tol.detail if tol else 'source not stated'})
- dispute gas **{f'{gas.value:,.0f}' if gas else '?'}** per side
  ({gas.source + ': ' + gas.detail if gas else 'source not stated'})

Every parameter with what binds it is in the table `summary_design` below.
{grounded}. Its SHA-256 (canonical JSON of `Design.to_dict()`) is `{r.design_sha256}`; the design
is in `design.json`; the ABM validation and the protocol runs quote this hash.

{status}
Sections summarised: {', '.join(r.sections_run) or 'none'}.{inputs}
"""
