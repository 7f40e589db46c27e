"""The one place where the ABM touches the mechanism and the learning workload.

* :class:`Ledger` drives :class:`mechanism.rollup.RollupState` (the Python state machine
  of ``Rollup.vy``): registrations, assertions, challenges, the bisection moves, the
  arbiter's one-step verdict, cancellations, finalisation and withdrawals -- every
  transaction with the contract's checks, so bonds and slashing are the contract's.
* :func:`stuffing_cost_eth` -- exact EIP-1559 integer base-fee updates
  (:func:`mechanism.chain.next_base_fee`) with every block full.
* :func:`inspection_game` / :func:`equilibrium` -- the solver's prediction for a config.
* :func:`tolerance_for` -- the shipped measured tolerance table (``orfl tolerance``),
  read through the same function as ``orfl recommend``.
* :func:`recommended_config` -- the design of :mod:`mechanism.economics.recommend` for the
  default scenario, mapped onto an :class:`~agents.abm.config.ABMConfig` (worst vertex).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.abm.config import DESIGN_FIELDS, ABMConfig
from agents.store import TOLERANCE_TABLE_PATH  # noqa: F401  (re-exported: where `orfl tolerance` writes)
from mechanism.economics.inspection import Equilibrium, InspectionGame, mixed_equilibrium
from mechanism.economics.payoffs import censorship_probability
from mechanism.errors import ParameterError
from mechanism.rollup.params import DEFENDER_WON
from mechanism.rollup.state import ACTIVE, PENDING, RollupParams, RollupRevert, RollupState
from mechanism.units import (
    BLOCKS_PER_DAY,
    WEI_PER_ETH,
    eth_to_wei,
    gas_cost_eth,
    gwei_to_wei,
    wei_to_eth,
)

WEI = WEI_PER_ETH


class Ledger:
    """Thin transaction layer over the rollup state machine; ``block`` set by the model."""

    def __init__(self, cfg: ABMConfig) -> None:
        self.cfg = cfg
        params = RollupParams.from_design(cfg.design)
        self.rollup = RollupState(params, arbiter="0x" + "ab" * 20)
        self.funded_wei = 0
        self.next_round = 0
        self.unseated: list[str] = []  # trainer agents the full trainer set refused
        # a stand-in for the round's trainers: the rollup takes an assertion only on a round
        # with a published update; its stake is outside the agents' accounting (never slashed).
        # It publishes when each round opens (inside the publication window).
        self.publisher = self.rollup.new_account(params.trainer_stake_wei)
        self.rollup.transact(self.publisher, "register_trainer", value_wei=params.trainer_stake_wei)
        self._publish_open_round()

    @property
    def params(self) -> RollupParams:
        return self.rollup.params

    def at(self, block: int) -> None:
        self.rollup.block = block

    def account(self, eth: float) -> str:
        wei = eth_to_wei(eth)
        self.funded_wei += wei
        return self.rollup.new_account(wei)

    def can_pay(self, addr: str, wei: int) -> bool:
        return self.rollup.wallet(addr) >= wei

    def register_trainer(self, addr: str) -> bool:
        """Stake ``addr`` in the rollup's trainer set; False if the set is full (``Rollup.vy``
        caps it at MAX_PUBLISHERS trainers, one seat being the stand-in publisher): the
        agent then stays outside the set with its stake in its wallet (the ABM's trainers
        are never slashed on the ledger, so this only moves where the stake sits)."""
        try:
            self.rollup.transact(addr, "register_trainer", value_wei=self.params.trainer_stake_wei)
        except RollupRevert as exc:
            if exc.reason != "trainer set full":
                raise
            self.unseated.append(addr)
            return False
        return True

    def _publish_open_round(self) -> None:
        """The stand-in publishes the open round's update (called when the round opens)."""
        rnd = int(self.rollup.counter("next_round"))
        if self.rollup.get("update_root", self.publisher, rnd) == bytes(32):
            self.rollup.transact(self.publisher, "publish_update", rnd, (rnd + 1).to_bytes(32, "big"), bytes(32))

    def assertions_open_at(self) -> int:
        """First block at which an assertion on the open round may be posted: after its
        publication and trainer-challenge windows (docs/protocol.md)."""
        return int(self.rollup.counter("round_open_block")) + self.params.assertion_delay_blocks

    def post_assertion(self, addr: str, rnd: int, output_root: bytes, input_root: bytes = b"\x11" * 32,
                       stats_root: bytes = b"\x22" * 32) -> int:
        """Post round ``rnd``'s assertion (full mode: the protocol sequencer's roots) over
        the round's live inputs (the stand-in's update)."""
        r = self.rollup
        live = int(r.get("publisher_count", rnd)) - int(r.get("excluded_count", rnd))
        rec = r.transact(addr, "post_assertion", rnd, input_root, output_root, stats_root, live,
                         value_wei=self.params.sequencer_bond_wei)
        return int(rec.value)

    def challenge(self, addr: str, aid: int) -> int | None:
        """Open a dispute; None if the contract rejects it (period over, no longer pending)."""
        try:
            rec = self.rollup.transact(addr, "challenge_assertion", aid, value_wei=self.params.challenger_bond_wei)
        except RollupRevert:
            return None
        return int(rec.value)

    def play_dispute(self, did: int, start_block: int, defender_right: bool, slow_challenger_blocks: int = 0,
                     challenger_move_blocks: Sequence[int] | None = None) -> tuple[bool, int, bool] | None:
        """Both sides move one block after the other (a slow challenger waits
        ``slow_challenger_blocks`` more, at most its clock); the arbiter rules at the leaf.
        ``challenger_move_blocks[i]``: the block, counted from its turn, in which the
        challenger's i-th move lands (censored moves, :mod:`agents.abm.threats`); a move that
        lands after the contract's clock is too late, and the timeout transaction settles
        the dispute for the side whose clock did not run out.

        Returns (defender_won, resolution block, lost by timeout), or None if the dispute
        was no longer active (another dispute already reverted the assertion): then it is
        cancelled.
        """
        r = self.rollup
        d = r.dispute(did)
        if d["status"] != ACTIVE:
            return None
        if not r.subject_live(d):
            r.block = start_block
            r.transact(d["challenger"], "cancel_dispute", did)
            return None
        block, k = start_block, 0
        while (mover := r.to_move(did)) is not None:
            if mover == d["defender"]:
                block += 1
            elif challenger_move_blocks is not None:
                block += int(challenger_move_blocks[k])
                k += 1
            else:
                block += 1 + min(slow_challenger_blocks, self.params.move_clock_blocks - 1)
            deadline = int(r.dispute(did)["deadline_block"])
            if block > deadline:  # the move missed its clock: anyone settles by timeout
                block = deadline + 1
                r.block = block
                r.transact(d["defender"], "timeout", did)
                return int(r.dispute(did)["status"]) == DEFENDER_WON, block, True
            r.block = block
            data = b"\x33" * 32 if mover == d["defender"] else (0).to_bytes(32, "big")
            r.transact(mover, "move", did, data)
        block += 1
        r.block = block
        r.transact(r.arbiter, "resolve", did, defender_right)
        return defender_right, block, False

    def dispute_blocks(self) -> int:
        return 2 * self.params.dispute_depth + 1

    def finalise(self, aid: int) -> bool:
        try:
            self.rollup.transact(self.rollup.arbiter, "finalise", aid)
        except RollupRevert:
            return False
        self._publish_open_round()  # the next round opened in this block
        return True

    def status(self, aid: int) -> int:
        return int(self.rollup.get("assertions", aid, "status"))

    def withdraw(self, addr: str) -> None:
        if self.rollup.balance_of(addr) > 0:
            self.rollup.transact(addr, "withdraw")

    def holdings_wei(self, addr: str) -> int:
        """Wallet + rollup balance + stake + bonds locked in pending assertions/disputes."""
        r = self.rollup
        total = r.wallet(addr) + r.balance_of(addr) + r.stake_of(addr)
        for aid in range(1, r.counter("assertion_count") + 1):
            if r.get("assertions", aid, "status") == PENDING and r.get("assertions", aid, "proposer") == addr:
                total += int(r.get("assertions", aid, "bond_wei"))
        for did in range(1, r.counter("dispute_count") + 1):
            if r.get("disputes", did, "status") == ACTIVE and r.get("disputes", did, "challenger") == addr:
                total += int(r.get("disputes", did, "bond_wei"))
        return total

    @property
    def burned_wei(self) -> int:
        return self.rollup.burned_wei


