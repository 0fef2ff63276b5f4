"""The fitted monitor of one machine: what the healthy machine looked like in each operating condition, and
where each indicator's alarm and the machine verdict's two levels begin.

The indicators (engine/monitor/indicators.py), side by side:
- `dae`: the reconstruction error of a denoising autoencoder trained on the reference windows (default the
  shrinkage DAE), with every window divided by the reference RMS of its condition, not by its own: a louder
  machine then scores higher. A quieter one scores *lower*, so the level is reported beside it.
- `rms`, `kurtosis`, `crest`: the classical vibration indicators (functional/health.py).
- `iforest`: an IsolationForest over per-window statistics, its anomaly score averaged over the snapshot.
- `level_db`: the snapshot's RMS against the reference RMS of its condition in dB, alarmed either way.

One `Baseline` per operating condition (and "*", all conditions pooled: the only one when no condition is
given, and the fallback for a condition the reference never saw): the reference RMS, every indicator's
centre and threshold at the false-alarm rate, and the verdict's alert and danger bounds.

The fitted reference saves as safetensors + JSON (versioned, engine/monitor/store.py): the DAE's weights,
the IsolationForest as its training features (`reference.safetensors`), rebuilt from them with its seed (the
same trees), so nothing is ever unpickled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.ensemble import IsolationForest

from deepshrink.choices import DAE_LR
from deepshrink.data.split.windows import window_view  # the one window cutter
from deepshrink.engine.denoise.training import build_autoencoder, train_denoiser
from deepshrink.engine.monitor.indicators import INDICATORS, Batch, scoring_windows
from deepshrink.engine.monitor.verdict import MODEL_P, VERDICT_INDICATORS, bounds_of, model_check
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional import health

__all__ = [
    "POOLED",
    "Baseline",
    "HealthReference",
    "fit_reference",
    "scoring_windows",
    "training_windows",
    "verdict_warnings",
]

POOLED = "*"  # the baseline of all conditions together
# The U-Net DAEs at a monitor's size: narrower and with shorter kernels than `dae train`'s. A whole life
# (3,000 snapshots of 2 x 2,560 samples) must score in seconds on two cores: the full-width DAE scores 3 ms
# per window there, this one 0.6 ms (docs/benchmarks.md).
MONITOR_UNET = {"widths": [8, 16, 32], "kernel_size": 5}
AUTO_WINDOW_PASSES = 4_000  # default DAE training length: about this many windows seen, 10 to 100 epochs


def training_windows(x: np.ndarray, window: int) -> np.ndarray:
    """(C, L) -> windows at a quarter-window stride (more, overlapping examples for the DAE and forest)."""
    return np.ascontiguousarray(window_view(x, window, max(1, window // 4)))


@dataclass
class Baseline:
    """The healthy machine in one operating condition."""

    scale: float  # reference RMS
    thresholds: dict[str, float] = field(default_factory=dict)  # each indicator's, at the false-alarm rate
    centres: dict[str, float] = field(default_factory=dict)
    alert: dict[str, float] = field(default_factory=dict)  # the verdict's bounds (engine/monitor/verdict.py)
    danger: dict[str, float] = field(default_factory=dict)
    calibration: int = 0  # held-back snapshots its thresholds come from

    def to_json(self) -> dict[str, Any]:
        return {
            k: getattr(self, k) for k in ("scale", "thresholds", "centres", "alert", "danger", "calibration")
        }


@dataclass
class HealthReference:
    """A fitted monitor: the DAE and forest (shared by every condition) and a `Baseline` per condition."""

    window: int
    channels: int
    length: int
    sample_rate: float | None
    model_name: str
    model_kwargs: dict
    dae: Any
    features: np.ndarray
    seed: int
    false_alarm_rate: float
    persistence: int | str  # a count of consecutive exceedances (3) or a time they must last ("30min")
    baselines: dict[str, Baseline] = field(default_factory=dict)
    forest: Any = None
    missing: tuple[str, ...] = ()  # indicators a saved monitor predates: scored NaN, reported
    families: Any = None  # engine/monitor/families.FamilySettings where the bearing is known, else None
    unit: str | None = None  # the snapshots' acceleration unit ("g", "m/s2"), where known: velocity in mm/s
    zones: tuple[float, float, float] | None = None  # velocity zone boundaries A/B, B/C, C/D in mm/s, given
    # each verdict indicator's Shapiro-Wilk p on its held-back values under the bound's model (verdict.py)
    model_p: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.forest is None:
            # deterministic given the features and the seed: rebuilt identically after loading
            self.forest = IsolationForest(random_state=self.seed).fit(self.features)

    # the pooled baseline's numbers, for code that knows one condition (the estimator, older callers)
    @property
    def scale(self) -> float:
        return self.baselines[POOLED].scale

    @property
    def thresholds(self) -> dict[str, float]:
        return self.baselines[POOLED].thresholds

    @property
    def centres(self) -> dict[str, float]:
        return self.baselines[POOLED].centres

    @property
    def conditions(self) -> list[str]:
        return [c for c in self.baselines if c != POOLED]

    def baseline(self, condition: str | None) -> tuple[Baseline, bool]:
        """(the baseline a snapshot of `condition` is judged by, whether the reference saw that condition)."""
        if condition is not None and condition in self.baselines:
            return self.baselines[condition], True
        return self.baselines[POOLED], condition is None or not self.conditions

    def check(self, x: np.ndarray, source: str) -> np.ndarray:
        """`x` as float32 (C, L) of the reference's shape; DataError naming `source` otherwise."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape != (self.channels, self.length):
            raise DataError(
                f"{source}: snapshot of shape {x.shape} (channels, samples), but the reference snapshots are "
                f"({self.channels}, {self.length}); every snapshot must have the same channels and length"
            )
        return x

    def score(
        self, snapshots: np.ndarray, conditions: list[str | None] | None = None
    ) -> dict[str, np.ndarray]:
        """Every indicator of each snapshot of (n, C, L), each in its condition: {name: (n,) float64}."""
        x = np.asarray(snapshots, dtype=np.float32)
        n = len(x)
        if n == 0:
            return {name: np.empty(0) for name in INDICATORS}
        conds = conditions if conditions is not None else [None] * n
        scales = np.array([self.baseline(c)[0].scale for c in conds], dtype=np.float64)
        batch = Batch(raw=x, scaled=x / scales.astype(np.float32)[:, None, None], scales=scales, ref=self)
        out = {}
        for name, ind in INDICATORS.items():
            out[name] = np.full(n, np.nan) if name in self.missing else np.asarray(ind.fn(batch), np.float64)
        return out

    def calibrate(self, values: dict[str, np.ndarray], condition: str) -> None:
        """Set `condition`'s thresholds and centres from held-back healthy scores {name: (m,)}."""
        base = self.baselines[condition]
        for name, v in values.items():
            try:
                two = INDICATORS[name].kind == "level"
                thr, centre = health.threshold_at_rate(v, self.false_alarm_rate, two_sided=two)
            except ValueError as err:
                raise DataError(f"threshold of {name} ({condition}): {err}") from None
            base.thresholds[name], base.centres[name] = thr, centre
        base.calibration = len(next(iter(values.values()), ()))

    @property
    def rejected(self) -> dict[str, float]:
        """{name: p} of the verdict indicators whose held-back values reject the verdict bound's model."""
        return {n: p for n, p in self.model_p.items() if p < MODEL_P}

    @property
    def outside_verdict(self) -> dict[str, float]:
        """The rejected indicators, left out of the verdict, unless every one is (the verdict would be
        silent; its rate is then not promised)."""
        return self.rejected if len(self.rejected) < len(self.model_p) else {}

    def per_row(self, what: str, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
        """Each indicator's `what` ("thresholds" or "centres") for every row, from the baseline of the row's
        operating condition: {name: (len(rows),)}, NaN where that baseline has none."""
        bases = [getattr(self.baseline(r.get("condition"))[0], what) for r in rows]
        names = getattr(self.baselines[POOLED], what)
        return {n: np.array([b.get(n, np.nan) for b in bases], dtype=np.float64) for n in names}

    def verdict_names(self) -> list[str]:
        """The indicators the machine verdict reads: the verdict's kinds, less those left out of it."""
        return [n for n in VERDICT_INDICATORS if n not in self.missing and n not in self.outside_verdict]

    def exceeds(self, name: str, values: np.ndarray, base: Baseline | None = None) -> np.ndarray:
        """1.0 where a value is beyond its threshold, 0.0 where not, NaN where it is NaN (the one test)."""
        base = base or self.baselines[POOLED]
        return beyond(name, values, base.thresholds.get(name, math.inf), base.centres.get(name, 0.0))


def verdict_warnings(ref: HealthReference) -> list[str]:
    """What the model check of the verdict's bounds found, in words: the indicators left out of the
    verdict, or that its rate is not promised when every one rejects the model."""
    bad = ref.rejected
    if not bad:
        return []
    model = "normal in log (in dB for the level) around their baselines"
    ps = ", ".join(f"{n} {p:.2g}" for n, p in sorted(bad.items()))
    if not ref.outside_verdict:
        return [
            f"every verdict indicator's held-back values reject the bound's model, {model} (Shapiro-Wilk p:"
            f" {ps}): the machine verdict keeps them all, but its false-alarm rate is not promised; take a"
            " longer or steadier reference (--reference 4h)"
        ]
    k = len(ref.verdict_names())
    return [
        f"{', '.join(sorted(bad))}: held-back values not {model} (Shapiro-Wilk p: {ps}), so no bound at"
        f" {100 * ref.false_alarm_rate / k:.2g} % per snapshot can be set from"
        f" {ref.baselines[POOLED].calibration} of them: they stay indicators of their own, outside the"
        f" machine verdict (which reads {', '.join(ref.verdict_names())})"
    ]


def beyond(name: str, values: np.ndarray, bound: float, centre: float) -> np.ndarray:
    """1.0 / 0.0 / NaN: `values` past `bound` (the level: its distance from `centre`, either way)."""
    v = np.asarray(values, dtype=np.float64)
    d = np.abs(v - centre) if INDICATORS[name].kind == "level" else v
    out = (d > bound).astype(np.float64)
    out[~np.isfinite(v)] = np.nan
    return out


def fit_reference(
    fit_snapshots: np.ndarray,
    calibration_snapshots: np.ndarray,
    *,
    fit_conditions: list[str | None] | None = None,
    calibration_conditions: list[str | None] | None = None,
    model: str = "dae_shrink1d",
    model_kwargs: dict | None = None,
    window: int = 1024,
    level: float = 0.5,
    epochs: int | None = None,
    lr: float = DAE_LR,
    batch_size: int = 64,
    seed: int = 0,
    false_alarm_rate: float = 0.01,
    persistence: int | str = 3,
    sample_rate: float | None = None,
    unit: str | None = None,
    min_calibration: int = 3,
    on_epoch=None,
    verbose: bool = False,
) -> tuple[HealthReference, dict[str, np.ndarray]]:
    """Fit the indicators on healthy `fit_snapshots` (n, C, L) and threshold them on the held-back healthy
    `calibration_snapshots` (later in time) at `false_alarm_rate` per snapshot, per operating condition where
    conditions are given (a condition with fewer than `min_calibration` held-back snapshots is judged by the
    pooled baseline). Returns (reference, calibration scores)."""
    x = np.asarray(fit_snapshots, dtype=np.float32)
    cal = np.asarray(calibration_snapshots, dtype=np.float32)
    if x.ndim != 3 or cal.ndim != 3 or x.shape[1:] != cal.shape[1:]:
        raise DataError(
            f"reference snapshots must be (n, channels, samples) alike, got {x.shape}, {cal.shape}"
        )
    channels, length = x.shape[1:]
    if window > length:
        raise ConfigError(f"window {window} is longer than a snapshot ({length} samples)", key="window")
    if not 0.0 < false_alarm_rate < 0.5:
        raise ConfigError(f"must be in (0, 0.5), got {false_alarm_rate}", key="false_alarm_rate")
    fit_c = list(fit_conditions or [None] * len(x))
    cal_c = list(calibration_conditions or [None] * len(cal))
    rms = health.rms(x)
    baselines = {POOLED: Baseline(scale=float(np.sqrt(np.mean(rms**2))))}
    for c in sorted({c for c in fit_c if c is not None}):
        if sum(k == c for k in cal_c) >= min_calibration:
            baselines[c] = Baseline(scale=float(np.sqrt(np.mean(rms[[k == c for k in fit_c]] ** 2))))
    if not baselines[POOLED].scale > 0:
        raise DataError("the healthy reference is all zeros (no vibration): nothing to monitor against")
    scales = np.array([baselines.get(c, baselines[POOLED]).scale for c in fit_c], dtype=np.float32)
    train = np.concatenate([training_windows(s / k, window) for s, k in zip(x, scales, strict=True)])
    epochs = epochs or min(100, max(10, math.ceil(AUTO_WINDOW_PASSES / len(train))))
    kwargs = dict(model_kwargs or {})
    if model in ("dae_shrink1d", "dae_conv1d"):
        kwargs = {**MONITOR_UNET, **kwargs}
    net, kwargs = build_autoencoder(model, {"kind": "signal", "shape": [channels, window]}, kwargs, seed)
    if getattr(net, "output_range", None) is not None:
        raise ConfigError(
            f"model {model!r} has a [0, 1] output; vibration needs a linear output", key="model"
        )
    net, _ = train_denoiser(
        net, torch.from_numpy(train), corruption="gaussian", level=level, epochs=epochs,
        batch_size=batch_size, lr=lr, seed=seed, clip=None, verbose=verbose, on_epoch=on_epoch,
    )  # fmt: skip
    ref = HealthReference(
        window=window, channels=channels, length=length, sample_rate=sample_rate, model_name=model,
        model_kwargs=kwargs, dae=net.cpu().eval(), features=health.window_features(train), seed=seed,
        false_alarm_rate=false_alarm_rate, persistence=persistence, baselines=baselines,
    )  # fmt: skip
    ref.unit = unit
    scores = ref.score(cal, cal_c)
    # an indicator that does not apply to these data (velocity without a unit) is left out, as a saved
    # monitor's missing one is: scored NaN, reported, never alarmed
    ref.missing = tuple(n for n, v in scores.items() if not np.isfinite(v).any())
    scores = {n: v for n, v in scores.items() if n not in ref.missing}
    # the pooled baseline: every held-back snapshot, each scaled by its own condition's reference RMS
    ref.calibrate(scores, POOLED)
    masks = {c: np.array([k == c for k in cal_c]) for c in ref.conditions}
    for c, keep in masks.items():
        ref.calibrate({k: v[keep] for k, v in scores.items()}, c)
    # the verdict's bounds are parametric: an indicator whose held-back values reject their model leaves it
    ref.model_p = model_check(scores, [ref.baseline(c)[0].centres for c in cal_c])
    names = ref.verdict_names()
    for c in [POOLED, *ref.conditions]:
        base = ref.baselines[c]
        v = scores if c == POOLED else {k: s[masks[c]] for k, s in scores.items()}
        base.alert, base.danger = bounds_of(v, base.centres, false_alarm_rate, names)
    return ref, scores
