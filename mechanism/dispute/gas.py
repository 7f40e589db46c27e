"""Analytical gas model of the dispute game, calibrated against the EVM (``evm.py``).

Per transaction: ``gas = exec + 21,000 + 16 * nonzero_bytes + 4 * zero_bytes`` (EIP-2028;
EIP-7623 floor ``21,000 + 10 * (zero + 4 * nonzero)`` optionally). Execution gas of the
coordinate-wise game (n trainers, chunk C, arity k, tree depth D = ceil(log_k(d / C))):

* challenge: ``e_c`` (storage of the claim state);
* reveal:    ``e_r0 + e_r1 * k``; choose: ``e_h0 + e_h1 * k`` (children rehashed);
* one-step:  ``e_0 + e_open * n * D * (k - 1) + e_node * n * D + e_val[rule] * n * C``
  (Merkle path folding per sibling and per node hash, then per-value decode + rule).

Calldata bytes are counted exactly as the contract's ABI encoding lays them out
(hashes/values ~ all non-zero; ``zero_frac`` of value bytes zero). The coefficients in
:data:`DEFAULT` were fitted by :func:`calibrate` on EVM runs (least squares; the
validation is in the tests and the report). The baseline ``full_reexecution`` posts all
n x d values as calldata and re-runs the rule's arithmetic on every coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mechanism.commitment import num_chunks, tree_depth

TX_BASE = 21_000


@dataclass(frozen=True)
class GasCoefficients:
    challenge: float = 67_440.0
    reveal0: float = 4_408.2
    reveal1: float = 545.9
    choose0: float = 5_862.4
    choose1: float = 653.1
    onestep0: float = 86_319.7
    per_sibling: float = 333.0
    per_node: float = 1_335.3
    per_value: tuple[tuple[str, float], ...] = (("mean", 704.2), ("median", 1_040.8), ("trimmed_mean", 1_097.1))
    #: fraction of zero bytes among encoded int64 values (little-endian, small magnitudes)
    zero_frac: float = 0.4

    def value_gas(self, rule: str) -> float:
        return dict(self.per_value).get(rule, max(v for _, v in self.per_value))


DEFAULT = GasCoefficients()


def _calldata(nbytes: float, zero_bytes: float, eip7623: bool) -> float:
    nonzero = nbytes - zero_bytes
    std = TX_BASE + 16 * nonzero + 4 * zero_bytes
    return max(std, TX_BASE + 10 * (zero_bytes + 4 * nonzero)) if eip7623 else std


@dataclass(frozen=True)
class GameCost:
    moves: int
    gas_per_move: list[tuple[str, float]]
    calldata_bytes: float

    @property
    def gas_total(self) -> float:
        return sum(g for _, g in self.gas_per_move)


def dispute_cost(rule: str, n: int, d: int, chunk: int, arity: int, coef: GasCoefficients = DEFAULT,
                 eip7623: bool = False) -> GameCost:
    """Worst-case (full-depth) cost of a coordinate-wise game ending in a one-step."""
    depth = tree_depth(num_chunks(d, chunk), arity)
    k, c = arity, min(chunk, d)
    moves: list[tuple[str, float]] = []
    cd = 0.0
    b = 4.0
    moves.append(("challenge", coef.challenge + _calldata(b, 0, eip7623)))
    cd += b
    kids = 4 + 64 + 32 * k
    for _ in range(depth):
        moves.append(("reveal", coef.reveal0 + coef.reveal1 * k + _calldata(kids, 64 + 4, eip7623)))
        moves.append(("choose", coef.choose0 + coef.choose1 * k + _calldata(kids + 32, 64 + 32, eip7623)))
        cd += 2 * kids + 32
    vals = 8 * n * c + 8 * c + 64
    sib = 32 * n * depth * (k - 1)
    perm = 0 if rule == "mean" else n * c + 32
    ob = 4 + 4 * 32 + 4 * 32 + vals + sib + perm
    zeros = coef.zero_frac * vals + 200
    ex = coef.onestep0 + coef.per_sibling * n * depth * (k - 1) + coef.per_node * n * depth + coef.value_gas(rule) * n * c
    moves.append(("onestep", ex + _calldata(ob, zeros, eip7623)))
    cd += ob
    return GameCost(len(moves), moves, cd)


def full_reexecution(rule: str, n: int, d: int, coef: GasCoefficients = DEFAULT) -> float:
    """Gas to post all n*d inputs as calldata and re-run the rule on chain (baseline)."""
    nbytes = 8.0 * n * d
    zeros = coef.zero_frac * nbytes
    calldata = 16 * (nbytes - zeros) + 4 * zeros
    return TX_BASE + calldata + coef.value_gas(rule) * n * d


def calibrate(samples: list[tuple[str, int, int, int, int, list[tuple[str, int]]]]) -> GasCoefficients:
    """Fit execution coefficients by least squares from EVM runs.

    ``samples``: (rule, n, d, chunk, arity, [(move kind, exec gas), ...]).
    """
    rev, cho, one = [], [], []
    for rule, n, d, chunk, k, gas in samples:
        depth = tree_depth(num_chunks(d, chunk), k)
        c = min(chunk, d)
        for kind, g in gas:
            if kind == "reveal":
                rev.append(([1.0, k], g))
            elif kind == "choose":
                cho.append(([1.0, k], g))
            elif kind == "onestep":
                row = [1.0, n * depth * (k - 1), n * depth] + [n * c * (rule == r) for r in ("mean", "median", "trimmed_mean")]
                one.append((row, g))

    def fit(rows: list[tuple[list[float], int]], width: int) -> np.ndarray:
        a = np.array([r for r, _ in rows], dtype=float).reshape(-1, width)
        y = np.array([g for _, g in rows], dtype=float)
        return np.linalg.lstsq(a, y, rcond=None)[0]

    coef = DEFAULT
    if rev:
        r0, r1 = fit(rev, 2)
        coef = replace(coef, reveal0=float(r0), reveal1=float(r1))
    if cho:
        c0, c1 = fit(cho, 2)
        coef = replace(coef, choose0=float(c0), choose1=float(c1))
    if len(one) >= 6:
        o = fit(one, 6)
        coef = replace(coef, onestep0=float(o[0]), per_sibling=float(o[1]), per_node=float(o[2]),
                       per_value=(("mean", float(o[3])), ("median", float(o[4])), ("trimmed_mean", float(o[5]))))
    return coef
