"""`deepshrink demo`: a few-minute ResNet vs DRSN-CW comparison on the built-in bearing simulator."""

from __future__ import annotations

import time

from deepshrink.benchmark.config import BenchmarkConfig
from deepshrink.cli._common import OneLineParser, add_quiet

HELP = "a few-minute ResNet vs DRSN-CW noise-robustness comparison on the built-in simulator"
DESCRIPTION = """A small benchmark on the built-in bearing-fault simulator: ResNet vs DRSN-CW (paper presets),
white Gaussian noise, trained on SNRs drawn from -10..5 dB and tested at -10, -5, 0 and 5 dB and on clean
windows, one seed, with the shared defaults of `deepshrink train` (docs/defaults.md) except a shorter run
(15 epochs, stride 512). Prints the accuracy table and writes report.md, results.json and PNGs into --out.
Takes a few minutes on 2 CPU cores. One seed: differences of a few points are not evidence (see the report's
paired differences on a real benchmark).

example:
  deepshrink demo --out demo
"""


def main(argv: list[str], prog: str) -> int:
    """Run the demo benchmark and print its table."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
    p.add_argument("--out", default="demo", help="output folder (default ./demo)")
    p.add_argument("--epochs", type=int, default=15, help="epochs per model (default 15)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available)")
    add_quiet(p)
    args = p.parse_args(argv)
    from deepshrink.benchmark.report import accuracy_tables, row_label  # after parsing: --help without torch
    from deepshrink.benchmark.runner import StderrProgress, run_benchmark
    from deepshrink.engine.core.runtime import configure_threads

    configure_threads(args.threads)
    cfg = BenchmarkConfig(
        models=("resnet_paper", "drsn_cw_paper"),
        data="simulator",
        noises=("gaussian",),
        snrs=(-10.0, -5.0, 0.0, 5.0),
        seeds=(args.seed,),
        epochs=args.epochs,
        stride=512,
        eval_stride=512,
        out=args.out,
    )
    start = time.perf_counter()
    say = (lambda _msg: None) if args.quiet else StderrProgress()
    results = run_benchmark(cfg, progress=say, command=f"deepshrink demo --out {args.out}")
    print(accuracy_tables(results["records"]))
    records = results["records"]
    clean = {row_label(r["model"], records): r["accuracy"] for r in records if r["snr_db"] is None}
    if clean:
        print("\nclean test accuracy: " + ", ".join(f"{m} {a:.1f} %" for m, a in clean.items()))
    print(f"\n{time.perf_counter() - start:.0f} s; report: {args.out}/report.md (figures beside it)")
    return 0 if not results["failed"] else 1
