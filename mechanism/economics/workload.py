"""Inputs the economics takes from the rest of orfl, with documented placeholder defaults.

Three numbers come from other parts of the project and do not exist yet when this
module is written; each has a default here that is **a placeholder to be replaced**:

* dispute gas per side: now computed by ``mechanism/dispute/gas.py`` (the EVM-calibrated
  model of the bisection game) for the on-chain rules, extrapolated for the others;
* off-chain re-execution time of one aggregation (measured by the aggregation benchmark):
  default 5 s;
* the measured malicious device tolerance of each rule (``orfl tolerance``): default the
  literature-based table :data:`PLACEHOLDER_TOLERANCE`.

The design functions take all three as plain arguments, so replacing a default never
requires touching the formulas.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from types import MappingProxyType
from typing import Final

from mechanism.errors import ParameterError

#: Placeholder until ``mechanism/dispute/gas.py`` exists: gas one side spends on a whole
#: dispute (all its bisection moves, plus the one-step proof for the side that runs it)
#: for n = 50, d = 1e6 and the mean rule. Order of magnitude from Arbitrum's one-step
#: proofs (~0.3-1M gas) plus ~5 bisection moves of ~100k gas each.
DEFAULT_DISPUTE_GAS_PER_SIDE: Final = 1_500_000
REFERENCE_TRAINERS: Final = 50
REFERENCE_MODEL_SIZE: Final = 1_000_000

#: Placeholder: seconds to re-execute one aggregation off-chain (n = 50, d = 1e6).
DEFAULT_REEXEC_SECONDS: Final = 5.0

#: Bytes per fixed-point coordinate of an update (int64), for the verifier's download.
BYTES_PER_COORDINATE: Final = 8

#: Literature-based **placeholder** tolerances (largest malicious fraction at which the
#: rule's accuracy stays close to the clean run), to be replaced by ``orfl tolerance``.
#: Breakdown points: mean 0 (one outlier moves it arbitrarily); coordinate median and
#: geometric median 1/2 (Yin et al. 2018; Pillutla et al. 2022) but empirically ~0.3 under
#: non-IID data and inner-predicate attacks (Baruch et al. 2019 "A little is enough");
#: trimmed mean tolerates its trim fraction (0.2 here); Krum needs n > 2f + 2 (Blanchard
#: et al. 2017) and is attacked well below that (0.2); Bulyan needs n >= 4f + 3
#: (El Mhamdi et al. 2018) -> ~0.15-0.25; centered clipping ~0.25 (Karimireddy et al. 2021).
PLACEHOLDER_TOLERANCE: Final = MappingProxyType(
    {
        "mean": 0.0,
        "median": 0.3,
        "trimmed_mean": 0.2,
        "krum": 0.2,
        "geometric_median": 0.3,
        "bulyan": 0.15,
        "centered_clipping": 0.25,
    }
)

#: Placeholder ratio of a rule's dispute gas to the mean's. Coordinate-separable rules
#: (mean, median, trimmed mean) are one Map stage whose one-step proof opens n chunk
#: values; centered clipping adds a norm Fold; Krum, Bulyan and the geometric median add
#: pairwise-distance or Weiszfeld Folds, i.e. more stages to bisect and heavier steps.
PLACEHOLDER_RULE_GAS_FACTOR: Final = MappingProxyType(
    {
        "mean": 1.0,
        "median": 1.15,
        "trimmed_mean": 1.2,
        "centered_clipping": 1.6,
        "krum": 2.5,
        "bulyan": 3.0,
        "geometric_median": 3.5,
    }
)

#: Bisection geometry assumed for the move count (docs/design.md, "The verification game": k-ary tree over chunks).
DEFAULT_CHUNK_COORDINATES: Final = 1024
DEFAULT_ARITY: Final = 16


def _check_size(n_trainers: int, model_size: int) -> None:
    if n_trainers < 1:
        raise ParameterError.bad("trainers", n_trainers, "an integer >= 1")
    if model_size < 1:
        raise ParameterError.bad("model_size", model_size, "an integer >= 1")


#: Dispute geometry chosen by the ``dispute_cost`` analysis (chunk, arity): with the
#: column commitment, chunk 16 / arity 16 keeps both stage games within 11 moves.
DISPUTE_CHUNK: Final = 16
DISPUTE_ARITY: Final = 16
#: Rules whose one-step verifier runs in the EVM (DisputeGame.vy); the others are
#: extrapolated from the mean's measured game by :data:`PLACEHOLDER_RULE_GAS_FACTOR`.
ONCHAIN_RULES: Final = ("mean", "median", "trimmed_mean")


def dispute_gas_per_side(rule: str, n_trainers: int, model_size: int) -> float:
    """Gas one side may have to spend on a whole dispute, gas.

    From the EVM-calibrated model :func:`mechanism.dispute.gas.worst_case` (the costlier
    of the output-stage and column-stage games; chunk 16, arity 16): the larger of the
    two sides' move totals plus every one-step transaction (either side may have to
    submit them), i.e. a conservative per-side cost. Coordinate-wise rules
    are executed on chain; for Krum, Bulyan, the geometric median and centered clipping
    the mean's game is scaled by :data:`PLACEHOLDER_RULE_GAS_FACTOR` (their Fold stages are
    verified by the Python one-step only; an extrapolation, stated as such).
    """
    from mechanism.dispute.gas import worst_case

    _check_size(n_trainers, model_size)
    if rule not in PLACEHOLDER_RULE_GAS_FACTOR:
        raise ParameterError.bad("rule", rule, f"one of {', '.join(PLACEHOLDER_RULE_GAS_FACTOR)}")
    base_rule = rule if rule in ONCHAIN_RULES else "mean"
    cost = worst_case(base_rule, n_trainers, model_size, DISPUTE_CHUNK, DISPUTE_ARITY)
    challenger = sum(g for kind, g in cost.gas_per_move if kind in ("challenge", "choose"))
    proposer = sum(g for kind, g in cost.gas_per_move if kind in ("reveal", "reveal_column"))
    onestep = sum(g for kind, g in cost.gas_per_move if kind == "onestep")
    per_side = max(challenger, proposer) + onestep
    factor = 1.0 if rule in ONCHAIN_RULES else PLACEHOLDER_RULE_GAS_FACTOR[rule]
    return per_side * factor


def dispute_moves_per_side(
    n_trainers: int,
    model_size: int,
    chunk_coordinates: int = DEFAULT_CHUNK_COORDINATES,
    arity: int = DEFAULT_ARITY,
) -> int:
    """Moves one side makes in a dispute: ``1 + ceil(log_k(n * ceil(d / chunk)))``.

    One stage-selection move plus the depth of a k-ary tree over the n * ceil(d/chunk)
    committed chunks (docs/design.md, "The verification game": stage -> item -> chunk). The one-step proof is the last
    move of the tree.
    """
    _check_size(n_trainers, model_size)
    leaves = n_trainers * math.ceil(model_size / chunk_coordinates)
    depth = math.ceil(math.log(leaves) / math.log(arity) - 1e-12) if leaves > 1 else 1
    return 1 + max(1, depth)


def update_bytes(n_trainers: int, model_size: int) -> int:
    """Bytes a verifier downloads to re-execute a round: n * d * 8."""
    _check_size(n_trainers, model_size)
    return n_trainers * model_size * BYTES_PER_COORDINATE


def _from_orfl_tolerance(rows: list[dict[str, object]]) -> dict[str, float]:
    """The table written by ``orfl tolerance`` (``results/tolerance/tolerance.json``):
    per rule, the ``worst_case`` row over attacks, and the smallest over the data
    heterogeneities (alphas) measured — the conservative reading for a design."""
    out: dict[str, float] = {}
    for r in rows:
        if r.get("attack") != "worst_case":
            continue
        raw = r.get("tolerance")
        beta = max(0.0, float(raw)) if isinstance(raw, (int, float)) else 0.0
        rule = str(r["rule"])
        out[rule] = min(out.get(rule, beta), beta)
    return out


def load_tolerance_table(path: Path | str) -> dict[str, float]:
    """Read a tolerance table: JSON ``{"rule": beta, ...}`` (or ``{"tolerance": {...}}``,
    or the full output of ``orfl tolerance``), or CSV with columns ``rule,tolerance``.
    Every beta must lie in [0, 0.5)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError.bad("tolerance_table", str(path), "an existing JSON or CSV file")
    table: dict[str, float] = {}
    try:
        if p.suffix.lower() == ".json":
            raw = json.loads(p.read_text())
            if isinstance(raw, dict) and isinstance(raw.get("tolerances"), list):
                raw = _from_orfl_tolerance(raw["tolerances"])
            if isinstance(raw, dict) and isinstance(raw.get("tolerance"), dict):
                raw = raw["tolerance"]
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            table = {str(k): float(v) for k, v in raw.items()}
        else:
            with p.open(newline="") as fh:
                for row in csv.DictReader(fh):
                    table[str(row["rule"]).strip()] = float(row["tolerance"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ParameterError.bad(
            "tolerance_table", str(path),
            f"JSON {{rule: tolerance}} or CSV with columns rule,tolerance ({exc})",
        ) from None
    if not table:
        raise ParameterError.bad("tolerance_table", str(path), "at least one rule")
    for rule, beta in table.items():
        if not (0.0 <= beta < 0.5) or math.isnan(beta):
            raise ParameterError.bad(f"tolerance[{rule}]", beta, "a fraction in [0, 0.5)")
    return table
