"""Inputs the economics takes from the rest of orfl: dispute gas and moves, update sizes.

Numbers that come from other parts of the project:

* dispute gas per side: the EVM-calibrated model of each rule's own dispute game
  (:func:`mechanism.dispute.gas_fold.rule_game_cost`: every stage of its trace program,
  each decided by an on-chain one-step), at the (chunk, arity) chosen by
  :func:`mechanism.dispute.gas_fold.choose_geometry` for the reference size;
* off-chain re-execution time of one aggregation (measured by the aggregation benchmark):
  default 5 s;
* the measured malicious device tolerance of each rule: not here; always the measured
  table of ``orfl tolerance`` (:mod:`mechanism.economics.tolerance`).

The design functions take all three as plain arguments, so replacing a default never
requires touching the formulas.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

from mechanism.errors import ParameterError

#: The reference size at which the dispute geometry is chosen (n trainers, d parameters).
REFERENCE_TRAINERS: Final = 50
REFERENCE_MODEL_SIZE: Final = 1_000_000

#: Bytes per fixed-point coordinate of an update (int64), for the verifier's download.
BYTES_PER_COORDINATE: Final = 8

def _check_size(n_trainers: int, model_size: int) -> None:
    if n_trainers < 1:
        raise ParameterError.bad("trainers", n_trainers, "an integer >= 1")
    if model_size < 1:
        raise ParameterError.bad("model_size", model_size, "an integer >= 1")


#: Rules whose dispute game is modelled: every rule with a trace program, each stage's
#: one-step executed in the EVM (DisputeGame.vy, FoldVerifier.vy, KrumVerifier.vy,
#: SelectVerifier.vy, MapVerifier.vy) and the model calibrated on those runs.
RULES_WITH_DISPUTE_GAS: Final = ("mean", "median", "trimmed_mean", "krum", "multi_krum", "bulyan",
                                 "geometric_median", "centered_clipping")


@functools.cache
def dispute_geometry() -> tuple[int, int]:
    """(chunk coordinates, arity) of the dispute game: chosen by the cost analysis,
    :func:`mechanism.dispute.gas_fold.choose_geometry` at the reference size (least
    worst-case gas per side over :data:`RULES_WITH_DISPUTE_GAS` within EIP-7825's
    per-transaction cap, then fewest moves). Moves and gas both use it."""
    from mechanism.dispute.gas_fold import choose_geometry

    g = choose_geometry(REFERENCE_TRAINERS, REFERENCE_MODEL_SIZE, RULES_WITH_DISPUTE_GAS)
    return g.chunk, g.arity


def __getattr__(name: str) -> int:
    """``DISPUTE_CHUNK`` / ``DISPUTE_ARITY``: :func:`dispute_geometry`, computed on first use."""
    if name == "DISPUTE_CHUNK":
        return dispute_geometry()[0]
    if name == "DISPUTE_ARITY":
        return dispute_geometry()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_rule(rule: str) -> None:
    if rule not in RULES_WITH_DISPUTE_GAS:
        raise ParameterError.bad("rule", rule, f"one of {', '.join(RULES_WITH_DISPUTE_GAS)}")


@functools.cache
def _game(rule: str, n_trainers: int, model_size: int, chunk: int, arity: int) -> object:
    from mechanism.dispute.gas_fold import rule_game_cost

    return rule_game_cost(rule, n_trainers, model_size, chunk, arity)


def dispute_gas_per_side(rule: str, n_trainers: int, model_size: int) -> float:
    """Gas one side may have to spend on a whole dispute, gas.

    The EVM-calibrated model of the rule's own game
    (:func:`mechanism.dispute.gas_fold.rule_game_cost`, docs/design.md "The verification
    game"): for every stage of the rule's trace program, a full-depth game ending in
    that stage's on-chain one-step; per side, the larger of the two sides' move totals
    plus the one-step transaction (either side may have to submit it); the costliest
    stage is the rule's worst case. Geometry: :func:`dispute_geometry`.
    """
    _check_size(n_trainers, model_size)
    _check_rule(rule)
    chunk, arity = dispute_geometry()
    return float(_game(rule, n_trainers, model_size, chunk, arity).gas_per_side)  # type: ignore[attr-defined]


def dispute_gas_source(rule: str) -> str:
    """Where :func:`dispute_gas_per_side` comes from: the calibrated model, its geometry,
    and the file holding the fitted coefficients with its SHA-256."""
    import hashlib

    from mechanism.dispute import gas, gas_fold

    _check_rule(rule)
    chunk, arity = dispute_geometry()
    files = []
    for mod in (gas, gas_fold):
        path = Path(str(mod.__file__))
        files.append(f"mechanism/dispute/{path.name} sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    prog = gas_fold.rule_program(rule, REFERENCE_TRAINERS, 16)
    contracts = sorted({gas_fold.stage_onestep(prog, s).contract for s in range(len(prog.stages))})  # type: ignore[attr-defined]
    return (f"EVM-calibrated model of the {rule} game (every stage's one-step run in the EVM: "
            f"{', '.join(contracts)}), chunk {chunk}, arity {arity}, calibration " + "; ".join(files))


def dispute_moves_per_side(
    n_trainers: int,
    model_size: int,
    chunk_coordinates: int | None = None,
    arity: int | None = None,
    rule: str | None = None,
) -> int:
    """Moves one side may make in a dispute, from the same model and geometry as the gas.

    The largest, over the stages of the rule's program (over every rule of
    :data:`RULES_WITH_DISPUTE_GAS` when ``rule`` is None), of the larger side's move count
    plus the one-step: a Fold stage descends items then chunks, a Map stage the chunk
    tree (docs/design.md, "The verification game"). Geometry: :func:`dispute_geometry`
    unless given.
    """
    _check_size(n_trainers, model_size)
    c0, k0 = dispute_geometry()
    chunk, k = chunk_coordinates or c0, arity or k0
    rules = RULES_WITH_DISPUTE_GAS if rule is None else (rule,)
    for r in rules:
        _check_rule(r)
    return max(int(_game(r, n_trainers, model_size, chunk, k).moves_per_side) for r in rules)  # type: ignore[attr-defined]


def update_bytes(n_trainers: int, model_size: int) -> int:
    """Bytes a verifier downloads to re-execute a round: n * d * 8."""
    _check_size(n_trainers, model_size)
    return n_trainers * model_size * BYTES_PER_COORDINATE
