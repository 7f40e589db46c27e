"""Reports: a list of sections, each written by one analysis module.

Every module listed in :data:`SECTIONS` is a report section and exposes, with these exact
names:

``TITLE``
    The section's heading.
``run(ctx: ReportContext) -> Results``
    All computation. Returns a frozen dataclass (``CensorshipResults``, ...) that subclasses
    :class:`SectionResults` and holds every number, table (pandas DataFrame) and array that
    the other two functions need. No matplotlib and no writing of files here.
``plot(results, ctx: ReportContext) -> list[tuple[str, str]]``
    Only figures, drawn from ``results`` into ``ctx.figures_dir`` with
    :mod:`analyses.style`; returns one ``(stem, caption)`` record per figure written
    (``figures/stem.png`` and ``figures/stem.pdf``).
``text(results) -> str``
    Only the Markdown prose. Every number in it is formatted from a field of ``results``,
    so the prose and the tables, figures and ``numbers.tex`` can never disagree.

The results object also says what the report keeps from it: :meth:`SectionResults.tables`
(name -> DataFrame, written to ``tables/`` and shown in the page), :meth:`~SectionResults.numbers`
(macros for ``numbers.tex``, prefixed by the section key), :meth:`~SectionResults.params`
and :meth:`~SectionResults.seeds` (``params.json``), and :meth:`~SectionResults.files`
(extra files under the report folder). A section states its checks as :class:`Verdict`
objects (:meth:`~SectionResults.verdicts`: name, passed, the numbers it rests on) and its
headline numbers as :class:`Measurement` objects (:meth:`~SectionResults.measurements`,
each with its source: measured, user or cited); its prose about a check is a function of
the verdict. :func:`build_section` is the one function that assembles a :class:`Section`
from the three; sections carry no other boilerplate. A section's key is its module's last
name (``analyses.censorship`` -> ``censorship``).

A module that sets ``RUN_AFTER_OTHERS = True`` (the summary) is built after every other
section, reads their results from :attr:`ReportContext.results`, and is still placed where
:data:`SECTIONS` lists it. A module that sets ``RUN_ALONE = True`` (a timing benchmark)
is never built beside other sections. Every section that needs the recommended design reads it from
:func:`recommendation` (one ``recommend`` call per process).

The report runner builds each section in order and writes, atomically (into a temporary
folder that replaces ``reports/NAME`` only when everything succeeded)::

    reports/NAME/index.md, index.html (self-contained, figures inlined, summary first,
                 sidebar, numbered figures and tables, long tables collapsed)
                 figures/*.png|pdf (and *-col1.pdf, *-col2.pdf at paper widths),
                 tables/*.csv|tex, numbers.tex, params.json, manifest.json (sections,
                 figures, tables, macros, verdicts: what the paper reads),
                 design.json (the design every section used), provenance.json
                 (git commit, config, seeds, versions, timings, cached sections)

The files are written by :mod:`analyses.report_output`. Tables are shown through
:func:`analyses.style.display_table` (readable numbers, units in the headers); the CSVs
keep the raw values. Each section's run and figures are cached by a hash of its inputs
and code (:mod:`analyses.report_cache`), so a rerun with nothing changed only re-renders.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

#: Section modules, in report order. Each later issue appends its analysis here.
SECTIONS: list[str] = [
    "analyses.summary",
    "analyses.aggregation_core",
    "analyses.dispute_cost",
    "analyses.censorship",
    "analyses.bond_sizing",
    "analyses.challenge_period",
    "analyses.threat_model",
    "analyses.verifier_dilemma",
    "analyses.malicious_tolerance",
    "analyses.abm_validation",
    "analyses.onchain_cost",
    "analyses.zk_vs_optimistic",
    "analyses.privacy",
]


@dataclass
class ReportContext:
    """What a section may use: where figures go, the seed, and the quick flag."""

    out_dir: Path
    seed: int = 20261125
    quick: bool = False
    progress: Callable[[str], None] = lambda msg: None
    #: Re-run the measurement campaigns in full instead of checking a sample of their
    #: shipped tables (``orfl report --remeasure``; :mod:`analyses.malicious_tolerance`).
    remeasure: bool = False
    #: Processes a section may use for its own campaigns (the report's ``--jobs``).
    jobs: int = 1
    #: Results of the sections built so far, by section key (the summary reads them).
    results: dict[str, Any] = field(default_factory=dict)
    #: Cache key of each section built so far, and the sections restored from the cache.
    cache_keys: dict[str, str] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"


#: A figure written by a section's ``plot``: (file stem under ``figures/``, caption).
Figure = tuple[str, str]

#: Where a number comes from: the project's rule is that every input is ``measured`` (by
#: this toolkit), ``user`` or ``cited``; the recommendation labels a scenario default that
#: is none of these ``assumed`` and a number derived from another rule's measurement
#: ``extrapolated``, and the report shows those labels as they are.
SOURCES = ("measured", "user", "cited", "assumed", "extrapolated")


@dataclass(frozen=True)
class Verdict:
    """One check a section ran: its name, whether it passed, and the numbers it rests on."""

    name: str
    passed: bool
    detail: str

    @property
    def mark(self) -> str:
        return "✓ pass" if self.passed else "✗ FAIL"

    def said(self, passed: str, failed: str) -> str:
        """``passed`` if the check passed, else ``failed`` (prose as a function of the result)."""
        return passed if self.passed else failed


@dataclass(frozen=True)
class Measurement:
    """A headline number: value, unit, source (measured, user or cited) and where from."""

    name: str
    value: Any
    unit: str
    source: str
    detail: str

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            from mechanism.errors import ParameterError

            raise ParameterError.bad("source", self.source, "one of " + ", ".join(SOURCES))


@dataclass
class Section:
    """One report section: Markdown body plus its figures, tables, numbers and params."""

    key: str
    title: str
    markdown: str
    figures: list[Figure] = field(default_factory=list)  # (stem, caption)
    tables: dict[str, Any] = field(default_factory=dict)  # name -> pandas.DataFrame
    numbers: dict[str, Any] = field(default_factory=dict)  # macro name -> value
    params: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)


class SectionResults:
    """Base of every section's frozen results dataclass: what the report keeps from a run.

    Subclasses override the methods whose output the section has; the defaults are empty.
    """

    def tables(self) -> dict[str, Any]:
        """Tables shown in the page and written to ``tables/`` (name -> DataFrame), in order."""
        return {}

    def numbers(self) -> dict[str, Any]:
        """Values for ``numbers.tex`` (name -> value; the runner prefixes the section key)."""
        return {}

    def params(self) -> dict[str, Any]:
        """The section's parameters, for ``params.json``."""
        return {}

    def seeds(self) -> list[int]:
        """Every seed the section used, for ``params.json``."""
        return []

    def files(self) -> dict[str, str]:
        """Extra files, path relative to the report folder -> text."""
        return {}

    def verdicts(self) -> list[Verdict]:
        """The section's checks, each computed from the results (the summary lists them)."""
        return []

    def measurements(self) -> list[Measurement]:
        """The section's headline numbers with their sources (the summary lists them)."""
        return []


