"""Training, evaluation, prediction and export of deepshrink models.

`fit` is the one place a Lightning Trainer runs; `train` (classifiers) and `train_dae_run` /
`train_denoiser` (autoencoders) build a task from a config and call it. Names are imported lazily:
`load_model`, `predict_files` and `evaluate_*` do not import Lightning, which alone takes about 5 s of the
8 s an import of `lightning` costs on a 2-core machine (measured: `import deepshrink.engine.core.artifacts`
2.9 s with torch, `import lightning` 7.9 s), so using a trained model stays quick.
"""

from __future__ import annotations

from deepshrink.lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": "core.config",
    "DenoiseConfig": "core.config",
    "RunOptions": "core.config",
    "load_config": "core.config",
    "save_config": "core.config",
    "parse_config": "core.config",
    "load_model": "core.artifacts",
    "save_model": "core.artifacts",
    "read_meta": "core.artifacts",
    "fit": "core.fit",
    "FitResult": "core.fit",
    "train": "classify.training",
    "TrainResult": "classify.training",
    "build_dataset": "classify.windowing",
    "evaluate_windows": "classify.evaluate",
    "evaluate_snr_grid": "classify.evaluate",
    "evaluate_run": "classify.evaluate",
    "predict_files": "classify.predict",
    "export_onnx": "classify.export",
    "train_denoiser": "denoise.training",
    "evaluate_denoiser": "denoise.training",
    "train_dae_run": "denoise.training",
    "pretrain_greedy": "denoise.pretraining",
    "finetune_classifier": "denoise.pretraining",
    "pretraining_experiment": "denoise.pretraining",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
