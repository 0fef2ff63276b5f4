"""Condition monitoring, pure functions: the classical health indicators of a vibration snapshot, thresholds
at a stated false-alarm rate, alarms that need k consecutive exceedances, and the prognostics literature's
indicator metrics (monotonicity, trendability, prognosability; Coble and Hines, PHM 2009, as in MATLAB's
Predictive Maintenance Toolbox).

All inputs are NumPy arrays; nothing here keeps state.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import fft as sp_fft
from scipy import stats

__all__ = [
    "FEATURE_NAMES",
    "alarm_flags",
    "artefact_of",
    "crest_factor",
    "kurtosis",
    "level_db",
    "monotonicity",
    "prognosability",
    "rms",
    "threshold_at_rate",
    "trendability",
    "velocity_rms",
    "window_features",
]

_TINY = 1e-12


def _batch(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(n, C, L) float64 from one snapshot (L,) / (C, L) or a batch (n, C, L); and whether it was one."""
    x = np.asarray(x, dtype=np.float64)
    one = x.ndim <= 2
    return x.reshape(1, -1, x.shape[-1]) if one else x, one


def _out(values: np.ndarray, one: bool) -> float | np.ndarray:
    return float(values[0]) if one else values


def rms(x: np.ndarray) -> float | np.ndarray:
    """Root mean square over all channels and samples of a snapshot (channels, samples); of each snapshot
    of a batch (n, channels, samples) as an (n,) array (the classical indicators all take either)."""
    b, one = _batch(x)
    return _out(np.sqrt(np.mean(b**2, axis=(1, 2))), one)


def kurtosis(x: np.ndarray) -> float | np.ndarray:
    """Kurtosis (Pearson's: 3 for Gaussian noise) of the most impulsive channel: a local defect shows on
    the channel nearest to it first."""
    b, one = _batch(x)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant channel: NaN, taken as 0 below
        k = stats.kurtosis(b, axis=2, fisher=False, bias=True)
    return _out(np.max(np.nan_to_num(k, nan=0.0), axis=1), one)


def crest_factor(x: np.ndarray) -> float | np.ndarray:
    """Peak over RMS of the channel where it is largest."""
    b, one = _batch(x)
    r = np.sqrt(np.mean(b**2, axis=2))
    return _out(np.max(np.abs(b).max(axis=2) / np.maximum(r, _TINY), axis=1), one)


#: acceleration units a snapshot may be in, to m/s^2
ACCELERATION_UNITS = {"g": 9.80665, "m/s2": 1.0}


def velocity_rms(
    x: np.ndarray, sample_rate: float, unit: str, band: tuple[float, float] = (10.0, 1000.0)
) -> float | np.ndarray:
    """Vibration velocity RMS in mm/s over `band` (Hz) from acceleration in `unit` ("g" or "m/s2"): the
    quantity ISO 20816's evaluation zones are written for (10-1,000 Hz for most machines). Integrated in
    the frequency domain (each line divided by 2 pi f) and summed by Parseval, over all channels."""
    if unit not in ACCELERATION_UNITS:
        raise ValueError(f"unit must be one of {', '.join(ACCELERATION_UNITS)}, got {unit!r}")
    b, one = _batch(x)
    n = b.shape[-1]
    f = sp_fft.rfftfreq(n, 1.0 / float(sample_rate))
    keep = (f >= band[0]) & (f <= band[1]) & (f > 0)
    a = sp_fft.rfft(b * ACCELERATION_UNITS[unit], axis=-1)[..., keep]
    v = a / (2j * np.pi * f[keep])  # m/s
    # one-sided spectrum: each line stands for two in the two-sided sum (DC and Nyquist lie outside the band)
    mean_square = 2.0 * np.sum(np.abs(v) ** 2, axis=-1) / n**2
    return _out(1000.0 * np.sqrt(np.mean(mean_square, axis=1)), one)


def level_db(x: np.ndarray, reference_rms: float) -> float | np.ndarray:
    """The snapshot's RMS against the reference RMS, in dB: negative = quieter than the healthy machine."""
    return 20.0 * np.log10(np.maximum(rms(x), _TINY) / max(float(reference_rms), _TINY))


def artefact_of(x: np.ndarray) -> str | None:
    """The sensor artefact a snapshot (channels, samples) shows, or None: "dropout" (one value held for 5 %
    of a channel or more: a disconnected sensor reads a constant), "clipped" (0.5 % of a channel's samples or
    more at its extreme: the amplifier saturated) or "spike" (a peak above 10x the channel's 99th percentile
    of |x|: Gaussian vibration peaks near 1.5x it, bearing impacts 3-5x). Kept out of a healthy reference,
    whose thresholds a single such snapshot would blow up."""
    b, _ = _batch(x)
    for ch in b[0]:
        n = len(ch)
        change = np.flatnonzero(np.diff(ch) != 0)
        runs = np.diff(np.r_[-1, change, n - 1])
        if runs.max(initial=0) >= 0.05 * n:
            return "dropout"
        a = np.abs(ch)
        peak = a.max(initial=0.0)
        if peak > 0 and np.count_nonzero(a >= 0.999 * peak) >= max(3, 0.005 * n):
            return "clipped"
        q = np.quantile(a, 0.99)
        if q > 0 and peak > 10.0 * q:
            return "spike"
    return None


FEATURE_NAMES = ("log_rms", "log_peak", "kurtosis", "crest", "skewness", "log_p2p")


