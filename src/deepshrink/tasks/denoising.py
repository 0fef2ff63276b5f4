"""The denoising task: an autoencoder trained to reconstruct clean examples from corrupted ones.

`DenoisingTask` draws the corruption (`deepshrink.transforms.Corrupt`) fresh for every batch from a
generator seeded by (seed, epoch, batch index, rank), so a run is reproducible and a resumed run sees the same
corruption; validation corrupts at one fixed level with a seed per batch, so its numbers compare across
epochs. `ExampleDataModule` serves clean examples (images (N, C, H, W) or signal windows (N, C, L)).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import Tensor, nn

from deepshrink.choices import DAE_CORRUPTION_MODE, DAE_LR
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.metrics import psnr
from deepshrink.functional.seeding import mix_seed, seeded
from deepshrink.models import AutoEncoder, create_model
from deepshrink.tasks.batches import TensorBatches
from deepshrink.tasks.recipes import configure_task_optimization
from deepshrink.transforms import Corrupt

__all__ = ["DenoisingTask", "ExampleDataModule", "check_examples"]


def check_examples(x: Any, name: str) -> Tensor:
    """`x` as a float32 tensor (N, ...) with N >= 1 and no NaN/inf; DataError naming `name` otherwise."""
    if not isinstance(x, Tensor):
        raise DataError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.ndim < 2 or len(x) == 0:
        raise DataError(f"{name}: expected a non-empty (N, ...) tensor, got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError(f"{name}: {int((~torch.isfinite(x)).sum())} NaN/inf values")
    return x.float().contiguous()


class DenoisingTask(L.LightningModule):
    """Train an autoencoder (`deepshrink.models.AutoEncoder`) to denoise.

    model: an AutoEncoder instance, or a registry name built with `model_kwargs` (weights from `seed`).
    corruption / level / blind / mode / clip: the training corruption (`transforms.Corrupt`); `val_level`
    (default: the top of the training range) is the fixed validation level. loss: "bce" / "mse" / None (the
    model's default); alpha / beta: the emphasised denoising weights of corrupted / clean entries.
    recipe / lr / weight_decay / schedule / warmup_epochs: `deepshrink.engine.recipes`.
    Logged per epoch: train_loss, val_loss and (images) val_psnr.
    """

    csv_columns = ("train_loss", "val_loss", "val_psnr")

    def __init__(
        self,
        model: str | nn.Module,
        *,
        model_kwargs: dict | None = None,
        corruption: str = "gaussian",
        level: float | tuple[float, float] = 0.5,
        blind: bool = True,
        mode: str = DAE_CORRUPTION_MODE,
        clip: tuple[float, float] | None = (0.0, 1.0),
        val_level: float | None = None,
        loss: str | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        recipe: str = "adamw",
        lr: float | None = DAE_LR,
        weight_decay: float | None = 0.0,
        schedule: str = "cosine",
        warmup_epochs: float | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(model, str):
            self.save_hyperparameters()
            with seeded("init", seed):
                model = create_model(model, **(model_kwargs or {}))
        else:
            self.save_hyperparameters(ignore=["model"])
        if not isinstance(model, AutoEncoder):
            raise ConfigError(
                f"{type(model).__name__} is not an autoencoder (needs .loss and .denoise)", key="model"
            )
        self.model = model
        hi = level[1] if isinstance(level, (tuple, list)) else level
        self.val_level = float(hi if val_level is None else val_level)
        self.corrupt = Corrupt(corruption, level, blind=blind, mode=mode, clip=clip)
        self.val_corrupt = Corrupt(corruption, self.val_level, blind=False, mode=mode, clip=clip)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of `x`."""
        return self.model(x)

    def _generator(self, device: torch.device, *parts: Any) -> torch.Generator:
        g = torch.Generator(device=device)
        g.manual_seed(mix_seed(*parts))
        return g

    def _loss(self, noisy: Tensor, x: Tensor, changed: Tensor, g: torch.Generator) -> Tensor:
        hp = self.hparams
        loss, _ = self.model.loss(
            noisy, x, kind=hp.loss, corrupted=changed, alpha=hp.alpha, beta=hp.beta, generator=g
        )
        return loss

    def training_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> Tensor:
        """Fresh corruption of the clean batch, then the model's loss against the clean batch."""
        x = batch[0]
        g = self._generator(
            x.device, "dae-train", self.hparams.seed, self.current_epoch, batch_idx, self.global_rank
        )
        noisy, changed = self.corrupt(x, g, return_mask=True)
        loss = self._loss(noisy, x, changed, g)
        self.log("train_loss", loss.detach(), on_step=False, on_epoch=True, batch_size=len(x))
        return loss

    def validation_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> None:
        """Loss and (for images) PSNR at the fixed validation level."""
        x = batch[0]
        g = self._generator(x.device, "dae-val", self.hparams.seed, batch_idx)
        noisy, changed = self.val_corrupt(x, g, return_mask=True)
        self.log(
            "val_loss", self._loss(noisy, x, changed, g), on_step=False, on_epoch=True, batch_size=len(x)
        )
        if x.ndim == 4:
            out = self.model(noisy)
            if self.model.output_range is not None:
                out = out.clamp(*self.model.output_range)
            value = psnr(out, x).clamp_max(100.0).float().mean()  # capped: a perfect image is +inf dB
            self.log("val_psnr", value, on_step=False, on_epoch=True, batch_size=len(x))

    @torch.inference_mode()
    def final_metrics(self, data: ExampleDataModule) -> dict[str, Any]:
        """Validation loss (and PSNR for images) of the final weights at the validation level."""
        if not data.has("val"):
            return {}
        was_training = self.training
        self.eval()
        losses, psnrs, n = 0.0, 0.0, 0
        try:
            for i, (x, _, _) in enumerate(data.val_dataloader()):
                g = self._generator(x.device, "dae-val", self.hparams.seed, i)
                noisy, changed = self.val_corrupt(x, g, return_mask=True)
                losses += float(self._loss(noisy, x, changed, g)) * len(x)
                if x.ndim == 4:
                    out = self.model.denoise(noisy, clip=True)
                    psnrs += float(psnr(out, x).clamp_max(100.0).sum())
                n += len(x)
        finally:
            self.train(was_training)
        out = {"val_loss": losses / n}
        if psnrs:
            out["val_psnr"] = psnrs / n
        return out

    def configure_optimizers(self) -> dict[str, Any]:
        """The recipe's optimizer and scheduler, sized by the Trainer (epochs, batches per process)."""
        return configure_task_optimization(self)


class ExampleDataModule(L.LightningDataModule):
    """Clean examples for a denoising task: `train` (N, ...) and optional `val`, shuffled per epoch."""

    def __init__(
        self, train: Tensor, val: Tensor | None = None, *, batch_size: int = 128, seed: int = 0
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}", key="batch_size")
        self.train = check_examples(train, "training data")
        self.val = None if val is None else check_examples(val, "validation data")
        self.batch_size, self.seed = int(batch_size), int(seed)

    def has(self, split: str) -> bool:
        """Whether `split` holds examples (there is no test split)."""
        return split == "train" or (split == "val" and self.val is not None and len(self.val) > 0)

    def _epoch(self) -> int:
        trainer = getattr(self, "trainer", None)
        return int(trainer.current_epoch) if trainer is not None else 0

    def train_dataloader(self) -> TensorBatches:
        """Shuffled clean batches (labels are unused zeros)."""
        dummy = torch.zeros(len(self.train), dtype=torch.long)
        return TensorBatches(
            self.train, dummy, batch_size=self.batch_size, shuffle=True, seed=self.seed, epoch_fn=self._epoch
        )

    def val_dataloader(self) -> TensorBatches | list:
        """Validation batches in order (none without validation data)."""
        if self.val is None:
            return []
        dummy = torch.zeros(len(self.val), dtype=torch.long)
        return TensorBatches(self.val, dummy, batch_size=max(self.batch_size, 256), shuffle=False)
