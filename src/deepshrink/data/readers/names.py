"""What a snapshot file's name says: its number (snap_0012.npy) or its time stamp (2004.02.12.10.32.39),
for the snapshot folders of `data/readers/sequence.py` and the files streamed into a monitor."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from deepshrink.errors import DataError

__all__ = ["TIMESTAMP_FORMATS", "parse_utc", "snapshot_number", "stamps_of", "timestamp_of", "utc_text"]


def snapshot_number(path: str | os.PathLike) -> int | None:
    """The last run of digits in the file stem (snap_0012.npy -> 12; run3_snap_12 -> 12), or None."""
    runs = re.findall(r"[0-9]+", Path(path).stem)
    return int(runs[-1]) if runs else None


# the time stamps `timestamp_of` reads in a file name, as the error of a name without one lists them
TIMESTAMP_FORMATS = (
    "YYYY.MM.DD.hh.mm.ss (NASA IMS: 2004.02.12.10.32.39)",
    "YYYYMMDDThhmmss or YYYYMMDD_hhmmss (20240101T120000, 20240101_120000; also with '-')",
    "YYYY-MM-DDThh:mm:ss (ISO 8601: 2024-01-01T12:00:00; ' ' or '_' for 'T', '-' for ':', fraction allowed)",
)
_TIMESTAMPS = (
    re.compile(
        r"(?<!\d)(?P<Y>\d{4})\.(?P<m>\d\d)\.(?P<d>\d\d)\.(?P<H>\d\d)\.(?P<M>\d\d)\.(?P<S>\d\d)(?!\.?\d)"
    ),
    re.compile(r"(?<!\d)(?P<Y>\d{4})(?P<m>\d\d)(?P<d>\d\d)[Tt_-](?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d)(?!\d)"),
    re.compile(
        r"(?<!\d)(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[Tt _](?P<H>\d\d)(?P<sep>[:-])(?P<M>\d\d)(?P=sep)"
        r"(?P<S>\d\d)(?:[.,](?P<f>\d{1,9}))?(?!\d)"
    ),
)


def timestamp_of(path: str | os.PathLike) -> float | None:
    """POSIX seconds (the time read as UTC) of the time stamp in a file name, or None when it has none.

    The formats are TIMESTAMP_FORMATS: NASA IMS ``2004.02.12.10.32.39``, ``20240101T120000`` /
    ``20240101_120000``, ISO ``2024-01-01T12:00:00`` / ``2024-01-01 12-00-00`` (colons are not allowed in
    Windows file names). The whole name is searched, so a suffix may follow (``2004.02.12.10.32.39.csv``).
    """
    name = Path(path).name
    for pattern in _TIMESTAMPS:
        m = pattern.search(name)
        if m is None:
            continue
        fields = [int(m.group(k)) for k in "YmdHMS"]
        try:
            t = datetime(*fields, tzinfo=timezone.utc).timestamp()  # type: ignore[misc]
        except ValueError:  # month 13, hour 25: not a time stamp
            return None
        frac = m.groupdict().get("f")
        return t + (int(frac) / 10 ** len(frac) if frac else 0.0)
    return None


def utc_text(t: float) -> str:
    """ISO 8601 UTC of POSIX seconds (2024-01-01T12:00:00Z): how a sequence writes its start_time."""
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def stamps_of(files: Sequence[Path]) -> list[tuple[Path, float]]:
    """(file, POSIX seconds) of the time stamp in each name; one line naming a file that has none."""
    stamped = []
    for f in files:
        t = timestamp_of(f)
        if t is None:
            raise DataError(
                f"{f}: no time stamp in its name; expected one of: {'; '.join(TIMESTAMP_FORMATS)}"
            )
        stamped.append((f, t))
    return stamped


def parse_utc(text: str) -> float:
    """POSIX seconds of a time written by `utc_text` (a sequence's start_time)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
