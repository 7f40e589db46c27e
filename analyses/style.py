"""One figure style for every report and paper figure (seaborn, colour-blind palette).

Use :func:`new_figure` to create figures and :func:`save_figure` to write PNG + vector
PDF. Every axis must carry a label with its unit, e.g. ``"gas per dispute [gas]"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PALETTE = "colorblind"
FIG_WIDTH_IN = 6.0
FIG_HEIGHT_IN = 3.6


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
    """Write ``stem.png`` (200 dpi) and ``stem.pdf`` (vector) and close the figure."""
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{stem}.png", directory / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    plt.close(fig)
    return paths
