"""Users' own recordings: a CSV manifest, a folder per label, and the `load_recordings` dispatcher.

Manifest CSV: columns `path,label` and optionally `sample_rate,channel,variable,group`. Paths are relative to
the manifest's folder. `variable` picks a .mat/.npz variable, `channel` a channel index or a CSV column name,
`group` keeps recordings together in a group split (e.g. all recordings of one bearing). Without a
`sample_rate`, the file's own rate is used (.wav, or a .mat `fs` variable); otherwise it is an error.

Every loader returns recordings at ONE sample rate: `target_rate` if given, else the most common rate among
the files (ties: the highest), reached with `scipy.signal.resample_poly`.
"""

from __future__ import annotations

import csv
import inspect
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.io import SIGNAL_SUFFIXES, read_signal_file, resample_signal
from deepshrink.data.recording import Recording
from deepshrink.errors import ConfigError, DataError

__all__ = ["harmonize_rates", "load_folder", "load_manifest", "load_recordings"]

_COLUMNS = ("path", "label", "sample_rate", "channel", "variable", "group")


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
        target = float(target_rate)
        if not np.isfinite(target) or target <= 0:
            raise ConfigError(f"target_rate must be a positive number of Hz, got {target_rate!r}")
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


def _read_one(
    path: Path, *, label: str, name: str, rate: float | None, channel, variable, group, where: str
) -> Recording:
    signal, own_rate = read_signal_file(path, variable=variable, channel=channel)
    if rate is not None and own_rate is not None and abs(rate - own_rate) > 1e-6:
        raise DataError(f"{where}: sample_rate {rate:g} disagrees with the file's own rate {own_rate:g}")
    rate = rate if rate is not None else own_rate
    if rate is None:
        raise DataError(
            f"{where}: {path.name} has no own sample rate; give a sample_rate (column or argument)"
        )
    return Recording(
        signal=signal, sample_rate=rate, label=label, name=name, group=group, meta={"path": str(path)}
    )


def load_manifest(csv_path: str | os.PathLike, *, target_rate: float | None = None) -> list[Recording]:
    """Load the recordings listed in a manifest CSV (see the module doc for the columns).

    Each recording is named by its path relative to the manifest; all are resampled to one rate.
    """
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
    if sample_rate is not None and (not np.isfinite(float(sample_rate)) or float(sample_rate) <= 0):
        raise ConfigError(f"sample_rate must be a positive number of Hz, got {sample_rate!r}")
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


def _simulator(**kwargs) -> list[Recording]:
    try:
        from deepshrink.data.simulator import make_bearing_signals
    except ImportError as err:
        raise ConfigError(f"the built-in simulator is not available ({err})") from None
    try:
        inspect.signature(make_bearing_signals).bind(**kwargs)
    except TypeError as err:
        raise ConfigError(f"data 'simulator': bad option(s) {sorted(kwargs)} ({err})") from None
    return list(make_bearing_signals(**kwargs))


def _default_cwru_root() -> Path:
    from deepshrink.data.cwru import default_cache_dir

    env = os.environ.get("DEEPSHRINK_DATA")
    candidates = ([Path(env) / "cwru"] if env else []) + [default_cache_dir() / "cwru"]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.mat")):
            return c
    raise DataError(
        f"no CWRU files found in {' or '.join(map(str, candidates))}; use --data cwru:PATH or fetch_cwru()"
    )


def load_recordings(spec: str, **kwargs) -> list[Recording]:
    """Load recordings from a data spec, all at one sample rate.

    spec: "simulator" (built-in synthetic bearing signals; kwargs go to `make_bearing_signals`),
    "cwru:PATH" or "cwru" ($DEEPSHRINK_DATA/cwru or the download cache; kwargs go to `load_cwru`), a manifest
    ".csv" path (`load_manifest`) or a folder with one sub-folder per label (`load_folder`).
    A `target_rate` keyword resamples every recording to that rate (default: the most common rate).
    """
    from deepshrink.data.cwru import load_cwru

    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"data spec must be a non-empty string, got {spec!r}")
    spec = spec.strip()
    target = kwargs.pop("target_rate", None) if spec == "simulator" else None
    if spec == "simulator":
        recs = _simulator(**kwargs)
    elif spec == "cwru" or spec.startswith("cwru:"):
        root = _default_cwru_root() if spec == "cwru" else Path(spec[5:]).expanduser()
        _bind(load_cwru, spec, root, kwargs)
        recs = load_cwru(root, **kwargs)
    elif spec.lower().endswith(".csv"):
        _bind(load_manifest, spec, spec, kwargs)
        recs = load_manifest(spec, **kwargs)
    elif Path(spec).expanduser().is_dir():
        _bind(load_folder, spec, spec, kwargs)
        recs = load_folder(spec, **kwargs)
    else:
        raise ConfigError(
            f"data {spec!r} not understood: use 'simulator', 'cwru:PATH', a manifest .csv file "
            "(columns path,label[,sample_rate,channel,variable,group]) or a folder of label sub-folders"
        )
    if not recs:
        raise DataError(f"data {spec!r}: no recordings loaded")
    return harmonize_rates(recs, target_rate=target)


def _bind(fn: Callable, spec: str, first: object, kwargs: dict) -> None:
    try:
        inspect.signature(fn).bind(first, **kwargs)
    except TypeError as err:
        raise ConfigError(f"data {spec!r}: bad option(s) {sorted(kwargs)} ({err})") from None
