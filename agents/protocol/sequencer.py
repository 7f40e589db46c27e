"""The sequencer: aggregates each round's published inputs and posts the assertion.

It waits until the round's publication and trainer-challenge windows are over (the first
block ``Rollup.post_assertion`` accepts: the inputs are then fixed but for the round's
open validity disputes) and no validity dispute of the round is active, then aggregates the round's inputs -- the published updates in order of publication,
without those proven invalid -- with the real aggregation core (the trace program of
the configured rule, :func:`mechanism.rollup.disputes.assert_round_with`) and posts the
assertion with its bond. A malicious sequencer lies, on the first attempt of a round
with probability 1/2, *consistently*: one wrong output value with every commitment
computed from it, so only the bisection and the one-step verifier expose it.

In an assertion dispute it opens the arbiter's game with the published input roots,
plays the proposer's side (the trace it posted) and settles a game it won; after the
challenge period of an undisputed assertion it finalises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.protocol.actor import Actor, Outbox
from agents.protocol.deployment import Deployment


@dataclass(frozen=True)
class Claim:
    """An assertion the sequencer made: the claim, its honest and posted traces, inputs."""

    claim: Any
    honest: Any
    claimed: Any
    x: np.ndarray

    @property
    def wrong(self) -> bool:
        return bool(self.claim.wrong)


def aggregate(x: np.ndarray, lie: bool, rng: np.random.Generator, *, rule: str, chunk_size: int, arity: int,
              **rule_params: Any) -> Claim:
    """The round's assertion from the (n, d) int64 inputs ``x``: the real aggregation's
    trace program of ``rule`` (honest), or a consistent lie
    (:func:`mechanism.rollup.disputes.lying_trace`); commitments over ``chunk_size``
    coordinates per leaf in ``arity``-ary trees."""
    from mechanism.rollup.disputes import assert_round_with

    claim, _, honest, claimed = assert_round_with(rule, x, chunk_size, arity, lie, rng, **rule_params)
    return Claim(claim, honest, claimed, x)


def program_of(dep: Deployment, n: int) -> dict[str, Any]:
    """:func:`aggregate`'s keyword arguments for ``n`` inputs: the arbiter's program."""
    g = dep.game_cfg
    return {"rule": g.rule, "chunk_size": g.chunk, "arity": g.arity, **g.rule_params(n)}


class Sequencer(Actor):
    """Honest, or ``malicious`` (lies on a round's first attempt with probability 1/2)."""

    def __init__(self, dep: Deployment, outbox: Outbox, malicious: bool, rng: np.random.Generator) -> None:
        super().__init__(dep, outbox)
        self.malicious, self.rng = malicious, rng
        self.claims: dict[int, Claim] = {}  # assertion id -> claim (-1: posted, not yet included)
        self.parties: dict[int, Any] = {}  # dispute id -> the proposer's player of its game
        self.aid, self.posted, self.attempt = 0, False, 0
        self.frauds_attempted = 0

    # ------------------------------------------------------------ the round
    def ready(self, rnd: int, trainers: list[Any]) -> bool:
        """None of the round's validity disputes is active (after the trainer-challenge
        window no new one can be opened, so the round's inputs are then final)."""
        return self.dep.rollup.open_trainer_disputes(rnd) == 0

    def propose(self, rnd: int, trainers: list[Any], block: int) -> None:
        """Post round ``rnd``'s assertion once the round is ready (one at a time) and its
        publication and trainer-challenge windows are over at ``block`` (docs/protocol.md)."""
        r = self.dep.rollup
        if self.posted or -1 in self.claims or r.counter("next_round") != rnd:
            return
        if block < r.counter("round_open_block") + self.dep.params.assertion_delay_blocks:
            return
        if not self.ready(rnd, trainers):
            return
        inputs = self.dep.round_inputs(rnd)
        if not inputs:
            return
        x = np.stack([self.dep.update_of(t, rnd) for t in inputs])
        lie = self.malicious and self.attempt == 0 and bool(self.rng.random() < 0.5)
        self.attempt += 1
        self.frauds_attempted += int(lie)
        c = aggregate(x, lie, self.rng, **program_of(self.dep, len(x)))
        self.claims[-1] = c
        self.send("post_assertion", rnd, c.claim.input_root, c.claim.output_root, c.claim.stats_root,
                  c.claim.num_inputs, value=self.dep.params.sequencer_bond_wei)

    def finalise_due(self, block: int) -> None:
        """Finalise the pending assertion once its period passed undisputed."""
        if not (self.posted and self.aid in self.claims):
            return
        a = self.dep.rollup.assertion(self.aid)
        if block >= a["posted_block"] + self.dep.params.challenge_period_blocks and a["open_disputes"] == 0:
            self.send("finalise", self.aid)

    # ------------------------------------------------------------ events
    def on_posted(self, aid: int) -> None:
        self.aid, self.posted = aid, True
        self.claims[aid] = self.claims.pop(-1)

    def on_reverted(self) -> None:
        self.posted = False

    def on_finalised(self) -> None:
        self.posted, self.attempt = False, 0

    def on_challenged(self, did: int, aid: int) -> None:
        """Prepare the proposer's player of the game (it believes the posted trace)."""
        from mechanism.rollup.disputes import game_parties

        c = self.claims[aid]
        self.parties[did] = game_parties(c.x, c.honest, c.claimed, np.random.default_rng([self.dep.cfg.seed, did]))[0]

    # ------------------------------------------------------------ the game
    def perform(self, fn: str, args: tuple[Any, ...], value: int, block: int) -> list[Any]:
        if fn == "open_game":
            from mechanism.rollup.disputes import input_roots

            c = self.claims[self.dep.rollup.dispute(args[0])["subject"]]
            return list(self.dep.arbiter.transact(self.address, fn, args[0], input_roots(c.honest),
                                                  c.claimed.roots[0]).events)
        if fn == "game_act":
            return [("GameMove", {"dispute": args[0], "gas": rec.gas})
                    for rec in self.dep.arbiter.act(args[0], self.parties[args[0]], block)]
        return super().perform(fn, args, value, block)
