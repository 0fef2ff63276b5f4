"""Snapshot sequences for condition monitoring: one machine's short recordings in time order.

Sources: the degradation simulator, FEMTO bearings, a folder of numbered (or time-stamped) snapshot files of
any format `read_signal_file` reads, or a CSV manifest listing files with their times. Snapshots are read
only when they are scored, so a life of thousands of snapshots never sits in memory at once. The first file
is read when the sequence is made: its channel names and units (a CSV header) name the sequence's channels,
and its columns are checked once (`DataWarning` for a clock taken as vibration), not at every snapshot.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
from functools import partial
from pathlib import Path

import numpy as np

from deepshrink.data.readers.channels import Channel
from deepshrink.data.readers.io import SIGNAL_SUFFIXES, SignalFile, read_signal
from deepshrink.data.readers.names import snapshot_number, stamps_of, timestamp_of, utc_text
from deepshrink.data.recording import (
    SnapshotSequence,
    check_positive,
    check_rate,
    file_snapshots,
    natural_key,
    numbering_meta,
    skipped_entries,
    unreadable,
)
from deepshrink.data.sets.registry import recognised, sequence_set
from deepshrink.data.sets.specs import call_loader
from deepshrink.errors import ConfigError, DataError, NonFiniteError

__all__ = [
    "load_sequence",
    "load_snapshot_folder",
    "load_snapshot_manifest",
    "natural_key",
    "read_snapshot_file",
]

_SPECS = "'simulator', 'femto' or 'femto:PATH', a folder of numbered snapshot files, or a .csv manifest"


def read_snapshot_file(path: Path, variable: str | None, channel, rate: float | None) -> np.ndarray:
    """One snapshot file; a file whose own rate disagrees with the sequence's would be scored wrongly.
    A rate measured from a time column is rounded by its printed digits: it need only agree to 0.1 %."""
    info = read_signal(path, variable=variable, channel=channel, check_columns=False)
    x, own = info.signal, info.sample_rate
    tolerance = 1e-3 if info.rate_from_time else 1e-9
    if own is not None and (rate is None or not math.isclose(own, rate, rel_tol=tolerance)):
        expected = f"{rate:g} Hz" if rate is not None else "none (its first file gives no rate)"
        raise DataError(f"{path}: sample rate {own:g} Hz differs from the sequence's rate, {expected}")
    return x


def _first_file(
    first: Path, sample_rate, variable: str | None, channel
) -> tuple[float | None, SignalFile | None]:
    """The given rate, else the first file's own (None when its format has none), and what the first file
    says of its channels (None when a given rate spares reading a NaN file: the monitor reports it)."""
    rate = check_rate(sample_rate, "sample_rate", key="sample_rate")
    try:
        info = read_signal(first, variable=variable, channel=channel)
    except NonFiniteError:
        if rate is None:
            raise
        return rate, None
    return (rate if rate is not None else info.sample_rate), info


def _files_sequence(name: str, rows, *, sample_rate, variable, channel, meta: dict) -> SnapshotSequence:
    """A sequence of (number, time_s, path[, condition]) rows read by `read_snapshot_file`, named by its first
    file."""
    rate, info = _first_file(rows[0][2], sample_rate, variable, channel)
    if info is not None and info.units and any(info.units):
        meta["units"] = list(info.units)
    snapshots = file_snapshots(rows, lambda f: partial(read_snapshot_file, f, variable, channel, rate))
    names = info.channel_names if info is not None else None
    return SnapshotSequence(name=name, sample_rate=rate, snapshots=snapshots, channel_names=names, meta=meta)


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The snapshot files of a folder and the entries named like them that are not readable files."""
    try:
        entries = sorted(folder.iterdir(), key=lambda f: (natural_key(f.name), f.name))
    except OSError as err:
        raise DataError(f"{folder}: cannot list the folder ({err.strerror or err})") from None
    files, skipped = [], []
    for f in entries:
        if f.name.startswith(".") or f.suffix.lower() not in SIGNAL_SUFFIXES:
            continue
        why = unreadable(f)
        if why is None:
            files.append(f)
        else:
            skipped.append((f, why))
    return files, skipped


