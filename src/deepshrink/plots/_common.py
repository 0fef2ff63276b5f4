"""Shared helpers of the plotting modules: array checks, Axes creation, model styles, atomic saving."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure, SubFigure

from deepshrink.atomic import atomic_write
from deepshrink.errors import ConfigError, DataError

# Figures are built with `matplotlib.figure.Figure` directly (no pyplot), so nothing here touches the global
# backend or figure registry and figures are garbage-collected like any object.

# Fixed colours so that the same model looks the same in every figure of a report; matched by substring, the
# most specific names first ("drsn_cw" must win over a plain "resnet").
_MODEL_STYLES: tuple[tuple[str, str, str], ...] = (
    ("drsn_cw", "#d62728", "s"),  # red
    ("drsn_cs", "#ff7f0e", "^"),  # orange
    ("resnet", "#1f77b4", "o"),  # blue
    ("convnet", "#7f7f7f", "v"),  # grey
)
_FALLBACK_COLORS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939")
_FALLBACK_MARKERS = ("D", "P", "X", "h", "<", ">", "p", "*")

_SAVE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg", ".jpg": "jpg", ".jpeg": "jpg", ".eps": "eps"}


def model_style(name: str) -> dict[str, str]:
    """Colour and marker of a model, the same in every figure.

    convnet is grey, resnet blue, drsn_cs orange, drsn_cw red (matched by substring of the lower-cased name,
    with "-" read as "_", so "DRSN-CW-paper" is red). Other names get a colour from a fixed palette chosen by
    a stable hash of the name, so they too keep their colour across figures and runs.
    """
    key = str(name).lower().replace("-", "_")
    for pattern, color, marker in _MODEL_STYLES:
        if pattern in key:
            return {"color": color, "marker": marker}
    h = zlib.crc32(key.encode())
    return {"color": _FALLBACK_COLORS[h % len(_FALLBACK_COLORS)], "marker": _FALLBACK_MARKERS[h % 8]}


def model_sort_key(name: str) -> tuple[int, str]:
    """Sort key that lists models in the paper's order (convnet, resnet, drsn_cs, drsn_cw), others after."""
    key = str(name).lower().replace("-", "_")
    order = ("convnet", "resnet", "drsn_cs", "drsn_cw")
    for rank, pattern in reversed(list(enumerate(order))):
        if pattern in key:
            return (rank, key)
    return (len(order), key)


def to_numpy(
    x: Any, name: str, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True
) -> np.ndarray:
    """`x` (numpy array, torch tensor, list) as a float numpy array, checked.

    Raises ConfigError for a wrong number of dimensions or an empty array and DataError for NaN/inf.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor; torch itself is not imported here
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: expected an array of numbers, got {type(x).__name__} ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ConfigError(f"{name}: expected a {want} array, got shape {tuple(arr.shape)}")
    if arr.size == 0:
        raise ConfigError(f"{name}: the array is empty (shape {tuple(arr.shape)})")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise DataError(f"{name}: {bad} value(s) are NaN or infinite")
    return arr


def new_axes(
    ax: Any, *, nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.4, 4.4), **subplot_kw: Any
) -> tuple[Any, list[Any]]:
    """(figure, flat list of Axes): the given `ax` and its figure, or a new Figure with a grid of Axes."""
    if ax is not None:
        if not hasattr(ax, "get_figure") or not hasattr(ax, "plot"):
            raise ConfigError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
        return root_figure(ax), [ax]
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, list(axes.ravel())


def root_figure(ax: Any) -> Any:
    """The top-level Figure of `ax` (not a SubFigure), which is what callers save."""
    fig = ax.get_figure()
    # SubFigures know their parent Figure; walk up so the caller gets something it can save.
    while hasattr(fig, "figure") and fig.figure is not fig and fig.figure is not None:
        fig = fig.figure
    return fig


def check_names(names: Sequence[Any] | None, count: int, what: str) -> list[str]:
    """`count` display names: the given ones (checked for length) or 0..count-1."""
    if names is None:
        return [str(i) for i in range(count)]
    if isinstance(names, str):
        raise ConfigError(f"{what}: expected a sequence of {count} names, got the string {names!r}")
    names = [str(n) for n in names]
    if len(names) != count:
        raise ConfigError(f"{what}: got {len(names)} names for {count} classes")
    return names


def save_figure(fig: Any, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Write `fig` to `path` atomically (temporary file in the same folder, then `os.replace`).

    The format comes from the suffix (.png, .pdf, .svg, .jpg, .eps). The folder must exist. Returns the path.
    A reader never sees a half-written image, and a failed save leaves no temporary file behind.
    """
    if isinstance(fig, SubFigure):
        fig = root_figure(fig)
    if not isinstance(fig, Figure):
        raise ConfigError(f"save_figure: expected a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(dpi, (int, float)) or isinstance(dpi, bool) or not 10 <= dpi <= 2400:
        raise ConfigError(f"save_figure: dpi must be a number between 10 and 2400, got {dpi!r}")
    path = Path(path)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"{path}: unknown image format {path.suffix!r}; use one of {', '.join(sorted(_SAVE_FORMATS))}"
        )
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"{path}: the folder {folder} does not exist")

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=dpi)

    try:
        atomic_write(path, write)  # the usual file mode (0666 minus the umask), as every written file
    except OSError as exc:
        raise DataError(f"{path}: cannot write the figure ({exc.strerror or exc})") from None
    return path
