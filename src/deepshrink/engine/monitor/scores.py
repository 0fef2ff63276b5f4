"""scores.csv and the alarm state: one row per snapshot, flags set once and never rewritten.

Values are written with Python's shortest exact representation (`repr`), so a value read back is the value
scored. The alarm state that streaming carries on from (each indicator's and the machine's run of
consecutive exceedances: [count, index of the first, time_s of the first, time_s of the latest]) is saved in
state.json, not worked out again from the rows: a streamed run then gives exactly the rows and flags of one
batch run, values at the threshold included.

Persistence is a count (3: an alarm after 3 consecutive exceedances) or a time ("30min": an alarm once a run
of at least 2 exceedances has lasted that long, from its first exceedance's time_s to its latest's).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deepshrink.atomic import atomic_write_text
from deepshrink.engine.core.option_types import parse_span
from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.reference import HealthReference, beyond
from deepshrink.engine.monitor.verdict import STATES, machine_exceedance
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "SCORES",
    "STATE",
    "columns",
    "flag_rows",
    "new_state",
    "persistence_rule",
    "read_scores",
    "write_scores",
]

SCORES, STATE = "scores.csv", "state.json"
_HEAD = ("index", "number", "time_s", "file", "condition", "role", "status")
_TAIL = ("machine_exceed", "machine", "alert_run_start", "danger_run_start", "drivers", "family",
         "outer_db", "inner_db", "ball_db")  # fmt: skip


def columns(names: Sequence[str] | None = None) -> tuple[str, ...]:
    names = list(INDICATORS) if names is None else names
    return (*_HEAD, *(c for n in names for c in (n, f"{n}_alarm")), *_TAIL)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(float(v))  # exact: read back, it is the same float (np.float64 too)
    if isinstance(v, list):
        return "+".join(v)
    return str(v)


def write_scores(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    buf = io.StringIO()
    cols = columns()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: _text(r.get(k)) for k in cols})
    atomic_write_text(path, buf.getvalue())


def _int(text: str) -> int | None:
    return int(text) if text else None


def read_scores(path: Path) -> list[dict[str, Any]]:
    """The rows of a scores.csv, typed back (DataError naming the file when it is not one). A column of an
    indicator the file predates reads NaN."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            raw = list(csv.DictReader(fh))
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    rows = []
    for i, r in enumerate(raw, start=2):
        try:
            row = {"index": int(r["index"]), "file": r["file"], "role": r["role"], "status": r["status"]}
            row["number"] = _int(r["number"])
            row["time_s"] = float(r["time_s"]) if r["time_s"] else None
            row["condition"] = r.get("condition") or None
            for name in INDICATORS:
                v = r.get(name, "")
                row[name] = float(v) if v not in ("", "nan") else math.nan
                row[f"{name}_alarm"] = r.get(f"{name}_alarm") == "True"
            v = r.get("machine_exceed", "")
            row["machine_exceed"] = float(v) if v not in ("", "nan") else math.nan
            row["machine"] = r.get("machine") or "normal"
            if row["machine"] not in STATES:
                raise ValueError(f"machine state {row['machine']!r}")
            row["alert_run_start"] = _int(r.get("alert_run_start", ""))
            row["danger_run_start"] = _int(r.get("danger_run_start", ""))
            row["drivers"] = [d for d in (r.get("drivers") or "").split("+") if d]
            row["family"] = r.get("family") or None
            for c in ("outer_db", "inner_db", "ball_db"):  # blank where the bearing is not known: kept blank
                v = r.get(c, "")
                row[c] = float(v) if v else None
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"{path}: line {i} is not a scores row ({type(err).__name__}: {err})") from None
        rows.append(row)
    return rows


def persistence_rule(persistence: int | str) -> tuple[float | None, int | None]:
    """(seconds, None) for a time ("30min"), (None, count) for a count (3 or "3")."""
    seconds, count = parse_span(persistence, "persistence")
    if (count is None or count < 1) and not (seconds is not None and seconds > 0):
        raise ConfigError(
            f"persistence: expected a count >= 1 (3) or a time > 0 (30min), got {persistence!r}",
            key="persistence",
        )
    return seconds, count


