"""The input checks of the NumPy signal analyses (`envelope`, `kurtogram`): a finite 1-D record, a positive
number; ValueError naming what is wrong."""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["TINY", "as_signal", "positive"]

#: the floor that keeps a ratio of powers finite where the denominator is 0
TINY = 1e-300


def as_signal(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 16:
        raise ValueError(f"x must be a 1-D signal of at least 16 samples, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x contains {int(np.sum(~np.isfinite(x)))} NaN or inf values")
    return x


def positive(name: str, v: float) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    return float(v)
