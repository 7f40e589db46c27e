"""The trace of a training run: one committed vector per stage of every local step.

Stages of local step t (1-based), in order (docs/training_proof.md, "The game"):

* ``z{t}``: the exact, unshifted first-layer products ``z[b, r] = sum_i W_r[i] x_b[i]``
  (logistic regression: the logits, r = c; MLP: the hidden units, r = h), B*L items
  (L = C or H), leaf q = b*L + r. It is an additive Fold (``sum`` stage of
  :mod:`mechanism.dispute.trace`): the contribution of feature chunk k is
  :func:`z_delta`; the per-chunk partial sums of a disputed item are committed in a
  Merkle sum tree, so no one-step ever reads a whole first-layer row. The MLP's hidden
  pre-activation is ``a = clamp(z >> 8, ACT_MAX)`` (:func:`hidden`);
* ``e{t}``: output errors, B*C values, leaf q = b*C + c (logistic regression:
  ``sigmoid(z[b, c] >> 8) - [y_b = c]``, one committed logit and one label);
* ``w{t}``: the weights after the step, d values in chunks of ``chunk_size``;

and after the last step ``u = w_S - w_0``, the update whose root the trainer publishes.
Small vectors are committed with chunk size 1. Each leaf is a function of a few chunks of
earlier vectors (the previous weights ``w{t-1}``, ``w_0`` being the agreed start root),
of earlier stages of the same step and of the examples the public schedule picks:
:func:`leaf_values` is that function, written once against a :class:`View`, so the
prover (recording what it reads) and the verifier (checking what it is given) run the
same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from mechanism.commitment import MerkleTree, commit, num_chunks
from mechanism.training_proof.arith import (
    ACT_MAX,
    DATA_FRAC_BITS,
    FRAC_BITS,
    ONE,
    clamp,
    dot_shift,
    error,
    update,
)
from mechanism.training_proof.commit import Shard, TrainerCommitment, batch_positions, hyper_hash
from mechanism.training_proof.spec import Hyper, ModelSpec
from mechanism.training_proof.train import errors_from_z, fast_e, fast_w, fast_z

START = -1  # tree id of the agreed starting model


def stage_names(spec: ModelSpec, steps: int) -> list[str]:
    per = ["z", "e", "w"]
    return [f"{p}{t}" for t in range(1, steps + 1) for p in per] + ["u"]


def stage_chunk(spec: ModelSpec, name: str) -> int:
    return spec.chunk_size if name[0] in "wu" else 1


def stage_length(spec: ModelSpec, hyper: Hyper, name: str) -> int:
    if name[0] == "z":
        return hyper.batch * spec.layer1_rows
    if name[0] == "e":
        return hyper.batch * spec.classes
    return spec.d


class View(Protocol):
    """Read access to committed values (each read is one opened chunk)."""

    def get(self, tree: int, coord: int) -> int: ...

    def feat(self, pos: int, i: int) -> int: ...

    def label(self, pos: int) -> int: ...


@dataclass(frozen=True)
class Setting:
    """What both parties know before a dispute: the shapes, the committed data and
    round randomness (nothing a liar can change)."""

    spec: ModelSpec
    hyper: Hyper
    seed: bytes
    data_size: int
    arity: int

    @property
    def names(self) -> list[str]:
        return stage_names(self.spec, self.hyper.steps)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def batch(self, t: int) -> list[int]:
        return batch_positions(self.seed, t, self.hyper.batch, self.data_size)

    def leaves(self, s: int) -> int:
        name = self.names[s]
        return num_chunks(stage_length(self.spec, self.hyper, name), stage_chunk(self.spec, name))

    def prev_tree(self, t: int) -> int:
        return START if t == 1 else self.index(f"w{t - 1}")

    @property
    def row_chunks(self) -> int:
        """R: chunks per first-layer row (leaves of a ``z`` item's sum tree)."""
        return self.spec.row_len // self.spec.chunk_size

    def is_fold(self, s: int) -> bool:
        return self.names[s][0] == "z"


def hidden(z: int) -> int:
    """MLP hidden pre-activation from its unshifted product: ``clamp(z >> 8, ACT_MAX)``."""
    return clamp(z >> DATA_FRAC_BITS, ACT_MAX)


def z_delta(st: Setting, view: View, s: int, item: int, k: int) -> int:
    """Contribution of feature chunk k to item ``b*L + r`` of fold stage ``z{t}``:
    ``sum_{i in chunk k} W_r[i] x_b[i]`` (exact; chunk k of first-layer row r of
    ``w{t-1}`` and chunk k of example b of the schedule)."""
    spec = st.spec
    t = int(st.names[s][1:])
    L = spec.layer1_rows
    prev, pos = st.prev_tree(t), st.batch(t)[item // L]
    c, ch = item % L, spec.chunk_size
    s0 = spec.row_start(1, c) + k * ch
    return sum(view.get(prev, s0 + i) * view.feat(pos, k * ch + i) for i in range(ch))


def leaf_values(st: Setting, view: View, s: int, j: int) -> list[int]:
    """The honest values of leaf j of stage s, read through ``view`` (module doc)."""
    spec, hy = st.spec, st.hyper
    name = st.names[s]
    if name == "u":
        c = spec.chunk_size
        last = st.index(f"w{hy.steps}")
        return [view.get(last, k) - view.get(START, k) for k in range(j * c, min((j + 1) * c, spec.d))]
    t = int(name[1:])
    prev, batch = st.prev_tree(t), st.batch(t)
    C, H = spec.classes, spec.hidden
    z_tree = st.index(f"z{t}")

    def row(layer: int, r: int, n: int) -> list[int]:
        s0 = spec.row_start(layer, r)
        return [view.get(prev, s0 + i) for i in range(n)]

    def act(b: int, h: int) -> int:
        return hidden(view.get(z_tree, b * H + h))

    if name[0] == "z":  # the whole fold (the game only ever re-executes one chunk of it)
        return [sum(z_delta(st, view, s, j, k) for k in range(st.row_chunks))]
    if name[0] == "e":
        b, c = divmod(j, C)
        lab = view.label(batch[b])
        if spec.kind == "logreg":
            return [error(view.get(z_tree, j) >> DATA_FRAC_BITS, lab, c)]
        hin = [ONE] + [max(0, act(b, h)) for h in range(H)]
        hin += [0] * (spec.row_len2 - len(hin))
        return [error(dot_shift(row(2, c, spec.row_len2), hin, FRAC_BITS), lab, c)]
    # weights chunk j: lies inside one row
    lo = j * spec.chunk_size
    width = min(spec.chunk_size, spec.d - lo)
    layer, r, col0 = spec.row_of(lo)
    old = [view.get(prev, lo + i) for i in range(width)]
    e_tree = st.index(f"e{t}")
    B = len(batch)
    if spec.kind == "logreg":
        coefs = [view.get(e_tree, b * C + r) for b in range(B)]
        ins = [[view.feat(batch[b], col0 + i) for i in range(width)] for b in range(B)]
        return update(old, coefs, ins, DATA_FRAC_BITS, hy.lr_q)
    if layer == 1:
        w2col = [view.get(prev, spec.row_start(2, c) + 1 + r) for c in range(C)]
        # every error is read (the proof opens all B*C), then masked by the ReLU
        back = [sum(w2col[c] * view.get(e_tree, b * C + c) for c in range(C)) >> FRAC_BITS for b in range(B)]
        coefs = [g if act(b, r) > 0 else 0 for b, g in enumerate(back)]
        ins = [[view.feat(batch[b], col0 + i) for i in range(width)] for b in range(B)]
        return update(old, coefs, ins, DATA_FRAC_BITS, hy.lr_q)
    coefs = [view.get(e_tree, b * C + r) for b in range(B)]

    def hin_at(b: int, k: int) -> int:
        if k == 0:
            return ONE
        return max(0, act(b, k - 1)) if k <= H else 0

    ins = [[hin_at(b, col0 + i) for i in range(width)] for b in range(B)]
    return update(old, coefs, ins, FRAC_BITS, hy.lr_q)


@dataclass
class TrainingTrace:
    """A trainer's run: stage values and their trees (honest or a consistent lie)."""

    setting: Setting
    shard: Shard
    w0: np.ndarray
    start_tree: MerkleTree
    values: list[np.ndarray]
    trees: list[MerkleTree]
    seconds_train: float = 0.0
    seconds_commit: float = 0.0
    program: object = None
    extra: dict[str, object] = field(default_factory=dict)
    #: a liar's per-chunk partial sums of fold items: (stage, item) -> R values
    delta_overrides: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    @property
    def roots(self) -> list[bytes]:
        return [t.root for t in self.trees]

    def commitment(self) -> TrainerCommitment:
        st = self.setting
        return TrainerCommitment(self.shard.root, self.start_tree.root, hyper_hash(st.spec, st.hyper), st.seed,
                                 tuple(self.roots))

    def tree(self, tid: int) -> MerkleTree:
        return self.start_tree if tid == START else self.trees[tid]

    def vector(self, tid: int) -> np.ndarray:
        return self.w0 if tid == START else self.values[tid]


Corruption = Callable[[int, np.ndarray], np.ndarray]


def run_trace(st: Setting, shard: Shard, w0: np.ndarray, corrupt: Corruption | None = None,
              commit_states: bool = True) -> TrainingTrace:
    """Train S local steps with the fast path, committing every stage (``corrupt`` may
    rewrite a stage's value as it is produced; later stages then follow the lie)."""
    import time

    spec, hy = st.spec, st.hyper
    X_all, y_all = torch.from_numpy(shard.features), torch.from_numpy(shard.labels)
    names = st.names
    values: list[np.ndarray] = []
    trees: list[MerkleTree] = []
    t_train = t_commit = 0.0
    c0 = time.perf_counter()
    start_tree = commit(w0, spec.chunk_size, st.arity)
    t_commit += time.perf_counter() - c0

    def emit(name: str, v: torch.Tensor) -> torch.Tensor:
        nonlocal t_commit
        arr = np.ascontiguousarray(v.reshape(-1).numpy(), dtype=np.int64)
        if corrupt is not None:
            arr = corrupt(len(values), arr)
        values.append(arr)
        if commit_states:
            c1 = time.perf_counter()
            trees.append(commit(arr, stage_chunk(spec, name), st.arity))
            t_commit += time.perf_counter() - c1
        return torch.from_numpy(arr)

    w = torch.from_numpy(np.asarray(w0, dtype=np.int64).copy())
    for t in range(1, hy.steps + 1):
        t1 = time.perf_counter()
        idx = torch.tensor(st.batch(t), dtype=torch.int64)
        X, y = X_all[idx], y_all[idx]
        A = None
        Z = fast_z(spec, w, X)
        t_train += time.perf_counter() - t1
        Z = emit(f"z{t}", Z).view(hy.batch, spec.layer1_rows)
        t1 = time.perf_counter()
        if spec.kind == "logreg":
            E = errors_from_z(Z, y, spec.classes)
        else:
            A = (Z >> DATA_FRAC_BITS).clamp(-ACT_MAX, ACT_MAX)
            E = fast_e(spec, w, X, y, A)
        t_train += time.perf_counter() - t1
        E = emit(f"e{t}", E).view(hy.batch, spec.classes)
        t1 = time.perf_counter()
        w = fast_w(spec, hy, w, X, A, E)
        t_train += time.perf_counter() - t1
        w = emit(f"w{t}", w)
    emit("u", w - torch.from_numpy(np.asarray(w0, dtype=np.int64)))
    assert len(values) == len(names)
    return TrainingTrace(st, shard, np.asarray(w0, dtype=np.int64), start_tree, values, trees, t_train, t_commit)
