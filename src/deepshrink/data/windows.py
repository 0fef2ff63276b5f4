"""Leak-free windowing: split recordings into train/val/test FIRST, then cut windows inside each part.

Papers that cut overlapping windows and split them at random put near-identical windows in train and test.
Here a window never crosses a split boundary, so no test window shares a single sample with a training
window of the same recording (overlap, when asked for, only happens inside one split).

split_by:
- "time" (default): each recording is cut into three contiguous segments (train, val, test) by the
  `split` fractions, then windowed. The segments lie in that order in time (train first, test last) unless
  `shuffle_segments=True`, which draws the order of the three segments per recording from `random_state`.
- "group": whole groups (`Recording.group`, default the recording's name) go to one split, stratified by
  label where there are enough groups; `test_groups` forces given groups into test.
- "load": train on recordings with `meta["load_hp"]` in `train_loads`, test on `test_loads` (domain shift);
  validation is the end (in time) of each training recording.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from deepshrink.data.recording import Recording
from deepshrink.errors import ConfigError, DataError

__all__ = ["SPLITS", "SignalDataset", "WindowSet", "make_windows", "window_starts"]

SPLITS = ("train", "val", "test")


@dataclass
class WindowSet:
    """Windows of one split: x float32 (N, C, window), y int64 (N,), and where each window came from
    (`recording`: index into `SignalDataset.recordings`, `start`: first sample in that recording)."""

    x: np.ndarray
    y: np.ndarray
    recording: np.ndarray
    start: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def counts(self) -> np.ndarray:
        """Number of windows per class index (length = max label + 1, at least 0)."""
        return np.bincount(self.y) if len(self.y) else np.zeros(0, dtype=np.int64)


@dataclass
class SignalDataset:
    """Train/val/test `WindowSet`s with the class names, sample rate, window length and source recordings."""

    train: WindowSet
    val: WindowSet
    test: WindowSet
    classes: list[str]
    sample_rate: float
    window: int
    recordings: list[Recording] = field(repr=False)
    split_by: str = "time"
    stride: int = 0
    eval_stride: int = 0

    def counts(self) -> dict[str, dict[str, int]]:
        """{split: {class name: number of windows}} for every split and class (zeros included)."""
        out = {}
        for name in SPLITS:
            ws = getattr(self, name)
            c = np.bincount(ws.y, minlength=len(self.classes)) if len(ws) else np.zeros(len(self.classes))
            out[name] = {cls: int(c[i]) for i, cls in enumerate(self.classes)}
        return out

    def summary(self) -> str:
        """A small text table: windows per class per split, with totals."""
        counts = self.counts()
        width = max([5, *(len(c) for c in self.classes)])
        lines = [f"{'class':<{width}}  {'train':>7}  {'val':>7}  {'test':>7}"]
        for cls in self.classes:
            lines.append(f"{cls:<{width}}  " + "  ".join(f"{counts[s][cls]:>7}" for s in SPLITS))
        lines.append(f"{'total':<{width}}  " + "  ".join(f"{len(getattr(self, s)):>7}" for s in SPLITS))
        lines.append(
            f"window {self.window} samples ({self.window / self.sample_rate * 1000:.1f} ms at "
            f"{self.sample_rate:g} Hz), split by {self.split_by}, {len(self.recordings)} recordings"
        )
        return "\n".join(lines)


def window_starts(start: int, stop: int, window: int, stride: int) -> np.ndarray:
    """Start offsets of the windows of length `window` every `stride` samples inside [start, stop)."""
    n = (stop - start - window) // stride + 1 if stop - start >= window else 0
    return start + stride * np.arange(max(n, 0), dtype=np.int64)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_split(split: Sequence[float]) -> tuple[float, float, float]:
    try:
        fr = tuple(float(v) for v in split)
    except (TypeError, ValueError):
        raise ConfigError(f"split must be three fractions (train, val, test), got {split!r}") from None
    if len(fr) != 3 or any(not np.isfinite(v) or v < 0 for v in fr) or fr[0] <= 0:
        raise ConfigError(f"split must be three fractions >= 0 with train > 0, got {split!r}")
    if abs(sum(fr) - 1.0) > 1e-6:
        raise ConfigError(f"split fractions must sum to 1, got {split!r} (sum {sum(fr):g})")
    return fr  # type: ignore[return-value]


class _Collector:
    """Gathers (recording, segment) pieces per split and extracts all windows at the end, vectorised."""

    def __init__(self, recordings: list[Recording], window: int) -> None:
        self.recordings, self.window = recordings, window
        self.pieces: dict[str, list[tuple[int, int, int, int]]] = {s: [] for s in SPLITS}

    def add(self, split: str, rec_idx: int, start: int, stop: int, stride: int) -> None:
        rec = self.recordings[rec_idx]
        if stop - start < self.window:
            raise DataError(
                f"recording {rec.name!r}: its {split} part has {stop - start} samples, shorter than one "
                f"window of {self.window}; use a smaller window or a different split"
            )
        self.pieces[split].append((rec_idx, start, stop, stride))

    def build(self, split: str, label_index: dict[str, int], channels: int) -> WindowSet:
        xs, ys, rs, ss = [], [], [], []
        for rec_idx, start, stop, stride in self.pieces[split]:
            rec = self.recordings[rec_idx]
            # (C, n_windows, window) view with the stride applied, no Python loop over windows
            view = sliding_window_view(rec.signal[:, start:stop], self.window, axis=1)[:, ::stride]
            xs.append(view.transpose(1, 0, 2))
            n = view.shape[1]
            ys.append(np.full(n, label_index[rec.label], dtype=np.int64))
            rs.append(np.full(n, rec_idx, dtype=np.int64))
            ss.append(window_starts(start, stop, self.window, stride))
        if not xs:
            empty = np.zeros(0, dtype=np.int64)
            x = np.zeros((0, channels, self.window), dtype=np.float32)
            return WindowSet(x=x, y=empty, recording=empty.copy(), start=empty.copy())
        x = np.ascontiguousarray(np.concatenate(xs), dtype=np.float32)
        return WindowSet(x=x, y=np.concatenate(ys), recording=np.concatenate(rs), start=np.concatenate(ss))


def _bounds(n: int, fractions: Sequence[float]) -> list[int]:
    """Cumulative integer boundaries [0, b1, ..., n] of consecutive segments with these fractions."""
    cum = np.cumsum(fractions)
    return [0, *(int(np.floor(n * c + 1e-9)) for c in cum[:-1]), n]


def _split_time(col: _Collector, idx: list[int], fr, stride, eval_stride, rng, shuffle: bool) -> None:
    for i in idx:
        n = col.recordings[i].n_samples
        order = list(rng.permutation(3)) if shuffle else [0, 1, 2]
        b = _bounds(n, [fr[k] for k in order])
        for pos, k in enumerate(order):
            if fr[k] > 0:
                col.add(SPLITS[k], i, b[pos], b[pos + 1], stride if k == 0 else eval_stride)


def _allocate(n_groups: int, fr: Sequence[float]) -> tuple[int, int, int]:
    """How many of `n_groups` groups go to train/val/test: val/test get one each when there are enough."""
    n_test = round(n_groups * fr[2])
    n_val = round(n_groups * fr[1])
    if fr[2] > 0 and n_test == 0 and n_groups >= 2:
        n_test = 1
    if fr[1] > 0 and n_val == 0 and n_groups - n_test >= 2:
        n_val = 1
    while n_groups - n_test - n_val < 1 and (n_val or n_test):
        if n_val:
            n_val -= 1
        else:
            n_test -= 1
    return n_groups - n_val - n_test, n_val, n_test


def _split_group(col, idx, fr, stride, eval_stride, rng, test_groups) -> None:
    recs = col.recordings
    members: dict[str, list[int]] = defaultdict(list)
    for i in idx:
        members[str(recs[i].group)].append(i)
    assigned: dict[str, str] = {}
    if test_groups is not None:
        forced = [str(g) for g in test_groups]
        unknown = sorted(set(forced) - set(members))
        if unknown:
            raise ConfigError(f"test_groups {unknown} not found (groups: {', '.join(sorted(members)[:20])})")
        assigned.update(dict.fromkeys(forced, "test"))
        rest = fr[0] + fr[1]
        fr = (fr[0] / rest, fr[1] / rest, 0.0)
    # stratify: a group's label is the most common label of its recordings
    by_label: dict[str, list[str]] = defaultdict(list)
    for g in sorted(members):
        if g not in assigned:
            by_label[Counter(recs[i].label for i in members[g]).most_common(1)[0][0]].append(g)
    for label in sorted(by_label):
        groups = [by_label[label][j] for j in rng.permutation(len(by_label[label]))]
        n_train, n_val, _ = _allocate(len(groups), fr)
        for j, g in enumerate(groups):
            assigned[g] = "train" if j < n_train else "val" if j < n_train + n_val else "test"
    for g, split in sorted(assigned.items()):
        for i in members[g]:
            col.add(split, i, 0, recs[i].n_samples, stride if split == "train" else eval_stride)


def _split_load(col, idx, fr, stride, eval_stride, train_loads, test_loads) -> None:
    if train_loads is None or test_loads is None:
        raise ConfigError('split_by="load" needs train_loads and test_loads (e.g. (0,) and (1, 2, 3))')
    tr, te = {float(v) for v in train_loads}, {float(v) for v in test_loads}
    if not tr or not te or tr & te:
        raise ConfigError(f"train_loads {sorted(tr)} and test_loads {sorted(te)} must be disjoint, non-empty")
    val_frac = fr[1] / (fr[0] + fr[1])
    for i in idx:
        rec = col.recordings[i]
        if "load_hp" not in rec.meta:
            raise DataError(f"recording {rec.name!r}: no meta['load_hp'], needed for split_by='load'")
        load = float(rec.meta["load_hp"])
        if load in te:
            col.add("test", i, 0, rec.n_samples, eval_stride)
        elif load in tr:
            b = _bounds(rec.n_samples, (1 - val_frac, val_frac))
            col.add("train", i, b[0], b[1], stride)
            if val_frac > 0:
                col.add("val", i, b[1], b[2], eval_stride)
    for split, loads in (("train", tr), ("test", te)):
        if not col.pieces[split]:
            raise DataError(f"no recording has a load in {sorted(loads)} for the {split} split")


def make_windows(
    recordings: Sequence[Recording],
    *,
    window: int = 2048,
    stride: int | None = None,
    eval_stride: int | None = None,
    split: Sequence[float] = (0.7, 0.15, 0.15),
    split_by: str = "time",
    test_groups: Sequence[str] | None = None,
    train_loads: Sequence[float] | None = None,
    test_loads: Sequence[float] | None = None,
    classes: Sequence[str] | None = None,
    random_state: int = 0,
    shuffle_segments: bool = False,
) -> SignalDataset:
    """Split recordings into train/val/test without leakage, then cut windows of `window` samples.

    stride: step between training windows (default `window`: no overlap; smaller values overlap windows
    inside the training part only). eval_stride: step for val/test windows (default `stride`).
    split: (train, val, test) fractions, summing to 1. split_by: "time", "group" or "load" (see the module
    doc). classes: class names in label-index order (default: the sorted labels; a recording whose label is
    not in `classes` raises DataError). random_state seeds the group assignment and `shuffle_segments`.
    All recordings must share one sample rate and channel count (load them with `load_recordings`, which
    resamples). A recording whose part of a split is shorter than one window raises DataError.
    """
    recs = list(recordings)
    if not recs:
        raise DataError("no recordings to cut into windows")
    for r in recs:
        if not isinstance(r, Recording):
            raise ConfigError(f"make_windows expects Recording objects, got {type(r).__name__}")
    window = _positive_int(window, "window")
    stride = window if stride is None else _positive_int(stride, "stride")
    eval_stride = stride if eval_stride is None else _positive_int(eval_stride, "eval_stride")
    fr = _check_split(split)
    if split_by not in ("time", "group", "load"):
        raise ConfigError(f"split_by must be 'time', 'group' or 'load', got {split_by!r}")
    rates = sorted({float(r.sample_rate) for r in recs})
    if len(rates) > 1:
        raise DataError(
            f"recordings have different sample rates {rates}; load them with load_recordings (which "
            "resamples to one rate)"
        )
    chans = sorted({r.channels for r in recs})
    if len(chans) > 1:
        raise DataError(f"recordings have different channel counts {chans}; select one channel per recording")
    if classes is None:
        class_list = sorted({r.label for r in recs})
    else:
        class_list = [str(c) for c in classes]
        if len(set(class_list)) != len(class_list):
            raise ConfigError(f"classes contains duplicates: {class_list}")
        for r in recs:
            if r.label not in class_list:
                raise DataError(f"recording {r.name!r}: label {r.label!r} not in the classes {class_list}")
    for r in recs:
        if not np.isfinite(r.signal).all():
            raise DataError(f"recording {r.name!r}: holds NaN/inf values")
    rng = np.random.default_rng(random_state)
    col = _Collector(recs, window)
    idx = list(range(len(recs)))
    if split_by == "time":
        _split_time(col, idx, fr, stride, eval_stride, rng, shuffle_segments)
    elif split_by == "group":
        _split_group(col, idx, fr, stride, eval_stride, rng, test_groups)
    else:
        _split_load(col, idx, fr, stride, eval_stride, train_loads, test_loads)
    label_index = {c: i for i, c in enumerate(class_list)}
    sets = {s: col.build(s, label_index, chans[0]) for s in SPLITS}
    return SignalDataset(
        **sets,
        classes=class_list,
        sample_rate=rates[0],
        window=window,
        recordings=recs,
        split_by=split_by,
        stride=stride,
        eval_stride=eval_stride,
    )
