"""One verdict per machine, on top of the indicators: normal, alert or danger.

The rule, and why:
- **Which indicators**: every indicator whose change has a meaning in dB against its healthy baseline (kinds
  "amplitude", "power" and "level" of engine/monitor/indicators.py: dae, rms, kurtosis, crest, level_db). The
  IsolationForest's bounded score has none and stays an indicator of its own.
- **Statistical part**: each of these K indicators is bounded at the false-alarm rate divided by K
  (Bonferroni), so under the reference's model the machine exceeds on a healthy snapshot with probability at
  most the stated rate, however the indicators depend on one another.
- **The model is checked, not assumed**: a bound at rate / K (0.2-0.3 %) from a few dozen held-back snapshots
  is parametric (functional/health.threshold_at_rate: normal in log for amplitudes and powers, in dB for the
  level). An indicator whose held-back values reject that model (Shapiro-Wilk, p < MODEL_P, each value
  against its condition's centre) has a tail those snapshots cannot bound: random knocks make crest factor
  and kurtosis a mixture of quiet and impulsive snapshots. It stays an indicator of its own, with its
  threshold and alarms, but leaves the verdict, and K counts only the indicators kept. Measured on 20
  simulated lives with knocks, drift, duties and artefacts: with crest factor and kurtosis in the verdict,
  3.7 % of healthy snapshots passed its bounds against the stated 1 %; with the check, 0.88 %
  (docs/benchmarks.md). If every indicator is rejected, none is left out (the verdict would be silent) and
  the warning says that the rate is not promised.
- **Practical part**: a statistical bound is a promise about snapshots like the reference. Real machines
  drift by 1-2 dB over hours (temperature, lubrication) and settle after running-in, which a few hours of
  reference cannot span; so a bound also needs the change that practice calls significant. Alert: at least
  +6 dB over the baseline (2x in amplitude), danger: at least +12 dB (4x) (the relative rules of ISO 13373-1 /
  ISO 20816 practice for overall vibration: alert about +6 dB over the baseline, danger +12 to +20 dB). The
  level counts either way. The margin lowers the false-alarm rate below the stated one; it never raises it.
- **Persistence**: a level is entered after `persistence` consecutive snapshots beyond it (an artefact or a
  single odd snapshot never raises it); snapshots that could not be scored neither count nor break a run.
- **Drivers**: the indicators beyond their alert bound on the snapshot that confirmed the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from deepshrink.engine.monitor.indicators import INDICATORS, change_db
from deepshrink.functional import health

__all__ = [
    "ALERT_DB",
    "DANGER_DB",
    "MODEL_P",
    "STATES",
    "VERDICT_INDICATORS",
    "bounds_of",
    "machine_exceedance",
    "model_check",
    "verdict_of",
    "where",
    "zone_of",
    "zone_summary",
]

ALERT_DB, DANGER_DB = 6.0, 12.0
MODEL_P = 0.05  # the conventional level of a goodness-of-fit check
STATES = ("normal", "alert", "danger")


class _VerdictNames:
    """The verdict's indicators, read from the registry when asked (an indicator registered later counts)."""

    def __contains__(self, name: object) -> bool:
        return name in INDICATORS and INDICATORS[name].kind != "bounded"

    def __iter__(self):
        return (n for n, ind in INDICATORS.items() if ind.kind != "bounded")


VERDICT_INDICATORS = _VerdictNames()


def _margin(kind: str, centre: float, db: float) -> float:
    """The bound `db` over the baseline `centre`, in the indicator's own units (the level: dB from centre)."""
    if kind == "level":
        return db
    return centre * 10.0 ** (db / (20.0 if kind == "amplitude" else 10.0))


