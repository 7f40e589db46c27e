"""The players: the learning workload, the protocol's actors and the agent-based model.

* :mod:`agents.fl` -- federated learning: data sets, networks, local SGD, poisoning, tolerance;
* :mod:`agents.protocol` -- the honest trainer, sequencer and watcher that drive the rollup;
* :mod:`agents.abm` -- the Mesa model of rational trainers, sequencers, challengers, adversary;
* :mod:`agents.store` -- the one Parquet results store and its key function.
"""

from __future__ import annotations

from mechanism._lazy import lazy_exports

_EXPORTS = {
    "ResultsStore": "agents.store",
    "config_key": "agents.store",
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
