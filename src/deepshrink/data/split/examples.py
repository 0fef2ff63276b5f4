"""Inputs of trained models: the files `predict`, `dae denoise` and `dae score` read, and the clean examples
`dae train` learns from. Together with `load_recordings` (training data specs) this is where every file is
opened and every window cut; the engine never reads a file itself.

Images are (N, C, H, W) float32 in [0, 1]. Signals are (N, C, L) windows; an autoencoder run divides them by
one scale (the RMS of its training windows, stored in model.json) so that a Gaussian level of 1.0 is noise as
strong as the average window (0 dB SNR).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from deepshrink.data.readers.io import (
    SIGNAL_SUFFIXES,
    check_finite,
    read_npy,
    read_signal_file,
    resample_signal,
)
from deepshrink.data.sets.registry import dataset
from deepshrink.data.sets.specs import load_recordings
from deepshrink.data.split.windows import windows_of
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "IMAGE_SUFFIXES",
    "Examples",
    "InputFile",
    "list_input_files",
    "load_examples",
    "read_examples",
    "read_signal_input",
    "windows_of",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def list_input_files(
    path: str | os.PathLike, suffixes: tuple[str, ...] = SIGNAL_SUFFIXES
) -> tuple[list[Path], list[Path]]:
    """(files to read, files skipped) for a file or a folder (searched recursively, sorted).

    A folder's files with other suffixes (a MANIFEST.csv is a signal suffix but not a signal: it is tried
    and skipped by the caller when unreadable) are returned as skipped so that the caller can warn once;
    a folder with nothing readable, a missing path or a single file of another type is a DataError.
    """
    p = Path(path).expanduser()
    if p.is_file():
        if p.suffix.lower() not in suffixes:
            raise DataError(f"{p}: unsupported file type {p.suffix!r} (expected {', '.join(suffixes)})")
        return [p], []
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    files, skipped = [], []
    for f in sorted(p.rglob("*")):
        if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
            continue
        (files if f.suffix.lower() in suffixes else skipped).append(f)
    if not files:
        raise DataError(f"{p}: no input files ({', '.join(suffixes)}) in this folder")
    return files, skipped


@dataclass
class InputFile:
    """One signal file ready for a model: (C, samples) at `rate`; `assumed_rate` when the file had none."""

    path: Path
    signal: np.ndarray
    rate: float | None
    assumed_rate: bool


def read_signal_input(
    path: str | os.PathLike,
    *,
    channels: int,
    target_rate: float | None,
    sample_rate: float | None = None,
) -> InputFile:
    """Read a recording for a trained model: checked channel count, resampled to the model's rate.

    sample_rate: the rate of files that do not carry one (.npy, .csv, .mat without fs); without it such a
    file is taken to be at `target_rate` (`assumed_rate` tells the caller to say so).
    """
    p = Path(path)
    signal, rate = read_signal_file(p)
    signal = np.asarray(signal, dtype=np.float32)
    if signal.shape[0] != channels:
        raise DataError(f"{p}: has {signal.shape[0]} channel(s), the model expects {channels}")
    assumed = False
    if rate is None:
        rate, assumed = (
            (sample_rate, False) if sample_rate is not None else (target_rate, target_rate is not None)
        )
    if rate and target_rate and abs(float(rate) - float(target_rate)) > 1e-6:
        signal = resample_signal(signal, float(rate), float(target_rate), name=str(p))
    return InputFile(path=p, signal=signal, rate=rate, assumed_rate=assumed)


# --- autoencoder examples --------------------------------------------------------------------------------


@dataclass
class Examples:
    """Clean examples for an autoencoder: `x` (N, C, ...) float32 and what they are (kind, shape, scale)."""

    x: np.ndarray
    kind: str  # "image" or "signal"
    spec: str
    scale: float | None = None  # signals: the RMS they were divided by
    rate: float | None = None  # signals from recordings: their sample rate

    @property
    def info(self) -> dict[str, Any]:
        """What model.json records about the data."""
        out: dict[str, Any] = {"spec": self.spec, "kind": self.kind, "shape": list(self.x.shape[1:])}
        if self.scale is not None:
            out["scale"] = self.scale
        if self.rate is not None:
            out["sample_rate"] = self.rate
        return out


def check_image_range(arr: np.ndarray, name: str) -> None:
    """DataError naming `name` unless every value lies in [0, 1] (what the image autoencoders expect)."""
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0 or hi > 1:
        raise DataError(f"{name}: images must lie in [0, 1], found values in [{lo:.3g}, {hi:.3g}]")


def load_npy(p: Path) -> np.ndarray:
    """A numeric, non-empty .npy array as float32 (never unpickled)."""
    arr = read_npy(p)
    if not isinstance(arr, np.ndarray) or not np.issubdtype(arr.dtype, np.number) or arr.size == 0:
        raise DataError(f"{p}: expected a non-empty numeric array")
    return arr.astype(np.float32)


def add_axes(arr: np.ndarray, ndim: int, channels: int, name: str, expected: str) -> np.ndarray:
    """(N, C, *spatial) from an array missing the batch and/or channel axis."""
    if arr.ndim == ndim:
        return arr
    if arr.ndim == ndim - 2:
        return arr[None, None]
    if arr.ndim == ndim - 1:  # one channel: a batch of examples; several: one multi-channel example
        return arr[:, None] if channels == 1 else arr[None]
    raise DataError(f"{name}: {expected}, got shape {arr.shape}")


def _array_kind(arr: np.ndarray, kind: str | None, name: str) -> tuple[np.ndarray, str]:
    """(N, C, ...) array and "image" / "signal" from an .npy array of examples."""
    if kind is None:
        if arr.ndim == 4:
            kind = "image"
        elif arr.ndim == 2:
            kind = "signal"
        elif arr.ndim == 3:
            kind = "signal" if arr.shape[1] <= 4 else "image"
        else:
            raise DataError(f"{name}: expected (N, H, W) / (N, C, H, W) images or (N, L) / (N, C, L) signals")
    if kind == "image":
        return add_axes(arr, 4, 1, name, "images must be (N, H, W) or (N, C, H, W)"), kind
    return add_axes(arr, 3, 1, name, "signals must be (N, L) or (N, C, L)"), kind


def _images(spec: str):
    """The registry entry of an image data set named by `spec` ("mnist", "mnist:PATH"), else None."""
    entry = dataset(spec.partition(":")[0])
    return entry if entry is not None and entry.kind == "images" else None


def load_examples(spec: str, *, kind: str | None = None, window: int = 1024) -> Examples:
    """Clean training examples for an autoencoder from a data spec.

    spec: "digits" (scikit-learn's bundled 8x8 digits), "mnist" / "mnist:PATH" (IDX files, found by the
    locate rule), a recordings spec ("simulator", "cwru[:PATH]", "uestc[:PATH]", a manifest .csv, a folder:
    cut into `window`-sample windows with 50 % overlap), or an .npy file of examples ((N, H, W) /
    (N, C, H, W) images in [0, 1], (N, L) / (N, C, L) signals; `kind` settles a 3-D array). Signals are
    divided by their RMS (`Examples.scale`).
    """
    if kind not in (None, "image", "signal"):
        raise ConfigError(f"kind must be image or signal, got {kind!r}", key="kind")
    scale = rate = None
    if (entry := _images(spec)) is not None:  # an image set of the registry: "digits", "mnist[:PATH]"
        train = {"split": "train"} if entry.splits else {}  # a set without its own split: every image
        arr, kind = entry.load(*entry.root_args(spec.partition(":")[2] or None), **train)[0], "image"
    elif spec.lower().endswith(".npy"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        arr, kind = _array_kind(load_npy(path), kind, str(path))
    else:
        entry = dataset(spec.partition(":")[0])
        recs = load_recordings(spec, **dict(entry.example_options if entry is not None else ()))
        if len({r.channels for r in recs}) != 1:
            raise DataError(f"data {spec!r}: recordings have different channel counts")
        arr = np.concatenate(
            [windows_of(r.signal, window, window // 2) for r in recs if r.n_samples >= window]
        )
        kind, rate = "signal", float(recs[0].sample_rate)
    check_finite(arr.reshape(len(arr), -1), f"data {spec!r}")
    if len(arr) < 2:
        raise DataError(f"data {spec!r}: need at least 2 examples, got {len(arr)}")
    if kind == "image":
        check_image_range(arr, f"data {spec!r}")
    else:
        scale = float(np.sqrt(np.mean(np.square(arr, dtype=np.float64))))
        if not scale > 0:
            raise DataError(f"data {spec!r}: every signal is zero")
        arr = arr / scale
    return Examples(
        x=np.ascontiguousarray(arr, dtype=np.float32), kind=kind, spec=spec, scale=scale, rate=rate
    )


def _read_image(path: Path, channels: int) -> np.ndarray:
    try:
        with Image.open(path) as im:
            im = im.convert("L" if channels == 1 else "RGB")
            arr = np.asarray(im, dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as err:
        raise DataError(f"{path}: not a readable image ({err})") from None
    return arr[None, None] if arr.ndim == 2 else arr.transpose(2, 0, 1)[None]


def read_examples(
    path: str | os.PathLike, data: dict[str, Any], *, sample_rate: float | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Examples of file `path` in an autoencoder run's layout (`data` = model.json's "data"): images
    (N, C, H, W) or signals (N, C, L) divided by the run's scale, and how to write results back (suffix,
    original shape, rate). Signal files without a rate are taken at `sample_rate` when given."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise DataError(f"{p}: is a folder; give files (or a folder to a command that accepts folders)")
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    channels = int(data["shape"][0])
    suffix = p.suffix.lower()
    how: dict[str, Any] = {"suffix": suffix}
    if data["kind"] == "image":
        if suffix in IMAGE_SUFFIXES:
            arr = _read_image(p, channels)
        elif suffix == ".npy":
            arr = load_npy(p)
            how["shape"] = arr.shape
            arr = add_axes(arr, 4, channels, str(p), "images must be (H, W), (N, H, W) or (N, C, H, W)")
        else:
            raise DataError(
                f"{p}: images are read from {', '.join(IMAGE_SUFFIXES)} or .npy files, not {suffix!r}"
            )
        check_image_range(arr, str(p))
    else:
        if suffix == ".npy":
            arr = load_npy(p)
            how["shape"] = arr.shape
            arr = add_axes(arr, 3, channels, str(p), "signals must be (L,), (N, L) or (N, C, L)")
            how["rate"] = sample_rate
        elif suffix in SIGNAL_SUFFIXES:
            sig, rate = read_signal_file(p)
            rate = rate if rate is not None else sample_rate
            target = data.get("sample_rate")
            if rate is not None and target is not None and abs(float(rate) - float(target)) > 1e-6:
                sig = resample_signal(sig, float(rate), float(target), name=str(p))
            arr, how["rate"] = sig[None], rate
        else:
            raise DataError(f"{p}: signals are read from {', '.join(SIGNAL_SUFFIXES)}, not {suffix!r}")
        arr = arr / float(data["scale"])
    if arr.shape[1] != channels:
        raise DataError(f"{p}: {arr.shape[1]} channel(s), but the model was trained on {channels}")
    check_finite(arr.reshape(len(arr), -1), str(p))
    return np.ascontiguousarray(arr, dtype=np.float32), how
