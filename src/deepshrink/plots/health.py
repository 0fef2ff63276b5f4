"""The condition-monitoring figure: health indicators over a machine's life on one scale, with alarms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

# distinct, colour-blind-safe (Okabe-Ito) and fixed per indicator, so every health.png reads the same
_COLOURS = {
    "dae": "#D55E00",
    "rms": "#0072B2",
    "kurtosis": "#009E73",
    "crest": "#CC79A7",
    "iforest": "#E69F00",
    "level_db": "#56B4E9",
}


def plot_health(
    rows: Sequence[dict[str, Any]],
    thresholds: dict[str, float | np.ndarray],
    centres: dict[str, float | np.ndarray],
    *,
    names: Sequence[str],
    onset: int | None = None,
    machine: dict[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """Top: every rising indicator divided by its threshold (1 = alarm level, log scale), first alarms marked;
    bottom: the level against the healthy reference in dB with its two-sided band. Time in hours when the
    rows have `time_s`, else the snapshot index. The reference is shaded (fit, then held-back calibration);
    a known fault onset (simulator) is a dashed line; the machine verdict (`machine` of summary.json) is
    shaded from its first alert (orange) and danger (red), with its first exceedance dotted. A threshold or
    centre is one number, or one per row (each row's operating condition's: what its alarm is judged by)."""
    has_time = all(r["time_s"] is not None for r in rows)
    x = np.array([r["time_s"] / 3600.0 if has_time else r["index"] for r in rows], dtype=float)
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))

    def span(ax, role: str, colour: str, label: str | None) -> None:
        xs = [xv for xv, r in zip(x, rows, strict=True) if r["role"] == role]
        if xs:
            ax.axvspan(min(xs), max(xs), color=colour, alpha=0.25, lw=0, label=label)

    rising = [n for n in names if n != "level_db" and n in thresholds]  # a saved monitor may predate one
    for name in rising:
        v = np.array([r[name] for r in rows], dtype=float) / thresholds[name]
        v = np.where(v > 0, v, np.nan)
        colour = _COLOURS.get(name, "black")
        top.plot(x, v, lw=1.0, marker=".", ms=3, color=colour, label=name)
        first = next((i for i, r in enumerate(rows) if r[f"{name}_alarm"]), None)
        if first is not None:
            top.plot(x[first], v[first], marker="v", ms=11, color=colour, mec="black", zorder=5)
    top.axhline(1.0, color="black", lw=1.2, ls="--", label="threshold")
    by_index = {r["index"]: i for i, r in enumerate(rows)}
    for level, colour in (("alert", "#E69F00"), ("danger", "#C00000")):
        first = (machine or {}).get(f"first_{level}")
        if not first or first["confirmed"]["index"] not in by_index:
            continue
        at = x[by_index[first["confirmed"]["index"]]]
        for ax, labelled in ((top, True), (bottom, False)):
            family = (machine or {}).get("family")  # what is failing, where the bearing is known
            what = f" ({family} race)" if family in ("outer", "inner") else f" ({family})" if family else ""
            label = f"machine: {level} from {first['confirmed']['file']}{what}" if labelled else None
            ax.axvspan(at, x[-1], color=colour, alpha=0.12, lw=0, label=label)
            ax.axvline(at, color=colour, lw=2.0)
            start = (first.get("first_exceedance") or {}).get("index")
            if start in by_index:
                ax.axvline(x[by_index[start]], color=colour, lw=1.0, ls=":")
    top.set_yscale("log")
    top.set_ylabel("indicator / its threshold")
    for ax, labelled in ((top, True), (bottom, False)):
        span(ax, "fit", "#999999", "reference: fit" if labelled else None)
        span(ax, "calibration", "#88CCEE", "reference: held back (thresholds)" if labelled else None)
        if onset is not None and 0 <= onset < len(rows):
            ax.axvline(
                x[onset], color="#882255", ls=":", lw=1.5, label="fault onset (known)" if labelled else None
            )
    top.legend(loc="upper left", fontsize=8, ncols=3, framealpha=0.9)
    top.set_title(title + "  (triangles: first alarm)")

    lv = np.array([r["level_db"] for r in rows], dtype=float)
    c, t = centres["level_db"], thresholds["level_db"]
    bottom.plot(x, lv, lw=1.0, marker=".", ms=3, color=_COLOURS["level_db"], label="level (dB re reference)")
    if np.ndim(c) == 0 and np.ndim(t) == 0:
        bottom.axhspan(c - t, c + t, color="#DDDDDD", alpha=0.6, lw=0, label="healthy band")
    else:  # one band per operating condition: each row's
        lo, hi = np.broadcast_arrays(np.asarray(c) - np.asarray(t), np.asarray(c) + np.asarray(t))
        bottom.fill_between(x, lo, hi, step="mid", color="#DDDDDD", alpha=0.6, lw=0, label="healthy band")
    first = next((i for i, r in enumerate(rows) if r["level_db_alarm"]), None)
    if first is not None and math.isfinite(lv[first]):
        bottom.plot(x[first], lv[first], marker="v", ms=11, color=_COLOURS["level_db"], mec="black", zorder=5)
    bottom.set_ylabel("level, dB")
    bottom.set_xlabel("time, hours" if has_time else "snapshot")
    bottom.legend(loc="upper left", fontsize=8, ncols=2, framealpha=0.9)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    return fig
