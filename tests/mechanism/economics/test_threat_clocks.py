"""The game's clocks: simulated honest moves vs the analytic probability; the q = 0.99 case."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mechanism.chain import moves_in_time
from mechanism.economics.threats import clocks, safe_game_clocks
from mechanism.economics.threats.episodes import episodes_of
from mechanism.economics.threats.model import ThreatModel
from mechanism.errors import InfeasibleError
from tests.mechanism.economics._threat_mc import agreement, inside

TRIALS = 500


def _weak(q: float, burst: float = 0.0, timed: bool = True) -> ThreatModel:
    return ThreatModel(censor_fraction=q, censor_burst_blocks=burst, attacker_timed=timed, strong_censorship=False,
                       outage_prob=0.0, common_mode_prob=0.0)


def test_each_move_lands_in_time_per_move_clock() -> None:
    cells = []
    for i, (q, burst, c, n) in enumerate(itertools.product([0.4, 0.7], [0.0, 6.0], [2, 5], [1, 3])):
        m = _weak(q, burst)
        p_move = float(clocks.weak_miss(m, c))
        cells.append(inside(lambda r, q=q, b=burst, c=c, n=n: moves_in_time(n, c, r, q=q, burst_blocks=b, timed=True),
                            (1 - p_move) ** n, TRIALS, 600 + i))
    assert agreement(cells) >= 0.9, cells


def test_whole_game_in_time_chess_clock() -> None:
    cells = []
    for i, (q, burst, n, cc) in enumerate(itertools.product([0.4, 0.7], [0.0, 6.0], [2, 4], [6, 14])):
        m = _weak(q, burst)
        sf = clocks.weak_sum_survival(m, n)
        cells.append(inside(lambda r, q=q, b=burst, n=n, cc=cc: moves_in_time(n, cc, r, chess=True, q=q, burst_blocks=b,
                                                                              timed=True),
                            1 - float(sf[cc]), TRIALS, 700 + i))
    assert agreement(cells) >= 0.9, cells


def test_strong_episode_loses_short_per_move_clocks_but_not_a_chess_clock() -> None:
    rng = np.random.default_rng(1)
    assert not any(moves_in_time(3, 10, rng, strong_blocks=10) for _ in range(20))
    assert all(moves_in_time(3, 14, rng, chess=True, strong_blocks=10) for _ in range(20))  # 11 + 1 + 1 + ... <= 14
    m = ThreatModel(censor_fraction=0.0, strong_censorship=True, social_response_hours=10 * 12 / 3600,
                    outage_prob=0.0, common_mode_prob=0.0)
    ep = episodes_of(m)
    assert clocks.least_clock(m, ep, 1e-6, 3, "per_move") == 11
    assert clocks.least_clock(m, ep, 1e-6, 3, "chess") == 13  # R + one block per move


def test_censor_fraction_099_never_silently_safe() -> None:
    m = ThreatModel(censor_fraction=0.99, attacker_timed=False, strong_censorship=False, outage_prob=0.0,
                    common_mode_prob=0.0)
    ep = episodes_of(m)
    loss = clocks.loss_per_move(m, ep, 300, 5)
    assert loss >= 1 - (1 - 0.99**300) ** 5 > 0.2  # about 22 %, never 1e-6
    with pytest.raises(InfeasibleError, match="dispute clocks"):
        safe_game_clocks(m, 1e-6, 5, move_clock_blocks=300, lengthen=False)
    g = safe_game_clocks(m, 1e-6, 5, move_clock_blocks=300)
    assert g.lengthened and g.clock_blocks > 300 and g.honest_loss_probability <= 1e-6
    assert g.chess_bound_blocks < g.per_move_bound_blocks
    with pytest.raises(InfeasibleError, match="dispute clocks"):
        safe_game_clocks(m, 1e-6, 5, max_clock_blocks=1000)
