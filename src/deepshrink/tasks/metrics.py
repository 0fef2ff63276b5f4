"""Classification metrics from logits: THE definitions used everywhere (training logs, model.json,
evaluate, the benchmark), all computed by torchmetrics so that logged and stored numbers agree.

Here, beside the tasks that log them, because torchmetrics objects hold state (the pure ops of
`deepshrink.functional` hold none), and because torchmetrics adds about 3 s to an import of torch (5.6 s
against 2.7 s on a 2-core machine, docs/benchmarks.md), which `predict` and `load_model` do not need.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix, MulticlassF1Score

from deepshrink.errors import DataError

__all__ = ["classification_metrics", "classification_scores"]


def classification_metrics(num_classes: int) -> MetricCollection:
    """The metric objects a task logs: accuracy (micro, a fraction), macro F1 and the confusion matrix.

    Macro F1 averages over the classes present in the targets or the predictions (torchmetrics leaves a
    class absent from both out, as scikit-learn's `f1_score(average="macro")` does).
    """
    return MetricCollection(
        {
            "acc": MulticlassAccuracy(num_classes, average="micro"),
            "f1": MulticlassF1Score(num_classes, average="macro", zero_division=0),
            "confusion": MulticlassConfusionMatrix(num_classes),
        }
    )


def classification_scores(metrics: MetricCollection, loss: MeanMetric | None = None) -> dict[str, Any]:
    """Plain numbers from computed metric objects: accuracy (percent), macro_f1, loss, confusion, n."""
    values = metrics.compute()
    cm = values["confusion"].long().cpu()
    n = int(cm.sum())
    return {
        "accuracy": float(100.0 * values["acc"]) if n else math.nan,
        "macro_f1": float(values["f1"]) if n else math.nan,
        "loss": float(loss.compute()) if loss is not None and n else math.nan,
        "confusion": cm.tolist(),
        "n": n,
    }


@torch.inference_mode()
def score_logits(logits: Tensor, y: Tensor, num_classes: int) -> dict[str, Any]:
    """`classification_scores` of one set of logits (N, classes) against labels (N,)."""
    if not bool(torch.isfinite(logits).all()):
        raise DataError("the model produced NaN/inf outputs on the evaluation windows")
    metrics = classification_metrics(num_classes).to(logits.device)
    loss = MeanMetric().to(logits.device)
    if len(y):
        metrics.update(logits, y)
        loss.update(F.cross_entropy(logits.float(), y), weight=len(y))
    return classification_scores(metrics, loss)
