"""Per-party chess clocks in the Python game (mirror of ``DisputeGame.vy``'s
``set_chess_clock``): a party spends one budget over all its moves, the other's time is
untouched, and the whole game ends within 2 C blocks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from mechanism.dispute import build_program, honest_trace, play
from mechanism.dispute.game import CHALLENGER, PROPOSER, DisputeGame
from mechanism.errors import DisputeError


def finished_game(rule: str = "median", liar: str = "proposer", seed: int = 1) -> DisputeGame:
    """A per-move game played to its verdict (its accepted moves are replayed below)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2**30), 2**30, size=(5, 20))
    prog = build_program(rule, 5, 20, **({"f": 1} if rule == "trimmed_mean" else {}))
    _res, g = play(prog, x, honest_trace(prog, x, 4, 2), liar, "random_step", rng)
    assert g is not None and g.winner is not None
    return g


def rerun(g0: DisputeGame, chess: int | None, delays: Sequence[int], clock: int = 5) -> DisputeGame:
    """Replay ``g0``'s accepted moves on a fresh game, move i ``delays[i]`` blocks after the
    previous one; a party out of time is timed out one block after its deadline (the late
    move is attempted first and must be rejected). Attempts are recorded for the EVM."""
    g = DisputeGame(ctx=g0.ctx, clock_blocks=clock, chess_clock_blocks=chess)
    moves = [(n, a) for n, a, ok, _b in g0.attempts if ok and n != "timeout"]
    block = 0
    for (name, args), dl in zip(moves, delays, strict=False):
        block += dl
        new = (args[0], block, *args[2:])
        try:
            getattr(g, name)(*new)
            g.attempts.append((name, new, True, block))
        except DisputeError:
            g.attempts.append((name, new, False, block))
            t = g.deadline + 1
            g.timeout(t)
            g.attempts.append(("timeout", (t,), True, t))
        if g.winner is not None:
            break
    if g.winner is None:  # the original game ended on a clock: the party to move stalls again
        t = g.deadline + 1
        g.timeout(t)
        g.attempts.append(("timeout", (t,), True, t))
    return g


def test_a_chess_clock_lets_a_party_spend_its_time_where_it_needs_it() -> None:
    g0 = finished_game()
    n = len([a for a in g0.attempts if a[2] and a[0] != "timeout"])
    slow_first = [9] + [1] * (n - 1)  # a 9-block first move: beyond a 5-block per-move clock
    per_move = rerun(g0, None, slow_first)
    assert per_move.winner == PROPOSER and "challenger missed" in per_move.reason
    chess = rerun(g0, 6 * n, slow_first)
    assert chess.winner == g0.winner and chess.reason == g0.reason  # the same verdict, in time
    # the challenger paid 9 + 1 + ... of its budget; the proposer only its own moves
    used = {p: 6 * n - left for p, left in chess.time_left.items()}
    assert used[CHALLENGER] == 9 + sum(1 for m in chess.moves[1:] if m.party == CHALLENGER)
    assert used[PROPOSER] == sum(1 for m in chess.moves if m.party == PROPOSER)


def test_running_out_of_the_budget_loses_whoever_spent_it() -> None:
    g0 = finished_game()
    n = len([a for a in g0.attempts if a[2] and a[0] != "timeout"])
    # the proposer's moves are the odd ones (challenge, reveal, choose, ...): make them slow
    slow_proposer = [1 if i % 2 == 0 else 4 for i in range(n)]
    g = rerun(g0, 7, slow_proposer)
    assert g.winner == CHALLENGER and "proposer missed" in g.reason
    assert g.attempts[-2][2] is False and g.attempts[-1][0] == "timeout"


@pytest.mark.parametrize("seed", range(6))
def test_the_game_ends_within_twice_the_chess_clock(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g0 = finished_game(liar=["proposer", "challenger"][seed % 2], seed=seed)
    c = int(rng.integers(5, 40))
    g = rerun(g0, c, rng.integers(1, 12, size=40).tolist())
    assert g.winner is not None and g.bound_blocks == 2 * c
    last = g.attempts[-1][3]
    assert last <= 2 * c + 1  # a timeout comes one block after the last deadline
    assert all(v >= 0 for v in g.time_left.values())


def test_a_chess_clock_must_be_positive() -> None:
    g0 = finished_game()
    with pytest.raises(DisputeError, match="chess_clock_blocks"):
        DisputeGame(ctx=g0.ctx, chess_clock_blocks=0)
    assert DisputeGame(ctx=g0.ctx).bound_blocks is None
