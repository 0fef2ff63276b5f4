"""Figures of a generative model's outputs: a grid of samples and a latent interpolation between two inputs.

Images are (N, C, H, W) with C 1 or 3, or (N, H, W), in [0, 1] (shown clipped to it); signals (N, C, L) or
(N, L) are drawn as small traces (channel 0). Like every figure here, built without pyplot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from deepshrink.errors import ConfigError
from deepshrink.plots._common import to_numpy

__all__ = ["plot_interpolation", "plot_sample_grid"]

_GAP = 1  # pixels between the tiles of an image grid


def _kind(arr: np.ndarray, name: str) -> str:
    """ "image" for (N, H, W) / (N, 1|3, H, W), "signal" for (N, L) / (N, C, L)."""
    if arr.ndim == 4:
        if arr.shape[1] not in (1, 3):
            raise ConfigError(f"{name}: expected 1 or 3 channels in (N, C, H, W), got shape {arr.shape}")
        return "image"
    if arr.ndim == 2:
        return "signal"
    # (N, A, B): a few channels of long signals, else gray images
    return "signal" if arr.shape[1] <= 4 and arr.shape[2] > 16 else "image"


def _images(arr: np.ndarray) -> np.ndarray:
    """(N, H, W) or (N, H, W, 3) in [0, 1] for imshow."""
    if arr.ndim == 4:
        arr = arr[:, 0] if arr.shape[1] == 1 else arr.transpose(0, 2, 3, 1)
    return np.clip(arr, 0.0, 1.0)


def _traces(arr: np.ndarray) -> np.ndarray:
    """(N, L): channel 0 of every signal."""
    return arr if arr.ndim == 2 else arr[:, 0]


def _check_count(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def _mosaic(imgs: np.ndarray, ncols: int) -> np.ndarray:
    """One image of the tiles in rows of `ncols`, separated by `_GAP` pixels of mid-gray."""
    n, h, w = imgs.shape[:3]
    nrows = math.ceil(n / ncols)
    shape = (nrows * (h + _GAP) - _GAP, ncols * (w + _GAP) - _GAP, *imgs.shape[3:])
    out = np.full(shape, 0.5, dtype=np.float64)
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        out[r * (h + _GAP) : r * (h + _GAP) + h, c * (w + _GAP) : c * (w + _GAP) + w] = img
    return out


def plot_sample_grid(samples: Any, *, ncols: int | None = None, title: str | None = None) -> Figure:
    """A grid of samples: images as one mosaic (rows of `ncols`, default the square root of N), signals as
    one small trace each. Returns the Figure."""
    arr = to_numpy(samples, "samples", ndim=(2, 3, 4))
    n = len(arr)
    ncols = math.ceil(math.sqrt(n)) if ncols is None else _check_count(ncols, "ncols")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if _kind(arr, "samples") == "image":
        imgs = _images(arr)
        mosaic = _mosaic(imgs, ncols)
        side = 0.9 if imgs.shape[1] >= 16 else 0.6  # inches per tile: 28 x 28 digits stay legible
        fig = Figure(figsize=(max(3.0, side * ncols), max(3.0, side * nrows) + 0.4), layout="constrained")
        ax = fig.subplots()
        ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_axis_off()
    else:
        traces = _traces(arr)
        fig = Figure(figsize=(max(4.0, 1.6 * ncols), 1.0 * nrows + 0.6), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for i, axis in enumerate(axes.ravel()):
            if i < n:
                axis.plot(traces[i], lw=0.6, color="#1f77b4")
            axis.set_xticks([])
            axis.set_yticks([])
            if i >= n:
                axis.set_axis_off()
    fig.suptitle(title or f"{n} samples", fontsize=10)
    return fig


def plot_interpolation(
    path: Any,
    start: Any = None,
    end: Any = None,
    *,
    labels: Sequence[str] = ("A", "B"),
    title: str | None = None,
) -> Figure:
    """One row: the input `start`, the decoded points of `path` (steps of a straight latent line, t from 0
    to 1) and the input `end` (`start` and `end` may be None: the row then holds the path only). Returns
    the Figure."""
    arr = to_numpy(path, "path", ndim=(2, 3, 4))
    kind = _kind(arr, "path")
    if len(labels) != 2:
        raise ConfigError(f"labels: expected two names (start, end), got {len(labels)}")
    ends = []
    for name, x in (("start", start), ("end", end)):
        if x is None:
            ends.append(None)
            continue
        e = to_numpy(x, name)
        if e.size != math.prod(arr.shape[1:]):
            raise ConfigError(f"{name}: shape {e.shape} does not match the path's examples {arr.shape[1:]}")
        ends.append(e.reshape(1, *arr.shape[1:]))
    steps = len(arr)
    t = np.linspace(0.0, 1.0, steps) if steps > 1 else np.zeros(1)
    short = [n if len(n) <= 16 else n[:15] + "…" for n in map(str, labels)]  # a cell is an inch wide
    cells: list[tuple[str, np.ndarray, bool]] = []
    if ends[0] is not None:
        cells.append((short[0], ends[0], True))
    cells += [(f"t={v:.2f}", arr[i : i + 1], False) for i, v in enumerate(t)]
    if ends[1] is not None:
        cells.append((short[1], ends[1], True))
    fig = Figure(
        figsize=(max(4.0, 1.05 * len(cells)), 1.75 if kind == "image" else 1.6), layout="constrained"
    )
    axes = fig.subplots(1, len(cells), squeeze=False)[0]
    for axis, (name, x, is_input) in zip(axes, cells, strict=True):
        if kind == "image":
            axis.imshow(_images(x)[0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        else:
            axis.plot(_traces(x)[0], lw=0.6, color="#d62728" if is_input else "#1f77b4")
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_title(name, fontsize=7, fontweight="bold" if is_input else "normal")
        if is_input:
            for spine in axis.spines.values():
                spine.set_edgecolor("#d62728")
                spine.set_linewidth(1.5)
    fig.suptitle(title or f"latent interpolation ({steps} steps)", fontsize=9)
    return fig
