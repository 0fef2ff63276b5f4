"""Training curves from a metrics CSV (Lightning's CSVLogger or any epoch table) or a list of dicts."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from matplotlib.ticker import MaxNLocator

from deepshrink.errors import ConfigError, DataError
from deepshrink.plots._common import new_axes

_STAGES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
}
_STAGE_STYLE = {"train": ("#1f77b4", "-"), "val": ("#ff7f0e", "-"), "test": ("#2ca02c", "--")}
_STAGE_LABEL = {"train": "train", "val": "validation", "test": "test"}
# When one metric is logged under several names (Lightning writes train_loss_step and train_loss_epoch when
# both on_step and on_epoch are set), the per-epoch one is the meaningful curve.
_SUFFIX_PRIORITY = {"epoch": 0, "": 1, "step": 2}


def _canonical(column: str) -> tuple[str, str, int] | None:
    """(metric key such as "val_acc" or "lr:<name>", column, priority) of a column; None to skip it."""
    norm = column.strip().lower()
    for ch in "/-. ":
        norm = norm.replace(ch, "_")
    if norm.startswith("lr") or norm.startswith("learning_rate"):
        return (f"lr:{column.strip()}", column.strip(), 0)
    tokens = [t for t in norm.split("_") if t]
    if not tokens:
        return None
    suffix = ""
    if tokens[-1] in ("epoch", "step") and len(tokens) > 1:
        suffix = tokens.pop()
    stage = _STAGES.get(tokens[0])
    rest = tokens[1:] if stage else tokens
    if stage is None and len(tokens) > 1 and tokens[-1] in _STAGES:  # "loss_val" style
        stage, rest = _STAGES[tokens[-1]], tokens[:-1]
    if not rest:
        return None
    metric = "_".join(rest)
    if metric == "loss":
        kind = "loss"
    elif metric in ("acc", "accuracy") or metric.startswith("acc"):
        kind = "acc"
    else:
        return None
    return (f"{stage or 'train'}_{kind}", column.strip(), _SUFFIX_PRIORITY[suffix])


def _to_float(value: Any, where: str) -> float | None:
    """A cell as a float; None for an empty or non-finite cell (Lightning leaves other stages empty)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {value!r} is not a number") from None
    return out if math.isfinite(out) else None


def _read_rows(metrics: Any) -> tuple[list[Mapping[str, Any]], str]:
    """Rows of the metrics table and a description of the source for error messages."""
    if isinstance(metrics, (str, os.PathLike)):
        path = Path(metrics)
        if path.is_dir():  # a Lightning log folder: lightning_logs/version_0/metrics.csv
            path = path / "metrics.csv"
        if not path.is_file():
            raise DataError(f"{path}: metrics file not found")
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.DictReader(fh))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise DataError(f"{path}: cannot read the metrics CSV ({exc})") from None
        if not rows:
            raise DataError(f"{path}: the metrics CSV has no rows")
        return rows, str(path)
    if isinstance(metrics, Mapping) or not isinstance(metrics, Iterable):
        raise ConfigError(f"metrics: expected a CSV path or a list of dicts, got {type(metrics).__name__}")
    rows = list(metrics)
    if not rows:
        raise DataError("metrics: the list of rows is empty")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ConfigError(f"metrics: row {i} is a {type(row).__name__}, expected a dict")
    return rows, "metrics"


def load_training_metrics(metrics: Any) -> dict[str, tuple[list[float], list[float]]]:
    """Per-epoch curves {key: (epochs, values)} from a metrics CSV / log folder / list of dicts.

    Keys are "train_loss", "val_loss", "test_loss", "train_acc", "val_acc", "test_acc" and "lr:<column>".
    Column names are matched loosely (train_loss, train/loss, loss, val_acc_epoch, valid_accuracy, lr-SGD...).
    Lightning's CSVLogger writes training and validation metrics of one epoch on different rows (and
    per-step rows too): all finite values of an epoch are averaged into one point. Without an "epoch" column
    each row is one epoch (0, 1, 2, ...). Accuracies are returned as logged (fraction or percent).
    """
    rows, source = _read_rows(metrics)
    columns: dict[str, tuple[str, int]] = {}  # key -> (column, priority)
    all_names: list[str] = []
    for row in rows:
        for name in row:
            if name is not None and name not in all_names:
                all_names.append(name)
    for name in all_names:
        parsed = _canonical(name)
        if parsed is None:
            continue
        key, col, prio = parsed
        if key not in columns or prio < columns[key][1]:
            columns[key] = (col, prio)
    if not columns:
        raise DataError(f"{source}: no loss, accuracy or learning-rate column among {all_names}")
    epoch_col = next((n for n in all_names if n.strip().lower() == "epoch"), None)

    sums: dict[str, dict[float, list[float]]] = {key: {} for key in columns}
    for i, row in enumerate(rows):
        where = f"{source} row {i + 2 if source != 'metrics' else i}"
        if epoch_col is None:
            epoch: float | None = float(i)
        else:
            epoch = _to_float(row.get(epoch_col), f"{where}, column {epoch_col!r}")
            if epoch is None:
                continue
        for key, (col, _) in columns.items():
            val = _to_float(row.get(col), f"{where}, column {col!r}")
            if val is not None:
                sums[key].setdefault(epoch, []).append(val)
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for key, per_epoch in sums.items():
        if per_epoch:
            epochs = sorted(per_epoch)
            curves[key] = (epochs, [sum(per_epoch[e]) / len(per_epoch[e]) for e in epochs])
    if not curves:
        raise DataError(f"{source}: the metric columns hold no finite values")
    return curves