def model_check(values: dict[str, np.ndarray], centres: Sequence[dict[str, float]]) -> dict[str, float]:
    """Shapiro-Wilk p-value of each verdict indicator's held-back healthy `values` {name: (m,)} under the
    bound's model: the log of value / centre normal (amplitudes, powers), value - centre normal (the level),
    with `centres[i]` the centre of snapshot i's condition. An indicator with fewer than 3 finite values or
    no spread is not tested (p = 1)."""
    out = {}
    for name, v in values.items():
        if name not in VERDICT_INDICATORS:
            continue
        kind = INDICATORS[name].kind
        c = np.array([cs[name] for cs in centres], dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = v - c if kind == "level" else np.log(v / c)
        d = d[np.isfinite(d)]
        out[name] = float(stats.shapiro(d).pvalue) if len(d) >= 3 and np.ptp(d) > 0 else 1.0
    return out


def bounds_of(
    values: dict[str, np.ndarray], centres: dict[str, float], rate: float, names: Sequence[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """(alert, danger) bounds of the verdict indicators `names` from their held-back healthy `values`: the
    larger of the bound at `rate / len(names)` and the +6 dB / +12 dB margin over `centres`."""
    alert, danger = {}, {}
    k = len(names)
    for name, v in values.items():
        if name not in names or not np.isfinite(v).sum() >= 3:
            continue
        kind = INDICATORS[name].kind
        stat, _ = health.threshold_at_rate(v, rate / max(1, k), two_sided=kind == "level")
        alert[name] = max(stat, _margin(kind, centres[name], ALERT_DB))
        danger[name] = max(stat, _margin(kind, centres[name], DANGER_DB))
    return alert, danger


def machine_exceedance(values: dict[str, float], base: Any, level: str) -> tuple[float, list[str]]:
    """(1.0 / 0.0 / NaN, the indicators beyond) for one snapshot's values against `base`'s `level` bounds
    ("alert" or "danger"); NaN when no verdict indicator could be scored."""
    bounds = getattr(base, level)
    drivers, finite = [], False
    for name, bound in bounds.items():
        v = values.get(name, np.nan)
        if not np.isfinite(v):
            continue
        finite = True
        d = abs(v - base.centres[name]) if INDICATORS[name].kind == "level" else v
        if d > bound:
            drivers.append(name)
    if not finite:
        return np.nan, []
    return (1.0 if drivers else 0.0), drivers


def change_text(name: str, value: float, base: Any) -> str:
    """'+7.1 dB' of one indicator against its baseline."""
    return f"{float(change_db(INDICATORS[name].kind, value, base.centres[name])):+.1f} dB"


def where(r: dict[str, Any] | None) -> dict[str, Any] | None:
    """The point of a row the verdict names: index, number, time and file (None for none)."""
    if r is None:
        return None
    return {"index": r["index"], "number": r["number"], "time_s": r["time_s"], "file": r["file"]}


ZONES = "ABCD"


def zone_of(velocity: float, bounds: Sequence[float]) -> str:
    """The zone (A-D) of a velocity RMS in mm/s between the boundaries A/B, B/C, C/D (a boundary value
    belongs to the zone above it)."""
    return ZONES[int(np.searchsorted(np.asarray(bounds, dtype=np.float64), velocity, side="right"))]


def zone_summary(rows: Sequence[dict[str, Any]], bounds: Sequence[float], column: str) -> dict[str, Any]:
    """The velocity's zone on the last scored monitored snapshot, and the first snapshot in zone C and in
    zone D (one snapshot each: a zone is a reading, not an alarm), against the boundaries given."""
    scored = [
        (r, float(r[column]))
        for r in rows
        if r.get("role") == "monitored" and r.get(column) is not None and np.isfinite(r[column])
    ]
    out: dict[str, Any] = {"boundaries_mm_s": list(bounds), "source": "given (--zones)"}
    last = scored[-1] if scored else None
    out["now"] = None if last is None else {
        **where(last[0]), "velocity_mm_s": round(last[1], 4), "zone": zone_of(last[1], bounds)
    }  # fmt: skip
    for z in "CD":
        out[f"first_{z}"] = where(next((r for r, v in scored if zone_of(v, bounds) >= z), None))
    return out


def verdict_of(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The machine's verdict from rows that carry `machine` (state after persistence) and `machine_run_start`
    (the index of the first exceedance of the run that confirmed it): the current state, since which file,
    and the first alert and danger (first exceedance and confirming snapshot each)."""
    by_index = {r["index"]: r for r in rows}
    out: dict[str, Any] = {}
    for state in ("alert", "danger"):
        confirm = next(
            (r for r in rows if STATES.index(r.get("machine", "normal")) >= STATES.index(state)), None
        )
        start = None if confirm is None else by_index.get(confirm.get(f"{state}_run_start"))
        out[f"first_{state}"] = None if confirm is None else {
            "first_exceedance": where(start),
            "confirmed": where(confirm),
            "drivers": confirm.get("drivers", []),
        }  # fmt: skip
    last = rows[-1] if rows else None
    state = last.get("machine", "normal") if last else "normal"
    since = None
    if last is not None and state != "normal":
        i = len(rows) - 1
        while i > 0 and rows[i - 1].get("machine") == state:
            i -= 1
        since = where(rows[i])
    out.update(state=state, level=STATES.index(state), since=since)
    return out
