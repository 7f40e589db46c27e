"""One protocol design, end to end: the parameters a deployment of the rollup needs.

:class:`Design` is what ``orfl recommend --json -o design.json`` writes (the recommended
bonds, stakes, reward share, jackpot and challenge period, plus the dispute-game shape it
was derived with) and what ``orfl simulate --design``, ``orfl abm --design`` and the report
read. The contract's constructor arguments come from it through
:meth:`mechanism.rollup.params.RollupParams.from_design`; the ABM's protocol fields through
:meth:`agents.abm.config.ABMConfig.from_design`. Nothing re-derives a clock or a depth on
the way: every derived quantity is a property here.

Units are in the field names. The defaults are a small, fast economy for tests and
examples (not a recommendation: ``orfl recommend`` gives that); they are the only
defaults of these parameters in the project (see ``docs/design.md``, "One design object").

The keys :data:`DESIGN_KEYS` appear unchanged in the JSON of ``orfl recommend``, ``orfl
simulate`` and ``orfl abm`` (``design`` object), so a script can compare them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from mechanism.errors import ParameterError

__all__ = ["DESIGN_KEYS", "Design"]

#: Keys shared by every JSON output that reports the design it used.
DESIGN_KEYS = ("challenge_period_blocks", "sequencer_bond_eth", "challenger_bond_eth", "reward_share")


@dataclass(frozen=True)
class Design:
    """Parameters of one deployment (units in names; money in ETH, time in L1 blocks).

    * Money: ``sequencer_bond_eth`` B_s, ``challenger_bond_eth`` B_c, ``reward_share``
      alpha (share of the loser's bond paid to the winner; the rest is burned),
      ``trainer_stake_eth``, ``registration_fee_eth`` (burned once per trainer),
      ``jackpot_rate`` phi (forced-error rate of attention challenges).
    * Time: ``challenge_period_blocks`` T, ``detect_blocks`` (re-execution before a
      challenge can be sent), ``move_clock_blocks`` (per bisection move),
      ``round_blocks`` (one FL round), ``dispute_depth`` and ``arity`` of the bisection,
      ``trainer_challenge_window_blocks`` (after a round's publication window, the blocks
      in which its updates can still be disputed before an assertion is accepted;
      docs/protocol.md 'Publication and trainer-challenge windows', sized by ``orfl
      recommend`` under the same censorship as the period, docs/economics.md 'Threat
      model: trainer-challenge window').
    * Learning: ``rule`` (aggregation rule) and ``tolerance`` (its malicious device
      tolerance beta; negative: not given, look it up in the measured table).
    * ``source``: who set the values (``"defaults"``, ``"orfl recommend"``, a file).
    """

    challenge_period_blocks: int = 100
    sequencer_bond_eth: float = 10.0
    challenger_bond_eth: float = 1.0
    reward_share: float = 0.5
    trainer_stake_eth: float = 1.0
    registration_fee_eth: float = 0.0
    jackpot_rate: float = 0.0
    detect_blocks: int = 2
    move_clock_blocks: int = 5
    round_blocks: int = 10
    dispute_depth: int = 3
    arity: int = 4
    trainer_challenge_window_blocks: int = 4
    rule: str = "median"
    tolerance: float = -1.0
    source: str = "defaults"

    def __post_init__(self) -> None:
        for name in ("challenge_period_blocks", "move_clock_blocks", "round_blocks", "trainer_challenge_window_blocks"):
            _int(name, getattr(self, name), 1)
        for name in ("detect_blocks", "dispute_depth"):
            _int(name, getattr(self, name), 0)
        _int("arity", self.arity, 2)
        if self.detect_blocks >= self.challenge_period_blocks:
            raise ParameterError.bad("detect_blocks", self.detect_blocks,
                                     f"fewer than challenge_period_blocks={self.challenge_period_blocks}")
        for name in ("sequencer_bond_eth", "challenger_bond_eth", "trainer_stake_eth"):
            _real(name, getattr(self, name), positive=True)
        _real("registration_fee_eth", self.registration_fee_eth)
        for name in ("reward_share", "jackpot_rate"):
            v = getattr(self, name)
            _real(name, v)
            if v > 1:
                raise ParameterError.bad(name, v, "a fraction in [0, 1]")
        if not isinstance(self.tolerance, (int, float)) or not self.tolerance < 1.0:
            raise ParameterError.bad("tolerance", self.tolerance, "a fraction in [0, 1), or < 0 for the table")
        if not isinstance(self.rule, str) or not self.rule:
            raise ParameterError.bad("rule", self.rule, "an aggregation rule name")

    # ----------------------------------------------------------------- derived
    @property
    def dispute_blocks(self) -> int:
        """Longest dispute: ``2 * depth + 1`` move clocks (both sides' moves and the
        one-step; docs/protocol.md, 'Several challengers')."""
        return (2 * self.dispute_depth + 1) * self.move_clock_blocks

    @property
    def reward_share_bps(self) -> int:
        """``reward_share`` in basis points, as the contract stores it."""
        return round(self.reward_share * 10_000)

    # ----------------------------------------------------------------- I/O
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`: sorted keys, no
        whitespace, ASCII, Python's shortest round-trip float repr. Two runs used the same
        design exactly when their hashes are equal (the report quotes it)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | None = None) -> Design:
        """Build from a mapping with :class:`Design` keys (unknown keys raise; missing keys
        take the defaults). ``orfl recommend --json`` output is accepted as is: its
        ``design`` object is used."""
        if not isinstance(data, dict):
            raise ParameterError.bad("design", type(data).__name__, "a JSON object")
        if isinstance(data.get("design"), dict):
            data = data["design"]
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ParameterError.bad("design key", unknown[0], "one of " + ", ".join(sorted(names)))
        kw = dict(data)
        if source is not None:
            kw["source"] = source
        return cls(**kw)

    @classmethod
    def load(cls, path: str | Path) -> Design:
        """Read a design JSON file (what ``orfl recommend --json -o`` writes)."""
        p = Path(path)
        try:
            data = json.loads(p.read_text())
        except FileNotFoundError:
            raise ParameterError.bad("--design", str(p), "an existing JSON file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ParameterError.bad("--design", str(p), f"valid JSON ({exc.__class__.__name__})") from None
        return cls.from_dict(data, source=data.get("design", data).get("source", str(p))
                             if isinstance(data, dict) else str(p))

    def save(self, path: str | Path) -> None:
        """Write the design as JSON, atomically (a temporary file in the same folder,
        then :func:`os.replace`): a failed write leaves no half-written file."""
        p = Path(path)
        tmp = p.with_name(f".{p.name}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        os.replace(tmp, p)


def _int(name: str, v: object, lo: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ParameterError.bad(name, v, f"an integer >= {lo}")


def _real(name: str, v: object, positive: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if not ok or (v <= 0 if positive else v < 0):  # type: ignore[operator]
        raise ParameterError.bad(name, v, "a finite number " + ("> 0" if positive else ">= 0"))
