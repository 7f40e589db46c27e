"""Analyses of orfl: the ``orfl`` command line and the report built from the analyses.

* :mod:`analyses.cli` and :mod:`analyses.commands`: the ``orfl`` commands (``aggregate``,
  ``dispute``, ``simulate``, ``abm``, ``sweep``, ``recommend``, ``tolerance``, ``bench``,
  ``report``), thin wrappers that parse
  options and call :mod:`mechanism` and :mod:`agents`.
* :mod:`analyses.report`: the report runner and the section contract. Each section module
  listed in :data:`analyses.report.SECTIONS` (``aggregation_core``, ``dispute_cost``,
  ``censorship``, ``bond_sizing``, ``challenge_period``, ``verifier_dilemma``,
  ``malicious_tolerance``, ``abm_validation``) exposes ``TITLE`` and three functions:
  ``run`` (all computation, into a frozen results dataclass), ``plot`` (figures from the
  results) and ``text`` (the Markdown prose, every number formatted from the results).
* :mod:`analyses.style`: the one figure style of every report and paper figure.
* :mod:`analyses.bench_aggregation`: the aggregation speed benchmark the report times.
"""
