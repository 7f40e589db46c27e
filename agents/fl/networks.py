"""Small models of the FL workload, carried as one flat parameter vector.

Logistic regression, a one-hidden-layer MLP and a small CNN for 8x8 images. Every trainer
of a round trains in one batched computation over stacked parameters: logistic
regression and the MLP through their closed-form cross-entropy gradients with
:func:`torch.bmm` (softmax minus one-hot, back-propagated by hand; no autograd graph per
step), the CNN through :mod:`torch.func` (``vmap(grad(...))``). Both paths give the
gradient of the same loss (the mean cross-entropy of the mini-batch; a test compares
them). Parameters are initialised from an explicit generator (U(-1/sqrt(fan_in),
1/sqrt(fan_in)) weights, zero biases).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from agents.fl.datasets import Dataset
from mechanism.errors import ParameterError, UnknownRuleError

MODELS = ("logreg", "mlp", "cnn")


def build_model(name: str, data: Dataset, hidden: int = 32) -> nn.Module:
    """A template module on the ``meta`` device (parameters come from :class:`FlatModel`)."""
    f, c = data.n_features, data.n_classes
    meta = torch.device("meta")
    if name == "logreg":
        return nn.Linear(f, c, device=meta)
    if name == "mlp":
        return nn.Sequential(nn.Linear(f, hidden, device=meta), nn.ReLU(), nn.Linear(hidden, c, device=meta))
    if name == "cnn":
        if data.image_shape is None:
            raise ParameterError.bad("model", name, f"logreg or mlp (dataset {data.name!r} has no image shape)")
        ch, h, w = data.image_shape
        return nn.Sequential(
            nn.Unflatten(-1, (ch, h, w)),
            nn.Conv2d(ch, 8, 3, padding=1, device=meta), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(-3), nn.Linear(8 * (h // 2) * (w // 2), c, device=meta),
        )
    raise UnknownRuleError.bad("model", name, f"one of {', '.join(MODELS)}")


class FlatModel:
    """A model whose parameters travel as one flat float32 vector of length ``dim``."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.names = [k for k, _ in module.named_parameters()]
        self.shapes = [tuple(p.shape) for _, p in module.named_parameters()]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.dim = sum(self.sizes)
        self._batched_grad: Callable[..., dict[str, torch.Tensor]] = vmap(grad(self._loss))
        self.kind = _closed_form_kind(module)

    def init(self, generator: torch.Generator) -> torch.Tensor:
        """Initial flat parameters: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights, zero biases."""
        parts = []
        for shape in self.shapes:
            if len(shape) == 1:
                parts.append(torch.zeros(shape))
            else:
                k = 1.0 / math.sqrt(math.prod(shape[1:]))
                parts.append((torch.rand(shape, generator=generator) * 2 - 1) * k)
        return torch.cat([p.reshape(-1) for p in parts]).to(torch.float32)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """(..., dim) -> dict of parameter views with leading batch dims kept."""
        lead = flat.shape[:-1]
        chunks = torch.split(flat, self.sizes, dim=-1)
        return {n: c.reshape(*lead, *s) for n, c, s in zip(self.names, chunks, self.shapes, strict=True)}

    def logits(self, flat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.module, self.unflatten(flat), (x,))

    def _loss(self, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(functional_call(self.module, params, (x,)), y)

    def batched_grad(self, flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-trainer gradients: flat (n, dim), x (n, B, F), y (n, B) -> (n, dim)."""
        if self.kind is not None:
            return self._closed_form_grad(flat, x, y)
        return self.autograd_grad(flat, x, y)

    def autograd_grad(self, flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The same gradients through ``vmap(grad(loss))`` (every model; the reference)."""
        g = self._batched_grad(self.unflatten(flat), x, y)
        return torch.cat([g[k].reshape(flat.shape[0], -1) for k in self.names], dim=1)

    @torch.no_grad()
    def _closed_form_grad(self, flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Gradient of the mean cross-entropy, by hand: ``dL/dz = (softmax(z) - onehot(y)) / B``
        back through the linear layers (and the ReLU mask of the MLP's hidden layer)."""
        p = self.unflatten(flat)
        ws = [v for k, v in p.items() if k.endswith("weight")]
        bs = [v for k, v in p.items() if k.endswith("bias")]
        acts = [x]
        h = x
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
            if i < len(ws) - 1:
                h = torch.relu(h)
                acts.append(h)
        dz = torch.exp(h - h.amax(dim=-1, keepdim=True))  # softmax (the fused kernel is slow on tiny rows)
        dz /= dz.sum(dim=-1, keepdim=True)
        dz.scatter_add_(-1, y.unsqueeze(-1), torch.full_like(dz[..., :1], -1.0))
        dz /= x.shape[1]
        grads: list[torch.Tensor] = []
        for i in range(len(ws) - 1, -1, -1):
            grads[:0] = [torch.bmm(dz.transpose(1, 2), acts[i]).reshape(len(flat), -1), dz.sum(dim=1)]
            if i:
                dz = torch.bmm(dz, ws[i]) * (acts[i] > 0)
        return torch.cat(grads, dim=1)

    @torch.no_grad()
    def evaluate(self, flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(accuracy in [0, 1], mean cross-entropy loss [nats]) of one flat model."""
        out = self.logits(flat.to(torch.float32), x)
        loss = float(nn.functional.cross_entropy(out, y))
        return float((out.argmax(dim=1) == y).to(torch.float64).mean()), loss


def _closed_form_kind(module: nn.Module) -> str | None:
    """``"linear"`` / ``"mlp"`` when the module is a stack of Linear layers (ReLU between,
    parameters in the order weight, bias per layer), whose gradient has a closed form."""
    if isinstance(module, nn.Linear) and module.bias is not None:
        return "linear"
    if isinstance(module, nn.Sequential) and len(module) == 3:
        a, r, b = module
        if (isinstance(a, nn.Linear) and isinstance(r, nn.ReLU) and isinstance(b, nn.Linear)
                and a.bias is not None and b.bias is not None):
            return "mlp"
    return None
