"""Snapshot sequences for condition monitoring: one machine's short recordings in time order.

Sources: the degradation simulator, FEMTO bearings, a folder of numbered snapshot files of any format
`read_signal_file` reads, or a CSV manifest listing files with their times. Snapshots are read only when
they are scored, so a life of thousands of snapshots never sits in memory at once.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import re
from functools import partial
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import SIGNAL_SUFFIXES, read_signal_file
from deepshrink.data.recording import (
    SnapshotSequence,
    check_positive,
    check_rate,
    file_snapshots,
    natural_key,
)
from deepshrink.data.sets.registry import dataset, recognised
from deepshrink.data.sets.specs import call_loader
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "load_sequence",
    "load_snapshot_folder",
    "load_snapshot_manifest",
    "natural_key",
    "read_snapshot_file",
    "snapshot_number",
]

_SPECS = "'simulator', 'femto' or 'femto:PATH', a folder of numbered snapshot files, or a .csv manifest"


def snapshot_number(path: str | os.PathLike) -> int | None:
    """The last run of digits in the file stem (snap_0012.npy -> 12; run3_snap_12 -> 12), or None."""
    runs = re.findall(r"[0-9]+", Path(path).stem)
    return int(runs[-1]) if runs else None


def read_snapshot_file(path: Path, variable: str | None, channel, rate: float | None) -> np.ndarray:
    """One snapshot file; a file whose own rate disagrees with the sequence's would be scored wrongly."""
    x, own = read_signal_file(path, variable=variable, channel=channel)
    if own is not None and (rate is None or not math.isclose(own, rate, rel_tol=1e-9)):
        expected = f"{rate:g} Hz" if rate is not None else "none (its first file gives no rate)"
        raise DataError(f"{path}: sample rate {own:g} Hz differs from the sequence's rate, {expected}")
    return x


def _sequence_rate(first: Path, sample_rate, variable: str | None, channel) -> float | None:
    """The given rate, else the first file's own rate (None when its format has none)."""
    rate = check_rate(sample_rate, "sample_rate", key="sample_rate")
    return rate if rate is not None else read_signal_file(first, variable=variable, channel=channel)[1]


def _files_sequence(name: str, rows, *, rate, variable, channel, meta: dict) -> SnapshotSequence:
    """A sequence of (number, time_s, path) rows read by `read_snapshot_file`."""
    snapshots = file_snapshots(rows, lambda f: partial(read_snapshot_file, f, variable, channel, rate))
    return SnapshotSequence(name=name, sample_rate=rate, snapshots=snapshots, meta=meta)


