"""Update providers: round ``r`` -> the ``(trainers, dim)`` float updates of that round.

* :func:`synthetic_updates` -- i.i.d. Gaussian N(0, 0.05^2) from the run seed;
* :func:`real_updates` -- honest local SGD on the embedded digits task (through the
  ABM's full workload, :class:`agents.abm.adapter.FullWorkload`), one FL round per rollup
  round; a redone round reuses its updates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UpdateProvider = Callable[[int, int], Any]

#: Length of a synthetic update.
SYNTHETIC_DIM = 64


def synthetic_updates(seed: int, dim: int = SYNTHETIC_DIM) -> UpdateProvider:
    """Round r -> (trainers, dim) float updates, i.i.d. N(0, 0.05^2) from the run seed."""
    import numpy as np

    rng = np.random.default_rng([seed, 0x5EED])

    def make(rnd: int, trainers: int) -> Any:
        return rng.normal(0, 0.05, size=(trainers, dim))

    return make


def real_updates(trainers: int, seed: int, rule: str = "trimmed_mean") -> tuple[UpdateProvider, int]:
    """Real learning updates of ``trainers`` honest trainers; (provider, update length)."""
    from agents.abm.adapter import FullWorkload
    from agents.abm.config import ABMConfig

    wl = FullWorkload(ABMConfig(rule=rule, seed=seed, trainers=trainers), [False] * trainers)
    cache: dict[int, Any] = {}

    def make(rnd: int, n: int) -> Any:
        if rnd not in cache:
            wl.round()
            cache[rnd] = wl.last_updates
        return cache[rnd][:n]

    return make, wl.dim
