"""What a signal reader returns, and the channel choices, units and time columns every format shares.

`SignalFile` carries, beside the samples and the rate, the channel names and units a file states (a CSV
header), so that a snapshot sequence can name its channels; `read_signal_file` keeps returning
(signal, rate) for the callers that need no more. `select_columns` turns a `channel` option (an index, a
name, "1,2", "acc_h_g,acc_v_g" or a list of them) into indices, every mistake one `DataError` line naming
the file. `column_unit` reads the unit a header name states (acc_h_g, acc_h[g], "acc (m/s^2)", vel_mm_s)
and `is_time_name` tells a time column (time, time_s, t, timestamp, "Time [ms]", ...) from a channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from deepshrink.errors import DataError, NonFiniteError

__all__ = [
    "Channel",
    "SignalFile",
    "check_finite",
    "column_unit",
    "is_time_name",
    "select_columns",
    "time_unit",
]

# the `channel` option of every reader: an index, a name, "1,2" / "acc_h,acc_v", or a list of those
Channel = int | str | Sequence[int | str] | None


class SignalFile(NamedTuple):
    """One file as read: float32 samples (channels, samples) and what the file says about them.

    sample_rate: Hz, or None when the file does not say. channel_names / units: one entry per channel kept
    (a unit is None where the name states none), or None when the file names no channels. rate_from_time:
    the rate was measured from a time column, whose printed digits round it: compare it loosely.
    """

    signal: np.ndarray
    sample_rate: float | None
    channel_names: tuple[str, ...] | None = None
    units: tuple[str | None, ...] | None = None
    rate_from_time: bool = False


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise DataError if `x` (channels, samples) holds NaN or inf: say how many and where the first is."""
    finite = np.isfinite(x)
    if finite.all():
        return
    bad = np.argwhere(~finite)
    first = tuple(int(i) for i in bad[0])
    where = f"channel {first[0]}, sample {first[1]}" if len(first) == 2 else f"index {first}"
    raise NonFiniteError(f"{name}: {len(bad)} NaN/inf value(s), first at {where}")


def _items(channel: Channel, names: Sequence[str] | None, name: str) -> list[int | str]:
    if isinstance(channel, bool) or not isinstance(channel, (int, str, list, tuple)):
        raise DataError(f"{name}: channel {channel!r} must be an index, a name, or a list of them")
    if isinstance(channel, (list, tuple)):
        return list(channel)
    if isinstance(channel, int):
        return [channel]
    text = channel.strip()
    if names is not None and text in names:  # a header name that itself holds a comma
        return [text]
    return [part.strip() for part in text.split(",")] if "," in text else [text]


def select_columns(
    channel: Channel,
    count: int,
    name: str,
    *,
    names: Sequence[str] | None = None,
    kind: str = "channel",
    unnamed: str = "channel {item!r} must be an index here (no channel names)",
) -> list[int] | None:
    """The indices `channel` picks among `count` columns (None: all), in the order given.

    names: the columns' names (a header), or None when the file has none; then a name is the error
    `unnamed` (formatted with the item). kind: "column" or "channel", as the file's own word for them.
    A name matches exactly, else case-insensitively when only one column fits.
    """
    if channel is None:
        return None
    out: list[int] = []
    for item in _items(channel, names, name):
        if isinstance(item, bool) or not isinstance(item, (int, str)) or item == "":
            raise DataError(f"{name}: channel {channel!r} holds {item!r}, not a {kind} index or name")
        if isinstance(item, str) and not re.fullmatch(r"-?[0-9]+", item):
            if names is None:
                raise DataError(f"{name}: " + unnamed.format(item=item))
            fits = [i for i, n in enumerate(names) if n == item]
            fits = fits or [i for i, n in enumerate(names) if n.lower() == item.lower()]
            if len(fits) != 1:
                listed = ", ".join(repr(n) if "," in n else n for n in names)
                what = "several columns named" if fits else "no column"
                raise DataError(f"{name}: {what} {item!r} (columns: {listed})")
            index = fits[0]
        else:
            index = int(item)
            if not -count <= index < count:
                raise DataError(f"{name}: {kind} {index} out of range (the file has {count} {kind}(s))")
            index %= count
        if index in out:
            raise DataError(f"{name}: channel {channel!r} picks {kind} {item!r} twice")
        out.append(index)
    if not out:
        raise DataError(f"{name}: channel {channel!r} picks no {kind}")
    return out


# --- units and time columns from header names ----------------------------------------------------------

# a unit in brackets or parentheses at the end: acc_h[g], "acc (m/s^2)", "Time [ms]"
_BRACKET = re.compile(r"^(.*?)\s*[\[(]\s*([^\[\]()]+?)\s*[\])]\s*$")
# the last words of a name (split at "_", "-", " ") that state a vibration unit; the longest ending wins.
# A bare "v" is not here: in acc_v it means vertical, not volts.
_UNIT_WORDS = {
    ("m", "s", "2"): "m/s^2",
    ("mm", "s"): "mm/s",
    ("m", "s"): "m/s",
    ("in", "s"): "in/s",
    ("m", "s2"): "m/s^2",
    ("m", "s^2"): "m/s^2",
    ("ms2",): "m/s^2",
    ("mps2",): "m/s^2",
    ("g",): "g",
    ("mg",): "mg",
    ("ips",): "in/s",
    ("mms",): "mm/s",
    ("um",): "um",
    ("mm",): "mm",
    ("mil",): "mil",
    ("mils",): "mil",
    ("mv",): "mV",
    ("pa",): "Pa",
}
# the time units a time column may state, in seconds
TIME_UNITS = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "min": 60.0, "h": 3600.0}
# names of a time column (lower case, words joined by "_", its unit taken off)
_TIME_NAMES = {
    "t",
    "time",
    "times",
    "timestamp",
    "timestamps",
    "time_stamp",
    "seconds",
    "secs",
    "sec",
    "elapsed",
    "elapsed_time",
    "time_elapsed",
    "datetime",
    "date_time",
    "relative_time",
}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-\s]+", name.strip().lower()) if w]


def column_unit(name: str) -> str | None:
    """The unit a column name states: acc_h_g -> g, acc_h[g] -> g, 'acc (m/s^2)' -> m/s^2, vel_mm_s ->
    mm/s; None when it states none (a unit must follow a quantity: a column named just 'g' states none)."""
    bracket = _BRACKET.match(name)
    if bracket and bracket.group(1).strip():
        return bracket.group(2)
    words = _words(name)
    for k in (3, 2, 1):
        if len(words) > k and tuple(words[-k:]) in _UNIT_WORDS:
            return _UNIT_WORDS[tuple(words[-k:])]
    return None


def _time_parts(name: str) -> tuple[str, str | None]:
    """(the name without its unit, the unit it states or None), for time columns."""
    bracket = _BRACKET.match(name)
    base, unit = (bracket.group(1), bracket.group(2).strip().lower()) if bracket else (name, None)
    words = _words(base)
    if unit is None and len(words) > 1 and words[-1] in TIME_UNITS:
        unit, words = words[-1], words[:-1]
    return "_".join(words), unit


def is_time_name(name: str) -> bool:
    """Whether a column is named like a time: time, time_s, t, timestamp, seconds, "Time [ms]", ..."""
    return _time_parts(name)[0] in _TIME_NAMES


def time_unit(name: str) -> float | None:
    """Seconds per unit of the time unit a column name states (time_ms -> 0.001, "Time [s]" -> 1), or None
    when it states none (time, t, timestamp) or one that is no time unit ("timestamp (UTC)")."""
    return TIME_UNITS.get(_time_parts(name)[1] or "")
