"""Training and evaluation of autoencoders / denoisers.

- `corrupt`: Gaussian, salt-and-pepper and masking corruption with a fixed or per-example (blind) level.
- `DenoiserModule`: the LightningModule; corruption is drawn fresh for every batch from a generator seeded
  by (seed, epoch, batch index), so a run is reproducible and a resumed run sees the same noise.
- `train_denoiser`: train a model on an in-memory image/signal tensor without the CLI.
- `evaluate_denoiser`: PSNR / SSIM (images) or SNR improvement (signals) on a fixed-seed corruption.
- `pretrain_greedy`, `finetune_classifier`, `pretraining_experiment`: stacked-DAE greedy layer-wise
  pre-training, supervised fine-tuning, and the pre-training vs from-scratch comparison with few labels.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepshrink.engine._noise import mix_seed
from deepshrink.engine.datamodule import TensorBatches
from deepshrink.engine.recipes import configure_optimization
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.metrics import psnr
from deepshrink.functional.metrics import snr_improvement_db as functional_snr_gain

CORRUPTIONS = ("gaussian", "salt_pepper", "masking", "none")
Level = float | tuple[float, float]


# --- corruption ---------------------------------------------------------------------------------------------


def _level_range(kind: str, level: Level, blind: bool) -> tuple[float, float]:
    if isinstance(level, (tuple, list)):
        if len(level) != 2:
            raise ConfigError(f"level must be a number or a (low, high) pair, got {level!r}")
        lo, hi = float(level[0]), float(level[1])
    else:
        hi = float(level)
        lo = 0.0 if blind else hi
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or lo > hi:
        raise ConfigError(f"{kind} level must be finite with 0 <= low <= high, got {level!r}")
    if kind in ("salt_pepper", "masking") and hi > 1:
        raise ConfigError(f"{kind} level is a probability and must be <= 1, got {level!r}")
    return lo, hi


def corrupt(
    x: Tensor,
    kind: str,
    level: Level,
    *,
    generator: torch.Generator | None,
    blind: bool = False,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> tuple[Tensor, Tensor]:
    """Corrupt a batch `x` (B, ...) and return (noisy, changed) where `changed` marks the corrupted entries.

    kind: "gaussian" (level = noise std), "salt_pepper" (level = fraction of entries set to clip low/high,
    half each), "masking" (level = fraction set to 0), "none".
    level: a number (fixed; with `blind=True` each example draws its level from U(0, level)) or a pair
    (low, high) drawn per example. Gaussian outputs are clipped to `clip` (the data range) when given.
    """
    if kind not in CORRUPTIONS:
        raise ConfigError(f"unknown corruption {kind!r}; choose one of {', '.join(CORRUPTIONS)}")
    if kind == "none":
        return x, torch.zeros_like(x, dtype=torch.bool)
    lo, hi = _level_range(kind, level, blind)
    b = x.shape[0]
    shape = (b,) + (1,) * (x.ndim - 1)
    per = torch.rand(shape, generator=generator, device=x.device, dtype=x.dtype) * (hi - lo) + lo
    if kind == "gaussian":
        noisy = x + per * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        if clip is not None:
            noisy = noisy.clamp(*clip)
        return noisy, (noisy != x)
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    hit = u < per
    if kind == "masking":
        return x.masked_fill(hit, 0.0), hit
    low, high = clip if clip is not None else (float(x.min()), float(x.max()))
    # u < per/2 -> low ("pepper"), per/2 <= u < per -> high ("salt"): one draw decides both
    values = torch.where(u < per / 2, torch.full_like(x, low), torch.full_like(x, high))
    return torch.where(hit, values, x), hit


# --- metrics ------------------------------------------------------------------------------------------------


def psnr_per_example(x: Tensor, ref: Tensor, *, data_range: float = 1.0) -> Tensor:
    """`functional.psnr` capped at 100 dB (a perfect match), so that means over a set stay finite: (B,)."""
    return psnr(x, ref, data_range=data_range).clamp_max(100.0).float()


def ssim_per_example(x: Tensor, ref: Tensor, *, data_range: float = 1.0) -> Tensor:
    """SSIM (skimage defaults: uniform 7x7 window) of each single-channel image of `x` against `ref`: (B,)."""
    from skimage.metrics import structural_similarity

    if x.shape != ref.shape or x.ndim != 4 or x.shape[1] != 1:
        raise ConfigError(
            f"SSIM needs two (B, 1, H, W) tensors of one shape, got {tuple(x.shape)}, {tuple(ref.shape)}"
        )
    if min(x.shape[2:]) < 7:
        raise ConfigError(f"SSIM needs images of at least 7x7 pixels, got {tuple(x.shape[2:])}")
    a, r = x[:, 0].double().cpu().numpy(), ref[:, 0].double().cpu().numpy()
    return torch.tensor(
        [structural_similarity(i, j, data_range=data_range) for i, j in zip(a, r, strict=True)]
    )


def snr_improvement_db(clean: Tensor, noisy: Tensor, denoised: Tensor) -> Tensor:
    """`functional.snr_improvement_db` limited to +-200 dB (exact outputs) so that means stay finite: (B,)."""
    return functional_snr_gain(clean, noisy, denoised).clamp(-200.0, 200.0).float()


def evaluate_denoiser(
    model: nn.Module,
    clean: Tensor,
    *,
    corruption: str,
    level: float,
    seed: int = 0,
    batch_size: int = 500,
    with_ssim: bool = True,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> dict[str, float]:
    """Corrupt `clean` at a fixed `level` with a seeded generator, denoise, and measure.

    Images (B, 1, H, W): mean PSNR (data range 1, outputs clipped to [0, 1]) of the noisy input and of the
    output, and SSIM when `with_ssim`. Signals: mean SNR improvement (`clip=None` for real-valued signals).
    Also reports the denoising throughput (examples per second, batched, current thread count).
    """
    _check_data(clean, "clean data")
    g = torch.Generator().manual_seed(mix_seed("eval", seed, corruption, level))
    noisy, _ = corrupt(clean, corruption, level, generator=g, blind=False, clip=clip)
    t0 = time.perf_counter()
    out = model.denoise(noisy, batch_size=batch_size)
    seconds = time.perf_counter() - t0
    if clip is not None:
        out = out.clamp(*clip)
    res: dict[str, float] = {"corruption": corruption, "level": float(level), "n": len(clean)}
    res["throughput"] = len(clean) / max(seconds, 1e-9)
    if clean.ndim == 4:
        res["psnr_noisy"] = float(psnr_per_example(noisy, clean).mean())
        res["psnr"] = float(psnr_per_example(out, clean).mean())
        if with_ssim and clean.shape[1] == 1 and min(clean.shape[2:]) >= 7:
            res["ssim_noisy"] = float(ssim_per_example(noisy, clean).mean())
            res["ssim"] = float(ssim_per_example(out, clean).mean())
    else:
        res["snr_improvement_db"] = float(snr_improvement_db(clean, noisy, out).mean())
    return res


def _check_data(x: Any, name: str) -> None:
    if not isinstance(x, Tensor):
        raise DataError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.ndim < 2 or len(x) == 0:
        raise DataError(f"{name}: expected a non-empty (N, ...) tensor, got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError(f"{name}: {int((~torch.isfinite(x)).sum())} NaN/inf values")


# --- Lightning module ---------------------------------------------------------------------------------------


class DenoiserModule(L.LightningModule):
    """Train an autoencoder to reconstruct clean examples from corrupted ones.

    model: an `AutoEncoder` instance, or a registry name built with `model_kwargs`.
    corruption / level / blind / clip: see `corrupt`; drawn per training batch from a generator seeded with
    (seed, epoch, batch index, rank). Validation uses the fixed level `val_level` (default: the top of the
    training range) and a seed per batch, so its numbers are comparable across epochs.
    loss: "bce" / "mse" / None (the model's default); alpha/beta: emphasised denoising weights.
    lr / weight_decay / epochs / steps_per_epoch / schedule: the "adamw" recipe (warmup then cosine).
    Logged: train_loss (epoch mean), val_loss and val_psnr (images) when validation data is given.
    """

    def __init__(
        self,
        *,
        model: Any,
        model_kwargs: dict | None = None,
        corruption: str = "gaussian",
        level: Level = 0.5,
        blind: bool = True,
        clip: tuple[float, float] | None = (0.0, 1.0),
        val_level: float | None = None,
        loss: str | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        epochs: int = 10,
        steps_per_epoch: int = 1,
        schedule: str = "cosine",
        warmup_epochs: float | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(model, str):
            from deepshrink.models import create_model

            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(mix_seed("init", seed) % (2**63))
                model = create_model(model, **(model_kwargs or {}))
            self.save_hyperparameters()
        else:
            self.save_hyperparameters(ignore=["model"])
        if not hasattr(model, "loss") or not hasattr(model, "denoise"):
            raise ConfigError(f"{type(model).__name__} is not an autoencoder (needs .loss and .denoise)")
        if corruption != "none":
            _level_range(corruption, level, blind)  # fail at construction, not at the first batch
        self.model = model
        hi = level[1] if isinstance(level, (tuple, list)) else level
        self.val_level = float(hi if val_level is None else val_level)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of `x`."""
        return self.model(x)

    def _generator(self, device: torch.device, *parts: Any) -> torch.Generator:
        g = torch.Generator(device=device)
        g.manual_seed(mix_seed(*parts))
        return g

    def training_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> Tensor:
        """Fresh corruption of the clean batch, then the model's loss against the clean batch."""
        x = batch[0]
        hp = self.hparams
        g = self._generator(x.device, "dae-train", hp.seed, self.current_epoch, batch_idx, self.global_rank)
        noisy, changed = corrupt(x, hp.corruption, hp.level, generator=g, blind=hp.blind, clip=hp.clip)
        loss, _ = self.model.loss(
            noisy, x, kind=hp.loss, corrupted=changed, alpha=hp.alpha, beta=hp.beta, generator=g
        )
        self.log("train_loss", loss.detach(), on_step=False, on_epoch=True, batch_size=len(x))
        return loss

    def validation_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> None:
        """Loss and (for images) PSNR at the fixed validation level."""
        x = batch[0]
        hp = self.hparams
        g = self._generator(x.device, "dae-val", hp.seed, batch_idx)
        noisy, changed = corrupt(x, hp.corruption, self.val_level, generator=g, blind=False, clip=hp.clip)
        loss, _ = self.model.loss(
            noisy, x, kind=hp.loss, corrupted=changed, alpha=hp.alpha, beta=hp.beta, generator=g
        )
        self.log("val_loss", loss, on_step=False, on_epoch=True, batch_size=len(x))
        if x.ndim == 4:
            out = self.model(noisy)
            if self.model.output_range is not None:
                out = out.clamp(*self.model.output_range)
            self.log(
                "val_psnr", psnr_per_example(out, x).mean(), on_step=False, on_epoch=True, batch_size=len(x)
            )

    def configure_optimizers(self) -> dict[str, Any]:
        """AdamW with warmup + cosine decay per step (the "adamw" recipe)."""
        hp = self.hparams
        return configure_optimization(
            self.model,
            recipe="adamw",
            epochs=hp.epochs,
            steps_per_epoch=hp.steps_per_epoch,
            lr=hp.lr,
            weight_decay=hp.weight_decay,
            schedule=hp.schedule,
            warmup_epochs=hp.warmup_epochs,
        )


class _History(L.Callback):
    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        m = trainer.callback_metrics
        row = {"epoch": trainer.current_epoch + 1, "time": round(time.perf_counter() - self.start, 3)}
        row.update({k: float(m[k]) for k in ("train_loss", "val_loss", "val_psnr") if k in m})
        self.rows.append(row)


def train_denoiser(
    model: nn.Module,
    train_images: Tensor,
    *,
    corruption: str = "gaussian",
    level: Level = 0.5,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    blind: bool = True,
    max_minutes: float | None = None,
    val_images: Tensor | None = None,
    val_level: float | None = None,
    clip: tuple[float, float] | None = (0.0, 1.0),
    loss: str | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    weight_decay: float = 0.0,
    quiet: bool = True,
) -> tuple[nn.Module, list[dict[str, float]]]:
    """Train `model` (an autoencoder, modified in place) to denoise `train_images` (N, C, ...) clean examples.

    Corruption as in `corrupt` (blind by default: per-example level in U(0, level) or in a (low, high) pair).
    Stops after `epochs` or `max_minutes`, whichever comes first; the cosine schedule assumes `epochs`.
    Returns (model in eval mode, history) with one dict per epoch: epoch, time, train_loss and, with
    `val_images`, val_loss and val_psnr (images, at `val_level`, default the top of the training range).
    """
    from deepshrink.engine.training import _quiet_lightning

    _check_data(train_images, "training data")
    if val_images is not None:
        _check_data(val_images, "validation data")
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(f"need epochs >= 1, batch_size >= 1 and lr > 0, got {epochs}, {batch_size}, {lr}")
    if max_minutes is not None and not max_minutes > 0:
        raise ConfigError(f"max_minutes must be > 0, got {max_minutes}")
    x = train_images.float().contiguous()
    _quiet_lightning(quiet)
    warnings.filterwarnings("ignore", message=".*validation_step` but have no `val_dataloader.*")
    steps = math.ceil(len(x) / batch_size)
    module = DenoiserModule(
        model=model,
        corruption=corruption,
        level=level,
        blind=blind,
        clip=clip,
        val_level=val_level,
        loss=loss,
        alpha=alpha,
        beta=beta,
        lr=lr,
        weight_decay=weight_decay,
        epochs=epochs,
        steps_per_epoch=steps,
        seed=seed,
    )
    history = _History()
    trainer = L.Trainer(
        max_epochs=epochs,
        max_time={"minutes": max_minutes} if max_minutes is not None else None,
        accelerator="cpu" if not torch.cuda.is_available() else "auto",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=not quiet,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[history],
        deterministic=False,
    )
    dummy = torch.zeros(len(x), dtype=torch.long)
    train_dl = TensorBatches(
        x, dummy, batch_size=batch_size, shuffle=True, seed=seed, epoch_fn=lambda: trainer.current_epoch
    )
    val_dl = None
    if val_images is not None:
        v = val_images.float().contiguous()
        val_dl = TensorBatches(
            v, torch.zeros(len(v), dtype=torch.long), batch_size=max(batch_size, 256), shuffle=False
        )
    trainer.fit(module, train_dataloaders=train_dl, val_dataloaders=val_dl)
    return model.eval(), history.rows


# --- stacked DAE: greedy layer-wise pre-training, fine-tuning, the few-labels experiment -------------------


def _batches(n: int, batch_size: int, seed: int, epoch: int) -> list[Tensor]:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(mix_seed("order", seed, epoch)))
    return list(order.split(batch_size))


