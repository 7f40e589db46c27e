"""The agent-based model (Mesa 3.3): one step is one L1 block, agents act on events.

* :mod:`~agents.abm.model` -- :class:`RollupModel` and :func:`run_config`;
* :mod:`~agents.abm.trainer`, :mod:`~agents.abm.sequencer`, :mod:`~agents.abm.challenger`,
  :mod:`~agents.abm.adversary` -- the four agents;
* :mod:`~agents.abm.learning_rules` -- EXP3, logit and fictitious play for two-action players;
* :mod:`~agents.abm.config` -- :class:`ABMConfig` (from a :class:`mechanism.design.Design`);
* :mod:`~agents.abm.adapter` -- the ledger and equilibria the model reads from the mechanism;
* :mod:`~agents.abm.sweep` -- grid and Latin-hypercube sweeps on a process pool or Dask;
* :mod:`~agents.abm.threats` -- the threat processes a fraud's watchers meet, drawn from the
  simulated L1 (docs/abm_threats.md);
* :mod:`~agents.abm.threat_experiment` -- the ABM at the period recommended under a threat
  model, both order flows, with Clopper-Pearson intervals;
* :mod:`~agents.abm.training_disputes` -- full mode with training proofs: trainers' committed
  runs, the watcher's re-execution and the training dispute game (docs/economics.md,
  'Training proofs').
"""

from __future__ import annotations

from mechanism._lazy import lazy_exports

_EXPORTS = {
    "RollupModel": "agents.abm.model",
    "run_config": "agents.abm.model",
    "ABMConfig": "agents.abm.config",
    "run_sweep": "agents.abm.sweep",
    "threat_experiment": "agents.abm.threat_experiment",
    "load_sweep": "agents.abm.sweep",
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
