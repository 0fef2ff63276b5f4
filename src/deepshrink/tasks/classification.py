"""The classification task: any registered classifier (or an nn.Module) trained on windows under noise.

`ClassificationTask` is the LightningModule: the network (`deepshrink.models`) knows nothing about
training; noise, normalisation, the loss, the metrics and the optimisation recipe live here. Training noise
is added to each batch in `training_step` from a generator seeded with (seed, epoch, batch index, rank), so a
run resumed from a checkpoint draws exactly the noise the uninterrupted run would have drawn.
`SignalDataModule` holds the train / val / test windows as tensors; validation and test windows get fixed
noise once (per-window seeds), the training windows too with `noise_mode="fixed"` (the paper's protocol).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy

from deepshrink.data.readers.noise_recordings import recorded_noise
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.noise import NoiseBank, add_noise, add_window_noise
from deepshrink.functional.normalize import normalize
from deepshrink.functional.seeding import mix_seed, seeded
from deepshrink.models import create_model, model_info
from deepshrink.tasks.batches import TensorBatches
from deepshrink.tasks.metrics import classification_metrics, classification_scores
from deepshrink.tasks.recipes import configure_task_optimization

__all__ = ["ClassificationTask", "SignalDataModule", "build_classifier", "check_classifier", "train_only"]


def check_classifier(name: str) -> None:
    """ConfigError unless `name` is a registered classifier (an autoencoder points to `dae train`)."""
    info = model_info(name)
    if info.task != "classification":
        raise ConfigError(
            f"model {name!r} is an {info.task}, not a classifier: train it with `deepshrink dae train`",
            key="model",
        )


def build_classifier(name: str, *, in_channels: int, num_classes: int, seed: int, **kwargs: Any) -> nn.Module:
    """`create_model(name, ...)` with weights initialised from `seed` (global random state untouched)."""
    check_classifier(name)
    with seeded("init", seed):
        return create_model(name, in_channels=in_channels, num_classes=num_classes, **kwargs)


class ClassificationTask(L.LightningModule):
    """Train a classifier on (noisy, normalised) windows with cross-entropy.

    model: a registered classifier name (built with in_channels, num_classes, model_kwargs and weights from
    `seed`) or an nn.Module returning logits. noise / snr / noise_mode: training noise ("online": per batch,
    "fixed": already in the data). normalize: per-window normalisation applied after the noise.
    recipe / lr / weight_decay / schedule / warmup_epochs: `deepshrink.engine.recipes` (the schedule length
    comes from the Trainer's epochs and batches). noise_bank: the recordings of recorded training noise
    (`SignalDataModule.noise_bank("train")`). Logged per epoch: train_loss, train_acc, val_loss, val_acc,
    val_f1 (macro). `score(batches)` gives the final scores of a split (accuracy in %, macro F1, loss,
    confusion matrix, n) with the same metric definitions as the logged ones.
    """

    csv_columns = ("train_loss", "train_acc", "val_loss", "val_acc", "val_f1")

    def __init__(
        self,
        model: str | nn.Module,
        *,
        num_classes: int,
        in_channels: int = 1,
        model_kwargs: dict | None = None,
        noise: str = "none",
        snr: float | tuple[float, float] = 0.0,
        noise_mode: str = "online",
        normalize: str = "none",
        recipe: str = "adamw",
        lr: float | None = None,
        weight_decay: float | None = None,
        schedule: str = "cosine",
        warmup_epochs: float | None = None,
        seed: int = 0,
        noise_bank: NoiseBank | None = None,
    ) -> None:
        super().__init__()
        # the bank is data (recordings), not a setting: a checkpoint keeps the noise's name, not its samples
        if isinstance(model, str):
            self.save_hyperparameters(ignore=["noise_bank"])
            self.model = build_classifier(
                model, in_channels=in_channels, num_classes=num_classes, seed=seed, **(model_kwargs or {})
            )
        else:
            self.save_hyperparameters(ignore=["model", "noise_bank"])
            self.model = model
        self.noise_bank = noise_bank
        self.num_classes = int(num_classes)
        self.train_loss, self.val_loss = MeanMetric(), MeanMetric()
        self.train_acc = MulticlassAccuracy(num_classes, average="micro")
        self.val_metrics = classification_metrics(num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Logits of the wrapped network (input already noisy; normalised here)."""
        return self.model(normalize(x, self.hparams.normalize))

    def _check_loss(self, loss: Tensor, where: str) -> None:
        if not torch.isfinite(loss):
            raise DataError(
                f"{where} loss became {loss.item()} at epoch {self.current_epoch}: lower the learning rate, "
                "enable gradient clipping or check the data for extreme values"
            )

    def training_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> Tensor:
        """Noise (online mode), normalisation, cross-entropy."""
        x, y, _ = batch
        hp = self.hparams
        if hp.noise_mode == "online" and hp.noise != "none":
            g = torch.Generator(device=x.device)
            g.manual_seed(mix_seed("train-noise", hp.seed, self.current_epoch, batch_idx, self.global_rank))
            x = add_noise(x, hp.snr, hp.noise, generator=g, bank=self.noise_bank)
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self._check_loss(loss, "training")
        self.train_loss.update(loss.detach(), weight=len(y))
        self.train_acc.update(logits.detach(), y)
        self.log("train_loss", self.train_loss, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def validation_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> None:
        """Loss, accuracy, macro F1 and confusion on the fixed-noise validation windows."""
        x, y, _ = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self._check_loss(loss, "validation")
        self.val_loss.update(loss, weight=len(y))
        self.val_metrics.update(logits, y)

    def on_validation_epoch_end(self) -> None:
        """Log the epoch's validation scores (synchronised across processes by torchmetrics)."""
        scores = classification_scores(self.val_metrics, self.val_loss)
        if scores["n"]:
            self.log("val_loss", scores["loss"])
            self.log("val_acc", scores["accuracy"] / 100.0)  # a fraction, like train_acc
            self.log("val_f1", scores["macro_f1"])
        self.val_metrics.reset()
        self.val_loss.reset()

    @torch.inference_mode()
    def score(self, batches: Any) -> dict[str, Any]:
        """Final scores of (x, y, index) batches in evaluation mode: the metric definitions logged above."""
        was_training = self.training
        self.eval()
        device = next(self.model.parameters()).device
        metrics = classification_metrics(self.num_classes).to(device)
        loss = MeanMetric().to(device)
        try:
            for x, y, _ in batches:
                x, y = x.to(device), y.to(device)
                logits = self(x)
                loss.update(F.cross_entropy(logits, y), weight=len(y))
                metrics.update(logits, y)
        finally:
            self.train(was_training)
        return classification_scores(metrics, loss)

    def final_metrics(self, data: SignalDataModule) -> dict[str, Any]:
        """val_* and test_* (accuracy in %) and the test confusion matrix of the final weights."""
        out: dict[str, Any] = {}
        for split in ("val", "test"):
            if data.has(split):
                s = self.score(data.eval_batches(split))
                out.update(
                    {f"{split}_acc": s["accuracy"], f"{split}_f1": s["macro_f1"], f"{split}_loss": s["loss"]}
                )
                if split == "test":
                    out["test_confusion"] = s["confusion"]
        return out

    def configure_optimizers(self) -> dict[str, Any]:
        """The recipe's optimizer and scheduler, sized by the Trainer (epochs, batches per process)."""
        return configure_task_optimization(self)


def _as_tensor_pair(split: Any, name: str) -> tuple[Tensor, Tensor]:
    x, y = np.asarray(split.x), np.asarray(split.y)
    if x.ndim < 2 or y.ndim != 1 or len(x) != len(y):
        raise ConfigError(f"{name} split: expected x (N, C, ...) and y (N,), got {x.shape} and {y.shape}")
    if x.size and not np.isfinite(x).all():
        raise DataError(f"{name} split: {int((~np.isfinite(x)).sum())} NaN/inf values in the windows")
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(y.astype(np.int64))


def train_only(x: Any, y: Any, classes: Any) -> SimpleNamespace:
    """In-memory arrays as a `SignalDataModule`'s splits: every example trains, no validation or test (an
    estimator's `fit`, a fine-tuning on labelled examples)."""
    x, y = np.asarray(x), np.asarray(y)
    empty = SimpleNamespace(x=x[:0], y=y[:0])
    return SimpleNamespace(train=SimpleNamespace(x=x, y=y), val=empty, test=empty, classes=list(classes))


class SignalDataModule(L.LightningDataModule):
    """Train / val / test windows kept as tensors and served by `TensorBatches`.

    `dataset` has `.train/.val/.test` (each with numpy `x` (N, C, L) and `y` (N,)) and `.classes`
    (`deepshrink.data.WindowSplits`, or any object of that shape, e.g. arrays from scikit-learn).
    Validation and test windows get fixed noise at setup (per-window seeds from `seed`, so every run and
    every process sees the same noisy windows); with `noise_mode="fixed"` the training windows do too.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        batch_size: int = 128,
        eval_batch_size: int | None = None,
        noise: str = "none",
        snr: float | tuple[float, float] = 0.0,
        noise_mode: str = "online",
        seed: int = 0,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}", key="batch_size")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.eval_batch_size = int(eval_batch_size or max(256, 4 * batch_size))
        self.noise, self.snr, self.noise_mode, self.seed = noise, snr, noise_mode, int(seed)
        self.classes = list(dataset.classes)
        self.tensors = {
            name: _as_tensor_pair(getattr(dataset, name), name) for name in ("train", "val", "test")
        }
        if len(self.tensors["train"][0]) == 0:
            raise DataError("train split is empty: more data or a smaller window is needed")
        self._noised = False

    @property
    def in_channels(self) -> int:
        """Channels of one window."""
        return int(self.tensors["train"][0].shape[1])

    def has(self, split: str) -> bool:
        """Whether `split` holds any window."""
        return len(self.tensors[split][0]) > 0

    def setup(self, stage: str | None = None) -> None:
        """Add the fixed noise once (idempotent)."""
        if self._noised:
            return
        for name in ["val", "test"] + (["train"] if self.noise_mode == "fixed" else []):
            x, y = self.tensors[name]
            if len(x) and self.noise != "none":
                base = mix_seed("fixed-noise", self.seed, name, self.noise, str(self.snr))
                bank = self.noise_bank("train" if name == "train" else "test")
                noisy = add_window_noise(x, self.snr, self.noise, seed=base, chunk=4096, bank=bank)
                self.tensors[name] = (noisy, y)
        self._noised = True

    def noise_bank(self, part: str) -> NoiseBank | None:
        """The recordings of recorded noise for the `part` ("train" or "test") of the data; None for
        generated noise."""
        return recorded_noise(self.noise, self.dataset, part)

    def _rank_world(self) -> tuple[int, int]:
        trainer = getattr(self, "trainer", None)
        return (0, 1) if trainer is None else (int(trainer.global_rank), int(trainer.world_size))

    def _epoch(self) -> int:
        trainer = getattr(self, "trainer", None)
        return int(trainer.current_epoch) if trainer is not None else 0

    def train_dataloader(self) -> TensorBatches:
        """Shuffled training batches (a new seeded order every epoch; equal shards under DDP)."""
        x, y = self.tensors["train"]
        rank, world = self._rank_world()
        return TensorBatches(
            x,
            y,
            batch_size=self.batch_size,
            shuffle=True,
            seed=self.seed,
            epoch_fn=self._epoch,
            rank=rank,
            world_size=world,
            equal_shards=True,
        )

    def eval_batches(self, name: str) -> TensorBatches:
        """All windows of a split in order, in one process (final scores)."""
        self.setup()
        x, y = self.tensors[name]
        return TensorBatches(x, y, batch_size=self.eval_batch_size, shuffle=False)

    def _eval_loader(self, name: str) -> TensorBatches:
        x, y = self.tensors[name]
        rank, world = self._rank_world()
        return TensorBatches(
            x, y, batch_size=self.eval_batch_size, shuffle=False, rank=rank, world_size=world
        )

    def val_dataloader(self) -> TensorBatches:
        """Validation batches (fixed noisy windows, in order)."""
        return self._eval_loader("val")

    def test_dataloader(self) -> TensorBatches:
        """Test batches (fixed noisy windows at the training SNR, in order)."""
        return self._eval_loader("test")
