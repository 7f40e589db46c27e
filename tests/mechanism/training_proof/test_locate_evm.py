"""The locate phase in the EVM (TraceLocate.vy) reaches the Python verdict move by move,
and the stage game on TrainingStep.vy runs on exactly the roots it opened."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mechanism.errors import DisputeError
from mechanism.training_proof import demo_trace
from mechanism.training_proof.locate import play_located

pytestmark = pytest.mark.evm

EIP170_CODE_LIMIT = 24_576


@pytest.mark.parametrize(("model", "liar", "strategy"), [
    ("logreg", "trainer", "random_step"),
    pytest.param("logreg", "challenger", "after_point", marks=pytest.mark.slow),
    pytest.param("logreg", "trainer", "inconsistent_children", marks=pytest.mark.slow),
    pytest.param("mlp", "trainer", "after_point", marks=pytest.mark.slow),
])
def test_evm_agrees_with_python(model: str, liar: str, strategy: str) -> None:
    from mechanism.evm.trace_locate import replay_located

    tr = demo_trace(model, steps=2, seed=3, chunk=16, arity=4)
    res, g1, g2 = play_located(tr, liar, strategy, np.random.default_rng(5))
    assert g1 is not None
    r1, r2 = replay_located(g1, g2)
    assert (r2 or r1).winner == res.winner
    assert res.honest_won
    assert r1.reverted == sum(1 for a in g1.attempts if not a[2])
    if g2 is not None:
        assert [k for k, _, _ in r1.gas][-1] == "open_roots"


def test_the_stage_game_must_use_the_opened_roots() -> None:
    from mechanism.evm.trace_locate import replay_located

    tr = demo_trace("logreg", steps=2, seed=3, chunk=16, arity=4)
    _, g1, g2 = play_located(tr, "trainer", "random_step", np.random.default_rng(5))
    assert g1 is not None and g2 is not None
    forged = list(g2.ctx.stage_roots)
    forged[-1] = bytes(31) + b"\x01"
    g2.ctx = dataclasses.replace(g2.ctx, stage_roots=tuple(forged))
    with pytest.raises(DisputeError, match="opened"):
        replay_located(g1, g2)


@pytest.mark.slow
def test_shipped_contracts_fit_the_code_size_limit() -> None:
    import shutil
    import tempfile
    from pathlib import Path

    import boa

    from mechanism.evm import CONTRACTS_DIR
    from mechanism.evm.training_step import CONTRACT, variant

    for kind in ("logreg", "mlp"):
        tmp = Path(tempfile.mkdtemp())
        shutil.copy(CONTRACTS_DIR / "merkle_lib.vy", tmp / "merkle_lib.vy")
        (tmp / "TrainingStep.vy").write_text(variant(CONTRACT.read_text(), kind))
        size = len(boa.load_partial(str(tmp / "TrainingStep.vy")).compiler_data.bytecode_runtime)
        assert size <= EIP170_CODE_LIMIT, (kind, size)
    locate = boa.load_partial(str(CONTRACTS_DIR / "TraceLocate.vy")).compiler_data.bytecode_runtime
    assert len(locate) <= EIP170_CODE_LIMIT
