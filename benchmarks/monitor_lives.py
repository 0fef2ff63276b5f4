"""Condition monitoring on simulated lives whose fault onset is known: realised false alarms, detection delay.

Each life is `make_run_to_failure(realistic=True, random_state=SEED)` (40 h, a snapshot every 2 min, the fault
from 30 h; outer, inner and ball faults in turn) with one kind of non-stationarity, or all of them, and
`deepshrink monitor` runs on it with its defaults. Per indicator and for the machine verdict, over the lives:
- false alarm episodes per 100 h of healthy monitored operation (episodes that start before the onset), and
  the share of healthy monitored snapshots beyond the threshold (the indicator's at its 1 % rate; the
  verdict's alert bound), against the stated 1 % per snapshot;
- lives detected (an alarm at or after the onset) and the median delay after the onset (hours);
- the share beyond the threshold between 10 % and 50 % of the life, and the early-vs-late AUC.
Resumable: a life whose summary.json exists is reused.

usage: python benchmarks/monitor_lives.py --variant all --lives 20 --runs bench/monitor_lives \
           --out benchmarks/results/monitor_lives_all.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from _monitor import MACHINE, NAMES, run_metrics
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.core.runtime import configure_threads
from deepshrink.engine.monitor.run import run_monitor
from deepshrink.formatting import markdown_table

FAULTS = ("outer", "inner", "ball")
# each non-stationarity alone (the others off), all of them (the default data), or none (stationary)
OFF = {"running_in_s": 0.0, "drift_db": 0.0, "conditions": [], "artefact_rate": 0.0}
VARIANTS = {
    "all": {},
    "none": dict(OFF),
    "running_in": {**OFF, "running_in_s": 7200.0},
    "drift": {**OFF, "drift_db": 1.5},
    "conditions": {**OFF, "conditions": [[1800.0, 1.0], [1500.0, 0.7]]},
    "artefacts": {**OFF, "artefact_rate": 0.005},
}


def _median(values: list) -> float | None:
    v = [x for x in values if x is not None]
    return float(np.median(v)) if v else None


def _table(lives: list[dict]) -> str:
    hours = sum(life[MACHINE]["healthy_h"] for life in lives)
    rows = []
    for name in NAMES:
        ms = [life[name] for life in lives if life[name] is not None]
        if not ms:
            continue  # an indicator that does not apply (velocity: the simulator has no unit)
        false = sum(m["false_episodes"] for m in ms)
        delays = [m["delay_h"] for m in ms]
        over = [m["healthy_over"] for m in ms if m["healthy_over"] is not None]
        mid = [m["mid_over"] for m in ms if m["mid_over"] is not None]
        aucs = [m["auc"] for m in ms if m["auc"] is not None]
        med = _median(delays)
        rows.append(
            [
                "**machine verdict**" if name == MACHINE else name,
                f"{100 * false / hours:.1f}",
                f"{sum(m['false_episodes'] > 0 for m in ms)}/{len(ms)}",
                f"{100 * np.mean(over):.1f}",
                f"{100 * np.mean(mid):.1f}",
                f"{sum(d is not None for d in delays)}/{len(ms)}",
                "-" if med is None else f"{med:.2f}",
                f"{np.mean(aucs):.2f}" if aucs else "-",
            ]
        )
    head = ["indicator", "false episodes / 100 h", "lives with one", "healthy over (%)", "10-50 % over (%)",
            "detected", "median delay (h)", "AUC"]  # fmt: skip
    return (
        markdown_table(head, rows) + f"\n\n{len(lives)} lives, {hours:.0f} h of healthy monitored operation."
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variant", choices=tuple(VARIANTS), default="all")
    p.add_argument("--lives", type=int, default=20)
    p.add_argument("--runs", default="bench/monitor_lives")
    p.add_argument("--out", default=None)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    configure_threads(args.threads)
    out = Path(args.out or f"benchmarks/results/monitor_lives_{args.variant}.json")
    lives, t0 = [], time.perf_counter()
    for seed in range(args.lives):
        run = Path(args.runs) / args.variant / f"life{seed:02d}"
        if not (run / "summary.json").is_file():
            data = {
                "realistic": True,
                "random_state": seed,
                "fault": FAULTS[seed % 3],
                **VARIANTS[args.variant],
            }
            cfg = MonitorConfig(data="simulator", data_kwargs=data, out=str(run), seed=seed)
            run_monitor(cfg, overwrite=True)
        m = run_metrics(run)
        lives.append({"seed": seed, "fault": FAULTS[seed % 3], **m})
        print(f"life {seed}: machine {m[MACHINE]['false_episodes']} false episode(s), delay "
              f"{m[MACHINE]['delay_h']} h; skip {m['reference']['skip']}", flush=True)  # fmt: skip
    table = _table(lives)
    result = {
        "command": command_line("monitor_lives.py", argv),
        "machine": machine_description(args.threads),
        "variant": args.variant,
        "settings": VARIANTS[args.variant],
        "seconds": round(time.perf_counter() - t0, 1),
        "lives": lives,
    }
    finish(out, result, f"### Simulated lives: {args.variant}\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
