"""FEMTO / PRONOSTIA run-to-failure bearings (IEEE PHM 2012): one `SnapshotSequence` per bearing.

Layout: ``Learning_set/BearingX_Y/acc_NNNNN.csv``, one 0.1 s snapshot (2560 rows at 25.6 kHz) every 10 s;
condition X sets speed and load. The published archive unpacks to Learning_set/, Test_set/ (lives cut short
for the challenge) and Full_Test_Set/ (the same lives to the end): a bearing is looked for in all three, and
one that two sets hold (Test_set/Bearing1_3, Full_Test_Set/Bearing1_3) is chosen by its set/name.

A monitor scores thousands of snapshots, so `read_femto_snapshot` parses the two acceleration columns with
vectorised byte arithmetic (about 4x faster than `np.loadtxt` of the file, whose per-number strtod
dominates); anything the fast path does not expect goes to a line-by-line parser that gives the exact row
and column of a problem.
"""

from __future__ import annotations

import math
import os
import re
from functools import partial
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

from deepshrink.data.readers.io import check_finite
from deepshrink.data.recording import (
    SnapshotSequence,
    file_snapshots,
    natural_key,
    numbering_meta,
    skipped_entries,
    unreadable,
)
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "FEMTO_CHANNELS",
    "FEMTO_CONDITIONS",
    "FEMTO_INTERVAL_S",
    "FEMTO_RATE",
    "FEMTO_SETS",
    "femto_bearings",
    "is_femto_folder",
    "load_femto",
    "load_femto_sequence",
    "read_femto_snapshot",
]

FEMTO_RATE = 25600.0
FEMTO_INTERVAL_S = 10.0
FEMTO_CHANNELS = ("horizontal", "vertical")
FEMTO_UNIT = "g"
# the folders the published archive unpacks to, in the order their bearings are listed
FEMTO_SETS = ("Learning_set", "Test_set", "Full_Test_Set")
# operating condition X of BearingX_Y: (rpm, radial load N)
FEMTO_CONDITIONS = {1: (1800, 4000), 2: (1650, 4200), 3: (1500, 5000)}

_COLUMNS = "hour, minute, second, microsecond, horizontal g, vertical g"
_NUMBER_BYTES = b"0123456789.-+eE,\n"
_ROW_SEPS = np.array([44] * 5 + [10], dtype=np.uint8)  # five commas, then the end of the row
_P10 = 10.0 ** np.arange(23)
_PAD = 16
_DIGIT = np.zeros(256)
_DIGIT[48:58] = np.arange(10)
_CODE = np.zeros(256, np.float32)  # per byte: a dot counts 1, '-' 16, '+' 256, an exponent 4096
_CODE[[46, 45, 43, 101, 69]] = [1, 16, 256, 4096, 4096]
_ACC_FILE = re.compile(r"acc_(\d+)\.csv", re.IGNORECASE)
_BEARING = re.compile(r"Bearing(\d+)_(\d+)", re.IGNORECASE)


def _channel_columns(channel: int | str | None) -> tuple[list[int], tuple[str, ...]]:
    """The acceleration columns (0 horizontal, 1 vertical) and their names for a `channel` option."""
    if channel is None:
        return [0, 1], FEMTO_CHANNELS
    if isinstance(channel, str) and channel.strip().lower() in FEMTO_CHANNELS:
        i = FEMTO_CHANNELS.index(channel.strip().lower())
        return [i], (FEMTO_CHANNELS[i],)
    if not isinstance(channel, bool) and str(channel).strip() in ("0", "1"):
        i = int(str(channel).strip())
        return [i], (FEMTO_CHANNELS[i],)
    raise ConfigError(
        f"channel must be 0/'horizontal' or 1/'vertical' for FEMTO data (or None for both), got {channel!r}",
        key="channel",
    )


