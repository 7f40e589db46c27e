"""Compiled variants of ``DisputeGame.vy`` (another hash, another value encoding, arity 32,
tight size bounds) and the replay of :mod:`mechanism.dispute.variants` games on them.

The shipped contract is never edited: :func:`source` rewrites a copy of its text (the
pattern of :func:`mechanism.evm.training_step.variant`) and every substitution must match
exactly once, so a change of the contract breaks the variant loudly instead of silently.

* ``keccak256``: every ``sha256(...)`` (precompile 0x02: 60 + 12 per word plus the call)
  becomes the ``KECCAK256`` opcode (30 + 6 per word; yellow paper, appendix G).
* big-endian values: a value is ``convert(extract32(...), int256) >> (256 - 8 w)``, one
  shift instead of the little-endian byte swap; int32 (``w = 4``) halves the chunk bytes.
* arity 32: a 32-ary node hash (``MAX_K = 32``).
* ``bounds``: the compile-time maxima (``MAX_N``, ``MAX_C``, ``MAX_DATA`` ...) set to the
  game's own sizes, so no call pays memory for larger games (the shipped contract's
  maxima are ``n <= 64``, ``chunk <= 64``).

Gas per transaction: execution + intrinsic (:func:`mechanism.units.intrinsic_gas`).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mechanism.dispute.gas_fold import CHALLENGER_MOVES, PROPOSER_MOVES
from mechanism.dispute.variants import RULE_IDS, Record, Setup, Variant
from mechanism.errors import DisputeError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.tx import replay_move
from mechanism.units import intrinsic_gas

CONTRACT = CONTRACTS_DIR / "DisputeGame.vy"
_COMPILED: dict[tuple[object, ...], Any] = {}

_SWAP = """            u: uint256 = convert(extract32(chunks, t * nb + 8 * c, output_type=bytes32), uint256) >> 192
            u = ((u & M8) << 8) | ((u >> 8) & M8)
            u = ((u & M16) << 16) | ((u >> 16) & M16)
            u = ((u << 32) | (u >> 32)) & M64
            v: int256 = convert(convert(u << 192, bytes32), int256) >> 192
"""


def _sub(src: str, old: str, new: str, count: int = 1) -> str:
    if src.count(old) != count:
        raise DisputeError(f"contract variant: expected {count} x {old[:60]!r}, found {src.count(old)}")
    return src.replace(old, new)


def bounds_for(n: int, chunk: int, arity: int, value_bytes: int) -> dict[str, int]:
    """Tight compile-time maxima for games of n trainers, one chunk size and arity."""
    data = -(-(n * value_bytes * chunk + 32) // 32) * 32
    return {"MAX_N": n, "MAX_K": max(16, arity), "MAX_C": chunk, "MAX_DATA": data,
            "MAX_WIT": -(-(2 * chunk + 32) // 32) * 32, "MAX_OUT": -(-(value_bytes * chunk + 32) // 32) * 32}


def source(v: Variant, arity32: bool = False, bounds: dict[str, int] | None = None, events: bool = True) -> str:
    """The variant's contract source (module doc); ``events=False`` drops the two logs that
    repeat a move's calldata (``Revealed``, ``ColumnRevealed``)."""
    src = CONTRACT.read_text()
    if not events:
        src = _sub(src, "    log Revealed(level=self.level, pos=self.pos, children=children)\n", "")
        src = _sub(src, "    log ColumnRevealed(pos=self.pos, leaves=leaves)\n", "")
    if arity32:
        src = _sub(src, 'assert arity in [2, 4, 8, 16], "arity"', 'assert arity in [2, 4, 8, 16, 32], "arity"')
        words = ", ".join(f"ws[{i}]" for i in range(32))
        src = _sub(src, '    if k == 2:\n        return sha256(',
                   f'    if k == 32:\n        return sha256(concat(b"\\x01", {words}))\n    if k == 2:\n        return sha256(')
        src = _sub(src, "MAX_K: constant(uint256) = 16", "MAX_K: constant(uint256) = 32")
    if v.value_bytes != 8 or v.big_endian:
        w, sh = v.value_bytes, 256 - 8 * v.value_bytes
        src = _sub(src, "nb: uint256 = 8 * width", f"nb: uint256 = {w} * width")
        src = _sub(src, _SWAP, f"            v: int256 = convert(extract32(chunks, t * nb + {w} * c, output_type=bytes32), int256) >> {sh}\n")
        src = _sub(src, " * nb + 8 * c, output_type=bytes32))", f" * nb + {w} * c, output_type=bytes32))", 2)
        src = _sub(src, "extract32(out, 8 * c, output_type=bytes32)", f"extract32(out, {w} * c, output_type=bytes32)")
        src = _sub(src, "self._le64(", "self._dec(", 3)
        src = _sub(src, "@internal\n@pure\ndef _floordiv(",
                   f"@internal\n@pure\ndef _dec(w: bytes32) -> int256:\n    return convert(w, int256) >> {sh}\n\n\n"
                   "@internal\n@pure\ndef _floordiv(")
    if v.hash_name == "keccak256":
        src = src.replace("sha256(", "keccak256(")
    for name, val in (bounds or {}).items():
        src, n = re.subn(rf"^{name}: constant\(uint256\) = \d+$", f"{name}: constant(uint256) = {val}", src, flags=re.M)
        if n != 1:
            raise DisputeError(f"contract variant: no bound {name}")
    return src


