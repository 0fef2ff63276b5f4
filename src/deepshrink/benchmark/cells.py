"""One benchmark cell: train a model with the engine, evaluate it on the SNR grid, return records."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

from deepshrink.benchmark.runner import BenchmarkConfig, Cell


@functools.lru_cache(maxsize=4)
def _dataset(data: str, data_items: tuple, window: int, stride: int | None, eval_stride: int | None):
    # One leak-free split for every cell (random_state fixed): seeds vary initialisation and noise, not data.
    from deepshrink.engine.config import TrainConfig
    from deepshrink.engine.training import build_dataset

    cfg = TrainConfig(
        data=data,
        data_kwargs=dict(data_items),
        window=window,
        stride=stride,
        eval_stride=eval_stride,
        seed=0,
        epochs=1,
    )
    return build_dataset(cfg)


def dataset_for(cfg: BenchmarkConfig):
    """The (cached) windowed dataset of a benchmark."""
    return _dataset(cfg.data, tuple(sorted(cfg.data_kwargs.items())), cfg.window, cfg.stride, cfg.eval_stride)


def _epoch_callback(on_epoch: Callable[[int, int], None]):
    import lightning as L

    class EpochProgress(L.Callback):
        def on_train_epoch_end(self, trainer, pl_module) -> None:
            on_epoch(trainer.current_epoch + 1, trainer.max_epochs)

    return EpochProgress()


def train_and_evaluate(
    cfg: BenchmarkConfig, cell: Cell, on_epoch: Callable[[int, int], None] | None = None
) -> dict:
    """Train `cell.model` under the cell's noise and evaluate it; the result of one cell file.

    on_epoch(epoch, epochs) is called after every training epoch (progress display).
    """
    from deepshrink.engine.config import TrainConfig
    from deepshrink.engine.evaluate import evaluate_snr_grid
    from deepshrink.engine.training import train

    dataset = dataset_for(cfg)
    robust = cell.train_snr is None
    snrs = [float(s) for s in cfg.snrs]
    train_cfg = TrainConfig(
        model=cell.model,
        data=cfg.data,
        data_kwargs=dict(cfg.data_kwargs),
        window=cfg.window,
        stride=cfg.stride,
        eval_stride=cfg.eval_stride,
        noise=cell.noise,
        snr=(cfg.train_snr or (min(snrs), max(snrs))) if robust else cell.train_snr,
        noise_mode="online" if robust else "fixed",
        normalize=cfg.normalize,
        recipe=cfg.recipe,
        lr=cfg.lr,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        seed=cell.seed,
        accelerator="auto",
        deterministic=False,
        out=str(Path(cfg.out) / "runs" / cell.key),
    )
    t0 = time.perf_counter()
    callbacks = [_epoch_callback(on_epoch)] if on_epoch is not None else None
    result = train(train_cfg, dataset=dataset, quiet=True, overwrite=True, callbacks=callbacks)
    train_seconds = time.perf_counter() - t0
    eval_snrs = snrs if robust else [cell.train_snr]
    t1 = time.perf_counter()
    evaluated = evaluate_snr_grid(
        result.model,
        dataset,
        noise_kinds=[cell.noise],
        snrs=eval_snrs,
        seed=cfg.eval_seed,
        normalize=cfg.normalize,
        num_classes=len(dataset.classes),
        clean=robust or cell.train_snr == eval_snrs[0],
        thresholds=cfg.thresholds and "drsn" in cell.model,
    )
    eval_seconds = time.perf_counter() - t1
    epochs = int(result.metrics.get("epochs_trained", cfg.epochs))
    records = []
    for rec in evaluated:
        records.append(
            {
                "model": cell.model,
                "noise": cell.noise if rec["noise"] != "none" else "none",
                "train_noise": cell.noise,
                "snr_db": rec["snr_db"],
                "train_snr_db": f"{train_cfg.snr[0]:g}:{train_cfg.snr[1]:g}" if robust else cell.train_snr,
                "seed": cell.seed,
                "accuracy": round(float(rec["accuracy"]), 4),
                "macro_f1": round(float(rec["macro_f1"]), 6),
                "n_test": int(rec["n"]),
                "train_seconds": round(train_seconds, 2),
                "epochs": epochs,
                "confusion": rec["confusion"],
                **({"thresholds": rec["thresholds"]} if "thresholds" in rec else {}),
            }
        )
    return {
        "records": records,
        "train_seconds": round(train_seconds, 2),
        "eval_seconds": round(eval_seconds, 2),
        "epochs": epochs,
        "classes": list(dataset.classes),
    }
