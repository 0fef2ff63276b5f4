"""Condition monitoring evidence on the six FEMTO / PRONOSTIA learning bearings (run to failure).

For every bearing and seed, `deepshrink monitor` with its defaults (the first 30 snapshots are the healthy
reference, its last third held back for the thresholds, false-alarm rate 1 % per snapshot, 3 exceedances in a
row), then per bearing and indicator:
- early-vs-late ROC-AUC: the monitored snapshots right after the reference (the first 10 % of the life, at
  least 5 snapshots) against the last 10 % of the life; 0.5 = the indicator cannot tell them apart;
- the first alarm, as a fraction of the life, and the lead time from it to the end of life (hours);
- exceedances among the 10 held-back healthy snapshots;
- monotonicity and trendability of the indicator over the life (one bearing);
and over the six bearings (Coble and Hines): trendability (the smallest |correlation| between two bearings'
indicators on a common life axis) and prognosability, on each indicator divided by its own threshold.
The DAE and the IsolationForest depend on the seed (3 seeds: mean and spread); RMS, kurtosis, crest factor and
the level do not. FEMTO's copy is sparse (snapshots 1-30, every 50th, the last 120), so "the first 10 %"
holds few snapshots on short lives. Resumable: a bearing-seed run whose summary.json exists is reused.

usage: python benchmarks/femto_monitor.py --data ../shared/data/femto --runs bench/femto_monitor \
           --out benchmarks/results/femto_monitor.json --gallery docs/figures/monitor
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.data.sets.femto import femto_bearings
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.core.runtime import configure_threads
from deepshrink.engine.monitor.reference import INDICATORS, LEVEL
from deepshrink.engine.monitor.run import run_monitor
from deepshrink.formatting import markdown_table, mean_std_text
from deepshrink.functional import health

NAMES = (*INDICATORS, LEVEL)
SEEDED = ("dae", "iforest")


def _rows(run: Path) -> list[dict]:
    with open(run / "scores.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _one(run: Path) -> dict:
    """Per indicator: AUC, first alarm (fraction of life, hours), lead, held-back exceedances, metrics, and
    the indicator over the life divided by its threshold (for the across-bearing metrics)."""
    rows = _rows(run)
    summ = json.loads((run / "summary.json").read_text())
    t = np.array([float(r["time_s"]) for r in rows])
    life = t[-1]
    mon = np.array([r["role"] == "monitored" for r in rows])
    start = t[mon][0]
    early_end = max(start + 0.1 * (life - start), t[mon][min(4, mon.sum() - 1)])
    early = mon & (t <= early_end)
    late = t >= 0.9 * life
    centres = json.loads((run / "model.json").read_text())["centres"]  # read once, not per indicator
    out = {"life_h": life / 3600, "early_snapshots": int(early.sum()), "late_snapshots": int(late.sum())}
    for name in NAMES:
        item = summ["indicators"][name]
        v = np.array([float(r[name]) for r in rows])
        if name == LEVEL:
            v = np.abs(v - centres[LEVEL])
        y = np.r_[np.zeros(early.sum()), np.ones(late.sum())]
        first = item["first_alarm_time_s"]
        out[name] = {
            "auc": float(roc_auc_score(y, np.r_[v[early], v[late]])),
            "first_alarm_life": None if first is None else first / life,
            "lead_h": None if first is None else (life - first) / 3600,
            "held_back_over": item["calibration_exceedances"],
            "monotonicity": item["monotonicity"],
            "trendability": item["trendability"],
            "curve": (v / item["threshold"]).tolist(),
            "times": t.tolist(),
        }
    return out


def _fmt(values: list, digits: int = 2, na: str = "-") -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "no alarm"
    if len(values) == 1:
        return f"{vals[0]:.{digits}f}"
    # n = len(values) (two or more seeds): the ± is shown even when only one seed alarmed, as it always was
    text = mean_std_text(np.mean(vals), np.std(vals), len(values), digits=digits)
    return text + ("" if len(vals) == len(values) else f" ({len(values) - len(vals)} no alarm)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/femto")
    p.add_argument("--runs", default="bench/femto_monitor", help="folder of the monitor runs (resumable)")
    p.add_argument("--out", default="benchmarks/results/femto_monitor.json")
    p.add_argument("--gallery", default=None, help="copy each bearing's seed-0 health.png here")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    configure_threads(args.threads)
    runs = Path(args.runs)
    bearings = femto_bearings(args.data)
    t0, trained = time.perf_counter(), 0
    per: dict[str, list[dict]] = {}
    for b in bearings:
        for seed in range(args.seeds):
            run = runs / f"{b}_s{seed}"
            if not (run / "summary.json").is_file():
                cfg = MonitorConfig(data=f"femto:{args.data}", bearing=b, seed=seed, out=str(run))
                t1 = time.perf_counter()
                run_monitor(cfg, overwrite=True)
                trained += 1
                print(f"{b} seed {seed}: {time.perf_counter() - t1:.1f} s", file=sys.stderr)
            per.setdefault(b, []).append(_one(run))
        if args.gallery:
            Path(args.gallery).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(runs / f"{b}_s0" / "health.png", Path(args.gallery) / f"{b}.png")
    # across bearings (seed 0 for the seeded indicators; the others are seed-free)
    across = {}
    for name in NAMES:
        curves = [np.array(per[b][0][name]["curve"]) for b in bearings]
        times = [np.array(per[b][0][name]["times"]) for b in bearings]
        across[name] = {
            "trendability": health.trendability(curves, times),
            "prognosability": health.prognosability(curves),
            "monotonicity": health.monotonicity(curves),
        }
    # which indicator alarms first on each bearing (seed 0; ties share)
    first: dict[str, int] = dict.fromkeys(NAMES, 0)
    for b in bearings:
        times = {
            n: per[b][0][n]["first_alarm_life"] for n in NAMES if per[b][0][n]["first_alarm_life"] is not None
        }
        if times:
            best = min(times.values())
            for n, v in times.items():
                first[n] += int(v == best)
    lines = [
        "### FEMTO run to failure: health indicators per bearing",
        "",
        "AUC early vs late (the first 10 % of the life after the reference vs the last 10 %); first alarm as "
        "a fraction of the life; lead time to the end of life; held-back healthy snapshots over the "
        "threshold (of 10). DAE and IsolationForest: mean ± std over "
        f"{args.seeds} seeds.",
        "",
    ]
    per_bearing = []
    for b in bearings:
        res = per[b]
        for name in NAMES:
            use = res if name in SEEDED else res[:1]
            cells = [
                _fmt([r[name][key] for r in use], digits)
                for key, digits in (
                    ("auc", 2),
                    ("first_alarm_life", 2),
                    ("lead_h", 1),
                    ("held_back_over", 1),
                    ("monotonicity", 2),
                    ("trendability", 2),
                )
            ]
            per_bearing.append([b, f"{res[0]['life_h']:.1f} h", name, *cells])
    lines.append(
        markdown_table(
            [
                "bearing",
                "life",
                "indicator",
                "AUC early vs late",
                "first alarm (life)",
                "lead time (h)",
                "held back over",
                "monotonicity",
                "trendability",
            ],
            per_bearing,
            align="lrlrrrrrr",
        )
    )
    overall = []
    for name in NAMES:
        aucs = [r[name]["auc"] for b in bearings for r in (per[b] if name in SEEDED else per[b][:1])]
        a = across[name]
        overall.append(
            [
                name,
                f"{np.mean(aucs):.2f}",
                f"{first[name]} of {len(bearings)}",
                f"{a['trendability']:.2f}",
                f"{a['prognosability']:.2f}",
                f"{a['monotonicity']:.2f}",
            ]
        )
    lines += [
        "",
        "### Over the six bearings (seed 0; each indicator divided by its threshold)",
        "",
        markdown_table(
            [
                "indicator",
                "mean AUC early vs late",
                "first to alarm on",
                "trendability (Coble)",
                "prognosability",
                "monotonicity",
            ],
            overall,
        ),
    ]
    elapsed = time.perf_counter() - t0
    result = {
        "command": command_line("femto_monitor.py", argv),
        "machine": machine_description(args.threads),
        "date": time.strftime("%Y-%m-%d"),
        "elapsed_s": elapsed,
        "runs_made": trained,
        "bearings": {
            b: [
                {k: v for k, v in r.items()}
                | {n: {k: v for k, v in r[n].items() if k not in ("curve", "times")} for n in NAMES}
                for r in per[b]
            ]
            for b in bearings
        },
        "across": across,
        "first_to_alarm": first,
    }
    finish(Path(args.out), result, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