@functools.lru_cache(maxsize=1)
def report_scenario() -> tuple[Any, str | None]:
    """``(inputs, why)``: the scenario the report designs for, and why the default scenario
    has no design (None when it has one).

    The default scenario declares no non-IID level, so its tolerance is the measured
    table's most heterogeneous one. When no rule covers the expected malicious fraction
    there, ``orfl recommend`` exits 1, and so does the report's default design; the
    report then states that failure (a failed check in the summary) and designs for the
    least heterogeneous measured level instead, named in every section that uses it."""
    from mechanism.economics.recommend import recommend
    from mechanism.economics.scenario import DesignInputs
    from mechanism.economics.tolerance import load_tolerance_table
    from mechanism.errors import InfeasibleError

    try:
        recommend(DesignInputs(), with_sensitivity=False)
        return DesignInputs(), None
    except InfeasibleError as exc:
        alphas = load_tolerance_table(None, None).alphas
        return DesignInputs(non_iid_alpha=max(alphas)), str(exc)


@functools.lru_cache(maxsize=1)
def recommendation() -> Any:
    """The recommendation that every section reads (bond sizing, challenge period, ABM
    validation, summary) for :func:`report_scenario`: one ``recommend`` call per process,
    so all of them quote the same design (:meth:`Recommendation.as_design`)."""
    from mechanism.economics.recommend import recommend

    return recommend(report_scenario()[0], with_sensitivity=False)


