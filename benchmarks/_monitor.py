"""What the monitor benchmarks measure on one run directory, for every indicator and the machine verdict
(docs/benchmarks.md, "Condition monitoring"; ../shared/reference/evaluation.md: honest false-alarm rates):
- `mid_over`: the share of monitored snapshots between 10 % and 50 % of the life beyond the threshold (the
  indicator's at its false-alarm rate; the machine's alert bound), no persistence;
- `episodes`: alarm episodes over the monitored life (an episode starts where the alarm flag turns on);
- `first_alarm_life`, `lead_h`: the first alarm as a fraction of the life, and the time from it to the end;
- `auc`: early-vs-late ROC-AUC, the first 10 % of the monitored life (at least 5 snapshots) against the last
  10 % of the life (0.5: the two cannot be told apart);
and where the onset is known (the simulator): `false_episodes` (episodes starting before the onset),
`healthy_h` (monitored hours before the onset), `healthy_over` (share of them beyond the threshold) and
`delay_h` (the first alarm at or after the onset, after it; None when none).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.verdict import STATES

MACHINE = "machine"
NAMES = (*INDICATORS, MACHINE)


def read_rows(run: Path) -> list[dict]:
    with open(run / "scores.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _float(text: str) -> float:
    return float(text) if text not in ("", "nan") else np.nan


def run_metrics(run: Path) -> dict:
    """Every indicator's and the machine's measures on one run directory."""
    rows = read_rows(run)
    summary = json.loads((run / "summary.json").read_text())
    seq = summary["sequence"]
    t = (
        np.array([_float(r["time_s"]) for r in rows])
        if rows[0]["time_s"]
        else np.arange(len(rows), dtype=float)
    )
    life = t[-1]
    mon = np.array([r["role"] == "monitored" for r in rows])
    start = t[mon][0]
    early_end = max(start + 0.1 * (life - start), t[mon][min(4, mon.sum() - 1)])
    early, late = mon & (t <= early_end), mon & (t >= 0.9 * life)
    mid = mon & (t >= 0.1 * life) & (t <= 0.5 * life)
    onset = seq.get("onset_index")
    healthy = mon & (np.arange(len(rows)) < onset) if onset is not None else None
    out = {
        "life_h": life / 3600,
        "reference": summary["reference"],
        "state": summary["machine"]["state"],
        "warnings": summary["reference"]["warnings"],
        "outside_verdict": summary["machine"].get("outside_verdict", {}),
    }
    for name in NAMES:
        if name == MACHINE:
            over = np.array([_float(r["machine_exceed"]) for r in rows])
            flag = np.array([STATES.index(r["machine"]) >= 1 for r in rows])
            value = over  # the AUC of the verdict: its exceedance (0/1)
        else:
            item = summary["indicators"][name]
            if item.get("threshold") is None:  # does not apply to these data (velocity without a unit)
                out[name] = None
                continue
            value = np.array([_float(r[name]) for r in rows])
            flag = np.array([r[f"{name}_alarm"] == "True" for r in rows])
            thr = item["threshold"]
            if INDICATORS[name].kind == "level":
                base = json.loads((run / "model.json").read_text())["baselines"]["*"]["centres"][name]
                value = np.abs(value - base)
            over = np.where(np.isfinite(value), (value > thr).astype(float), np.nan)
            # per condition where the run kept one baseline each: the row's own threshold
            by_cond = item.get("thresholds_by_condition") or {}
            if by_cond:
                cond = [r["condition"] for r in rows]
                over = np.array(
                    [
                        np.nan
                        if not np.isfinite(v)
                        else float(v > by_cond.get(c, thr) if by_cond.get(c) else v > thr)
                        for v, c in zip(value, cond, strict=True)
                    ]
                )
        starts = flag & ~np.r_[False, flag[:-1]]
        first = np.flatnonzero(flag)
        fin = np.isfinite(value)
        y = np.r_[np.zeros((early & fin).sum()), np.ones((late & fin).sum())]
        m = {
            "mid_over": float(np.nanmean(over[mid])) if mid.any() else None,
            "episodes": int(starts.sum()),
            "first_alarm_life": float(t[first[0]] / life) if len(first) else None,
            "lead_h": float((life - t[first[0]]) / 3600) if len(first) else None,
            "auc": float(roc_auc_score(y, np.r_[value[early & fin], value[late & fin]]))
            if 0 < y.sum() < len(y)
            else None,
        }
        if healthy is not None:
            after = first[first >= onset]
            m.update(
                false_episodes=int(starts[healthy].sum()),
                healthy_h=float(healthy.sum() * float(seq.get("interval_s") or 0) / 3600),
                healthy_over=float(np.nanmean(over[healthy])) if healthy.any() else None,
                delay_h=float((t[after[0]] - t[onset]) / 3600) if len(after) else None,
            )
        out[name] = m
    return out
