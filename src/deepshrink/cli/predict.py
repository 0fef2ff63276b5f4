"""`deepshrink predict`: classify recordings with a trained run."""

from __future__ import annotations

import argparse

from deepshrink.cli._common import print_table

HELP = "classify files (.mat/.npy/.csv/.wav) or folders with a trained run: per window and a vote per file"
DESCRIPTION = """Cut each file into windows of the run's window length (at the run's sample rate: files with a
known rate are resampled), classify every window, and take a majority vote per file.

examples:
  deepshrink predict --run runs/cw recordings/
  deepshrink predict --run runs/cw pump.wav --format json > pump.json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `predict`."""
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory (or its model.json)")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="signal files or folders of them")
    p.add_argument(
        "--format",
        default="table",
        choices=("table", "csv", "json"),
        help="table: one row per file; csv: one row per window; json: everything (default table)",
    )
    p.add_argument("--stride", type=int, help="window stride in samples (default: the window, no overlap)")
    p.add_argument("--batch-size", type=int, default=512, dest="batch_size", help="inference batch")


def run(args: argparse.Namespace) -> int:
    """Predict and print in the chosen format."""
    import csv
    import json
    import sys

    from deepshrink.engine.artifacts import load_model
    from deepshrink.engine.predict import list_signal_files, predict_files
    from deepshrink.errors import ConfigError

    if args.stride is not None and args.stride < 1:
        raise ConfigError(f"--stride must be >= 1, got {args.stride}")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    model, meta = load_model(args.run)
    files = [f for p in args.paths for f in list_signal_files(p)]
    results = predict_files(model, meta, files, batch_size=args.batch_size, stride=args.stride)
    if args.format == "json":
        json.dump({"classes": meta["classes"], "files": results}, sys.stdout, indent=2)
        print()
    elif args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["file", "start", "class", "probability", "file_vote"])
        for r in results:
            for win in r["windows"]:
                w.writerow([r["file"], win["start"], win["class"], win["probability"], r["vote"]])
    else:
        rows = [
            (
                r["file"],
                r["vote"],
                f"{100 * r['vote_fraction']:.1f}",
                f"{r['mean_probability']:.3f}",
                len(r["windows"]),
            )
            for r in results
        ]
        print_table(None, ["file", "class (vote)", "windows agreeing %", "mean prob.", "windows"], rows)
    return 0
