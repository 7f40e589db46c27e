"""The paper: a LaTeX article written from a finished report (``orfl paper``).

:func:`analyses.paper.build.write_paper` reads ``reports/NAME/manifest.json`` and writes
``paper/``: ``main.tex`` (preamble, abstract and one part per paper section, from the
templates in ``analyses/paper/sections/``, each kept only when the report has the
sections it needs), a copy of the report's ``numbers.tex`` (every number the text quotes
is one of its macros), the figures as vector PDFs at single- and double-column width
(:mod:`analyses.style`) and the tables from ``tables/*.tex``.
:func:`~analyses.paper.build.check_paper` lists every macro used but not defined and every
included file that is missing (no TeX needed); :func:`~analyses.paper.build.build_pdf`
runs latexmk, installing Debian's TeX Live packages first when they are missing.
"""
