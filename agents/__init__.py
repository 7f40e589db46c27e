"""The players: the learning workload, the protocol's actors and the agent-based model.

* :mod:`agents.fl` -- federated learning: data sets, networks, local SGD, poisoning, tolerance;
* :mod:`agents.protocol` -- the honest trainer, sequencer and watcher that drive the rollup;
* :mod:`agents.abm` -- the Mesa model of rational trainers, sequencers, challengers, adversary;
* :mod:`agents.store` -- the one Parquet results store and its key function.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ResultsStore": "agents.store",
    "config_key": "agents.store",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
