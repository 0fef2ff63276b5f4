"""`deepshrink monitor`: a machine's snapshots -> scores.csv, summary.json, health.png and the fitted monitor.

A monitor run directory holds config.yaml, model.safetensors + model.json + reference.safetensors (the fitted
indicators and thresholds; see engine/monitor/reference.py),
scores.csv (one row per snapshot), summary.json (per
indicator: threshold, first alarm, false alarms on the held-back healthy snapshots, the prognostic metrics)
and health.png. `stream` scores snapshots that arrive later against the saved reference and appends them;
the alarm state is recomputed from scores.csv, so streamed rows get exactly the flags a batch run would.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.choices import DAE_LR
from deepshrink.data.readers.sequence import load_sequence, read_snapshot_file, snapshot_number
from deepshrink.data.recording import Snapshot, SnapshotSequence, file_snapshots, natural_key
from deepshrink.data.sets.femto import read_femto_snapshot
from deepshrink.engine.core.artifacts import CONFIG_FILE, prepare_run_dir
from deepshrink.engine.core.config import MonitorConfig, save_config, validated
from deepshrink.engine.monitor.reference import (
    INDICATORS,
    LEVEL,
    HealthReference,
    fit_reference,
    load_reference,
    save_reference,
)
from deepshrink.errors import ConfigError, DataError, NonFiniteError
from deepshrink.functional import health
from deepshrink.plots import save_figure
from deepshrink.plots.health import plot_health

__all__ = ["SCORES", "SUMMARY", "reference_size", "run_monitor", "stream"]

SCORES, SUMMARY, FIGURE = "scores.csv", "summary.json", "health.png"
DEFAULT_HEALTHY = 30
MIN_FIT, MIN_HOLDOUT = 5, 5
CHUNK = 256  # snapshots read and scored at a time: memory is bounded by this and the reference
NAMES = (*INDICATORS, LEVEL)
COLUMNS = (
    "index",
    "number",
    "time_s",
    "file",
    "role",
    "status",
    *(c for n in NAMES for c in (n, f"{n}_alarm")),
)


def reference_size(seq: SnapshotSequence, cfg: MonitorConfig) -> tuple[int, int]:
    """(snapshots in the reference, of which the fit sees the first) from --healthy / --healthy-s."""
    key = "healthy_s" if cfg.healthy_s is not None else "healthy"
    if cfg.healthy_s is not None:
        if any(s.time_s is None for s in seq.snapshots):
            raise ConfigError(
                f"healthy_s: the snapshots of {seq.name} have no times; give healthy (a count) or interval_s",
                key=key,
            )
        n_ref = sum(s.time_s < cfg.healthy_s for s in seq.snapshots)
        what = f"the first {cfg.healthy_s:g} s hold {n_ref} snapshot(s)"
    else:
        n_ref = cfg.healthy or DEFAULT_HEALTHY
        what = f"{n_ref} snapshots"
    if n_ref >= len(seq):
        raise ConfigError(
            f"{key}: {what}, but {seq.name} has only {len(seq)} snapshots: the reference must leave some to"
            " monitor",
            key=key,
        )
    n_hold = round(cfg.holdout * n_ref)
    if n_ref - n_hold < MIN_FIT or n_hold < MIN_HOLDOUT:
        need = math.ceil(max(MIN_FIT / (1 - cfg.holdout), MIN_HOLDOUT / cfg.holdout))
        raise ConfigError(
            f"{key}: {what} are too few healthy snapshots; with holdout {cfg.holdout:.2g} the fit needs"
            f" {MIN_FIT} and the thresholds {MIN_HOLDOUT} (give at least {need})",
            key=key,
        )
    return n_ref, n_ref - n_hold


def _read_reference(seq: SnapshotSequence, n: int) -> np.ndarray:
    arrays, shape = [], None
    for snap in seq.snapshots[:n]:
        try:
            x = np.asarray(snap.read(), dtype=np.float32)
        except NonFiniteError as err:
            raise DataError(f"{err} (a healthy reference snapshot must be complete)") from None
        shape = shape or x.shape
        if x.shape != shape:
            raise DataError(
                f"{snap.source}: snapshot of shape {x.shape}, but the first snapshot is {shape}; every"
                " snapshot must have the same channels and length"
            )
        arrays.append(x)
    return np.stack(arrays)


def _score_rows(
    ref: HealthReference, snaps: Sequence[Snapshot], roles: Sequence[str], progress: Callable | None
) -> list[dict[str, Any]]:
    """Rows of scores.csv for `snaps`, read and scored CHUNK at a time; a NaN snapshot is a row of its own."""

    def read(part: Sequence[Snapshot]) -> list[np.ndarray | None]:
        out = []
        for snap in part:
            try:
                out.append(ref.check(snap.read(), snap.source))
            except NonFiniteError:
                out.append(None)
        return out

    chunks = [snaps[i : i + CHUNK] for i in range(0, len(snaps), CHUNK)]
    rows: list[dict[str, Any]] = []
    # the next chunk's files are read in a second thread while this one is scored (parsing is NumPy work
    # that releases the GIL): reading and scoring overlap, memory stays two chunks
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read, chunks[0]) if chunks else None
        for i, part in enumerate(chunks):
            arrays = pending.result()
            pending = pool.submit(read, chunks[i + 1]) if i + 1 < len(chunks) else None
            rows += _chunk_rows(ref, part, arrays, roles[i * CHUNK : (i + 1) * CHUNK])
            if progress is not None:
                progress(len(rows), len(snaps))
    return rows


def _chunk_rows(
    ref: HealthReference, part: Sequence[Snapshot], arrays: list, roles: Sequence[str]
) -> list[dict[str, Any]]:
    xs = [a for a in arrays if a is not None]
    scores = ref.score(np.stack(xs)) if xs else {}
    rows, k = [], 0
    for snap, x, role in zip(part, arrays, roles, strict=True):
        ok = x is not None
        row = {"index": snap.index, "number": snap.number, "time_s": snap.time_s, "file": snap.source}
        row.update(role=role, status="ok" if ok else "nan")
        for name in NAMES:
            row[name] = float(scores[name][k]) if ok else math.nan
        k += ok
        rows.append(row)
    return rows


def _flag(rows: list[dict[str, Any]], ref: HealthReference) -> None:
    """Set each row's alarm flags: k consecutive exceedances among the monitored rows (not the reference)."""
    monitored = [r for r in rows if r["role"] == "monitored"]
    for name in NAMES:
        exceed = ref.exceeds(name, np.array([r[name] for r in monitored], dtype=np.float64))
        flags, _ = health.alarm_flags(exceed, ref.persistence)
        for r in rows:
            r[f"{name}_alarm"] = False
        for r, f in zip(monitored, flags, strict=True):
            r[f"{name}_alarm"] = bool(f)


