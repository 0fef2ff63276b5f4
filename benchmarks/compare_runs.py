"""Paired differences of each model between two benchmark runs on the same data, seeds and folds (A − B).

For two runs that differ in one setting (e.g. `--normalize none` against `zscore`): a model trained with the
same seed (and fold) in both runs saw the same split and the same training-noise stream, so the two runs form
a pair per seed; per band the report gives the mean of A − B with its 95 % interval
(`deepshrink.benchmark.stats`). With two models or more, a second table says whether one model gains more
from the change than another: per pair, (A − B of the later model) − (A − B of the earlier one).

usage: python benchmarks/compare_runs.py A.json B.json [--models a,b,...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deepshrink.benchmark.report import load_results
from deepshrink.benchmark.stats import gain_row, paired_row, paired_table_head
from deepshrink.engine.classify.windowing import DATA_FIELDS
from deepshrink.errors import DataError


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("a", type=Path, help="results.json of run A")
    p.add_argument("b", type=Path, help="results.json of run B")
    p.add_argument("--models", help="comma-separated models (default: those in both runs, in A's order)")
    args = p.parse_args(argv)
    try:
        ra, rb = load_results(args.a), load_results(args.b)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    a, b = ra["records"], rb["records"]
    ca, cb = ra.get("config") or {}, rb.get("config") or {}
    # a key missing from one config (an older results schema) counts as different: pairing cannot be checked
    differ = {
        k: f"{k} ({ca.get(k)} vs {cb.get(k)})"
        for k in sorted({*ca, *cb, *DATA_FIELDS})
        if ca.get(k) != cb.get(k)
    }
    other = [text for k, text in differ.items() if k in DATA_FIELDS]
    if other:
        print(
            f"error: the runs differ in {'; '.join(other)}: a seed does not see the same windows in both",
            file=sys.stderr,
        )
        return 2
    varied = [text for k, text in differ.items() if k != "out"]
    in_b = {r["model"] for r in b}
    models = (
        args.models.split(",")
        if args.models
        else [m for m in dict.fromkeys(r["model"] for r in a) if m in in_b]
    )
    if not models:
        print(f"error: {args.a} and {args.b} share no model", file=sys.stderr)
        return 2
    print(f"A = {args.a}, B = {args.b}; A − B, 95 % interval over the pairs (seed, fold)")
    print(f"the runs differ in: {'; '.join(varied) or 'nothing recorded'}\n")
    print("\n".join(paired_table_head("model")))
    for m in models:
        cells, pairs, _ = paired_row(a, m, b, m)
        print(f"| {m} | " + " | ".join(cells) + f" | {pairs} |")
    if len(models) > 1:
        print("\ndoes one model gain more? (A − B of the later model) − (A − B of the earlier one)\n")
        print("\n".join(paired_table_head("gain difference")))
        for i, later in enumerate(models):
            for earlier in models[:i]:
                cells, pairs, _ = gain_row(a, b, later, earlier)
                print(f"| {later} − {earlier} | " + " | ".join(cells) + f" | {pairs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
