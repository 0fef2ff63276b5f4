"""The unit every loader returns: one recording with its label and where it came from."""

from __future__ import annotations

import itertools
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deepshrink.errors import ConfigError, DataWarning

# The shared label map of the cross-dataset scenario: every public loader sets meta["fault"] to one of these.
FAULT_TYPES = ("normal", "inner", "outer", "ball", "combined")


@dataclass
class Recording:
    """One continuous recording.

    signal: float32 array of shape (channels, samples).
    sample_rate: samples per second of `signal` (after any resampling).
    label: class name (for example "normal", "IR007").
    name: unique name of the recording (file stem, CWRU id, simulator index).
    group: the physical unit it was measured on (a bearing); recordings of one group always land in the same
        split, and the cross-group scenario never puts one group in both train and test (default: `name`).
    condition: the operating condition ("0HP", "1000rpm", "N15_M07_F10", ...) that the cross-condition
        scenario splits on; None when the data set has only one.
    meta: anything else known. Loaders of public data sets fill the same keys: `fault` (one of FAULT_TYPES,
        the label map shared across data sets), `fault_size` (as the data set states it, or None), `path`,
        `channel`, `native_rate`, and data-set specific ones (load_hp, rpm, cwru_id, damage, ...); users'
        files whose header names their channels add `channel_names` and `units` (manifests).
    """

    signal: np.ndarray
    sample_rate: float
    label: str
    name: str
    group: str | None = None
    meta: dict = field(default_factory=dict)
    condition: str | None = None

    def __post_init__(self) -> None:
        if self.signal.ndim == 1:
            self.signal = self.signal[None, :]
        if self.signal.ndim != 2:
            raise ValueError(
                f"recording {self.name!r}: signal must be (channels, samples), got {self.signal.shape}"
            )
        if self.group is None:
            self.group = self.name

    @property
    def channels(self) -> int:
        return int(self.signal.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / float(self.sample_rate)


def check_positive(
    value, name: str, unit: str = "", *, key: str | None = None, required: bool = False
) -> float | None:
    """`value` as a positive finite number (None stays None unless `required`); a ConfigError naming `name`
    (and the unit) otherwise, also for text, booleans and NaN, which `float()` raises on or lets through."""
    if value is None and not required:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number{unit and ' of ' + unit}, got {value!r}", key=key)
    return number


def check_rate(value, name: str = "target_rate", *, key: str | None = None) -> float | None:
    """A sample rate: a positive finite number of Hz (None stays None); a ConfigError naming `name`."""
    return check_positive(value, name, "Hz", key=key)


@dataclass(frozen=True)
class Snapshot:
    """One short recording of a machine taken at a point of its life (FEMTO: 0.1 s every 10 s).

    index: 0-based position in its sequence (time order).
    number: the snapshot number the source gives (FEMTO's acc_NNNNN, the number in a file name), or None.
    time_s: seconds since the first snapshot of the sequence, or None when unknown.
    source: where it comes from (a file path, "simulator:N"): every error about it names this.
    read: returns the samples as a float32 array (channels, samples); raises `DataError` naming `source`.
        Snapshots are read when they are scored, so memory is bounded by the reference, not the life.
    condition: the operating condition the snapshot was taken in ("1800rpm_load1"), or None when not given:
        the monitor keeps one healthy baseline per condition.
    """

    index: int
    number: int | None
    time_s: float | None
    source: str
    read: Callable[[], np.ndarray] = field(repr=False, compare=False)
    condition: str | None = None


@dataclass
class SnapshotSequence:
    """The snapshots of one machine (one bearing) in time order, as condition monitoring reads them.

    name: the machine ("Bearing1_1", "sim-outer"); sample_rate: Hz (None when the files do not say);
    condition: the operating condition, or None; channel_names: one name per channel, or None;
    meta: what else is known. Keys used by the monitor: `interval_s` (seconds between snapshot numbers),
    `end_of_life` (True when the last snapshot is the end of the machine's life, as in a run-to-failure test),
    `onset_index` (simulator: the index of the first snapshot with the fault). Numbered files (a folder,
    FEMTO) add what was expected and found (`numbering_meta`: expected_snapshots, gaps, missing_numbers)
    and `skipped_entries`; files whose header states units add `units` (one per channel, None if unknown).
    """

    name: str
    sample_rate: float | None
    snapshots: list[Snapshot]
    condition: str | None = None
    channel_names: tuple[str, ...] | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.snapshots)


def natural_key(name: str) -> tuple:
    """Sort key that reads digit runs as numbers, so snap_2 sorts before snap_10."""
    # re.split with a group alternates text and digits, so equal positions always compare like with like
    return tuple(int(t) if t.isdigit() else t.lower() for t in re.split(r"([0-9]+)", name))


def file_snapshots(
    rows: Sequence[tuple],
    reader: Callable[[Path], Callable[[], np.ndarray]],
    *,
    start: int = 0,
) -> list[Snapshot]:
    """Snapshots of files in time order from (number, time_s, path[, condition]) rows; `reader(path)` gives
    each one's `read` (a `functools.partial`, which, unlike a lambda, pickles for worker processes); indices
    count from `start` (snapshots appended to a sequence)."""
    return [
        Snapshot(index=i, number=n, time_s=t, source=str(f), read=reader(f), condition=(c[0] if c else None))
        for i, (n, t, f, *c) in enumerate(rows, start=start)
    ]


# lists in a sequence's meta stay short: a sparse life of 100000 numbers must not fill summary files
MAX_LISTED = 50


def numbering_meta(numbers: Sequence[int]) -> dict:
    """What numbered snapshots were expected and what was found, from the sorted distinct `numbers`:
    expected_snapshots (first to last number), gaps (how many numbers are missing) and missing_numbers
    (the first MAX_LISTED of them, ascending)."""
    expected = numbers[-1] - numbers[0] + 1
    missing: list[int] = []
    for a, b in itertools.pairwise(numbers):
        missing += range(a + 1, min(b, a + 1 + MAX_LISTED - len(missing)))
        if len(missing) >= MAX_LISTED:
            break
    return {"expected_snapshots": expected, "gaps": expected - len(numbers), "missing_numbers": missing}


def unreadable(path: Path) -> str | None:
    """Why an entry named like a snapshot file cannot be read as one (None: a readable file)."""
    if path.is_symlink() and not path.exists():
        return "broken symbolic link (its target is missing)"
    if path.is_dir():
        return "a folder, not a file"
    if not path.is_file():
        return "not a regular file" if path.exists() else "vanished while the folder was listed"
    if not os.access(path, os.R_OK):
        return "not readable (permission denied)"
    return None


def skipped_entries(folder: Path, skipped: Sequence[tuple[Path, str]]) -> list[dict]:
    """The meta list of entries named like snapshots that are not readable files (the first MAX_LISTED),
    each {"name", "reason"}; a `DataWarning` says how many, so that "29 snapshots" is not all a user sees."""
    if not skipped:
        return []
    shown = "; ".join(f"{p.name} ({why})" for p, why in skipped[:3])
    more = f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    warnings.warn(
        f"{folder}: skipped {len(skipped)} entr{'ies' if len(skipped) > 1 else 'y'} named like snapshot files"
        f" that cannot be read: {shown}{more}",
        DataWarning,
        stacklevel=3,
    )
    return [{"name": p.name, "reason": why} for p, why in skipped[:MAX_LISTED]]
