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
    "RECORDED",
    "SCENARIOS",
    "SCHEDULES",
    "CorruptionKind",
    "CorruptionMode",
    "NoiseKind",
    "Normalize",
    "RecipeName",
    "Scenario",
    "Schedule",
    "is_recorded",
    "split_recorded",
]

#: additive noise kinds (functional/noise.py)
NoiseKind = Literal["gaussian", "laplacian", "uniform", "pink", "brown", "blue", "colored"]
NOISE_KINDS: tuple[str, ...] = get_args(NoiseKind)
#: recorded noise: "recorded:PATH" names the recordings its segments are cut from
#: (data/readers/noise_recordings.py);
#: the functional ops take the segments' source as a `NoiseBank` and the kind "recorded" (or that spelling)
RECORDED = "recorded"


def is_recorded(kind: object) -> bool:
    """Whether `kind` is recorded noise: "recorded" or "recorded:PATH"."""
    return isinstance(kind, str) and (kind == RECORDED or kind.startswith(RECORDED + ":"))


def split_recorded(kind: str) -> tuple[str, float | None]:
    """(PATH, RATE or None) of "recorded:PATH" or "recorded:PATH@RATE"; ValueError for any other text.
    Text only (the command line checks it before torch is imported); the files are read by
    data/readers/noise_recordings.py."""
    spec = kind[len(RECORDED) + 1 :].strip() if is_recorded(kind) else ""
    if not spec:
        raise ValueError(
            f"{kind!r}: recorded noise names its recordings: recorded:PATH (a file, a folder or a glob "
            "pattern), or recorded:PATH@RATE for files without a sample rate"
        )
    path, at, rate = spec.rpartition("@")
    if not at:
        return spec, None
    try:
        value = float(rate)
    except ValueError:
        return spec, None  # an @ inside a file name, not a rate
    if not (value > 0 and value != float("inf")) or not path:
        raise ValueError(f"{kind!r}: the rate after @ must be a positive number of Hz and follow a path")
    return path, value


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
#: evaluation scenarios (data/split/scenarios.py, docs/evaluation.md)
Scenario = Literal["within", "cross-condition", "cross-group", "cross-dataset"]
SCENARIOS: tuple[str, ...] = get_args(Scenario)

# Defaults that the config declares (engine/core/config.py) and that layers below it, which cannot import the
# config, use too: each value is written here once.
#: seed of the evaluation noise: every model of a comparison sees the same noisy test windows
EVAL_SEED = 1234
#: peak learning rate of autoencoder training (`dae train`, the monitor's DAE, the Python API and estimator)
DAE_LR = 2e-3
#: how an autoencoder's training corruption hits entries: each with probability level (the classic DAE
#: draw). The pure ops of functional/corruption.py default to "exact" counts, which their tests measure.
DAE_CORRUPTION_MODE: CorruptionMode = "per_entry"
