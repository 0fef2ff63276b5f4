"""Which snapshots are the healthy reference: after the running-in, over a stated time, the thresholds from
its later part.

Why: a threshold is a promise about healthy snapshots *like the reference*. The first minutes of a life are
the running-in (FEMTO's learning bearings sit -7.3 to +3.3 dB from their later level then, for up to two
hours), so a reference taken there promises nothing about the healthy machine after it (on FEMTO's test
bearings, "1 %" thresholds were exceeded by 8-58 % of mid-life snapshots). Hence:
- `skip`: the running-in left out: "auto" (the default) detects its end as the first time from which the
  median level of the next half-reference and of the one after it agree within 0.5 dB (each snapshot
  against its operating condition's median), searched within the first 2 h and within the first quarter of
  the time given; or a time ("90min") or a count ("40").
- `reference`: the span in time (default 2 h, at most a quarter of the time given after the rebaseline).
- the fit sees the first part, the thresholds come from the last `holdout` part, later in time.
- `rebaseline`: the reference starts again at this time or snapshot (after maintenance); earlier rows are
  kept as history and never alarm.
- a reference whose level moves between its fit and held-back parts by more than 1 dB is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from deepshrink.data.recording import SnapshotSequence
from deepshrink.engine.core.option_types import parse_span
from deepshrink.errors import ConfigError

__all__ = ["MIN_FIT", "MIN_HOLDOUT", "ReferencePlan", "check_drift", "plan_reference"]

MIN_FIT, MIN_HOLDOUT = 5, 5  # the fewest snapshots the fit and the thresholds can work with
AUTO_MAX_S = 7200.0  # the running-in is looked for within the first 2 h (ISO 13373-1: baselines after it)
DEFAULT_SPAN_S = 7200.0
SETTLED_DB = 0.5
DRIFT_DB = 1.0


@dataclass
class ReferencePlan:
    """The reference is snapshots [start, end); `split` says which of them the fit sees and which set the
    thresholds; history before `history_end` (a rebaseline), the running-in skipped before `start`."""

    start: int
    end: int
    holdout: float
    history_end: int = 0
    skip_how: str = ""
    warnings: list[str] = field(default_factory=list)
    drift: dict = field(default_factory=dict)
    fit: list[int] = field(default_factory=list)
    calibration: list[int] = field(default_factory=list)
    excluded: dict[int, str] = field(default_factory=dict)

    def split(self, conditions: list, excluded: dict[int, str]) -> None:
        """Fit on the first part and threshold on the last `holdout` part of each operating condition's
        reference snapshots (later in time than that condition's fit): with duties that alternate, a split of
        the whole reference could leave a duty without held-back snapshots. Artefacts are left out."""
        self.excluded = dict(excluded)
        keep = [i for i in range(self.start, self.end) if i not in excluded]
        fit, cal = [], []
        for c in dict.fromkeys(conditions[i] for i in keep):
            idx = [i for i in keep if conditions[i] == c]
            n_hold = round(self.holdout * len(idx))
            fit += idx[: len(idx) - n_hold]
            cal += idx[len(idx) - n_hold :]
        self.fit, self.calibration = sorted(fit), sorted(cal)
        if len(self.fit) < MIN_FIT or len(self.calibration) < MIN_HOLDOUT:
            what = f"; {len(excluded)} of them are sensor artefacts" if excluded else ""
            raise ConfigError(
                f"reference: {self.end - self.start} snapshots from #{self.start}{what}: too few left for the"
                f" fit ({MIN_FIT}) and the thresholds ({MIN_HOLDOUT}); move it (--skip) or lengthen it"
                " (--reference)",
                key="reference",
            )

    def roles(self, n: int) -> list[str]:
        roles = ["history"] * self.history_end + ["skipped"] * (self.start - self.history_end)
        roles += ["fit"] * (self.end - self.start) + ["monitored"] * (n - self.end)
        for i in self.calibration:
            roles[i] = "calibration"
        for i in self.excluded:
            roles[i] = "excluded"
        return roles


def _index_at(times: list[float], t: float) -> int:
    """The first snapshot at or after time `t`."""
    return next((i for i, x in enumerate(times) if x >= t - 1e-9), len(times))


def _resolve(seq: SnapshotSequence, value, key: str, origin: int) -> int:
    """The snapshot index `value` (a time or count) after `origin`."""
    seconds, count = parse_span(value, key)
    times = [s.time_s for s in seq.snapshots]
    if seconds is not None:
        if any(t is None for t in times):
            raise ConfigError(
                f"{key}: the snapshots of {seq.name} have no times; give a count or --interval-s", key=key
            )
        idx = _index_at(times, times[origin] + seconds)
    else:
        idx = origin + count
    if idx >= len(seq):
        raise ConfigError(
            f"{key}: {value} lies beyond the last of the {len(seq)} snapshots of {seq.name}", key=key
        )
    return idx


def _auto_skip(
    levels: Callable[[int, int], np.ndarray],
    times: list[float],
    conditions: list,
    origin: int,
    span_s: float,
) -> tuple[int, str]:
    """The end of the running-in: the first snapshot from which the median level of the next half-reference
    and of the half after it agree within SETTLED_DB, each snapshot's level taken against the median of its
    operating condition (a duty change is not a running-in)."""
    t0, total = times[origin], times[-1] - times[origin]
    limit = min(AUTO_MAX_S, 0.25 * total)
    half = span_s / 2
    last = max(_index_at(times, t0 + limit + 2 * half), origin + 1)
    lv = levels(origin, last)
    conds = np.array([str(c) for c in conditions[origin:last]])
    for c in set(conds):
        lv[conds == c] -= np.nanmedian(lv[conds == c])
    for i in range(origin, _index_at(times, t0 + limit) + 1):
        mid, end = _index_at(times, times[i] + half), _index_at(times, times[i] + 2 * half)
        a, b = lv[i - origin : mid - origin], lv[mid - origin : end - origin]
        if len(a) >= 3 and len(b) >= 3 and abs(np.nanmedian(a) - np.nanmedian(b)) <= SETTLED_DB:
            return i, f"auto: level settled at {(times[i] - t0) / 3600:.2f} h"
    i = _index_at(times, t0 + limit)
    return i, f"auto: level not settled within {limit / 3600:.2f} h; skipped that much"


def plan_reference(seq: SnapshotSequence, cfg, levels: Callable[[int, int], np.ndarray]) -> ReferencePlan:
    """The reference of `seq` by cfg.skip / reference / healthy / healthy_s / holdout / rebaseline.
    `levels(i, j)` gives the dB level of snapshots i..j-1 (read only when the running-in is detected)."""
    n = len(seq)
    times = [s.time_s for s in seq.snapshots]
    timed = all(t is not None for t in times)
    origin = _resolve(seq, cfg.rebaseline, "rebaseline", 0) if cfg.rebaseline is not None else 0
    # the span: a count (healthy), seconds (healthy_s), or a time (reference; default 2 h, capped)
    if cfg.healthy is not None:
        span_s, span_n = None, cfg.healthy
    elif cfg.healthy_s is not None or cfg.reference is not None:
        span_s, span_n = (
            (cfg.healthy_s, None) if cfg.healthy_s is not None else parse_span(cfg.reference, "reference")
        )
    elif timed:
        span_s, span_n = min(DEFAULT_SPAN_S, 0.25 * (times[-1] - times[origin])), None
    else:
        span_s, span_n = None, 30
    if span_s is not None and not timed:
        raise ConfigError(
            f"reference: the snapshots of {seq.name} have no times; give a count or --interval-s",
            key="reference",
        )
    skip = cfg.skip if cfg.skip is not None else "auto"
    if skip == "auto" and timed and span_s is not None:
        start, how = _auto_skip(levels, times, [x.condition for x in seq.snapshots], origin, span_s)
    elif skip == "auto":
        start, how = origin, "auto: no times or a counted reference; nothing skipped (give --skip)"
    else:
        start, how = (
            _resolve(seq, skip, "skip", origin),
            f"{skip} after {'the rebaseline' if origin else 'the start'}",
        )
    end = start + span_n if span_n is not None else _index_at(times, times[start] + span_s)
    key = "healthy" if cfg.healthy is not None else "reference"
    what = f"{span_n} snapshots" if span_n is not None else f"{span_s / 3600:.2f} h"
    if end >= n:
        raise ConfigError(
            f"{key}: a reference of {what} from snapshot #{start} leaves nothing of the {n} snapshots of"
            f" {seq.name} to monitor",
            key=key,
        )
    m = end - start
    n_hold = round(cfg.holdout * m)
    if m - n_hold < MIN_FIT or n_hold < MIN_HOLDOUT:
        need = math.ceil(max(MIN_FIT / (1 - cfg.holdout), MIN_HOLDOUT / cfg.holdout))
        raise ConfigError(
            f"{key}: {what} from snapshot #{start} hold {m} snapshots, too few; with holdout"
            f" {cfg.holdout:.2g} the fit"
            f" needs {MIN_FIT} and the thresholds {MIN_HOLDOUT} (give at least {need})",
            key=key,
        )
    return ReferencePlan(start=start, end=end, holdout=cfg.holdout, history_end=origin, skip_how=how)


def check_drift(plan: ReferencePlan, seq: SnapshotSequence, levels: np.ndarray) -> None:
    """Warn (in plan.warnings) when the reference's level (`levels` of snapshots start..end-1) moves between
    its fit and held-back parts, per operating condition (a duty change is not drift)."""
    at = {i: levels[i - plan.start] for i in range(plan.start, plan.end)}
    times = np.array(
        [s.time_s if s.time_s is not None else s.index for s in seq.snapshots[plan.start : plan.end]], float
    )
    conds = {i: seq.snapshots[i].condition for i in range(plan.start, plan.end)}
    shifts = []
    for c in sorted(set(conds.values()), key=str):
        f = [at[i] for i in plan.fit if conds[i] == c]
        h = [at[i] for i in plan.calibration if conds[i] == c]
        if len(f) >= 2 and len(h) >= 2:
            shifts.append(float(np.median(h) - np.median(f)))
    shift = max(shifts, key=abs) if shifts else 0.0
    hours = (times - times[0]) / 3600.0 if seq.snapshots[0].time_s is not None else times - times[0]
    slope = float(np.polyfit(hours, levels, 1)[0]) if len(levels) >= 3 and np.ptp(hours) > 0 else 0.0
    plan.drift = {"level_shift_db": shift, "level_slope_db_per_unit": slope}
    if abs(shift) > DRIFT_DB:
        plan.warnings.append(
            f"the reference drifts: its level moves {shift:+.1f} dB from its fit part to its held-back"
            " part; the machine may still be running in or drifting, and the thresholds would then promise"
            " nothing: skip more (--skip 3h) or take a longer reference (--reference 4h)"
        )
