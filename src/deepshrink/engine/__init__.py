"""Training, evaluation, prediction and export of deepshrink models (Lightning-based).

Names are imported lazily: `load_model` and the evaluation helpers do not import Lightning, so using a trained
model stays quick and light.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TrainConfig": "config",
    "load_config": "config",
    "save_config": "config",
    "parse_snr": "config",
    "parse_snr_grid": "config",
    "load_model": "artifacts",
    "save_model": "artifacts",
    "read_meta": "artifacts",
    "AtomicCheckpointIO": "artifacts",
    "configure_optimization": "recipes",
    "param_groups": "recipes",
    "RECIPES": "recipes",
    "SignalDataModule": "datamodule",
    "ClassifierModule": "classify",
    "train": "training",
    "TrainResult": "training",
    "evaluate_windows": "evaluate",
    "evaluate_snr_grid": "evaluate",
    "evaluate_run": "evaluate",
    "predict_files": "predict",
    "export_onnx": "export",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"deepshrink.engine.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'deepshrink.engine' has no attribute {name!r}")