def _rows_by_number(folder: Path, files: list[Path], interval: float | None) -> tuple[list, dict]:
    numbered: dict[int, Path] = {}
    for f in files:  # natural order: ties (snap_1, snap_01) are reported in a fixed order
        n = snapshot_number(f)
        if n is None:
            raise DataError(
                f"{f}: no snapshot number in its name; name files like snap_0001.npy, "
                "give time_from='name' for time-stamped names, or a manifest with a time column"
            )
        if n in numbered:
            stamped = (
                "; the names hold time stamps: give time_from='name'" if timestamp_of(f) is not None else ""
            )
            raise DataError(
                f"{folder}: snapshot number {n} appears twice: {numbered[n].name} and {f.name}{stamped}"
            )
        numbered[n] = f
    ordered = sorted(numbered.items())
    n0 = ordered[0][0]
    rows = [(n, (n - n0) * interval if interval is not None else None, f) for n, f in ordered]
    return rows, numbering_meta([n for n, _ in ordered])


def _rows_by_name(folder: Path, files: list[Path]) -> tuple[list, dict]:
    """Rows timed by the stamps in the names, which must increase in natural name order."""
    stamped = stamps_of(files)
    for (a, ta), (b, tb) in itertools.pairwise(stamped):
        if tb <= ta:
            how = "the same time as" if tb == ta else f"an earlier time ({utc_text(tb)}) than"
            raise DataError(
                f"{folder}: {b.name} has {how} {a.name} ({utc_text(ta)}), which comes before it in name"
                " order; rename the files or list them in a manifest"
            )
    t0 = stamped[0][1]
    return [(None, t - t0, f) for f, t in stamped], {"start_time": utc_text(t0)}