def load_snapshot_folder(
    path: str | os.PathLike,
    *,
    channel: int | str | None = None,
    variable: str | None = None,
    sample_rate: float | None = None,
    interval_s: float | None = None,
) -> SnapshotSequence:
    """One snapshot per file, ordered by the number in each file name (a folder of acc_*.csv is FEMTO).

    time_s = (number - first number) * interval_s when interval_s is given, else None.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder}: " + ("not a folder" if folder.exists() else "folder not found"))
    interval = check_positive(interval_s, "interval_s", "seconds", key="interval_s")
    files = [
        f
        for f in folder.iterdir()
        if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in SIGNAL_SUFFIXES
    ]
    named = recognised(folder, "snapshots")  # a named data set's folder (a FEMTO bearing: acc_*.csv)
    if named is not None:
        return named.load(
            folder, channel=channel, variable=variable, sample_rate=sample_rate, interval_s=interval
        )
    if not files:
        raise DataError(f"{folder}: no snapshot files ({', '.join(SIGNAL_SUFFIXES)}) in the folder")
    numbered: dict[int, Path] = {}
    for f in sorted(files, key=lambda f: (natural_key(f.name), f.name)):  # ties (snap_1, snap_01): fixed
        n = snapshot_number(f)
        if n is None:
            raise DataError(
                f"{f}: no snapshot number in its name; name files like snap_0001.npy "
                "or give a manifest with a time column"
            )
        if n in numbered:
            raise DataError(f"{folder}: snapshot number {n} appears twice: {numbered[n].name} and {f.name}")
        numbered[n] = f
    ordered = sorted(numbered.items())
    rate = _sequence_rate(ordered[0][1], sample_rate, variable, channel)
    n0 = ordered[0][0]
    rows = [(n, (n - n0) * interval if interval is not None else None, f) for n, f in ordered]
    return _files_sequence(
        folder.name,
        rows,
        rate=rate,
        variable=variable,
        channel=channel,
        meta={
            "interval_s": interval,
            "end_of_life": False,  # unknown for a plain folder
            "dataset": "folder",
            "path": str(folder),
            "gaps": ordered[-1][0] - n0 + 1 - len(ordered),
        },
    )


def _manifest_rows(manifest: Path) -> list[tuple[float, int | None, Path, int]]:
    """(time, number, file, line) of every row, checked; errors name the manifest and the line."""
    try:
        with open(manifest, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in ("path", "time") if c not in header]
            if missing:
                found = ", ".join(header) or "none (empty file)"
                raise DataError(
                    f"{manifest}: needs columns path and time; missing {missing} (found: {found})"
                )
            reader.fieldnames = header
            rows = [(reader.line_num, row) for row in reader]  # line_num: the line the row ended on
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{manifest}: cannot read the manifest ({type(err).__name__}: {err})") from None
    out = []
    for line, row in rows:
        where = f"{manifest}: line {line}"
        cell = (row.get("time") or "").strip()
        if not cell:
            raise DataError(f"{where}: time is missing")
        try:
            t = float(cell)
        except ValueError:
            raise DataError(f"{where}: time {cell!r} is not a number of seconds") from None
        if not math.isfinite(t):
            raise DataError(f"{where}: time {cell!r} is not finite")
        number = (row.get("number") or "").strip()
        if number and not number.isdigit():
            raise DataError(f"{where}: number {number!r} is not a whole number")
        name = (row.get("path") or "").strip()
        if not name:
            raise DataError(f"{where}: no path")
        file = Path(name).expanduser()
        file = file if file.is_absolute() else manifest.parent / file  # relative to the manifest
        if not file.is_file():
            raise DataError(f"{where}: file {file} not found")
        out.append((t, int(number) if number else None, file, line))
    if not out:
        raise DataError(f"{manifest}: the manifest lists no snapshot files")
    return out


def load_snapshot_manifest(
    csv_path: str | os.PathLike,
    *,
    channel: int | str | None = None,
    variable: str | None = None,
    sample_rate: float | None = None,
) -> SnapshotSequence:
    """The files a CSV manifest lists (columns path, time in seconds, optional number), in time order.

    For snapshots taken at irregular times or named without numbers; time_s = time - first time.
    """
    manifest = Path(csv_path).expanduser()
    if not manifest.is_file():
        raise DataError(f"{manifest}: " + ("not a file" if manifest.exists() else "manifest not found"))
    rows = sorted(_manifest_rows(manifest), key=lambda r: r[0])
    for a, b in itertools.pairwise(rows):
        if a[0] == b[0]:
            raise DataError(f"{manifest}: lines {a[3]} and {b[3]} have the same time {a[0]:g} s")
    rate = _sequence_rate(rows[0][2], sample_rate, variable, channel)
    t0 = rows[0][0]
    return _files_sequence(
        manifest.stem,
        [(number, t - t0, f) for t, number, f, _ in rows],
        rate=rate,
        variable=variable,
        channel=channel,
        meta={"interval_s": None, "end_of_life": False, "dataset": "manifest", "path": str(manifest)},
    )


def _reject(source: str, options: dict) -> None:
    """Options the chosen source does not read are errors: a silently ignored option misleads."""
    for name, value in options.items():
        if value is not None:
            raise ConfigError(f"option {name}={value!r} does not apply to {source}", key=name)


def load_sequence(
    spec: str | os.PathLike,
    *,
    bearing: str | None = None,
    channel: int | str | None = None,
    variable: str | None = None,
    sample_rate: float | None = None,
    interval_s: float | None = None,
    **simulator_options,
) -> SnapshotSequence:
    """The sequence `spec` names: 'simulator', 'femto[:PATH]', a .csv manifest, or a snapshot folder."""
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(f"data must be {_SPECS}; got {spec!r}", key="data")
    text = os.fspath(spec)
    if text.strip() == "simulator":
        named = {"bearing": bearing, "channel": channel, "variable": variable}
        named |= {"sample_rate": sample_rate, "interval_s": interval_s}
        options = {k: v for k, v in named.items() if v is not None} | simulator_options
        seq = call_loader(make_run_to_failure, "simulator", (), options, key=None)
    else:
        _reject(f"{text!r} (simulator options only apply to 'simulator')", simulator_options)
        path = Path(text).expanduser()
        name, _, rest = text.partition(":")
        named = dataset(name) if dataset(name) is not None and dataset(name).kind == "snapshots" else None
        root = (rest or None) if named is not None else path  # "femto" alone: the usual places
        if named is None and path.is_dir():
            named = recognised(path, "snapshots")
        if named is not None:
            seq = named.load(
                root, bearing=bearing, channel=channel, variable=variable, sample_rate=sample_rate,
                interval_s=interval_s,
            )  # fmt: skip
        elif path.is_dir():
            _reject("a snapshot folder", {"bearing": bearing})
            seq = load_snapshot_folder(
                path, channel=channel, variable=variable, sample_rate=sample_rate, interval_s=interval_s
            )
        elif path.suffix.lower() == ".csv":
            _reject("a manifest (its times are given)", {"bearing": bearing, "interval_s": interval_s})
            seq = load_snapshot_manifest(path, channel=channel, variable=variable, sample_rate=sample_rate)
        else:
            what = "a file" if path.is_file() else "not found"
            raise ConfigError(f"data {text!r} is {what}; expected {_SPECS}", key="data")
    if len(seq) < 1:
        raise DataError(f"{seq.name}: the sequence has no snapshots")
    return seq
