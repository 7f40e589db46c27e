"""The trace program of every aggregation rule (stages in :mod:`.trace`).

Every program starts with the ``cols`` stage (the column tree over the n input trees,
:mod:`.trace`), so one-steps open all n input chunks with one path. Each program reuses the aggregation core's exact integer helpers, so the honest
executor's output equals ``aggregate(rule, x, **params)`` byte for byte:

* mean / median / trimmed_mean: ``[map out]`` (the rule's own fast path applied to the
  columns it is given -- valid because the rules are coordinate-separable);
  with ``clip_norm=tau``: ``[max M, sum norm2_i, select c_i, map out]`` where the map
  views row i as ``(x_i * c_i) >> 20`` (:mod:`mechanism.aggregation.clipping`);
* krum / multi_krum: ``[max M, sum D_ab (a < b), select order, map out]``;
* bulyan: ``[max M, sum D_ab, select chosen, map trimmed mean of chosen rows]``;
* geometric_median: ``[max M, map z0] + T x [sum D_i(z_t), select w_t, map z_{t+1}]``;
* centered_clipping: ``L x [max M_l, sum N_l, select c_l, map v_{l+1}]`` with v_0 = 0.

Rescale shifts ``s = rescale_shift(M, d)`` always come from the committed max stage.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from mechanism.aggregation._intmath import (
    SCALE_BITS,
    clip_factor,
    floor_mean_rows,
    pairwise_sqdist,
    rescale_shift,
    row_sqnorms_shifted,
)
from mechanism.aggregation.bulyan import bulyan_selection
from mechanism.aggregation.geometric_median import weiszfeld_weights
from mechanism.aggregation.krum import krum_scores
from mechanism.aggregation.registry import get_rule
from mechanism.aggregation.trimmed_mean import trimmed_mean_columns
from mechanism.dispute.trace import OrderFn, Program, Stage
from mechanism.errors import ParameterError

A = np.ndarray
COORDINATE_RULES = ("mean", "median", "trimmed_mean")


def _t(a: A) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def _n(t: torch.Tensor) -> A:
    return t.numpy()


def _shift(scal: dict[str, A], m: str, d: int) -> int:
    return rescale_shift(int(scal[m][0]), d)


def _clip_view(rows: A, c: A) -> A:
    return (rows * c[:, None]) >> SCALE_BITS


def _abs_x(scal: dict[str, A], src: dict[str, A]) -> A:
    return np.abs(src["x"])


def _max_stage(name: str, reads: tuple[str, ...] = ("x",), fn: Any = _abs_x) -> Stage:
    return Stage(name, "max", reads=reads, fn=fn)


def _norm_stages(n: int, d: int, tau: int, tag: str, center: str | None) -> list[Stage]:
    """max M, sum of squared rescaled norms, select clip factors (of x - center)."""
    reads = ("x",) if center is None else ("x", center)

    def diff(src: dict[str, A]) -> A:
        return src["x"] if center is None else src["x"] - src[center][None, :]

    m, q, c = f"M{tag}", f"norm2{tag}", f"clip{tag}"

    def delta(scal: dict[str, A], src: dict[str, A], i: Any) -> A:
        row = diff(src)[i] >> _shift(scal, m, d)
        return row * row

    def totals(scal: dict[str, A], src: dict[str, A]) -> list[int]:
        return [int(v) for v in row_sqnorms_shifted(_t(diff(src)), d)[0]]

    def select(scal: dict[str, A], order_fn: OrderFn) -> list[int]:
        s = _shift(scal, m, d)
        return [clip_factor(math.isqrt(int(v)) << s, tau) for v in scal[q]]

    return [
        _max_stage(m, reads, lambda scal, src: np.abs(diff(src))),
        Stage(q, "sum", reads=reads, scalars=(m,), delta=delta, totals=totals, items=tuple(range(n))),
        Stage(c, "select", scalars=(m, q), select=select),
    ]


def _pair_stages(n: int, d: int) -> list[Stage]:
    pairs = tuple((a, b) for a in range(n) for b in range(a + 1, n))

    def delta(scal: dict[str, A], src: dict[str, A], ab: Any) -> A:
        s = _shift(scal, "M", d)
        diff = (src["x"][ab[0]] >> s) - (src["x"][ab[1]] >> s)
        return diff * diff

    def totals(scal: dict[str, A], src: dict[str, A]) -> list[int]:
        dist, _ = pairwise_sqdist(_t(src["x"]))
        return [dist[a][b] for a, b in pairs]

    return [_max_stage("M"), Stage("dist", "sum", reads=("x",), scalars=("M",), delta=delta, totals=totals, items=pairs)]


def dist_matrix(v: A, n: int) -> list[list[int]]:
    dist = [[0] * n for _ in range(n)]
    k = 0
    for a in range(n):
        for b in range(a + 1, n):
            dist[a][b] = dist[b][a] = int(v[k])
            k += 1
    return dist


def _coordinate(rule: str, n: int, d: int, params: dict[str, Any], clip: int | None) -> list[Stage]:
    core = get_rule(rule, **params)
    core.check_n(n)

    def out(scal: dict[str, A], src: dict[str, A]) -> A:
        rows = src["x"] if clip is None else _clip_view(src["x"], scal["clip"])
        return _n(core._fast(_t(rows)))

    pre = [] if clip is None else _norm_stages(n, d, clip, "", None)
    return [*pre, Stage("out", "map", reads=("x",), scalars=("clip",) if clip is not None else (), fn=out)]


def _krum(rule: str, n: int, d: int, params: dict[str, Any]) -> list[Stage]:
    core = get_rule(rule, **params)
    core.check_n(n)
    f = int(params.get("f", 1))
    m = params.get("m") or n - f

    def order(scal: dict[str, A], order_fn: OrderFn) -> list[int]:
        return order_fn(krum_scores(dist_matrix(scal["dist"], n), list(range(n)), f), list(range(n)))

    def out(scal: dict[str, A], src: dict[str, A]) -> A:
        o = [int(v) for v in scal["order"]]
        if rule == "krum":
            return np.array(src["x"][o[0]])
        return _n(floor_mean_rows(_t(src["x"]), sorted(o[:m])))

    return [
        *_pair_stages(n, d),
        Stage("order", "select", scalars=("dist",), select=order, lex=True),
        Stage("out", "map", reads=("x",), scalars=("order",), fn=out),
    ]


def _bulyan(n: int, d: int, params: dict[str, Any]) -> list[Stage]:
    get_rule("bulyan", **params).check_n(n)
    f = int(params.get("f", 1))

    def chosen(scal: dict[str, A], order_fn: OrderFn) -> list[int]:
        return bulyan_selection(dist_matrix(scal["dist"], n), n, f, order_fn)

    def out(scal: dict[str, A], src: dict[str, A]) -> A:
        return _n(trimmed_mean_columns(_t(src["x"][[int(v) for v in scal["chosen"]]]), f))

    return [
        *_pair_stages(n, d),
        Stage("chosen", "select", scalars=("dist",), select=chosen, lex=True),
        Stage("out", "map", reads=("x",), scalars=("chosen",), fn=out),
    ]


def _geomed(n: int, d: int, params: dict[str, Any]) -> list[Stage]:
    core = get_rule("geometric_median", **params)
    core.check_n(n)
    iters, nu = core.iterations, core.nu  # type: ignore[attr-defined]

    def z0(scal: dict[str, A], src: dict[str, A]) -> A:
        return np.floor_divide(src["x"].sum(axis=0), n)

    stages = [_max_stage("M"), Stage("z0", "map", reads=("x",), fn=z0)]
    for t in range(iters):
        z, dn, wn = f"z{t}", f"D{t}", f"w{t}"
        last = t == iters - 1

        def delta(scal: dict[str, A], src: dict[str, A], i: Any, z: str = z) -> A:
            s = _shift(scal, "M", d)
            diff = (src["x"][i] >> s) - (src[z] >> s)
            return diff * diff

        def totals(scal: dict[str, A], src: dict[str, A], z: str = z) -> list[int]:
            s = _shift(scal, "M", d)
            diff = (_t(src["x"]) >> s) - (_t(src[z]) >> s)
            return [int(v) for v in (diff * diff).sum(dim=1)]

        def weights(scal: dict[str, A], order_fn: OrderFn, dn: str = dn) -> list[int]:
            return weiszfeld_weights([int(v) for v in scal[dn]], _shift(scal, "M", d), nu, n)

        def step(scal: dict[str, A], src: dict[str, A], wn: str = wn) -> A:
            w = scal[wn].astype(np.int64)
            acc = (src["x"] * w[:, None]).sum(axis=0)
            return np.floor_divide(acc, int(w.sum()))

        stages += [
            Stage(dn, "sum", reads=("x", z), scalars=("M",), delta=delta, totals=totals, items=tuple(range(n))),
            Stage(wn, "select", scalars=("M", dn), select=weights),
            Stage("out" if last else f"z{t + 1}", "map", reads=("x",), scalars=(wn,), fn=step),
        ]
    if iters == 0:
        stages[-1] = Stage("out", "map", reads=("x",), fn=z0)
    return stages


def _centered(n: int, d: int, params: dict[str, Any]) -> list[Stage]:
    core = get_rule("centered_clipping", **params)
    core.check_n(n)
    tau, iters = core.tau, core.iterations  # type: ignore[attr-defined]

    def v0(scal: dict[str, A], src: dict[str, A]) -> A:
        return np.zeros(src["x"].shape[1], dtype=np.int64)

    stages = [Stage("v0", "map", reads=("x",), fn=v0)]
    for t in range(iters):
        v, c = f"v{t}", f"clip{t}"

        def step(scal: dict[str, A], src: dict[str, A], v: str = v, c: str = c) -> A:
            clipped = _clip_view(src["x"] - src[v][None, :], scal[c])
            return src[v] + np.floor_divide(clipped.sum(axis=0), n)

        stages += _norm_stages(n, d, tau, str(t), v)
        stages.append(Stage("out" if t == iters - 1 else f"v{t + 1}", "map", reads=("x", v), scalars=(c,), fn=step))
    return stages


def build_program(rule: str, n: int, d: int, clip_norm: int | None = None, **params: Any) -> Program:
    """The trace program of ``aggregate(rule, x, clip_norm, **params)`` for (n, d) inputs."""
    if clip_norm is not None and rule not in COORDINATE_RULES:
        raise ParameterError.bad("clip_norm", clip_norm, f"supported with {', '.join(COORDINATE_RULES)} only")
    if rule in COORDINATE_RULES:
        stages = _coordinate(rule, n, d, params, clip_norm)
    elif rule in ("krum", "multi_krum"):
        stages = _krum(rule, n, d, params)
    elif rule == "bulyan":
        stages = _bulyan(n, d, params)
    elif rule == "geometric_median":
        stages = _geomed(n, d, params)
    elif rule == "centered_clipping":
        stages = _centered(n, d, params)
    else:
        get_rule(rule, **params)  # raises UnknownRuleError naming the allowed rules
        raise ParameterError.bad("rule", rule, "a rule with a trace program")
    all_params = dict(params) | ({"clip_norm": clip_norm} if clip_norm is not None else {})
    return Program(rule, all_params, n, d, (Stage("cols", "column", reads=("x",)), *stages))


def honest_order_fn(x: A) -> OrderFn:
    """Tie-break by row content using the core's :func:`order_by_score`."""
    from mechanism.aggregation._intmath import order_by_score

    xt = _t(x)
    return lambda scores, members: order_by_score(scores, xt, members)
