"""Condition monitoring evidence on the six FEMTO / PRONOSTIA learning bearings (run to failure).

For every bearing and seed, `deepshrink monitor` with its defaults (the running-in detected and left out, a
reference of 2 h at most a quarter of the life, thresholds from the last third of it, false-alarm rate 1 % per
snapshot, 3 exceedances in a row, the machine verdict on top), then per bearing, indicator and the verdict
(benchmarks/_monitor.py; no onset is known on FEMTO, so nothing here calls an alarm false or true):
- the share of monitored snapshots beyond the threshold between 10 % and 50 % of the life;
- the number of alarm episodes;
- the first alarm as a fraction of the life, and the lead time from it to the end of life (hours);
- early-vs-late ROC-AUC: the first 10 % of the monitored life against the last 10 % of the life.
The DAE, the IsolationForest and the verdict depend on the seed (mean ± std, n-1, over the seeds); RMS,
kurtosis, crest factor and the level do not (seed 0). FEMTO's copy holds snapshots 1-30, every 5th of the
first 2 hours, every 50th after, and the last 120. Resumable: a run whose summary.json exists is reused.

usage: python benchmarks/femto_monitor.py --data ../shared/data/femto --runs bench/femto_monitor \
           --out benchmarks/results/femto_monitor.json --gallery docs/figures/monitor
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from _monitor import MACHINE, NAMES, run_metrics
from deepshrink.data.sets.femto import femto_bearings
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.core.runtime import configure_threads
from deepshrink.engine.monitor.run import run_monitor
from deepshrink.formatting import markdown_table, mean_std_text

SEEDED = ("dae", "iforest", MACHINE)
KEYS = (("mid_over", 100, 1), ("episodes", 1, 1), ("first_alarm_life", 1, 2), ("lead_h", 1, 1), ("auc", 1, 2))


def _fmt(values: list, scale: float, digits: int) -> str:
    vals = [scale * v for v in values if v is not None]
    if not vals:
        return "-"
    if len(values) == 1:
        return f"{vals[0]:.{digits}f}"
    text = mean_std_text(
        float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0, len(vals), digits=digits
    )
    return text + ("" if len(vals) == len(values) else f" ({len(values) - len(vals)} none)")


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
            per.setdefault(b, []).append(run_metrics(run))
        if args.gallery:
            Path(args.gallery).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(runs / f"{b}_s0" / "health.png", Path(args.gallery) / f"{b}.png")
    rows, before_half = [], dict.fromkeys(NAMES, 0)
    for b in bearings:
        res = per[b]
        for name in NAMES:
            use = [r for r in (res if name in SEEDED else res[:1]) if r[name] is not None]
            if not use:
                continue  # does not apply to these data
            cells = [_fmt([r[name][key] for r in use], scale, digits) for key, scale, digits in KEYS]
            label = "**machine verdict**" if name == MACHINE else name
            rows.append([b, f"{res[0]['life_h']:.1f} h", label, *cells])
            firsts = [r[name]["first_alarm_life"] for r in use]
            before_half[name] += int(any(f is not None and f < 0.5 for f in firsts))
    half_rows = [[n, f"{before_half[n]} of {len(bearings)}"] for n in NAMES]
    ref_rows = [
        [
            b,
            per[b][0]["reference"]["skip"],
            f"{per[b][0]['reference']['span_s'] / 3600:.2f} h",
            ", ".join(per[b][0].get("outside_verdict", {})) or "-",
            "; ".join(w.split(":")[0] for w in per[b][0]["warnings"] if "machine verdict" not in w) or "-",
        ]
        for b in bearings
    ]
    lines = [
        "### FEMTO run to failure: the machine verdict and every indicator, per bearing",
        "",
        "10-50 % over: monitored snapshots beyond the threshold between 10 % and 50 % of the life (%), "
        "episodes: alarm episodes over the life, first alarm as a fraction of the life, lead time to the end "
        f"(h), AUC early vs late. DAE, IsolationForest and the verdict: mean ± std over {args.seeds} seeds.",
        "",
        markdown_table(
            [
                "bearing",
                "life",
                "indicator",
                "10-50 % over (%)",
                "episodes",
                "first alarm (life)",
                "lead time (h)",
                "AUC early vs late",
            ],
            rows,
            align="lrlrrrrr",
        ),
        "",
        "### Raised before 50 % of the life (any seed), of six bearings",
        "",
        markdown_table(["indicator", "bearings"], half_rows),
        "",
        "### The reference of each bearing (seed 0)",
        "",
        markdown_table(
            ["bearing", "running-in", "reference span", "outside the verdict", "other warnings"], ref_rows
        ),
    ]
    result = {
        "command": command_line("femto_monitor.py", argv),
        "machine": machine_description(args.threads),
        "date": time.strftime("%Y-%m-%d"),
        "elapsed_s": time.perf_counter() - t0,
        "runs_made": trained,
        "bearings": per,
        "before_half_life": before_half,
    }
    finish(Path(args.out), result, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
