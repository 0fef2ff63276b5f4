"""Do the learned thresholds rise as the input SNR falls? Per shrinkage unit, from a benchmark's results.

For each unit of a DRSN model: its mean threshold at each SNR (averaged over seeds, folds and noise kinds),
the change from the highest to the lowest SNR of the grid, and Spearman's rank correlation between SNR and
threshold over all records (negative: the threshold rises as the SNR falls).

usage: python benchmarks/thresholds_trend.py benchmarks/results/noise_robustness_cwru.json \\
           --model drsn_cw_paper
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from deepshrink.benchmark.report import load_results
from deepshrink.errors import DataError
from deepshrink.formatting import markdown_table, snr_text


def trend(records: list[dict], model: str) -> list[dict]:
    """One row per unit: name, mean tau at the lowest and highest SNR, their ratio, Spearman rho."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        if r.get("model") == model and r.get("snr_db") is not None and r.get("thresholds"):
            for unit, tau in r["thresholds"].items():
                points[unit].append((float(r["snr_db"]), float(tau)))
    rows = []
    for unit, pts in points.items():
        snr, tau = np.array(pts).T
        lo, hi = snr.min(), snr.max()
        rho = float(spearmanr(snr, tau).statistic)
        rows.append(
            {
                "unit": unit.replace(".shrinkage", ""),
                "tau_low_snr": float(tau[snr == lo].mean()),
                "tau_high_snr": float(tau[snr == hi].mean()),
                "low_snr": float(lo),
                "high_snr": float(hi),
                "spearman": rho,
            }
        )
    return sorted(
        rows, key=lambda r: int(r["unit"].split(".")[-1]) if r["unit"].split(".")[-1].isdigit() else 0
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", type=Path)
    p.add_argument("--model", default="drsn_cw_paper")
    args = p.parse_args(argv)
    try:
        rows = trend(load_results(args.results)["records"], args.model)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not rows:
        print(f"no thresholds of {args.model} in {args.results}", file=sys.stderr)
        return 2
    lo, hi = rows[0]["low_snr"], rows[0]["high_snr"]
    header = ["unit", f"mean τ at {snr_text(lo)}", f"at {snr_text(hi)}", "ratio", "Spearman ρ (SNR, τ)"]
    cells = [
        [
            r["unit"],
            f"{r['tau_low_snr']:.3f}",
            f"{r['tau_high_snr']:.3f}",
            f"{r['tau_low_snr'] / r['tau_high_snr']:.2f}",
            f"{r['spearman']:+.2f}",
        ]
        for r in rows
    ]
    print(markdown_table(header, cells))
    rising = sum(r["tau_low_snr"] > r["tau_high_snr"] for r in rows)
    print(f"\n{rising} of {len(rows)} units have a higher mean threshold at {lo:g} dB than at {hi:g} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
