"""Users' own recordings: a CSV manifest and a folder per label.

Manifest CSV: columns `path,label` and optionally `sample_rate,channel,variable,group,condition`. Paths are
relative to the manifest's folder. `variable` picks a .mat/.npz variable (a struct field by a dotted path,
"bearing.gs"), `channel` a channel index or a CSV column name, `group` keeps recordings together in a group
split (e.g. all recordings of one bearing), `condition` names the operating condition ("270lbs", "1500rpm")
that the cross-condition scenario splits on. A row's rate is, in this order: its `sample_rate` cell, the
file's own rate (.wav, or a .mat `fs`/`sr` variable), the `sample_rate` argument of `load_manifest`;
without any of them it is an error.

Every loader returns recordings at ONE sample rate: `target_rate` if given, else the most common rate among
the files (ties: the highest), reached with `scipy.signal.resample_poly`.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import SIGNAL_SUFFIXES, read_signal, resample_signal
from deepshrink.data.recording import Recording, check_rate
from deepshrink.errors import DataError

__all__ = ["harmonize_rates", "load_folder", "load_manifest"]

_COLUMNS = ("path", "label", "sample_rate", "channel", "variable", "group", "condition")


def harmonize_rates(recordings: Sequence[Recording], *, target_rate: float | None = None) -> list[Recording]:
    """Resample recordings (in place) to `target_rate`, default the most common rate (ties: the highest).

    Returns the same list; recordings already at the rate are untouched. A resampled recording keeps its
    original rate in `meta["native_rate"]`.
    """
    recs = list(recordings)
    if not recs:
        return recs
    if target_rate is None:
        counts = Counter(float(r.sample_rate) for r in recs)
        target = max(counts, key=lambda rate: (counts[rate], rate))
    else:
        target = check_rate(target_rate)
    for r in recs:
        if abs(float(r.sample_rate) - target) > 1e-9:
            r.meta.setdefault("native_rate", float(r.sample_rate))
            r.signal = resample_signal(r.signal, float(r.sample_rate), target, name=f"recording {r.name!r}")
            r.sample_rate = target
    return recs


def _rate(value: str, where: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        rate = float(value)
    except ValueError:
        raise DataError(f"{where}: sample_rate {value!r} is not a number") from None
    if not np.isfinite(rate) or rate <= 0:
        raise DataError(f"{where}: sample_rate must be positive, got {value!r}")
    return rate


def _channel(value: str | int | None) -> int | str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int):
        return value
    v = value.strip()
    return int(v) if v.lstrip("-").isdigit() else v


def _named(names: tuple[str, ...] | None, units: tuple[str | None, ...] | None) -> dict:
    """The channel names and units a file's header states, for the recording's meta (none: nothing)."""
    out: dict = {"channel_names": list(names)} if names else {}
    return out | ({"units": list(units)} if units and any(units) else {})


def _read_one(
    path: Path,
    *,
    label: str,
    name: str,
    rate: float | None,
    channel,
    variable,
    group,
    where: str,
    fallback_rate: float | None = None,
    condition: str | None = None,
) -> Recording:
    signal, own_rate, names, units, _ = read_signal(path, variable=variable, channel=channel)
    if rate is not None and own_rate is not None and abs(rate - own_rate) > 1e-6:
        raise DataError(f"{where}: sample_rate {rate:g} disagrees with the file's own rate {own_rate:g}")
    rate = rate if rate is not None else own_rate if own_rate is not None else fallback_rate
    if rate is None:
        raise DataError(
            f"{where}: {path.name} has no own sample rate; give a sample_rate (column or argument)"
        )
    return Recording(
        signal=signal,
        sample_rate=rate,
        label=label,
        name=name,
        group=group,
        condition=condition,
        meta={"path": str(path)} | _named(names, units),
    )


def load_manifest(
    csv_path: str | os.PathLike, *, sample_rate: float | None = None, target_rate: float | None = None
) -> list[Recording]:
    """Load the recordings listed in a manifest CSV (see the module doc for the columns).

    sample_rate: the rate of rows that have neither a `sample_rate` cell nor a rate in the file itself.
    Each recording is named by its path relative to the manifest; all are resampled to one rate.
    """
    fallback = check_rate(sample_rate, "sample_rate", key="data_kwargs")
    p = Path(csv_path).expanduser()
    if not p.is_file():
        raise DataError(f"{p}: manifest file not found")
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [c.strip() for c in (reader.fieldnames or [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{p}: cannot read the manifest ({type(err).__name__}: {err})") from None
    if "path" not in fields or "label" not in fields:
        found = ", ".join(fields) or "none"
        raise DataError(f"{p}: the manifest needs 'path' and 'label' columns (found: {found})")
    unknown = [c for c in fields if c not in _COLUMNS]
    if unknown:
        raise DataError(f"{p}: unknown column(s) {unknown} (allowed: {', '.join(_COLUMNS)})")
    if not rows:
        raise DataError(f"{p}: the manifest lists no recordings")
    base = p.parent
    recs, seen = [], set()
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"{p}, line {line}"
        if None in raw:
            raise DataError(f"{where}: more fields than columns")
        if not row.get("path"):
            raise DataError(f"{where}: empty path")
        label = row.get("label", "")
        if not label or label.lower() in ("nan", "none", "null"):
            raise DataError(f"{where}: missing label for {row['path']!r}")
        path = (base / row["path"]).expanduser()
        name = Path(row["path"]).as_posix()
        if name in seen:
            raise DataError(f"{where}: {row['path']!r} is listed twice")
        seen.add(name)
        if not path.is_file():
            raise DataError(f"{where}: {path}: file not found")
        recs.append(
            _read_one(
                path,
                label=label,
                name=name,
                rate=_rate(row.get("sample_rate", ""), where),
                channel=_channel(row.get("channel")),
                variable=row.get("variable") or None,
                group=row.get("group") or None,
                where=where,
                fallback_rate=fallback,
                condition=row.get("condition") or None,
            )
        )
    return harmonize_rates(recs, target_rate=target_rate)


def load_folder(
    root: str | os.PathLike,
    *,
    sample_rate: float | None = None,
    target_rate: float | None = None,
    channel: int | str | None = None,
    variable: str | None = None,
) -> list[Recording]:
    """Load `root/<label>/<file>` recordings: one sub-folder per label, files .mat/.npy/.npz/.csv/.wav.

    .wav files carry their rate; for the others `sample_rate` is required. `channel`/`variable` apply to every
    file. Recordings are named `<label>/<file name>`; all are resampled to one rate.
    """
    r = Path(root).expanduser()
    if not r.is_dir():
        raise DataError(f"{r}: folder not found")
    sample_rate = check_rate(sample_rate, "sample_rate", key="data_kwargs")
    stray = sorted(f.name for f in r.iterdir() if f.is_file() and f.suffix.lower() in SIGNAL_SUFFIXES)
    if stray:
        raise DataError(f"{r}: signal files must sit in one sub-folder per label, found {stray[:3]} on top")
    labels = sorted(d for d in r.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not labels:
        raise DataError(f"{r}: empty folder (expected a sub-folder per label of {'/'.join(SIGNAL_SUFFIXES)})")
    recs = []
    for d in labels:
        files = sorted(f for f in d.iterdir() if f.is_file() and f.suffix.lower() in SIGNAL_SUFFIXES)
        if not files:
            raise DataError(f"{d}: label folder holds no {'/'.join(SIGNAL_SUFFIXES)} files")
        for f in files:
            recs.append(
                _read_one(
                    f,
                    label=d.name,
                    name=f"{d.name}/{f.name}",
                    rate=None if f.suffix.lower() == ".wav" else sample_rate,
                    channel=channel,
                    variable=variable if f.suffix.lower() in (".mat", ".npz") else None,
                    group=None,
                    where=str(f),
                )
            )
    return harmonize_rates(recs, target_rate=target_rate)
