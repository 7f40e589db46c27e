"""The threat model: every threat the challenge period must withstand, with cited defaults.

:class:`ThreatModel` is frozen; each field carries its unit in its name and its source in
:data:`SOURCES` (``cited`` with a reference, or ``assumption`` where nothing is published).
:func:`load_threat_model` reads a TOML file (``docs/threats.example.toml``) whose tables
``[censorship]``, ``[liveness]``, ``[availability]``, ``[attacker]`` and ``[chain]`` hold
these fields; anything else is a one-line :class:`~mechanism.errors.ParameterError`.
Every value read from a file is ``user``; every default keeps its ``SOURCES`` entry
(docs/economics.md, 'Threat model').
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from mechanism.errors import ParameterError
from mechanism.units import BLOCK_TIME_SECONDS

__all__ = ["SOURCES", "TABLES", "ThreatModel", "load_threat_model"]

#: Where each default comes from (dated 2026-11). ``assumption`` marks a value nothing
#: published pins down; the report sweeps it.
SOURCES: dict[str, str] = {
    "censor_fraction": "assumption: the upper edge of today's box (scenario.DesignInputs); mevwatch.info showed "
                       "25-79% OFAC-compliant MEV-Boost blocks in 2022-2024",
    "censor_burst_blocks": "cited: consensus-specs compute_proposer_index (RANDAO, stake-weighted) draws each "
                           "slot's proposer independently, so 0 = independent blocks (Felten 2022)",
    "inclusion_lists": "cited: EIP-7805 (FOCIL) is not live on mainnet as of 2026-11",
    "inclusion_list_committee": "cited: EIP-7805 IL_COMMITTEE_SIZE = 16",
    "strong_censorship": "cited: Felten, 'Why is the optimistic rollup challenge period 7 days?' (Offchain Labs, "
                         "2022): a majority of validators can censor until the community responds socially",
    "social_response_hours": "cited: Felten 2022 sizes the social response to majority censorship at one week",
    "attacker_timed": "assumption: proposer duties are public an epoch ahead (consensus-specs), so the attacker "
                      "can open each honest window in one of its own slots",
    "outage_mean_minutes": "cited: mainnet finality incidents of 11 and 12 May 2023 (4 and 9 epochs = 25.6 and "
                           "57.6 min; Prysm and EF post-mortems); exponential with their mean",
    "outage_prob": "assumption: the attacker times its fraud to the start of an outage (probability 1)",
    "missed_slot_rate": "cited: beaconcha.in, ~1% of mainnet slots missed in 2024-2025 (wall-clock only)",
    "watchers": "assumption: five independent watchers (the federation's own nodes)",
    "watcher_online_prob": "cited: AWS EC2 instance-level SLA, 99.5% monthly uptime",
    "common_mode_prob": "assumption: watchers are spread over providers; 1% that one outage takes all down",
    "common_mode_mean_hours": "cited: AWS us-east-1 outages of 7 Dec 2021 (~7 h) and 20 Oct 2025 (~15 h); mean",
    "attacker_budget_eth": "assumption: none (null): the attacker is gain-bounded and spends at most its gain on "
                           "stuffing, bribes and sub-challenges (docs/economics.md, 'Attacker budget')",
    "order_flow": "assumption: challenges go through the public mempool (today's self-challenge assumption)",
    "seconds_per_block": "cited: mechanism.units.BLOCK_TIME_SECONDS (consensus-specs SECONDS_PER_SLOT)",
}

#: TOML table of each field.
TABLES: dict[str, tuple[str, ...]] = {
    "censorship": ("censor_fraction", "censor_burst_blocks", "inclusion_lists", "inclusion_list_committee",
                   "strong_censorship", "social_response_hours", "attacker_timed"),
    "liveness": ("outage_mean_minutes", "outage_prob", "missed_slot_rate"),
    "availability": ("watchers", "watcher_online_prob", "common_mode_prob", "common_mode_mean_hours"),
    "attacker": ("attacker_budget_eth", "order_flow"),
    "chain": ("seconds_per_block",),
}

ORDER_FLOWS = ("public", "private")


@dataclass(frozen=True)
class ThreatModel:
    """The threats the challenge period and the game's clocks must withstand together.

    Censorship (``censorship.py``): each block's proposer censors with probability
    ``censor_fraction`` (q); with ``censor_burst_blocks`` L > 0 the censoring proposers
    come in runs of mean length L (two-state Markov chain, stationary share q; 0 means
    independent, L = 1 / (1 - q)); with ``inclusion_lists`` a block censors only if its
    proposer and all ``inclusion_list_committee`` includers do. ``strong_censorship``: a
    majority coalition can censor every block until a social response after
    ``social_response_hours``. Liveness (``liveness.py``): an outage during which honest
    transactions do not land, exponential with mean ``outage_mean_minutes``, met with
    probability ``outage_prob`` by a fraud. Availability (``availability.py``): m
    ``watchers`` each online with ``watcher_online_prob``, plus a common-mode outage
    (probability ``common_mode_prob``, mean ``common_mode_mean_hours``). The attacker spends
    up to ``max(G, attacker_budget_eth)`` whatever its gain G (None: up to G; docs/economics.md,
    'Attacker budget') and faces ``order_flow`` ("public" or "private").
    """

    censor_fraction: float = 0.5
    censor_burst_blocks: float = 0.0
    inclusion_lists: bool = False
    inclusion_list_committee: int = 16
    strong_censorship: bool = True
    social_response_hours: float = 168.0
    attacker_timed: bool = True
    outage_mean_minutes: float = (25.6 + 57.6) / 2
    outage_prob: float = 1.0
    missed_slot_rate: float = 0.01
    watchers: int = 5
    watcher_online_prob: float = 0.995
    common_mode_prob: float = 0.01
    common_mode_mean_hours: float = (7.0 + 15.0) / 2
    attacker_budget_eth: float | None = None
    order_flow: str = "public"
    seconds_per_block: float = float(BLOCK_TIME_SECONDS)
    #: Fields the user gave (set by :func:`load_threat_model`); the rest are defaults.
    given: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def check(name: str, ok: bool, allowed: str) -> None:
            if not ok:
                raise ParameterError.bad(name, getattr(self, name), allowed)

        for name in ("censor_fraction", "outage_prob", "missed_slot_rate", "common_mode_prob"):
            v = getattr(self, name)
            check(name, isinstance(v, (int, float)) and 0.0 <= v < 1.0 if name != "outage_prob"
                  else isinstance(v, (int, float)) and 0.0 <= v <= 1.0, "a probability in [0, 1)" if name != "outage_prob"
                  else "a probability in [0, 1]")
        check("watcher_online_prob", isinstance(self.watcher_online_prob, (int, float))
              and 0.0 < self.watcher_online_prob <= 1.0, "a probability in (0, 1]")
        q, burst = float(self.censor_fraction), float(self.censor_burst_blocks)
        check("censor_burst_blocks", burst == 0.0 or burst >= max(1.0, q / (1.0 - q)),
              f"0 (independent) or a mean run length >= max(1, q / (1 - q)) = {max(1.0, q / (1.0 - q)):.3g} blocks")
        check("inclusion_list_committee", isinstance(self.inclusion_list_committee, int)
              and not isinstance(self.inclusion_list_committee, bool) and self.inclusion_list_committee >= 1,
              "an integer >= 1")
        check("watchers", isinstance(self.watchers, int) and not isinstance(self.watchers, bool)
              and self.watchers >= 1, "an integer >= 1")
        for name in ("social_response_hours", "outage_mean_minutes", "common_mode_mean_hours"):
            v = getattr(self, name)
            check(name, isinstance(v, (int, float)) and v >= 0.0 and not math.isnan(v), "a duration >= 0 (inf allowed)")
        b = self.attacker_budget_eth
        check("attacker_budget_eth", b is None or (isinstance(b, (int, float)) and not isinstance(b, bool)
                                                   and math.isfinite(b) and b >= 0.0),
              "a finite amount of ETH >= 0 (omit it for a gain-bounded attacker)")
        check("order_flow", self.order_flow in ORDER_FLOWS, f"one of {ORDER_FLOWS}")
        check("seconds_per_block", isinstance(self.seconds_per_block, (int, float))
              and 0.0 < self.seconds_per_block < math.inf, "a positive number of seconds")
        for name in ("inclusion_lists", "strong_censorship", "attacker_timed"):
            check(name, isinstance(getattr(self, name), bool), "true or false")

    # ------------------------------------------------------------ conversions
    def blocks(self, hours: float) -> float:
        """Blocks in ``hours`` at this model's block time (inf stays inf)."""
        return math.inf if math.isinf(hours) else hours * 3600.0 / self.seconds_per_block

    @property
    def social_response_blocks(self) -> float:
        return self.blocks(self.social_response_hours)

    @property
    def outage_mean_blocks(self) -> float:
        return self.blocks(self.outage_mean_minutes / 60.0)

    @property
    def common_mode_mean_blocks(self) -> float:
        return self.blocks(self.common_mode_mean_hours)

    def with_(self, **changes: Any) -> ThreatModel:
        """A copy with ``changes`` (validated)."""
        return replace(self, **changes)

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Each field's value and kind: ``user`` (given), ``cited`` or ``assumption`` (default)."""
        out = {}
        for k, v in asdict(self).items():
            if k == "given":
                continue
            src = SOURCES[k]
            kind = "user" if k in self.given else src.split(":", 1)[0]
            out[k] = {"value": v, "kind": kind, "source": None if k in self.given else src}
        return out


