"""The choices of the options, declared once and light to import (no torch): the config, the command line
and its `--help` read them from here, and the modules that implement each choice re-export them. Why a
module of its own: `deepshrink train --help` must not wait for torch and Lightning to import."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CORRUPTIONS",
    "CORRUPTION_MODES",
    "DAE_CORRUPTION_MODE",
    "DAE_LR",
    "EVAL_SEED",
    "NOISE_KINDS",
    "NORMALIZE_MODES",
    "SCENARIOS",
    "SCHEDULES",
    "CorruptionKind",
    "CorruptionMode",
    "NoiseKind",
    "Normalize",
    "RecipeName",
    "Scenario",
    "Schedule",
]

#: additive noise kinds (functional/noise.py)
NoiseKind = Literal["gaussian", "laplacian", "uniform", "pink", "brown", "blue", "colored"]
NOISE_KINDS: tuple[str, ...] = get_args(NoiseKind)
#: DAE corruptions and how a level is applied (functional/corruption.py)
CorruptionKind = Literal["gaussian", "salt_pepper", "masking", "none"]
CORRUPTIONS: tuple[str, ...] = get_args(CorruptionKind)
CorruptionMode = Literal["exact", "per_entry"]
CORRUPTION_MODES: tuple[str, ...] = get_args(CorruptionMode)
#: per-window normalisations (functional/normalize.py)
Normalize = Literal["none", "zscore", "minmax"]
NORMALIZE_MODES: tuple[str, ...] = get_args(Normalize)
#: optimisation recipes and learning-rate schedules (tasks/recipes.py)
RecipeName = Literal["adamw", "paper"]
Schedule = Literal["cosine", "onecycle", "constant"]
SCHEDULES: tuple[str, ...] = get_args(Schedule)
#: evaluation scenarios (data/scenarios.py, docs/evaluation.md)
Scenario = Literal["within", "cross-condition", "cross-group", "cross-dataset"]
SCENARIOS: tuple[str, ...] = get_args(Scenario)

# Defaults that the config declares (engine/config.py) and that layers below it, which cannot import the
# config, use too: each value is written here once.
#: seed of the evaluation noise: every model of a comparison sees the same noisy test windows
EVAL_SEED = 1234
#: peak learning rate of autoencoder training (`dae train`, the monitor's DAE, the Python API and estimator)
DAE_LR = 2e-3
#: how an autoencoder's training corruption hits entries: each with probability level (the classic DAE
#: draw). The pure ops of functional/corruption.py default to "exact" counts, which their tests measure.
DAE_CORRUPTION_MODE: CorruptionMode = "per_entry"
