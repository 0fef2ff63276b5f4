"""Autoencoder runs for the command line: data specs, training into a run directory, using it on files.

A DAE run directory holds `model.safetensors` + `model.json` (registry name, kwargs, what the data looked
like, the corruption it was trained for, the anomaly-score threshold), `metrics.csv` (per epoch),
`eval.json` (denoising quality on held-out data) and figures (`reconstructions.png` or `signals.png`,
`errors.png`). Loading goes through `artifacts.load_model`: nothing is unpickled.

Images are (N, C, H, W) in [0, 1]. Signals are (N, C, L) windows divided by one scale (the RMS of the
training windows, stored in model.json), so a Gaussian level of 1.0 is noise as strong as the average
window (0 dB SNR) and a trained model can denoise recordings of any length (the conv DAEs are fully
convolutional).
"""

from __future__ import annotations

import inspect
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepshrink.engine.artifacts import (
    METRICS_FILE,
    MODEL_META,
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    save_model,
)
from deepshrink.errors import ConfigError, DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
SIGNAL_FILE_SUFFIXES = (".mat", ".csv", ".wav", ".npz")
DEFAULT_LEVELS = {"gaussian": 0.5, "salt_pepper": 0.2, "masking": 0.4}
SIGNAL_WINDOW = 1024
SCORE_QUANTILE = 0.99
AUTO_EXAMPLES = 100_000  # default training length: about this many examples seen, 5 to 100 epochs


# --- data ------------------------------------------------------------------------------------------------


def _split(x: np.ndarray, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, round(val_fraction * len(x)))
    if len(x) - n_val < 1:
        raise DataError(f"need at least 2 examples to train and validate, got {len(x)}")
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    return t[order[n_val:]], t[order[:n_val]]


