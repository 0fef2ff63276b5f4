"""Figures of signals and autoencoder results: time trace + spectrum, image reconstructions, embeddings,
reconstruction-error histograms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from scipy.signal import welch
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from threadpoolctl import threadpool_limits

from deepshrink.errors import ConfigError, DataError
from deepshrink.plots._common import new_axes, to_numpy

_DEFAULT_SAMPLES = 1024
_TSNE_SERIAL_MAX = 2000


def _as_trace(x: Any, name: str) -> np.ndarray:
    """A 1-D signal from (L,), (1, L) or (1, 1, L) input."""
    arr = to_numpy(x, name)
    given = arr.shape
    while arr.ndim > 1 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ConfigError(f"{name}: expected one signal of shape (L,) or (1, L), got shape {given}")
    if arr.size < 2:
        raise ConfigError(f"{name}: a signal needs at least 2 samples, got {arr.size}")
    return arr


def _snr_db(clean: np.ndarray, other: np.ndarray) -> float | None:
    noise_power = float(np.mean((other - clean) ** 2))
    signal_power = float(np.mean(clean**2))
    if noise_power == 0 or signal_power == 0:
        return None
    return 10.0 * math.log10(signal_power / noise_power)


def plot_signal(
    clean: Any,
    noisy: Any = None,
    sample_rate: float | None = None,
    ax: Any = None,
    denoised: Any = None,
    title: str | None = None,
    *,
    duration_ms: float | None = None,
) -> Any:
    """Time trace and power spectrum of a signal, overlaid with its noisy and/or denoised versions.

    Signals have shape (L,) or (1, L) and equal lengths. The trace shows the first `duration_ms` ms
    (needs `sample_rate`; default the first 1024 samples); the spectrum (Welch, dB) uses the whole signal.
    Legends give the SNR of the noisy and denoised signals against `clean`. Without `sample_rate` the axes
    are in samples and cycles/sample. Without `ax`: two panels (trace, spectrum); with `ax`: the trace
    only. Returns the Figure.
    """
    signals = {"clean": _as_trace(clean, "clean")}
    if noisy is not None:
        signals["noisy"] = _as_trace(noisy, "noisy")
    if denoised is not None:
        signals["denoised"] = _as_trace(denoised, "denoised")
    length = signals["clean"].size
    for name, sig in signals.items():
        if sig.size != length:
            raise ConfigError(f"{name}: length {sig.size} does not match clean length {length}")
    if sample_rate is not None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float)) or not sample_rate > 0:
            raise ConfigError(f"sample_rate must be a positive number of Hz, got {sample_rate!r}")
        sample_rate = float(sample_rate)
    if duration_ms is not None:
        if sample_rate is None:
            raise ConfigError("duration_ms needs sample_rate (the trace is in samples without it)")
        if not duration_ms > 0:
            raise ConfigError(f"duration_ms must be positive, got {duration_ms!r}")
        shown = max(2, min(length, round(duration_ms * sample_rate / 1000.0)))
    else:
        shown = min(length, _DEFAULT_SAMPLES)

    labels = {"clean": "clean", "noisy": "noisy", "denoised": "denoised"}
    for name in ("noisy", "denoised"):
        if name in signals:
            snr = _snr_db(signals["clean"], signals[name])
            if snr is not None:
                labels[name] = f"{name} (SNR {snr:+.1f} dB)"
    # Noisy in the background, clean on top of it, denoised last so its fit to the clean trace is visible.
    styles = {
        "noisy": ("#b0b0b0", 0.9, 0.8),
        "clean": ("#1f1f1f", 1.1, 1.0),
        "denoised": ("#d62728", 0.9, 0.8),
    }
    order = [n for n in ("noisy", "clean", "denoised") if n in signals]

    fig, axes = new_axes(ax, ncols=2, figsize=(11.0, 3.8)) if ax is None else new_axes(ax)
    trace_ax = axes[0]
    if sample_rate is None:
        t = np.arange(shown)
        trace_ax.set_xlabel("Sample")
    else:
        t = np.arange(shown) * (1000.0 / sample_rate)
        trace_ax.set_xlabel("Time (ms)")
    for name in order:
        color, lw, alpha = styles[name]
        trace_ax.plot(t, signals[name][:shown], color=color, lw=lw, alpha=alpha, label=labels[name])
    trace_ax.set_ylabel("Amplitude")
    if shown == length:
        default_title = "Signal"
    elif sample_rate is None:
        default_title = f"Signal (first {shown} of {length} samples)"
    else:
        ms = 1000.0 / sample_rate
        default_title = f"Signal (first {shown * ms:.3g} of {length * ms:.4g} ms)"
    trace_ax.set_title(title or default_title)
    trace_ax.grid(True, alpha=0.3)
    trace_ax.legend(fontsize="small", loc="upper right")
    if ax is not None:
        return fig

    spec_ax = axes[1]
    fs = sample_rate if sample_rate is not None else 1.0
    nperseg = min(length, 256)
    khz = sample_rate is not None and sample_rate >= 2000
    for name in order:
        freqs, psd = welch(signals[name], fs=fs, nperseg=nperseg)
        peak = float(psd.max())
        # A floor far below the peak keeps log10 finite for silent bands (and an all-zero signal).
        floor = peak * 1e-12 if peak > 0 else 1e-30
        color, lw, alpha = styles[name]
        spec_ax.plot(
            freqs / 1000.0 if khz else freqs,
            10.0 * np.log10(np.maximum(psd, floor)),
            color=color,
            lw=lw,
            alpha=alpha,
            label=name,
        )
    if sample_rate is None:
        spec_ax.set_xlabel("Frequency (cycles/sample)")
        spec_ax.set_ylabel("Power spectral density (dB)")
    else:
        spec_ax.set_xlabel("Frequency (kHz)" if khz else "Frequency (Hz)")
        spec_ax.set_ylabel("Power spectral density (dB/Hz)")
    spec_ax.set_title("Spectrum (Welch)")
    spec_ax.grid(True, alpha=0.3)
    spec_ax.legend(fontsize="small", loc="upper right")
    return fig


def _as_images(x: Any, name: str) -> np.ndarray:
    """Images (N, H, W) or (N, H, W, 3) for imshow from (N, H, W), (N, 1, H, W) or (N, 3, H, W)."""
    arr = to_numpy(x, name, ndim=(3, 4))
    if arr.ndim == 4:
        if arr.shape[1] == 1:
            arr = arr[:, 0]
        elif arr.shape[1] == 3:
            arr = arr.transpose(0, 2, 3, 1)
        else:
            raise ConfigError(f"{name}: expected 1 or 3 channels in (N, C, H, W), got shape {arr.shape}")
    return arr


def plot_reconstructions(
    originals: Any,
    corrupted: Any,
    reconstructed: Any,
    n: int = 10,
    *,
    title: str | None = None,
    label: str = "denoised",
) -> Any:
    """Grid of the first `n` images: originals, corrupted inputs, outputs (one row each; `label` names the
    output row, "denoised" by default, "reconstructed" for a plain autoencoder).

    Images are (N, 1, H, W), (N, 3, H, W) or (N, H, W) with values in [0, 1] (shown clipped to it);
    `corrupted` may be None for a plain autoencoder (two rows). Each corrupted and reconstructed image is
    captioned with its PSNR against the original. Returns the Figure.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a positive integer, got {n!r}")
    if not isinstance(label, str) or not label or label in ("original", "corrupted"):
        raise ConfigError(f"label must name the output row, got {label!r}")
    rows = {"original": _as_images(originals, "originals")}
    if corrupted is not None:
        rows["corrupted"] = _as_images(corrupted, "corrupted")
    rows[label] = _as_images(reconstructed, label)
    shape = rows["original"].shape
    for name, imgs in rows.items():
        if imgs.shape[1:] != shape[1:]:
            raise ConfigError(f"{name}: image shape {imgs.shape[1:]} does not match originals {shape[1:]}")
    count = min(n, *(imgs.shape[0] for imgs in rows.values()))

    fig = Figure(figsize=(max(3.0, 1.15 * count), 1.25 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), count, squeeze=False)
    for r, (name, imgs) in enumerate(rows.items()):
        for c in range(count):
            axis = axes[r, c]
            axis.imshow(imgs[c], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if c == 0:
                axis.set_ylabel(name, fontsize=9)
            if name != "original":
                mse = float(np.mean((imgs[c] - rows["original"][c]) ** 2))
                psnr = "∞" if mse == 0 else f"{10.0 * math.log10(1.0 / mse):.1f}"
                axis.set_xlabel(f"PSNR {psnr} dB", fontsize=7)
    note = "PSNR against the original under each image"
    fig.suptitle(f"{title} ({note})" if title else f"Originals, inputs and outputs ({note})", fontsize=10)
    return fig


def plot_embedding(
    codes: Any,
    labels: Any = None,
    ax: Any = None,
    method: str = "pca",
    *,
    class_names: Sequence[Any] | None = None,
    max_points: int = 5000,
    random_state: int = 0,
) -> Any:
    """2-D embedding (PCA or t-SNE) of codes (N, D), coloured by class.

    `labels` (N,) are class indices or names (None: one colour). t-SNE runs on at most `max_points` points
    (a random subset drawn with `random_state`, which also seeds t-SNE). `class_names` maps integer labels
    to names in the legend. Returns the Figure.
    """
    x = to_numpy(codes, "codes", ndim=2)
    if x.shape[1] < 2:
        raise ConfigError(f"codes: a 2-D embedding needs at least 2 features, got shape {x.shape}")
    if method not in ("pca", "tsne"):
        raise ConfigError(f"method must be 'pca' or 'tsne', got {method!r}")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 3:
        raise ConfigError(f"max_points must be an integer >= 3, got {max_points!r}")
    if labels is not None:
        if hasattr(labels, "detach"):
            labels = labels.detach().cpu().numpy()
        lab = np.asarray(labels)
        if lab.ndim != 1 or lab.shape[0] != x.shape[0]:
            raise ConfigError(
                f"labels: shape {lab.shape} does not match codes shape {x.shape} (expected (N,))"
            )
    else:
        lab = np.zeros(x.shape[0], dtype=int)
    if x.shape[0] < 3:
        raise ConfigError(f"codes: an embedding needs at least 3 points, got {x.shape[0]}")
    if method == "tsne" and x.shape[0] > max_points:
        keep = np.sort(np.random.default_rng(random_state).choice(x.shape[0], max_points, replace=False))
        x, lab = x[keep], lab[keep]

    if method == "pca":
        pca = PCA(n_components=2, random_state=random_state)
        y = pca.fit_transform(x)
        ratio = pca.explained_variance_ratio_
        axis_names = [f"PC {i + 1} ({100 * ratio[i]:.0f}% of variance)" for i in range(2)]
    else:
        perplexity = float(min(30.0, max(1.0, (x.shape[0] - 1) / 3.0)))
        tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=random_state)
        if x.shape[0] <= _TSNE_SERIAL_MAX:
            # On small inputs OpenMP's per-iteration barriers cost more than the parallel work saves, and on a
            # busy machine they cost seconds (30 points: 0.07 s on one thread, 5-20 s on two contended cores).
            with threadpool_limits(limits=1, user_api="openmp"):
                y = tsne.fit_transform(x)
        else:
            y = tsne.fit_transform(x)
        axis_names = ["t-SNE 1", "t-SNE 2"]
    if not np.all(np.isfinite(y)):
        raise DataError("codes: the embedding came out non-finite (are the codes constant?)")

    fig, (axis,) = new_axes(ax, figsize=(6.4, 5.4))
    classes = np.unique(lab)
    palette = "tab10" if len(classes) <= 10 else "tab20"
    cmap = colormaps[palette]
    size = 14 if y.shape[0] <= 2000 else 5
    for i, cls in enumerate(classes):
        mask = lab == cls
        if (
            class_names is not None
            and np.issubdtype(np.asarray(cls).dtype, np.integer)
            and 0 <= cls < len(class_names)
        ):
            name = str(class_names[int(cls)])
        else:
            name = str(cls)
        axis.scatter(y[mask, 0], y[mask, 1], s=size, color=cmap(i % cmap.N), alpha=0.75, lw=0, label=name)
    axis.set_xlabel(axis_names[0])
    axis.set_ylabel(axis_names[1])
    axis.set_title(f"{'PCA' if method == 'pca' else 't-SNE'} of the codes (N={y.shape[0]}, D={x.shape[1]})")
    if labels is not None:
        axis.legend(
            title="class", fontsize="small", markerscale=2.0, loc="best", ncols=2 if len(classes) > 10 else 1
        )
    axis.grid(True, alpha=0.25)
    return fig


