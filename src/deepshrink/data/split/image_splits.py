"""Image data sets as classifier splits: `deepshrink train --data mnist[:PATH]` (or `digits`) trains a 2-D
classifier under the same noise, normalisation, evaluation and benchmark as the 1-D windows.

An image is one "window" (C, H, W). There are no recordings to cut, so the split is of whole images, drawn
per class with `random_state` (stratified): MNIST keeps its official test set (10,000 images) as the test
split and divides its training set (60,000) into train and validation in the ratio split[0] : split[1];
scikit-learn's digits (1,797 images) are divided by the three fractions. `train_size` keeps that many
training images (a stratified subset, the same for every seed of one `random_state`), for a grid that must
fit a machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepshrink.data.sets.registry import dataset
from deepshrink.data.split.windows import WindowSet, WindowSplits
from deepshrink.errors import ConfigError, DataError

__all__ = ["image_spec", "image_splits"]


def image_spec(spec: str) -> tuple[str, str | None] | None:
    """(name, PATH or None) when `spec` names an image data set ("digits", "mnist[:PATH]"); else None."""
    name, _, path = spec.strip().partition(":")
    entry = dataset(name)
    return (name, path or None) if entry is not None and entry.kind == "images" else None


def _stratified(y: np.ndarray, fractions: list[float], seed: int) -> list[np.ndarray]:
    """Index arrays, one per fraction, cut from a seeded permutation of every class (sorted within)."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    total = sum(fractions)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        bounds = np.round(np.cumsum(fractions) / total * len(idx)).astype(int)
        for k, piece in enumerate(np.split(idx, bounds[:-1])):
            parts[k].append(piece)
    return [np.sort(np.concatenate(p)) for p in parts]


def _subset(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """`n` indices of `y`, each class's quota by largest remainder (exactly n in all), seeded."""
    labels, counts = np.unique(y, return_counts=True)
    share = counts * n / len(y)
    quota = np.floor(share).astype(int)
    quota[np.argsort(quota - share)[: n - int(quota.sum())]] += 1  # largest remainders first
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(y == c))[:q] for c, q in zip(labels, quota, strict=True)]
    return np.sort(np.concatenate(picked))


def _set(x: np.ndarray, y: np.ndarray, idx: np.ndarray, source: int) -> WindowSet:
    # `recording` says which file an image came from (0: the training file, 1: the test file), `start` its
    # index there: what `seen_windows` compares, as for signal windows
    n = len(idx)
    return WindowSet(
        x[idx], y[idx], np.full(n, source, dtype=np.int64), np.asarray(idx, dtype=np.int64).reshape(n)
    )


def image_splits(
    spec: str,
    *,
    split: tuple[float, float, float] = (0.7, 0.15, 0.15),
    random_state: int = 0,
    classes: list[str] | None = None,
    train_size: int | None = None,
    **loader_kwargs: Any,
) -> WindowSplits:
    """The train / validation / test images of an image data set `spec` (see the module docstring);
    `classes`: the digits to keep ("3", "8"), `loader_kwargs`: the loader's own options (`verify_md5`)."""
    named = image_spec(spec)
    if named is None:
        raise ConfigError(f"data {spec!r} is not an image data set (digits, mnist[:PATH])", key="data")
    name, root = named
    entry = dataset(name)
    if not entry.splits:  # no published train / test parts (digits): one stratified split of every image
        if loader_kwargs:
            raise ConfigError(
                f"{name} takes no loader options, got {sorted(loader_kwargs)}", key="data_kwargs"
            )
        x, y = entry.load(*entry.root_args(root))
        tr, va, te = _stratified(y, list(split), random_state)
        sets = [_set(x, y, tr, 0), _set(x, y, va, 0), _set(x, y, te, 0)]
    else:
        load = entry.load
        x, y = load(root, split="train", **loader_kwargs)
        xt, yt = load(root, split="test", **loader_kwargs)
        tr, va = _stratified(y, [split[0], split[1]], random_state)
        sets = [_set(x, y, tr, 0), _set(x, y, va, 0), _set(xt, yt, np.arange(len(yt)), 1)]
    names = [str(c) for c in range(int(max(int(s.y.max()) for s in sets if len(s)) + 1))]
    keep = list(classes) if classes else names
    unknown = [c for c in keep if c not in names]
    if unknown:
        raise ConfigError(
            f"classes {unknown} are not in {name} (its classes: {', '.join(names)})", key="classes"
        )
    index = {int(c): i for i, c in enumerate(keep)}
    out = []
    for s in sets:
        mask = np.isin(s.y, list(index))
        out.append(
            WindowSet(
                s.x[mask],
                np.array([index[int(v)] for v in s.y[mask]], np.int64),
                s.recording[mask],
                s.start[mask],
            )
        )
    if train_size is not None:
        if int(train_size) < len(keep):
            raise ConfigError(
                f"train_size {train_size}: needs at least one image per class", key="data_kwargs"
            )
        t = out[0]
        if int(train_size) < len(t):  # a stratified subset of exactly train_size: each class its share
            take = _subset(t.y, int(train_size), random_state)
        else:
            take = np.arange(len(t))
        out[0] = WindowSet(t.x[take], t.y[take], t.recording[take], t.start[take])
    if any(len(s) == 0 for s in out):
        raise DataError(f"{spec}: a split has no images (split {split})")
    return WindowSplits(
        train=out[0],
        val=out[1],
        test=out[2],
        classes=keep,
        sample_rate=0.0,  # no time axis: recorded noise and anything needing a rate refuse it
        window=int(out[0].x.shape[-1]),
        recordings=[],
        scenario="within",
        split_info={"images": name, "split": list(split), "random_state": random_state},
    )
