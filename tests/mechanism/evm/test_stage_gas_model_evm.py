"""The calibrated gas model prices every stage's one-step of every rule within 5% of the
EVM, at two sizes off the calibration grids.

For each rule of :data:`mechanism.dispute.gas_fold.GAME_RULES` (its own program with the
rule's defaults) and each stage's on-chain one-step (:func:`gas_fold.stage_onestep`), the
one-step transaction(s) the model puts at the end of that stage's game (Bulyan's selection
with its structural tie witnesses) are compared with the
same one-step run on chain (:func:`mechanism.evm.calibrate.measure_stage`: MapVerifier,
FoldVerifier, KrumVerifier and SelectVerifier calls, DisputeGame.vy games for the column
and the plain coordinate Map stages). Stages repeated by iterations (Weiszfeld, centered
clipping) are measured once per one-step kind.
"""

import numpy as np
import pytest

from mechanism.dispute import honest_trace
from mechanism.dispute.gas_fold import GAME_RULES, program_stage_costs, rule_program, stage_onestep
from mechanism.evm.calibrate import measure_stage
from mechanism.units import MAX_TX_GAS

pytestmark = [pytest.mark.evm, pytest.mark.slow]

SIZES = ((24, 3000, 16, 16), (40, 700, 8, 4))


@pytest.mark.parametrize("size", SIZES)
def test_model_within_5_percent_of_the_evm_for_every_stage_and_rule(size) -> None:
    n, d, c, k = size
    x = np.random.default_rng(n).integers(-(1 << 39), 1 << 39, size=(n, d), dtype=np.int64)
    gaps = {}
    for rule in GAME_RULES:
        prog = rule_program(rule, n, d)
        tr = honest_trace(prog, x, c, k)
        costs = program_stage_costs(prog, c, k)
        seen = set()
        for s, (name, _kind, cost) in enumerate(costs):
            one = stage_onestep(prog, s)
            if one.kind in seen:
                continue
            seen.add(one.kind)
            model = sum(g for mv, g in cost.gas_per_move if mv in ("onestep", "prove_lex"))
            got = measure_stage(prog, x, tr, s)
            assert got.contract == one.contract and got.max_tx_gas < MAX_TX_GAS
            gaps[(rule, name, one.kind)] = model / got.onestep_gas - 1
    assert len(gaps) >= 20  # every one-step kind of every rule was measured
    worst = max(gaps, key=lambda key: abs(gaps[key]))
    assert abs(gaps[worst]) < 0.05, (worst, gaps[worst], gaps)
