"""Unsupervised pre-training with a stacked DAE, then supervised fine-tuning: does it help with few labels?

Both stages are ordinary tasks trained by the one `fit`: greedy layer-wise pre-training (Vincent et al.
2010) trains each layer of an `MLPDAE` as a `LayerDAE` with the `DenoisingTask`; fine-tuning is the
`ClassificationTask` around an `EncoderClassifier`.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from deepshrink.engine.core.config import RunOptions
from deepshrink.engine.core.fit import fit
from deepshrink.engine.denoise.training import denoise_config, denoising_task
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.seeding import mix_seed, seeded
from deepshrink.models import MLPDAE, EncoderClassifier, LayerDAE
from deepshrink.tasks import (
    ClassificationTask,
    ExampleDataModule,
    SignalDataModule,
    check_examples,
)
from deepshrink.tasks.classification import train_only
from deepshrink.tasks.metrics import score_logits

__all__ = ["accuracy", "finetune_classifier", "label_subset", "pretrain_greedy", "pretraining_experiment"]


def _options(epochs: int) -> RunOptions:
    # small in-memory trainings: no checkpoints, no determinism flag (Lightning sets it process-wide)
    return RunOptions(epochs=epochs, deterministic=False)


def pretrain_greedy(
    model: MLPDAE,
    images: Tensor,
    *,
    corruption: str = "masking",
    level: float = 0.25,
    epochs_per_layer: int = 5,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    max_minutes: float | None = None,
) -> list[dict[str, Any]]:
    """Greedy layer-wise pre-training of a stacked `MLPDAE`, in place; one row per (layer, epoch).

    Layer i is trained as a one-layer DAE (`LayerDAE`) on the clean code of layers 0..i-1 (computed with the
    layers already trained, without gradient); only its input is corrupted, only while it is trained, at a
    fixed `level` (not blind). Sigmoid layers use BCE, others MSE; Adam at a constant `lr`. `max_minutes`
    bounds the whole pre-training (each layer gets an equal share).
    """
    if not isinstance(model, MLPDAE):
        raise ConfigError(f"greedy pre-training needs an MLPDAE (stacked DAE), got {type(model).__name__}")
    images = check_examples(images, "pre-training data")
    model.check_input(images)
    if epochs_per_layer < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(
            f"need epochs_per_layer >= 1, batch_size >= 1, lr > 0, got {epochs_per_layer}, {batch_size}, {lr}"
        )
    budget = None if max_minutes is None else max_minutes / model.num_layers
    codes = images.flatten(1)
    rows: list[dict[str, Any]] = []
    for i in range(model.num_layers):
        layer = LayerDAE(model, i)
        # Adam at a constant rate, one layer at a fixed level (the stacked-DAE recipe), as a DenoiseConfig
        cfg = denoise_config(
            corruption=corruption,
            blind=False,
            lr=lr,
            weight_decay=0.0,
            schedule="constant",
            seed=mix_seed("greedy", seed, i),
            epochs=epochs_per_layer,
            deterministic=False,  # small in-memory trainings: Lightning would set it process-wide
        )
        clip = (0.0, 1.0) if layer.output == "sigmoid" else None
        task = denoising_task(cfg, layer, level=level, clip=clip)
        data = ExampleDataModule(codes, None, batch_size=batch_size, seed=mix_seed("greedy", seed, i))
        result = fit(task, data, None, options=cfg, max_minutes=budget)
        rows += [
            {"layer": i, "epoch": int(r["epoch"]), "loss": float(r["train_loss"])} for r in result.history
        ]
        with torch.no_grad():
            codes = model.encode_layer(i, codes)
    model.eval()
    return rows


def _labels(images: Tensor, labels: Any, name: str) -> Tensor:
    check_examples(images, f"{name} images")
    labels = torch.as_tensor(labels)
    if labels.ndim != 1 or len(labels) != len(images) or labels.is_floating_point():
        raise DataError(
            f"{name} labels: expected {len(images)} integer labels, got shape {tuple(labels.shape)}"
        )
    if int(labels.min()) < 0:
        raise DataError(f"{name} labels: negative class index {int(labels.min())}")
    return labels.long()


def finetune_classifier(
    classifier: nn.Module,
    images: Tensor,
    labels: Tensor,
    *,
    num_classes: int | None = None,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
) -> tuple[nn.Module, list[dict[str, Any]]]:
    """Supervised training of `classifier` (e.g. an `EncoderClassifier`) with cross-entropy and Adam at a
    constant `lr`, in place, through the classification task. Returns (classifier in eval mode, history)."""
    labels = _labels(images, labels, "fine-tuning")
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(f"need epochs >= 1, batch_size >= 1 and lr > 0, got {epochs}, {batch_size}, {lr}")
    k = int(num_classes or getattr(classifier, "num_classes", int(labels.max()) + 1))
    data = SignalDataModule(
        train_only(images.float().numpy(), labels.numpy(), range(k)), batch_size=batch_size, seed=seed
    )
    task = ClassificationTask(
        classifier, num_classes=k, lr=lr, weight_decay=weight_decay, schedule="constant", seed=seed
    )
    result = fit(task, data, None, options=_options(epochs))
    history = [{"epoch": int(r["epoch"]), "train_loss": float(r["train_loss"])} for r in result.history]
    return classifier.eval(), history


@torch.inference_mode()
def accuracy(classifier: nn.Module, images: Tensor, labels: Tensor, *, batch_size: int = 1024) -> float:
    """Fraction of `images` whose arg-max logit equals the label (evaluation mode, no gradients)."""
    labels = _labels(images, labels, "evaluation")
    classifier.eval()
    logits = torch.cat([classifier(c.float()) for c in images.split(batch_size)])
    return score_logits(logits, labels, logits.shape[1])["accuracy"] / 100.0


def label_subset(labels: Tensor, fraction: float, *, random_state: int) -> Tensor:
    """Indices of a class-stratified random `fraction` of the examples (at least one per class)."""
    if not 0 < fraction <= 1:
        raise ConfigError(f"label fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(random_state)
    y = np.asarray(labels)
    picked = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = max(1, round(fraction * len(idx)))
        picked.append(rng.choice(idx, size=k, replace=False))
    return torch.from_numpy(np.sort(np.concatenate(picked)))


def pretraining_experiment(
    images: Tensor,
    labels: Tensor,
    test_images: Tensor,
    test_labels: Tensor,
    *,
    fractions: tuple[float, ...] = (0.01, 0.1),
    hidden: tuple[int, ...] = (256, 128),
    corruption: str = "masking",
    level: float = 0.25,
    pretrain_epochs: int = 10,
    finetune_epochs: int = 50,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Does unsupervised DAE pre-training help when few labels are known? One row per label fraction.

    A stacked DAE (`hidden`) is pre-trained greedily on all `images` (no labels), then for each fraction a
    stratified labelled subset trains (a) the pre-trained encoder + a linear head and (b) the same
    architecture from a random initialisation, identically (epochs, lr, seed). Rows: fraction, n_labels,
    acc_pretrained, acc_scratch on the test set.
    """
    labels = _labels(images, labels, "training")
    test_labels = _labels(test_images, test_labels, "test")
    num_classes = int(max(labels.max(), test_labels.max())) + 1
    shape = tuple(images.shape[1:])

    def fresh(tag: str) -> MLPDAE:
        with seeded("init", seed, tag):
            return MLPDAE(shape, hidden=hidden)

    pretrained = fresh("ae")
    pretrain_greedy(
        pretrained,
        images,
        corruption=corruption,
        level=level,
        epochs_per_layer=pretrain_epochs,
        lr=lr,
        seed=seed,
    )
    rows = []
    for fraction in fractions:
        idx = label_subset(labels, fraction, random_state=mix_seed("labels", seed, fraction) % (2**32))
        accs = {}
        for name, ae in (("pretrained", copy.deepcopy(pretrained)), ("scratch", fresh("ae"))):
            with seeded("head", seed):
                clf = EncoderClassifier(ae, num_classes)
            finetune_classifier(
                clf,
                images[idx],
                labels[idx],
                num_classes=num_classes,
                epochs=finetune_epochs,
                lr=lr,
                seed=seed,
            )
            accs[name] = accuracy(clf, test_images, test_labels)
        rows.append(
            {
                "fraction": fraction,
                "n_labels": len(idx),
                "acc_pretrained": accs["pretrained"],
                "acc_scratch": accs["scratch"],
            }
        )
    return rows
