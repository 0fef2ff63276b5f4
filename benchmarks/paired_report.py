"""The summary table and the paired differences (95 % intervals) of a benchmark's results.json, as markdown.

Reads results of any schema (files of earlier versions have no folds: each seed is one pair).

usage: python benchmarks/paired_report.py benchmarks/results/noise_robustness_cwru.json [--models a,b,...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deepshrink.benchmark.report import load_results, shortcut_warnings, summary_table
from deepshrink.benchmark.shortcut import SHORTCUT_MODEL
from deepshrink.benchmark.stats import paired_table
from deepshrink.errors import DataError


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", type=Path)
    p.add_argument("--models", help="comma-separated models in this order (default: as in the results)")
    args = p.parse_args(argv)
    try:
        results = load_results(args.results)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    records = results["records"]
    models = args.models.split(",") if args.models else list(dict.fromkeys(r["model"] for r in records))
    nets = [m for m in models if m != SHORTCUT_MODEL]
    print(summary_table(records, paper=False))
    print()
    print(paired_table(records, nets)[0])
    for line in shortcut_warnings(records, (results.get("config") or {}).get("normalize")):
        print(f"\nwarning: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
