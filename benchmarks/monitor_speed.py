"""Speed and memory of `deepshrink monitor` on 2 x 2,560-sample snapshots (FEMTO's format).

- fit: the default DAE and the other indicators on a 30-snapshot reference (20 fit, 10 held back) of
  FEMTO Bearing1_1, wall time;
- score: a whole life of N snapshots (default 3,000, about Bearing1_1's full length, 2,803), read from disk as
  they are scored, cycling through Bearing1_1's files, so reading and parsing are timed too;
  wall time and snapshots per second;
- memory: the peak resident memory of scoring 300 and N snapshots in fresh processes (bounded by the
  reference and the scoring chunk, not by the length of the life).

usage: python benchmarks/monitor_speed.py --data ../shared/data/femto \
           --out benchmarks/results/monitor_speed.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.formatting import markdown_table


def _score_once(run: str, data: str, n: int, threads: int) -> dict:
    """In a fresh process: load the fitted monitor and score n snapshots read from disk one by one (cycling
    through Bearing1_1's files with FEMTO's reader); time and peak resident memory."""
    from deepshrink.data.recording import Snapshot
    from deepshrink.data.sets.femto import load_femto
    from deepshrink.engine.core.runtime import configure_threads
    from deepshrink.engine.monitor.run import score_rows
    from deepshrink.engine.monitor.store import load_reference

    configure_threads(threads)
    ref, _ = load_reference(run)
    files = load_femto(data, bearing="Bearing1_1").snapshots
    snaps = [
        Snapshot(
            index=i,
            number=i + 1,
            time_s=10.0 * i,
            source=files[i % len(files)].source,
            read=files[i % len(files)].read,
        )
        for i in range(n)
    ]
    t0 = time.perf_counter()
    rows = score_rows(ref, snaps, ["monitored"] * n, None)
    seconds = time.perf_counter() - t0
    return {
        "snapshots": len(rows),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/femto")
    p.add_argument("--out", default="benchmarks/results/monitor_speed.json")
    p.add_argument("--snapshots", type=int, default=3000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--_score", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._score:
        run, data, n = args._score
        print(json.dumps(_score_once(run, data, int(n), args.threads)))
        return 0
    from deepshrink.data.sets.femto import load_femto
    from deepshrink.engine.core.config import MonitorConfig
    from deepshrink.engine.core.runtime import configure_threads
    from deepshrink.engine.monitor.run import run_monitor

    configure_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="monitor_speed_"))
    seq = load_femto(args.data, bearing="Bearing1_1")
    t0 = time.perf_counter()
    # the whole command on the snapshots of this copy (the fit alone is timed below)
    run, _ = run_monitor(MonitorConfig(data=f"femto:{args.data}", bearing="Bearing1_1", out=str(tmp / "run")))
    fit_and_score = time.perf_counter() - t0
    scored = {}
    for n in (300, args.snapshots):
        cmd = [
            sys.executable,
            __file__,
            "--threads",
            str(args.threads),
            "--_score",
            str(run),
            args.data,
            str(n),
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        scored[n] = json.loads(out)
    t1 = time.perf_counter()
    import numpy as np

    from deepshrink.engine.monitor.reference import fit_reference

    ref_x = np.stack([s.read() for s in seq.snapshots[:30]])
    fit_reference(ref_x[:20], ref_x[20:], seed=0)
    fit_s = time.perf_counter() - t1
    big = scored[args.snapshots]
    lines = [
        "### deepshrink monitor: speed and memory (2 x 2,560-sample snapshots)",
        "",
        markdown_table(
            ["step", "figure"],
            [
                [
                    "fit the default DAE + indicators on a 30-snapshot reference (20 fit, 10 held back)",
                    f"{fit_s:.1f} s",
                ],
                [
                    f"whole command on Bearing1_1 ({len(seq)} snapshots: fit, score, write, plot)",
                    f"{fit_and_score:.1f} s",
                ],
                [
                    f"score {big['snapshots']} snapshots read from disk",
                    f"{big['seconds']:.1f} s ({big['snapshots'] / big['seconds']:.0f} per s)",
                ],
                [
                    f"peak memory scoring 300 / {big['snapshots']} snapshots",
                    f"{scored[300]['peak_rss_mb']:.0f} / {big['peak_rss_mb']:.0f} MB",
                ],
            ],
        ),
    ]
    result = {
        "command": command_line("monitor_speed.py", argv),
        "machine": machine_description(args.threads),
        "date": time.strftime("%Y-%m-%d"),
        "fit_s": fit_s,
        "command_s": fit_and_score,
        "scoring": {str(k): v for k, v in scored.items()},
    }
    finish(Path(args.out), result, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
