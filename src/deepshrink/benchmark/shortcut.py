"""The amplitude-shortcut baseline: can the labels be read from a window's level alone?

When each class is one recording, its overall vibration level (sensor gain, mounting, load) can identify it,
and noise added at a fixed SNR relative to each window's own power keeps that level ratio at every SNR. A
small classical model on per-window amplitude statistics (log RMS, log peak, kurtosis, crest factor) under
the same noise and split as the networks shows a user when this happens: if it comes close to the networks,
their accuracy says little about fault signatures (docs/evaluation.md).

The features are computed on the raw noisy windows (before any per-window normalisation, which removes
RMS and peak but keeps kurtosis and crest factor: those are classical, scale-free fault indicators).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import Tensor

from deepshrink.data.readers.noise_recordings import recorded_noise
from deepshrink.engine.classify.evaluate import noisy_windows
from deepshrink.functional.noise import NoiseBank, add_noise, add_window_noise
from deepshrink.functional.seeding import mix_seed

__all__ = ["SHORTCUT_MODEL", "amplitude_features", "shortcut_records"]

SHORTCUT_MODEL = "amplitude_shortcut"
FEATURES = ("log RMS", "log peak", "kurtosis", "crest factor")


def amplitude_features(x: Tensor | np.ndarray) -> np.ndarray:
    """(N, 4) float64: log RMS, log peak |x|, kurtosis and crest factor per window (channels pooled)."""
    a = torch.as_tensor(x).double().flatten(1)
    centred = a - a.mean(1, keepdim=True)
    var = centred.pow(2).mean(1)
    rms = a.pow(2).mean(1).sqrt()
    peak = a.abs().amax(1)
    tiny = torch.finfo(torch.float64).tiny
    kurt = centred.pow(4).mean(1) / var.clamp_min(tiny).pow(2)
    crest = peak / rms.clamp_min(tiny)
    return torch.stack([rms.clamp_min(tiny).log(), peak.clamp_min(tiny).log(), kurt, crest], 1).numpy()


def _train_noisy(
    x: Tensor, kind: str, snr: float | tuple[float, float], mode: str, seed: int, bank: NoiseBank | None
) -> Tensor:
    # the networks' training noise: per batch online (here: one draw per window) or fixed per window
    if kind == "none":  # trained on clean windows (a benchmark's train_noise none)
        return x
    if mode == "fixed":
        fixed_seed = mix_seed("fixed-noise", seed, "train", kind, str(snr))
        return add_window_noise(x, snr, kind, seed=fixed_seed, bank=bank)
    g = torch.Generator().manual_seed(mix_seed("shortcut-train-noise", seed, kind))
    return add_noise(x, snr, kind, generator=g, bank=bank)


def shortcut_records(
    dataset,
    *,
    noise: str,
    train_snr: float | tuple[float, float],
    noise_mode: str,
    eval_snrs: list[float],
    eval_seed: int,
    seed: int,
    clean: bool = True,
    eval_noises: list[str] | None = None,
) -> list[dict]:
    """Accuracy (%) of logistic regression on amplitude features, trained on the noisy training windows and
    tested on the very noisy test windows the networks are tested on (same seed per window), at every SNR
    of `eval_snrs` (and clean), under each kind of `eval_noises` (default: the training kind `noise`).
    Records have the keys of a network's records."""
    x_train = torch.from_numpy(np.ascontiguousarray(dataset.train.x))
    x_test = torch.from_numpy(np.ascontiguousarray(dataset.test.x))
    y_train, y_test = np.asarray(dataset.train.y), np.asarray(dataset.test.y)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    x_noisy = _train_noisy(
        x_train, noise, train_snr, noise_mode, seed, recorded_noise(noise, dataset, "train")
    )
    clf.fit(amplitude_features(x_noisy), y_train)
    k = len(dataset.classes)
    kinds = list(eval_noises) if eval_noises else [noise]
    banks = {kind: recorded_noise(kind, dataset, "test") for kind in kinds}
    grid = ([(None, None)] if clean else []) + [(kind, float(s)) for kind in kinds for s in eval_snrs]
    out = []
    for kind, snr in grid:
        xt = (
            x_test
            if snr is None
            else noisy_windows(x_test, kind=kind, snr_db=snr, seed=eval_seed, bank=banks[kind])
        )
        pred = clf.predict(amplitude_features(xt))
        cm = np.zeros((k, k), dtype=np.int64)
        np.add.at(cm, (y_test, pred), 1)
        out.append(
            {
                "model": SHORTCUT_MODEL,
                "noise": "none" if snr is None else kind,
                "train_noise": noise,
                "snr_db": snr,
                "seed": seed,
                "accuracy": round(float(100.0 * np.trace(cm) / max(1, len(y_test))), 4),
                "n_test": len(y_test),
                "confusion": cm.tolist(),
            }
        )
    return out