def _parse_fast(b: bytes) -> np.ndarray | None:
    """(rows, 2) float64 accelerations of a normalised file (',' between cells, rows end with a newline),
    or None when the file is anything but plain rows of six numbers with e-free accelerations.

    Each acceleration cell is read as an integer of its digits over 10**decimals, both exact in float64, so
    the one division is correctly rounded: bit for bit what strtod gives, without strtod's per-number cost.
    The four time columns are not returned: they are only checked to be non-empty cells of number bytes.
    """
    if not b or b.translate(None, _NUMBER_BYTES):
        return None
    u = np.frombuffer(b"0" * _PAD + b, np.uint8)  # the pad keeps every window below inside the buffer
    sep_pos = np.flatnonzero((u == 44) | (u == 10))
    if sep_pos.size == 0 or sep_pos.size % 6 or sep_pos[0] == _PAD or (np.diff(sep_pos) == 1).any():
        return None
    rows = sep_pos.size // 6
    grid = sep_pos.reshape(rows, 6)
    if not (u[grid] == _ROW_SEPS).all():
        return None
    ends = grid[:, 4:].ravel()
    lens = ends - grid[:, 3:5].ravel() - 1
    width = int(lens.max())
    if width > _PAD - 1:  # more digits than float64 holds exactly
        return None
    cols = np.arange(width)
    first = width - lens
    # every acceleration cell right-aligned in `width` bytes, the bytes left of it turned into '0'
    windows = as_strided(u, shape=(u.size - width + 1, width), strides=(1, 1), writeable=False)
    m = np.where(cols >= first[:, None], windows[ends - width], np.uint8(48))
    # one small matmul counts the dots and signs of each cell and sums their columns (codes in base 16)
    weights = np.stack([np.ones(width, np.float32), cols.astype(np.float32)], axis=1)
    cnt, pos = (np.take(_CODE, m) @ weights).astype(np.int64).T
    ndot, nminus, nplus = cnt & 15, (cnt >> 4) & 15, (cnt >> 8) & 15
    nsign = nminus + nplus
    if cnt.max() >= 4096 or ndot.max() > 1 or nsign.max() > 1 or (lens - ndot - nsign < 1).any():
        return None  # an exponent, two dots or signs, or a cell without digits
    signcol = np.where(nminus > 0, (pos >> 4) & 15, (pos >> 8) & 15)
    if ((nsign > 0) & (signcol != first)).any():
        return None
    # the digits as one integer with the dot read as a 0: the part right of the dot is that integer modulo
    # 10**decimals, the part left of it is 10 times too large
    whole = np.take(_DIGIT, m) @ _P10[width - 1 - cols]
    scale = _P10[np.where(ndot > 0, width - 1 - (pos & 15), 0)]
    right = np.fmod(whole, scale)
    value = np.where(ndot > 0, (whole - right) / 10 + right, whole) / scale
    value[nminus > 0] *= -1
    return value.reshape(rows, 2)


def _parse_slow(b: bytes, name: str) -> np.ndarray:
    """(rows, 2) accelerations, row by row: slow, but says which row and cell is wrong."""
    if b"\x00" in b:
        raise DataError(f"{name}: is not a text file (binary data); expected a FEMTO acc CSV ({_COLUMNS})")
    try:
        text = b.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{name}: is not a text file (not UTF-8/ASCII); expected a FEMTO acc CSV") from None
    out: list[tuple[float, float]] = []
    for i, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != 6:
            what = "ragged rows: earlier rows have 6" if out else f"a FEMTO acc file has 6 ({_COLUMNS})"
            raise DataError(f"{name}: row {i} has {len(cells)} column(s); {what}")
        values = []
        for j, cell in enumerate(cells, 1):
            try:
                if "_" in cell:  # float() reads "1_000"; a CSV number never has one
                    raise ValueError(cell)
                v = float(cell)
            except ValueError:
                raise DataError(f"{name}: row {i} column {j}: {cell.strip()!r} is not a number") from None
            if j <= 4 and not math.isfinite(v):  # NaN/inf samples: check_finite's error, as for any file
                raise DataError(f"{name}: row {i} column {j}: {cell.strip()!r} is NaN/inf")
            values.append(v)
        out.append((values[4], values[5]))
    if not out:
        raise DataError(f"{name}: has no rows (empty file); expected {_COLUMNS}")
    return np.array(out, dtype=np.float64)


def read_femto_snapshot(path: str | os.PathLike, channel: int | str | None = None) -> np.ndarray:
    """One acc_NNNNN.csv as float32 (channels, samples): both accelerations, or the one `channel` picks.

    Accepts both published variants: ',' separated, and ';' separated with a decimal comma or point.
    Every problem is a `DataError` starting with the path.
    """
    cols, _ = _channel_columns(channel)
    p = Path(path).expanduser()
    name = str(p)
    try:
        b = p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not a FEMTO acc file") from None
    except OSError as err:
        raise DataError(f"{name}: cannot read ({err.strerror or err})") from None
    b = b.removeprefix(b"\xef\xbb\xbf").replace(b"\r", b"").rstrip(b" \t\n") + b"\n"
    if b";" in b[: b.find(b"\n")]:
        # the semicolon variant: its commas are decimal commas
        b = b.replace(b",", b".").replace(b";", b",")
    acc = _parse_fast(b)
    if acc is None:
        acc = _parse_slow(b, name)
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported by check_finite
        out = np.ascontiguousarray(acc.T[cols], dtype=np.float32)
    check_finite(out, name)
    return out


