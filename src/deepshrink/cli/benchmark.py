"""`deepshrink benchmark`: the noise-robustness comparison of the paper, on any dataset."""

from __future__ import annotations

import argparse
import sys

from deepshrink.cli._common import add_quiet, comma_list, key_values

HELP = "compare ConvNet, ResNet, DRSN-CS and DRSN-CW across noise kinds and SNRs (resumable)"
DESCRIPTION = """Train every model under one protocol and measure test accuracy against input SNR.

protocols:
  robust  one training per (seed, noise kind, model) on SNRs drawn per example from the grid's range,
          evaluated at every SNR of the grid and on clean data (default; cheap)
  paper   one training per (seed, noise kind, SNR, model) at that fixed SNR, noise drawn once and kept,
          evaluated at the same SNR (the paper's protocol; 11x the trainings)

Writes results.json, report.md and PNGs into --out. Finished cells are kept in --out/cells and skipped when
the same command runs again, so an interrupted benchmark resumes where it stopped.

examples:
  deepshrink benchmark --out bench
  deepshrink benchmark --data cwru:../shared/data/cwru --snr -10:5 --seeds 0,1,2 --epochs 30 --out cwru_bench
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `benchmark`."""
    p.add_argument(
        "--models",
        default="convnet_paper,resnet_paper,drsn_cs_paper,drsn_cw_paper",
        help="comma-separated registered models (default: the four paper presets)",
    )
    p.add_argument(
        "--data", default="simulator", help="simulator (default), cwru:PATH, a manifest .csv or a folder"
    )
    p.add_argument(
        "--data-arg", action="append", metavar="KEY=VALUE", help="extra loader option (repeatable)"
    )
    p.add_argument("--noise", default="gaussian,laplacian,pink", help="comma-separated noise kinds")
    p.add_argument("--snr", default="-5:5", help="SNR grid in dB: LOW:HIGH[:STEP] or A,B,C (default -5:5)")
    p.add_argument(
        "--train-snr",
        dest="train_snr",
        metavar="LOW:HIGH",
        help="robust protocol: training SNR range in dB (default: the range of --snr)",
    )
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    p.add_argument("--protocol", choices=("robust", "paper"), default="robust")
    p.add_argument("--epochs", type=int, default=30, help="epochs per training (default 30)")
    p.add_argument(
        "--recipe",
        choices=("paper", "adamw"),
        default="adamw",
        help="paper: SGD 0.1, x0.1 at 40/80 %%; adamw: AdamW + cosine (default)",
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="peak learning rate (default: 3e-3 with adamw, the paper's 0.1 with --recipe paper)",
    )
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--window", type=int, default=2048, help="window length in samples (default 2048)")
    p.add_argument("--stride", type=int, default=256, help="training window stride (default 256)")
    p.add_argument("--eval-stride", type=int, default=256, help="val/test window stride (default 256)")
    p.add_argument(
        "--normalize",
        choices=("none", "zscore", "minmax"),
        default="none",
        help="per-window normalisation after the noise (default none, as in the paper)",
    )
    p.add_argument("--out", default="benchmark", help="output folder (default ./benchmark)")
    add_quiet(p)


def config_from_args(args: argparse.Namespace):
    """The BenchmarkConfig described by the parsed options."""
    from deepshrink.benchmark import BenchmarkConfig
    from deepshrink.engine.config import parse_snr_grid
    from deepshrink.errors import ConfigError

    try:
        seeds = [int(s) for s in comma_list(args.seeds, "--seeds")]
    except ValueError:
        raise ConfigError(f"--seeds {args.seeds!r}: expected comma-separated integers") from None
    cfg = BenchmarkConfig(
        models=comma_list(args.models, "--models"),
        data=args.data,
        data_kwargs=key_values(args.data_arg, "--data-arg"),
        noises=comma_list(args.noise, "--noise"),
        snrs=parse_snr_grid(args.snr),
        train_snr=args.train_snr,
        seeds=seeds,
        protocol=args.protocol,
        epochs=args.epochs,
        recipe=args.recipe,
        lr=args.lr,
        batch_size=args.batch_size,
        window=args.window,
        stride=args.stride,
        eval_stride=args.eval_stride,
        normalize=args.normalize,
        out=args.out,
    )
    from deepshrink.models import model_info

    for name in cfg.models:
        model_info(name)  # unknown names fail before any training
    cfg.validate()
    return cfg


def run(args: argparse.Namespace) -> int:
    """Run or resume the benchmark and print the summary."""
    from deepshrink.benchmark import run_benchmark
    from deepshrink.benchmark.report import summary_table

    cfg = config_from_args(args)
    say = (lambda _msg: None) if args.quiet else None
    results = run_benchmark(cfg, progress=say, command="deepshrink benchmark " + " ".join(sys.argv[2:]))
    if not args.quiet:
        print(summary_table(results["records"]))
        print(f"\nreport: {cfg.out}/report.md  results: {cfg.out}/results.json")
    return 0 if not results["failed"] else 1
