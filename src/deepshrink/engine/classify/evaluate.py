"""Accuracy under noise: a trained classifier on the same noisy test windows at every noise kind and SNR.

Every window gets noise from its own seed, mixed from (eval seed, noise kind, SNR, window index), so every
model evaluated with the same seed sees exactly the same noisy windows whatever the batch size. Scores come
from `deepshrink.tasks.metrics` (torchmetrics), the definitions the training logs use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.choices import EVAL_SEED
from deepshrink.data.readers.noise_recordings import check_recorded, recorded_noise
from deepshrink.data.sets.specs import load_recordings
from deepshrink.data.split.windows import check_coverage, make_windows, seen_windows
from deepshrink.engine.classify.inference import infer
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.artifacts import CONFIG_FILE, check_run_kind, load_model
from deepshrink.engine.core.config import SCENARIO_OPTIONS, TEST_SCENARIO_KEYS, TrainConfig, load_config
from deepshrink.engine.core.options import replace
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.noise import NoiseBank, add_window_noise
from deepshrink.functional.seeding import mix_seed
from deepshrink.layers import has_shrinkage
from deepshrink.plots import plot_accuracy_vs_snr, plot_thresholds_vs_snr, save_figure
from deepshrink.tasks.metrics import score_logits

__all__ = [
    "EVAL_CSV",
    "EVAL_JSON",
    "TEST_SCENARIO_KEYS",
    "evaluate_run",
    "evaluate_snr_grid",
    "evaluate_windows",
    "noisy_windows",
    "records_to_csv",
    "write_evaluation",
]

EVAL_JSON = "eval.json"
EVAL_CSV = "eval.csv"
EVALUATE_DIR = "evaluate"  # where `deepshrink evaluate` writes, beside the training-time evaluation


def evaluate_windows(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    num_classes: int,
    normalize: str = "none",
    batch_size: int = 1024,
    thresholds: bool = False,
) -> dict[str, Any]:
    """Accuracy (percent), macro F1, mean cross-entropy, confusion matrix (rows = true) and n of `model` on
    x, y (used as given: add noise before). `thresholds=True` adds the mean learned threshold per shrinkage
    module. The model is put in eval mode."""
    result = infer(model, x, normalize=normalize, batch_size=batch_size, thresholds=thresholds)
    out = score_logits(result.logits, y, num_classes)
    if thresholds:
        out["thresholds"] = {k: float(v.sum()) / len(x) for k, v in result.thresholds.items()}
    return out


def noisy_windows(x: Tensor, *, kind: str, snr_db: float, seed: int, bank: NoiseBank | None = None) -> Tensor:
    """`x` with the evaluation noise of (seed, kind, SNR): one seed per window, batch-independent. `bank`:
    the recordings of recorded noise (`recorded_noise(kind, windows, "test")`)."""
    eval_seed = mix_seed("eval", int(seed), kind, float(snr_db))
    return add_window_noise(x, float(snr_db), kind, seed=eval_seed, bank=bank)


def _split_xy(dataset: Any) -> tuple[Tensor, Tensor]:
    split = getattr(dataset, "test", dataset)
    if isinstance(split, (tuple, list)) and len(split) == 2:
        x, y = split
    else:
        x, y = split.x, split.y
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if x.ndim not in (3, 4) or y.ndim != 1 or len(x) != len(y):
        raise ConfigError(
            f"evaluation data: expected x (N, C, L) or images (N, C, H, W) and y (N,), got {tuple(x.shape)}, "
            f"{tuple(y.shape)}"
        )
    if len(x) == 0:
        raise DataError("evaluation data: no test windows")
    if not bool(torch.isfinite(x).all()):
        raise DataError("evaluation data: NaN/inf values in the test windows")
    return x, y


def evaluate_snr_grid(
    model: nn.Module,
    dataset: Any,
    *,
    noise_kinds: Sequence[str] = ("gaussian",),
    snrs: Sequence[float] = tuple(range(-5, 6)),
    seed: int = 0,
    batch_size: int = 1024,
    normalize: str = "none",
    num_classes: int | None = None,
    clean: bool = True,
    thresholds: bool = False,
) -> list[dict[str, Any]]:
    """Accuracy of `model` on the test windows of `dataset` at every (noise kind, SNR).

    dataset: a `WindowSplits` (its `.test` is used), a `WindowSet`, or an (x, y) pair.
    Returns one record per (kind, SNR): {noise, snr_db, accuracy (percent), macro_f1, loss, n, confusion};
    `clean=True` adds the clean record {noise: "none", snr_db: None}. `thresholds=True` adds, for DRSN models,
    "thresholds": {shrinkage module: mean threshold over the windows}.
    """
    x, y = _split_xy(dataset)
    if num_classes is None:
        num_classes = int(getattr(model, "num_classes", int(y.max()) + 1))
    if int(y.max()) >= num_classes:
        raise ConfigError(f"evaluation data has label {int(y.max())} but the model has {num_classes} classes")
    grid: list[tuple[str, float | None]] = [("none", None)] if clean else []
    grid += [(kind, float(s)) for kind in noise_kinds if kind != "none" for s in snrs]
    banks = {kind: recorded_noise(kind, dataset, "test") for kind in noise_kinds}
    records = []
    for kind, snr in grid:
        noisy = x if snr is None else noisy_windows(x, kind=kind, snr_db=snr, seed=seed, bank=banks[kind])
        rec = {"noise": kind, "snr_db": snr}
        rec.update(
            evaluate_windows(
                model,
                noisy,
                y,
                num_classes=num_classes,
                normalize=normalize,
                batch_size=batch_size,
                thresholds=thresholds,
            )
        )
        records.append(rec)
    return records


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


def _test_windows(run_dir: Path, meta: dict[str, Any], data: str | None, scenario: dict[str, Any]):
    """The run's own test windows (rebuilt from its config.yaml, optionally under other scenario options),
    or the test split of another data spec."""
    config = run_dir / CONFIG_FILE
    if scenario:
        unknown = sorted(set(scenario) - set(TEST_SCENARIO_KEYS))
        if unknown:
            raise ConfigError(f"{unknown[0]}: not a test-scenario option ({', '.join(TEST_SCENARIO_KEYS)})")
        if data is not None:
            raise ConfigError("give either data or scenario options, not both", key="data")
        if not config.is_file():
            raise ConfigError(
                f"{run_dir}: no {CONFIG_FILE}, so its training windows are unknown", key="scenario"
            )
        trained = load_config(config, TrainConfig)
        changes = dict(scenario)
        if changes.get("scenario", trained.scenario) != trained.scenario:
            # the run's options of its own scenario say what it trained on; the new one does not read them
            changes.update({k: None for k in SCENARIO_OPTIONS if k not in scenario})
        cfg = replace(trained, **changes)
        ds = build_dataset(cfg, check=False)
        seen = seen_windows(ds, build_dataset(trained, check=False))
        if seen:
            name, n = max(seen.items(), key=lambda kv: kv[1])
            raise DataError(
                f"{run_dir}: {sum(seen.values())} of these test windows overlap windows the run trained or "
                f"validated on ({n} in recording {name}{', ...' if len(seen) > 1 else ''}); choose test "
                "conditions, groups or data it never saw"
            )
        check_coverage(ds, splits=("test",))
        return ds
    if data is None and config.is_file():
        return build_dataset(load_config(config, TrainConfig), check=False)
    d = meta.get("data") or {}
    spec = data or d.get("spec")
    if not spec:
        raise ConfigError(f"{meta['_path']}: no data spec stored; pass --data", key="data")
    recordings = load_recordings(spec, **((d.get("kwargs") or {}) if data is None else {}))
    return make_windows(
        recordings,
        window=int(meta["window"]),
        stride=d.get("stride"),
        eval_stride=d.get("eval_stride"),
        split=tuple(d.get("split", (0.7, 0.15, 0.15))),
        classes=list(meta["classes"]),
        random_state=int(d.get("random_state", 0)),
    )


def evaluate_run(
    run: str | Path,
    *,
    data: str | None = None,
    noise_kinds: Sequence[str] = ("gaussian",),
    snrs: Sequence[float] = tuple(range(-5, 6)),
    seed: int = EVAL_SEED,
    batch_size: int = 1024,
    save: bool = True,
    scenario: dict[str, Any] | None = None,
    out: str | Path | None = None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Evaluate a finished run on its test windows (or the test split of `data`); returns (records, the
    files written: eval.json, eval.csv and the figures). The test windows are rebuilt from the run's saved
    config, so they are the windows the run never trained on. `scenario`: other test-side options
    (TEST_SCENARIO_KEYS, e.g. {"test_conditions": ["3HP"]}); test windows that share a sample with the
    run's training or validation windows are refused. The files go to `out` (default RUN/evaluate/), so
    the evaluation written when the run trained (RUN/eval.json) is kept."""
    check_recorded(noise_kinds)
    model, meta = load_model(run)
    check_run_kind(meta, "classification")
    run_dir = Path(meta["_path"]).parent
    ds = _test_windows(run_dir, meta, data, scenario or {})
    check_recorded(noise_kinds, ds)
    if list(ds.classes) != list(meta["classes"]):
        raise DataError(
            f"{spec_of(meta, data)}: classes {ds.classes} differ from the run's {meta['classes']}"
        )
    records = evaluate_snr_grid(
        model,
        ds,
        noise_kinds=noise_kinds,
        snrs=snrs,
        seed=seed,
        batch_size=batch_size,
        normalize=meta.get("normalize", "none"),
        num_classes=len(meta["classes"]),
        thresholds=has_shrinkage(model),
    )
    for r in records:
        r["model"] = meta["model"]
    written: list[Path] = []
    if save:
        dest = Path(out) if out is not None else run_dir / EVALUATE_DIR
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DataError(
                f"{dest}: cannot write the evaluation ({err.strerror or err})", key="out"
            ) from None
        extra = {"scenario": ds.split_info} if scenario else {}  # the split it was tested on
        written = write_evaluation(
            dest,
            run=run_dir,
            seed=seed,
            classes=meta["classes"],
            records=records,
            model=meta["model"],
            **extra,
        )
    return records, written


