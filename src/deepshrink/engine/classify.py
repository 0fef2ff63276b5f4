"""LightningModule that trains any registered classifier under noise.

The network (`deepshrink.models`) knows nothing about training: noise, normalisation, the loss, metrics and
the optimisation recipe live here. Training noise is added to each batch in `training_step`; its generator
is seeded from (seed, epoch, batch index, rank), so a run resumed from a checkpoint draws exactly the noise
the uninterrupted run would have drawn.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix, MulticlassF1Score

from deepshrink.engine._noise import apply_noise, mix_seed, normalize_windows
from deepshrink.engine.recipes import configure_optimization
from deepshrink.errors import DataError


class ClassifierModule(L.LightningModule):
    """Train a registered classifier: `create_model(model, in_channels=, num_classes=, **model_kwargs)`.

    noise / snr / noise_mode: training noise ("online": per batch, "fixed": already in the data).
    normalize: per-window normalisation applied after the noise ("none", "zscore", "minmax").
    recipe, epochs, lr, weight_decay, schedule, warmup_epochs: see `recipes.configure_optimization`.
    steps_per_epoch (or train_size + batch_size, split over the processes) sizes per-step schedules.
    Logged: train_loss, train_acc (epoch means), val_loss, val_acc, val_f1 (macro), test_* and a test
    confusion matrix (`self.test_confusion`, classes x classes, rows = true class).
    """

    def __init__(
        self,
        *,
        model: str,
        num_classes: int,
        in_channels: int = 1,
        model_kwargs: dict | None = None,
        noise: str = "none",
        snr: float | tuple[float, float] = 0.0,
        noise_mode: str = "online",
        normalize: str = "none",
        recipe: str = "paper",
        epochs: int = 100,
        lr: float | None = None,
        weight_decay: float | None = None,
        schedule: str = "cosine",
        warmup_epochs: float | None = None,
        seed: int = 0,
        steps_per_epoch: int = 1,
        train_size: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        from deepshrink.models import create_model

        # Weight init draws from torch's global generator: fork it so the seed is explicit and nothing leaks.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(mix_seed("init", seed) % (2**63))
            self.model = create_model(
                model, in_channels=in_channels, num_classes=num_classes, **(model_kwargs or {})
            )
        self.train_loss, self.val_loss, self.test_loss = MeanMetric(), MeanMetric(), MeanMetric()
        self.train_acc = MulticlassAccuracy(num_classes, average="micro")
        self.val_acc = MulticlassAccuracy(num_classes, average="micro")
        self.test_acc = MulticlassAccuracy(num_classes, average="micro")
        self.val_f1 = MulticlassF1Score(num_classes, average="macro")
        self.test_f1 = MulticlassF1Score(num_classes, average="macro")
        self.test_cm = MulticlassConfusionMatrix(num_classes)
        self.test_confusion: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:
        """Logits of the wrapped network (input already noisy and normalised)."""
        return self.model(x)

    def _prepare(self, x: Tensor) -> Tensor:
        return normalize_windows(x, self.hparams.normalize)

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
            x = apply_noise(x, kind=hp.noise, snr=hp.snr, generator=g)
        logits = self(self._prepare(x))
        loss = F.cross_entropy(logits, y)
        self._check_loss(loss, "training")
        self.train_loss.update(loss.detach(), weight=len(y))
        self.train_acc.update(logits.detach(), y)
        self.log("train_loss", self.train_loss, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def validation_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> None:
        """Loss, accuracy and macro F1 on the (fixed-noise) validation windows."""
        x, y, _ = batch
        logits = self(self._prepare(x))
        loss = F.cross_entropy(logits, y)
        self._check_loss(loss, "validation")
        self.val_loss.update(loss, weight=len(y))
        self.val_acc.update(logits, y)
        self.val_f1.update(logits, y)
        self.log("val_loss", self.val_loss, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("val_acc", self.val_acc, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("val_f1", self.val_f1, on_step=False, on_epoch=True, batch_size=len(y))

    def test_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> None:
        """Loss, accuracy, macro F1 and the confusion matrix on the test windows."""
        x, y, _ = batch
        logits = self(self._prepare(x))
        loss = F.cross_entropy(logits, y)
        self.test_loss.update(loss, weight=len(y))
        self.test_acc.update(logits, y)
        self.test_f1.update(logits, y)
        self.test_cm.update(logits, y)
        self.log("test_loss", self.test_loss, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("test_acc", self.test_acc, on_step=False, on_epoch=True, batch_size=len(y))
        self.log("test_f1", self.test_f1, on_step=False, on_epoch=True, batch_size=len(y))

    def on_test_epoch_end(self) -> None:
        """Keep the confusion matrix (synchronised across processes by torchmetrics)."""
        self.test_confusion = self.test_cm.compute().cpu()
        self.test_cm.reset()

    def configure_optimizers(self) -> dict[str, Any]:
        """The recipe's optimizer and scheduler."""
        hp = self.hparams
        steps = hp.steps_per_epoch
        trainer = self._trainer
        if trainer is not None and hp.train_size and hp.batch_size:
            # each process steps through its own shard: the schedule length depends on the world size
            steps = max(1, -(-(hp.train_size // max(1, trainer.world_size)) // hp.batch_size))
        return configure_optimization(
            self.model,
            recipe=hp.recipe,
            epochs=hp.epochs,
            steps_per_epoch=steps,
            lr=hp.lr,
            weight_decay=hp.weight_decay,
            schedule=hp.schedule,
            warmup_epochs=hp.warmup_epochs,
        )
