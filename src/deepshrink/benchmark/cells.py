"""One benchmark cell: the cell's `TrainConfig` trained by the same `train` as `deepshrink train`, its
evaluation records, and the amplitude-shortcut baseline of a grid row."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from deepshrink.benchmark.config import BenchmarkConfig, Cell, cell_config, training_range
from deepshrink.benchmark.environment import environment
from deepshrink.benchmark.shortcut import shortcut_records
from deepshrink.engine.classify.training import train
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.errors import DeepShrinkError

__all__ = ["record_fields", "run_cell", "shortcut_row", "train_and_evaluate"]


def record_fields(cfg: BenchmarkConfig, cell: Cell, split_info: dict[str, Any]) -> dict[str, Any]:
    """What every record of a cell says about where it comes from (seed, fold, scenario, conditions)."""
    return {
        "seed": cell.seed,
        "fold": cell.fold,
        "scenario": cfg.scenario,
        "train_conditions": split_info.get("train_conditions"),
        "test_conditions": split_info.get("test_conditions"),
        "test_groups": split_info.get("test_groups"),
    }


def train_and_evaluate(
    cfg: BenchmarkConfig, cell: Cell, on_epoch: Callable[[int, int, dict], None] | None = None
) -> dict[str, Any]:
    """Train `cell.model` under the cell's noise and evaluate it; the content of one cell file.

    on_epoch(epoch, epochs, row) is called after every training epoch with that epoch's metrics row
    (train_loss, val_loss, val_acc, ...: the progress display).
    """
    tc = cell_config(cfg, cell, str(Path(cfg.out) / "runs" / cell.key))
    dataset = build_dataset(tc)
    robust = cell.train_snr is None
    t0 = time.perf_counter()
    result = train(
        tc,
        dataset=dataset,
        overwrite=True,
        figures=False,
        on_epoch=on_epoch,
    )
    seconds = time.perf_counter() - t0
    epochs = int(result.metrics.get("epochs_trained", cfg.epochs))
    where = record_fields(cfg, cell, dataset.split_info)
    first_snr = float(cfg.snrs[0])
    records = []
    for rec in result.records:
        if rec["snr_db"] is None and not (robust or cell.train_snr == first_snr):
            continue  # the paper protocol measures clean accuracy once per row
        records.append(
            {
                "model": cell.model,
                "noise": rec["noise"],  # the test kind (train_noise tests one training on every kind)
                "train_noise": cell.noise,
                "snr_db": rec["snr_db"],
                "train_snr_db": "{:g}:{:g}".format(*training_range(cfg)) if robust else cell.train_snr,
                **where,
                "accuracy": round(float(rec["accuracy"]), 4),
                "macro_f1": round(float(rec["macro_f1"]), 6),
                "n_test": int(rec["n"]),
                "train_seconds": round(seconds, 2),
                "epochs": epochs,
                "confusion": rec["confusion"],
                **({"thresholds": rec["thresholds"]} if cfg.thresholds and rec.get("thresholds") else {}),
            }
        )
    return {
        "records": records,
        "train_seconds": round(seconds, 2),
        "epochs": epochs,
        "classes": list(dataset.classes),
        "split": dataset.split_info,
    }


def shortcut_row(
    cfg: BenchmarkConfig, noise: str, train_snr: float | None, seed: int, fold: int | None
) -> dict:
    """The amplitude-shortcut records of one grid row (no network: seconds, not minutes)."""
    cell = Cell("amplitude_shortcut", noise, train_snr, seed, fold)
    tc = cell_config(cfg, cell, None)
    dataset = build_dataset(tc)
    robust = train_snr is None
    records = shortcut_records(
        dataset,
        noise=noise,
        train_snr=tuple(tc.snr) if isinstance(tc.snr, (list, tuple)) else tc.snr,
        noise_mode=tc.noise_mode,
        eval_snrs=[float(s) for s in cfg.snrs] if robust else [float(train_snr)],
        eval_seed=cfg.eval_seed,
        seed=seed,
        clean=robust or train_snr == float(cfg.snrs[0]),
        eval_noises=list(cfg.noises) if cfg.train_noise is not None else None,
    )
    where = record_fields(cfg, cell, dataset.split_info)
    for r in records:
        r.update(where)
        r["train_snr_db"] = "{:g}:{:g}".format(*training_range(cfg)) if robust else train_snr
    return {"records": records, "classes": list(dataset.classes)}


def run_cell(
    trainer: Callable,
    cfg: BenchmarkConfig,
    cell: Cell,
    on_epoch: Callable[..., None],
    *,
    threads: int | None = None,
) -> dict:
    """`trainer(cfg, cell, on_epoch)` with its failure recorded instead of raised (the grid goes on); the
    result names its cell and the `environment` it ran in (this process's: the Ray worker's on Ray;
    `threads`: the torch threads the cell was given)."""
    try:
        result = trainer(cfg, cell, on_epoch)
        result["error"] = None
    except (DeepShrinkError, RuntimeError, ValueError, FloatingPointError) as err:
        result = {
            "records": [],
            "error": f"{type(err).__name__}: {err}",
            "traceback": traceback.format_exc(limit=5),
        }
    result["cell"] = asdict(cell)
    result["environment"] = environment(threads)
    return result
