"""Condition monitoring of one machine: fit health indicators on its healthy reference, threshold them on
held-back healthy snapshots, score any snapshot.

The indicators, side by side:
- `dae`: the reconstruction error of a denoising autoencoder trained on the reference windows (default the
  shrinkage DAE), with every window divided by the reference RMS, not by its own: a louder machine then
  scores higher. A quieter one scores *lower*, so the level is reported beside it, not folded in.
- `rms`, `kurtosis`, `crest`: the classical vibration indicators (functional/health.py).
- `iforest`: an IsolationForest over per-window statistics (RMS, peak, kurtosis, crest, skewness,
  peak-to-peak per channel), its anomaly score averaged over the snapshot's windows.
- `level_db`: the snapshot's RMS against the reference RMS in dB, alarmed in either direction.

The fitted reference saves as safetensors + JSON: the DAE's weights through `artifacts.save_model`, and the
IsolationForest as its training features (`reference.safetensors`); the forest is rebuilt from them with its
seed, which gives the same trees, so nothing is ever unpickled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file
from sklearn.ensemble import IsolationForest

from deepshrink.atomic import atomic_write
from deepshrink.choices import DAE_LR
from deepshrink.engine.core.artifacts import load_model, save_model
from deepshrink.engine.denoise.training import build_autoencoder, train_denoiser
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional import health

__all__ = [
    "INDICATORS",
    "LEVEL",
    "HealthReference",
    "fit_reference",
    "load_reference",
    "save_reference",
    "scoring_windows",
]

INDICATORS = ("dae", "rms", "kurtosis", "crest", "iforest")  # alarmed when they rise
LEVEL = "level_db"  # alarmed when it leaves the healthy band either way
REFERENCE_FILE = "reference.safetensors"
# The U-Net DAEs at a monitor's size: narrower and with shorter kernels than `dae train`'s. The reference is
# some 20 snapshots, and a whole life (3,000 snapshots of 2 x 2,560 samples) must score in seconds on two
# cores: the full-width DAE scores 3 ms per window there, this one 0.6 ms (docs/benchmarks.md).
MONITOR_UNET = {"widths": [8, 16, 32], "kernel_size": 5}
AUTO_WINDOW_PASSES = 4_000  # default DAE training length: about this many windows seen, 10 to 100 epochs


def scoring_windows(x: np.ndarray, window: int) -> np.ndarray:
    """(C, L) -> (w, C, window), or a batch (n, C, L) -> (n, w, C, window): the fewest evenly spaced windows
    that cover every sample of a snapshot."""
    length = x.shape[-1]
    n = math.ceil(length / window)
    starts = np.linspace(0, length - window, n).round().astype(int) if n > 1 else np.array([0])
    return np.stack([x[..., s : s + window] for s in starts], axis=-3)


def training_windows(x: np.ndarray, window: int) -> np.ndarray:
    """(C, L) -> windows at a quarter-window stride (more, overlapping examples for the DAE and forest)."""
    stride = max(1, window // 4)
    starts = range(0, x.shape[-1] - window + 1, stride)
    return np.stack([x[:, s : s + window] for s in starts])


@dataclass
class HealthReference:
    """A fitted monitor: what the healthy machine looked like, and where each indicator's alarm begins."""

    window: int
    channels: int
    length: int
    sample_rate: float | None
    scale: float
    model_name: str
    model_kwargs: dict
    dae: Any
    features: np.ndarray
    seed: int
    false_alarm_rate: float
    persistence: int
    thresholds: dict[str, float] = field(default_factory=dict)
    centres: dict[str, float] = field(default_factory=dict)
    forest: Any = None

    def __post_init__(self) -> None:
        if self.forest is None:
            # deterministic given the features and the seed: rebuilt identically after loading
            self.forest = IsolationForest(random_state=self.seed).fit(self.features)

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

    def score(self, snapshots: np.ndarray) -> dict[str, np.ndarray]:
        """Every indicator and the level of each snapshot of (n, C, L): {name: (n,) float64}."""
        x = np.asarray(snapshots, dtype=np.float32)
        n = len(x)
        out = {name: np.empty(n) for name in (*INDICATORS, LEVEL)}
        if n == 0:
            return out
        wins = scoring_windows(x, self.window)  # (n, w, C, window)
        per = wins.shape[1]
        flat = wins.reshape(n * per, self.channels, self.window)
        # a fully convolutional DAE (the U-Nets) scores the whole snapshot in one pass: every sample once,
        # where the covering windows overlap (3 x 1,024 for 2,560 samples)
        whole = not getattr(self.dae, "input_shape", ())
        dae_in = x if whole else flat
        err = self.dae.anomaly_score(torch.from_numpy(dae_in / np.float32(self.scale)), batch_size=64)
        out["dae"] = err.double().numpy() if whole else err.double().numpy().reshape(n, per).mean(1)
        forest = -self.forest.score_samples(health.window_features(flat))
        out["iforest"] = forest.reshape(n, per).mean(1)
        out["rms"] = health.rms(x)  # the classical indicators: one vectorised pass over the batch
        out["kurtosis"] = health.kurtosis(x)
        out["crest"] = health.crest_factor(x)
        out[LEVEL] = health.level_db(x, self.scale)
        return out

    def calibrate(self, snapshots: np.ndarray) -> dict[str, np.ndarray]:
        """Set every threshold from held-back healthy snapshots (n, C, L); returns their scores."""
        scores = self.score(snapshots)
        for name, values in scores.items():
            try:
                thr, centre = health.threshold_at_rate(values, self.false_alarm_rate, two_sided=name == LEVEL)
            except ValueError as err:
                raise DataError(f"threshold of {name}: {err}") from None
            self.thresholds[name], self.centres[name] = thr, centre
        return scores

    def exceeds(self, name: str, values: np.ndarray) -> np.ndarray:
        """1.0 where a value is beyond its threshold, 0.0 where not, NaN where it is NaN."""
        v = np.asarray(values, dtype=np.float64)
        beyond = np.abs(v - self.centres[name]) if name == LEVEL else v
        out = (beyond > self.thresholds[name]).astype(np.float64)
        out[~np.isfinite(v)] = np.nan
        return out


