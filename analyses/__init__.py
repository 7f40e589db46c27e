"""Analyses of orfl: the ``orfl`` command line and the report built from the analyses.

* :mod:`analyses.cli` and :mod:`analyses.commands`: the ``orfl`` commands (``aggregate``,
  ``dispute``, ``simulate``, ``abm``, ``dashboard``, ``sweep``, ``recommend``, ``tolerance``,
  ``cost``, ``bench``, ``report``, ``paper``), thin wrappers that parse options and call
  :mod:`mechanism` and :mod:`agents`; :mod:`analyses.progress` shows progress of long ones.
* :mod:`analyses.report`: the report runner and the section contract. Each section module
  listed in :data:`analyses.report.SECTIONS` (``summary``, ``aggregation_core``,
  ``dispute_cost``, ``censorship``, ``bond_sizing``, ``challenge_period``, ``threat_model``,
  ``verifier_dilemma``, ``malicious_tolerance``, ``abm_validation``, ``onchain_cost``,
  ``zk_vs_optimistic``, ``privacy``) exposes ``TITLE`` and three functions: ``run`` (all
  computation, into a frozen results dataclass), ``plot`` (figures from the results) and
  ``text`` (the Markdown prose, every number formatted from the results).
  :mod:`analyses.report_cache` caches each section by a hash of its inputs and code;
  :mod:`analyses.report_output` writes the Markdown, the self-contained HTML page, tables,
  ``numbers.tex`` and ``manifest.json``.
* :mod:`analyses.paper`: the LaTeX article written from a report.
* :mod:`analyses.style`: the one figure style of every report and paper figure.
* :mod:`analyses.bench_aggregation`: the aggregation speed benchmark the report times.
"""
