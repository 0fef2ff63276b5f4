"""Leak-free windowing: split recordings into train/val/test FIRST (by an evaluation scenario), then cut
windows inside each part.

Papers that cut overlapping windows and split them at random put near-identical windows in train and test.
Here a window never crosses a split boundary, so no test window shares a single sample with a training
window of the same recording (overlap, when asked for, only happens inside one split). Which part of which
recording goes where is the scenario's decision (`deepshrink.data.split.scenarios`: within, cross-condition,
cross-group, cross-dataset).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from deepshrink.data.recording import Recording
from deepshrink.data.split.scenarios import SCENARIOS, assign
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "SPLITS",
    "WindowSet",
    "WindowSplits",
    "check_coverage",
    "make_windows",
    "seen_windows",
    "window_starts",
]

SPLITS = ("train", "val", "test")


@dataclass
class WindowSet:
    """Windows of one split: x float32 (N, C, window), y int64 (N,), and where each window came from
    (`recording`: index into `WindowSplits.recordings`, `start`: first sample in that recording)."""

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
class WindowSplits:
    """Train/val/test `WindowSet`s with the class names, sample rate, window length and source recordings."""

    train: WindowSet
    val: WindowSet
    test: WindowSet
    classes: list[str]
    sample_rate: float
    window: int
    recordings: list[Recording] = field(repr=False)
    scenario: str = "within"
    stride: int = 0
    eval_stride: int = 0
    split_info: dict = field(default_factory=dict)

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
            f"{self.sample_rate:g} Hz), scenario {self.scenario}, {len(self.recordings)} recordings"
        )
        return "\n".join(lines)


def window_view(signal: np.ndarray, window: int, stride: int) -> np.ndarray:
    """(N, C, window) view (no copy) of the windows `stride` apart of a (C, samples) signal; the tail that
    does not fill a window is dropped. The one window cutter: training splits and files to score use it."""
    return sliding_window_view(signal, window, axis=-1)[:, ::stride].transpose(1, 0, 2)


def windows_of(signal: np.ndarray, window: int, stride: int | None = None) -> np.ndarray:
    """(N, C, window) float32 windows (`stride` apart, default no overlap) of a (C, samples) signal."""
    stride = stride or window
    if signal.shape[-1] < window:
        raise DataError(f"signal has {signal.shape[-1]} samples, fewer than one window of {window}")
    return np.array(window_view(signal, window, stride), dtype=np.float32, order="C")


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
            view = window_view(rec.signal[:, start:stop], self.window, stride)
            xs.append(view)
            n = view.shape[0]
            ys.append(np.full(n, label_index[rec.label], dtype=np.int64))
            rs.append(np.full(n, rec_idx, dtype=np.int64))
            ss.append(window_starts(start, stop, self.window, stride))
        if not xs:
            empty = np.zeros(0, dtype=np.int64)
            x = np.zeros((0, channels, self.window), dtype=np.float32)
            return WindowSet(x=x, y=empty, recording=empty.copy(), start=empty.copy())
        x = np.ascontiguousarray(np.concatenate(xs), dtype=np.float32)
        return WindowSet(x=x, y=np.concatenate(ys), recording=np.concatenate(rs), start=np.concatenate(ss))


def make_windows(
    recordings: Sequence[Recording],
    *,
    window: int = 2048,
    stride: int | None = None,
    eval_stride: int | None = None,
    split: Sequence[float] = (0.7, 0.15, 0.15),
    scenario: str = "within",
    fold: int | None = None,
    train_conditions: Sequence[str] | None = None,
    test_conditions: Sequence[str] | None = None,
    test_groups: Sequence[str] | None = None,
    test_recordings: Sequence[Recording] | None = None,
    classes: Sequence[str] | None = None,
    random_state: int = 0,
    shuffle_segments: bool = False,
) -> WindowSplits:
    """Split recordings into train/val/test without leakage, then cut windows of `window` samples.

    stride: step between training windows (default `window`: no overlap; smaller values overlap windows
    inside the training part only). eval_stride: step for val/test windows (default `stride`).
    split: (train, val, test) fractions, summing to 1. scenario / fold / train_conditions / test_conditions /
    test_groups: see `deepshrink.data.split.scenarios`;
    test_recordings: the other data set of "cross-dataset".
    classes: class names in label-index order (default: the sorted labels; a recording whose label is not in
    `classes` raises DataError). random_state seeds group allocation and `shuffle_segments`.
    All recordings must share one sample rate and channel count (load them with `load_recordings`, which
    resamples). A recording whose part of a split is shorter than one window raises DataError.
    """
    recs = list(recordings) + list(test_recordings or [])
    if not recs:
        raise DataError("no recordings to cut into windows")
    for r in recs:
        if not isinstance(r, Recording):
            raise ConfigError(f"make_windows expects Recording objects, got {type(r).__name__}")
    window = _positive_int(window, "window")
    stride = window if stride is None else _positive_int(stride, "stride")
    eval_stride = stride if eval_stride is None else _positive_int(eval_stride, "eval_stride")
    fr = _check_split(split)
    if scenario not in SCENARIOS:
        raise ConfigError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}", key="scenario")
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
    assignment = assign(
        recs,
        scenario,
        fr,
        rng=np.random.default_rng(random_state),
        fold=fold,
        train_conditions=train_conditions,
        test_conditions=test_conditions,
        test_groups=test_groups,
        n_train_recordings=len(recordings) if test_recordings else None,
        shuffle_segments=shuffle_segments,
    )
    col = _Collector(recs, window)
    for split_name, rec_idx, start, stop in assignment.pieces:
        col.add(split_name, rec_idx, start, stop, stride if split_name == "train" else eval_stride)
    label_index = {c: i for i, c in enumerate(class_list)}
    sets = {s: col.build(s, label_index, chans[0]) for s in SPLITS}
    return WindowSplits(
        **sets,
        classes=class_list,
        sample_rate=rates[0],
        window=window,
        recordings=recs,
        scenario=scenario,
        stride=stride,
        eval_stride=eval_stride,
        split_info={**assignment.describe, "fold": fold},
    )


def check_coverage(ds: WindowSplits, *, need_val: bool = True, splits: Sequence[str] | None = None) -> None:
    """DataError naming the class and the split when a split that should hold windows has none of a class.

    Training needs every class in train (and in val when `need_val`), and a test set that lacks a class
    says nothing about it: an empty split must never pass silently (e.g. a group split with one recording
    per class, or a condition where a class was not measured). `splits`: check only these (evaluation of a
    trained run needs only "test").
    """
    counts = ds.counts()
    where = _describe(ds.split_info)
    if splits is None:
        splits = ("train", "val", "test") if need_val else ("train", "test")
    for split_name in splits:
        missing = [c for c, n in counts[split_name].items() if n == 0]
        if missing:
            raise DataError(
                f"the {split_name} split has no windows of class(es) {', '.join(missing)}{where}; "
                "choose another scenario, fold or split, or leave those classes out (classes=...)"
            )


def _describe(info: dict) -> str:
    parts = [f"scenario {info.get('scenario', 'within')}"]
    for key in ("fold", "train_conditions", "test_conditions", "test_groups"):
        if info.get(key) is not None:
            parts.append(f"{key} {info[key]}")
    return " (" + ", ".join(parts) + ")"


def _source(r: Recording) -> tuple:
    # a recording is the same one when its file (or name), class, condition and channel agree; its rate may
    # differ (another target_rate), so overlaps are compared in seconds
    return (str(r.meta.get("path") or r.name), r.label, r.condition, r.meta.get("channel"))


def seen_windows(test: WindowSplits, trained: WindowSplits) -> dict[str, int]:
    """{recording name: number of `test`'s test windows sharing any sample with a training or validation
    window of `trained`}; empty when the test windows are all unseen. Used to refuse evaluating a run on
    windows it trained on (or selected its checkpoint with)."""
    seen: dict[tuple, list[np.ndarray]] = {}
    for ws in (trained.train, trained.val):
        for i in np.unique(ws.recording):
            r = trained.recordings[i]
            seen.setdefault(_source(r), []).append(ws.start[ws.recording == i] / r.sample_rate)
    old_len = trained.window / trained.sample_rate
    out: dict[str, int] = {}
    for i in np.unique(test.test.recording):
        r = test.recordings[i]
        if _source(r) not in seen:
            continue
        starts = np.sort(np.concatenate(seen[_source(r)]))
        t = test.test.start[test.test.recording == i] / r.sample_rate
        # a seen window [a, a + old_len) overlaps [t, t + new_len) iff t - old_len < a < t + new_len
        j = np.searchsorted(starts, t - old_len, side="right")
        hit = (j < len(starts)) & (starts[np.minimum(j, len(starts) - 1)] < t + test.window / r.sample_rate)
        if hit.any():
            out[r.name] = int(hit.sum())
    return out
