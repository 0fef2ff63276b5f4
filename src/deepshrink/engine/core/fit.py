"""`fit(task, data, run_dir)`: the ONE place where a Lightning `Trainer` runs.

Every training goes through it: `deepshrink train`, `deepshrink dae train`, every benchmark cell, greedy
pre-training and fine-tuning, and the scikit-learn estimators. It owns the Trainer, the metrics CSV,
checkpoints (written atomically), early stopping, resume, the final scores and the final safetensors +
JSON. With `run_dir=None` it trains in memory (no files), for the Python and scikit-learn APIs.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from deepshrink.atomic import atomic_write, atomic_write_text
from deepshrink.engine.core.artifacts import CHECKPOINT_DIR, METRICS_FILE, prepare_run_dir, save_model
from deepshrink.engine.core.config import RunOptions
from deepshrink.errors import ConfigError, DataError

__all__ = ["AtomicCheckpointIO", "FitResult", "MetricsCSV", "fit"]

log = logging.getLogger("deepshrink")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning CheckpointIO writing each checkpoint to a temp file in its folder, then `os.replace`.

    Lightning's default writes straight into the target file, so a process killed mid-write leaves a
    truncated `last.ckpt` that `--resume` cannot read; here the previous checkpoint survives intact.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        """Write `checkpoint` to `path` atomically (torch.save into a temp file beside it)."""
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO does not take storage_options")
        atomic_write(path, lambda tmp: torch.save(checkpoint, tmp))


class MetricsCSV(L.Callback):
    """One row per epoch (epoch, the task's columns, lr, time), written atomically to `path` when given.

    Its rows live in the checkpoint, so a resumed run continues the same file instead of losing or
    duplicating epochs.
    """

    def __init__(self, path: Path | None, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = ("epoch", *columns, "lr", "time")
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
        if self._start is not None:
            self.elapsed += time.perf_counter() - self._start
        m = trainer.callback_metrics
        row: dict[str, Any] = {"epoch": trainer.current_epoch + 1}
        for key in self.columns[1:-2]:
            row[key] = round(float(m[key]), 6) if key in m else ""
        row["lr"] = self._lr
        row["time"] = round(self.elapsed, 3)
        self.rows = [r for r in self.rows if int(r["epoch"]) < row["epoch"]] + [row]
        if trainer.is_global_zero and self.path is not None:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.rows)
            atomic_write_text(self.path, buf.getvalue())

    def state_dict(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "elapsed": self.elapsed}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rows = list(state_dict.get("rows", []))
        self.elapsed = float(state_dict.get("elapsed", 0.0))


class _EpochCallback(L.Callback):
    """Calls `on_epoch(epoch, epochs, row)` after every training epoch (progress displays)."""

    def __init__(self, on_epoch: Callable[[int, int, dict], None], metrics: MetricsCSV) -> None:
        self.on_epoch, self.metrics = on_epoch, metrics

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.metrics.rows:
            self.on_epoch(
                trainer.current_epoch + 1, int(trainer.max_epochs or 0), dict(self.metrics.rows[-1])
            )


@dataclass
class FitResult:
    """What `fit` returns: the run directory (None in memory), the trained network, its final metrics and
    the per-epoch history (the rows of metrics.csv)."""

    run_dir: Path | None
    model: torch.nn.Module
    metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


def quiet_lightning(verbose: bool) -> None:
    """Silence Lightning's informational chatter (GPU available, model summary hints, ...) unless verbose."""
    level = logging.INFO if verbose else logging.WARNING
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(level)
    if not verbose:
        for pattern in (
            ".*does not have many workers.*",
            ".*exists and is not empty.*",
            ".*smaller than the logging interval.*",
            r".*`isinstance\(treespec, LeafSpec\)`.*",
            ".*has `shuffle=True`.*",
            ".*validation_step` but have no `val_dataloader.*",
            ".*You defined a `validation_step` but have no `val_dataloader`.*",
            ".*Total length of `TensorBatches` across ranks is zero.*",
        ):
            warnings.filterwarnings("ignore", message=pattern)


def _checkpoint_bytes(task: L.LightningModule) -> int:
    # weights + optimizer moments (AdamW: 2, SGD: 1) + buffers and Lightning's bookkeeping
    params = sum(p.numel() * p.element_size() for p in task.parameters())
    buffers = sum(b.numel() * b.element_size() for b in task.buffers())
    return 3 * params + buffers + (1 << 20)


def preflight(run: Path, task: L.LightningModule) -> None:
    """Refuse, before any training, a run directory that cannot be written or a disk without room."""
    try:
        run.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run / ".write_test", "ok\n")
        (run / ".write_test").unlink()
    except OSError as err:
        raise DataError(f"{run}: cannot write the run directory ({err.strerror or err})", key="out") from None
    need = 3 * _checkpoint_bytes(task)  # last + best + the temporary file of an atomic write
    free = shutil.disk_usage(run).free
    if free < need:
        raise DataError(
            f"{run}: {free / 1e6:.1f} MB free on this disk, a run needs about {need / 1e6:.1f} MB for its "
            "checkpoints; free some space or choose another out",
            key="out",
        )


