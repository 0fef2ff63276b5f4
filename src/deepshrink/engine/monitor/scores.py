"""scores.csv and the alarm state: one row per snapshot, flags set once and never rewritten.

Values are written with Python's shortest exact representation (`repr`), so a value read back is the value
scored. The alarm state that streaming carries on from (each indicator's and the machine's run of
consecutive exceedances) is saved in state.json, not worked out again from the rows: a streamed run then
gives exactly the rows and flags of one batch run, values at the threshold included.
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
from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.reference import HealthReference, beyond
from deepshrink.engine.monitor.verdict import STATES, machine_exceedance
from deepshrink.errors import DataError

__all__ = ["SCORES", "STATE", "columns", "flag_rows", "new_state", "read_scores", "write_scores"]

SCORES, STATE = "scores.csv", "state.json"
_HEAD = ("index", "number", "time_s", "file", "condition", "role", "status")
_TAIL = ("machine_exceed", "machine", "alert_run_start", "danger_run_start", "drivers")


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
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"{path}: line {i} is not a scores row ({type(err).__name__}: {err})") from None
        rows.append(row)
    return rows


def new_state() -> dict[str, Any]:
    """No exceedances yet: every run at 0."""
    return {"runs": dict.fromkeys(INDICATORS, 0), "alert": [0, None], "danger": [0, None]}


def _step(run: list, exceed: float, index: int) -> list:
    """[consecutive exceedances, index of the first of them] after one more snapshot; NaN (not scored)
    neither counts nor breaks the run."""
    if math.isnan(exceed):
        return run
    if exceed > 0:
        return [run[0] + 1, run[1] if run[0] else index]
    return [0, None]


def flag_rows(rows: Sequence[dict[str, Any]], ref: HealthReference, state: dict[str, Any]) -> dict[str, Any]:
    """Set the flags of `rows` (in time order), carrying on from `state`; returns the state after them.
    Only monitored rows alarm; every row is judged by the baseline of its condition."""
    runs = {n: int(state["runs"].get(n, 0)) for n in INDICATORS}
    alert, danger = list(state["alert"]), list(state["danger"])
    p = ref.persistence
    verdict = bool(ref.baselines[next(iter(ref.baselines))].alert)  # a version-1 monitor has no bounds
    for r in rows:
        for n in INDICATORS:
            r[f"{n}_alarm"] = False
        r.update(
            machine="normal", machine_exceed=math.nan, alert_run_start=None, danger_run_start=None, drivers=[]
        )
        if r["role"] != "monitored":
            continue
        base, _ = ref.baseline(r.get("condition"))
        for n in INDICATORS:
            e = float(
                beyond(n, np.array([r[n]]), base.thresholds.get(n, math.inf), base.centres.get(n, 0.0))[0]
            )
            runs[n] = _step([runs[n], None], e, r["index"])[0]
            r[f"{n}_alarm"] = runs[n] >= p
        if not verdict:
            continue
        values = {n: r[n] for n in INDICATORS}
        ea, drivers = machine_exceedance(values, base, "alert")
        ed, _ = machine_exceedance(values, base, "danger")
        alert, danger = _step(alert, ea, r["index"]), _step(danger, ed, r["index"])
        r["machine_exceed"] = (
            ea  # beyond the alert bound on this snapshot (1.0 / 0.0 / NaN), before persistence
        )
        if danger[0] >= p:
            r.update(machine="danger", danger_run_start=danger[1], alert_run_start=alert[1], drivers=drivers)
        elif alert[0] >= p:
            r.update(machine="alert", alert_run_start=alert[1], drivers=drivers)
    return {"runs": runs, "alert": alert, "danger": danger}