def stuffing_cost_eth(blocks: int, base_fee_gwei: float, gas_limit: float) -> float:
    """Cost of filling ``blocks`` consecutive blocks to the gas limit (exact EIP-1559,
    :func:`mechanism.chain.stuffing_cost_exact_wei`), in ETH."""
    from mechanism.chain import stuffing_cost_exact_wei

    return wei_to_eth(stuffing_cost_exact_wei(blocks, gwei_to_wei(base_fee_gwei), int(gas_limit)))


def effective_censor_prob(cfg: ABMConfig) -> float:
    """``Q = q**T'`` with ``T' = T - t_detect`` (ECONOMICS.md §1)."""
    return float(censorship_probability(cfg.censor_fraction, cfg.challenge_period_blocks - cfg.detect_blocks))


def sequencer_penalty_eth(cfg: ABMConfig) -> float:
    """What a caught fraud loses: ``(1 - f alpha) B_s`` with f the probability that it sees
    the challenge and front-runs it with its own self-challenge (1 with a public mempool,
    0 with private order flow; :func:`mechanism.economics.threats.mempool.penalty_eth`)."""
    from mechanism.economics.threats.mempool import frontrun_probability, penalty_eth

    return float(penalty_eth(cfg.sequencer_bond_eth, cfg.reward_share, frontrun_probability(cfg.order_flow)))