def recommended_design() -> Any:
    """The :class:`mechanism.design.Design` of :func:`recommendation`."""
    return recommendation().as_design()


#: Names of the two measured inputs of a recommendation, as :func:`recommendation_inputs` gives them.
TOLERANCE_INPUT = "tolerance beta* of the chosen rule"
DISPUTE_GAS_INPUT = "dispute gas per side"


def _declared_source(rec_dict: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    """``{value, unit, source, ...}`` of an input if the recommendation declares it
    (``inputs.<key>`` as an object with a ``source``), else None."""
    inputs = rec_dict.get("inputs", {})
    for k in keys:
        v = inputs.get(k) if isinstance(inputs, dict) else None
        if isinstance(v, dict) and v.get("source") in SOURCES:
            return v
    return None


def _detail(entry: dict[str, Any]) -> str:
    parts = [str(entry[k]) for k in ("file", "reference", "detail") if entry.get(k)]
    if entry.get("sha256"):
        parts.append(f"SHA-256 {str(entry['sha256'])[:12]}")
    return "; ".join(parts) or str(entry["source"])


def declared_inputs(rec: Any) -> list[Measurement]:
    """Every input the recommendation declares with a source (``inputs`` of its JSON:
    ``{name: {value, unit, source, ...}}``), in its order; empty if it declares none."""
    inputs = rec.to_dict().get("inputs", {})
    out = []
    for name, entry in (inputs.items() if isinstance(inputs, dict) else ()):
        if isinstance(entry, dict) and entry.get("source") in SOURCES:
            value = entry.get("value")
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v}" for k, v in value.items())
            elif isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value)
            out.append(Measurement(name, value, str(entry.get("unit", "")), entry["source"], _detail(entry)))
    return out


def recommendation_inputs(rec: Any) -> list[Measurement]:
    """The two inputs a recommendation rests on that this toolkit measures: the chosen
    rule's tolerance and its dispute gas per side, each with its source. Read from the
    recommendation's declared ``inputs`` (value, unit, source) when it declares them;
    otherwise from its rule choice, classified by what produced the number."""
    d = rec.to_dict()
    out = []
    tol = _declared_source(d, "tolerance")
    if tol is not None:
        out.append(Measurement(TOLERANCE_INPUT, rec.rule.tolerance, "1", tol["source"], _detail(tol)))
    else:
        src = str(rec.rule.tolerance_source)
        out.append(Measurement(TOLERANCE_INPUT, rec.rule.tolerance, "1",
                               "measured" if src.startswith("measured") else "cited", src))
    gas = _declared_source(d, "dispute_gas_per_side", "dispute_gas")
    if gas is not None:
        out.append(Measurement(DISPUTE_GAS_INPUT, rec.rule.dispute_gas_per_side, "gas", gas["source"], _detail(gas)))
    elif rec.inputs.dispute_gas_per_side is not None:
        out.append(Measurement(DISPUTE_GAS_INPUT, rec.rule.dispute_gas_per_side, "gas", "user", "given as an input"))
    else:
        from mechanism.economics import workload

        onchain = getattr(workload, "ONCHAIN_RULES", None)
        if onchain is None or rec.rule.name in onchain:
            out.append(Measurement(DISPUTE_GAS_INPUT, rec.rule.dispute_gas_per_side, "gas", "measured",
                                   f"EVM-calibrated model of the {rec.rule.name} game (mechanism.dispute.gas)"))
        else:
            out.append(Measurement(DISPUTE_GAS_INPUT, rec.rule.dispute_gas_per_side, "gas", "extrapolated",
                                   "typed-in factor x the mean's measured game (not measured)"))
    return out


