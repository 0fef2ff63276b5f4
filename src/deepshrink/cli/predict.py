"""`deepshrink predict`: classify recordings with a trained run."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from deepshrink.cli._common import OneLineParser, add_quiet, print_table
from deepshrink.errors import ConfigError, DataError

HELP = "classify files (.mat/.npy/.csv/.wav) or folders with a trained run: per window and per file"
DESCRIPTION = """Cut each file into windows of the run's window length (at the run's sample rate: files with a
known rate are resampled; files without one are taken at --sample-rate, else at the run's rate, and the
command says so), classify every window, and take a majority vote per file. In a folder, files that cannot
be read as signals are skipped with one warning listing them.

examples:
  deepshrink predict --run runs/cw recordings/
  deepshrink predict --run runs/cw pump.wav --format json > pump.json
"""


def _files(paths: list[str]) -> tuple[list[Path], list[Path], list[Path]]:
    """(files named on the command line, files found in folders, folder files of other types)."""
    explicit, found, skipped = [], [], []
    for p in paths:
        from deepshrink.data.split.examples import list_input_files

        files, other = list_input_files(p)
        if Path(p).expanduser().is_dir():
            found += files
            skipped += other
        else:
            explicit += files
    return explicit, found, skipped


def main(argv: list[str], prog: str) -> int:
    """Predict and print in the chosen format."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
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
    p.add_argument("--sample-rate", type=float, dest="sample_rate", help="rate (Hz) of files that carry none")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available)")
    add_quiet(p, "warning")
    args = p.parse_args(argv)
    if args.stride is not None and args.stride < 1:
        raise ConfigError(f"--stride must be >= 1, got {args.stride}")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.sample_rate is not None and not args.sample_rate > 0:
        raise ConfigError(f"--sample-rate must be > 0, got {args.sample_rate}")
    # imported after parsing: --help and usage errors answer without torch
    from deepshrink.engine.classify.predict import predict_file
    from deepshrink.engine.core.artifacts import check_run_kind, load_model, read_meta
    from deepshrink.engine.core.runtime import configure_threads

    configure_threads(args.threads)
    check_run_kind(read_meta(args.run), "classification")  # before loading any weights
    model, meta = load_model(args.run)
    explicit, found, skipped = _files(args.paths)
    results, unreadable = [], []
    for f in explicit + found:
        try:
            results.append(
                predict_file(
                    model,
                    meta,
                    f,
                    batch_size=args.batch_size,
                    stride=args.stride,
                    sample_rate=args.sample_rate,
                )
            )
        except DataError as err:
            if f in explicit:
                raise
            unreadable.append((f, str(err)))
    names = [str(s) for s in skipped] + [str(f) for f, _ in unreadable]
    if not results:
        found = f" (not signals: {', '.join(names)})" if names else ""
        raise DataError(f"no readable signal file in {', '.join(args.paths)}{found}")
    if not args.quiet:
        if names:
            print(
                f"warning: skipped {len(names)} file(s) that are not signals: {', '.join(names)}",
                file=sys.stderr,
            )
        if any(r["assumed_rate"] for r in results) and meta.get("sample_rate"):
            print(
                f"note: files without a sample rate were taken at the run's {meta['sample_rate']:g} Hz "
                "(pass --sample-rate if they are not)",
                file=sys.stderr,
            )
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
