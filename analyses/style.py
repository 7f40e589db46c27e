"""One figure style for every report and paper figure (seaborn, colour-blind palette).

Use :func:`new_figure` to create figures and :func:`save_figure` to write PNG + vector
PDF, and the paper's copies of the PDF at single- and double-column width
(``stem-col1.pdf``, ``stem-col2.pdf``: the same figure redrawn at :data:`PAPER_WIDTHS_IN`
with :data:`PAPER_FONT_PT` text; fonts embedded as TrueType). Every axis must carry a label
with its unit, e.g. ``"gas per dispute [gas]"``.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

PALETTE = "colorblind"
FIG_WIDTH_IN = 6.0
FIG_HEIGHT_IN = 3.6
#: Paper copies of every figure: file-stem suffix -> width in inches (a two-column
#: article's column and text width; :mod:`analyses.paper` uses the same names).
PAPER_WIDTHS_IN = {"-col1": 3.4, "-col2": 7.0}
PAPER_SUFFIXES = tuple(PAPER_WIDTHS_IN)
#: Largest text size in the paper copies [pt] (the article's 10 pt body, footnote size).
PAPER_FONT_PT = 8.0


def apply_style() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1)
    matplotlib.rcParams.update(
        {
            "pdf.fonttype": 42,  # embed TrueType: editable text in vector PDFs
            "ps.fonttype": 42,
            "savefig.bbox": "tight",
            "figure.dpi": 110,
            "axes.titleweight": "bold",
        }
    )


def new_figure(ncols: int = 1, nrows: int = 1, **kwargs: Any) -> tuple[Any, Any]:
    apply_style()
    import matplotlib.pyplot as plt

    size = (FIG_WIDTH_IN * (1 if ncols == 1 else 0.85 * ncols), FIG_HEIGHT_IN * nrows)
    return plt.subplots(nrows, ncols, figsize=kwargs.pop("figsize", size), **kwargs)


def colors(n: int) -> list[Any]:
    import seaborn as sns

    return list(sns.color_palette(PALETTE, n))


def save_figure(fig: Any, directory: Path, stem: str) -> list[Path]:
    """Write ``stem.png`` (200 dpi), ``stem.pdf`` (vector) and the paper copies
    ``stem-col1.pdf`` / ``stem-col2.pdf`` (:data:`PAPER_WIDTHS_IN`), and close the figure."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{stem}.png", directory / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    width, height = fig.get_size_inches()
    for text in fig.findobj(Text):
        if text.get_fontsize() > PAPER_FONT_PT:
            text.set_fontsize(PAPER_FONT_PT)
    for suffix, w in PAPER_WIDTHS_IN.items():
        # keep the aspect ratio, but never squeeze a figure's height below 45% of its width
        fig.set_size_inches(w, max(height * w / width, 0.45 * w))
        with warnings.catch_warnings():  # a layout tight_layout cannot solve stays as drawn
            warnings.simplefilter("ignore")
            with contextlib.suppress(ValueError, RuntimeError):
                fig.tight_layout(pad=0.3)
        paths.append(directory / f"{stem}{suffix}.pdf")
        with matplotlib.rc_context({"savefig.bbox": "standard"}):  # exactly the column or text width
            fig.savefig(paths[-1])
    plt.close(fig)
    return paths


# --------------------------------------------------------------------------- tables
#: Significant digits of a number in a displayed table or in ``numbers.tex``.
SIG_DIGITS = 4
#: What a missing value (None, NaN) prints as.
DASH = "–"
#: Column-name suffix -> unit shown in the header (longest suffix first).
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_usd_per_assertion", "USD/assertion"), ("_eth_per_assertion", "ETH/assertion"), ("_usd_per_year", "USD/year"),
    ("_per_side", "per side"), ("_eth", "ETH"), ("_usd", "USD"), ("_gwei", "gwei"), ("_wei", "wei"),
    ("_blocks", "blocks"), ("_hours", "h"), ("_seconds", "s"), ("_gas", "gas"), ("_bps", "bp"), ("_pct", "%"),
    ("_days", "days"), ("_bytes", "bytes"), ("_ms", "ms"), ("_s", "s"),
)


def format_number(v: Any, sig: int = SIG_DIGITS) -> str:
    """A value as a table cell or a ``numbers.tex`` macro: thousands separators, ``sig``
    significant digits, no exponent between 1e-3 and 1e15, a dash for a missing value.

    ``1519234.7 -> "1,519,235"``, ``0.012345 -> "0.01235"``, ``3.0 -> "3"``,
    ``2.5e-9 -> "2.5e-9"``, ``nan -> "–"``, ``True -> "yes"``; strings pass unchanged.
    """
    import math
    import numbers

    if v is None:
        return DASH
    if isinstance(v, bool) or type(v).__name__ in ("bool", "bool_"):  # also numpy's bool
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, numbers.Real):
        x = float(v)
        if math.isnan(x):
            return DASH
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        if x == 0:
            return "0"
        mag = math.floor(math.log10(abs(x)))
        if mag >= 15 or mag < -3:
            mant, exp = f"{x:.{sig - 1}e}".split("e")
            mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
            return f"{mant}e{int(exp)}"
        decimals = max(0, sig - 1 - mag)
        s = f"{round(x, decimals):,.{decimals}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return str(v)


def column_header(name: Any) -> str:
    """A column name for display: ``simulated_cost_eth -> "simulated cost [ETH]"``; a name
    that already carries a unit in brackets is only de-underscored."""
    s = str(name)
    if "[" in s:
        return s
    unit = ""
    for suffix, u in UNIT_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s, unit = s[: -len(suffix)], u
            break
    s = s.replace("_", " ")
    return f"{s} [{unit}]" if unit else s


def display_table(df: Any) -> Any:
    """The table as shown in Markdown, HTML and LaTeX: every cell through
    :func:`format_number`, headers through :func:`column_header`. The CSV keeps ``df``."""
    import pandas as pd

    cells = {i: [format_number(v) for v in df.iloc[:, i].tolist()] for i in range(df.shape[1])}
    return pd.DataFrame(cells, index=range(len(df))).set_axis([column_header(c) for c in df.columns], axis=1)
