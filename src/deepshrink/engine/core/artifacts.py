"""Run directories and the files in them, written atomically and read back safely.

A run directory holds:

    config.yaml              the resolved config (`deepshrink train --config RUN/config.yaml` reproduces it)
    metrics.csv              per epoch: epoch, the task's losses and scores, lr, time
                             (accuracies as fractions in [0, 1]; model.json and eval.* use percent)
    checkpoints/last.ckpt    Lightning checkpoint after the last finished epoch (for --resume)
    checkpoints/best.ckpt    Lightning checkpoint with the best validation score
    model.safetensors        final weights (tensors only: nothing is unpickled when loading them)
    model.json               how to rebuild the model: registry name, kwargs, classes, sample rate, window

`load_model` rebuilds a model from model.safetensors + model.json only; it never calls `torch.load`, so a
shared run directory cannot execute code on the machine that loads it.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from deepshrink.atomic import atomic_write, atomic_write_json, atomic_write_text
from deepshrink.engine.core.config import RunOptions
from deepshrink.engine.core.options import check_resume, save_config
from deepshrink.errors import ConfigError, DataError
from deepshrink.models import create_model

__all__ = [
    "CHECKPOINT_DIR",
    "CONFIG_FILE",
    "METRICS_FILE",
    "MODEL_META",
    "MODEL_WEIGHTS",
    "MONITOR_ADVICE",
    "TRAIN_ADVICE",
    "atomic_write",
    "atomic_write_json",
    "atomic_write_text",
    "check_run",
    "check_run_dir",
    "check_run_kind",
    "load_model",
    "prepare_run_dir",
    "read_meta",
    "resolve_run",
    "save_model",
    "start_run",
]

MODEL_WEIGHTS = "model.safetensors"
MODEL_META = "model.json"
CONFIG_FILE = "config.yaml"
METRICS_FILE = "metrics.csv"
CHECKPOINT_DIR = "checkpoints"
FORMAT_VERSION = 1
# what to do with a directory that already holds a run, for commands that can resume one (train); a
# command without --resume passes its own `advice` (monitor: MONITOR_ADVICE), so no line offers a flag the
# command does not have
TRAIN_ADVICE = "resume it (--resume), replace it (--overwrite) or choose another out"
MONITOR_ADVICE = (
    "replace it (--overwrite), stream new files into it (--run DIR FILES) or choose another --out"
)


# --- run directories ----------------------------------------------------------------------------------


def check_run_dir(
    out: str | os.PathLike, *, resume: bool = False, overwrite: bool = False, advice: str | None = None
) -> Path:
    """The checks of `prepare_run_dir`, writing nothing: a run can fail them before its data is loaded.

    advice: what the error for a directory that already holds a run tells the user to do, in the caller's
    own flags (default TRAIN_ADVICE; `deepshrink monitor` has no --resume: MONITOR_ADVICE).
    """
    run = Path(out)
    if run.exists() and not run.is_dir():
        raise ConfigError(f"{run}: exists and is not a directory", key="out")
    last = run / CHECKPOINT_DIR / "last.ckpt"
    if resume:
        if not last.is_file():
            raise DataError(f"{last}: no checkpoint to resume from (train without --resume first)")
        if not zipfile.is_zipfile(last):  # torch.save writes a zip archive; a truncated one fails this
            raise DataError(
                f"{last}: corrupt checkpoint (truncated or not a PyTorch checkpoint); cannot resume"
            )
    elif (run / CONFIG_FILE).exists() and not overwrite:
        raise ConfigError(f"{run}: already holds a run; {advice or TRAIN_ADVICE}", key="out")
    return run


def prepare_run_dir(
    out: str | os.PathLike, *, resume: bool = False, overwrite: bool = False, advice: str | None = None
) -> Path:
    """Create (or check, when resuming) a run directory.

    A directory that already holds a run is refused unless `resume` (continue it) or `overwrite` (start
    again; its old files are replaced as the new run writes them); `advice` as in `check_run_dir`.
    """
    run = check_run_dir(out, resume=resume, overwrite=overwrite, advice=advice)
    if resume:
        return run
    try:
        (run / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{run}: cannot write the run directory ({err.strerror or err})", key="out") from None
    if overwrite:
        stale = ("last.ckpt", "best.ckpt")
        for path in (*(run / CHECKPOINT_DIR / n for n in stale), run / MODEL_WEIGHTS, run / MODEL_META):
            path.unlink(missing_ok=True)
    return run


def check_run(cfg: RunOptions, *, resume: bool, overwrite: bool) -> Path | None:
    """Everything `start_run` will refuse, writing nothing (None: an in-memory run): what a task checks
    before it loads its data. On resume, also the options against the saved config.yaml."""
    if cfg.out is None:
        return None
    run = check_run_dir(cfg.out, resume=resume, overwrite=overwrite)
    if resume:
        check_resume(cfg, run / CONFIG_FILE)
    return run


def start_run(cfg: RunOptions, *, resume: bool, overwrite: bool) -> Path | None:
    """The first step of every run directory, classifier and autoencoder alike (None: an in-memory run).

    On resume the saved config.yaml must match `cfg` except the options that may change (`check_resume`) and a
    checkpoint must be there; otherwise a directory that holds a run is refused unless `overwrite`. Then `cfg`
    is saved as config.yaml. The life cycle goes on in `fit` (checkpoints, metrics.csv, the model files) and
    ends with the task's evaluation (eval.json).
    """
    run = check_run(cfg, resume=resume, overwrite=overwrite)
    if run is None:
        return None
    prepare_run_dir(run, resume=resume, overwrite=overwrite)
    save_config(cfg, run / CONFIG_FILE)
    return run


def resolve_run(path: str | os.PathLike) -> tuple[Path, Path]:
    """(run directory, model.json path) from a run directory or a model.json path."""
    p = Path(path)
    if p.is_dir():
        meta = p / MODEL_META
    elif p.suffix == ".json" or p.name == MODEL_META:
        meta = p
    elif not p.exists():
        raise DataError(f"{p}: run directory not found")
    else:
        raise DataError(f"{p}: expected a run directory or its {MODEL_META}")
    if not meta.is_file():
        raise DataError(
            f"{meta}: missing (the run has not finished training, or this is not a run directory)"
        )
    return meta.parent, meta


# --- model weights + metadata -------------------------------------------------------------------------


def save_model(run_dir: str | os.PathLike, model: Any, meta: dict[str, Any]) -> tuple[Path, Path]:
    """Write `model.safetensors` (the state dict) and `model.json` (`meta` + format info), atomically.

    `meta` must hold at least "model" (registry name) and "model_kwargs" (arguments of `create_model`).
    """
    for key in ("model", "model_kwargs"):
        if key not in meta:
            raise ConfigError(f"save_model: meta lacks {key!r}")
    run = Path(run_dir)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise DataError(f"{run / MODEL_WEIGHTS}: weight {name} has NaN/inf values; refusing to save")
    weights = atomic_write(run / MODEL_WEIGHTS, lambda tmp: save_file(state, tmp, metadata={"format": "pt"}))
    full = {"format_version": FORMAT_VERSION, **meta, "weights": MODEL_WEIGHTS}
    meta_path = atomic_write_json(run / MODEL_META, full)
    return weights, meta_path


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check `model.json` (DataError naming the file when missing or corrupt)."""
    _, meta_path = resolve_run(path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"{meta_path}: corrupt model metadata ({type(err).__name__}: {err})") from None
    if not isinstance(meta, dict):
        raise DataError(f"{meta_path}: corrupt model metadata (expected a JSON object)")
    for key, kind in (("model", str), ("model_kwargs", dict)):
        if not isinstance(meta.get(key), kind):
            raise DataError(f"{meta_path}: corrupt model metadata (missing or bad {key!r})")
    meta["_path"] = str(meta_path)
    return meta


