"""`deepshrink monitor`: a machine's snapshots -> scores.csv, summary.json, health.png, the report and the
fitted monitor.

A monitor run directory holds config.yaml, the fitted monitor (engine/monitor/store.py), scores.csv and
state.json (engine/monitor/scores.py), summary.json (engine/monitor/summary.py), health.png and the report
to send on (report.md, report.html: engine/monitor/report.py). `stream`
scores files that arrive later against the saved monitor and appends them; past rows are never rewritten.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from deepshrink.atomic import atomic_write_json
from deepshrink.choices import DAE_LR
from deepshrink.data.readers.sequence import load_sequence
from deepshrink.data.recording import Snapshot, SnapshotSequence
from deepshrink.data.sets.registry import sequence_set
from deepshrink.engine.core.artifacts import CONFIG_FILE, MONITOR_ADVICE, prepare_run_dir
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.core.option_types import parse_zones
from deepshrink.engine.core.options import save_config, validated
from deepshrink.engine.monitor.families import family_settings, family_values
from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.policy import ReferencePlan, check_drift, plan_reference
from deepshrink.engine.monitor.reference import HealthReference, fit_reference, verdict_warnings
from deepshrink.engine.monitor.report import write_report
from deepshrink.engine.monitor.scores import (
    SCORES,
    STATE,
    flag_rows,
    new_state,
    persistence_rule,
    write_scores,
)
from deepshrink.engine.monitor.store import save_reference
from deepshrink.engine.monitor.summary import summarize
from deepshrink.errors import ConfigError, DataError, NonFiniteError
from deepshrink.functional import health
from deepshrink.plots import save_figure
from deepshrink.plots.health import plot_health

__all__ = ["SCORES", "SUMMARY", "run_monitor"]

SUMMARY, FIGURE = "summary.json", "health.png"
CHUNK = 256  # snapshots read and scored at a time: memory is bounded by this and the reference


def _read(ref: HealthReference | None, snap: Snapshot) -> tuple[np.ndarray | None, str]:
    """(samples, "ok"), or (None, why) for a snapshot that cannot be scored: NaN, or a damaged file."""
    try:
        x = snap.read()
        return (x if ref is None else ref.check(x, snap.source)), "ok"
    except NonFiniteError:
        return None, "nan"
    except DataError as err:
        return None, f"unreadable: {str(err).removeprefix(snap.source + ': ')}"


def score_rows(
    ref: HealthReference, snaps: Sequence[Snapshot], roles: Sequence[str], progress: Callable | None
) -> list[dict[str, Any]]:
    """Rows of scores.csv for `snaps`, read and scored CHUNK at a time; a snapshot that cannot be scored is
    a row of its own with its status."""
    chunks = [snaps[i : i + CHUNK] for i in range(0, len(snaps), CHUNK)]
    rows: list[dict[str, Any]] = []
    # the next chunk's files are read in a second thread while this one is scored (parsing is NumPy work
    # that releases the GIL): reading and scoring overlap, memory stays two chunks
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(lambda p: [_read(ref, s) for s in p], chunks[0]) if chunks else None
        for i, part in enumerate(chunks):
            got = pending.result()
            if i + 1 < len(chunks):
                pending = pool.submit(lambda p: [_read(ref, s) for s in p], chunks[i + 1])
            ok = [(s, x) for s, (x, _) in zip(part, got, strict=True) if x is not None]
            conds = [s.condition for s, _ in ok]
            scores = ref.score(np.stack([x for _, x in ok]), conds) if ok else {}
            fams = (
                family_values(np.stack([x for _, x in ok]), ref.sample_rate, conds, ref.families)
                if ok and ref.families is not None
                else []
            )
            k = 0
            for snap, (x, status), role in zip(part, got, roles[i * CHUNK : (i + 1) * CHUNK], strict=True):
                row = {"index": snap.index, "number": snap.number, "time_s": snap.time_s, "file": snap.source}
                row.update(condition=snap.condition, role=role, status=status)
                for name in INDICATORS:
                    row[name] = float(scores[name][k]) if x is not None else math.nan
                if fams and x is not None:
                    row.update({c: v for c, v in fams[k].items() if c != "reason"})
                k += x is not None
                rows.append(row)
            if progress is not None:
                progress(len(rows), len(snaps))
    return rows


def _reference_arrays(seq: SnapshotSequence, plan: ReferencePlan) -> np.ndarray:
    arrays, shape = [], None
    for snap in seq.snapshots[plan.start : plan.end]:
        try:
            x = np.asarray(snap.read(), dtype=np.float32)
        except DataError as err:
            raise DataError(
                f"{err} (a healthy reference snapshot must be complete; move the reference with --skip)"
            ) from None
        shape = shape or x.shape
        if x.shape != shape:
            raise DataError(
                f"{snap.source}: snapshot of shape {x.shape}, but the first snapshot is {shape}; every"
                " snapshot must have the same channels and length"
            )
        arrays.append(x)
    return np.stack(arrays)


def _unit_of(seq: SnapshotSequence) -> str | None:
    """The acceleration unit every channel's header (or FEMTO's README) states, else None."""
    units = {str(u).lower().replace("^", "").replace("²", "2") for u in seq.meta.get("units") or [None]}
    return {"g": "g", "m/s2": "m/s2"}.get(units.pop()) if len(units) == 1 else None


def _levels(seq: SnapshotSequence) -> Callable[[int, int], np.ndarray]:
    def levels(i: int, j: int) -> np.ndarray:
        out = []
        for snap in seq.snapshots[i:j]:
            try:
                out.append(20 * math.log10(max(float(health.rms(snap.read())), 1e-12)))
            except DataError:
                out.append(math.nan)
        return np.array(out)

    return levels


def _sequence_meta(seq: SnapshotSequence, cfg: MonitorConfig) -> dict[str, Any]:
    keep = ("interval_s", "end_of_life", "onset_index", "fault", "dataset", "rpm", "load_n", "realistic",
            "expected_snapshots", "missing_numbers", "skipped_entries", "units", "gaps", "set", "time_from",
            "start_time")  # fmt: skip
    return {
        "name": seq.name,
        "condition": seq.condition,
        "data": cfg.data,
        "channel": cfg.channels,
        "channel_names": list(seq.channel_names) if seq.channel_names else None,
        "sample_rate": seq.sample_rate,
        "snapshots": len(seq),
        "first_number": seq.snapshots[0].number,
        "reader": _reader_of(seq, cfg),
        **{k: seq.meta[k] for k in keep if k in seq.meta},
    }


def _reader_of(seq: SnapshotSequence, cfg: MonitorConfig) -> dict[str, Any]:
    """How a streamed file is read: as the sequence's files were."""
    return {"kind": "femto" if seq.meta.get("dataset") == "femto" else "file", "channel": cfg.channels,
            "sample_rate": seq.sample_rate}  # fmt: skip