def _set_folders(base: Path) -> list[Path]:
    """The archive's set folders under `base`, in FEMTO_SETS order (names matched case-insensitively)."""
    found = {c.name.lower(): c for c in base.iterdir() if c.is_dir()}
    return [found[s.lower()] for s in FEMTO_SETS if s.lower() in found]


def is_femto_folder(path: str | os.PathLike) -> bool:
    """True for a folder holding the archive's sets (Learning_set/, Test_set/, Full_Test_Set/), BearingX_Y/
    folders, or acc_*.csv snapshot files."""
    p = Path(path)
    if not p.is_dir():
        return False
    if _set_folders(p):
        return True
    return any(
        (c.is_dir() and c.name.lower().startswith("bearing")) or (c.is_file() and _is_acc_name(c.name))
        for c in p.iterdir()
    )


def _is_acc_name(name: str) -> bool:
    return name.lower().startswith("acc_") and name.lower().endswith(".csv")


def _set_name(folder: Path) -> str | None:
    """The archive's name of a set folder (Learning_set, ...), None for any other folder."""
    return next((s for s in FEMTO_SETS if s.lower() == folder.name.lower()), None)


def _bearings_in(folder: Path) -> list[Path]:
    dirs = [c for c in folder.iterdir() if c.is_dir() and c.name.lower().startswith("bearing")]
    return sorted(dirs, key=lambda d: natural_key(d.name))


def _bearing_dirs(root: str | os.PathLike | None) -> tuple[Path, list[tuple[str | None, Path]]]:
    """(the folder searched, [(set name or None, bearing folder)]), sets in FEMTO_SETS order, bearings in
    natural order."""
    base = dataset_root(
        "femto", root, looks_right=is_femto_folder, hint="put Learning_set/BearingX_Y/acc_NNNNN.csv there"
    )
    if any(c.is_file() and _is_acc_name(c.name) for c in base.iterdir()):
        return base, [(_set_name(base.parent), base)]  # a single bearing's folder
    sets = _set_folders(base)
    found = [(_set_name(s), d) for s in sets for d in _bearings_in(s)] if sets else []
    found = found or [(_set_name(base), d) for d in _bearings_in(base)]  # a set folder, or bearings alone
    if not found:
        raise DataError(f"{base}: no FEMTO bearing folders (BearingX_Y/ holding acc_NNNNN.csv) found")
    return base, found


def _names(found: list[tuple[str | None, Path]]) -> list[str]:
    """A name for each bearing that chooses it: its folder name, or set/name when two sets hold it."""
    count: dict[str, int] = {}
    for _, d in found:
        count[d.name.lower()] = count.get(d.name.lower(), 0) + 1
    return [f"{s}/{d.name}" if s and count[d.name.lower()] > 1 else d.name for s, d in found]


def _listing(found: list[tuple[str | None, Path]]) -> str:
    """The bearings found, grouped by set when there are several."""
    sets = list(dict.fromkeys(s for s, _ in found))
    if len(sets) == 1:
        return ", ".join(d.name for _, d in found)
    return "; ".join(f"{s}: " + ", ".join(d.name for t, d in found if t == s) for s in sets)


def femto_bearings(root: str | os.PathLike | None = None) -> list[str]:
    """The bearings under the FEMTO folder (natural order: Bearing1_2 before Bearing1_10; with several sets,
    set by set), each named as `load_femto` takes it: set/name for a bearing that two sets hold."""
    return _names(_bearing_dirs(root)[1])


def _choose(base: Path, found: list[tuple[str | None, Path]], bearing: str | None) -> tuple[str | None, Path]:
    """The (set, folder) `bearing` names: BearingX_Y or X_Y in any case, or Set/BearingX_Y."""
    if bearing is None:
        if len(found) != 1:
            example = _names(found)[0]
            raise ConfigError(
                f"{base}: holds {len(found)} bearings ({_listing(found)}); choose one with --bearing"
                f" (e.g. --bearing {example})",
                key="bearing",
            )
        return found[0]
    text = str(bearing).strip().replace("\\", "/")
    set_part, _, name = text.rpartition("/")
    name = name.lower()
    fits = [
        (s, d)
        for s, d in found
        if d.name.lower() in (name, f"bearing{name}")
        and (not set_part or (s or "").lower() == set_part.lower())
    ]
    if not fits:
        raise ConfigError(
            f"unknown FEMTO bearing {bearing!r} in {base}; found: {_listing(found)}", key="bearing"
        )
    if len(fits) > 1:
        where = ("both " if len(fits) == 2 else "") + " and ".join(str(s) for s, _ in fits)
        spell = " or ".join(f"--bearing {s}/{d.name}" for s, d in fits)
        raise ConfigError(
            f"FEMTO bearing {bearing!r} is in {where} of {base}; choose one with {spell}", key="bearing"
        )
    return fits[0]


