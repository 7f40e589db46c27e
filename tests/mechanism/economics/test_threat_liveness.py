"""L1 outages and watcher availability: simulated landing vs analytic, and the episode bound."""

from __future__ import annotations

import itertools

import pytest

from mechanism.chain import challenge_lands
from mechanism.economics.threats import availability, liveness
from mechanism.economics.threats.episodes import episodes_of
from mechanism.economics.threats.model import ThreatModel
from mechanism.economics.threats.period import landing_bound
from tests.mechanism.economics._threat_mc import agreement, inside

TRIALS = 600


def test_outage_landing_matches_analytic() -> None:
    cells = []
    for i, (mu, p, w) in enumerate(itertools.product([2.0, 6.0], [0.5, 1.0], [1, 4, 10])):
        miss = float(liveness.outage_survival(w - 1, mu, p))
        cells.append(inside(lambda r, mu=mu, p=p, w=w: challenge_lands(w, r, outage_prob=p, outage_mean_blocks=mu),
                            1 - miss, TRIALS, 400 + i))
    assert agreement(cells) >= 0.9, cells


def test_watcher_availability_matches_analytic() -> None:
    cells = []
    grid = itertools.product([1, 3], [0.6, 0.9], [0.0, 0.5], [2, 8])
    for i, (m, a, c, w) in enumerate(grid):
        act = float(availability.watcher_act_probability(w, m, a, c, 4.0))
        cells.append(inside(lambda r, m=m, a=a, c=c, w=w: challenge_lands(
            w, r, watchers=m, watcher_online_prob=a, common_prob=c, common_mean_blocks=4.0), act, TRIALS, 500 + i))
    assert agreement(cells) >= 0.9, cells


def test_outage_quantile() -> None:
    d = liveness.outage_blocks(1e-6, 200.0)
    assert float(liveness.outage_survival(d, 200.0)) <= 1e-6 < float(liveness.outage_survival(d - 1, 200.0))
    assert d == pytest.approx(200 * 13.8155, rel=1e-2)


def test_all_threats_together_stay_below_the_union_bound() -> None:
    """Every threat at once on the simulated L1: the measured miss frequency's 95% lower
    limit never exceeds the analytic union bound ``P_land`` of :func:`landing_bound`."""
    m = ThreatModel(censor_fraction=0.5, censor_burst_blocks=3.0, strong_censorship=True,
                    social_response_hours=4 * 12 / 3600, outage_mean_minutes=3 * 12 / 60, outage_prob=0.5,
                    watchers=2, watcher_online_prob=0.9, common_mode_prob=0.3, common_mode_mean_hours=3 * 12 / 3600)
    ep = episodes_of(m)
    import numpy as np

    from analyses.censorship import clopper_pearson

    floor = availability.no_watcher_probability(m.watchers, m.watcher_online_prob)
    for w in (6, 10, 16):
        rng = np.random.default_rng(w)
        n = 800
        misses = sum(not challenge_lands(w, rng, q=0.5, burst_blocks=3.0, timed=True, strong_blocks=4, outage_prob=0.5,
                                         outage_mean_blocks=3.0, watchers=2, watcher_online_prob=0.9, common_prob=0.3,
                                         common_mean_blocks=3.0) for _ in range(n))
        lo, _ = clopper_pearson(misses, n)
        assert lo <= floor + landing_bound(m, ep, w), (w, misses / n)
