"""The one design object: validation, JSON round trip, and the converters built on it."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest

from agents.abm.config import ABMConfig
from mechanism.design import DESIGN_KEYS, Design
from mechanism.errors import ParameterError
from mechanism.rollup.params import RollupParams


def test_defaults_are_the_only_defaults() -> None:
    d = Design()
    assert RollupParams() == RollupParams.from_design(d)
    assert ABMConfig().design == d
    assert RollupParams().sequencer_bond_wei == round(d.sequencer_bond_eth * 10**18)
    assert RollupParams().challenge_period_blocks == ABMConfig().challenge_period_blocks == d.challenge_period_blocks


def test_round_trip_and_converters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    d = Design(challenge_period_blocks=3670, sequencer_bond_eth=149.0, challenger_bond_eth=1.27,
               reward_share=0.896, trainer_stake_eth=0.253, move_clock_blocks=300, dispute_depth=5,
               arity=16, rule="trimmed_mean", tolerance=0.1, source="test")
    d.save(tmp_path / "d.json")
    back = Design.load(tmp_path / "d.json")
    assert back == d
    assert Design.load(tmp_path / "d.json").to_dict().keys() >= set(DESIGN_KEYS)
    # the recommend JSON (a nested "design" object) is accepted as it is
    (tmp_path / "rec.json").write_text(json.dumps({"design": d.to_dict(), "other": 1}))
    assert Design.load(tmp_path / "rec.json") == d
    p = RollupParams.from_design(d, dispute_depth=0, assertion_depth=0)
    assert p.sequencer_bond_wei == 149 * 10**18 and p.challenger_bond_wei == 1_270_000_000_000_000_000
    assert p.reward_share_bps == 8_960 and p.challenge_period_blocks == 3670 and p.move_clock_blocks == 300
    assert p.arity == 16 and p.dispute_depth == 0 and p.assertion_levels == 0
    cfg = ABMConfig.from_design(d, blocks=500)
    assert cfg.design == d and cfg.blocks == 500
    assert d.dispute_blocks == 11 * 300


@pytest.mark.parametrize(("field", "value"), [
    ("challenge_period_blocks", 0), ("challenge_period_blocks", 2.5), ("sequencer_bond_eth", -1.0),
    ("sequencer_bond_eth", math.nan), ("challenger_bond_eth", math.inf), ("reward_share", 1.5),
    ("reward_share", -0.1), ("arity", 1), ("detect_blocks", 100), ("tolerance", 1.0), ("move_clock_blocks", True),
    ("trainer_challenge_window_blocks", 0), ("trainer_challenge_window_blocks", 1.5),
])
def test_bad_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ParameterError) as err:
        Design(**{field: value})  # type: ignore[arg-type]
    assert field in str(err.value) and "\n" not in str(err.value)


def test_bad_files_are_one_line_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="--design"):
        Design.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ParameterError, match="--design"):
        Design.load(tmp_path / "bad.json")
    (tmp_path / "unknown.json").write_text(json.dumps({"challenge_period_blocks": 10, "bond": 1}))
    with pytest.raises(ParameterError, match="bond"):
        Design.load(tmp_path / "unknown.json")


def test_every_field_has_a_unit_or_is_dimensionless() -> None:
    dimensionless = {"reward_share", "jackpot_rate", "arity", "dispute_depth", "rule", "tolerance", "source"}
    for f in fields(Design):
        assert f.name in dimensionless or f.name.endswith(("_eth", "_blocks")), f.name


def test_trainer_challenge_window_reaches_the_contract(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The window ``orfl recommend`` sizes travels through the design file into the
    rollup's constructor (its assertion delay), and the default is the design's."""
    from mechanism.rollup.params import PUBLICATION_WINDOW_BLOCKS, TRAINER_CHALLENGE_WINDOW_BLOCKS

    assert Design().trainer_challenge_window_blocks == TRAINER_CHALLENGE_WINDOW_BLOCKS
    d = Design(trainer_challenge_window_blocks=88)
    d.save(tmp_path / "d.json")
    back = Design.load(tmp_path / "d.json")
    assert back.trainer_challenge_window_blocks == 88
    p = RollupParams.from_design(back, dispute_depth=0, assertion_depth=0)
    assert p.trainer_challenge_window_blocks == 88
    assert p.assertion_delay_blocks == PUBLICATION_WINDOW_BLOCKS + 88
    assert p.constructor_args()[-1] == 88