def new_state() -> dict[str, Any]:
    """No exceedances yet: every run at 0 ([count, first index, first time_s, latest time_s])."""
    return {
        "runs": {n: [0, None, None, None] for n in INDICATORS},
        "alert": [0, None, None, None],
        "danger": [0, None, None, None],
    }


def _run(saved: Any) -> list:
    """A saved run as [count, first index, first time_s, latest time_s]: a state.json written before times
    were carried holds a count (an indicator) or [count, first index] (the machine)."""
    if isinstance(saved, (int, float)):
        return [int(saved), None, None, None]
    return [*saved, None, None, None][:4]


def _step(run: list, exceed: float, index: int, time_s: float | None) -> list:
    """[consecutive exceedances, index of the first, time_s of the first, time_s of the latest] after one more
    snapshot; NaN (not scored) neither counts nor breaks the run."""
    if math.isnan(exceed):
        return run
    if exceed > 0:
        return [run[0] + 1, run[1] if run[0] else index, run[2] if run[0] else time_s, time_s]
    return [0, None, None, None]


def _held(run: list, seconds: float | None, count: int | None) -> bool:
    """Whether a run of exceedances raises the alarm: `count` in a row, or (a time) at least two whose first
    and latest lie `seconds` apart."""
    if seconds is None:
        return run[0] >= count
    return run[0] >= 2 and run[3] - run[2] >= seconds


def flag_rows(rows: Sequence[dict[str, Any]], ref: HealthReference, state: dict[str, Any]) -> dict[str, Any]:
    """Set the flags of `rows` (in time order), carrying on from `state`; returns the state after them.
    Only monitored rows alarm; every row is judged by the baseline of its condition. A persistence given as
    a time needs every monitored row's time_s (ConfigError naming persistence otherwise)."""
    runs = {n: _run(state["runs"].get(n, 0)) for n in INDICATORS}
    alert, danger = _run(state["alert"]), _run(state["danger"])
    seconds, count = persistence_rule(ref.persistence)
    verdict = bool(ref.baselines[next(iter(ref.baselines))].alert)  # a version-1 monitor has no bounds
    for r in rows:
        for n in INDICATORS:
            r[f"{n}_alarm"] = False
        r.update(
            machine="normal", machine_exceed=math.nan, alert_run_start=None, danger_run_start=None, drivers=[]
        )
        if r["role"] != "monitored":
            continue
        t = r.get("time_s")
        if seconds is not None and t is None:
            raise ConfigError(
                f"persistence: {ref.persistence} is a time, but snapshot {r['file']} has none; give the"
                " snapshots times (--interval_s) or a count (--persistence 3)",
                key="persistence",
            )
        base, _ = ref.baseline(r.get("condition"))
        for n in INDICATORS:
            e = float(
                beyond(n, np.array([r[n]]), base.thresholds.get(n, math.inf), base.centres.get(n, 0.0))[0]
            )
            runs[n] = _step(runs[n], e, r["index"], t)
            r[f"{n}_alarm"] = _held(runs[n], seconds, count)
        if not verdict:
            continue
        values = {n: r[n] for n in INDICATORS}
        ea, drivers = machine_exceedance(values, base, "alert")
        ed, _ = machine_exceedance(values, base, "danger")
        alert, danger = _step(alert, ea, r["index"], t), _step(danger, ed, r["index"], t)
        r["machine_exceed"] = (
            ea  # beyond the alert bound on this snapshot (1.0 / 0.0 / NaN), before persistence
        )
        if _held(danger, seconds, count):
            r.update(machine="danger", danger_run_start=danger[1], alert_run_start=alert[1], drivers=drivers)
        elif _held(alert, seconds, count):
            r.update(machine="alert", alert_run_start=alert[1], drivers=drivers)
    return {"runs": runs, "alert": alert, "danger": danger}
