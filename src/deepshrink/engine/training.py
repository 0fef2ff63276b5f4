"""`train(config)`: data -> windows -> Lightning fit -> a run directory with checkpoints, metrics, weights."""

from __future__ import annotations

import csv
import io
import logging
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import torch

from deepshrink.engine.artifacts import (
    CHECKPOINT_DIR,
    CONFIG_FILE,
    METRICS_FILE,
    AtomicCheckpointIO,
    atomic_write_text,
    prepare_run_dir,
    save_model,
)
from deepshrink.engine.classify import ClassifierModule
from deepshrink.engine.config import TrainConfig, load_config, save_config
from deepshrink.engine.datamodule import SignalDataModule
from deepshrink.engine.evaluate import evaluate_windows
from deepshrink.engine.recipes import get_recipe
from deepshrink.errors import ConfigError

METRIC_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_f1", "lr", "time")
log = logging.getLogger("deepshrink")


class MetricsCSV(L.Callback):
    """Writes `metrics.csv` (one row per epoch) atomically; its rows live in the checkpoint, so a resumed run
    continues the same file instead of losing or duplicating epochs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = []
        self.elapsed = 0.0
        self._start: float | None = None
        self._lr: float | str = ""

    @property
    def state_key(self) -> str:
        return "MetricsCSV"

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start = time.perf_counter()
        # the learning rate this epoch starts with (epoch schedulers have stepped by on_train_epoch_end)
        self._lr = float(trainer.optimizers[0].param_groups[0]["lr"]) if trainer.optimizers else ""

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        if self._start is not None:
            self.elapsed += time.perf_counter() - self._start
        m = trainer.callback_metrics
        row: dict[str, Any] = {"epoch": trainer.current_epoch + 1}
        for key in ("train_loss", "train_acc", "val_loss", "val_acc", "val_f1"):
            row[key] = round(float(m[key]), 6) if key in m else ""
        row["lr"] = self._lr
        row["time"] = round(self.elapsed, 3)
        self.rows = [r for r in self.rows if int(r["epoch"]) < row["epoch"]] + [row]
        if trainer.is_global_zero:
            self.write()

    def write(self) -> None:
        """Rewrite the CSV from the rows kept so far."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=METRIC_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buf.getvalue())

    def state_dict(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "elapsed": self.elapsed}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rows = list(state_dict.get("rows", []))
        self.elapsed = float(state_dict.get("elapsed", 0.0))


@dataclass
class TrainResult:
    """What `train` returns: the run directory, the model (final weights, eval mode) and its metrics."""

    run_dir: Path
    model: torch.nn.Module
    meta: dict[str, Any]
    metrics: dict[str, Any]


def _is_cpu(cfg: TrainConfig) -> bool:
    return cfg.accelerator == "cpu" or (cfg.accelerator == "auto" and not torch.cuda.is_available())


def _check_precision(cfg: TrainConfig) -> str:
    if cfg.precision in ("16-mixed", "bf16-mixed") and _is_cpu(cfg):
        raise ConfigError(
            f"precision {cfg.precision} needs a GPU (CPU autocast is slower than float32 here); "
            "use --precision 32"
        )
    return cfg.precision


def build_dataset(cfg: TrainConfig) -> Any:
    """Load the recordings of `cfg.data` and cut them into train/val/test windows."""
    from deepshrink.data import load_recordings, make_windows

    recordings = load_recordings(cfg.data, **cfg.data_kwargs)
    return make_windows(
        recordings,
        window=cfg.window,
        stride=cfg.stride,
        eval_stride=cfg.eval_stride,
        split=cfg.split,
        split_by=cfg.split_by,
        random_state=cfg.seed,
    )


