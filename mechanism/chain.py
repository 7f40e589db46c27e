"""Simulated L1: 12 s blocks, EIP-1559 base fee, a fee-ordered mempool and censorship.

* Blocks every ``BLOCK_TIME_SECONDS`` (12 s), gas limit ``BLOCK_GAS_LIMIT`` (60M),
  target half of it (elasticity 2); all three from :mod:`mechanism.units`.
* Base fee (EIP-1559 spec, integer arithmetic)::

      b' = b + max(b * (used - target) // target // 8, 1)   if used > target
      b' = b - b * (target - used) // target // 8           if used < target

  i.e. at most x1.125 per full block (``BASE_FEE_MAX_CHANGE_DENOMINATOR = 8``).
* Inclusion: the proposer orders pending transactions with ``max_fee >= base_fee`` by
  effective tip ``min(max_priority_fee, max_fee - base_fee)`` (ties by arrival) and packs
  them greedily into the gas limit.
* Censorship: each block's proposer is adversarial with probability ``q``, independently
  (stake-weighted random proposer selection); an adversarial proposer never includes a
  transaction the adversary marked as censored. A challenge submitted at the start of a
  window of ``T`` blocks therefore misses it with probability ``q^T`` (Felten's bound;
  Arbitrum's argument for its 6.4-day period, docs/economics.md, "Censorship").
* Block stuffing: instead of proposing, the adversary fills every block with its own
  transaction of gas ``gas_limit`` and a tip above the victim's, paying the real EIP-1559
  price ``gas_limit * (base_fee_i + tip)`` each block; base fees then grow by x1.125 per
  block, so k blocks cost ``sum_{i<k} gas_limit * (b_0 * 1.125^i + tip)`` (approximately;
  the simulator applies the exact integer updates).

* Threat processes (docs/economics.md, 'Threat model'; all off by default): censoring
  proposers in runs (``burst_blocks``: a two-state Markov chain with stationary share q
  and mean run length L), inclusion lists (``il_committee`` includers per slot, each in
  the coalition with probability q; a block leaves a listed transaction out only if all
  are), strong censorship (every block up to ``strong_until`` censors), an outage (no
  censored transaction lands in blocks up to ``outage_until``, blocks still count) and
  an attacker that opens a window in its own slot (:meth:`Chain.time_censor_next`).
  :func:`challenge_lands` and :func:`moves_in_time` are the Monte Carlo trials of
  :mod:`mechanism.economics.threats`; :func:`watcher_outage_blocks` draws watcher
  availability.

Deterministic from a seed: all randomness comes from one ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechanism.errors import ParameterError
from mechanism.units import (
    BASE_FEE_MAX_CHANGE_DENOMINATOR,
    BLOCK_GAS_LIMIT,
    BLOCK_GAS_TARGET,
    BLOCK_TIME_SECONDS,
)
from mechanism.units import WEI_PER_GWEI as GWEI

# Names of this module's API, bound to the units' constants (no second definition).
BLOCK_SECONDS = BLOCK_TIME_SECONDS
GAS_LIMIT = BLOCK_GAS_LIMIT
GAS_TARGET = BLOCK_GAS_TARGET


def next_base_fee(base_fee_wei: int, gas_used: int, gas_target: int = GAS_TARGET) -> int:
    """EIP-1559 base-fee update (https://eips.ethereum.org/EIPS/eip-1559)."""
    if gas_used == gas_target:
        return base_fee_wei
    if gas_used > gas_target:
        delta = base_fee_wei * (gas_used - gas_target) // gas_target // BASE_FEE_MAX_CHANGE_DENOMINATOR
        return base_fee_wei + max(delta, 1)
    delta = base_fee_wei * (gas_target - gas_used) // gas_target // BASE_FEE_MAX_CHANGE_DENOMINATOR
    return base_fee_wei - delta


def stuffing_cost_prediction_wei(blocks: Any, base_fee_wei: Any, tip_wei: Any = 0,
                                 gas_limit: Any = GAS_LIMIT) -> Any:
    """Closed form: ``sum_{i<k} gas_limit * (b_0 * 1.125^i + tip)`` (continuous growth;
    EIP-1559's update with every block full). Broadcasts over numpy arrays; the one
    closed form of the stuffing cost (the economics' ETH version calls it)."""
    growth = 1.0 + 1.0 / BASE_FEE_MAX_CHANGE_DENOMINATOR
    geometric = (np.power(growth, blocks) - 1.0) / (growth - 1.0)
    return np.multiply(gas_limit, base_fee_wei * geometric + np.multiply(tip_wei, blocks), dtype=float)


def stuffing_cost_exact_wei(blocks: int, base_fee_wei: int, gas_limit: int = GAS_LIMIT) -> int:
    """Exact cost of filling ``blocks`` consecutive blocks to ``gas_limit`` (no tip),
    applying the integer EIP-1559 update :func:`next_base_fee` block by block."""
    fee, total = base_fee_wei, 0
    for _ in range(blocks):
        total += gas_limit * fee
        fee = next_base_fee(fee, gas_limit, gas_limit // 2)
    return total


@dataclass
class Tx:
    """A pending transaction: ``payload`` is what the rollup applies on inclusion."""

    sender: str
    gas: int
    max_fee_wei: int
    max_priority_fee_wei: int
    payload: Any = None
    censored: bool = False
    seq: int = 0

    def tip_wei(self, base_fee_wei: int) -> int:
        return min(self.max_priority_fee_wei, self.max_fee_wei - base_fee_wei)


@dataclass
class Block:
    number: int
    base_fee_wei: int
    gas_used: int
    adversarial: bool
    stuffed: bool
    txs: list[Tx]

    @property
    def timestamp_s(self) -> int:
        return self.number * BLOCK_SECONDS


@dataclass
class Chain:
    """The L1: call :meth:`submit` to queue transactions and :meth:`step` to mine a block.

    ``censor_fraction`` is q; ``stuff`` makes adversarial effort take the form of block
    stuffing (all blocks, paid at the EIP-1559 price) instead of proposer censorship.
    """

    seed: int = 0
    censor_fraction: float = 0.0
    base_fee_wei: int = 10 * GWEI
    gas_limit: int = GAS_LIMIT
    gas_target: int = GAS_TARGET
    background_gas_mean: int = GAS_TARGET
    stuff: bool = False
    stuff_tip_wei: int = 0
    number: int = 1
    mempool: list[Tx] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    stuffing_spent_wei: int = 0
    burst_blocks: float = 0.0
    il_committee: int = 0
    strong_until: int = 0
    outage_until: int = 0
    _seq: int = 0
    _censoring: bool | None = None
    _force_next: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.censor_fraction <= 1.0:
            raise ParameterError.bad("censor_fraction", self.censor_fraction, "a number in [0, 1]")
        q = self.censor_fraction
        if self.burst_blocks != 0.0 and (q >= 1.0 or self.burst_blocks < max(1.0, q / (1.0 - q))):
            raise ParameterError.bad("burst_blocks", self.burst_blocks, "0 or >= max(1, q / (1 - q)) with q < 1")
        if self.il_committee < 0:
            raise ParameterError.bad("il_committee", self.il_committee, "an integer >= 0")
        if not 0 < self.gas_target <= self.gas_limit:
            raise ParameterError.bad("gas_target", self.gas_target, f"in (0, gas_limit={self.gas_limit}]")
        if self.base_fee_wei <= 0:
            raise ParameterError.bad("base_fee_wei", self.base_fee_wei, "a positive integer (wei)")
        self.rng = np.random.default_rng(self.seed)

    @property
    def time_s(self) -> int:
        return self.number * BLOCK_SECONDS

    def submit(self, tx: Tx) -> Tx:
        self._seq += 1
        tx.seq = self._seq
        self.mempool.append(tx)
        return tx

    def _background(self) -> list[Tx]:
        """Other users' demand: exponential total gas around the mean, one tx per 1M gas."""
        if self.background_gas_mean <= 0:
            return []
        total = int(min(self.rng.exponential(self.background_gas_mean), 2 * self.gas_limit))
        n = max(1, total // 1_000_000)
        tips = self.rng.integers(GWEI // 10, 2 * GWEI, size=n)
        return [Tx("background", total // n, 10 * self.base_fee_wei + int(t), int(t), seq=-1)
                for t in tips.tolist()]

    def time_censor_next(self) -> None:
        """The attacker opens a window just before one of its own slots: the next block's
        proposer is the coalition's (the Markov chain continues from there)."""
        self._force_next = True

    def _draw_adversarial(self) -> bool:
        q = self.censor_fraction
        if self._force_next:
            self._force_next, state = False, q > 0.0
        elif self.burst_blocks == 0.0 or self._censoring is None:
            state = bool(self.rng.random() < q)
        else:
            p = 1.0 - 1.0 / self.burst_blocks if self._censoring else q / ((1.0 - q) * self.burst_blocks)
            state = bool(self.rng.random() < p)
        self._censoring = state
        if state and self.il_committee:
            state = bool(np.all(self.rng.random(self.il_committee) < q))
        return state or self.number <= self.strong_until

    def step(self) -> Block:
        """Mine block ``number`` and advance; return it (included rollup txs in ``txs``)."""
        base = self.base_fee_wei
        adversarial = self._draw_adversarial()
        if self.stuff and adversarial:
            # the adversary buys the whole block: it pays gas_limit * (base + tip) and
            # outbids every victim tip, so nothing else is included
            self.stuffing_spent_wei += self.gas_limit * (base + self.stuff_tip_wei)
            block = Block(self.number, base, self.gas_limit, True, True, [])
        else:
            candidates = [t for t in self.mempool if t.max_fee_wei >= base]
            if adversarial or self.number <= self.outage_until:
                candidates = [t for t in candidates if not t.censored]
            candidates += self._background()
            candidates.sort(key=lambda t: (-t.tip_wei(base), t.seq))
            used, included = 0, []
            for t in candidates:
                if used + t.gas <= self.gas_limit:
                    used += t.gas
                    if t.sender != "background":
                        included.append(t)
            chosen = {id(t) for t in included}
            self.mempool = [t for t in self.mempool if id(t) not in chosen]
            block = Block(self.number, base, used, adversarial, False, included)
        self.blocks.append(block)
        self.base_fee_wei = next_base_fee(base, block.gas_used, self.gas_target)
        self.number += 1
        return block


def censorship_trial(q: float, window_blocks: int, rng: np.random.Generator) -> bool:
    """One challenge submitted at the start of a window: True if every one of the
    ``window_blocks`` proposers censored it (each adversarial with probability q)."""
    chain = Chain(seed=int(rng.integers(2**63)), censor_fraction=q, background_gas_mean=0)
    chain.submit(Tx("challenger", 200_000, 100 * GWEI, 2 * GWEI, censored=True))
    return all(not chain.step().txs for _ in range(window_blocks))


def stuffing_run(blocks: int, base_fee_wei: int, tip_wei: int = GWEI) -> tuple[int, list[int]]:
    """Stuff ``blocks`` consecutive blocks; return total cost (wei) and the base fees."""
    chain = Chain(censor_fraction=1.0, base_fee_wei=base_fee_wei, stuff=True, stuff_tip_wei=tip_wei,
                  background_gas_mean=0)
    fees = []
    for _ in range(blocks):
        fees.append(chain.step().base_fee_wei)
    return chain.stuffing_spent_wei, fees


def episode_blocks(prob: float, mean_blocks: float, rng: np.random.Generator) -> int:
    """With probability ``prob`` an episode of D blocks, ``P(D >= d) = exp(-d / mean)``; else 0."""
    if prob <= 0.0 or mean_blocks <= 0.0 or rng.random() >= prob:
        return 0
    rho = float(np.exp(-1.0 / mean_blocks))
    return int(rng.geometric(1.0 - rho)) - 1


def watcher_outage_blocks(watchers: int, online_prob: float, common_prob: float, common_mean_blocks: float,
                          rng: np.random.Generator) -> int | None:
    """Blocks before some watcher can act: None if all m are offline (each online with
    probability a), else the length of a common-mode outage (probability c) or 0."""
    if int(rng.binomial(watchers, online_prob)) == 0:
        return None
    return episode_blocks(common_prob, common_mean_blocks, rng)


def _threat_chain(rng: np.random.Generator, q: float, burst_blocks: float, il_committee: int, strong_blocks: int,
                  outage_blocks: int) -> Chain:
    return Chain(seed=int(rng.integers(2**63)), censor_fraction=q, background_gas_mean=0, burst_blocks=burst_blocks,
                 il_committee=il_committee, strong_until=strong_blocks, outage_until=outage_blocks)


def challenge_lands(window_blocks: int, rng: np.random.Generator, *, q: float = 0.0, burst_blocks: float = 0.0,
                    il_committee: int = 0, timed: bool = False, strong_blocks: int = 0, outage_prob: float = 0.0,
                    outage_mean_blocks: float = 0.0, watchers: int = 1, watcher_online_prob: float = 1.0,
                    common_prob: float = 0.0, common_mean_blocks: float = 0.0) -> bool:
    """One fraud: True if an honest challenge, submitted at the window's start by a watcher
    that is online, lands within ``window_blocks`` blocks of the simulated L1 under every
    threat given (censoring proposers, strong censorship, an L1 outage, a common-mode
    watcher outage; the block after the window opens is the attacker's if ``timed``)."""
    wait = watcher_outage_blocks(watchers, watcher_online_prob, common_prob, common_mean_blocks, rng)
    if wait is None:
        return False
    outage = max(episode_blocks(outage_prob, outage_mean_blocks, rng), wait)
    chain = _threat_chain(rng, q, burst_blocks, il_committee, strong_blocks, outage)
    chain.submit(Tx("challenger", 200_000, 100 * GWEI, 2 * GWEI, censored=True))
    if timed:
        chain.time_censor_next()
    return any(chain.step().txs for _ in range(window_blocks))


def moves_in_time(moves: int, clock_blocks: int, rng: np.random.Generator, *, chess: bool = False, q: float = 0.0,
                  burst_blocks: float = 0.0, il_committee: int = 0, timed: bool = False,
                  strong_blocks: int = 0) -> bool:
    """One dispute game: the honest side makes ``moves`` moves on the simulated L1, each
    submitted when its turn starts; True if every move lands within its per-move clock
    (or, with ``chess``, if their total time stays within the chess clock). A strong
    censorship episode of ``strong_blocks`` starts at the first move."""
    chain = _threat_chain(rng, q, burst_blocks, il_committee, strong_blocks, 0)
    used = 0
    for _ in range(moves):
        chain.submit(Tx("honest-move", 200_000, 100 * GWEI, 2 * GWEI, censored=True))
        if timed:
            chain.time_censor_next()
        limit = clock_blocks - used if chess else clock_blocks
        for k in range(1, limit + 1):
            if chain.step().txs:
                used += k
                break
        else:
            return False
    return True
