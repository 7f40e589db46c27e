"""Gas of a training dispute, measured in the EVM and shipped as package data.

With training proofs (docs/training_proof.md) a trainer whose update is not honest SGD on
its committed shard is disputed over its local steps and loses its stake; the stake must
then pay the watcher for that dispute (docs/economics.md, 'Training proofs'). This module
holds the one number the design needs from it: the gas of a whole training dispute.

:data:`SHIPPED_GAS` (``mechanism/data/training_dispute_gas.json``, its SHA-256 beside it)
is written by :func:`measure` (``python -m mechanism.economics.training_dispute``): for
logistic regression at several widths d, every stage kind of the last local step (the
partial sum of a logit, an error leaf, a weight chunk, the update chunk) is forced to its
first leaf and the whole game (challenge, descent, one-step) is replayed in the EVM
against ``TrainingStep.vy`` (execution + intrinsic gas), the same games as
``benchmarks/training_proof.py``. The design takes the costliest stage kind at each d
(the liar picks the stage the challenger must go to).

:func:`load_training_dispute_gas` reads it at the design's model size d: between two
measured widths it interpolates linearly in log2 d (the game's depth grows with log d,
docs/training_proof.md 'Cost'); above the largest measured width it extends the last
segment's slope in log2 d and says so (``extrapolated``); below the smallest it uses the
smallest width's gas. The whole dispute's gas (both sides) is used: an upper bound of the
challenger's share, whichever side sends the one-step.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mechanism.errors import ParameterError
from mechanism.measured import content_sha256, git_commit, read_measured, write_measured

SHIPPED_GAS: Final = Path(__file__).resolve().parents[1] / "data" / "training_dispute_gas.json"
#: What :func:`measure` runs (recorded in the file's provenance).
MEASURE_MODEL: Final = "logreg"
MEASURE_FEATURES: Final = (64, 1000, 10000)
MEASURE_DEFAULTS: Final[dict[str, int]] = {"steps": 5, "batch": 8, "chunk": 64, "arity": 2, "seed": 0, "trainers": 20}


@dataclass(frozen=True)
class TrainingDisputeGas:
    """The gas of one training dispute at model size ``model_size`` with its provenance."""

    gas_total: float  # whole dispute, both sides [gas]
    model_size: int  # d the design asked for [parameters]
    measured_sizes: tuple[int, ...]  # d of the measured rows [parameters]
    extrapolated: bool  # d above the largest measured width
    worst_stage: str  # stage kind of the costliest game at the nearest measured d
    moves: int  # moves of that game at the nearest measured d
    path: str
    sha256: str  # of the file's bytes
    provenance: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """The ``inputs.training_dispute_gas`` block of ``orfl recommend --json``."""
        return {"value": self.gas_total, "unit": "gas (whole dispute, both sides)", "source": "measured",
                "file": self.path, "sha256": self.sha256, "model_size": self.model_size,
                "measured_model_sizes": list(self.measured_sizes), "extrapolated": self.extrapolated,
                "method": ("costliest stage kind, interpolated linearly in log2 d between measured widths"
                           + ("; above the largest measured width the last segment's slope in log2 d is extended"
                              if self.extrapolated else "")),
                "worst_stage": self.worst_stage, "moves": self.moves,
                "content_sha256": self.provenance.get("content_sha256"),
                "git_commit": self.provenance.get("git_commit"), "seed": self.provenance.get("seed"),
                "reference": "docs/economics.md, 'Training proofs'; docs/training_proof.md, 'Cost'"}


def load_training_dispute_gas(model_size: int, path: Path | str | None = None) -> TrainingDisputeGas:
    """The training dispute's gas at ``model_size`` from the measured file (default
    :data:`SHIPPED_GAS`); ParameterError if the file is missing or malformed."""
    p = Path(path) if path is not None else SHIPPED_GAS
    data, digest = read_measured(p, "training_dispute_gas", "python -m mechanism.economics.training_dispute")
    try:
        raw = json.loads(data)
        rows = [{**r, "d": int(r["d"]), "gas_total": float(r["gas_total"]), "moves": int(r["moves"]),
                 "stage": str(r["stage"])} for r in raw["rows"]]
        worst: dict[int, dict[str, Any]] = {}
        for r in rows:
            d = r["d"]
            if d not in worst or r["gas_total"] > worst[d]["gas_total"]:
                worst[d] = r
        prov = dict(raw.get("provenance") or {})
    except (ValueError, KeyError, TypeError) as exc:
        raise ParameterError.bad("training_dispute_gas", str(p), f"a file written by measure() ({exc})") from None
    if not worst:
        raise ParameterError.bad("training_dispute_gas", str(p), "at least one measured row")
    if not (isinstance(model_size, int) and model_size >= 1):
        raise ParameterError.bad("model_size", model_size, "an integer >= 1")
    ds = sorted(worst)
    gas = [float(worst[d]["gas_total"]) for d in ds]
    x = math.log2(model_size)
    xs = [math.log2(d) for d in ds]
    if len(ds) == 1 or x <= xs[0]:
        value, near = gas[0], ds[0]
    else:
        i = next((k for k in range(1, len(ds)) if x <= xs[k]), len(ds) - 1)
        t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
        value = gas[i - 1] + t * (gas[i] - gas[i - 1])
        near = ds[i] if x >= xs[i] or t >= 0.5 else ds[i - 1]
    r = worst[near]
    return TrainingDisputeGas(float(value), int(model_size), tuple(ds), model_size > ds[-1], str(r["stage"]),
                              int(r["moves"]), str(p), digest, prov)


def measure(features: tuple[int, ...] = MEASURE_FEATURES, out: Path | str | None = None) -> dict[str, Any]:
    """Measure every stage kind's full game in the EVM and write the shipped file (slow:
    one contract compilation per width)."""
    from mechanism.evm.training_step import replay
    from mechanism.training_proof.game import forced_game
    from mechanism.training_proof.setup import digits_setting

    a = dict(MEASURE_DEFAULTS)
    rows = []
    for f in features:
        st, tr = digits_setting(MEASURE_MODEL, a["trainers"], a["steps"], a["seed"], chunk=a["chunk"],
                                arity=a["arity"], batch=a["batch"], features=int(f))
        for kind in ("z", "e", "w", "u"):
            g = forced_game(tr, st.index("u" if kind == "u" else f"{kind}{a['steps']}"), 0)
            ev = replay(g)
            rows.append({"model": MEASURE_MODEL, "features": int(f), "d": int(st.spec.d), "stage": kind,
                         "moves": len(g.moves), "gas_total": int(ev.gas_total),
                         "largest_tx_gas": int(max(t for _, _, t in ev.gas))})
    commit = git_commit()
    doc = {"schema": 1,
           "what": "gas of one training dispute (whole game, both sides), measured in the EVM against TrainingStep.vy",
           "provenance": {"git_commit": commit, "command": "python -m mechanism.economics.training_dispute",
                          "seed": a["seed"], "steps": a["steps"], "batch": a["batch"], "chunk": a["chunk"],
                          "arity": a["arity"], "model": MEASURE_MODEL, "content_sha256": content_sha256(rows)},
           "rows": rows}
    write_measured(doc, out if out is not None else SHIPPED_GAS)
    return doc


if __name__ == "__main__":  # pragma: no cover
    measure()