def _quiet_lightning(quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(level)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*exists and is not empty.*")
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")
    warnings.filterwarnings("ignore", message=r".*`isinstance\(treespec, LeafSpec\)`.*")


def train(
    config: TrainConfig,
    *,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    dataset: Any = None,
    callbacks: list[L.Callback] | None = None,
) -> TrainResult:
    """Train `config` into `config.out` and return the final model with its metrics.

    resume: continue from `checkpoints/last.ckpt` (the saved config.yaml must match `config`, except
    `epochs`, which may be raised to train longer). dataset: a prebuilt `SignalDataset` (else built from
    `config.data`). callbacks: extra Lightning callbacks (tests use one to simulate a crash).
    The final weights (last epoch, as in the paper) go to model.safetensors/model.json with val and test
    metrics measured on the fixed-noise windows at the training SNR.
    """
    if config.out is None:
        raise ConfigError("no output directory: pass --out RUN_DIR (or `out:` in the config)")
    precision = _check_precision(config)
    run = prepare_run_dir(config.out, resume=resume, overwrite=overwrite)
    if resume:
        saved = load_config(run / CONFIG_FILE)
        diff = [
            k for k, v in saved.to_dict().items() if k not in ("epochs", "out") and config.to_dict()[k] != v
        ]
        if diff:
            raise ConfigError(
                f"--resume: options differ from the saved run ({', '.join(diff)}); "
                "resume with the same options"
            )
    save_config(config, run / CONFIG_FILE)
    _quiet_lightning(quiet)

    ds = dataset if dataset is not None else build_dataset(config)
    recipe = get_recipe(config.recipe)
    batch_size = config.batch_size or recipe.batch_size
    dm = SignalDataModule(
        ds,
        batch_size=batch_size,
        noise=config.noise,
        snr=config.snr,
        noise_mode=config.noise_mode,
        seed=config.seed,
    )
    world = max(1, (config.devices if isinstance(config.devices, int) else 1) * config.num_nodes)
    n_train = len(dm.tensors["train"][0])
    steps = max(1, math.ceil((n_train // world) / batch_size))
    module = ClassifierModule(
        model=config.model,
        num_classes=len(dm.classes),
        in_channels=dm.in_channels,
        model_kwargs=config.model_kwargs,
        noise=config.noise,
        snr=config.snr,
        noise_mode=config.noise_mode,
        normalize=config.normalize,
        recipe=config.recipe,
        epochs=config.epochs,
        lr=config.lr,
        weight_decay=config.weight_decay,
        schedule=config.schedule,
        warmup_epochs=config.warmup_epochs,
        seed=config.seed,
        steps_per_epoch=steps,
        train_size=n_train,
        batch_size=batch_size,
    )
    monitor_mode = "min" if config.monitor == "val_loss" else "max"
    has_val = len(dm.tensors["val"][0]) > 0
    cbs: list[L.Callback] = [MetricsCSV(run / METRICS_FILE)]
    cbs.append(
        L.pytorch.callbacks.ModelCheckpoint(
            dirpath=run / CHECKPOINT_DIR,
            filename="best",
            monitor=config.monitor if has_val else None,
            mode=monitor_mode,
            save_last=True,
            save_top_k=1,
            enable_version_counter=False,
            save_on_train_epoch_end=True,
        )
    )
    if config.patience is not None:
        if not has_val:
            raise ConfigError(
                "patience (early stopping) needs a validation split; set split's middle value > 0"
            )
        cbs.append(
            L.pytorch.callbacks.EarlyStopping(
                monitor=config.monitor, mode=monitor_mode, patience=config.patience
            )
        )
    if not quiet:
        cbs.append(L.pytorch.callbacks.TQDMProgressBar())
    cbs.extend(callbacks or [])
    try:
        trainer = L.Trainer(
            max_epochs=config.epochs,
            accelerator=config.accelerator,
            devices=config.devices,
            num_nodes=config.num_nodes,
            strategy=config.strategy,
            precision=precision,
            deterministic=config.deterministic,
            gradient_clip_val=config.gradient_clip,
            callbacks=cbs,
            logger=False,
            plugins=[AtomicCheckpointIO()],
            enable_progress_bar=not quiet,
            enable_model_summary=not quiet,
            num_sanity_val_steps=0,
            log_every_n_steps=max(1, min(50, steps)),
            limit_val_batches=1.0 if has_val else 0,
            default_root_dir=str(run),
        )
    except (ValueError, TypeError, RuntimeError) as err:
        raise ConfigError(f"trainer options (accelerator/devices/strategy/precision): {err}") from None
    ckpt = str(run / CHECKPOINT_DIR / "last.ckpt") if resume else None
    try:
        trainer.fit(module, datamodule=dm, ckpt_path=ckpt)
    except SystemExit:
        # Lightning answers Ctrl-C with a graceful stop and sys.exit(1): report it as the interruption it is
        if trainer.interrupted:
            raise KeyboardInterrupt from None
        raise
    if trainer.interrupted:
        raise KeyboardInterrupt
    model = module.model.eval()
    dm.setup("test")
    # under ddp_spawn the main process's trainer does not see the epochs run in the workers: count the rows
    rows = (run / METRICS_FILE).read_text().strip().splitlines() if (run / METRICS_FILE).is_file() else []
    metrics: dict[str, Any] = {"epochs_trained": max(int(trainer.current_epoch), len(rows) - 1)}
    for split in ("val", "test"):
        x, y = dm.tensors[split]
        if len(x):
            res = evaluate_windows(model, x, y, num_classes=len(dm.classes), normalize=config.normalize)
            metrics[f"{split}_acc"] = res["accuracy"]
            metrics[f"{split}_f1"] = res["macro_f1"]
            metrics[f"{split}_loss"] = res["loss"]
            if split == "test":
                metrics["test_confusion"] = res["confusion"]
    meta = build_meta(config, dm, ds, metrics)
    save_model(run, model, meta)
    _save_plots(run, metrics, dm.classes, quiet=quiet)
    return TrainResult(run_dir=run, model=model, meta=meta, metrics=metrics)


def build_meta(cfg: TrainConfig, dm: SignalDataModule, ds: Any, metrics: dict[str, Any]) -> dict[str, Any]:
    """The model.json content: enough to rebuild and use the model without the training code."""
    from deepshrink import __version__

    return {
        "model": cfg.model,
        "model_kwargs": {"in_channels": dm.in_channels, "num_classes": len(dm.classes), **cfg.model_kwargs},
        "task": "classification",
        "classes": list(dm.classes),
        "sample_rate": float(ds.sample_rate) if getattr(ds, "sample_rate", None) else None,
        "window": int(cfg.window),
        "normalize": cfg.normalize,
        "noise": {
            "kind": cfg.noise,
            "snr_db": list(cfg.snr) if isinstance(cfg.snr, tuple) else cfg.snr,
            "mode": cfg.noise_mode,
        },
        "data": {
            "spec": cfg.data,
            "kwargs": cfg.data_kwargs,
            "stride": cfg.stride,
            "eval_stride": cfg.eval_stride,
            "split": list(cfg.split),
            "split_by": cfg.split_by,
            "random_state": cfg.seed,
        },
        "seed": cfg.seed,
        "metrics": metrics,
        "deepshrink_version": __version__,
        "torch_version": torch.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _save_plots(run: Path, metrics: dict[str, Any], classes: list[str], *, quiet: bool) -> None:
    # Figures are a convenience: a missing or failing plots module must not lose a finished training run.
    try:
        from deepshrink.plots import plot_confusion_matrix, plot_training_curves, save_figure
    except ImportError:
        return
    try:
        save_figure(plot_training_curves(run / METRICS_FILE), run / "training_curves.png")
        if "test_confusion" in metrics:
            save_figure(plot_confusion_matrix(metrics["test_confusion"], classes), run / "confusion_test.png")
    except Exception as err:
        if not quiet:
            warnings.warn(f"could not save the training plots: {err}", stacklevel=2)