def fit(
    task: L.LightningModule,
    data: L.LightningDataModule,
    run_dir: str | Path | None = None,
    *,
    options: RunOptions | None = None,
    epochs: int | None = None,
    monitor: str = "val_loss",
    max_minutes: float | None = None,
    resume: bool = False,
    overwrite: bool = False,
    meta: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    verbose: bool = False,
    on_epoch: Callable[[int, int, dict], None] | None = None,
    callbacks: Sequence[L.Callback] = (),
) -> FitResult:
    """Train `task` on `data` and return the final network with its metrics.

    options: the run options (epochs, patience, gradient clipping, precision, hardware, determinism);
    `epochs` overrides `options.epochs`. monitor: what the best checkpoint and early stopping follow.
    run_dir: where config-independent artefacts go (metrics.csv, checkpoints/{last,best}.ckpt, the final
    model.safetensors + model.json built from `meta` plus the metrics; `meta` may be a function of the final
    metrics, for what is only known after training); None trains in memory. resume:
    continue from checkpoints/last.ckpt. on_epoch(epoch, epochs, row): called after every epoch.
    The final weights are the last epoch's (as in the paper); `task.final_metrics(data)` scores them.
    """
    opts = options or RunOptions()
    epochs = int(epochs or opts.epochs)
    quiet_lightning(verbose)
    run = None
    if run_dir is not None:
        run = prepare_run_dir(run_dir, resume=resume, overwrite=overwrite)
        preflight(run, task)
    has_val = bool(getattr(data, "has", lambda s: True)("val"))
    metrics_csv = MetricsCSV(None if run is None else run / METRICS_FILE, getattr(task, "csv_columns", ()))
    cbs: list[L.Callback] = [metrics_csv]
    if run is not None:
        cbs.append(
            L.pytorch.callbacks.ModelCheckpoint(
                dirpath=run / CHECKPOINT_DIR,
                filename="best",
                monitor=monitor if has_val else None,
                mode="min" if monitor.endswith("loss") else "max",
                save_last=True,
                save_top_k=1,
                enable_version_counter=False,
                save_on_train_epoch_end=True,
            )
        )
    if opts.patience is not None:
        if not has_val:
            raise ConfigError("patience (early stopping) needs validation data", key="patience")
        cbs.append(
            L.pytorch.callbacks.EarlyStopping(
                monitor=monitor, mode="min" if monitor.endswith("loss") else "max", patience=opts.patience
            )
        )
    if on_epoch is not None:
        cbs.append(_EpochCallback(on_epoch, metrics_csv))
    cbs.extend(callbacks)
    try:
        trainer = L.Trainer(
            max_epochs=epochs,
            max_time={"minutes": max_minutes} if max_minutes is not None else None,
            accelerator=opts.accelerator,
            devices=opts.devices,
            num_nodes=opts.num_nodes,
            strategy=opts.strategy,
            precision=opts.precision,
            deterministic=opts.deterministic,
            gradient_clip_val=opts.gradient_clip,
            callbacks=cbs,
            logger=False,
            enable_checkpointing=run is not None,
            plugins=[AtomicCheckpointIO()] if run is not None else None,
            enable_progress_bar=False,  # our own progress (on_epoch) is one line per epoch
            enable_model_summary=verbose,
            num_sanity_val_steps=0,
            log_every_n_steps=50,
            limit_val_batches=1.0 if has_val else 0,
            default_root_dir=str(run) if run is not None else None,
        )
    except (ValueError, TypeError, RuntimeError) as err:
        raise ConfigError(
            f"trainer options (accelerator/devices/strategy/precision): {err}", key="strategy"
        ) from None
    ckpt = str(run / CHECKPOINT_DIR / "last.ckpt") if resume and run is not None else None
    task.train()  # a network handed over in eval mode (a loaded or pre-trained one) must train as such
    try:
        trainer.fit(task, datamodule=data, ckpt_path=ckpt)
    except SystemExit:
        # Lightning answers Ctrl-C with a graceful stop and sys.exit(1): report it as the interruption it is
        if trainer.interrupted:
            raise KeyboardInterrupt from None
        raise
    if trainer.interrupted:
        raise KeyboardInterrupt
    task.eval()  # the whole task, not only its network: final_metrics' scoring restores the task's mode
    model = task.model
    # under ddp_spawn the main process's callbacks do not see the workers' epochs: fall back to the CSV rows
    history = metrics_csv.rows or _read_rows(None if run is None else run / METRICS_FILE)
    final = dict(task.final_metrics(data)) if hasattr(task, "final_metrics") else {}
    final["epochs_trained"] = len(history)
    for key, value in final.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise DataError(f"the final {key} is {value}: the training diverged (lower the learning rate)")
    if run is not None and meta is not None:
        info = meta(final) if callable(meta) else meta
        save_model(run, model, {**info, "metrics": final})
    return FitResult(run_dir=run, model=model, metrics=final, history=history)


def _read_rows(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