def sci(x: float) -> str:
    """``x`` rounded to a power of ten and written without padding, for prose: ``1e-9``, ``1e6``."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def section_key(module: ModuleType) -> str:
    """The key of a section module: its last dotted name."""
    return module.__name__.rsplit(".", 1)[-1]


def _descendants_cpu_seconds() -> float:
    """CPU seconds (user + system, with the children each has reaped) of the processes
    running below this one, read from ``/proc`` (0 where there is none): a section's
    worker pool, and a multiprocessing fork server whose workers it reaps itself."""
    proc = Path("/proc")
    if not proc.is_dir():
        return 0.0
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        parent[int(d.name)] = int(fields[1])
        ticks[int(d.name)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    me, total, frontier = os.getpid(), 0, [os.getpid()]
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child != me:
                total += ticks[child]
                frontier.append(child)
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU time of this process, its finished children and every process still running
    below it (user + system) [s]."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _descendants_cpu_seconds()


@dataclass(frozen=True)
class SectionTiming:
    """How long one section took to build: wall and CPU seconds, and whether its run and
    figures came from the section cache."""

    wall_seconds: float
    cpu_seconds: float
    cached: bool

    def line(self, key: str) -> str:
        """The progress line of a finished section."""
        return (f"section {key}: {self.wall_seconds:.1f} s wall, {self.cpu_seconds:.1f} s CPU"
                f" ({'cache hit' if self.cached else 'computed'})")

    def as_dict(self) -> dict[str, Any]:
        return {"wall_seconds": self.wall_seconds, "cpu_seconds": self.cpu_seconds, "cached": self.cached}


def timed_build(module: ModuleType, ctx: ReportContext, cache: Any = None) -> tuple[Section, SectionTiming]:
    """:func:`build_section` with its wall and CPU seconds and whether it was a cache hit."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    section = build_section(module, ctx, cache)
    return section, SectionTiming(round(time.perf_counter() - t0, 3), round(cpu_seconds() - c0, 3),
                                  section_key(module) in ctx.cached)


def build_section(module: ModuleType, ctx: ReportContext, cache: Any = None) -> Section:
    """Assemble a section from its module's ``run``, ``plot`` and ``text``.

    With a :class:`analyses.report_cache.SectionCache`, ``run`` and ``plot`` are skipped
    when a run with the same key (inputs, seed, quick flag, code; for a section built
    after the others, their keys) is stored: its results and figure files are restored."""
    key = section_key(module)
    hit = None
    if cache is not None and cache.root is not None:
        from analyses.report_cache import section_key_hash

        depends = dict(ctx.cache_keys) if getattr(module, "RUN_AFTER_OTHERS", False) else None
        ctx.cache_keys[key] = section_key_hash(module.__name__, ctx.seed, ctx.quick, depends, ctx.remeasure)
        hit = cache.load(key, ctx.cache_keys[key], ctx.figures_dir)
    if hit is not None:
        results, figures = hit
        ctx.results[key] = results
        ctx.cached.append(key)
    else:
        before = {p for p in ctx.out_dir.rglob("*") if p.is_file()}
        results = module.run(ctx)
        ctx.results[key] = results
        figures = list(module.plot(results, ctx))
        if key in ctx.cache_keys:  # with the figures, any other file the run wrote into the report
            written = [str(p.relative_to(ctx.out_dir)) for p in ctx.out_dir.rglob("*")
                       if p.is_file() and p not in before and p.parent != ctx.figures_dir]
            cache.store(key, ctx.cache_keys[key], results, figures, ctx.figures_dir, written)
    markdown = module.text(results)
    for rel, content in results.files().items():
        path = ctx.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return Section(
        key=section_key(module), title=module.TITLE, markdown=markdown, figures=figures,
        tables=results.tables(), numbers=results.numbers(), params=results.params(), seeds=results.seeds(),
        verdicts=list(results.verdicts()), measurements=list(results.measurements()),
    )