def pretrain_greedy(
    model: nn.Module,
    images: Tensor,
    *,
    corruption: str = "masking",
    level: Level = 0.25,
    epochs_per_layer: int = 5,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    max_minutes: float | None = None,
) -> list[dict[str, float]]:
    """Greedy layer-wise pre-training of a stacked `MLPDAE` (Vincent et al. 2010), in place.

    Layer i is trained as a one-layer DAE on the clean code of layers 0..i-1 (computed with the layers
    already trained, without gradient); only that layer's input is corrupted, only while it is trained, with
    a fixed `level` (not blind). Sigmoid layers use BCE, others MSE. Returns one dict per (layer, epoch).
    `max_minutes` bounds the whole pre-training (each layer gets an equal share).
    """
    from deepshrink.models.autoencoders import MLPDAE

    if not isinstance(model, MLPDAE):
        raise ConfigError(f"greedy pre-training needs an MLPDAE (stacked DAE), got {type(model).__name__}")
    _check_data(images, "pre-training data")
    model.check_input(images)
    if epochs_per_layer < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(
            f"need epochs_per_layer >= 1, batch_size >= 1, lr > 0, got {epochs_per_layer}, {batch_size}, {lr}"
        )
    budget = None if max_minutes is None else 60.0 * max_minutes / model.num_layers
    codes = images.float().flatten(1)
    rows: list[dict[str, float]] = []
    model.train()
    for i in range(model.num_layers):
        params = list(model.enc[i].parameters())
        params += [model.dec_bias[i]] if model.dec is None else list(model.dec[i].parameters())
        opt = torch.optim.Adam(params, lr=lr)
        sigmoid_out = (i == 0 and model.output == "sigmoid") or (i > 0 and model.activation == "sigmoid")
        clip = (0.0, 1.0) if sigmoid_out else None
        start = time.perf_counter()
        for epoch in range(epochs_per_layer):
            total, count = 0.0, 0
            for step, idx in enumerate(_batches(len(codes), batch_size, mix_seed("greedy", seed, i), epoch)):
                clean = codes[idx]
                g = torch.Generator().manual_seed(mix_seed("greedy-noise", seed, i, epoch, step))
                noisy, _ = corrupt(clean, corruption, level, generator=g, blind=False, clip=clip)
                y = model.decode_layer_logits(i, model.encode_layer(i, noisy))
                if sigmoid_out:
                    loss = F.binary_cross_entropy_with_logits(y, clean)
                else:
                    loss = F.mse_loss(model.layer_output(i, y), clean)
                if not torch.isfinite(loss):
                    raise DataError(f"greedy pre-training of layer {i}: loss became NaN/inf (lower the lr)")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total, count = total + loss.item() * len(idx), count + len(idx)
            rows.append({"layer": i, "epoch": epoch + 1, "loss": total / count})
            if budget is not None and time.perf_counter() - start > budget:
                break
        with torch.no_grad():
            codes = model.encode_layer(i, codes)
    return rows


