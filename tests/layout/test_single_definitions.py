"""One home for the L1's numbers: block time, block gas limit and intrinsic gas are
defined in ``mechanism/units.py`` and nowhere else (docs/design.md, "One source for
every constant")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mechanism", "agents", "analyses", "benchmarks")
HOME = ROOT / "mechanism" / "units.py"

#: Names that would define one of the guarded quantities.
GUARDED_NAME = re.compile(
    r"(BLOCK_?(TIME|SECONDS|SECS)|SECONDS_PER_(BLOCK|SLOT)|GAS_?LIMIT|GAS_?TARGET|INTRINSIC|TX_?BASE|BLOCKS_PER_(HOUR|DAY|YEAR))",
    re.IGNORECASE,
)
#: Literals that only these quantities take: 21,000 (intrinsic gas), the gas limits and
#: targets of 2021-2026 mainnet, and 7,200 (blocks per day at 12 s).
GUARDED_LITERALS = {21_000, 15_000_000, 30_000_000, 36_000_000, 45_000_000, 60_000_000, 7_200}


def violations(source: str, filename: str = "<string>") -> list[str]:
    """Every definition of a guarded quantity in ``source``: an assignment of a number to
    a guarded name, or a guarded literal anywhere."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            numeric = isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) \
                and not isinstance(value.value, bool)
            for t in targets:
                name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
                # a transaction's own gas limit is a per-transaction choice, not the block's
                if numeric and GUARDED_NAME.search(name) and not name.lower().startswith("tx_"):
                    out.append(f"{filename}:{node.lineno}: {name} = {value.value!r}")  # type: ignore[union-attr]
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and node.value in GUARDED_LITERALS:
            out.append(f"{filename}:{node.lineno}: literal {node.value!r}")
    return out


def test_checker_catches_a_second_definition() -> None:
    assert violations("BLOCK_SECONDS = 12\n")
    assert violations("class C:\n    block_gas_limit: float = 30_000_000.0\n")
    assert violations("def gas(n):\n    return 21_000 + 16 * n\n")
    assert violations("x = 7200 / rounds_per_day\n")
    assert not violations("from mechanism.units import BLOCK_GAS_LIMIT\nGAS_LIMIT = BLOCK_GAS_LIMIT\n")
    assert not violations("n = 12\nchunk = 16\n")
    assert not violations("class C:\n    tx_gas_limit: int = 200_000\n")
    assert violations("class C:\n    block_gas_limit: int = 200_000\n")


def test_block_time_gas_limit_and_intrinsic_gas_live_only_in_units() -> None:
    assert HOME.exists()
    assert violations(HOME.read_text()), "the checker must see the definitions in units.py"
    found: list[str] = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if path != HOME:
                found += violations(path.read_text(), str(path.relative_to(ROOT)))
    assert not found, "define these in mechanism/units.py and import them:\n" + "\n".join(found)
