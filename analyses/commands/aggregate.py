"""``orfl aggregate RULE INPUT -o OUTPUT``: run one aggregation rule on a file."""

from __future__ import annotations

from pathlib import Path

import typer

from analyses.commands._common import (
    OUTPUT,
    PROTOCOL,
    bad_input,
    emit_json,
    examples,
    option,
    print_table,
)
from mechanism.params import DEFAULT_FRAC_BITS


def aggregate_cmd(
    rule: str = typer.Argument(..., help="Aggregation rule (mean, median, trimmed_mean, krum, ...)."),
    input: Path = typer.Argument(..., help="Float array of shape (n, d) as .npy or .pt."),
    output: Path = option(..., "-o", "--output", help="Where to write the decoded aggregate (.npy or .pt).",
                          panel=OUTPUT, metavar="FILE"),
    f: int | None = option(None, "--f", help="Byzantine trainers tolerated (rules with an f).", panel=PROTOCOL,
                           metavar="N", show_default="the rule's"),
    frac_bits: int = option(DEFAULT_FRAC_BITS, "--frac-bits", help="Fixed-point fractional bits.", panel=PROTOCOL,
                            unit="bits", metavar="N"),
    json_out: bool = option(False, "--json", help="Machine-readable output.", panel=OUTPUT),
) -> None:
    """Aggregate n float updates with a bit-exact fixed-point RULE; print the result hash."""
    import hashlib
    import time

    import numpy as np
    import torch

    from mechanism.aggregation import RULES, get_rule
    from mechanism.fixedpoint import decode, encode

    if rule not in RULES:
        bad_input("RULE", rule, f"one of {', '.join(RULES)}")
    if not input.is_file():
        bad_input("INPUT", str(input), "an existing .npy or .pt file")
    if input.suffix not in (".npy", ".pt") or output.suffix not in (".npy", ".pt"):
        bad_input("INPUT/OUTPUT", f"{input.suffix}/{output.suffix}", "files ending in .npy or .pt")
    try:
        if input.suffix == ".npy":
            arr = np.load(input, allow_pickle=False)
            data = torch.from_numpy(np.asarray(arr))
        else:
            data = torch.load(input, map_location="cpu", weights_only=True)
    except Exception as exc:  # unreadable file: one line, exit 2
        bad_input("INPUT", str(input), f"a readable array file ({type(exc).__name__})")
    if not isinstance(data, torch.Tensor):
        bad_input("INPUT", str(input), "a single array/tensor")
    if data.dim() != 2 or data.shape[0] < 1 or data.shape[1] < 1:
        bad_input("INPUT.shape", tuple(data.shape), "a 2-D (n, d) array with n, d >= 1")
    if not (data.dtype.is_floating_point or data.dtype in (torch.int32, torch.int64, torch.int16, torch.int8)):
        bad_input("INPUT.dtype", str(data.dtype), "a real floating or integer array")
    params = {} if f is None else {"f": f}
    r = get_rule(rule, **params)
    q = encode(data, frac_bits)
    t0 = time.perf_counter()
    out = r(q)
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256(out.numpy().astype("<i8").tobytes()).hexdigest()
    result = decode(out, frac_bits)
    tmp = output.with_name(output.name + ".tmp")
    if output.suffix == ".npy":
        with open(tmp, "wb") as fh:
            np.save(fh, result.numpy())
    else:
        torch.save(result, tmp)
    tmp.replace(output)
    summary = {"rule": rule, "n": int(q.shape[0]), "d": int(q.shape[1]), "frac_bits": frac_bits,
               "params": params, "seconds": seconds, "sha256": digest, "output": str(output)}
    if json_out:
        emit_json(summary)
    else:
        print_table(f"orfl aggregate {rule}", ["key", "value"], [(k, str(v)) for k, v in summary.items()])


EXAMPLES = examples(
    ("orfl aggregate median updates.npy -o median.npy", "coordinate-wise median of an (n, d) array"),
    ("orfl aggregate krum updates.pt -o krum.pt --f 2 --json", "Krum tolerating 2 Byzantine trainers, JSON"),
)


def register(app: typer.Typer) -> None:
    app.command("aggregate", epilog=EXAMPLES)(aggregate_cmd)