def _write_scores(path: Path, rows: list[dict[str, Any]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(
            {k: ("" if r[k] is None else f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]) for k in COLUMNS}
        )
    atomic_write_text(path, buf.getvalue())


def read_scores(path: Path) -> list[dict[str, Any]]:
    """The rows of a scores.csv, typed back (DataError naming the file when it is not one)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            raw = list(csv.DictReader(fh))
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    rows = []
    for i, r in enumerate(raw, start=2):
        try:
            row = {"index": int(r["index"]), "file": r["file"], "role": r["role"], "status": r["status"]}
            row["number"] = int(r["number"]) if r["number"] else None
            row["time_s"] = float(r["time_s"]) if r["time_s"] else None
            for name in NAMES:
                row[name] = float(r[name]) if r[name] not in ("", "nan") else math.nan
                row[f"{name}_alarm"] = r[f"{name}_alarm"] == "True"
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"{path}: line {i} is not a scores row ({type(err).__name__}: {err})") from None
        rows.append(row)
    return rows


def summarize(rows: list[dict[str, Any]], ref: HealthReference, seq_meta: dict[str, Any]) -> dict[str, Any]:
    """summary.json: per indicator its threshold, first alarm, false alarms on the held-back healthy
    snapshots, and over the whole life monotonicity and trendability (prognosability needs several
    machines: `benchmarks/femto_monitor.py` gives it over the six FEMTO bearings)."""
    cal = [r for r in rows if r["role"] == "calibration"]
    end_of_life = bool(seq_meta.get("end_of_life"))
    last_time = rows[-1]["time_s"]
    onset = seq_meta.get("onset_index")
    times = np.array([r["time_s"] if r["time_s"] is not None else r["index"] for r in rows], dtype=float)
    out: dict[str, Any] = {}
    for name in NAMES:
        first = next((r for r in rows if r[f"{name}_alarm"]), None)
        exceed = ref.exceeds(name, np.array([r[name] for r in cal], dtype=np.float64))
        values = np.array([r[name] for r in rows], dtype=np.float64)
        if name == LEVEL:  # the distance from the healthy level, whichever way
            values = np.abs(values - ref.centres[name])
        item = {
            "threshold": ref.thresholds[name],
            "direction": "either way" if name == LEVEL else "up",
            "first_alarm_index": None if first is None else first["index"],
            "first_alarm_number": None if first is None else first["number"],
            "first_alarm_time_s": None if first is None else first["time_s"],
            "alarmed_snapshots": int(sum(r[f"{name}_alarm"] for r in rows)),
            "calibration_exceedances": int(np.nansum(exceed)),
            "calibration_snapshots": len(cal),
            "monotonicity": health.monotonicity(values),
            "trendability": health.trendability(values, times),
        }
        if end_of_life and first is not None and first["time_s"] is not None and last_time is not None:
            item["lead_time_s"] = last_time - first["time_s"]
        if end_of_life and first is not None:
            item["lead_snapshots"] = rows[-1]["index"] - first["index"]
        if onset is not None:
            item["alarm_delay_snapshots"] = None if first is None else first["index"] - onset
            item["alarm_before_onset"] = first is not None and first["index"] < onset
        out[name] = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in item.items()
        }
    return {
        "sequence": seq_meta,
        "false_alarm_rate": ref.false_alarm_rate,
        "persistence": ref.persistence,
        "reference_rms": ref.scale,
        "snapshots": len(rows),
        "unscored": [r["file"] for r in rows if r["status"] != "ok"],
        "indicators": out,
        "prognosability": None,
        "notes": [
            "thresholds: upper prediction bound of one healthy snapshot at the false-alarm rate, from the "
            "held-back healthy snapshots (log-normal; level_db: normal, either way)",
            "calibration_exceedances counts held-back healthy snapshots above the threshold (no persistence)",
            "dae: windows are divided by the reference RMS, so a quieter machine scores lower; level_db "
            "reports the level beside it",
            "prognosability needs several run-to-failure machines (see benchmarks/femto_monitor.py)",
        ],
    }


def _finish(run: Path, rows: list[dict[str, Any]], ref: HealthReference, seq_meta: dict) -> dict[str, Any]:
    _flag(rows, ref)
    _write_scores(run / SCORES, rows)
    summary = summarize(rows, ref, seq_meta)
    atomic_write_json(run / SUMMARY, summary)
    fig = plot_health(
        rows,
        ref.thresholds,
        ref.centres,
        names=NAMES,
        onset=seq_meta.get("onset_index"),
        title=f"{seq_meta.get('name', '')}: health indicators / threshold",
    )
    save_figure(fig, run / FIGURE)
    return summary


def _sequence_meta(seq: SnapshotSequence, cfg: MonitorConfig, n_ref: int, n_fit: int) -> dict[str, Any]:
    keep = ("interval_s", "end_of_life", "onset_index", "fault", "dataset", "rpm", "load_n")
    meta = {k: seq.meta[k] for k in keep if k in seq.meta}
    first = seq.snapshots[0]
    return {
        "name": seq.name,
        "condition": seq.condition,
        "data": cfg.data,
        "channel": cfg.channel,
        "channel_names": list(seq.channel_names) if seq.channel_names else None,
        "sample_rate": seq.sample_rate,
        "snapshots": len(seq),
        "reference_fit": [0, n_fit - 1],
        "reference_calibration": [n_fit, n_ref - 1],
        "first_number": first.number,
        **meta,
    }


def run_monitor(
    cfg: MonitorConfig,
    *,
    overwrite: bool = False,
    on_epoch: Callable | None = None,
    progress: Callable | None = None,
    verbose: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """Fit on the healthy reference of cfg.data, score every snapshot, write the run; (run dir, summary)."""
    cfg = validated(cfg, MonitorConfig)
    options = dict(cfg.data_kwargs)
    seq = load_sequence(
        cfg.data,
        bearing=cfg.bearing,
        channel=cfg.channel,
        sample_rate=cfg.sample_rate,
        interval_s=cfg.interval_s,
        **options,
    )
    n_ref, n_fit = reference_size(seq, cfg)
    run = Path(cfg.out) if cfg.out is not None else Path(f"monitor-{seq.name}")
    prepare_run_dir(run, overwrite=overwrite)  # refuse an existing run before the work, not after
    with contextlib.suppress(OSError):  # a monitor keeps no checkpoints: no empty folder left behind
        (run / "checkpoints").rmdir()
    reference = _read_reference(seq, n_ref)
    ref, _ = fit_reference(
        reference[:n_fit],
        reference[n_fit:],
        model=cfg.model,
        model_kwargs=cfg.model_kwargs,
        window=cfg.window,
        level=cfg.level,
        epochs=cfg.epochs,
        lr=cfg.lr or DAE_LR,
        batch_size=cfg.batch_size or 64,
        seed=cfg.seed,
        false_alarm_rate=cfg.false_alarm_rate,
        persistence=cfg.persistence,
        sample_rate=seq.sample_rate,
        on_epoch=on_epoch,
        verbose=verbose,
    )
    del reference
    cfg.out = str(run)
    save_config(cfg, run / CONFIG_FILE)
    seq_meta = _sequence_meta(seq, cfg, n_ref, n_fit)
    save_reference(ref, run, {"sequence": seq_meta, "reader": _reader_of(seq, cfg)})
    roles = ["fit"] * n_fit + ["calibration"] * (n_ref - n_fit) + ["monitored"] * (len(seq) - n_ref)
    rows = _score_rows(ref, seq.snapshots, roles, progress)
    return run, _finish(run, rows, ref, seq_meta)


def _reader_of(seq: SnapshotSequence, cfg: MonitorConfig) -> dict[str, Any]:
    """How a streamed file is read: as the sequence's files were."""
    return {
        "kind": "femto" if seq.meta.get("dataset") == "femto" else "file",
        "channel": cfg.channel,
        "sample_rate": seq.sample_rate,
    }


def _streamed_reader(reader: dict[str, Any]) -> Callable[[Path], Callable[[], np.ndarray]]:
    """How a streamed file is read: with the reader the run's own files had (FEMTO's, or a snapshot file
    whose rate must be the run's)."""
    channel = reader.get("channel")
    if reader.get("kind") == "femto":
        return lambda f: partial(read_femto_snapshot, f, channel)
    return lambda f: partial(read_snapshot_file, f, None, channel, reader.get("sample_rate"))


def stream(
    run_dir: str | Path, paths: Sequence[str | Path], *, progress: Callable | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Score files that arrived after a monitor run, in the order of the numbers in their names, against its
    saved reference and thresholds; append them to scores.csv and renew summary.json and health.png.
    Returns (the new rows, the summary)."""
    run = Path(run_dir)
    ref, meta = load_reference(run)
    rows = read_scores(run / SCORES)
    seq_meta = dict(meta.get("sequence") or {})
    if (run / SUMMARY).is_file():  # after an earlier stream: its counts
        try:
            seq_meta.update(json.loads((run / SUMMARY).read_text(encoding="utf-8")).get("sequence") or {})
        except (OSError, ValueError, AttributeError) as err:
            raise DataError(f"{run / SUMMARY}: corrupt ({type(err).__name__}: {err})") from None
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted((f for f in p.iterdir() if f.is_file()), key=lambda f: natural_key(f.name))
        elif p.is_file():
            files.append(p)
        else:
            raise DataError(f"{p}: not found")
    if not files:
        raise DataError(f"no snapshot files in {', '.join(map(str, paths))}")
    files.sort(key=lambda f: (snapshot_number(f) is None, snapshot_number(f) or 0, natural_key(f.name)))
    last = rows[-1] if rows else None
    interval, first_number = seq_meta.get("interval_s"), seq_meta.get("first_number")
    new_rows, seen = [], {r["number"] for r in rows if r["number"] is not None}
    for f in files:
        number = snapshot_number(f)
        if number is not None and (number in seen or (last and last["number"] and number <= last["number"])):
            raise DataError(
                f"{f}: snapshot number {number} is not after the last scored one ({last['number']})"
            )
        seen.add(number)
        time_s = None
        if number is not None and interval and first_number is not None:
            time_s = (number - first_number) * float(interval)
        new_rows.append((number, time_s, f))
    snaps = file_snapshots(new_rows, _streamed_reader(dict(meta.get("reader") or {})), start=len(rows))
    new = _score_rows(ref, snaps, ["monitored"] * len(snaps), progress)
    seq_meta["snapshots"] = len(rows) + len(new)
    seq_meta["streamed"] = int(seq_meta.get("streamed", 0)) + len(new)
    seq_meta["end_of_life"] = False  # the run goes on: no lead time until a life is known to have ended
    all_rows = rows + new
    summary = _finish(run, all_rows, ref, seq_meta)
    return all_rows[len(rows) :], summary