def write_evaluation(
    dest: Path,
    *,
    run: Path,
    seed: int,
    classes: Sequence[str],
    records: list[dict[str, Any]],
    model: str,
    figures: bool = True,
    **extra: Any,
) -> list[Path]:
    """eval.json, eval.csv (and the figures) of an evaluation, atomically: what `train` writes into its run
    and `evaluate` beside it, in one layout."""
    payload = {"run": str(run), "seed": seed, "classes": list(classes), "records": records, **extra}
    written = [
        atomic_write_json(dest / EVAL_JSON, payload),
        atomic_write_text(dest / EVAL_CSV, records_to_csv(records, model=model)),
    ]
    return written + (save_eval_figures(dest, records, title=model) if figures else [])


def spec_of(meta: dict[str, Any], data: str | None) -> str:
    """The data spec a run was (or is being) evaluated on."""
    return data or (meta.get("data") or {}).get("spec") or meta.get("_path", "run")


def save_eval_figures(run_dir: Path, records: list[dict[str, Any]], *, title: str) -> list[Path]:
    """accuracy_vs_snr.png and (DRSN) thresholds_vs_snr.png of evaluation records; returns what it wrote."""
    written = []
    noisy = [r for r in records if r["noise"] != "none"]
    if noisy:
        fig = plot_accuracy_vs_snr(noisy)
        fig.axes[0].set_title(f"{title}: test accuracy vs input SNR")
        written.append(save_figure(fig, run_dir / "accuracy_vs_snr.png"))
    with_t = [r for r in noisy if r.get("thresholds")]
    if with_t:
        kind = with_t[0]["noise"]
        sel = sorted((r for r in with_t if r["noise"] == kind), key=lambda r: r["snr_db"])
        snr = np.array([r["snr_db"] for r in sel])
        blocks = {k: np.array([r["thresholds"][k] for r in sel]) for k in sel[0]["thresholds"]}
        fig = plot_thresholds_vs_snr(snr, blocks, normalize=True)
        fig.axes[0].set_title(f"{title}: learned threshold per unit vs input SNR ({kind} noise)")
        written.append(save_figure(fig, run_dir / "thresholds_vs_snr.png"))
    return written
