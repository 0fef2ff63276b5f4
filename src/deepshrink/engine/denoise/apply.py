"""A trained autoencoder run on files: denoise them (`dae denoise`) or score them for anomalies (`dae score`).

Files are read by `deepshrink.data.split.examples.read_examples` in the run's layout; outputs are written
atomically in the input's own format (.wav and .npz give .npy).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from scipy.io import savemat
from torch import Tensor

from deepshrink.atomic import atomic_write, atomic_write_text
from deepshrink.data.split.examples import IMAGE_SUFFIXES, read_examples
from deepshrink.data.split.windows import windows_of
from deepshrink.errors import ConfigError, DataError

__all__ = ["denoise_file", "output_path", "score_file", "score_summary"]

LEVEL_WARN_DB = 6.0  # a file more than 2x louder or quieter than the training data gets a warning
RATE_WARN = 0.01  # so does one recorded at a rate more than 1 % off the training rate


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
    model: Any,
    meta: dict[str, Any],
    path: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    sample_rate: float | None = None,
) -> Path:
    """Denoise every example of `path` and write the result beside it (or into `out_dir`) in its format."""
    p = Path(path).expanduser()
    x, how = read_examples(p, meta["data"], sample_rate=sample_rate)
    y = _run_model(model, x, "denoise", p).numpy()
    if meta["data"]["kind"] == "signal":
        y = y * float(meta["data"]["scale"])
    dest = output_path(p, out_dir, how)
    suffix = dest.suffix
    if suffix in IMAGE_SUFFIXES:
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
        variables = {"denoised": y[0].T}
        if how.get("rate"):
            variables["fs"] = float(how["rate"])
        atomic_write(dest, lambda tmp: savemat(tmp, variables))
    return dest


def score_file(
    model: Any, meta: dict[str, Any], path: str | os.PathLike, *, sample_rate: float | None = None
) -> list[dict[str, Any]]:
    """Anomaly score (mean squared reconstruction error, in the model's units) of every example of `path`.

    Images: one score per image. Signals: one per window of the training window length (no overlap), so
    that a long recording shows where it departs from normal. Rows: file, index, start, score, anomaly.
    """
    p = Path(path).expanduser()
    x, how = read_examples(p, meta["data"], sample_rate=sample_rate)
    starts: list[int | None] = [None] * len(x)
    if meta["data"]["kind"] == "signal":
        window = int(meta["data"]["shape"][-1])
        if x.shape[0] == 1 and x.shape[-1] != window:
            try:
                x = windows_of(x[0], window)
            except DataError as err:
                raise DataError(f"{p}: {err}") from None
            starts = [i * window for i in range(len(x))]
    scores = _run_model(model, x, "anomaly_score", p)
    threshold = float(meta["score_threshold"])
    if not bool(torch.isfinite(scores).all()):
        raise DataError(f"{p}: the reconstruction error is not finite (input far outside the training data?)")
    rows = [
        {"file": str(p), "index": i, "start": s, "score": float(v), "anomaly": bool(v > threshold)}
        for i, (s, v) in enumerate(zip(starts, scores.tolist(), strict=True))
    ]
    if meta["data"]["kind"] == "signal":
        # the level of each window against the training data (x is in units of the training RMS): a DAE
        # scores a quieter signal as *more* normal, so the level must be visible beside the score
        power = np.mean(np.square(x, dtype=np.float64).reshape(len(x), -1), axis=1)
        for row, pw in zip(rows, power, strict=True):
            row["level_db"] = float(10 * np.log10(max(pw, 1e-24)))
            row["rate"] = how.get("rate")
    return rows


def score_summary(rows: list[dict[str, Any]], meta: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Per file: examples, flagged, median and max score; and warnings for files whose typical score lies
    far outside what the run's own held-out healthy data gave (the threshold then says little: it means
    something only for the machine and sensor whose healthy data trained the model)."""
    dist = {str(k): float(v) for k, v in (meta.get("score_distribution") or {}).items()}
    top = dist.get("100", float(meta["score_threshold"]))
    typical = dist.get("50", top / 10)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_file.setdefault(r["file"], []).append(r)
    summary, warnings = [], []
    train_rate = meta["data"].get("sample_rate")
    for f, rs in by_file.items():
        scores = np.array([r["score"] for r in rs])
        median = float(np.median(scores))
        item = {
            "file": f,
            "examples": len(rs),
            "flagged": int(sum(r["anomaly"] for r in rs)),
            "median_score": median,
            "max_score": float(scores.max()),
        }
        if "level_db" in rs[0]:
            level = float(10 * np.log10(np.mean([10 ** (r["level_db"] / 10) for r in rs])))
            item["level_db"] = level
            if abs(level) > LEVEL_WARN_DB:
                warnings.append(
                    f"{f}: its level is {10 ** (level / 20):.3g} x the training data's RMS "
                    f"({level:+.1f} dB); "
                    "a DAE scores a quieter signal as more normal and a louder one as less, whatever its "
                    "health: train on this machine's own healthy recordings (deepshrink monitor)"
                )
            rate = rs[0].get("rate")
            if rate and train_rate and abs(rate / train_rate - 1) > RATE_WARN:
                warnings.append(
                    f"{f}: recorded at {rate:g} Hz, {rate / train_rate:.3g} x the training rate "
                    f"({train_rate:g} Hz); resampled, but its machine and sensor differ from the training"
                    " data"
                )
        summary.append(item)
        if median > 10 * top or median < typical / 100:
            warnings.append(
                f"{f}: median score {median:.4g} is far outside the training range (held-out healthy data: "
                f"median {typical:.4g}, highest {top:.4g}); the threshold means something only for the "
                "machine and sensor the model was trained on"
            )
    return summary, warnings