def fit_reference(
    fit_snapshots: np.ndarray,
    calibration_snapshots: np.ndarray,
    *,
    model: str = "dae_shrink1d",
    model_kwargs: dict | None = None,
    window: int = 1024,
    level: float = 0.5,
    epochs: int | None = None,
    lr: float = DAE_LR,
    batch_size: int = 64,
    seed: int = 0,
    false_alarm_rate: float = 0.01,
    persistence: int = 3,
    sample_rate: float | None = None,
    on_epoch=None,
    verbose: bool = False,
) -> tuple[HealthReference, dict[str, np.ndarray]]:
    """Fit the indicators on healthy `fit_snapshots` (n, C, L) and threshold them on the held-back healthy
    `calibration_snapshots` at `false_alarm_rate` per snapshot. Returns (reference, calibration scores)."""
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
    scale = float(np.sqrt(np.mean(health.rms(x) ** 2)))  # of the whole reference (equal-length snapshots)
    if not scale > 0:
        raise DataError("the healthy reference is all zeros (no vibration): nothing to monitor against")
    train = np.concatenate([training_windows(s, window) for s in x])
    epochs = epochs or min(100, max(10, math.ceil(AUTO_WINDOW_PASSES / len(train))))
    info = {"kind": "signal", "shape": [channels, window]}
    kwargs = dict(model_kwargs or {})
    if model in ("dae_shrink1d", "dae_conv1d"):
        kwargs = {**MONITOR_UNET, **kwargs}
    net, kwargs = build_autoencoder(model, info, kwargs, seed)
    if getattr(net, "output_range", None) is not None:
        raise ConfigError(
            f"model {model!r} has a [0, 1] output; vibration needs a linear output", key="model"
        )
    net, _ = train_denoiser(
        net,
        torch.from_numpy(train / np.float32(scale)),
        corruption="gaussian",
        level=level,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        clip=None,
        verbose=verbose,
        on_epoch=on_epoch,
    )
    ref = HealthReference(
        window=window,
        channels=channels,
        length=length,
        sample_rate=sample_rate,
        scale=scale,
        model_name=model,
        model_kwargs=kwargs,
        dae=net.cpu().eval(),
        features=health.window_features(train),
        seed=seed,
        false_alarm_rate=false_alarm_rate,
        persistence=persistence,
    )
    return ref, ref.calibrate(cal)


def save_reference(ref: HealthReference, run_dir: str | Path, meta: dict[str, Any]) -> None:
    """model.safetensors + model.json (the DAE and everything else as JSON) and reference.safetensors."""
    run = Path(run_dir)
    atomic_write(run / REFERENCE_FILE, lambda tmp: save_file({"features": ref.features}, tmp))
    save_model(
        run,
        ref.dae,
        {
            **meta,
            "task": "monitor",
            "model": ref.model_name,
            "model_kwargs": ref.model_kwargs,
            "window": ref.window,
            "channels": ref.channels,
            "length": ref.length,
            "sample_rate": ref.sample_rate,
            "scale": ref.scale,
            "seed": ref.seed,
            "false_alarm_rate": ref.false_alarm_rate,
            "persistence": ref.persistence,
            "thresholds": ref.thresholds,
            "centres": ref.centres,
        },
    )


def load_reference(run_dir: str | Path) -> tuple[HealthReference, dict[str, Any]]:
    """The fitted monitor of a `deepshrink monitor` run directory (nothing unpickled); (reference, meta)."""
    dae, meta = load_model(run_dir)
    where = meta.get("_path", run_dir)
    if meta.get("task") != "monitor":
        raise DataError(f"{where}: not a monitor run (task {meta.get('task', 'classification')!r})")
    path = Path(where).parent / REFERENCE_FILE
    try:
        features = load_file(str(path))["features"]
    except (SafetensorError, OSError, KeyError, ValueError) as err:
        raise DataError(f"{path}: missing or corrupt reference features ({err})") from None
    try:
        names = (*INDICATORS, LEVEL)
        thresholds = {k: float(meta["thresholds"][k]) for k in names}
        centres = {k: float(meta["centres"][k]) for k in names}
        ref = HealthReference(
            window=int(meta["window"]),
            channels=int(meta["channels"]),
            length=int(meta["length"]),
            sample_rate=meta.get("sample_rate"),
            scale=float(meta["scale"]),
            model_name=meta["model"],
            model_kwargs=meta["model_kwargs"],
            dae=dae,
            features=features,
            seed=int(meta["seed"]),
            false_alarm_rate=float(meta["false_alarm_rate"]),
            persistence=int(meta["persistence"]),
            thresholds=thresholds,
            centres=centres,
        )
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"{where}: corrupt monitor metadata ({type(err).__name__}: {err})") from None
    return ref, meta
