"""Classify recordings with a trained run: class + probability per window and a vote per file."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import torch

from deepshrink.data.split.examples import read_signal_input
from deepshrink.data.split.windows import windows_of
from deepshrink.engine.classify.inference import infer
from deepshrink.engine.core.artifacts import check_run_kind
from deepshrink.errors import DataError
from deepshrink.models import model_info

__all__ = ["predict_file", "predict_files", "vote"]


def vote(probs: torch.Tensor) -> tuple[int, int]:
    """The class most windows of one recording or segment call (probs: (windows, classes)), ties going to the
    larger summed probability; and how many windows called it. What `predict` reports per file and the
    envelope-vs-networks benchmark per segment."""
    votes = Counter(int(p) for p in probs.argmax(1))
    return max(votes.items(), key=lambda kv: (kv[1], float(probs[:, kv[0]].sum())))


def predict_file(
    model: torch.nn.Module,
    meta: dict[str, Any],
    path: str | os.PathLike,
    *,
    batch_size: int = 512,
    stride: int | None = None,
    sample_rate: float | None = None,
) -> dict[str, Any]:
    """Predict every window of one file (read and resampled by `data.examples.read_signal_input`).

    Returns {file, windows: [{start, class, probability}], vote, vote_fraction, mean_probability,
    assumed_rate (True when the file had no rate and was taken at the model's)}.
    """
    check_run_kind(meta, "classification")
    classes = list(meta["classes"])
    if model_info(meta["model"]).input_kind == "image2d":
        raise DataError(
            f"{meta.get('_path', 'the run')}: an image classifier; predict classifies signal files (for "
            "images: deepshrink.engine.classify.inference.infer on (N, C, H, W) arrays)"
        )
    window = int(meta["window"])
    inp = read_signal_input(
        path,
        channels=int(meta["model_kwargs"].get("in_channels", 1)),
        target_rate=meta.get("sample_rate"),
        sample_rate=sample_rate,
    )
    try:
        x = torch.from_numpy(windows_of(inp.signal, window, stride))
    except DataError as err:
        raise DataError(f"{path}: {err}") from None
    logits = infer(model, x, normalize=meta.get("normalize", "none"), batch_size=batch_size).logits
    probs = torch.softmax(logits, 1)
    if not bool(torch.isfinite(probs).all()):
        raise DataError(f"{path}: the model produced NaN outputs (extreme values in the file?)")
    conf, pred = probs.max(1)
    step = stride or window
    wins = [
        {"start": i * step, "class": classes[int(p)], "probability": round(float(c), 6)}
        for i, (p, c) in enumerate(zip(pred, conf, strict=True))
    ]
    top, count = vote(probs)
    return {
        "file": str(path),
        "windows": wins,
        "vote": classes[top],
        "vote_fraction": round(count / len(wins), 6),
        "mean_probability": round(float(probs[:, top].mean()), 6),
        "assumed_rate": inp.assumed_rate,
    }


def predict_files(
    model: torch.nn.Module, meta: dict[str, Any], paths: list, **kwargs: Any
) -> list[dict[str, Any]]:
    """`predict_file` for each path, in order."""
    return [predict_file(model, meta, p, **kwargs) for p in paths]