def finish(
    run: Path,
    rows: list[dict[str, Any]],
    ref: HealthReference,
    seq_meta: dict,
    reference: dict,
    state: dict,
    *,
    command: str | None = None,
) -> dict[str, Any]:
    """Write scores.csv, state.json, summary.json, health.png and the report (report.md, report.html, naming
    `command`) of `rows` (already flagged)."""
    write_scores(run / SCORES, rows)
    atomic_write_json(run / STATE, state)
    summary = summarize(rows, ref, seq_meta, reference)
    atomic_write_json(run / SUMMARY, summary)
    family = (summary.get("diagnosis") or {}).get("after_alert")  # what is failing, where known
    # each row against its own operating condition's thresholds, as its alarms are
    fig = plot_health(
        rows, ref.per_row("thresholds", rows), ref.per_row("centres", rows), names=list(INDICATORS),
        onset=seq_meta.get("onset_index"),
        machine={**summary["machine"], "family": family},
        title=f"{seq_meta.get('name', '')}: health indicators / threshold",
    )  # fmt: skip
    save_figure(fig, run / FIGURE)
    write_report(run, summary, command)
    return summary


def run_monitor(
    cfg: MonitorConfig,
    *,
    overwrite: bool = False,
    on_epoch: Callable | None = None,
    progress: Callable | None = None,
    verbose: bool = False,
    command: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Fit on the healthy reference of cfg.data, score every snapshot, write the run; (run dir, summary).
    `command` (the command line, if any) is written into the report."""
    cfg = validated(cfg, MonitorConfig)
    # a built-in life's defaults for the monitor (the simulator's: realistic, a healthy life like a real one)
    entry = sequence_set(cfg.data.strip())
    options = {**dict(entry.sequence_options if entry is not None else ()), **cfg.data_kwargs}
    seq = load_sequence(
        cfg.data, bearing=cfg.bearing, channel=cfg.channels, sample_rate=cfg.sample_rate,
        interval_s=cfg.interval_s, time_from=cfg.time_from, **options,
    )  # fmt: skip
    seconds, _ = persistence_rule(cfg.persistence)
    untimed = next((s for s in seq.snapshots if s.time_s is None), None)
    if seconds is not None and untimed is not None:  # refused before any work
        raise ConfigError(
            f"persistence: {cfg.persistence} is a time, but {untimed.source} has none; give the snapshots"
            " times (--interval_s) or a count (--persistence 3)",
            key="persistence",
        )
    run = Path(cfg.out) if cfg.out is not None else Path(f"monitor-{seq.name}")
    prepare_run_dir(
        run, overwrite=overwrite, advice=MONITOR_ADVICE
    )  # refuse an existing run before the work, not after
    with contextlib.suppress(OSError):  # a monitor keeps no checkpoints: no empty folder left behind
        (run / "checkpoints").rmdir()
    families = family_settings(cfg.geometry, cfg.rpm, seq)  # a bad --geometry answers before the work
    plan = plan_reference(seq, cfg, _levels(seq))
    arrays = _reference_arrays(seq, plan)
    conds = [s.condition for s in seq.snapshots]
    # sensor artefacts (a dropout, clipping, a spike) are kept out of the healthy reference: one of them
    # among a few held-back snapshots would blow its thresholds up
    plan.split(
        conds, {plan.start + i: a for i, x in enumerate(arrays) if (a := health.artefact_of(x)) is not None}
    )
    check_drift(plan, seq, 20 * np.log10(np.maximum(health.rms(arrays), 1e-12)))
    fit_i, cal_i = plan.fit, plan.calibration
    unit = cfg.unit or _unit_of(seq)
    if cfg.zones is not None and unit is None:
        raise ConfigError(
            "zones: they bound velocity in mm/s, which needs the acceleration unit of the snapshots: give"
            " --unit g or --unit m/s2",
            key="zones",
        )
    ref, _ = fit_reference(
        arrays[[i - plan.start for i in fit_i]], arrays[[i - plan.start for i in cal_i]],
        fit_conditions=[conds[i] for i in fit_i], calibration_conditions=[conds[i] for i in cal_i],
        model=cfg.model, model_kwargs=cfg.model_kwargs, window=cfg.window, level=cfg.level, epochs=cfg.epochs,
        lr=cfg.lr or DAE_LR, batch_size=cfg.batch_size or 64, seed=cfg.seed,
        false_alarm_rate=cfg.false_alarm_rate,
        persistence=cfg.persistence, sample_rate=seq.sample_rate, unit=unit, on_epoch=on_epoch,
        verbose=verbose,
    )  # fmt: skip
    del arrays
    ref.families = families
    ref.zones = parse_zones(cfg.zones)
    plan.warnings.extend(verdict_warnings(ref))
    unseen = sorted({c for c in conds[plan.end :] if c is not None} - set(ref.conditions))
    if unseen and any(c is not None for c in conds):
        plan.warnings.append(
            f"operating condition(s) the reference never saw: {', '.join(unseen)}; their snapshots are"
            " judged by the pooled baseline (a speed or load change alone may then alarm): take a reference"
            " that spans them"
        )
    cfg.out = str(run)
    save_config(cfg, run / CONFIG_FILE)
    seq_meta = _sequence_meta(seq, cfg)
    times = [s.time_s for s in seq.snapshots]
    reference = {
        "skip": plan.skip_how,
        "fit": [plan.start, plan.end - 1],
        "fit_snapshots": len(plan.fit),
        "calibration_snapshots": len(plan.calibration),
        "calibration": [plan.calibration[0], plan.calibration[-1]],
        "history_before": plan.history_end,
        "span_s": None if times[plan.start] is None else times[plan.end - 1] - times[plan.start],
        "start_s": times[plan.start],
        "drift": plan.drift,
        "excluded": [
            {"index": i, "file": seq.snapshots[i].source, "artefact": a} for i, a in plan.excluded.items()
        ],
        "warnings": plan.warnings,
    }
    save_reference(ref, run, {"sequence": seq_meta, "reference": reference})
    rows = score_rows(ref, seq.snapshots, plan.roles(len(seq)), progress)
    state = flag_rows(rows, ref, new_state())
    return run, finish(run, rows, ref, seq_meta, reference, state, command=command)
