"""Training, evaluation, prediction and export of deepshrink models.

`fit` is the one place a Lightning Trainer runs; `train` (classifiers) and `train_dae_run` /
`train_denoiser` (autoencoders) build a task from a config and call it. Names are imported lazily:
`load_model`, `predict_files` and `evaluate_*` do not import Lightning, which alone takes about 5 s of the
8 s an import of `lightning` costs on the 2-core VM (measured: `import deepshrink.engine.artifacts` 2.9 s
with torch, `import lightning` 7.9 s), so using a trained model stays quick.
"""

from __future__ import annotations

from deepshrink.lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": "config",
    "DenoiseConfig": "config",
    "RunOptions": "config",
    "load_config": "config",
    "save_config": "config",
    "parse_config": "config",
    "load_model": "artifacts",
    "save_model": "artifacts",
    "read_meta": "artifacts",
    "fit": "fit",
    "FitResult": "fit",
    "train": "train_classifier",
    "TrainResult": "train_classifier",
    "build_dataset": "windowing",
    "evaluate_windows": "evaluate",
    "evaluate_snr_grid": "evaluate",
    "evaluate_run": "evaluate",
    "predict_files": "predict",
    "export_onnx": "export",
    "train_denoiser": "dae",
    "evaluate_denoiser": "dae",
    "train_dae_run": "dae",
    "pretrain_greedy": "pretraining",
    "finetune_classifier": "pretraining",
    "pretraining_experiment": "pretraining",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
