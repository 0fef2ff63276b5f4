"""Check a noise-robustness benchmark's results against the CWRU targets (DRSN-CW vs ResNet).

    python benchmarks/noise_targets.py benchmarks/results/noise_robustness_cwru.json
    python benchmarks/noise_targets.py RESULTS.json --drsn-cw drsn_cw_1d_l --resnet resnet_1d_l --seeds 0,1,2

Means over seeds first, then over conditions, as in the benchmark's report. Prints:
- DRSN-CW minus ResNet, averaged over -10..-4 dB and every noise kind (target: at least +2 points);
- the conditions (noise kind, SNR) where DRSN-CW is more than 0.5 points below ResNet (target: none);
- where DRSN-CS lies at -10..-4 dB (target: between ResNet and DRSN-CW, or above);
- DRSN-CW's mean over -5..5 dB (target: 97 %) and on clean windows (target: 99.5 %).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from deepshrink.benchmark.report import band_mean, group_accuracy


def _seeds(text: str | None) -> set[int] | None:
    return None if text is None else {int(s) for s in text.split(",") if s.strip()}


def targets(records: list[dict], cw: str, resnet: str, cs: str | None) -> dict:
    """The target figures from benchmark records (accuracy in percent)."""
    acc = {key: float(np.mean(v)) for key, v in group_accuracy(records).items()}
    noises = sorted({n for (_, n, snr) in acc if n != "none"})

    def mean_over(model: str, lo: float, hi: float) -> float:
        (mean, _std), seeds = band_mean(records, model, lo, hi)
        if not seeds:
            raise KeyError(f"no records for {model} between {lo:g} and {hi:g} dB")
        return mean

    below = [
        {"noise": n, "snr_db": snr, "gap": round(acc[(cw, n, snr)] - acc[(resnet, n, snr)], 2)}
        for (m, n, snr) in sorted(acc, key=lambda k: (k[1], k[2] if k[2] is not None else 99))
        if m == cw
        and n != "none"
        and (resnet, n, snr) in acc
        and acc[(cw, n, snr)] < acc[(resnet, n, snr)] - 0.5
    ]
    low = {m: mean_over(m, -10, -4) for m in (cw, resnet) + ((cs,) if cs else ())}
    out = {
        "noises": noises,
        "low_snr_gap_cw_minus_resnet": round(low[cw] - low[resnet], 2),
        "low_snr_mean": {m: round(v, 2) for m, v in low.items()},
        "conditions_cw_more_than_half_point_below_resnet": below,
        "conditions_compared": sum(1 for (m, n, _) in acc if m == cw and n != "none"),
        "cw_mean_minus5_to_5": round(mean_over(cw, -5, 5), 2),
        "cw_clean": round(acc[(cw, "none", None)], 2) if (cw, "none", None) in acc else None,
    }
    if cs:
        out["cs_between_or_above"] = low[cs] >= min(low[cw], low[resnet])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", type=Path, help="a benchmark's results.json")
    parser.add_argument("--drsn-cw", default="drsn_cw_paper")
    parser.add_argument("--resnet", default="resnet_paper")
    parser.add_argument("--drsn-cs", default="drsn_cs_paper", help="'' to leave it out")
    parser.add_argument("--seeds", default=None, help="only these seeds, e.g. 0,1,2 (default: all)")
    args = parser.parse_args(argv)
    try:
        records = json.loads(args.results.read_text())["records"]
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {args.results}: not a benchmark results.json ({err})", file=sys.stderr)
        return 2
    seeds = _seeds(args.seeds)
    if seeds is not None:
        records = [r for r in records if int(r["seed"]) in seeds]
    models = {r["model"] for r in records}
    cs = args.drsn_cs if args.drsn_cs in models else None
    missing = [m for m in (args.drsn_cw, args.resnet) if m not in models]
    if missing:
        print(f"error: {args.results}: no records for {', '.join(missing)}", file=sys.stderr)
        return 2
    result = targets(records, args.drsn_cw, args.resnet, cs)
    result["seeds"] = sorted({int(r["seed"]) for r in records})
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
