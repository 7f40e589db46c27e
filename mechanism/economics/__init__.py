"""Incentive analysis of the optimistic-rollup FL protocol (the model: docs/economics.md).

One concept per module; import the module you need (nothing heavy is imported here, and
``__all__`` names the submodules):

* :mod:`~mechanism.units` -- wei/gwei/ETH/USD, blocks/hours/years, dated market defaults;
* :mod:`~mechanism.economics.workload` -- dispute gas, re-execution time and tolerance table
  (from the calibrated dispute-game models);
* :mod:`~mechanism.economics.payoffs` -- sequencer, challenger and trainer payoffs;
* :mod:`~mechanism.economics.inspection` -- the inspection game, its equilibria, the verifier's dilemma;
* :mod:`~mechanism.economics.remedies` -- forced errors with jackpots, attention challenges;
* :mod:`~mechanism.economics.bounds` -- bond, stake, BoLD, Sybil and capital-cost bounds;
* :mod:`~mechanism.economics.period` -- the challenge period and its censorship bounds;
* :mod:`~mechanism.economics.scenario` -- designer inputs and the uncertainty box;
* :mod:`~mechanism.economics.constraints` -- the design problem: named rows and columns,
  problem and result types, the row builders;
* :mod:`~mechanism.economics.optimum` -- its exact (closed-form) optimum;
* :mod:`~mechanism.economics.solvers` -- the same LP with cvxpy and scipy;
* :mod:`~mechanism.economics.attacks` / :mod:`~mechanism.economics.bruteforce` -- independent
  safety evaluation and brute-force cross-check;
* :mod:`~mechanism.economics.threats` -- the threat model behind the period and the game's clocks;
* :mod:`~mechanism.economics.tolerance` -- the measured tolerance table and its provenance;
* :mod:`~mechanism.economics.training_dispute` -- the measured gas of a training dispute;
* :mod:`~mechanism.economics.recommend` -- the logic behind ``orfl recommend``.
"""

__all__ = [
    "attacks",
    "bounds",
    "bruteforce",
    "constraints",
    "inspection",
    "optimum",
    "payoffs",
    "period",
    "recommend",
    "remedies",
    "scenario",
    "solvers",
    "threats",
    "tolerance",
    "training_dispute",
    "workload",
]