def _check_labels(images: Tensor, labels: Tensor, name: str) -> Tensor:
    _check_data(images, f"{name} images")
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
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
) -> tuple[nn.Module, list[dict[str, float]]]:
    """Supervised training of `classifier` (e.g. `EncoderClassifier`) with cross-entropy and Adam, in place.

    Returns (classifier in eval mode, history: one dict per epoch with the mean training loss).
    """
    labels = _check_labels(images, labels, "fine-tuning")
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(f"need epochs >= 1, batch_size >= 1 and lr > 0, got {epochs}, {batch_size}, {lr}")
    params = [p for p in classifier.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    x = images.float()
    history = []
    classifier.train()
    for epoch in range(epochs):
        total = 0.0
        for idx in _batches(len(x), batch_size, mix_seed("finetune", seed), epoch):
            loss = F.cross_entropy(classifier(x[idx]), labels[idx])
            if not torch.isfinite(loss):
                raise DataError("fine-tuning loss became NaN/inf (lower the learning rate)")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append({"epoch": epoch + 1, "train_loss": total / len(x)})
    return classifier.eval(), history


def accuracy(classifier: nn.Module, images: Tensor, labels: Tensor, *, batch_size: int = 1024) -> float:
    """Fraction of `images` whose arg-max logit equals the label (evaluation mode, no gradients)."""
    labels = _check_labels(images, labels, "evaluation")
    classifier.eval()
    with torch.inference_mode():
        pred = torch.cat([classifier(c.float()).argmax(1) for c in images.split(batch_size)])
    return float((pred == labels).float().mean())


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
) -> list[dict[str, float]]:
    """Does unsupervised DAE pre-training help when few labels are known? One row per label fraction.

    A stacked DAE (`hidden`) is pre-trained greedily on all `images` (no labels), then for each fraction a
    stratified labelled subset trains (a) the pre-trained encoder + a linear head and (b) the same
    architecture from a random initialisation, identically (epochs, lr, seed). Rows: fraction, n_labels,
    acc_pretrained, acc_scratch on the test set.
    """
    from deepshrink.models.autoencoders import MLPDAE, EncoderClassifier

    labels = _check_labels(images, labels, "training")
    test_labels = _check_labels(test_images, test_labels, "test")
    num_classes = int(max(labels.max(), test_labels.max())) + 1
    shape = tuple(images.shape[1:])

    def fresh(tag: str) -> MLPDAE:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(mix_seed("init", seed, tag) % (2**63))
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
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(mix_seed("head", seed) % (2**63))
                clf = EncoderClassifier(ae, num_classes)
            finetune_classifier(clf, images[idx], labels[idx], epochs=finetune_epochs, lr=lr, seed=seed)
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
