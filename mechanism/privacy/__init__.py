"""Privacy of trainers (docs/privacy.md).

One concept per module:

* ``accounting``: (epsilon, delta) of local DP over rounds with Google's ``dp-accounting``
  (RDP and PLD) and a closed-form zCDP bound;
* ``gaussian``: the Gaussian mechanism on clipped updates each trainer applies before it
  publishes;
* ``disclosure``: which values of which trainer each protocol path makes public,
  measured from the proofs the dispute games actually submit, for each design;
* ``hiding``: salted (hiding) leaf commitments of a trainer's update;
* ``hiding_game``: the aggregation dispute over salted leaves;
* ``committee``: updates encrypted leaf by leaf to a threshold committee (threshold
  ElGamal on alt_bn128 G1, Chaum-Pedersen decryption shares; docs/privacy_committee.md);
* ``committee_game``: the salted-leaf dispute with every opened salt revealed by t checked
  committee shares;
* ``committee_cost``: the committee design's cost model from EVM- and CPU-measured points
  (``mechanism/data/committee_costs.json``).
"""

from __future__ import annotations

from mechanism._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "PrivacyGuarantee": "mechanism.privacy.accounting",
    "calibrate": "mechanism.privacy.accounting",
    "guarantee": "mechanism.privacy.accounting",
    "ldp_epsilon": "mechanism.privacy.accounting",
    "noise_multiplier_for": "mechanism.privacy.accounting",
    "zcdp_epsilon": "mechanism.privacy.accounting",
    "release": "mechanism.privacy.gaussian",
    "commit_hiding": "mechanism.privacy.hiding",
    "play_hiding": "mechanism.privacy.hiding_game",
})
