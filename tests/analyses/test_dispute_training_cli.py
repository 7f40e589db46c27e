"""orfl dispute --target training: both commitments, honest winner, bad input."""

from __future__ import annotations

import pytest

from analyses.commands.dispute_training import main, run


@pytest.mark.parametrize("commitment", ["stages", "trace-root"])
@pytest.mark.parametrize("liar", ["trainer", "challenger"])
def test_honest_side_wins_under_either_commitment(commitment: str, liar: str) -> None:
    out = run("logreg", 20, 3, liar, "random_step", 16, 4, 0, False, commitment=commitment)
    assert out["honest_won"] is True
    assert out["winner"] == ("challenger" if liar == "trainer" else "trainer")
    assert out["moves"] <= out["move_bound"]
    stages = 3 * 3 + 1
    assert out["posted_bytes_per_round"] == 32 * (4 + (1 if commitment == "trace-root" else stages))


def test_no_dispute_posts_nothing_and_moves_nothing() -> None:
    out = run("logreg", 20, 2, "none", "random_step", 16, 4, 0, False, commitment="trace-root")
    assert out["moves"] == 0 and out["gas_total"] == 0


def test_bad_commitment_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    with pytest.raises(typer.Exit) as exc:
        main("logreg", 20, 2, "trainer", "random_step", 16, 4, 0, False, False, commitment="roots")
    assert exc.value.exit_code == 2
    assert "commitment" in capsys.readouterr().err
