"""Accuracy under noise: a trained classifier on the same noisy test windows at every noise kind and SNR.

Every window gets noise from its own seed, mixed from (eval seed, noise kind, SNR, window index), so every
model evaluated with the same seed sees exactly the same noisy windows whatever the batch size.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepshrink.engine._noise import apply_noise, mix_seed, normalize_windows, window_seeds
from deepshrink.errors import ConfigError, DataError

EVAL_JSON = "eval.json"
EVAL_CSV = "eval.csv"


def _macro_f1(cm: np.ndarray) -> float:
    tp = np.diag(cm).astype(float)
    support, predicted = cm.sum(1), cm.sum(0)
    present = (support + predicted) > 0  # classes absent from both truth and predictions do not count
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return float(f1[present].mean()) if present.any() else 0.0


@torch.inference_mode()
def _predict_logits(model: nn.Module, x: Tensor, *, normalize: str, batch_size: int) -> Tensor:
    out = [model(normalize_windows(x[i : i + batch_size], normalize)) for i in range(0, len(x), batch_size)]
    return torch.cat(out) if out else torch.empty(0, 0)


def evaluate_windows(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    num_classes: int,
    normalize: str = "none",
    batch_size: int = 1024,
) -> dict[str, Any]:
    """Accuracy (percent), macro F1, mean cross-entropy and confusion matrix (rows = true) of `model` on x, y.

    `x` is used as given (add noise before calling). The model is put in eval mode.
    """
    model.eval()
    device = next(model.parameters()).device
    logits = _predict_logits(model, x.to(device), normalize=normalize, batch_size=batch_size).float().cpu()
    if not bool(torch.isfinite(logits).all()):
        raise DataError("the model produced NaN/inf outputs on the evaluation windows")
    pred = logits.argmax(1)
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y.numpy(), pred.numpy()), 1)
    return {
        "accuracy": float(100.0 * np.trace(cm) / len(y)) if len(y) else math.nan,
        "macro_f1": _macro_f1(cm),
        "loss": float(F.cross_entropy(logits, y)) if len(y) else math.nan,
        "confusion": cm.tolist(),
        "n": len(y),
    }


def _split_xy(dataset: Any) -> tuple[Tensor, Tensor]:
    split = getattr(dataset, "test", dataset)
    if isinstance(split, (tuple, list)) and len(split) == 2:
        x, y = split
    else:
        x, y = split.x, split.y
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise ConfigError(
            f"evaluation data: expected x (N, C, L) and y (N,), got {tuple(x.shape)}, {tuple(y.shape)}"
        )
    if len(x) == 0:
        raise DataError("evaluation data: no test windows")
    if not bool(torch.isfinite(x).all()):
        raise DataError("evaluation data: NaN/inf values in the test windows")
    return x, y


def noisy_windows(x: Tensor, *, kind: str, snr_db: float, seed: int, chunk: int = 8192) -> Tensor:
    """`x` with noise from one seed per window (window index, kind, SNR, seed): batch-independent."""
    if kind == "none":
        return x
    seeds = window_seeds(mix_seed("eval", int(seed), kind, float(snr_db)), torch.arange(len(x)))
    return torch.cat(
        [
            apply_noise(x[i : i + chunk], kind=kind, snr=float(snr_db), seeds=seeds[i : i + chunk])
            for i in range(0, len(x), chunk)
        ]
    )


def evaluate_snr_grid(
    model: nn.Module,
    dataset: Any,
    *,
    noise_kinds: list[str] | tuple[str, ...] = ("gaussian",),
    snrs: list[float] | tuple[float, ...] = tuple(range(-5, 6)),
    seed: int = 0,
    batch_size: int = 1024,
    normalize: str = "none",
    num_classes: int | None = None,
    clean: bool = True,
    thresholds: bool = False,
) -> list[dict[str, Any]]:
    """Accuracy of `model` on the test windows of `dataset` at every (noise kind, SNR).

    dataset: a `SignalDataset` (its `.test` is used), a `WindowSet`, or an (x, y) pair.
    Returns one record per (kind, SNR): {noise, snr_db, accuracy (percent), macro_f1, loss, n, confusion};
    `clean=True` adds the clean record {noise: "none", snr_db: None}. `thresholds=True` adds, for DRSN models,
    "thresholds": {shrinkage block: mean threshold over the windows}.
    """
    x, y = _split_xy(dataset)
    if num_classes is None:
        num_classes = int(getattr(model, "num_classes", int(y.max()) + 1))
    if int(y.max()) >= num_classes:
        raise ConfigError(f"evaluation data has label {int(y.max())} but the model has {num_classes} classes")
    grid: list[tuple[str, float | None]] = [("none", None)] if clean else []
    for kind in noise_kinds:
        if kind == "none":
            continue
        grid.extend((kind, float(s)) for s in snrs)
    records = []
    for kind, snr in grid:
        noisy = x if kind == "none" else noisy_windows(x, kind=kind, snr_db=snr, seed=seed)
        rec = {"noise": kind, "snr_db": snr}
        if thresholds:
            rec.update(_with_thresholds(model, noisy, y, num_classes, normalize, batch_size))
        else:
            rec.update(
                evaluate_windows(
                    model, noisy, y, num_classes=num_classes, normalize=normalize, batch_size=batch_size
                )
            )
        records.append(rec)
    return records


def _with_thresholds(model, x, y, num_classes, normalize, batch_size) -> dict[str, Any]:
    # Threshold statistics need a pass per batch with the Shrinkage modules' `last_threshold` read after it.
    from deepshrink.layers import collect_thresholds

    sums: dict[str, float] = {}
    res = None
    for i in range(0, len(x), batch_size):
        part = evaluate_windows(
            model,
            x[i : i + batch_size],
            y[i : i + batch_size],
            num_classes=num_classes,
            normalize=normalize,
            batch_size=batch_size,
        )
        for name, t in collect_thresholds(model).items():
            sums[name] = sums.get(name, 0.0) + float(t.sum())
        res = part if res is None else _merge(res, part)
    assert res is not None
    res["thresholds"] = {k: v / len(x) for k, v in sums.items()}
    return res


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    n = a["n"] + b["n"]
    cm = np.asarray(a["confusion"]) + np.asarray(b["confusion"])
    return {
        "accuracy": float(100.0 * np.trace(cm) / n),
        "macro_f1": _macro_f1(cm),
        "loss": (a["loss"] * a["n"] + b["loss"] * b["n"]) / n,
        "confusion": cm.tolist(),
        "n": n,
    }


def records_to_csv(records: list[dict[str, Any]], *, model: str = "") -> str:
    """CSV text with one row per record: model, noise, snr_db, accuracy, macro_f1, loss, n."""
    buf = io.StringIO()
    cols = ["model", "noise", "snr_db", "accuracy", "macro_f1", "loss", "n"]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in records:
        w.writerow(
            {**r, "model": r.get("model", model), "snr_db": "" if r["snr_db"] is None else r["snr_db"]}
        )
    return buf.getvalue()


def evaluate_run(
    run: str | Path,
    *,
    data: str | None = None,
    noise_kinds: list[str] | tuple[str, ...] = ("gaussian",),
    snrs: list[float] | tuple[float, ...] = tuple(range(-5, 6)),
    seed: int = 0,
    batch_size: int = 1024,
    save: bool = True,
) -> list[dict[str, Any]]:
    """Evaluate a finished run on its test windows (or the test split of `data`) and save eval.json/.csv/PNG.

    The test windows are rebuilt from the data spec, window and split stored in model.json, so they are the
    windows the run never trained on.
    """
    from deepshrink.data import load_recordings, make_windows
    from deepshrink.engine.artifacts import atomic_write_json, atomic_write_text, load_model

    model, meta = load_model(run)
    run_dir = Path(meta["_path"]).parent
    d = meta.get("data") or {}
    spec = data or d.get("spec")
    if not spec:
        raise ConfigError(f"{meta['_path']}: no data spec stored; pass --data")
    kwargs = (d.get("kwargs") or {}) if data is None else {}
    recordings = load_recordings(spec, **kwargs)
    ds = make_windows(
        recordings,
        window=int(meta["window"]),
        stride=d.get("stride"),
        eval_stride=d.get("eval_stride"),
        split=tuple(d.get("split", (0.7, 0.15, 0.15))),
        split_by=d.get("split_by", "time"),
        classes=list(meta["classes"]),
        random_state=int(d.get("random_state", 0)),
    )
    has_shrinkage = any(type(m).__name__ == "Shrinkage" for m in model.modules())
    records = evaluate_snr_grid(
        model,
        ds,
        noise_kinds=noise_kinds,
        snrs=snrs,
        seed=seed,
        batch_size=batch_size,
        normalize=meta.get("normalize", "none"),
        num_classes=len(meta["classes"]),
        thresholds=has_shrinkage,
    )
    for r in records:
        r["model"] = meta["model"]
    if save:
        atomic_write_json(
            run_dir / EVAL_JSON,
            {"run": str(run_dir), "seed": seed, "classes": meta["classes"], "records": records},
        )
        atomic_write_text(run_dir / EVAL_CSV, records_to_csv(records, model=meta["model"]))
        _save_eval_plots(run_dir, records)
    return records


def _save_eval_plots(run_dir: Path, records: list[dict[str, Any]]) -> None:
    # A missing or failing plots module must not lose the evaluation numbers (already saved).
    try:
        from deepshrink.plots import plot_accuracy_vs_snr, plot_thresholds_vs_snr, save_figure
    except ImportError:
        return
    noisy = [r for r in records if r["noise"] != "none"]
    try:
        if noisy:
            save_figure(plot_accuracy_vs_snr(noisy), run_dir / "accuracy_vs_snr.png")
        with_t = [r for r in noisy if r.get("thresholds")]
        if with_t:
            kind = with_t[0]["noise"]
            sel = [r for r in with_t if r["noise"] == kind]
            snr = np.array([r["snr_db"] for r in sel])
            blocks = {k: np.array([r["thresholds"][k] for r in sel]) for k in sel[0]["thresholds"]}
            save_figure(plot_thresholds_vs_snr(snr, blocks), run_dir / "thresholds_vs_snr.png")
    except Exception as err:
        import warnings

        warnings.warn(f"could not save the evaluation plots: {err}", stacklevel=2)