def load_threat_model(path: str | Path) -> ThreatModel:
    """Read a threat model from TOML; missing fields keep their cited defaults.

    Errors (unreadable file, bad TOML, unknown table or key, wrong type or range) are one
    line naming the key, the value and what is allowed.
    """
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text())
    except OSError as exc:
        raise ParameterError.bad("threat_model", str(p), f"a readable TOML file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError.bad("threat_model", str(p), f"valid TOML ({exc})") from None
    known = {f.name for f in fields(ThreatModel)}
    values: dict[str, Any] = {}
    for table, body in raw.items():
        if table not in TABLES:
            raise ParameterError.bad(f"[{table}]", body if not isinstance(body, dict) else table,
                                     f"one of the tables {sorted(TABLES)}")
        if not isinstance(body, dict):
            raise ParameterError.bad(f"[{table}]", body, "a table of keys")
        for key, value in body.items():
            if key not in TABLES[table]:
                where = next((t for t, ks in TABLES.items() if key in ks), None)
                hint = f"it belongs in [{where}]" if where else f"one of {list(TABLES[table])}"
                raise ParameterError.bad(f"{table}.{key}", value, hint)
            assert key in known
            if isinstance(value, str) and value.lower() in ("inf", "infinity"):
                value = math.inf
            expected = float if key == "attacker_budget_eth" else type(getattr(ThreatModel(), key))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not expected:
                raise ParameterError.bad(f"{table}.{key}", value, f"a {expected.__name__}")
            values[key] = value
    try:
        return ThreatModel(**values, given=tuple(sorted(values)))
    except ParameterError as exc:
        raise ParameterError(f"{p.name}: {exc}", parameter=exc.parameter) from None
