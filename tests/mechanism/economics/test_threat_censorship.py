"""Censorship threats: the simulated L1's landing frequency vs the analytic figure on a grid."""

from __future__ import annotations

import itertools

import pytest

from mechanism.chain import challenge_lands
from mechanism.economics.threats import censorship
from mechanism.errors import ParameterError
from tests.mechanism.economics._threat_mc import agreement, inside

TRIALS = 600


def test_independent_is_the_bursty_special_case() -> None:
    q = 0.6
    assert censorship.continue_prob(q) == q
    assert censorship.continue_prob(q, 1 / (1 - q)) == pytest.approx(q)
    assert float(censorship.miss_probability(7, q)) == pytest.approx(q**7)
    assert censorship.weak_window_blocks(1e-9, 0.5) == 30  # ceil(ln 1e-9 / ln 0.5)
    with pytest.raises(ParameterError, match="censor_burst_blocks"):
        censorship.continue_prob(0.8, 2.0)  # needs L >= q / (1 - q) = 4


@pytest.mark.parametrize("timed", [False, True])
def test_landing_matches_analytic_independent_and_bursty(timed: bool) -> None:
    cells = []
    for i, (q, burst, w) in enumerate(itertools.product([0.3, 0.6], [0.0, 5.0], [1, 3, 6])):
        miss = float(censorship.miss_probability(w, q, burst, timed=timed))
        cells.append(inside(lambda r, q=q, b=burst, w=w: challenge_lands(w, r, q=q, burst_blocks=b, timed=timed),
                            1 - miss, TRIALS, 100 + i))
    assert agreement(cells) >= 0.9, cells


def test_landing_matches_analytic_with_inclusion_lists() -> None:
    cells = []
    for i, (q, k, w) in enumerate(itertools.product([0.5, 0.8], [1, 2], [1, 2, 4])):
        miss = float(censorship.miss_probability(w, q, 0.0, inclusion_lists=True, committee=k))
        cells.append(inside(lambda r, q=q, k=k, w=w: challenge_lands(w, r, q=q, il_committee=k), 1 - miss, TRIALS, 200 + i))
    assert agreement(cells) >= 0.9, cells


def test_strong_censorship_only_ends_with_the_social_response() -> None:
    cells = []
    for i, (r_blocks, w, q) in enumerate([(5, 5, 0.0), (5, 6, 0.0), (5, 8, 0.5), (10, 12, 0.7), (10, 9, 0.2)]):
        miss = 1.0 if w <= r_blocks else float(censorship.miss_probability(w - r_blocks, q))
        cells.append(inside(lambda rng, rb=r_blocks, w=w, q=q: challenge_lands(w, rng, q=q, strong_blocks=rb),
                            1 - miss, TRIALS, 300 + i))
    assert agreement(cells) == 1.0, cells  # deterministic cells cannot miss; the others rarely do
