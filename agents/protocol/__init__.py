"""The L1 protocol's actors, one concept per module, and the run that drives them.

* :mod:`~agents.protocol.config` -- :class:`ProtocolConfig`: the run's size, update shape,
  aggregation program, validity bound, transaction pricing and funding (money, clocks
  and period come from a :class:`mechanism.design.Design`);
* :mod:`~agents.protocol.deployment` -- :class:`Deployment`: the rollup, the arbiter and
  the trainer-validity contract (Python mirrors or the Vyper contracts in the EVM), and
  the updates each round published;
* :mod:`~agents.protocol.actor` -- :class:`Actor` and the shared :class:`Outbox` (the
  mempool of :class:`mechanism.chain.Chain`);
* :mod:`~agents.protocol.trainer` -- :class:`Trainer`: registers, publishes, defends; the
  scheduled invalid update;
* :mod:`~agents.protocol.sequencer` -- :class:`Sequencer` (honest or malicious) and
  :func:`aggregate`, the assertion from the real aggregation's trace program;
* :mod:`~agents.protocol.watcher` -- :class:`Watcher`: re-executes, checks, challenges;
  :func:`re_execute` and :func:`play_dispute` (the off-chain game the ABM's full mode
  plays);
* :mod:`~agents.protocol.updates` -- the update providers (synthetic, real local SGD);
* :mod:`~agents.protocol.run` -- :class:`ProtocolRun` / :func:`run_protocol`.

Importing this package does not import torch (the fixed-point encoding and the
validity predicates are imported when a trainer publishes or a watcher checks).
"""

from agents.protocol.actor import Actor, Outbox
from agents.protocol.config import ProtocolConfig
from agents.protocol.deployment import Deployment
from agents.protocol.run import ProtocolRun, run_protocol
from agents.protocol.sequencer import Claim, Sequencer, aggregate, program_of
from agents.protocol.trainer import Trainer, encode_update, pick_invalid
from agents.protocol.updates import real_updates, synthetic_updates
from agents.protocol.watcher import Watcher, play_dispute, re_execute

__all__ = [
    "Actor",
    "Claim",
    "Deployment",
    "Outbox",
    "ProtocolConfig",
    "ProtocolRun",
    "Sequencer",
    "Trainer",
    "Watcher",
    "aggregate",
    "encode_update",
    "pick_invalid",
    "play_dispute",
    "program_of",
    "re_execute",
    "real_updates",
    "run_protocol",
    "synthetic_updates",
]