def write_report(
    name: str,
    root: Path = Path("reports"),
    quick: bool = False,
    seed: int = 20261125,
    sections: list[str] | None = None,
    progress: Callable[[str], None] = lambda msg: None,
    on_section: Callable[[int, int, str], None] = lambda done, total, key: None,
    cache_dir: Path | bool | None = True,
    log: Callable[[str], None] = lambda msg: None,
    jobs: int = 1,
    remeasure: bool = False,
) -> Path:
    """Run every section and write ``root/name`` atomically; return its path.

    ``on_section(done, total, module)`` is called before each section and once after the
    last (module ``""``), for a progress display (:mod:`analyses.progress`). ``cache_dir``:
    where sections cache their runs (:mod:`analyses.report_cache`); True is the default
    folder ``results/cache/report``, None or False runs every section afresh. ``log`` gets
    one line per finished section with its wall and CPU seconds and whether the cache had
    it (the same numbers go to ``manifest.json`` and ``provenance.json``).

    ``jobs`` > 1 builds the independent sections that miss the cache on that many
    processes (:mod:`analyses.report_parallel`; the written report is the same), then the
    cache hits and the sections that read the others' results in this process; a module
    that sets ``RUN_ALONE = True`` (a timing benchmark) is built first, alone, in this process;
    ``on_section`` is then called as each section finishes. ``remeasure`` re-runs the
    measurement campaigns in full instead of checking a sample of their shipped tables."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        from mechanism.errors import ParameterError

        raise ParameterError.bad("name", name, "letters, digits, '_', '-', '.' (a folder name)")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        ctx = ReportContext(out_dir=tmp, seed=seed, quick=quick, progress=progress, remeasure=remeasure,
                            jobs=max(1, jobs))
        from analyses.report_cache import CACHE_DIR, SectionCache, section_key_hash
        from analyses.report_parallel import build_parallel, record_seconds

        cache = SectionCache(CACHE_DIR if cache_dir is True else (cache_dir or None))
        (tmp / "figures").mkdir()
        (tmp / "tables").mkdir()
        order = list(sections or SECTIONS)
        modules = {m: importlib.import_module(m) for m in order}
        last = [m for m in order if getattr(modules[m], "RUN_AFTER_OTHERS", False)]
        by_name: dict[str, Section] = {}
        timings: dict[str, SectionTiming] = {}

        def finished(mod_name: str, timing: SectionTiming) -> None:
            timings[mod_name] = timing
            log(timing.line(section_key(modules[mod_name])))

        parallel: list[str] = []
        alone = [m for m in order if m not in last and getattr(modules[m], "RUN_ALONE", False)]
        if jobs > 1:  # the independent sections the cache does not have
            parallel = [m for m in order if m not in last and m not in alone and not cache.has(
                section_key(modules[m]), section_key_hash(m, seed, quick, None, remeasure))]
            if len(parallel) < 2:
                parallel = []
        for mod_name in alone if parallel else []:  # benchmarks: built alone, before the others
            on_section(len(timings), len(order), mod_name)
            progress(f"section {mod_name}")
            by_name[mod_name], timing = timed_build(modules[mod_name], ctx, cache)
            finished(mod_name, timing)
        if parallel:
            progress(f"{len(parallel)} sections on {min(jobs, len(parallel))} processes")
            built = build_parallel(parallel, ctx, cache.root, min(jobs, len(parallel)),
                                   lambda m, t: (finished(m, t), on_section(len(timings), len(order), m)))
            by_name.update({m: sec for m, (sec, _) in built.items()})
        keys = [section_key(modules[m]) for m in order]
        ctx.results = {k: ctx.results[k] for k in keys if k in ctx.results}  # section order, as sequentially
        rest = [m for m in order if m not in last and m not in parallel and m not in by_name] + last
        for mod_name in rest:
            on_section(len(timings), len(order), mod_name)
            progress(f"section {mod_name}")
            by_name[mod_name], timing = timed_build(modules[mod_name], ctx, cache)
            finished(mod_name, timing)
        on_section(len(order), len(order), "")
        ctx.cached.sort(key=keys.index)
        ctx.cache_keys = {k: ctx.cache_keys[k] for k in keys if k in ctx.cache_keys}
        record_seconds(cache.root, {section_key(modules[m]): t.wall_seconds for m, t in timings.items() if not t.cached})
        from analyses.report_output import write_outputs

        write_outputs(tmp, name, [by_name[m] for m in order], ctx, timings)
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
