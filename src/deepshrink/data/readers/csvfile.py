"""CSV signal files, as plants export them: columns of numbers, maybe a header, maybe a time column.

Numeric columns are channels. A header row names them, and the names are kept with the units they state
(acc_h_g, "acc (m/s^2)"). A header column named like a time (time, time_s, t, timestamp, "Time [ms]") is
the time axis, not vibration: it must increase, and its spacing gives the sample rate (in the unit its name
states, else seconds; a column counting 0, 1, 2, ... with no unit is a sample index and gives none).
Columns read as vibration that look like a clock or a counter (constant, never decreasing, whole numbers
only) raise a `DataWarning`: FEMTO's acc files, renamed, hold hour, minute, second and microsecond before
the two accelerations, and nothing else would tell a user that four of six "channels" are a clock.

Cells are separated by ',', ';', a tab or spaces (the most frequent of ',', ';', tab in the first line);
with ';' or tab, decimal commas (0,552) are read as decimal points. Every problem is one `DataError` line
naming the file.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from deepshrink.data.readers.channels import (
    Channel,
    SignalFile,
    check_finite,
    column_unit,
    is_time_name,
    select_columns,
    time_unit,
)
from deepshrink.errors import DataError, DataWarning

__all__ = ["read_csv"]

# fewer rows than this cannot tell a clock from a signal (two samples are always monotonic or not)
_MIN_ROWS = 8


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _delimiter(first: str) -> str | None:
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties: the first of ',', ';', tab
    return best if counts[best] else None


def _check_widths(body: list[str], delimiter: str | None, width: int, name: str) -> None:
    """Ragged rows: one line naming the first short or long row (loadtxt reads only the columns it uses)."""
    for i, line in enumerate(body, 1):
        n = len(line.split(delimiter))
        if n != width:
            raise DataError(
                f"{name}: non-numeric or ragged data (data row {i} has {n} column(s), the first row {width})"
            )


def _numbers(text: str, delimiter: str | None, columns: list[int], name: str) -> np.ndarray:
    try:
        arr = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=np.float64, ndmin=2, usecols=columns)
    except ValueError as err:
        raise DataError(f"{name}: non-numeric or ragged data ({err})") from None
    return arr


def _iso_seconds(cell: str) -> float:
    """POSIX seconds of an ISO 8601 date-time; without a zone it is taken as UTC."""
    t = datetime.fromisoformat(cell.strip().replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp()


def _time_axis(text: str, delimiter: str | None, index: int, column: str, name: str) -> np.ndarray | None:
    """The time column in seconds: numbers in the unit its name states (else seconds), or ISO date-times;
    None for a column that counts samples (0, 1, 2, ... and no unit stated: "t" is often an index)."""
    try:
        t = _numbers(text, delimiter, [index], name)[:, 0]
    except DataError:
        pass
    else:
        scale = time_unit(column)
        if scale is None and t.size > 1 and (np.diff(t) == 1).all() and t[0] == round(t[0]):
            return None
        return t * (scale or 1.0)
    try:
        cells = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=str, ndmin=2, usecols=[index])[:, 0]
    except ValueError as err:
        raise DataError(f"{name}: time column {column!r} cannot be read ({err})") from None
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        try:
            out[i] = _iso_seconds(cell)
        except (ValueError, OverflowError, OSError):
            raise DataError(
                f"{name}: time column {column!r}, data row {i + 1}: {cell.strip()!r} is neither a number of"
                " seconds nor an ISO date-time"
            ) from None
    return out


def _time_rate(t: np.ndarray, column: str, name: str) -> float | None:
    """Samples per second from an increasing time axis (None for a single row).

    Times are printed with few decimals (25.6 kHz as 0.000039, 0.000040, ...), which leaves the measured
    rate a little off (25599.3): it is rounded to the fewest digits its spacing's jitter allows (at most
    0.1 %), so that every file of a sequence states the same rate, 25600.
    """
    if not np.isfinite(t).all():
        raise DataError(f"{name}: time column {column!r} holds NaN/inf values")
    if t.size < 2:
        return None
    step = np.diff(t)
    bad = np.flatnonzero(step <= 0)
    if bad.size:
        k = int(bad[0])
        how = "repeats a time" if step[k] == 0 else "goes backwards"
        raise DataError(
            f"{name}: time column {column!r} {how} at data row {k + 2} ({float(t[k + 1])} after "
            f"{float(t[k])}); a time axis must increase"
        )
    with np.errstate(over="ignore"):
        span = float(t[-1] - t[0])
        rate = (t.size - 1) / span
    if not math.isfinite(rate) or rate <= 0:
        raise DataError(f"{name}: time column {column!r} gives no usable sample rate ({rate})")
    jitter = min(float(step.max() - step.min()) / span, 1e-3)
    return next(r for r in (float(f"{rate:.{d}g}") for d in range(1, 18)) if abs(r - rate) <= jitter * rate)


def _clock_like(col: np.ndarray) -> str | None:
    """Why a column looks like a clock or a counter rather than vibration, or None."""
    if col.size < _MIN_ROWS:
        return None
    if (col == col[0]).all():
        return "constant"
    if (np.diff(col) >= 0).all():
        return "never decreases"
    if (col == np.round(col)).all():
        return "whole numbers only"
    return None


def _warn_clocks(arr: np.ndarray, columns: list[int], header: list[str] | None, name: str) -> None:
    why = {c: _clock_like(arr[:, j]) for j, c in enumerate(columns)}
    odd = [c for c in columns if why[c]]
    if not odd:
        return
    listed = ", ".join(f"{c} {header[c]!r} ({why[c]})" if header else f"{c} ({why[c]})" for c in odd)
    rest = [str(c) for c in columns if not why[c]]
    hint = f' (here --channels {",".join(rest)}, or channel="{",".join(rest)}")' if rest else ""
    warnings.warn(
        f"{name}: "
        + (f"columns {listed} look" if len(odd) > 1 else f"column {listed} looks")
        + " like a clock or a counter, not vibration, but "
        + ("are read as channels" if len(odd) > 1 else "is read as a channel")
        + f"; choose the vibration columns with --channels (Python: channel=){hint}",
        DataWarning,
        stacklevel=2,
    )


def read_csv(p: Path, variable: str | None, channel: Channel, *, check_columns: bool = True) -> SignalFile:
    """One CSV file as a `SignalFile` (see the module doc).

    channel: which columns are channels (indices count every column of the file, the time column too):
    an index or header name, "1,2" / "acc_h_g,acc_v_g", or a list; None: every column but the time ones.
    check_columns: warn about clock-like columns taken as channels (a sequence checks its first file only).
    """
    name = str(p)
    if variable is not None:
        raise DataError(f"{name}: variable={variable!r} is for .mat/.npz files; use channel= for a column")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{name}: cannot read as text ({type(err).__name__}: {err})") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError(f"{name}: is empty (no samples)")
    delimiter = _delimiter(lines[0])
    try:
        cells = next(csv.reader([lines[0]], delimiter=delimiter)) if delimiter else lines[0].split()
    except csv.Error as err:
        raise DataError(f"{name}: cannot read the first row ({err})") from None
    cells = [c.strip() for c in cells]
    rest = "\n".join(lines[1:])
    # decimal commas: with ';' or tab between cells and no '.' anywhere in the data, a comma is one
    decimal = delimiter in (";", "\t") and "," in (rest or lines[0]) and "." not in rest
    header = None if all(_is_number(c.replace(",", ".") if decimal else c) for c in cells) else cells
    body = lines[1:] if header else lines
    if not body:
        raise DataError(f"{name}: has a header but no data rows")
    times = [i for i, c in enumerate(header or []) if is_time_name(c)]
    picked = select_columns(
        channel,
        len(cells),
        name,
        names=header,
        kind="column",
        unnamed="channel {item!r} given by name but the file has no header row",
    )
    columns = picked if picked is not None else [i for i in range(len(cells)) if i not in times]
    if not columns:
        raise DataError(f"{name}: holds only a time column ({', '.join(cells)}), no vibration channel")
    data = "\n".join(body)
    if decimal:
        data = data.replace(",", ".")
    _check_widths(body, delimiter, len(cells), name)
    arr = _numbers(data, delimiter, columns, name)
    rate = None
    if times:  # the first time column is the axis
        t = _time_axis(data, delimiter, times[0], cells[times[0]], name)
        rate = _time_rate(t, cells[times[0]], name) if t is not None else None
    if check_columns and picked is None:
        _warn_clocks(arr, columns, header, name)
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported by check_finite
        out = np.ascontiguousarray(arr.T, dtype=np.float32)
    check_finite(out, name)
    names = tuple(header[c] for c in columns) if header else None
    units = tuple(column_unit(n) for n in names) if names else None
    return SignalFile(out, rate, names, units, rate_from_time=rate is not None)