def inspection_game(cfg: ABMConfig) -> InspectionGame:
    """The symmetric inspection game (ECONOMICS.md §2-3) induced by ``cfg``."""
    return InspectionGame(
        gain_eth=cfg.gain_eth, penalty_eth=sequencer_penalty_eth(cfg),
        reward_eth=cfg.reward_share * cfg.sequencer_bond_eth, dispute_cost_eth=cfg.dispute_cost_eth,
        verify_cost_eth=cfg.verify_cost_eth, challengers=cfg.challengers, censor_prob=effective_censor_prob(cfg),
        post_cost_eth=cfg.post_cost_eth, jackpot_rate=cfg.jackpot_rate, jackpot_net_eth=cfg.jackpot_eth)


def equilibrium(cfg: ABMConfig) -> Equilibrium:
    return mixed_equilibrium(inspection_game(cfg))


def lazy_verify_prob(cfg: ABMConfig) -> float:
    """Symmetric verification rate when challengers believe p = 0 (jackpots only)."""
    from scipy.optimize import brentq

    game = inspection_game(cfg)
    if game.verify_gain(0.0, 1.0) >= 0:
        return 1.0
    if game.verify_gain(0.0, 0.0) <= 0:
        return 0.0
    return float(brentq(lambda v: game.verify_gain(0.0, v), 0.0, 1.0, xtol=1e-12))


@dataclass(frozen=True)
class ToleranceInfo:
    beta: float
    source: str  # "measured" (the shipped table) or "missing" (the table has no complete row: beta 0)
    sha256: str = ""  # of the table file read


def tolerance_for(rule: str) -> ToleranceInfo:
    """The design tolerance of ``rule``: the one reader of the shipped measured table
    (:func:`mechanism.economics.tolerance.load_tolerance_table`, default alpha), the same
    number ``orfl recommend`` and the report use (cached per table modification time:
    sweeps build thousands of models)."""
    from mechanism.economics.tolerance import SHIPPED_TABLE

    try:
        stamp = SHIPPED_TABLE.stat().st_mtime_ns
    except OSError:
        stamp = -1
    return _tolerance_for(rule, stamp)


@functools.lru_cache(maxsize=64)
def _tolerance_for(rule: str, stamp: int) -> ToleranceInfo:
    from mechanism.economics.tolerance import load_tolerance_table

    table = load_tolerance_table()
    if table.missing_reason(rule) is not None:
        return ToleranceInfo(0.0, "missing", table.sha256)
    return ToleranceInfo(table.beta(rule), table.source, table.sha256)


def recommended_design() -> Any:
    """``orfl recommend`` for the default scenario (same call, rounded parameters)."""
    from mechanism.economics.recommend import recommend
    from mechanism.economics.scenario import DesignInputs

    return recommend(DesignInputs(), with_sensitivity=False)


