"""The health indicators of `deepshrink monitor`, one registration each.

An indicator is a function of a batch of snapshots that returns one value per snapshot (higher = less healthy,
except the level, which is alarmed either way), and a kind that says how its change is read in dB against its
healthy baseline for the machine verdict:
- "amplitude": 20 log10(value / baseline) (RMS, crest factor);
- "power": 10 log10(value / baseline) (the DAE's mean squared error, kurtosis: ratios of powers);
- "level": the value is already dB against the baseline (level_db), read either way;
- "bounded": a score with no dB meaning (the IsolationForest's, in (0, 1)): shown and alarmed on its own,
  left out of the machine verdict.

Adding an indicator: write `def my_indicator(batch: Batch) -> np.ndarray` and `register("name", fn, kind)`;
scores.csv, summary.json, the plot, the verdict and the saved monitor take it from here (a monitor saved
before it existed reports it missing rather than failing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from deepshrink.functional import health

__all__ = ["INDICATORS", "LEVEL", "Batch", "Indicator", "change_db", "register", "scoring_windows"]

Kind = Literal["amplitude", "power", "level", "bounded"]
LEVEL = "level_db"


def scoring_windows(x: np.ndarray, window: int) -> np.ndarray:
    """(C, L) -> (w, C, window), or a batch (n, C, L) -> (n, w, C, window): the fewest evenly spaced windows
    that cover every sample of a snapshot."""
    length = x.shape[-1]
    n = -(-length // window)
    starts = np.linspace(0, length - window, n).round().astype(int) if n > 1 else np.array([0])
    return np.stack([x[..., s : s + window] for s in starts], axis=-3)


@dataclass
class Batch:
    """What every indicator may read: the raw snapshots (n, C, L), the same divided by the reference RMS of
    each snapshot's operating condition, the fitted reference (its DAE, forest, window), and those scales."""

    raw: np.ndarray
    scaled: np.ndarray
    scales: np.ndarray
    ref: Any
    _windows: np.ndarray | None = None

    @property
    def windows(self) -> np.ndarray:
        """The scaled snapshots' covering windows, flat: (n * w, C, window)."""
        if self._windows is None:
            w = scoring_windows(self.scaled, self.ref.window)
            self._windows = w.reshape(-1, *w.shape[2:])
        return self._windows


@dataclass(frozen=True)
class Indicator:
    name: str
    fn: Callable[[Batch], np.ndarray]
    kind: Kind


INDICATORS: dict[str, Indicator] = {}


def register(name: str, fn: Callable[[Batch], np.ndarray], kind: Kind) -> Indicator:
    """Add an indicator (or replace one of that name); it is scored, thresholded and saved from then on."""
    INDICATORS[name] = Indicator(name, fn, kind)
    return INDICATORS[name]


def change_db(kind: Kind, value: np.ndarray | float, baseline: float) -> np.ndarray:
    """How far `value` is from the healthy `baseline`, in dB, by the indicator's kind (NaN for "bounded")."""
    v = np.asarray(value, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "amplitude":
            return 20.0 * np.log10(v / baseline)
        if kind == "power":
            return 10.0 * np.log10(v / baseline)
        if kind == "level":
            return v - baseline
    return np.full(v.shape, np.nan)


def _dae(b: Batch) -> np.ndarray:
    # a fully convolutional DAE (the U-Nets) scores the whole snapshot in one pass: every sample once, where
    # the covering windows overlap (3 x 1,024 for 2,560 samples)
    dae = b.ref.dae
    if not getattr(dae, "input_shape", ()):
        return dae.anomaly_score(torch.from_numpy(b.scaled), batch_size=64).double().numpy()
    err = dae.anomaly_score(torch.from_numpy(b.windows), batch_size=64).double().numpy()
    return err.reshape(len(b.raw), -1).mean(1)


def _iforest(b: Batch) -> np.ndarray:
    return (-b.ref.forest.score_samples(health.window_features(b.windows))).reshape(len(b.raw), -1).mean(1)


def _level(b: Batch) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(health.rms(b.raw) / b.scales, 1e-12))


register("dae", _dae, "power")
register("rms", lambda b: np.asarray(health.rms(b.raw), dtype=np.float64), "amplitude")
register("kurtosis", lambda b: np.asarray(health.kurtosis(b.raw), dtype=np.float64), "power")
register("crest", lambda b: np.asarray(health.crest_factor(b.raw), dtype=np.float64), "amplitude")
register("iforest", _iforest, "bounded")
register(LEVEL, _level, "level")


def _velocity(b: Batch) -> np.ndarray:
    # ISO 20816's quantity, where the input's unit is known (--unit g or m/s2): left out otherwise
    unit, fs = getattr(b.ref, "unit", None), b.ref.sample_rate
    if unit is None or fs is None:
        return np.full(len(b.raw), np.nan)
    return np.asarray(health.velocity_rms(b.raw, fs, unit), dtype=np.float64)


register("velocity_mm_s", _velocity, "amplitude")
