"""``DisputeGame.vy``'s per-party chess clocks (``set_chess_clock``) accept and reject
exactly the moves the Python game does, and time out the same party."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.evm import dispute_game as dg
from tests.mechanism.dispute.test_chess_clock import finished_game, rerun

pytestmark = pytest.mark.evm


@pytest.mark.parametrize(("liar", "seed", "budget", "slow", "reason"), [
    ("proposer", 1, 60, 9, "one-step verifier"), ("proposer", 1, 7, 4, "proposer missed its clock"),
    ("challenger", 2, 12, 5, "challenger missed its clock"), ("proposer", 4, 25, 11, "challenger missed its clock")])
def test_chess_clock_differential(liar: str, seed: int, budget: int, slow: int, reason: str) -> None:
    """A verdict in time, and each party running out of its budget (its late move rejected
    on both sides, then the timeout)."""
    g0 = finished_game(liar=liar, seed=seed)
    delays = np.random.default_rng(seed).integers(1, slow + 1, size=40).tolist()
    g = rerun(g0, budget, delays)
    assert g.reason == reason
    assert g.chess_clock_blocks == budget
    ev = dg.replay(g)  # the driver sets the chess clock right after deploying  # raises if the EVM accepts a move the Python game rejected, or vice versa
    assert ev.winner == g.winner


def test_only_the_creator_sets_it_and_only_before_the_challenge() -> None:
    import boa

    g0 = finished_game()
    ctx = g0.ctx
    prop, chal = boa.env.generate_address("p"), boa.env.generate_address("c")
    c = dg._deployer().deploy(prop, chal, list(ctx.input_roots), ctx.stage_roots[0], ctx.stage_roots[1],
                              ctx.program.d, ctx.chunk_size, ctx.arity, 3, 1, 0, 5)
    with boa.env.prank(chal), boa.reverts("creator"):
        c.set_chess_clock(100)
    with boa.reverts("budget"):
        c.set_chess_clock(0)
    c.set_chess_clock(100)
    assert c.clock() == 0 and c.chess_clock() == 100 and c.deadline() == c.turn_start() + 100
    with boa.reverts("started"):
        c.set_chess_clock(50)