def load_snapshot_folder(
    path: str | os.PathLike,
    *,
    channel: Channel = None,
    variable: str | None = None,
    sample_rate: float | None = None,
    interval_s: float | None = None,
    time_from: str | None = "number",
) -> SnapshotSequence:
    """One snapshot per file, ordered by the number in each file name (a folder of acc_*.csv is FEMTO).

    time_from="number": time_s = (number - first number) * interval_s when interval_s is given, else None;
    meta says what was expected and found: expected_snapshots (first to last number), gaps (how many
    numbers are missing) and missing_numbers (the first 50). time_from="name": files in natural name order,
    time_s from the time stamp in each name (`timestamp_of`) relative to the first (meta["start_time"], ISO
    UTC); numbers are None. Both: skipped_entries, the entries named like snapshot files that are not
    readable files ({"name", "reason"}: broken links, folders), also told by a `DataWarning`.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder}: " + ("not a folder" if folder.exists() else "folder not found"))
    interval = check_positive(interval_s, "interval_s", "seconds", key="interval_s")
    time_from = time_from or "number"
    if time_from not in ("number", "name"):
        raise ConfigError(f"time_from must be 'number' or 'name', got {time_from!r}", key="time_from")
    named = recognised(folder, "snapshots")  # a named data set's folder (a FEMTO bearing: acc_*.csv)
    if named is not None:
        _reject(f"{named.name} data (its times come from its snapshot numbers)", {"time_from": time_from})
        return named.load(
            folder, channel=channel, variable=variable, sample_rate=sample_rate, interval_s=interval
        )
    files, skipped = _folder_files(folder)
    if not files:
        also = f"; skipped {len(skipped)} that cannot be read ({skipped[0][1]})" if skipped else ""
        raise DataError(f"{folder}: no snapshot files ({', '.join(SIGNAL_SUFFIXES)}) in the folder{also}")
    if time_from == "name":
        _reject("time_from='name' (the times come from the file names)", {"interval_s": interval})
        rows, found = _rows_by_name(folder, files)
    else:
        rows, found = _rows_by_number(folder, files, interval)
    meta = {"interval_s": interval, "end_of_life": False, "dataset": "folder", "path": str(folder)}
    meta |= {"time_from": time_from, **found, "skipped_entries": skipped_entries(folder, skipped)}
    return _files_sequence(
        folder.name, rows, sample_rate=sample_rate, variable=variable, channel=channel, meta=meta
    )


def _manifest_rows(manifest: Path) -> list[tuple[float, int | None, Path, int, str | None]]:
    """(time, number, file, line, condition) of every row, checked; errors name the manifest and the line."""
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
        condition = None
        if "condition" in row:  # the operating condition (a speed, a load): one baseline per condition
            condition = (row.get("condition") or "").strip()
            if condition.lower() in ("", "nan", "na", "none", "null"):
                raise DataError(
                    f"{where}: condition is missing ({condition or 'empty'}); give every row its operating"
                    " condition (a speed or load such as 1800rpm), or leave the column out"
                )
        name = (row.get("path") or "").strip()
        if not name:
            raise DataError(f"{where}: no path")
        file = Path(name).expanduser()
        file = file if file.is_absolute() else manifest.parent / file  # relative to the manifest
        if not file.is_file():
            raise DataError(f"{where}: file {file} not found")
        out.append((t, int(number) if number else None, file, line, condition))
    if not out:
        raise DataError(f"{manifest}: the manifest lists no snapshot files")
    return out


def load_snapshot_manifest(
    csv_path: str | os.PathLike,
    *,
    channel: Channel = None,
    variable: str | None = None,
    sample_rate: float | None = None,
) -> SnapshotSequence:
    """The files a CSV manifest lists (columns path, time in seconds, optional number and condition: the
    operating condition of each snapshot, a speed or load, for the monitor's per-condition baselines), in
    time order.

    For snapshots taken at irregular times or named without numbers; time_s = time - first time.
    """
    manifest = Path(csv_path).expanduser()
    if not manifest.is_file():
        raise DataError(f"{manifest}: " + ("not a file" if manifest.exists() else "manifest not found"))
    rows = sorted(_manifest_rows(manifest), key=lambda r: r[0])
    for a, b in itertools.pairwise(rows):
        if a[0] == b[0]:
            raise DataError(f"{manifest}: lines {a[3]} and {b[3]} have the same time {a[0]:g} s")
    t0 = rows[0][0]
    return _files_sequence(
        manifest.stem,
        [(number, t - t0, f, condition) for t, number, f, _, condition in rows],
        sample_rate=sample_rate,
        variable=variable,
        channel=channel,
        meta={"interval_s": None, "end_of_life": False, "dataset": "manifest", "path": str(manifest)},
    )


def _reject(source: str, options: dict) -> None:
    """Options the chosen source does not read are errors: a silently ignored option misleads (time_from's
    default, "number", is what every source does)."""
    for name, value in options.items():
        if value is not None and not (name == "time_from" and value == "number"):
            raise ConfigError(f"option {name}={value!r} does not apply to {source}", key=name)


def load_sequence(
    spec: str | os.PathLike,
    *,
    bearing: str | None = None,
    channel: Channel = None,
    variable: str | None = None,
    sample_rate: float | None = None,
    interval_s: float | None = None,
    time_from: str | None = None,
    **simulator_options,
) -> SnapshotSequence:
    """The sequence `spec` names: 'simulator', 'femto[:PATH]', a .csv manifest, or a snapshot folder
    (time_from: 'number' or 'name', see `load_snapshot_folder`; only folders take it)."""
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(f"data must be {_SPECS}; got {spec!r}", key="data")
    text = os.fspath(spec)
    builtin = sequence_set(text.strip())
    if builtin is not None and builtin.builtin:  # a built-in life (the simulator): every option is its own
        _reject(f"the {builtin.name} (its times come from its snapshot numbers)", {"time_from": time_from})
        named = {"bearing": bearing, "channel": channel, "variable": variable}
        named |= {"sample_rate": sample_rate, "interval_s": interval_s}
        options = {k: v for k, v in named.items() if v is not None} | simulator_options
        seq = call_loader(builtin.sequence_fn(), builtin.name, (), options, key=None)
    else:
        _reject(f"{text!r} (simulator options only apply to 'simulator')", simulator_options)
        path = Path(text).expanduser()
        name, _, rest = text.partition(":")
        named = sequence_set(name)
        if named is not None and named.builtin:
            raise ConfigError(f"data {text!r}: {named.name} is built in and takes no PATH", key="data")
        root = (rest or None) if named is not None else path  # "femto" alone: the usual places
        if named is None and path.is_dir():
            named = recognised(path, "snapshots")
        if named is not None:
            _reject(f"{named.name} data (its times come from its snapshot numbers)", {"time_from": time_from})
            seq = named.sequence_fn()(
                root, bearing=bearing, channel=channel, variable=variable, sample_rate=sample_rate,
                interval_s=interval_s,
            )  # fmt: skip
        elif path.is_dir():
            _reject("a snapshot folder", {"bearing": bearing})
            seq = load_snapshot_folder(
                path, channel=channel, variable=variable, sample_rate=sample_rate, interval_s=interval_s,
                time_from=time_from or "number",
            )  # fmt: skip
        elif path.suffix.lower() == ".csv":
            given = {"bearing": bearing, "interval_s": interval_s, "time_from": time_from}
            _reject("a manifest (its times are given)", given)
            seq = load_snapshot_manifest(path, channel=channel, variable=variable, sample_rate=sample_rate)
        else:
            what = "a file" if path.is_file() else "not found"
            raise ConfigError(f"data {text!r} is {what}; expected {_SPECS}", key="data")
    if len(seq) < 1:
        raise DataError(f"{seq.name}: the sequence has no snapshots")
    return seq