def _recording_windows(spec: str, window: int) -> np.ndarray:
    from deepshrink.data.manifest import load_recordings
    from deepshrink.engine.predict import windows_of

    kwargs = {"n_recordings_per_class": 2} if spec == "simulator" else {}
    recs = load_recordings(spec, **kwargs)
    chans = {r.signal.shape[0] for r in recs}
    if len(chans) != 1:
        raise DataError(f"data {spec!r}: recordings have different channel counts {sorted(chans)}")
    return np.concatenate(
        [windows_of(r.signal, window, window // 2) for r in recs if r.signal.shape[1] >= window]
    )


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
        return _add_axes(arr, 4, 1, Path(name), "images must be (N, H, W) or (N, C, H, W)"), kind
    return _add_axes(arr, 3, 1, Path(name), "signals must be (N, L) or (N, C, L)"), kind


def load_dae_data(
    spec: str,
    *,
    kind: str | None = None,
    window: int = SIGNAL_WINDOW,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[Tensor, Tensor, dict[str, Any]]:
    """Clean training data for an autoencoder: (train, validation, info).

    spec: "digits" (scikit-learn's bundled 8x8 digits), "mnist" / "mnist:PATH" (IDX files; default
    $DEEPSHRINK_DATA/mnist), "simulator" / "cwru:PATH" / a manifest .csv (recordings cut into `window`-sample
    windows with 50 % overlap), or an .npy file of examples ((N, H, W) / (N, C, H, W) images in [0, 1],
    (N, L) / (N, C, L) signals; `kind` settles a 3-D array). info: kind, shape, scale (signals), spec.
    """
    from deepshrink.data.io import check_finite

    if kind not in (None, "image", "signal"):
        raise ConfigError(f"--kind must be image or signal, got {kind!r}")
    if spec == "digits":
        from deepshrink.data.images import load_digits_images

        arr, kind = load_digits_images()[0], "image"
    elif spec == "mnist" or spec.startswith("mnist:"):
        from deepshrink.data.images import load_mnist

        shared = Path(os.environ.get("DEEPSHRINK_DATA", "../shared/data")) / "mnist"
        root = spec[6:] if spec.startswith("mnist:") else (shared if shared.is_dir() else None)
        arr, kind = load_mnist(root, split="train")[0], "image"
    elif spec.lower().endswith(".npy"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        arr, kind = _array_kind(_load_npy(path), kind, str(path))
    else:
        arr, kind = _recording_windows(spec, window), "signal"
    check_finite(arr, f"data {spec!r}")
    if len(arr) < 2:
        raise DataError(f"data {spec!r}: need at least 2 examples, got {len(arr)}")
    info: dict[str, Any] = {"spec": spec, "kind": kind, "shape": list(arr.shape[1:])}
    if kind == "image":
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 1:
            raise DataError(f"data {spec!r}: images must lie in [0, 1], found values in [{lo:.3g}, {hi:.3g}]")
    else:
        scale = float(np.sqrt(np.mean(np.square(arr, dtype=np.float64))))
        if not scale > 0:
            raise DataError(f"data {spec!r}: every signal is zero")
        arr = arr / scale
        info["scale"] = scale
    train, val = _split(arr, val_fraction, seed)
    return train, val, info


# --- training --------------------------------------------------------------------------------------------


def build_autoencoder(name: str, info: dict[str, Any], model_kwargs: dict[str, Any]) -> tuple[Any, dict]:
    """Create registry model `name` for data described by `info`; returns (model, the kwargs used)."""
    from deepshrink.models import create_model, model_info

    entry = model_info(name)
    if entry.task != "autoencoder":
        raise ConfigError(f"model {name!r} is a {entry.task}, not an autoencoder (see `deepshrink models`)")
    want = "image2d" if info["kind"] == "image" else "signal1d"
    params = inspect.signature(entry.fn).parameters
    kwargs = dict(model_kwargs)
    if "input_shape" in params:  # fully connected models see one fixed shape
        kwargs.setdefault("input_shape", list(info["shape"]))
    else:
        if entry.input_kind != want:
            raise ConfigError(
                f"model {name!r} takes {entry.input_kind} inputs but the data are {info['kind']}s"
            )
        kwargs.setdefault("in_channels", int(info["shape"][0]))
    return create_model(name, **kwargs), kwargs


def _write_metrics(path: Path, history: list[dict[str, float]]) -> None:
    cols = ["epoch", "time", "train_loss", "val_loss", "val_psnr"]
    cols = [c for c in cols if any(c in row for row in history)]
    lines = [",".join(cols)] + [",".join(f"{row.get(c, '')}" for c in cols) for row in history]
    atomic_write_text(path, "\n".join(lines) + "\n")


def _figures(
    run: Path,
    model: Any,
    val: Tensor,
    info: dict,
    corruption: str,
    level: float,
    scores: Tensor,
    threshold: float,
) -> list[str]:
    from deepshrink.engine.denoise import corrupt
    from deepshrink.plots import plot_error_histogram, plot_reconstructions, plot_signal
    from deepshrink.plots._common import save_figure

    g = torch.Generator().manual_seed(7)
    clip = (0.0, 1.0) if info["kind"] == "image" else None
    clean = val[:10]
    noisy = corrupt(clean, corruption, level, generator=g, clip=clip)[0]
    out = model.denoise(noisy)
    written = []
    if info["kind"] == "image":
        fig = plot_reconstructions(
            clean,
            noisy,
            out,
            n=min(10, len(clean)),
            title=f"{corruption} {level:g}: original / corrupted / denoised",
        )
        written.append(save_figure(fig, run / "reconstructions.png"))
    else:
        fig = plot_signal(
            clean[0, 0], noisy[0, 0], denoised=out[0, 0], title=f"{corruption} {level:g}: a validation window"
        )
        written.append(save_figure(fig, run / "signals.png"))
    fig = plot_error_histogram(scores, threshold=threshold, log_x=bool((scores > 0).all()))
    written.append(save_figure(fig, run / "errors.png"))
    return [str(p) for p in written]


def train_dae_run(
    data: str,
    out: str | os.PathLike,
    *,
    model: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    kind: str | None = None,
    corruption: str = "gaussian",
    level: float | tuple[float, float] | None = None,
    blind: bool = True,
    epochs: int | None = None,
    batch_size: int = 128,
    lr: float = 2e-3,
    max_minutes: float | None = None,
    seed: int = 0,
    overwrite: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    """Train an autoencoder on `data` into run directory `out`; returns the evaluation (also eval.json).

    model: a registered autoencoder; default `dae_conv2d` for images, `dae_conv1d` for signals.
    """
    from deepshrink.engine.denoise import CORRUPTIONS, evaluate_denoiser, train_denoiser

    run = Path(out)
    if run.exists() and not run.is_dir():
        raise ConfigError(f"--out {run}: exists and is not a directory")
    if (run / MODEL_META).exists() and not overwrite:
        raise ConfigError(f"--out {run}: already holds a trained model; use --overwrite or another --out")
    if corruption not in CORRUPTIONS:
        raise ConfigError(f"unknown corruption {corruption!r}; choose one of {', '.join(CORRUPTIONS)}")
    train, val, info = load_dae_data(data, kind=kind, seed=seed)
    if model is None:
        model = "dae_conv2d" if info["kind"] == "image" else "dae_conv1d"
    if info["kind"] == "signal" and corruption != "gaussian":
        raise ConfigError(f"signals are denoised of Gaussian noise only; got --corruption {corruption}")
    level = DEFAULT_LEVELS.get(corruption, 0.0) if level is None else level
    if epochs is None:  # small data sets need many epochs for a useful amount of training
        epochs = min(100, max(5, math.ceil(AUTO_EXAMPLES / len(train))))
    top = float(level[1] if isinstance(level, (tuple, list)) else level)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net, kwargs = build_autoencoder(model, info, model_kwargs or {})
    clip = (0.0, 1.0) if info["kind"] == "image" else None
    if clip is None and getattr(net, "output_range", None) is not None:
        raise ConfigError(
            f"model {model!r} has a [0, 1] output; signals need a linear output (use dae_conv1d)"
        )
    net, history = train_denoiser(
        net,
        train,
        corruption=corruption,
        level=level,
        blind=blind,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        max_minutes=max_minutes,
        val_images=val,
        val_level=top or None,
        clip=clip,
        quiet=quiet,
    )
    levels = sorted({top / 2, top}) if top > 0 else [0.0]
    evals = [
        evaluate_denoiser(net, val, corruption=corruption, level=lv, seed=seed, clip=clip) for lv in levels
    ]
    scores = net.anomaly_score(val)
    threshold = float(torch.quantile(scores.double(), SCORE_QUANTILE))
    run.mkdir(parents=True, exist_ok=True)
    meta = {
        "model": model,
        "model_kwargs": kwargs,
        "task": "autoencoder",
        "data": info,
        "corruption": corruption,
        "level": list(level) if isinstance(level, (tuple, list)) else level,
        "blind": blind,
        "score_threshold": threshold,
        "score_quantile": SCORE_QUANTILE,
        "epochs_done": len(history),
    }
    save_model(run, net, meta)
    _write_metrics(run / METRICS_FILE, history)
    result = {
        "model": model,
        "evaluation": evals,
        "score_threshold": threshold,
        "epochs_done": len(history),
        "val_examples": len(val),
    }
    result["figures"] = _figures(run, net, val, info, corruption, top, scores, threshold)
    atomic_write_json(run / "eval.json", result)
    return result


# --- using a trained run on files ------------------------------------------------------------------------


def _read_image(path: Path, channels: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("L" if channels == 1 else "RGB")
            arr = np.asarray(im, dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as err:
        raise DataError(f"{path}: not a readable image ({err})") from None
    return arr[None, None] if arr.ndim == 2 else arr.transpose(2, 0, 1)[None]


def read_examples(path: str | os.PathLike, meta: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    """Examples of file `path` in the run's layout: images (N, C, H, W) or signals (N, C, L) (scaled),
    and how to write results back in the same form."""
    from deepshrink.data.io import check_finite, read_signal_file

    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    info = meta["data"]
    channels = int(info["shape"][0])
    suffix = p.suffix.lower()
    how: dict[str, Any] = {"suffix": suffix}
    if info["kind"] == "image":
        if suffix in IMAGE_SUFFIXES:
            arr = _read_image(p, channels)
        elif suffix == ".npy":
            arr = _load_npy(p)
            how["shape"] = arr.shape
            arr = _add_axes(arr, 4, channels, p, "images must be (H, W), (N, H, W) or (N, C, H, W)")
        else:
            raise DataError(
                f"{p}: images are read from {', '.join(IMAGE_SUFFIXES)} or .npy files, not {suffix!r}"
            )
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 1:
            raise DataError(f"{p}: image values must lie in [0, 1], found [{lo:.3g}, {hi:.3g}]")
    else:
        if suffix == ".npy":
            arr = _load_npy(p)
            how["shape"] = arr.shape
            arr = _add_axes(arr, 3, channels, p, "signals must be (L,), (N, L) or (N, C, L)")
        elif suffix in SIGNAL_FILE_SUFFIXES:
            sig, rate = read_signal_file(p)
            arr, how["rate"] = sig[None], rate
        else:
            raise DataError(
                f"{p}: signals are read from .npy, {', '.join(SIGNAL_FILE_SUFFIXES)}, not {suffix!r}"
            )
        arr = arr / float(info["scale"])
    if arr.shape[1] != channels:
        raise DataError(f"{p}: {arr.shape[1]} channel(s), but the model was trained on {channels}")
    check_finite(arr, str(p))
    return np.ascontiguousarray(arr, dtype=np.float32), how


def _add_axes(arr: np.ndarray, ndim: int, channels: int, p: Path, expected: str) -> np.ndarray:
    """(N, C, *spatial) from an array missing the batch and/or channel axis."""
    if arr.ndim == ndim:
        return arr
    if arr.ndim == ndim - 2:
        return arr[None, None]
    if arr.ndim == ndim - 1:  # one channel: a batch of examples; several: one multi-channel example
        return arr[:, None] if channels == 1 else arr[None]
    raise DataError(f"{p}: {expected}, got shape {arr.shape}")


def _load_npy(p: Path) -> np.ndarray:
    try:
        arr = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"{p}: not a readable .npy array ({err})") from None
    if not np.issubdtype(arr.dtype, np.number) or arr.size == 0:
        raise DataError(f"{p}: expected a non-empty numeric array, got dtype {arr.dtype} shape {arr.shape}")
    return arr.astype(np.float32)


def _run_model(model: Any, x: np.ndarray, fn: str, path: Path) -> Tensor:
    try:
        return getattr(model, fn)(torch.from_numpy(x))
    except ConfigError as err:
        raise DataError(f"{path}: {err}") from None


def output_path(path: Path, out_dir: str | os.PathLike | None, how: dict[str, Any]) -> Path:
    """Where the denoised version of `path` goes: `<stem>.denoised<suffix>` (.wav and .npz give .npy)."""
    suffix = ".npy" if how["suffix"] in (".wav", ".npz") else how["suffix"]
    folder = Path(out_dir) if out_dir is not None else path.parent
    return folder / f"{path.stem}.denoised{suffix}"


def denoise_file(
    model: Any, meta: dict[str, Any], path: str | os.PathLike, out_dir: str | os.PathLike | None = None
) -> Path:
    """Denoise every example of `path` and write the result beside it (or into `out_dir`) in its format."""
    p = Path(path).expanduser()
    x, how = read_examples(p, meta)
    y = _run_model(model, x, "denoise", p).numpy()
    if meta["data"]["kind"] == "signal":
        y = y * float(meta["data"]["scale"])
    dest = output_path(p, out_dir, how)
    suffix = dest.suffix
    if suffix in IMAGE_SUFFIXES:
        from PIL import Image

        img = np.rint(np.clip(y[0], 0, 1) * 255).astype(np.uint8)
        img = Image.fromarray(img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0))
        atomic_write(dest, lambda tmp: img.save(tmp, format=Image.registered_extensions()[suffix]))
    elif suffix == ".npy":
        arr = y.reshape(how["shape"]) if "shape" in how else y[0]

        def write_npy(tmp: str) -> None:
            with open(tmp, "wb") as fh:  # np.save(path) would append ".npy" to the temporary name
                np.save(fh, arr, allow_pickle=False)

        atomic_write(dest, write_npy)
    elif suffix == ".csv":
        body = "\n".join(",".join(f"{v:.9g}" for v in row) for row in y[0].T)
        header = ",".join(f"ch{i}" for i in range(y.shape[1]))
        atomic_write_text(dest, header + "\n" + body + "\n")
    elif suffix == ".mat":
        from scipy.io import savemat

        variables = {"denoised": y[0].T}
        if how.get("rate"):
            variables["fs"] = float(how["rate"])
        atomic_write(dest, lambda tmp: savemat(tmp, variables))
    return dest


def score_file(model: Any, meta: dict[str, Any], path: str | os.PathLike) -> list[dict[str, Any]]:
    """Anomaly score (mean squared reconstruction error, in the model's units) of every example of `path`.

    Images: one score per image. Signals: one per window of the training window length (no overlap), so
    that a long recording shows where it departs from normal. Rows: file, index, start, score, anomaly.
    """
    from deepshrink.engine.predict import windows_of

    p = Path(path).expanduser()
    x, _ = read_examples(p, meta)
    starts = [None] * len(x)
    if meta["data"]["kind"] == "signal":
        window = int(meta["data"]["shape"][-1])
        if x.shape[0] == 1 and x.shape[-1] != window:
            x = windows_of(x[0], window)
            starts = [i * window for i in range(len(x))]
    scores = _run_model(model, x, "anomaly_score", p)
    threshold = float(meta["score_threshold"])
    if not bool(torch.isfinite(scores).all()):
        raise DataError(f"{p}: the reconstruction error is not finite (input far outside the training data?)")
    return [
        {"file": str(p), "index": i, "start": s, "score": float(v), "anomaly": bool(v > threshold)}
        for i, (s, v) in enumerate(zip(starts, scores.tolist(), strict=True))
    ]


def check_autoencoder_run(meta: dict[str, Any]) -> None:
    """DataError unless `meta` (a model.json) describes an autoencoder run of `deepshrink dae train`."""
    where = meta.get("_path", MODEL_META)
    if meta.get("task") != "autoencoder" or not isinstance(meta.get("data"), dict):
        raise DataError(f"{where}: not an autoencoder run (train one with `deepshrink dae train`)")
    data = meta["data"]
    if data.get("kind") not in ("image", "signal") or not isinstance(data.get("shape"), list):
        raise DataError(f"{where}: corrupt autoencoder metadata (data kind/shape)")
    if data["kind"] == "signal" and not (isinstance(data.get("scale"), (int, float)) and data["scale"] > 0):
        raise DataError(f"{where}: corrupt autoencoder metadata (signal scale)")
    if not (isinstance(meta.get("score_threshold"), (int, float)) and math.isfinite(meta["score_threshold"])):
        raise DataError(f"{where}: corrupt autoencoder metadata (score_threshold)")