def plot_error_histogram(
    scores: Any,
    labels: Any = None,
    threshold: float | None = None,
    ax: Any = None,
    *,
    log_x: bool = False,
    bins: int = 50,
    density: bool = False,
) -> Any:
    """Histogram of reconstruction errors, split into normal (label 0) and anomalous (label 1) when labelled.

    `scores` (N,) are per-example errors; `labels` (N,) 0/1 or bool. `threshold` draws a vertical line; with
    labels, its legend entry gives the share of anomalies flagged and of normal examples falsely flagged
    (score > threshold). `log_x` uses log-spaced bins (scores must be positive); `density` normalises each
    histogram so unequal class sizes compare. Returns the Figure.
    """
    s = to_numpy(scores, "scores", ndim=1)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ConfigError(f"bins must be a positive integer, got {bins!r}")
    groups: list[tuple[str, np.ndarray, str]]
    if labels is not None:
        lab = to_numpy(labels, "labels", ndim=1)
        if lab.shape != s.shape:
            raise ConfigError(f"labels: shape {lab.shape} does not match scores shape {s.shape}")
        if not np.all((lab == 0) | (lab == 1)):
            raise DataError("labels: expected 0 (normal) or 1 (anomalous) for every example")
        lab = lab.astype(bool)
        groups = [
            (f"normal (n={int((~lab).sum())})", s[~lab], "#1f77b4"),
            (f"anomalous (n={int(lab.sum())})", s[lab], "#d62728"),
        ]
        groups = [g for g in groups if g[1].size]
    else:
        lab = None
        groups = [(f"all (n={s.size})", s, "#1f77b4")]
    if threshold is not None:
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float, np.floating))
            or not (math.isfinite(float(threshold)))
        ):
            raise ConfigError(f"threshold must be a finite number, got {threshold!r}")
        threshold = float(threshold)
    lo, hi = float(s.min()), float(s.max())
    if log_x:
        if lo <= 0:
            raise ConfigError(f"log_x needs positive scores; the smallest is {lo:g}")
        edges = np.geomspace(lo, hi, bins + 1) if hi > lo else np.geomspace(lo / 1.1, hi * 1.1, bins + 1)
    else:
        edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.linspace(lo - 0.5, hi + 0.5, bins + 1)

    fig, (axis,) = new_axes(ax, figsize=(6.8, 4.2))
    for name, values, color in groups:
        axis.hist(values, bins=edges, color=color, alpha=0.45, label=name, density=density)
        axis.hist(values, bins=edges, color=color, histtype="step", lw=1.2, density=density)
    if threshold is not None:
        label = f"threshold {threshold:.4g}"
        if lab is not None and lab.any() and (~lab).any():
            caught = 100.0 * float(np.mean(s[lab] > threshold))
            false_alarm = 100.0 * float(np.mean(s[~lab] > threshold))
            label += f": {caught:.0f}% of anomalies, {false_alarm:.0f}% of normal flagged"
        axis.axvline(threshold, color="black", ls="--", lw=1.4, label=label)
    if log_x:
        axis.set_xscale("log")
    axis.set_xlabel("Reconstruction error" + (" (log scale)" if log_x else ""))
    axis.set_ylabel("Density" if density else "Count")
    axis.set_title("Reconstruction error")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    return fig
