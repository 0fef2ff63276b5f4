"""`train(config)`: a classifier run from a `TrainConfig`; `deepshrink train` and every benchmark cell.

config -> windows (`build_dataset`) -> `SignalDataModule` + `ClassificationTask` -> `fit` -> evaluation at
the config's SNR grid on the fixed noisy test windows -> a run directory:

    config.yaml, metrics.csv, checkpoints/{last,best}.ckpt, model.safetensors + model.json,
    eval.json + eval.csv (accuracy per noise kind and SNR), training_curves.png, confusion_test.png,
    accuracy_vs_snr.png (+ thresholds_vs_snr.png for DRSN models)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch

from deepshrink import __version__
from deepshrink.data.readers.noise_recordings import check_recorded
from deepshrink.data.split.windows import WindowSplits
from deepshrink.engine.classify.evaluate import (
    evaluate_snr_grid,
    save_eval_figures,
    write_evaluation,
)
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.artifacts import METRICS_FILE, check_run, start_run
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.fit import fit
from deepshrink.engine.core.options import validated
from deepshrink.errors import ConfigError
from deepshrink.formatting import snr_text
from deepshrink.layers import has_shrinkage
from deepshrink.models import model_info
from deepshrink.plots import plot_confusion_matrix, plot_training_curves, save_figure
from deepshrink.tasks import ClassificationTask, SignalDataModule
from deepshrink.tasks.classification import check_classifier
from deepshrink.tasks.recipes import get_recipe

__all__ = [
    "TrainResult",
    "classification_parts",
    "train",
]


@dataclass
class TrainResult:
    """What `train` returns: the run directory, the model (final weights, eval mode), its metrics and the
    evaluation records (one per noise kind and SNR, plus clean)."""

    run_dir: Path | None
    model: torch.nn.Module
    meta: dict[str, Any]
    metrics: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    dataset: Any = None


def build_meta(cfg: TrainConfig, dm: SignalDataModule, ds: Any) -> dict[str, Any]:
    """The model.json content: enough to rebuild and use the model without the training code."""
    return {
        "model": cfg.model,
        "model_kwargs": {"in_channels": dm.in_channels, "num_classes": len(dm.classes), **cfg.model_kwargs},
        "task": "classification",
        "classes": list(dm.classes),
        "sample_rate": float(ds.sample_rate) if getattr(ds, "sample_rate", None) else None,
        "window": int(getattr(ds, "window", None) or cfg.window),  # an image's width for image data
        "normalize": cfg.normalize,
        "noise": {
            "kind": cfg.noise,
            "snr_db": list(cfg.snr) if isinstance(cfg.snr, (tuple, list)) else cfg.snr,
            "mode": cfg.noise_mode,
        },
        "data": {
            "spec": cfg.data,
            "kwargs": cfg.data_kwargs,
            "stride": cfg.stride,
            "eval_stride": cfg.eval_stride,
            "split": list(cfg.split),
            "scenario": cfg.scenario,
            "split_info": getattr(ds, "split_info", {}),
            "random_state": cfg.split_seed,
        },
        "seed": cfg.seed,
        "deepshrink_version": __version__,
        "torch_version": torch.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def classification_parts(config: TrainConfig, data: Any) -> tuple[SignalDataModule, ClassificationTask]:
    """The data module and the task of a validated config on windows `data` (a `WindowSplits` or anything
    with .train/.val/.test (x, y) and .classes): the one place where a config's options become a training,
    used by `train` and by `DRSNClassifier.fit`, which maps its parameters onto a `TrainConfig`."""
    dm = SignalDataModule(
        data,
        batch_size=config.batch_size or get_recipe(config.recipe).batch_size,
        noise=config.noise,
        snr=config.snr,
        noise_mode=config.noise_mode,
        seed=config.seed,
    )
    _check_input(config.model, dm.tensors["train"][0].ndim)
    task = ClassificationTask(
        config.model,
        num_classes=len(dm.classes),
        in_channels=dm.in_channels,
        model_kwargs=config.model_kwargs,
        noise=config.noise,
        snr=config.snr,
        noise_mode=config.noise_mode,
        normalize=config.normalize,
        recipe=config.recipe,
        lr=config.lr,
        weight_decay=config.weight_decay,
        schedule=config.schedule,
        warmup_epochs=config.warmup_epochs,
        seed=config.seed,
        noise_bank=dm.noise_bank("train"),
    )
    return dm, task


def _check_input(model: str, ndim: int) -> None:
    """A 1-D model on images, or a 2-D one on signal windows, is one clear line, not a shape error."""
    kind = model_info(model).input_kind
    given = {3: "signal1d", 4: "image2d"}.get(ndim)
    if kind in ("signal1d", "image2d") and given is not None and kind != given:
        wants = "images (a *_2d_* model)" if kind == "image2d" else "1-D windows"
        gets = "images" if given == "image2d" else "1-D signal windows"
        raise ConfigError(f"model {model!r} takes {wants}, but the data gives {gets}", key="model")


def train(
    config: TrainConfig,
    *,
    resume: bool = False,
    overwrite: bool = False,
    verbose: bool = False,
    dataset: WindowSplits | None = None,
    evaluate: bool = True,
    figures: bool = True,
    on_epoch: Callable[[int, int, dict], None] | None = None,
    callbacks: Sequence[L.Callback] = (),
) -> TrainResult:
    """Train `config` into `config.out` (None: in memory) and evaluate it on its SNR grid.

    resume: continue from checkpoints/last.ckpt (the saved config.yaml must match except epochs, out,
    threads, patience). dataset: prebuilt windows (else built from the config's data options). evaluate:
    run the final SNR-grid evaluation (records, eval.json). on_epoch(epoch, epochs, row): progress.
    The final weights (last epoch, as in the paper) go to model.safetensors + model.json with the val and
    test metrics measured on the fixed-noise windows at the training SNR.
    """
    config = validated(config, TrainConfig)
    check_classifier(config.model)  # an unknown model or an autoencoder fails before any data is loaded
    check_run(config, resume=resume, overwrite=overwrite)  # before the data is loaded: nothing written yet
    kinds = [config.noise, *(config.eval_noise or [])]
    check_recorded(kinds)  # a missing noise recording fails before the data is loaded
    ds = dataset if dataset is not None else build_dataset(config)
    check_recorded(kinds, ds)
    dm, task = classification_parts(config, ds)
    meta = build_meta(config, dm, ds)
    run = start_run(config, resume=resume, overwrite=overwrite)
    result = fit(
        task,
        dm,
        run,
        options=config,
        monitor=config.monitor,
        resume=resume,
        overwrite=True,  # checked above; fit must not refuse the config.yaml just written
        meta=meta,
        verbose=verbose,
        on_epoch=on_epoch,
        callbacks=callbacks,
    )
    meta["metrics"] = result.metrics
    records: list[dict[str, Any]] = []
    if evaluate:
        kinds, snrs = config.resolved_eval()
        records = evaluate_snr_grid(
            result.model,
            ds,
            noise_kinds=kinds,
            snrs=snrs,
            seed=config.eval_seed,
            normalize=config.normalize,
            num_classes=len(dm.classes),
            thresholds=has_shrinkage(result.model),
        )
        for r in records:
            r["model"] = config.model
        if run is not None:  # the figures come with the others below (`figures`)
            write_evaluation(
                run,
                run=run,
                seed=config.eval_seed,
                classes=dm.classes,
                records=records,
                model=config.model,
                figures=False,
            )
    if run is not None and figures:
        _figures(run, config, result.metrics, dm.classes, records)
    return TrainResult(
        run_dir=run, model=result.model, meta=meta, metrics=result.metrics, records=records, dataset=ds
    )


def _figures(run: Path, cfg: TrainConfig, metrics: dict, classes: list[str], records: list[dict]) -> None:
    save_figure(plot_training_curves(run / METRICS_FILE), run / "training_curves.png")
    if "test_confusion" in metrics:
        noise = "clean" if cfg.noise == "none" else f"{cfg.noise} noise at {snr_text(cfg.snr)}"
        title = f"{cfg.model}: test windows, {noise} ({metrics['test_acc']:.1f} % correct)"
        save_figure(
            plot_confusion_matrix(metrics["test_confusion"], classes, title=title), run / "confusion_test.png"
        )
    if records:
        save_eval_figures(run, records, title=cfg.model)
