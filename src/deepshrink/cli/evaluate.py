"""`deepshrink evaluate`: accuracy of a trained run at every noise kind and SNR."""

from __future__ import annotations

import argparse

from deepshrink.cli._common import add_quiet, check_noise_kinds, comma_list, print_table

HELP = "accuracy of a trained run versus SNR (table + eval.json, eval.csv, PNG in the run dir)"
DESCRIPTION = """Evaluate a finished run on its test windows (rebuilt from the data spec and split stored in
the run, or the test split of --data) with noise of each kind at each SNR. Every window gets noise from its
own seed, so runs evaluated with the same --seed see the same noisy windows. Also reports clean accuracy.

example:
  deepshrink evaluate --run runs/cw --noise gaussian,laplacian,pink --snr -5:5
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `evaluate`."""
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory (or its model.json)")
    p.add_argument(
        "--data", help="data spec to evaluate on instead of the run's own (its test split is used)"
    )
    p.add_argument("--noise", default="gaussian", help="noise kinds, comma-separated (default gaussian)")
    p.add_argument(
        "--snr",
        default="-5:5",
        metavar="LOW:HIGH[:STEP]",
        help="SNR grid in dB: LOW:HIGH[:STEP] (inclusive, step 1) or A,B,C (default -5:5)",
    )
    p.add_argument("--seed", type=int, default=0, help="evaluation noise seed (default 0)")
    p.add_argument(
        "--batch-size", type=int, default=1024, dest="batch_size", help="inference batch (default 1024)"
    )
    add_quiet(p)


def run(args: argparse.Namespace) -> int:
    """Evaluate, save, print the table."""
    from deepshrink.engine.config import parse_snr_grid
    from deepshrink.engine.evaluate import evaluate_run
    from deepshrink.errors import ConfigError

    kinds = comma_list(args.noise, "--noise")
    check_noise_kinds(kinds, "--noise")
    snrs = parse_snr_grid(args.snr)
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    records = evaluate_run(
        args.run, data=args.data, noise_kinds=kinds, snrs=snrs, seed=args.seed, batch_size=args.batch_size
    )
    if not args.quiet:
        rows = [
            (
                r["noise"],
                "-" if r["snr_db"] is None else f"{r['snr_db']:g}",
                f"{r['accuracy']:.2f}",
                f"{r['macro_f1']:.3f}",
                r["n"],
            )
            for r in records
        ]
        print_table(
            f"{records[0]['model']}: test accuracy", ["noise", "SNR dB", "accuracy %", "macro F1", "n"], rows
        )
        print(f"saved eval.json and eval.csv in {args.run}")
    return 0