def load_model(path: str | os.PathLike, *, device: str = "cpu") -> tuple[Any, dict[str, Any]]:
    """Rebuild a trained model from a run directory (or its model.json) without the training code.

    Uses only model.json (registry name + kwargs) and model.safetensors (tensors): nothing is unpickled.
    Returns `(model in eval mode, meta dict)`. Missing or corrupt files raise `DataError` naming the file.
    """
    meta = read_meta(path)
    meta_path = Path(meta["_path"])
    weights = meta_path.parent / str(meta.get("weights", MODEL_WEIGHTS))
    if not weights.is_file():
        raise DataError(f"{weights}: missing model weights")
    try:
        state = load_file(str(weights), device=device)
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise DataError(f"{weights}: corrupt model weights ({err})") from None
    try:
        model = create_model(meta["model"], **meta["model_kwargs"])
    except ConfigError as err:
        raise DataError(f"{meta_path}: cannot rebuild the model ({err})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else first[0]
        raise DataError(f"{weights}: weights do not match model {meta['model']!r} ({detail})") from None
    return model.to(device).eval(), meta


RUN_KINDS = {
    "classification": "a classifier run",
    "autoencoder": "an autoencoder run",
    "monitor": "a condition-monitoring run",
}
_COMMANDS = {
    "classification": "deepshrink predict / evaluate / export",
    "autoencoder": "deepshrink dae denoise / dae score",
    "monitor": "deepshrink monitor --run",
}


def check_run_kind(meta: dict[str, Any], expected: str) -> None:
    """DataError saying what kind of run `meta` is and which commands fit, unless it is `expected`."""
    task = meta.get("task", "classification")
    if task != expected:
        where = meta.get("_path", MODEL_META)
        what = RUN_KINDS.get(task, f"a {task!r} run")
        raise DataError(
            f"{where}: {what}, not {RUN_KINDS[expected]}; use {_COMMANDS.get(task, 'another command')}"
        )
