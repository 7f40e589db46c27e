"""The watcher: an honest verifier of every assertion and every published update.

* It re-executes every posted assertion from the round's published inputs (the real
  aggregation, :func:`agents.protocol.sequencer.aggregate`, honestly) and, ``detect``
  blocks after a posting whose output root differs from its own, challenges it with its
  bond; in the arbiter's game it plays the challenger's side with its own trace and
  settles a game it won.
* It checks every published update with the validity predicates
  (:func:`mechanism.rollup.disputes.trainer_violation`) and disputes an invalid one in
  ``TrainerValidity`` (``challenge_trainer``), then proves the violation there.
* It sends the timeouts of disputes whose clock ran out.

The adversary censors its dispute transactions in a fraction q of blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.protocol.actor import Actor
from agents.protocol.sequencer import Claim, aggregate, program_of


def re_execute(x: np.ndarray, **program: Any) -> Claim:
    """The honest assertion of inputs ``x`` (:func:`~agents.protocol.sequencer.aggregate`'s
    keyword arguments in ``program``): what a verifier computes from the published data."""
    return aggregate(x, False, np.random.default_rng(0), **program)


def play_dispute(posted: Claim, program: dict[str, Any], rng: np.random.Generator,
                 challenger_strategy: str | None = None, clock_blocks: int = 20) -> Any:
    """A challenger's dispute of ``posted`` in the real bisection game, off chain: it
    re-executes the posted inputs itself and plays its own honest trace (or, griefing,
    ``challenger_strategy``) against the proposer's posted trace; the
    :class:`~mechanism.rollup.disputes.DisputeOutcome`."""
    from mechanism.rollup.disputes import play_claim

    mine = re_execute(posted.x, **program)
    return play_claim(posted.x, mine.honest, posted.claimed, rng, challenger_strategy, clock_blocks)


class Watcher(Actor):
    """Re-executes assertions, checks updates, challenges what is wrong."""

    censorable = True

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.expected: dict[int, Claim] = {}  # assertion id -> the watcher's own re-execution
        self.parties: dict[int, Any] = {}  # dispute id -> the challenger's player of its game

    # ------------------------------------------------------------ assertions
    def re_execute(self, aid: int) -> Claim:
        """The honest assertion of ``aid``'s round from the published inputs."""
        if aid not in self.expected:
            rnd = self.dep.rollup.assertion(aid)["round"]
            x = np.stack([self.dep.update_of(t, rnd) for t in self.dep.round_inputs(rnd)])
            self.expected[aid] = re_execute(x, **program_of(self.dep, len(x)))
        return self.expected[aid]

    def is_wrong(self, aid: int) -> bool:
        return self.dep.rollup.assertion(aid)["output_root"] != self.re_execute(aid).claim.output_root

    def check_assertion(self, aid: int, block: int) -> None:
        """Challenge a wrong assertion once it was re-executed (``detect_blocks`` after posting)."""
        a = self.dep.rollup.assertion(aid)
        if block >= a["posted_block"] + self.dep.design.detect_blocks and self.is_wrong(aid):
            self.send("challenge_assertion", aid, value=self.dep.params.challenger_bond_wei, censor=True)

    def on_challenged(self, did: int, aid: int) -> None:
        """Prepare the challenger's player of the game (it plays its own honest trace)."""
        from mechanism.rollup.disputes import game_parties

        c = self.re_execute(aid)
        self.parties[did] = game_parties(c.x, c.honest, c.honest, np.random.default_rng([self.dep.cfg.seed, did]))[1]

    # ------------------------------------------------------------ updates
    def check_updates(self, rnd: int, trainers: list[Any], block: int | None = None) -> None:
        """Dispute every published, still staked, invalid update of round ``rnd`` -- while
        the round's trainer-challenge window is open at ``block`` (``Rollup.challenge_trainer``
        refuses it afterwards: "challenge window over")."""
        r = self.dep.rollup
        if block is not None and rnd == r.counter("next_round") \
                and block >= r.counter("round_open_block") + self.dep.params.assertion_delay_blocks:
            return
        published = sorted(t.address for t in trainers if t.address in self.dep.data.get(rnd, {}) and t.published(rnd))
        for t in published:
            pred = self.dep.violation(t, rnd)
            if pred and self.dep.rollup.stake_of(t) > 0:
                self.send("challenge_trainer", t, rnd, pred, value=self.dep.params.challenger_bond_wei, censor=True)

    # ------------------------------------------------------------ the game
    def perform(self, fn: str, args: tuple[Any, ...], value: int, block: int) -> list[Any]:
        if fn == "game_act":
            return [("GameMove", {"dispute": args[0], "gas": rec.gas})
                    for rec in self.dep.arbiter.act(args[0], self.parties[args[0]], block)]
        return super().perform(fn, args, value, block)
