"""`deepshrink monitor --run DIR FILES`: snapshots that arrive later, scored against the saved monitor.

What it promises: past rows and flags are never rewritten (the alarm state carries on from state.json, with
exact values); files that are not snapshots (a README.txt) are skipped as the first run skips them; files
already scored are skipped and counted, so a nightly folder can be streamed again whole; two streams into
one run directory at once are refused by a lock (a lock whose process has died is taken over, and said so).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from deepshrink.data.readers.io import SIGNAL_SUFFIXES
from deepshrink.data.readers.names import parse_utc, snapshot_number, stamps_of
from deepshrink.data.readers.sequence import read_snapshot_file
from deepshrink.data.recording import file_snapshots, natural_key
from deepshrink.data.sets.femto import read_femto_snapshot
from deepshrink.engine.monitor.run import SUMMARY, finish, score_rows
from deepshrink.engine.monitor.scores import (
    SCORES,
    STATE,
    flag_rows,
    new_state,
    persistence_rule,
    read_scores,
)
from deepshrink.engine.monitor.store import load_reference
from deepshrink.errors import ConfigError, DataError

__all__ = ["LOCK", "run_lock", "stream"]

LOCK = ".monitor.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


@contextlib.contextmanager
def run_lock(run: Path, notes: list[str] | None = None) -> Iterator[None]:
    """Hold `run`'s lock while streaming: refused (one line naming the holder) when a live process holds
    it; a lock left by a process that died is taken over, with a note."""
    path = run / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise DataError(
                    f"{run}: another monitor (pid {pid}) is streaming into it; wait for it to finish"
                ) from None
            path.unlink(missing_ok=True)
            if notes is not None:
                notes.append(
                    f"took over a stale lock ({path.name}) of process {pid or 'unknown'}, which has ended"
                )
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _rows_by_stamp(files: Sequence[Path], rows: Sequence[dict], start_time: str) -> list[tuple]:
    """(None, time_s, file) of new files timed by the stamps in their names, from the run's start time, in
    time order; each must come after the last scored snapshot (one line naming the file otherwise)."""
    t0 = parse_utc(start_time)
    last = max((r["time_s"] for r in rows if r["time_s"] is not None), default=None)
    out = []
    for f, t in sorted(stamps_of(files), key=lambda ft: ft[1]):
        if last is not None and t - t0 <= last:
            raise DataError(
                f"{f}: its time stamp ({(t - t0) / 3600:.4g} h into the run) is not after the last scored"
                " snapshot"
            )
        out.append((None, t - t0, f))
        last = t - t0
    return out


def _rows_by_number(files: Sequence[Path], rows: Sequence[dict], seq_meta: dict) -> list[tuple]:
    """(number, time_s, file) of new files numbered like the run's, each after the last scored number."""
    last = next((r["number"] for r in reversed(rows) if r["number"] is not None), None)
    interval, first_number = seq_meta.get("interval_s"), seq_meta.get("first_number")
    out, seen = [], {r["number"] for r in rows if r["number"] is not None}

    def order(f: Path) -> tuple:
        return (snapshot_number(f) is None, snapshot_number(f) or 0, natural_key(f.name))

    for f in sorted(files, key=order):
        number = snapshot_number(f)
        if number is not None and (number in seen or (last is not None and number <= last)):
            raise DataError(f"{f}: snapshot number {number} is not after the last scored one ({last})")
        seen.add(number)
        time_s = None
        if number is not None and interval and first_number is not None:
            time_s = (number - first_number) * float(interval)
        out.append((number, time_s, f))
    return out


def _reader(reader: dict[str, Any]) -> Callable[[Path], Callable[[], np.ndarray]]:
    """How a streamed file is read: with the reader the run's own files had (FEMTO's, or a snapshot file
    whose rate must be the run's)."""
    channel = reader.get("channel")
    if reader.get("kind") == "femto":
        return lambda f: partial(read_femto_snapshot, f, channel)
    return lambda f: partial(read_snapshot_file, f, None, channel, reader.get("sample_rate"))


def _files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            # a folder: its signal files (a README.txt is not a snapshot, as in the first run)
            files += sorted(
                (f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SIGNAL_SUFFIXES),
                key=lambda f: natural_key(f.name),
            )
        elif p.is_file():
            files.append(p)
        else:
            raise DataError(f"{p}: not found")
    return files


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: corrupt ({type(err).__name__}: {err})") from None


def stream(
    run_dir: str | Path,
    paths: Sequence[str | Path],
    *,
    progress: Callable | None = None,
    command: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Score files that arrived after a monitor run, in the order of the numbers in their names, against its
    saved monitor; append them to scores.csv and renew summary.json, health.png and the report (naming
    `command`, the stream's command line if any).
    Returns (the new rows, the summary); the summary's `stream` says what was skipped."""
    run = Path(run_dir)
    ref, meta = load_reference(run)
    notes: list[str] = []
    with run_lock(run, notes):
        rows = read_scores(run / SCORES)
        state = _json(run / STATE) or new_state()
        previous = _json(run / SUMMARY)
        seq_meta = {**(meta.get("sequence") or {}), **(previous.get("sequence") or {})}
        reference = previous.get("reference") or meta.get("reference") or {}
        scored = {Path(r["file"]).resolve() for r in rows if not r["file"].startswith("simulator:")}
        files = _files(paths)
        if not files:
            raise DataError(f"no snapshot files in {', '.join(map(str, paths))}")
        fresh = [f for f in files if f.resolve() not in scored]
        already = len(files) - len(fresh)
        if seq_meta.get("time_from") == "name":  # times from the stamps in the names, as the first run
            new_rows = _rows_by_stamp(fresh, rows, seq_meta["start_time"])
        else:
            new_rows = _rows_by_number(fresh, rows, seq_meta)
        seconds, _ = persistence_rule(ref.persistence)
        untimed = next((f for _, t, f in new_rows if t is None), None)
        if seconds is not None and untimed is not None:  # refused before any scoring
            raise ConfigError(
                f"persistence: {ref.persistence} is a time, but {untimed} has none (no snapshot number in"
                " its name, or the run has no interval); stream files numbered like the run's",
                key="persistence",
            )
        snaps = file_snapshots(new_rows, _reader(dict(seq_meta.get("reader") or {})), start=len(rows))
        new = score_rows(ref, snaps, ["monitored"] * len(snaps), progress)
        state = flag_rows(new, ref, state)  # the past rows keep their flags: only the new ones are set
        seq_meta["snapshots"] = len(rows) + len(new)
        seq_meta["streamed"] = int(seq_meta.get("streamed", 0)) + len(new)
        seq_meta["end_of_life"] = False  # the run goes on: no lead time until a life is known to have ended
        summary = finish(run, rows + new, ref, seq_meta, reference, state, command=command)
    summary["stream"] = {"new": len(new), "already_scored": already, "notes": notes,
                         "missing_indicators": meta.get("missing", [])}  # fmt: skip
    return new, summary
