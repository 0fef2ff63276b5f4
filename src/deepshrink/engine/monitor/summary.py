"""summary.json of a monitor run: the machine's verdict at the top, then every indicator, the reference, and
an account of every snapshot (expected, scored, unreadable, missing)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepshrink.engine.monitor.families import diagnosis_summary
from deepshrink.engine.monitor.indicators import INDICATORS, change_db
from deepshrink.engine.monitor.reference import POOLED, HealthReference
from deepshrink.engine.monitor.verdict import (
    ALERT_DB,
    DANGER_DB,
    MODEL_P,
    VERDICT_INDICATORS,
    verdict_of,
    zone_summary,
)
from deepshrink.functional import health

__all__ = ["RULE", "summarize"]

RULE = (
    f"machine verdict: alert when {', '.join(VERDICT_INDICATORS)} (any) passes both its bound at the "
    f"false-alarm rate divided by their number (Bonferroni) and +{ALERT_DB:g} dB over its healthy baseline "
    f"(the level: either way); danger at +{DANGER_DB:g} dB; each after `persistence` consecutive snapshots; "
    f"an indicator whose held-back values reject the bound's model (Shapiro-Wilk p < {MODEL_P:g}) is left out"
)


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in item.items()}


def _indicator(
    name: str, rows: Sequence[dict], ref: HealthReference, seq_meta: dict, times: np.ndarray
) -> dict:
    cal = [r for r in rows if r["role"] == "calibration"]
    mon = [r for r in rows if r["role"] == "monitored"]
    first = next((r for r in rows if r[f"{name}_alarm"]), None)
    start = _run_start(name, rows, ref, first)
    exceed = [ref.exceeds(name, np.array([r[name]]), ref.baseline(r.get("condition"))[0])[0] for r in cal]
    values = np.array([r[name] for r in rows], dtype=np.float64)
    pooled = ref.baselines[POOLED]
    if INDICATORS[name].kind == "level":  # the distance from the healthy level, whichever way
        values = np.abs(values - pooled.centres.get(name, 0.0))
    item = {
        "threshold": pooled.thresholds.get(name, math.nan),
        "kind": INDICATORS[name].kind,
        "direction": "either way" if INDICATORS[name].kind == "level" else "up",
        "thresholds_by_condition": {
            c: b.thresholds.get(name) for c, b in ref.baselines.items() if c != POOLED
        },
        "first_alarm_index": None if first is None else first["index"],
        "first_alarm_number": None if first is None else first["number"],
        "first_alarm_time_s": None if first is None else first["time_s"],
        "first_alarm_file": None if first is None else first["file"],
        # the run of exceedances that raised it begins here (the first file to look at)
        "first_exceedance_index": None if start is None else start["index"],
        "first_exceedance_number": None if start is None else start["number"],
        "first_exceedance_time_s": None if start is None else start["time_s"],
        "first_exceedance_file": None if start is None else start["file"],
        "alarmed_snapshots": int(sum(r[f"{name}_alarm"] for r in rows)),
        "calibration_exceedances": int(np.nansum(exceed)) if exceed else 0,
        "calibration_snapshots": len(cal),
        "monitored_over_threshold": int(
            sum(
                ref.exceeds(name, np.array([r[name]]), ref.baseline(r.get("condition"))[0])[0] == 1.0
                for r in mon
            )
        ),
        "monotonicity": health.monotonicity(values),
        "trendability": health.trendability(values, times),
        "missing": name in ref.missing,
    }
    if seq_meta.get("end_of_life") and first is not None:
        item["lead_snapshots"] = rows[-1]["index"] - first["index"]
        if first["time_s"] is not None and rows[-1]["time_s"] is not None:
            item["lead_time_s"] = rows[-1]["time_s"] - first["time_s"]
    onset = seq_meta.get("onset_index")
    if onset is not None:
        item["alarm_delay_snapshots"] = None if first is None else first["index"] - onset
        item["alarm_before_onset"] = first is not None and first["index"] < onset
    return _clean(item)


def _run_start(name: str, rows: Sequence[dict], ref: HealthReference, first: dict | None) -> dict | None:
    """The first snapshot of the run of exceedances that raised `first` (the alarm): back from it over the
    monitored rows while they exceed; unscored (NaN) rows neither count nor break it, as in `flag_rows`."""
    if first is None:
        return None
    i = start = next(k for k, r in enumerate(rows) if r is first)
    while i > 0 and rows[i - 1]["role"] == "monitored":
        i -= 1
        r = rows[i]
        e = ref.exceeds(name, np.array([r[name]]), ref.baseline(r.get("condition"))[0])[0]
        if math.isnan(e):
            continue
        if e != 1.0:
            break
        start = i
    return rows[start]


def _machine(rows: Sequence[dict], ref: HealthReference, seq_meta: dict) -> dict[str, Any]:
    out = verdict_of(rows)
    verdict = bool(ref.baselines[POOLED].alert)
    out["rule"] = RULE if verdict else "no verdict: the saved monitor predates it (refit to get one)"
    out["stated_false_alarm_rate"] = ref.false_alarm_rate
    pooled = ref.baselines[POOLED]
    out["indicators"] = list(pooled.alert)  # the verdict reads these
    out["outside_verdict"] = {n: round(p, 6) for n, p in ref.outside_verdict.items()}
    out["model_p"] = {n: round(p, 6) for n, p in ref.model_p.items()}
    out["persistence"] = ref.persistence
    if ref.zones is not None and "velocity_mm_s" not in ref.missing:
        out["zone"] = zone_summary(rows, ref.zones, "velocity_mm_s")
    out["bounds"] = {
        n: {"alert": pooled.alert.get(n), "danger": pooled.danger.get(n), "baseline": pooled.centres.get(n)}
        for n in pooled.alert
    }
    confirm = (out.get("first_alert") or {}).get("confirmed")
    if confirm is not None:
        r = next(r for r in rows if r["index"] == confirm["index"])
        base, _ = ref.baseline(r.get("condition"))
        out["first_alert"]["changes_db"] = {
            n: round(float(change_db(INDICATORS[n].kind, r[n], base.centres[n])), 2)
            for n in base.alert
            if math.isfinite(r[n])
        }
    onset = seq_meta.get("onset_index")
    for level in ("alert", "danger"):
        first = out.get(f"first_{level}")
        if onset is not None:
            out[f"{level}_before_onset"] = first is not None and first["confirmed"]["index"] < onset
        if first is not None and seq_meta.get("end_of_life") and rows[-1]["time_s"] is not None:
            t = first["confirmed"]["time_s"]
            out[f"{level}_lead_time_s"] = None if t is None else rows[-1]["time_s"] - t
    return out


def summarize(
    rows: Sequence[dict[str, Any]], ref: HealthReference, seq_meta: dict[str, Any], reference: dict[str, Any]
) -> dict[str, Any]:
    """summary.json: `machine` (the verdict) first, then the indicators, the reference and the account."""
    times = np.array([r["time_s"] if r["time_s"] is not None else r["index"] for r in rows], dtype=float)
    unreadable = [{"file": r["file"], "status": r["status"]} for r in rows if r["status"] != "ok"]
    seen = {r.get("condition") for r in rows if r["role"] == "monitored"} - {None}
    unseen = sorted(seen - set(ref.conditions)) if ref.conditions else []
    machine = _machine(rows, ref, seq_meta)
    families = None if ref.families is None else ref.families.to_json()
    return {
        "machine": machine,
        "diagnosis": diagnosis_summary(rows, machine, families),
        "sequence": seq_meta,
        "reference": reference,
        "false_alarm_rate": ref.false_alarm_rate,
        "persistence": ref.persistence,
        "reference_rms": ref.scale,
        "unit": ref.unit,
        "conditions": ref.conditions or None,
        "unseen_conditions": unseen,
        "snapshots": len(rows),
        "account": {
            "expected": seq_meta.get("expected_snapshots", len(rows)),
            "scored": sum(r["status"] == "ok" for r in rows),
            "unreadable": unreadable,
            "missing_numbers": seq_meta.get("missing_numbers", []),
            "skipped_entries": seq_meta.get("skipped_entries", []),
        },
        "unscored": [r["file"] for r in rows if r["status"] != "ok"],
        "indicators": {n: _indicator(n, rows, ref, seq_meta, times) for n in INDICATORS},
        "prognosability": None,
        "notes": [
            "thresholds: upper prediction bound of one healthy snapshot at the false-alarm rate, from the "
            "held-back healthy snapshots, which lie after the fit in time (log-normal; level_db: normal, "
            "either way), one baseline per operating condition",
            RULE,
            "calibration_exceedances counts held-back healthy snapshots above the threshold (no persistence)",
            "dae: windows are divided by the reference RMS of their condition, so a quieter machine scores "
            "lower; level_db reports the level beside it",
            "no operating condition given: one baseline for every snapshot"
            if not ref.conditions
            else f"one baseline per operating condition: {', '.join(ref.conditions)}",
        ],
    }
