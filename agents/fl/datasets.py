"""Embedded data sets and trainer splits of the FL workload.

* ``digits``: sklearn's 1,797 8x8 images, 10 classes (ships with sklearn), scaled to [0, 1];
  ``generated``: ``make_classification``, scales in samples and features, standardised.
  Nothing is downloaded.
* :func:`split_dirichlet` (Hsu, Qi and Brown 2019, "Measuring the effects of
  non-identical data distribution for federated visual classification": trainer i's
  class mix ``q_i ~ Dir(alpha * p)``) and :func:`split_iid`; ``alpha = inf`` means IID.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from mechanism.errors import ParameterError, UnknownRuleError

DATASETS = ("digits", "generated")


@dataclass(frozen=True)
class Dataset:
    """Train/test tensors (float32 features, int64 labels) of one task."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    image_shape: tuple[int, int, int] | None  # (C, H, W) when the CNN applies

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


@functools.lru_cache(maxsize=8)
def load_dataset(
    name: str = "digits",
    seed: int = 0,
    test_fraction: float = 0.25,
    n_samples: int = 20_000,
    n_features: int = 100,
    n_classes: int = 10,
) -> Dataset:
    """Load ``digits`` or build the ``generated`` task; stratified train/test split.

    ``n_samples``, ``n_features`` and ``n_classes`` only apply to ``generated``. Results
    are memoised (treat the tensors as read-only).
    """
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ParameterError.bad("test_fraction", test_fraction, "a number in (0, 1)")
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        x = np.asarray(bunch.data, dtype=np.float32) / 16.0
        y = np.asarray(bunch.target, dtype=np.int64)
        classes, shape = 10, (1, 8, 8)
    elif name == "generated":
        from sklearn.datasets import make_classification

        if n_features < 4 or n_samples < 10 * n_classes or n_classes < 2:
            raise ParameterError.bad(
                "generated", (n_samples, n_features, n_classes),
                "n_features >= 4, n_classes >= 2, n_samples >= 10 * n_classes",
            )
        x, y = make_classification(
            n_samples=n_samples, n_features=n_features, n_informative=max(2, n_features // 2),
            n_redundant=n_features // 4, n_classes=n_classes, n_clusters_per_class=2,
            class_sep=1.5, random_state=seed,
        )
        x, y = x.astype(np.float32), y.astype(np.int64)
        classes, shape = n_classes, None
    else:
        raise UnknownRuleError.bad("dataset", name, f"one of {', '.join(DATASETS)}")
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=seed)
    if name == "generated":
        mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
        xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    t = torch.from_numpy
    return Dataset(name, t(np.ascontiguousarray(xtr)), t(ytr), t(np.ascontiguousarray(xte)), t(yte), classes, shape)


# ------------------------------------------------------------------------- splits


def split_iid(n_samples: int, n_trainers: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random partition of ``range(n_samples)`` into ``n_trainers`` near-equal shards."""
    _check_split(n_samples, n_trainers)
    return [np.sort(s) for s in np.array_split(rng.permutation(n_samples), n_trainers)]


def split_dirichlet(
    labels: np.ndarray, n_trainers: int, alpha: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """Non-IID partition (Hsu et al. 2019): trainer i draws ``q_i ~ Dir(alpha * p)``.

    ``p`` is the class distribution of ``labels``. Shards have near-equal sizes (as in
    :func:`split_iid`) and are disjoint; each trainer's samples are drawn without
    replacement from the class pools by ``multinomial(size, q_i)``; when a pool runs
    dry the deficit is redrawn over the classes still available (renormalised q_i).
    Small ``alpha`` -> few classes per trainer; ``alpha -> inf`` -> IID.
    """
    labels = np.asarray(labels)
    _check_split(len(labels), n_trainers)
    if not alpha > 0:
        raise ParameterError.bad("alpha", alpha, "a positive Dirichlet concentration (inf = IID)")
    if math.isinf(alpha):
        return split_iid(len(labels), n_trainers, rng)
    classes = np.unique(labels)
    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in classes]
    prior = np.array([len(p) for p in pools], dtype=np.float64) / len(labels)
    sizes = [len(s) for s in np.array_split(np.arange(len(labels)), n_trainers)]
    shards: list[np.ndarray] = []
    for size in sizes:
        q = rng.dirichlet(np.maximum(alpha * prior, 1e-3))
        taken: list[int] = []
        need = size
        while need > 0:
            avail = np.array([len(p) for p in pools], dtype=np.float64)
            w = np.where(avail > 0, q, 0.0)
            w = w / w.sum() if w.sum() > 0 else avail / avail.sum()
            counts = np.minimum(rng.multinomial(need, w), avail.astype(np.int64))
            for c, k in enumerate(counts):
                taken += [pools[c].pop() for _ in range(int(k))]
            need = size - len(taken)
        shards.append(np.sort(np.array(taken, dtype=np.int64)))
    return shards


def _check_split(n_samples: int, n_trainers: int) -> None:
    if n_trainers < 1 or n_trainers > n_samples:
        raise ParameterError.bad("n_trainers", n_trainers, f"an integer in [1, {n_samples}] (training samples)")
