"""Envelope diagnosis of files: which bearing defect family (outer race, inner race, ball) a recording shows.

`settings_from` checks the options once (bearing geometry, shaft speed, band, threshold, figures), before any
file is read; `diagnose_file` then reads one file (`deepshrink.data.readers.io.read_signal_file`: .mat, .npy,
.npz, .csv, .wav), takes its sample rate and shaft speed from the options, the file or its data set's
registry entry (`--data cwru`: the rate from CWRU's numbering, the speed from the file's XNNNRPM variable or
the load in its name) and runs `deepshrink.functional.envelope.diagnose_signal`. Every mistake is one
`ConfigError` (an option, named by its key) or `DataError` (a file, named by its path).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deepshrink.data.readers.io import read_signal_file
from deepshrink.data.sets.registry import DATASETS, DataSet, dataset
from deepshrink.data.split.examples import list_input_files
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.bearing import BEARINGS, BearingGeometry, bearing_geometry
from deepshrink.functional.envelope import DEFAULT_THRESHOLD_DB, diagnose_signal, fast_kurtogram
from deepshrink.plots import plot_envelope, save_figure

__all__ = ["DiagnoseSettings", "diagnose_file", "diagnose_files", "parse_band", "settings_from"]

BANDS = ("kurtogram", "prewhiten")
_PERIODS = 10  # a record must hold this many periods of the slowest defect family (diagnose_signal's rule)


@dataclass(frozen=True)
class DiagnoseSettings:
    """What `diagnose_file` needs besides the file: checked options (see `settings_from`)."""

    geometry: BearingGeometry
    geometry_source: str
    shaft_hz: float | None
    speed_source: str | None
    data: DataSet | None
    band: str | tuple[float, float] | None = "kurtogram"
    threshold_db: float = DEFAULT_THRESHOLD_DB
    harmonics: int = 3
    sample_rate: float | None = None
    variable: str | None = None
    channel: Any = None
    figure_dir: Path | None = None


def parse_band(band: Any) -> str | tuple[float, float] | None:
    """ "kurtogram", "prewhiten", None, (lo, hi) or "LO:HI" (Hz) -> the `band` of `diagnose_signal`."""
    if band is None or (isinstance(band, str) and band in BANDS):
        return band
    if isinstance(band, str):
        lo, sep, hi = band.partition(":")
        try:
            pair = (float(lo), float(hi)) if sep else None
        except ValueError:
            pair = None
        if pair is None:
            raise ConfigError(f"band: {band!r} is not kurtogram, prewhiten or LO:HI in Hz", key="band")
        band = pair
    if isinstance(band, (tuple, list)) and len(band) == 2:
        lo, hi = (float(v) for v in band)
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo < hi):
            raise ConfigError(f"band: {lo:g}:{hi:g} must satisfy 0 <= LO < HI (Hz)", key="band")
        return (lo, hi)
    raise ConfigError(f"band: {band!r} is not kurtogram, prewhiten or LO:HI in Hz", key="band")


def _positive(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (math.isfinite(value) and value > 0)
    ):
        raise ConfigError(f"{key}: must be a finite number > 0, got {value!r}", key=key)
    return float(value)


def _data_set(name: str | DataSet | None) -> DataSet | None:
    if name is None or isinstance(name, DataSet):
        return name
    entry = dataset(str(name).partition(":")[0])
    if entry is None:
        known = ", ".join(n for n, d in DATASETS.items() if d.bearings is not None)
        raise ConfigError(f"data: unknown data set {name!r} (known: {known})", key="data")
    if entry.bearings is None:
        raise ConfigError(f"data: {entry.name} has no bearing facts in the registry", key="data")
    return entry


def _geometry(spec: Any, data: DataSet | None, position: str | None) -> tuple[BearingGeometry, str]:
    if isinstance(spec, BearingGeometry):
        return spec, spec.name or "given"
    if spec is not None:
        try:
            geom = bearing_geometry(str(spec))
        except ValueError as err:
            raise ConfigError(f"geometry: {' '.join(str(err).split())}", key="geometry") from None
        return geom, geom.name or str(spec)
    if data is None:
        known = ", ".join(sorted(BEARINGS))
        raise ConfigError(
            "geometry: no bearing geometry; pass --geometry BALLS,BALL_D,PITCH_D[,ANGLE_DEG] or a named "
            f"bearing ({known}), or --data NAME for a data set whose bearing is known",
            key="geometry",
        )
    facts = data.bearings
    if position is not None and position not in facts.geometry:
        raise ConfigError(
            f"position: {data.name} has no bearing position {position!r} "
            f"(known: {', '.join(facts.positions)})",
            key="position",
        )
    geom = facts.bearing(position)
    if geom is None:
        where = position or facts.positions[0]
        raise ConfigError(
            f"data: the bearing geometry of {data.name} ({where}) is unknown: {facts.why_unknown(where)}; "
            "pass --geometry",
            key="data",
        )
    return geom, f"{geom.name or 'bearing'} ({data.name} {position or facts.positions[0]})"


def settings_from(
    *,
    geometry: str | BearingGeometry | None = None,
    shaft_hz: float | None = None,
    rpm: float | None = None,
    data: str | DataSet | None = None,
    position: str | None = None,
    band: Any = "kurtogram",
    threshold_db: float = DEFAULT_THRESHOLD_DB,
    harmonics: int = 3,
    sample_rate: float | None = None,
    variable: str | None = None,
    channel: Any = None,
    out: str | os.PathLike | None = None,
) -> DiagnoseSettings:
    """Check the options of a diagnosis once, before any file is read.

    geometry: a `BearingGeometry`, a name of `BEARINGS` ("6205") or "BALLS,BALL_D,PITCH_D[,ANGLE_DEG]";
    without it, the bearing of `data` at `position` (default: the data set's first position). shaft_hz or
    rpm (at most one): the shaft speed of every file; without them each file's speed comes from `data`.
    band: "kurtogram", "prewhiten", "LO:HI" / (lo, hi) in Hz, or None (the full band). sample_rate: the rate
    of files that state none (and whose data set does not either). out: a folder for one figure per file
    (created if missing).
    """
    if shaft_hz is not None and rpm is not None:
        raise ConfigError("rpm: give --rpm or --shaft-hz, not both", key="rpm")
    shaft = _positive("shaft_hz", shaft_hz)
    speed = "--shaft-hz" if shaft is not None else None
    if rpm is not None:
        shaft, speed = _positive("rpm", rpm) / 60.0, "--rpm"
    entry = _data_set(data)
    geom, geom_source = _geometry(geometry, entry, position)
    if shaft is None and entry is None:
        raise ConfigError(
            "shaft_hz: no shaft speed; pass --rpm or --shaft-hz (or --data NAME for a data set whose files "
            "state it)",
            key="shaft_hz",
        )
    if (
        isinstance(threshold_db, bool)
        or not isinstance(threshold_db, numbers.Real)
        or not math.isfinite(threshold_db)
    ):
        raise ConfigError(
            f"threshold_db: must be a finite number of dB, got {threshold_db!r}", key="threshold_db"
        )
    if isinstance(harmonics, bool) or not isinstance(harmonics, numbers.Integral) or not 1 <= harmonics <= 20:
        raise ConfigError(f"harmonics: must be an integer in 1..20, got {harmonics!r}", key="harmonics")
    figure_dir = None
    if out is not None:
        figure_dir = Path(out).expanduser()
        if figure_dir.exists() and not figure_dir.is_dir():
            raise ConfigError(f"out: {figure_dir} exists and is not a folder", key="out")
        try:
            figure_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ConfigError(f"out: cannot create {figure_dir} ({err.strerror or err})", key="out") from None
    return DiagnoseSettings(
        geometry=geom,
        geometry_source=geom_source,
        shaft_hz=shaft,
        speed_source=speed,
        data=entry,
        band=parse_band(band),
        threshold_db=float(threshold_db),
        harmonics=int(harmonics),
        sample_rate=_positive("sample_rate", sample_rate),
        variable=variable,
        channel=channel,
        figure_dir=figure_dir,
    )


def _read(path: Path, s: DiagnoseSettings, facts: dict) -> tuple[np.ndarray, float | None]:
    if facts.get("signal") is not None and s.variable is None and s.channel is None:
        x, rate = np.asarray(facts["signal"]), None
    else:
        x, rate = read_signal_file(path, variable=s.variable or facts.get("variable"), channel=s.channel)
    if x.shape[0] != 1:
        raise DataError(f"{path}: holds {x.shape[0]} channels; choose one with --channel")
    return np.asarray(x[0], dtype=np.float64), rate


def _check_length(path: Path, n: int, fs: float, shaft_hz: float, geom: BearingGeometry) -> None:
    # the families' fundamentals as diagnose_signal scores them: BPFO, BPFI and 2 x BSF
    fund = {"outer": geom.bpfo, "inner": geom.bpfi, "ball": 2.0 * geom.bsf}
    slowest = min(fund, key=fund.__getitem__)
    need = _PERIODS / (fund[slowest] * shaft_hz)
    if n / fs < need:
        raise DataError(
            f"{path}: too short for the resolution the defect frequencies need: {n / fs:.3g} s, needs "
            f"{need:.3g} s ({_PERIODS} periods of the {slowest} family at {fund[slowest] * shaft_hz:.1f} Hz)"
        )


def _figure_path(folder: Path, path: Path, taken: set[Path] | None) -> Path:
    target, i = folder / f"{path.stem}.png", 1
    while taken is not None and target in taken:
        i += 1
        target = folder / f"{path.stem}-{i}.png"
    if taken is not None:
        taken.add(target)
    return target


def diagnose_file(
    path: str | os.PathLike, settings: DiagnoseSettings, *, _taken: set[Path] | None = None
) -> dict[str, Any]:
    """Diagnose one file. Returns {file, verdict, scores (dB per family), band_hz [lo, hi], shaft_hz,
    sample_rate, speed_source, rate_source, geometry, label (the data set's, None if unknown), seconds,
    figure (path or None)}.

    Raises DataError naming the file: unreadable, several channels without --channel, NaN/inf, no sample
    rate, no shaft speed, too short for 10 periods of the slowest defect family, defect harmonics at or
    above Nyquist, a band above Nyquist.
    """
    s = settings
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{p}: file not found" if not p.exists() else f"{p}: not a file")
    facts: dict = {}
    if s.data is not None and s.data.bearings.facts_fn() is not None:
        facts = dict(s.data.bearings.facts_fn()(p) or {})
    x, rate = _read(p, s, facts)
    rate_source = "file"
    if rate is None and facts.get("sample_rate"):
        rate, rate_source = float(facts["sample_rate"]), f"data set {s.data.name}"
    if rate is None and s.sample_rate is not None:
        rate, rate_source = s.sample_rate, "--sample-rate"
    if rate is None:
        raise DataError(f"{p}: the file states no sample rate; pass --sample-rate")
    shaft, speed_source = s.shaft_hz, s.speed_source
    if shaft is None:
        if facts.get("shaft_hz"):
            shaft = float(facts["shaft_hz"])
        elif facts.get("rpm"):
            shaft = float(facts["rpm"]) / 60.0
        if shaft is None:
            raise DataError(f"{p}: {s.data.name} says no shaft speed for this file; pass --rpm or --shaft-hz")
        speed_source = facts.get("rpm_source") or f"data set {s.data.name}"
    _check_length(p, x.size, rate, shaft, s.geometry)
    nyq = rate / 2.0
    if isinstance(s.band, tuple) and s.band[1] > nyq:
        raise DataError(f"{p}: --band {s.band[0]:g}:{s.band[1]:g} reaches above fs/2 = {nyq:g} Hz")
    try:
        d = diagnose_signal(
            x, rate, shaft, s.geometry, band=s.band, threshold_db=s.threshold_db, harmonics=s.harmonics
        )
    except ValueError as err:
        raise DataError(f"{p}: {' '.join(str(err).split())}") from None
    figure = None
    if s.figure_dir is not None:
        kg, levels, _ = fast_kurtogram(x, rate)
        fig = plot_envelope(
            d,
            s.geometry,
            shaft,
            kurtogram=(kg, levels),
            sample_rate=rate,
            harmonics=s.harmonics,
            title=p.name,
        )
        figure = str(save_figure(fig, _figure_path(s.figure_dir, p, _taken)))
    return {
        "file": str(path),
        "verdict": d.verdict,
        "scores": {k: round(v, 2) for k, v in d.scores.items()},
        "band_hz": [round(d.band[0], 1), round(d.band[1], 1)],
        "shaft_hz": round(shaft, 4),
        "sample_rate": rate,
        "speed_source": speed_source,
        "rate_source": rate_source,
        "geometry": s.geometry_source,
        "label": facts.get("label"),
        "seconds": round(x.size / rate, 3),
        "figure": figure,
    }


def diagnose_files(
    paths: Sequence[str | os.PathLike],
    settings: DiagnoseSettings | None = None,
    *,
    skipped: list[tuple[str, str]] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """`diagnose_file` for each file and each signal file in each folder (searched recursively, sorted).

    settings: from `settings_from`, or made from `options` (its keyword arguments). skipped: a list to
    collect (file, reason) of the files found in folders that cannot be diagnosed (a MANIFEST.csv, a
    corrupt file), which are then left out; without it they raise like a file named on its own.
    """
    s = settings if settings is not None else settings_from(**options)
    results, taken = [], set()
    for given in paths:
        files, other = list_input_files(given)
        in_folder = Path(given).expanduser().is_dir()
        if in_folder and skipped is not None:
            skipped += [(str(f), "not a signal file type") for f in other]
        for f in files:
            try:
                results.append(diagnose_file(f, s, _taken=taken))
            except DataError as err:
                if not in_folder or skipped is None:
                    raise
                skipped.append((str(f), str(err)))
    return results
