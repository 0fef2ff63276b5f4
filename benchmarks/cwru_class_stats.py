"""Per-class amplitude and impulsiveness of the CWRU benchmark windows (10-class task, 0 HP, drive end).

    python benchmarks/cwru_class_stats.py --data ../shared/data/cwru

Cuts the benchmark's windows (2,048 samples, leak-free 70/15/15 time split, non-overlapping) and reports,
per class and split, the mean and spread over windows of: RMS, mean |x| (the quantity a DRSN threshold is
proportional to), kurtosis and crest factor (peak / RMS; both measure how impulsive a window is). Used to
check where the DRSN presets' remaining clean-data confusion (B014 called B021) can come from.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish
from deepshrink.data.sets.cwru import load_cwru
from deepshrink.data.split.windows import make_windows
from deepshrink.errors import DeepShrinkError
from deepshrink.formatting import markdown_table, mean_std_text

STATS = ("rms", "mean_abs", "kurtosis", "crest")


def window_stats(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-window statistics of x (N, window), float64."""
    x = x.astype(np.float64)
    centred = x - x.mean(1, keepdims=True)
    var = centred.var(1)
    rms = np.sqrt((x * x).mean(1))
    return {
        "rms": rms,
        "mean_abs": np.abs(x).mean(1),
        "kurtosis": (centred**4).mean(1) / var**2,
        "crest": np.abs(x).max(1) / rms,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_data = Path(os.environ.get("DEEPSHRINK_DATA", "../shared/data")) / "cwru"
    parser.add_argument("--data", type=Path, default=default_data, help="CWRU folder")
    parser.add_argument("--window", type=int, default=2048)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cwru_class_stats.json"))
    args = parser.parse_args(argv)
    try:
        data = make_windows(load_cwru(args.data), window=args.window)
    except DeepShrinkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    rows = []
    for split_name in ("train", "test"):
        part = getattr(data, split_name)
        stats = window_stats(part.x[:, 0])
        for k, name in enumerate(data.classes):
            sel = part.y == k
            row = {"split": split_name, "class": name, "windows": int(sel.sum())}
            for s in STATS:
                row[s] = round(float(stats[s][sel].mean()), 4)
                row[s + "_std"] = round(float(stats[s][sel].std(ddof=1)), 4)  # n-1, as every ± here
            rows.append(row)

    report = {
        "date": date.today().isoformat(),
        "data": str(args.data),
        "window": args.window,
        "split": "time 70/15/15, non-overlapping windows",
        "rows": rows,
        "command": command_line("cwru_class_stats.py", argv),
    }
    table = markdown_table(
        ["split", "class", "windows", "RMS", "mean abs", "kurtosis", "crest factor"],
        [
            [
                r["split"],
                r["class"],
                r["windows"],
                *(mean_std_text(r[s], r[s + "_std"], r["windows"], digits=3) for s in STATS),
            ]
            for r in rows
        ],
        align="llrrrrr",
    )
    finish(args.out, report, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