def recommended_config(base: ABMConfig | None = None, rec: Any = None, **overrides: Any) -> ABMConfig:
    """ABM config at the parameters ``orfl recommend`` prints, economy at the box's worst vertex.

    Worst case for the defender: the largest gain G (highest value at stake, lowest ETH
    price), the highest gas price for dispute and verification costs, the largest
    censoring fraction, and the lowest base fee for block stuffing. The protocol fields
    are exactly the recommended design (:meth:`Recommendation.as_design`), so the rule and
    tolerance are the ones the design used, not the measured table's. ``rec``: the
    recommendation to use (default: :func:`recommended_design` of the default scenario).
    """
    from mechanism.economics.scenario import verify_cost_usd

    rec = rec if rec is not None else recommended_design()
    inputs = rec.inputs
    eth_low = inputs.eth_price_usd.low
    gas = rec.rule.dispute_gas_per_side
    design = {a: getattr(rec.as_design(), d) for a, d in DESIGN_FIELDS.items()}
    cfg = (base or ABMConfig()).replace(
        **design, trainers=inputs.trainers, challengers=inputs.challengers,
        malicious_fraction=inputs.malicious_fraction,
        gain_eth=inputs.value_at_stake_usd.high / eth_low,
        dispute_cost_eth=float(gas_cost_eth(gas, inputs.gas_price_gwei.high)),
        verify_cost_eth=verify_cost_usd(inputs) / eth_low,
        post_cost_eth=0.0,
        jackpot_eth=inputs.jackpot_eth - float(gas_cost_eth(inputs.claim_gas, inputs.gas_price_gwei.high)),
        interest_rate_per_year=inputs.interest_rate_per_year, censor_fraction=inputs.censor_fraction.high,
        base_fee_gwei=inputs.gas_price_gwei.low, block_gas_limit=inputs.block_gas_limit,
        trainer_lock_blocks=int(inputs.trainer_lock_days * BLOCKS_PER_DAY),
        pending_value_eth=inputs.value_at_stake_usd.high / eth_low,
    )
    return cfg.replace(**overrides) if overrides else cfg


