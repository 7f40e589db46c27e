"""Benchmark: cheaper median disputes at n = 50, d = 1e6, measured in the EVM.

    python benchmarks/dispute_variants.py [--n 50] [--d 1000000] [--rule median]
                                          [--variants a,b] [--geometry C,K] [--options]
                                          [--full C,K] [--json PATH]

For every hash/encoding variant (:data:`mechanism.dispute.variants.VARIANTS`) and every
geometry with at most 12 moves per game (for each arity 8, 16, 32 and depth <= 5, the
smallest chunk reaching that depth; chunks above 64 are left out: their one-step
calldata alone exceeds the whole game at chunk 16; ``--geometry`` picks one), both
stage games are replayed on a
compiled variant of ``DisputeGame.vy`` (:mod:`mechanism.evm.dispute_variants`): the
output (Map) game and the column game, each with a lying proposer (``random_step``) and
an honest challenger. A dispute costs what the liar's costlier stage costs; a geometry
qualifies when both games have at most 12 moves (the column game has one more move pair
than the output game: ``reveal_column`` and the column one-step).

The sweep plays each game at the smallest d with the same tree depth
(:func:`~mechanism.evm.dispute_variants.same_depth_d`); ``--full C,K`` replays geometry
(C, K) at the real d (chunk 1 at d = 1e6 means 5e7 leaf hashes: the same-depth game is
the measurement there) and prints both. ``--options`` also measures, at each geometry,
the contract without the two logs that repeat calldata and with the shipped size bounds.

Shared paths (multiproofs): the output one-step opens the n input chunks of one leaf
through ONE opening of the column tree; n separate openings of n different trees at the
same index share no node, so a multiproof of them is n paths. The table prints their
calldata (16 gas per byte, EIP-2028) as the bound the column commitment avoids.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from mechanism.commitment import num_chunks, tree_depth
from mechanism.dispute.variants import VARIANTS, by_name
from mechanism.evm.dispute_variants import VariantResult, measure_stages, same_depth_d

MAX_MOVES = 12


def geometries(d: int, arities: tuple[int, ...] = (8, 16, 32), max_chunk: int = 64) -> list[tuple[int, int]]:
    """(chunk, arity): for each arity and depth whose game has at most 12 moves, the smallest chunk."""
    out = []
    for k in arities:
        for depth in range(1, 6):
            if 2 + 2 * depth > MAX_MOVES:
                break
            c = -(-d // k**depth)
            if c <= max_chunk and tree_depth(num_chunks(d, c), k) == depth:
                out.append((c, k))
    return out


def row(name: str, chunk: int, arity: int, d: int, d_played: int, res: list[VariantResult], secs: float) -> dict[str, object]:
    per_stage = [{"stage": st, "moves": r.moves, "gas_total": r.gas_total, "gas_per_side": r.gas_per_side,
                  "calldata_bytes": r.calldata_bytes, "per_move": [list(g) for g in r.gas]}
                 for st, r in zip(("out", "cols"), res, strict=True)]
    worst = max(per_stage, key=lambda s: int(s["gas_total"]))  # type: ignore[call-overload]
    return {"variant": name, "chunk": chunk, "arity": arity, "depth": tree_depth(num_chunks(d, chunk), arity),
            "d_played": d_played, "stages": per_stage, "gas_total": worst["gas_total"],
            "gas_per_side": max(int(s["gas_per_side"]) for s in per_stage),  # type: ignore[call-overload]
            "moves": worst["moves"], "seconds": round(secs, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--rule", default="median")
    ap.add_argument("--variants", default=",".join(v.name for v in VARIANTS))
    ap.add_argument("--geometry", default="", help="chunk,arity (default: the sweep)")
    ap.add_argument("--options", action="store_true", help="also: no logs, shipped bounds")
    ap.add_argument("--full", default="", help="chunk,arity replayed at the real d")
    ap.add_argument("--json", default="")
    a = ap.parse_args(argv)
    names = a.variants.split(",")
    rows: list[dict[str, object]] = []
    print(f"{a.rule} dispute, n = {a.n}, d = {a.d:,}; games played at the same depth (module doc)")
    print(f"{'variant':<13}{'chunk':>6}{'arity':>6}{'depth':>6}{'moves':>6}{'out game':>11}{'cols game':>11}"
          f"{'per side':>10}{'one-step':>10}")
    for name in names:
        v = by_name(name)
        geos = [tuple(int(t) for t in a.geometry.split(","))] if a.geometry else geometries(a.d)
        for chunk, k in geos:
            t = time.perf_counter()
            res = measure_stages(v, a.n, a.d, chunk, k, (1, 0), a.rule)
            r = row(name, chunk, k, a.d, same_depth_d(a.d, chunk, k), res, time.perf_counter() - t)
            rows.append(r)
            one = max(t_ for kind, _e, t_ in res[0].gas if kind == "onestep")
            print(f"{name:<13}{chunk:>6}{k:>6}{r['depth']:>6}{r['moves']:>6}{res[0].gas_total:>11,}"
                  f"{res[1].gas_total:>11,}{r['gas_per_side']:>10,}{one:>10,}", flush=True)
            if a.options:
                for label, kw in (("no logs", {"events": False}), ("shipped bounds", {"tight": False})):
                    o = measure_stages(v, a.n, a.d, chunk, k, (1, 0), a.rule, **kw)  # type: ignore[arg-type]
                    r[label] = [x.gas_total for x in o]
                    print(f"{'  ' + label:<31}{o[0].gas_total:>11,}{o[1].gas_total:>11,}"
                          f"{max(x.gas_per_side for x in o):>10,}", flush=True)
    best = {}
    for r in rows:
        nm = str(r["variant"])
        if max(int(st["moves"]) for st in r["stages"]) > MAX_MOVES:  # type: ignore[attr-defined, index]
            continue
        if nm not in best or int(r["gas_total"]) < int(best[nm]["gas_total"]):  # type: ignore[call-overload]
            best[nm] = r
    print("\nbest geometry per variant (the liar's costlier stage game, all moves, both sides):")
    for nm, r in best.items():
        print(f"  {nm:<13} chunk {r['chunk']}, arity {r['arity']}: {r['gas_total']:,} gas in {r['moves']} moves "
              f"({r['gas_per_side']:,} per side)")
    out_best = min(best.values(), key=lambda r: int(r["gas_total"]))  # type: ignore[call-overload]
    print(f"\ncheapest: {out_best['variant']} chunk {out_best['chunk']} arity {out_best['arity']}: "
          f"{out_best['gas_total']:,} gas")
    for r in best.values():
        stage = min(r["stages"], key=lambda s: -int(s["gas_total"]))  # type: ignore[arg-type, index]
        print(f"  {r['variant']} ({stage['stage']} game) per move: "
              + ", ".join(f"{m}={tot:,}" for m, _e, tot in stage["per_move"]))
    depth16 = tree_depth(num_chunks(a.d, 16), 16)
    print(f"\nn separate openings instead of one column opening (chunk 16, arity 16): "
          f"{a.n * depth16 * 15 * 32:,} bytes of calldata = {a.n * depth16 * 15 * 32 * 16:,} gas at 16 gas per byte")
    full: list[dict[str, object]] = []
    if a.full:
        fc, fk = (int(t) for t in a.full.split(","))
        print(f"\nreplayed at the real d = {a.d:,} (chunk {fc}, arity {fk}):")
        for nm in names:
            v = by_name(nm)
            t = time.perf_counter()
            res = measure_stages(v, a.n, a.d, fc, fk, (1, 0), a.rule, full=True)
            f = row(nm, fc, fk, a.d, a.d, res, time.perf_counter() - t)
            full.append(f)
            same = [r for r in rows if r["variant"] == nm and r["chunk"] == fc and r["arity"] == fk]
            print(f"  {nm:<13} out game {res[0].gas_total:,}, cols game {res[1].gas_total:,}"
                  + (f" (same-depth games {[st['gas_total'] for st in same[0]['stages']]})" if same else "")  # type: ignore[index, union-attr]
                  + f", {f['seconds']} s", flush=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"n": a.n, "d": a.d, "rule": a.rule, "sweep": rows, "full": full}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