def window_features(windows: np.ndarray) -> np.ndarray:
    """Per-window statistics for an IsolationForest: (N, C, L) -> (N, C * 6), for each channel log RMS, log
    peak, kurtosis, crest factor, skewness and log peak-to-peak. Computed in float32: window statistics
    need no more, and a whole life scores faster."""
    w = np.asarray(windows, dtype=np.float32)
    c = w - w.mean(axis=-1, keepdims=True)
    m2 = np.maximum(np.mean(c**2, axis=-1), _TINY)
    r = np.sqrt(np.mean(w**2, axis=-1))
    peak = np.abs(w).max(axis=-1)
    feats = [
        np.log(np.maximum(r, _TINY)),
        np.log(np.maximum(peak, _TINY)),
        np.mean(c**4, axis=-1) / m2**2,
        peak / np.maximum(r, _TINY),
        np.mean(c**3, axis=-1) / m2**1.5,
        np.log(np.maximum(w.max(axis=-1) - w.min(axis=-1), _TINY)),
    ]
    return np.stack(feats, axis=-1).reshape(len(w), -1).astype(np.float64)


def threshold_at_rate(values: np.ndarray, rate: float, *, two_sided: bool = False) -> tuple[float, float]:
    """A threshold that a new healthy value exceeds with probability `rate`, from held-back healthy values.

    A few held-back snapshots cannot give an empirical 1 % quantile, so the bound is parametric: the upper
    prediction bound of one new observation, mean + t(1 - rate, m - 1) * s * sqrt(1 + 1/m), on the log of a
    positive indicator (log-normal) or, `two_sided`, on the values themselves for |value - mean| (the level in
    dB, which may go either way). Exact when that model holds. Returns (threshold, centre): the centre is
    the mean the two-sided bound is taken around (and the log-mean's exp for one-sided).
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    m = len(v)
    if m < 3:
        raise ValueError(f"need at least 3 finite held-back healthy values for a threshold, got {m}")
    if not 0.0 < rate < 0.5:
        raise ValueError(f"false-alarm rate must be in (0, 0.5), got {rate}")
    if two_sided:
        q = stats.t.ppf(1.0 - rate / 2.0, m - 1)
        centre = float(v.mean())
        return float(q * v.std(ddof=1) * math.sqrt(1.0 + 1.0 / m)), centre
    logs = np.log(np.maximum(v, _TINY))
    q = stats.t.ppf(1.0 - rate, m - 1)
    mu, s = float(logs.mean()), float(logs.std(ddof=1))
    return float(math.exp(mu + q * s * math.sqrt(1.0 + 1.0 / m))), float(math.exp(mu))


def alarm_flags(exceed: np.ndarray, persistence: int, *, run: int = 0) -> tuple[np.ndarray, int]:
    """Alarm flags of a sequence of exceedances: True where this and the persistence - 1 snapshots before it
    all exceeded. NaN entries (unscorable snapshots) neither count nor break a run. `run` is the count of
    consecutive exceedances carried over from earlier snapshots (streaming). Returns (flags, run at the end).
    """
    if persistence < 1:
        raise ValueError(f"persistence must be >= 1, got {persistence}")
    e = np.asarray(exceed, dtype=np.float64)
    flags = np.zeros(len(e), dtype=bool)
    for i, v in enumerate(e):
        if np.isnan(v):
            continue
        run = run + 1 if v > 0 else 0
        flags[i] = run >= persistence
    return flags, run


def _finite_pairs(h: np.ndarray, t: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    h = np.asarray(h, dtype=np.float64)
    t = np.arange(len(h), dtype=np.float64) if t is None else np.asarray(t, dtype=np.float64)
    keep = np.isfinite(h) & np.isfinite(t)
    return h[keep], t[keep]


def monotonicity(units: list[np.ndarray] | np.ndarray) -> float:
    """Mean over units of |#positive steps - #negative steps| / (n - 1) (1 = strictly monotonic, 0 = as many
    rises as falls). One array is one unit."""
    units = [units] if isinstance(units, np.ndarray) and units.ndim == 1 else list(units)
    vals = []
    for h in units:
        h, _ = _finite_pairs(h)
        if len(h) < 2:
            continue
        d = np.diff(h)
        vals.append(abs(int((d > 0).sum()) - int((d < 0).sum())) / (len(h) - 1))
    return float(np.mean(vals)) if vals else float("nan")


def trendability(units: list[np.ndarray] | np.ndarray, times: list[np.ndarray] | None = None) -> float:
    """One unit: |Pearson correlation| of the indicator with time. Several units: the smallest |correlation|
    between any two units' indicators, each resampled onto a common 0-1 life axis (Coble and Hines)."""
    if isinstance(units, np.ndarray) and units.ndim == 1:
        h, t = _finite_pairs(units, None if times is None else times)
        if len(h) < 3 or np.std(h) == 0 or np.std(t) == 0:
            return float("nan")
        return float(abs(np.corrcoef(h, t)[0, 1]))
    curves = []
    for j, h in enumerate(units):
        h, t = _finite_pairs(h, None if times is None else times[j])
        if len(h) < 3:
            continue
        life = (t - t[0]) / max(t[-1] - t[0], _TINY)
        curves.append(np.interp(np.linspace(0, 1, 101), life, h))
    if len(curves) < 2:
        return float("nan")
    corr = np.corrcoef(np.stack(curves))
    return float(np.nanmin(np.abs(corr[np.triu_indices(len(curves), 1)])))


def prognosability(units: list[np.ndarray]) -> float:
    """exp(-std of the units' final values / mean |final - initial|): 1 when every unit fails at the same
    indicator value relative to its range. Needs several units (undefined for one)."""
    ends, spans = [], []
    for h in units:
        h, _ = _finite_pairs(h)
        if len(h) < 2:
            continue
        ends.append(h[-1])
        spans.append(abs(h[-1] - h[0]))
    if len(ends) < 2 or np.mean(spans) == 0:
        return float("nan")
    return float(math.exp(-np.std(ends, ddof=1) / np.mean(spans)))