class FullWorkload:
    """``full`` fidelity: real local SGD per trainer, the configured attack for the
    malicious ones, bit-exact fixed-point aggregation with ``cfg.rule``; mirrors one
    round of :func:`agents.fl.training.run_federated` (same helpers, same predicate)."""

    def __init__(self, cfg: ABMConfig, malicious: list[bool]) -> None:
        import numpy as np
        import torch

        from agents.fl import training
        from agents.fl.poisoning import get_attack
        from mechanism.aggregation import get_rule
        from mechanism.fixedpoint import encode_int

        self.cfg, self.torch, self.training = cfg, torch, training
        self.fl = training.FLConfig(model=cfg.full_model, n_trainers=len(malicious), rule=cfg.rule,
                                    attack=cfg.attack, seed=cfg.seed)
        n, m = len(malicious), sum(malicious)
        self.params: dict[str, Any] = training.rule_params(cfg.rule, m, encode_int(self.fl.cc_tau, self.fl.frac_bits))
        get_rule(cfg.rule, **self.params).check_n(n)
        self.attack = get_attack(cfg.attack)
        ss = np.random.SeedSequence([cfg.seed, 0xAB])
        split_rng, torch_ss, attack_ss = (np.random.default_rng(c) for c in ss.spawn(3))
        self.gen = torch.Generator().manual_seed(int(torch_ss.integers(2**62)))
        self.attack_gen = torch.Generator().manual_seed(int(attack_ss.integers(2**62)))
        self.data = training.load_dataset(self.fl.dataset, seed=cfg.seed)
        shards = training.split_dirichlet(self.data.y_train.numpy(), n, self.fl.alpha, split_rng)
        self.sampler = training.ShardSampler(shards)
        self.model = training.FlatModel(training.build_model(self.fl.model, self.data))
        bad = torch.tensor(malicious, dtype=torch.bool)
        self.mal, self.honest = torch.nonzero(bad).flatten(), torch.nonzero(~bad).flatten()
        self.n = n
        self.margin = math.sqrt(self.model.dim) * 8.0 / (1 << self.fl.frac_bits)
        self.w = self.model.init(self.gen).to(torch.float64)
        self.last_updates: Any = None  # (n, dim) float64 updates of the last round
        self.m = m
        self.rounds = 0
        self.slashed: set[int] = set()  # trainers that lost a training dispute (no stake: never publish again)
        self.trainer_disputes: list[Any] = []  # agents.abm.training_disputes.TrainerDispute, in order
        self.updates_excluded = 0  # update-rounds left out of the aggregate (slashed trainers)
        self.disputes: Any = None
        if cfg.training_proofs:
            from agents.abm.training_disputes import TrainerDisputes

            self.disputes = TrainerDisputes(cfg.full_model, shards, self.data.x_train.numpy(),
                                            self.data.y_train.numpy(), self.data.n_classes, self.fl.local_steps,
                                            self.fl.lr, cfg.seed, hidden=self._hidden())
            self.dispute_rng = np.random.default_rng(ss.spawn(1)[0])

    def _agg(self, u: Any) -> Any:
        from mechanism.aggregation import aggregate
        from mechanism.fixedpoint import decode, encode

        return decode(aggregate(self.cfg.rule, encode(u, self.fl.frac_bits), **self.params), self.fl.frac_bits)

    def round(self) -> float:
        """One FL round; returns the new global model's test accuracy."""
        from agents.fl.poisoning import RoundView, project_to_ball

        fl, t = self.fl, self.training
        with t.deterministic():
            deltas = t.local_sgd(self.model, self.w, self.data, self.sampler, steps=fl.local_steps,
                                 batch=fl.batch_size, lr=fl.lr, generator=self.gen,
                                 poisoned=self.mal if self.attack.poisons_data else None,
                                 poison=lambda x, y, g: self.attack.poison(x, y, self.data.n_classes, g))
            deltas = project_to_ball(deltas, fl.norm_bound, self.margin)
            if len(self.mal):
                view = RoundView(deltas[self.honest], deltas[self.mal], self.n, fl.norm_bound, self.attack_gen, self._agg)
                deltas[self.mal] = project_to_ball(self.attack.craft(view), fl.norm_bound, self.margin)
            if self.disputes is not None:
                deltas = self._dispute(deltas)
            self.rounds += 1
            self.last_updates = deltas.detach().cpu().numpy().astype("float64")
            self.w = self.w + self._agg(deltas)
            return float(self.model.evaluate(self.w, self.data.x_test, self.data.y_test)[0])

    def _hidden(self) -> int:
        """Hidden units of the full mode's MLP (its first layer's rows; 0 for logreg)."""
        return int(self.model.shapes[0][0]) if self.cfg.full_model == "mlp" else 0

    def _dispute(self, deltas: Any) -> Any:
        """Training proofs: watchers dispute every trainer whose committed run is not honest
        SGD on its committed shard (the model poisoners; data-only attacks are honest SGD on
        a poisoned shard); losers are slashed and their updates, now and later, left out.
        The rule's parameters follow the remaining malicious count (docs/economics.md,
        'Training proofs')."""
        from agents.fl.training import rule_params
        from mechanism.aggregation import get_rule
        from mechanism.fixedpoint import encode_int

        assert self.disputes is not None
        mal = {int(i) for i in self.mal.tolist()}
        poisoners = set() if self.attack.data_only else mal
        active = [i for i in range(self.n) if i not in self.slashed]
        played = self.disputes.play_round(self.rounds, poisoners, active, self.dispute_rng,
                                          global_model=self.w.detach().cpu().numpy(), evm=self.cfg.training_proofs_evm)
        self.trainer_disputes.extend(played)
        self.slashed |= {d.trainer for d in played if d.slashed}
        keep = [i for i in range(self.n) if i not in self.slashed]
        self.updates_excluded += self.n - len(keep)
        if len(keep) == self.n:
            return deltas
        self.params = rule_params(self.cfg.rule, len(mal - self.slashed), encode_int(self.fl.cc_tau, self.fl.frac_bits))
        get_rule(self.cfg.rule, **self.params).check_n(len(keep))
        return deltas[self.torch.tensor(keep, dtype=self.torch.long)]

    #: Coordinates per commitment leaf of the assertions the full mode's sequencer posts.
    CHUNK_SIZE = 32

    def program(self, n: int) -> dict[str, Any]:
        """Keyword arguments of :func:`agents.protocol.sequencer.aggregate` (and of the
        watcher's re-execution) for ``n`` inputs: ``cfg.rule`` with its integer
        parameters, the commitment shape (``cfg.arity``-ary trees)."""
        return {"rule": self.cfg.rule, "chunk_size": self.CHUNK_SIZE, "arity": self.cfg.arity,
                **{k: int(v) for k, v in self.params.items() if isinstance(v, int | float)}}

    @property
    def dim(self) -> int:
        """Length of one update (the model's parameter count)."""
        return int(self.model.dim)

    def encoded_updates(self) -> Any:
        """The last round's updates as the protocol's trainers publish them: int64 fixed
        point (:func:`agents.protocol.trainer.encode_update`)."""
        from agents.protocol.trainer import encode_update

        if self.last_updates is None:
            raise ParameterError.bad("encoded_updates", None, "available after the first round")
        return encode_update(self.last_updates, self.fl.frac_bits)