def _epoch_axis(ax: Any) -> None:
    ax.set_xlabel("Epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_metric(
    ax: Any, curves: dict[str, tuple[list[float], list[float]]], kind: str, acc_scale: float
) -> None:
    scale = acc_scale if kind == "acc" else 1.0
    for stage in ("train", "val", "test"):
        key = f"{stage}_{kind}"
        if key not in curves:
            continue
        epochs, values = curves[key]
        color, ls = _STAGE_STYLE[stage]
        marker = "o" if len(epochs) <= 30 else None
        ax.plot(
            epochs,
            [v * scale for v in values],
            color=color,
            ls=ls,
            marker=marker,
            ms=3.5,
            lw=1.6,
            label=_STAGE_LABEL[stage],
        )
    if kind == "acc" and "val_acc" in curves:
        epochs, values = curves["val_acc"]
        best = max(range(len(values)), key=values.__getitem__)
        e, v = epochs[best], values[best] * scale
        ax.plot(
            [e],
            [v],
            ls="none",
            marker="*",
            ms=12,
            color="#ff7f0e",
            markeredgecolor="black",
            label=f"best val {v:.1f}% (epoch {e:g})",
        )
    _epoch_axis(ax)
    if kind == "loss":
        ax.set_ylabel("Loss")
        ax.set_title("Loss")
        values = [v for k in curves if k.endswith("_loss") for v in curves[k][1]]
        # Losses that span decades (cross-entropy from 2 to 0.01) are unreadable on a linear axis.
        if values and min(values) > 0 and max(values) / min(values) > 50:
            ax.set_yscale("log")
    else:
        ax.set_ylabel("Accuracy (%)")
        ax.set_title("Accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def plot_training_curves(metrics: Any, ax: Any = None) -> Any:
    """Loss and accuracy per epoch (and the learning rate when logged) from a training log.

    `metrics` is a CSV path (Lightning's CSVLogger ``metrics.csv`` or its log folder, or any table with
    columns such as epoch, train_loss, train_acc, val_loss, val_acc, lr; missing columns are tolerated) or a
    list of dicts with the same keys. Rows that hold different metrics of the same epoch are merged. Accuracy
    logged as a fraction is shown in percent; the best validation accuracy is starred.

    Without `ax`: a new Figure with one panel each for loss, accuracy and learning rate (those present).
    With `ax`: only the accuracy (the loss when no accuracy was logged) is drawn on it. Returns the Figure.
    """
    curves = load_training_metrics(metrics)
    has_loss = any(k.endswith("_loss") for k in curves)
    has_acc = any(k.endswith("_acc") for k in curves)
    lr_keys = [k for k in curves if k.startswith("lr:")]
    acc_values = [v for k in curves if k.endswith("_acc") for v in curves[k][1]]
    scale = 100.0 if acc_values and max(acc_values) <= 1.0 + 1e-9 else 1.0

    if ax is not None:
        if not (has_acc or has_loss):
            raise DataError("metrics: no loss or accuracy column to draw")
        fig, (target,) = new_axes(ax)
        _draw_metric(target, curves, "acc" if has_acc else "loss", scale)
        return fig

    panels = [p for p, present in (("loss", has_loss), ("acc", has_acc), ("lr", bool(lr_keys))) if present]
    fig, axes = new_axes(None, ncols=len(panels), figsize=(4.4 * len(panels) + 0.4, 3.8))
    for panel, axis in zip(panels, axes, strict=True):
        if panel == "lr":
            for i, key in enumerate(lr_keys):
                epochs, values = curves[key]
                axis.plot(epochs, values, drawstyle="steps-post", color=f"C{i + 2}", lw=1.6, label=key[3:])
            lr_values = [v for k in lr_keys for v in curves[k][1]]
            if min(lr_values) > 0 and max(lr_values) / min(lr_values) > 5:
                axis.set_yscale("log")
            _epoch_axis(axis)
            axis.set_ylabel("Learning rate")
            axis.set_title("Learning rate")
            axis.grid(True, alpha=0.3)
            if len(lr_keys) > 1:
                axis.legend(fontsize="small")
        else:
            _draw_metric(axis, curves, panel, scale)
    return fig
