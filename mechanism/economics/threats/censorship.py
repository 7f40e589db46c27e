"""Censorship of the honest side's transactions as a per-block process.

Each block's proposer belongs to the censoring coalition or not. The honest transaction
is submitted before the first block of a window of W blocks and lands in the first block
that does not censor it (docs/economics.md, 'Threat model: censorship').

* **Independent** (Felten, "Why is the optimistic rollup challenge period 7 days?",
  Offchain Labs 2022): each block censors with probability q, so
  ``P(miss W) = q^W``.
* **Bursty**: the coalition's slots come in runs, a two-state Markov chain with stationary
  censoring share q and mean run length L: ``P(C -> C) = rho = 1 - 1/L``,
  ``P(O -> C) = q / ((1 - q) L)`` (exists iff ``L >= q / (1 - q)``); L = 1 / (1 - q) is the
  independent case. From the stationary start ``P(miss W) = q rho^(W-1)``.
* **Attacker-timed start**: proposer duties are known an epoch ahead, so the attacker
  opens the window (posts its fraud, makes its move) just before one of its own slots:
  the first block censors surely, ``P(miss W) = rho^(W-1)``.
* **Inclusion lists** (EIP-7805, FOCIL): a block can leave out a transaction that an
  includer listed only if the proposer and all k includers of the slot are in the
  coalition (weak coalition: the honest attesters enforce the lists); the includers are
  drawn independently, so each censoring slot also needs ``h = q^k``:
  ``P(miss W) = pi_0 h^W rho^(W-1)`` with ``pi_0 = 1`` (timed) or q.
* **Strong censorship**: a majority coalition controls fork choice, censors every block
  and only an off-chain social response (a soft fork, Felten 2022) ends it after R
  blocks; no window shorter than R survives it, whatever q.

Contents: :func:`continue_prob`, :func:`miss_probability`, :func:`weak_window_blocks`,
:func:`move_delay_pmf`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechanism.errors import ParameterError

__all__ = ["continue_prob", "list_factor", "miss_probability", "move_delay_pmf", "start_prob", "weak_window_blocks"]


def continue_prob(q: float, burst_blocks: float = 0.0) -> float:
    """``rho``: probability that a censoring block is followed by another.

    Independent blocks (``burst_blocks = 0``): rho = q; bursty: ``rho = 1 - 1/L``."""
    if not 0.0 <= q < 1.0:
        raise ParameterError.bad("censor_fraction", q, "a fraction in [0, 1)")
    if burst_blocks == 0.0:
        return q
    if burst_blocks < max(1.0, q / (1.0 - q)):
        raise ParameterError.bad("censor_burst_blocks", burst_blocks, f">= max(1, q / (1 - q)) = {max(1.0, q / (1 - q)):.3g}")
    return 1.0 - 1.0 / burst_blocks


def list_factor(q: float, inclusion_lists: bool, committee: int) -> float:
    """``h = q^k`` with inclusion lists (all k includers must censor too), else 1."""
    return float(q**committee) if inclusion_lists else 1.0


def start_prob(q: float, timed: bool) -> float:
    """``pi_0``: the window's first slot is the coalition's: 1 if the attacker times it (and
    holds any stake), else the stationary share q."""
    return (1.0 if q > 0.0 else 0.0) if timed else q


def miss_probability(window_blocks: ArrayLike, q: float, burst_blocks: float = 0.0, *, timed: bool = False,
                     inclusion_lists: bool = False, committee: int = 16) -> NDArray[np.float64]:
    """``P(miss W) = pi_0 h^W rho^(W-1)`` for W >= 1, and 1 for W <= 0 (no block to land in)."""
    w = np.asarray(window_blocks, dtype=float)
    rho = continue_prob(q, burst_blocks)
    h = list_factor(q, inclusion_lists, committee)
    pi0 = start_prob(q, timed)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(w <= 0, 1.0, pi0 * np.power(h, np.maximum(w, 1.0)) * np.power(rho, np.maximum(w, 1.0) - 1.0))
    return np.asarray(out, dtype=float)


def weak_window_blocks(eps: float, q: float, burst_blocks: float = 0.0, *, timed: bool = False,
                       inclusion_lists: bool = False, committee: int = 16) -> int:
    """Least W >= 1 with ``P(miss W) <= eps`` (closed form ``1 + ln(eps / (pi_0 h)) / ln(h rho)``,
    checked and adjusted by one block against :func:`miss_probability`)."""
    if not 0.0 < eps < 1.0:
        raise ParameterError.bad("eps", eps, "a probability in (0, 1)")
    rho = continue_prob(q, burst_blocks)
    h = list_factor(q, inclusion_lists, committee)
    pi0 = start_prob(q, timed)
    if pi0 * h <= eps:
        return 1
    base = h * rho
    if base <= 0.0:
        return 2
    w = max(1, math.ceil(1.0 + math.log(eps / (pi0 * h)) / math.log(base) - 1e-9))
    def miss(n: int) -> float:
        return float(miss_probability(n, q, burst_blocks, timed=timed, inclusion_lists=inclusion_lists,
                                      committee=committee))

    while w > 1 and miss(w - 1) <= eps:
        w -= 1
    while miss(w) > eps:
        w += 1
    return w


def move_delay_pmf(n_max: int, q: float, burst_blocks: float = 0.0, *, timed: bool = False,
                   inclusion_lists: bool = False, committee: int = 16) -> NDArray[np.float64]:
    """pmf of Y, the block (1-based) of the window in which one honest move lands:
    ``P(Y > y) = P(miss y)``, so ``P(Y = y) = P(miss y-1) - P(miss y)``, y = 1..n_max
    (the mass beyond n_max is dropped; the caller bounds it)."""
    y = np.arange(0, n_max + 1, dtype=float)
    miss = miss_probability(y, q, burst_blocks, timed=timed, inclusion_lists=inclusion_lists, committee=committee)
    pmf = np.zeros(n_max + 1)
    pmf[1:] = miss[:-1] - miss[1:]
    return pmf
