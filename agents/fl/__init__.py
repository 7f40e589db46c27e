"""The federated-learning workload and its measured malicious device tolerance.

* :mod:`~agents.fl.datasets` -- embedded data sets and IID / Dirichlet splits;
* :mod:`~agents.fl.networks` -- logistic regression, MLP and CNN as flat parameter vectors;
* :mod:`~agents.fl.training` -- deterministic vectorised local SGD and FL rounds;
* :mod:`~agents.fl.poisoning` -- the poisoning attacks of malicious trainers;
* :mod:`~agents.fl.convergence` -- the rounds to convergence, measured once and fixed;
* :mod:`~agents.fl.tolerance` -- the tolerance grid, its intervals and table;
* :mod:`~agents.fl.findings` -- published findings and the norm-bound experiment.
"""

from __future__ import annotations

from mechanism._lazy import lazy_exports

_EXPORTS = {
    "FLConfig": "agents.fl.training",
    "run_federated": "agents.fl.training",
    "load_dataset": "agents.fl.datasets",
    "build_model": "agents.fl.networks",
    "get_attack": "agents.fl.poisoning",
    "tolerance_table": "agents.fl.tolerance",
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