def _snapshot_files(folder: Path) -> tuple[list[tuple[int, Path]], list[tuple[Path, str]]]:
    """(number, path) of every acc_NNNNN.csv by number, and the entries named so that are not readable
    files (broken links, folders); temp_*.csv and other files are not snapshots."""
    found: dict[int, Path] = {}
    skipped: list[tuple[Path, str]] = []
    for f in sorted(folder.iterdir(), key=lambda f: (natural_key(f.name), f.name)):  # ties: a fixed order
        if not _is_acc_name(f.name):
            continue
        why = unreadable(f)
        if why is not None:
            skipped.append((f, why))
            continue
        match = _ACC_FILE.fullmatch(f.name)
        if match is None:
            raise DataError(f"{f}: FEMTO snapshot file name has no number (expected acc_NNNNN.csv)")
        n = int(match.group(1))
        if n in found:
            raise DataError(f"{folder}: two files for snapshot {n}: {found[n].name} and {f.name}")
        found[n] = f
    if not found:
        also = f"; skipped {len(skipped)} that cannot be read ({skipped[0][1]})" if skipped else ""
        raise DataError(f"{folder}: no FEMTO snapshot files (acc_NNNNN.csv) in the folder{also}")
    return sorted(found.items()), skipped


def load_femto(
    root: str | os.PathLike | None = None, *, bearing: str | None = None, channel: int | str | None = None
) -> SnapshotSequence:
    """One bearing's run to failure, in snapshot order; files are read only when a snapshot is scored.

    root: the FEMTO folder (holding Learning_set/, Test_set/, Full_Test_Set/ or Bearing folders) or one
    bearing's folder; default found by `dataset_root`. bearing: its folder name in any case ("Bearing1_1",
    "bearing1_1" or "1_1"), set/name where two sets hold it ("Full_Test_Set/Bearing1_3"); may be left out
    only when there is one. Time comes from the snapshot number, so a folder holding only some of the
    snapshots keeps their times.
    meta: besides the condition, what was expected and found (expected_snapshots, gaps, missing_numbers,
    skipped_entries; see `load_snapshot_folder`), the set and the units.
    """
    cols, names = _channel_columns(channel)
    base, found = _bearing_dirs(root)
    set_name, folder = _choose(base, found, bearing)
    bearing = folder.name
    files, skipped = _snapshot_files(folder)
    one = cols[0] if len(cols) == 1 else None
    rows = [(n, (n - 1) * FEMTO_INTERVAL_S, f) for n, f in files]
    snapshots = file_snapshots(rows, lambda f: partial(read_femto_snapshot, f, one))
    match = _BEARING.fullmatch(bearing)
    rpm, load_n = FEMTO_CONDITIONS.get(int(match.group(1)), (None, None)) if match else (None, None)
    return SnapshotSequence(
        name=bearing,
        sample_rate=FEMTO_RATE,
        snapshots=snapshots,
        condition=f"{rpm}rpm_{load_n}N" if rpm is not None else None,
        channel_names=names,
        meta={
            "interval_s": FEMTO_INTERVAL_S,
            "end_of_life": True,
            "dataset": "femto",
            "group": bearing,
            "rpm": rpm,
            "load_n": load_n,
            "set": set_name,
            "units": [FEMTO_UNIT] * len(names),
            **numbering_meta([n for n, _ in files]),
            "skipped_entries": skipped_entries(folder, skipped),
        },
    )


def load_femto_sequence(
    root: str | os.PathLike | None = None,
    *,
    bearing: str | None = None,
    channel: int | str | None = None,
    variable: str | None = None,
    sample_rate: float | None = None,
    interval_s: float | None = None,
) -> SnapshotSequence:
    """`load_femto` with the options every snapshot source takes (the registry's loader of "femto"),
    refusing those that do not apply: its rate and interval are facts of the data, so a different value is
    a mistake, not an override; its files have no variables."""
    if variable is not None:
        raise ConfigError(f"option variable={variable!r} does not apply to FEMTO data", key="variable")
    for name, value, fixed in (
        ("sample_rate", sample_rate, FEMTO_RATE),
        ("interval_s", interval_s, FEMTO_INTERVAL_S),
    ):
        try:
            same = value is None or float(value) == fixed
        except (TypeError, ValueError):
            same = False
        if not same:
            raise ConfigError(f"{name}={value!r} does not apply: FEMTO data has {name}={fixed:g}", key=name)
    return load_femto(root, bearing=bearing, channel=channel)
