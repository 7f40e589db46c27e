"""Analytical gas model of the dispute game, calibrated against the EVM (``evm.py``).

Per transaction: ``gas = exec + 21,000 + 16 * nonzero_bytes + 4 * zero_bytes`` (EIP-2028;
EIP-7623 floor ``21,000 + 10 * (zero + 4 * nonzero)`` optionally). Every call is its own
transaction (cold storage and accounts, EIP-2929/2200). Execution gas of a game on the
program ``[cols, out]`` (n trainers, chunk C, arity k, depth D = depth(ceil(d / C), k)):

* challenge: ``e_c`` (storage of the claim state);
* reveal:    ``e_r0 + e_r1 * k``; choose: ``e_h0 + e_h1 * k`` (children rehashed);
* output one-step (stage ``out``): ``e_0 + e_row * n + e_sib * D * (k - 1) + e_lvl * D
  + e_val[rule] * n * C`` -- n leaf hashes and one column leaf, **one** column path,
  then per-value decoding and the rule (order statistics by counting);
* column game (stage ``cols``): the proposer's preimage reveal ``e_p0 + e_p1 * n`` and
  the column one-step ``e_q0 + e_q1 * n + e_qs * D * (k - 1) + e_ql * D``.

Calldata bytes are counted as the contract's ABI encoding lays them out (``zero_frac``
of the encoded int64 values are zero bytes). The coefficients in :data:`DEFAULT` were
fitted by :func:`calibrate` on EVM runs (non-negative least squares; ``python -m
mechanism.evm.calibrate`` re-fits them, the tests check the 5% agreement). The
baseline :func:`full_reexecution` posts all n x d values as calldata and re-runs the
rule's arithmetic on every coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mechanism.commitment import num_chunks, tree_depth
from mechanism.units import calldata_gas_of_counts

RULES = ("mean", "median", "trimmed_mean")


@dataclass(frozen=True)
class GasCoefficients:
    challenge: float = 99_437.5
    reveal0: float = 25_982.9
    reveal1: float = 544.3
    choose0: float = 36_016.9
    choose1: float = 478.6
    onestep0: float = 110_431.3
    per_row: float = 0.0
    per_sibling: float = 791.7
    per_level: float = 0.0
    per_value: tuple[tuple[str, float], ...] = (("mean", 592.3), ("median", 704.8), ("trimmed_mean", 779.3))
    preimage0: float = 24_260.6
    preimage1: float = 423.0
    column0: float = 55_308.4
    column1: float = 101.4
    column_sibling: float = 340.2
    column_level: float = 1_182.8
    #: fraction of zero bytes among encoded int64 values (little-endian, small magnitudes)
    zero_frac: float = 0.4

    def value_gas(self, rule: str) -> float:
        return dict(self.per_value).get(rule, max(v for _, v in self.per_value))


DEFAULT = GasCoefficients()


def _calldata(nbytes: float, zero_bytes: float, eip7623: bool) -> float:
    return calldata_gas_of_counts(nbytes, zero_bytes, eip7623)


@dataclass(frozen=True)
class GameCost:
    moves: int
    gas_per_move: list[tuple[str, float]]
    calldata_bytes: float

    @property
    def gas_total(self) -> float:
        return sum(g for _, g in self.gas_per_move)


def _words(nbytes: float) -> float:
    return 32.0 * -(-nbytes // 32)


def dispute_cost(rule: str, n: int, d: int, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                 eip7623: bool = False, stage: str = "out") -> GameCost:
    """Full-depth cost of a game on stage ``out`` (ends in the Map one-step: the costly
    one) or ``cols`` (ends in the preimage reveal and the column one-step)."""
    depth = tree_depth(num_chunks(d, chunk), arity)
    k, c = arity, min(chunk, d)
    moves: list[tuple[str, float]] = []
    cd = 0.0

    def tx(kind: str, exec_gas: float, nbytes: float, zeros: float) -> None:
        nonlocal cd
        moves.append((kind, exec_gas + _calldata(nbytes, zeros, eip7623)))
        cd += nbytes

    tx("challenge", coef.challenge, 36, 35)
    kids = 32.0 * k
    for _ in range(depth):
        tx("reveal", coef.reveal0 + coef.reveal1 * k, 4 + 64 + kids, 62)
        tx("choose", coef.choose0 + coef.choose1 * k, 4 + 96 + kids, 93)
    path = depth * (k - 1)
    if stage == "cols":
        tx("reveal_column", coef.preimage0 + coef.preimage1 * n, 4 + 64 + 32 * n, 62)
        ex = coef.column0 + coef.column1 * n + coef.column_sibling * path + coef.column_level * depth
        tx("onestep", ex, 4 + 4 * 32 + 64 + 32 * n + 32 + 32 * path, 4 * 31 + 62 + 31)
        return GameCost(len(moves), moves, cd)
    vals = 8.0 * n * c
    wit = 0.0 if rule == "mean" else _words(2 * c + 32)
    body = _words(vals + 32) + _words(8 * c + 32) + wit + 32 * path
    ob = 4 + 4 * 32 + 4 * 32 + body
    zeros = coef.zero_frac * vals + 8 * 32 + (4 * 32 - 12) + (0 if rule == "mean" else 32 + c)
    ex = (coef.onestep0 + coef.per_row * n + coef.per_sibling * path + coef.per_level * depth
          + coef.value_gas(rule) * n * c)
    tx("onestep", ex, ob, zeros)
    return GameCost(len(moves), moves, cd)


def worst_case(rule: str, n: int, d: int, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
               eip7623: bool = False) -> GameCost:
    """The costlier of the two stage games (and the larger move count)."""
    a = dispute_cost(rule, n, d, chunk, arity, coef, eip7623, "out")
    b = dispute_cost(rule, n, d, chunk, arity, coef, eip7623, "cols")
    worst = a if a.gas_total >= b.gas_total else b
    return GameCost(max(a.moves, b.moves), worst.gas_per_move, worst.calldata_bytes)


def full_reexecution(rule: str, n: int, d: int, coef: GasCoefficients = DEFAULT) -> float:
    """Gas to post all n*d inputs as calldata and re-run the rule on chain (baseline)."""
    nbytes = 8.0 * n * d
    zeros = coef.zero_frac * nbytes
    return calldata_gas_of_counts(nbytes, zeros) + coef.value_gas(rule) * n * d


#: one EVM sample: (rule, n, d, chunk, arity, stage, [(move kind, exec gas), ...])
Sample = tuple[str, int, int, int, int, str, list[tuple[str, int]]]


def calibrate(samples: list[Sample]) -> GasCoefficients:
    """Fit execution coefficients by least squares from EVM runs."""
    rows: dict[str, list[tuple[list[float], int]]] = {}
    for rule, n, d, chunk, k, stage, gas in samples:
        depth = tree_depth(num_chunks(d, chunk), k)
        c = min(chunk, d)
        for kind, g in gas:
            if kind in ("reveal", "choose"):
                rows.setdefault(kind, []).append(([1.0, k], g))
            elif kind == "challenge":
                rows.setdefault(kind, []).append(([1.0], g))
            elif kind == "reveal_column":
                rows.setdefault(kind, []).append(([1.0, n], g))
            elif kind == "onestep" and stage == "cols":
                rows.setdefault("column", []).append(([1.0, n, depth * (k - 1), depth], g))
            elif kind == "onestep":
                vals = [n * c * (rule == r) for r in RULES]
                rows.setdefault("out", []).append(([1.0, n, depth * (k - 1), depth, *vals], g))

    def fit(name: str) -> np.ndarray | None:
        data = rows.get(name, [])
        if not data or len(data) < len(data[0][0]):
            return None
        from scipy.optimize import nnls

        a = np.array([r for r, _ in data], dtype=float)
        y = np.array([g for _, g in data], dtype=float)
        return np.asarray(nnls(a, y)[0])  # non-negative: every term is a real cost

    coef = DEFAULT
    if (o := fit("challenge")) is not None:
        coef = replace(coef, challenge=float(o[0]))
    if (o := fit("reveal")) is not None:
        coef = replace(coef, reveal0=float(o[0]), reveal1=float(o[1]))
    if (o := fit("choose")) is not None:
        coef = replace(coef, choose0=float(o[0]), choose1=float(o[1]))
    if (o := fit("out")) is not None:
        coef = replace(coef, onestep0=float(o[0]), per_row=float(o[1]), per_sibling=float(o[2]),
                       per_level=float(o[3]), per_value=tuple((r, float(v)) for r, v in zip(RULES, o[4:], strict=True)))
    if (o := fit("reveal_column")) is not None:
        coef = replace(coef, preimage0=float(o[0]), preimage1=float(o[1]))
    if (o := fit("column")) is not None:
        coef = replace(coef, column0=float(o[0]), column1=float(o[1]), column_sibling=float(o[2]),
                       column_level=float(o[3]))
    return coef
