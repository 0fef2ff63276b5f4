"""Classify recordings with a trained run: class + probability per window and a vote per file."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from deepshrink.engine._noise import normalize_windows
from deepshrink.errors import DataError

SIGNAL_SUFFIXES = (".mat", ".npy", ".npz", ".csv", ".wav")


def list_signal_files(path: str | os.PathLike) -> list[Path]:
    """The file itself, or every signal file (.mat/.npy/.csv/.wav) under a folder, sorted."""
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SIGNAL_SUFFIXES)
    if not files:
        raise DataError(f"{p}: no signal files (.mat, .npy, .csv, .wav) in this folder")
    return files


def windows_of(signal: np.ndarray, window: int, stride: int | None = None) -> np.ndarray:
    """(N, C, window) windows (`stride` apart, default no overlap) of a (C, samples) signal; tail dropped."""
    stride = stride or window
    if signal.shape[-1] < window:
        raise DataError(f"signal has {signal.shape[-1]} samples, fewer than one window of {window}")
    view = np.lib.stride_tricks.sliding_window_view(signal, window, axis=-1)[:, ::stride]  # (C, N, window)
    return np.array(view.transpose(1, 0, 2), dtype=np.float32, order="C")


@torch.inference_mode()
def predict_files(
    model: torch.nn.Module,
    meta: dict[str, Any],
    paths: list[str | os.PathLike],
    *,
    batch_size: int = 512,
    stride: int | None = None,
) -> list[dict[str, Any]]:
    """Predict every window of every file.

    Files are read with `deepshrink.data.io.read_signal_file`; one with a known sample rate (.wav, .mat with
    a rate) different from the model's is resampled; files without one are taken to be at the model's rate.
    Returns per file: {file, windows: [{start, class, probability}], vote, vote_fraction, mean_probability}.
    """
    from deepshrink.data.io import read_signal_file, resample_signal

    classes = list(meta["classes"])
    window = int(meta["window"])
    target = meta.get("sample_rate")
    in_ch = int(meta["model_kwargs"].get("in_channels", 1))
    model.eval()
    results = []
    for path in paths:
        signal, rate = read_signal_file(path)
        signal = np.asarray(signal, dtype=np.float32)
        if signal.ndim == 1:
            signal = signal[None]
        if signal.shape[0] != in_ch:
            raise DataError(f"{path}: has {signal.shape[0]} channel(s), the model expects {in_ch}")
        if rate and target and abs(float(rate) - float(target)) > 1e-6:
            signal = resample_signal(signal, float(rate), float(target), name=str(path))
        try:
            w = windows_of(signal, window, stride)
        except DataError as err:
            raise DataError(f"{path}: {err}") from None
        x = torch.from_numpy(w)
        probs = torch.cat(
            [
                torch.softmax(
                    model(normalize_windows(x[i : i + batch_size], meta.get("normalize", "none"))), 1
                )
                for i in range(0, len(x), batch_size)
            ]
        )
        if not bool(torch.isfinite(probs).all()):
            raise DataError(f"{path}: the model produced NaN outputs (extreme values in the file?)")
        conf, pred = probs.max(1)
        step = stride or window
        wins = [
            {"start": i * step, "class": classes[int(p)], "probability": round(float(c), 6)}
            for i, (p, c) in enumerate(zip(pred, conf, strict=True))
        ]
        votes = Counter(int(p) for p in pred)
        top, count = max(votes.items(), key=lambda kv: (kv[1], float(probs[:, kv[0]].sum())))
        results.append(
            {
                "file": str(path),
                "windows": wins,
                "vote": classes[top],
                "vote_fraction": round(count / len(wins), 6),
                "mean_probability": round(float(probs[:, top].mean()), 6),
            }
        )
    return results