def deployer(v: Variant, arity32: bool = False, bounds: dict[str, int] | None = None, events: bool = True) -> Any:
    import boa

    key = (v, arity32, tuple(sorted((bounds or {}).items())), events)
    if key not in _COMPILED:
        tmp = Path(tempfile.mkdtemp(prefix="orfl-dispute-variant-"))
        (tmp / "DisputeGame.vy").write_text(source(v, arity32, bounds, events))
        _COMPILED[key] = boa.load_partial(str(tmp / "DisputeGame.vy"))
    return _COMPILED[key]


@dataclass
class VariantResult:
    winner: str
    #: (move, execution gas, total gas) of every accepted move
    gas: list[tuple[str, int, int]] = field(default_factory=list)
    calldata_bytes: int = 0
    reverted: int = 0

    @property
    def gas_total(self) -> int:
        return sum(g[2] for g in self.gas)

    @property
    def gas_per_side(self) -> int:
        """The larger side's moves plus the one-step (either side may submit it), as
        :func:`mechanism.dispute.gas_fold.per_side_gas`."""
        ch = sum(t for k, _e, t in self.gas if k in CHALLENGER_MOVES)
        pr = sum(t for k, _e, t in self.gas if k in PROPOSER_MOVES)
        rest = sum(t for k, _e, t in self.gas if k not in CHALLENGER_MOVES + PROPOSER_MOVES and k != "timeout")
        return max(ch, pr) + rest

    @property
    def moves(self) -> int:
        return len(self.gas)


def replay(s: Setup, rec: Record, tight: bool = True, clock: int = 10, events: bool = True) -> VariantResult:
    """Replay ``rec`` on a fresh variant contract in a private environment; every accepted
    Python move must succeed on chain and every rejected one revert."""
    import boa

    arity32 = s.arity == 32
    bd = bounds_for(s.n, s.chunk, s.arity, s.variant.value_bytes) if tight else None
    env = boa.Env()
    env.evm.patch.block_number = 1
    with boa.swap_env(env):
        prop, chal = env.generate_address("proposer"), env.generate_address("challenger")
        roots = [s.cols.root, rec.claimed_root] if rec.stage == 1 else [rec.claimed_root, s.out_tree.root]
        c = deployer(s.variant, arity32, bd, events).deploy(prop, chal, list(s.input_roots), roots[0], roots[1], s.d,
                                                    s.chunk, s.arity, s.depth, RULE_IDS[s.rule], s.f, clock)
        res = VariantResult(winner="")
        for fn, args, ok, who, wait in rec.attempts:
            if wait:
                env.time_travel(blocks=wait)
            sender = prop if who == "proposer" else chal
            done, data = replay_move(env, c, fn, args, sender, fn, ok)
            if not done:
                res.reverted += 1
                continue
            e = int(c._computation.get_gas_used())
            res.gas.append((fn, e, e + intrinsic_gas(data)))
            res.calldata_bytes += len(data)
        w = c.winner()
    res.winner = "proposer" if w == prop else ("challenger" if w == chal else "none")
    if res.winner != rec.winner:
        raise DisputeError(f"EVM winner {res.winner} differs from the Python game's {rec.winner}")
    return res


def probe_leaf(d: int, chunk: int, arity: int) -> int:
    """The leaf a measured game's lie sits in: ``arity**(depth-1) + arity - 1``, the last of
    a full bottom group in the second top-level subtree (so the path leaves position 0 at
    the first choice, as a lie does in all but the first top-level subtree: writing a
    nonzero position first costs EIP-2200's 20,000 gas, and no revealed bottom child is a
    zero padding word, which calldata would price at 4 gas a byte instead of 16)."""
    from mechanism.commitment import num_chunks, tree_depth

    L = num_chunks(d, chunk)
    dep = tree_depth(L, arity)
    return min(L - 1, arity ** (dep - 1) + arity - 1) if dep > 1 else L - 1


def same_depth_d(d: int, chunk: int, arity: int) -> int:
    """The smallest dimension whose tree has the depth of ``d``'s (chunk, arity) tree and
    holds :func:`probe_leaf` whole. No move reads the number of leaves except through the
    depth and the last chunk's width, so the game of a lie at the probe leaf pays per move
    what the same game at ``d`` pays (tested; ``benchmarks/dispute_variants.py --full``
    replays d = 1e6)."""
    return min(d, (probe_leaf(d, chunk, arity) + 1) * chunk)


def measure_stages(v: Variant, n: int, d: int, chunk: int, arity: int, stages: tuple[int, ...] = (1, 0),
                   rule: str = "median", seed: int = 0, full: bool = False,
                   tight: bool = True, events: bool = True) -> list[VariantResult]:
    """The EVM replays of the games of ``stages`` in which the proposer lies
    (``random_step``, in the chunk of :func:`probe_leaf`) and the challenger is honest, on
    random rows (values in +-2^24, seed ``seed``) of n x d -- or of n x
    :func:`same_depth_d` unless ``full`` -- committed once."""
    import numpy as np

    from mechanism.dispute import variants

    dd = d if full else same_depth_d(d, chunk, arity)
    x = np.random.default_rng(seed).integers(-(1 << 24), 1 << 24, size=(n, dd), dtype=np.int64)
    s = variants.setup(v, x, chunk, arity, rule, 1 if rule == "trimmed_mean" else 0)
    return [replay(s, variants.play(s, st, "proposer", "random_step", np.random.default_rng(seed + 1),
                                 lie_at=probe_leaf(d, chunk, arity) * chunk), tight=tight, events=events)
            for st in stages]


def measure(v: Variant, n: int, d: int, chunk: int, arity: int, stage: int = 1, rule: str = "median",
            seed: int = 0, full: bool = False, tight: bool = True) -> VariantResult:
    """:func:`measure_stages` of one stage."""
    return measure_stages(v, n, d, chunk, arity, (stage,), rule, seed, full, tight)[0]
