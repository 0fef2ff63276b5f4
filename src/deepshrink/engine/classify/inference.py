"""The one inference path of a classifier: raw windows -> the run's per-window normalisation -> network ->
logits, and for DRSN models each shrinkage unit's mean threshold per window. `evaluate`, `predict`, the
scikit-learn estimator and the ONNX export all run it, so they cannot disagree on the normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from deepshrink.functional.normalize import normalize
from deepshrink.layers.shrinkage import collect_thresholds, has_shrinkage

__all__ = ["Inference", "Pipeline", "infer"]


class Pipeline(nn.Module):
    """A network with the per-window normalisation of its run in front (what a deployment runs on raw
    windows; `export` writes this module)."""

    def __init__(self, model: nn.Module, mode: str) -> None:
        super().__init__()
        self.model, self.mode = model, mode

    def forward(self, x: Tensor) -> Tensor:
        return self.model(normalize(x, self.mode))


@dataclass
class Inference:
    """Logits (n, classes), float32 on the CPU; thresholds {unit: (n,)} when asked for (DRSN models)."""

    logits: Tensor
    thresholds: dict[str, Tensor] = field(default_factory=dict)


@torch.inference_mode()
def infer(
    model: nn.Module, x: Tensor, *, normalize: str = "none", batch_size: int = 1024, thresholds: bool = False
) -> Inference:
    """Run `model` (put in eval mode) on raw windows x (n, C, L) in batches on the model's device.
    `thresholds=True` also collects the mean learned threshold of every shrinkage unit per window (each
    unit keeps only its last batch's, so they are gathered batch by batch); ignored without shrinkage."""
    model.eval()
    pipeline = Pipeline(model, normalize)
    device = next(model.parameters()).device
    want = thresholds and has_shrinkage(model)
    outs: list[Tensor] = []
    taus: dict[str, list[Tensor]] = {}
    for i in range(0, len(x), batch_size):
        outs.append(pipeline(x[i : i + batch_size].to(device)).float().cpu())
        if want:
            for name, t in collect_thresholds(model).items():
                taus.setdefault(name, []).append(t.float().cpu())
    logits = torch.cat(outs) if outs else torch.empty(0, 0)
    return Inference(logits, {k: torch.cat(v) for k, v in taus.items()})
