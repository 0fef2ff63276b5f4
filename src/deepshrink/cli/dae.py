"""`deepshrink dae train|denoise|score|sample`: denoising autoencoders from the command line."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from deepshrink.cli._common import (
    MODEL_ARG,
    OVERWRITE,
    QUIET,
    RESUME,
    VERBOSE,
    EpochLine,
    OneLineParser,
    key_values,
    parse_config_argv,
    print_table,
)
from deepshrink.engine.core.config import DenoiseConfig
from deepshrink.errors import ConfigError

HELP = "denoising autoencoders: train, denoise files, score files for anomalies, sample a VAE"
DESCRIPTION = """Denoising autoencoders on images (in [0, 1]) or signals.

  dae train    train an autoencoder on clean data; corruption is drawn fresh every batch (blind by default:
               each example gets a level between 0 and --level). Writes config.yaml, metrics.csv,
               checkpoints/, model.safetensors + model.json, eval.json (PSNR/SSIM or SNR improvement on
               held-out data) and figures.
  dae denoise  denoise files or folders: images (.png/.jpg/.npy) or signals (.npy/.csv/.mat/.wav); writes
               NAME.denoised.EXT beside each input (or into --out-dir).
  dae score    anomaly score (reconstruction error) per image or per signal window, flagged above the 99th
               percentile of the run's held-out training data; a summary per file.
  dae sample   new examples from a variational run (--model vae_mlp): a grid of samples from its prior and
               a latent interpolation between two inputs (.png figures or .npy arrays).

examples:
  deepshrink dae train --data digits --out runs/dae-digits
  deepshrink dae train --data simulator --model dae_conv1d --level 1.5 --out runs/dae-vib
  deepshrink dae denoise --run runs/dae-digits noisy_digits.npy
  deepshrink dae score --run runs/dae-vib recordings/ --format csv > scores.csv
  deepshrink dae sample --run runs/vae-digits -n 64 --out grid.png

`deepshrink dae ACTION --help` shows the options of an action.
"""
TRAIN_DESCRIPTION = """Train an autoencoder on clean examples of --data into --out. Options are the keys of
the autoencoder config (dashes or underscores; --config FILE reads them from YAML, the command line wins).

examples:
  deepshrink dae train --data digits --out runs/dae-digits
  deepshrink dae train --data mnist --corruption masking --level 0.25 --fixed --out runs/dae-mask
  deepshrink dae train --data cwru:../shared/data/cwru --model dae_shrink1d --level 1.5 --out runs/dae-cwru
"""
DENOISE_DESCRIPTION = """Denoise image or signal files (or every such file in a folder) with a trained run.

example:
  deepshrink dae denoise --run runs/dae-digits noisy_digits.npy --out-dir denoised/
"""
SCORE_DESCRIPTION = """Anomaly score of every image or signal window of the files (or of every such file in a
folder): the reconstruction error, flagged above the run's threshold (the 99th percentile on its held-out
healthy data). The threshold means something only for the machine and sensor whose healthy data trained
the run: files whose scores lie far outside that range get a warning.

example:
  deepshrink dae score --run runs/dae-vib recordings/ --format csv > scores.csv
"""

SAMPLE_DESCRIPTION = """New examples from a variational run (`dae train --model vae_mlp`): -n latent vectors
drawn from its prior N(0, I) with --seed, decoded. --out's suffix says what is written: .png, a grid figure;
.npy, the samples (n, *shape) in the data's units. Also OUT_interpolation.png/.npy: the decoded straight line
(--steps points) between the latent means of two inputs, by default two examples of the run's data it never
trained on (MNIST: test images of two digits), or the first example of each --interpolate file (read as
`dae denoise` reads them); --steps 0 writes none.

examples:
  deepshrink dae sample --run runs/vae-digits -n 64 --out grid.png
  deepshrink dae sample --run runs/vae-digits --seed 1 --interpolate a.png b.png --steps 10 --out grid.npy
"""

EXTRA = (
    OVERWRITE,
    RESUME,
    QUIET,
    VERBOSE,
    (
        ("--fixed",),
        {"action": "store_true", "help": "train at exactly --level instead of blind (= --blind false)"},
    ),
    MODEL_ARG,
)
ALIASES = {"--minutes": "--max_minutes"}
SAMPLE_FORMATS = (".png", ".npy")  # what `dae sample --out` writes (engine/denoise/sample.py: FORMATS)
MAX_SAMPLES = 10_000


def _train(argv: list[str], prog: str) -> int:
    cfg, flags = parse_config_argv(
        DenoiseConfig, argv, prog=prog, description=TRAIN_DESCRIPTION, extra=EXTRA, aliases=ALIASES
    )
    if flags.fixed:
        cfg.blind = False
    if flags.model_arg:
        cfg.model_kwargs = {**cfg.model_kwargs, **key_values(flags.model_arg, "--model-arg")}
    if cfg.out is None:
        raise ConfigError("no output directory: pass --out RUN_DIR", key="out")
    # imported here, not at the top: `--help` and usage errors answer without torch and Lightning
    from deepshrink.engine.core.runtime import configure_threads
    from deepshrink.engine.denoise.training import train_dae_run

    configure_threads(cfg.threads)
    result = train_dae_run(
        cfg,
        overwrite=flags.overwrite,
        resume=flags.resume,
        verbose=flags.verbose,
        on_epoch=None if flags.quiet else EpochLine(cfg.model or "dae"),
    )
    rows = []
    for e in result["evaluation"]:
        if "psnr" in e:
            quality = f"PSNR {e['psnr_noisy']:.2f} -> {e['psnr']:.2f} dB"
            if "ssim" in e:
                quality += f", SSIM {e['ssim_noisy']:.3f} -> {e['ssim']:.3f}"
        else:
            quality = f"SNR improvement {e['snr_improvement_db']:+.2f} dB"
        rows.append([e["corruption"], f"{e['level']:g}", e["n"], quality, f"{e['throughput']:,.0f}"])
    print_table(
        f"{result['model']} after {result['epochs_done']} epochs (held-out data)",
        ["corruption", "level", "examples", "quality (input -> output)", "examples/s"],
        rows,
    )
    print(f"run written to {cfg.out} (anomaly threshold {result['score_threshold']:.4g})")
    return 0


def _load(run_dir: str):
    from deepshrink.engine.core.artifacts import load_model, read_meta
    from deepshrink.engine.denoise.training import check_autoencoder_run

    check_autoencoder_run(read_meta(run_dir))  # before building anything
    return load_model(run_dir)


def _inputs(paths: list[str], kind: str) -> tuple[list[Path], list[Path]]:
    from deepshrink.data.readers.io import SIGNAL_SUFFIXES
    from deepshrink.data.split.examples import IMAGE_SUFFIXES, list_input_files

    suffixes = (*IMAGE_SUFFIXES, ".npy") if kind == "image" else SIGNAL_SUFFIXES
    files, skipped = [], []
    for p in paths:
        found, other = list_input_files(p, suffixes)
        files += found
        skipped += other
    return files, skipped


def _apply_parser(prog: str, description: str) -> OneLineParser:
    a = OneLineParser(prog=prog, description=description)
    a.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory of `dae train`")
    a.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="input files or folders")
    a.add_argument(
        "--sample-rate", type=float, dest="sample_rate", help="rate (Hz) of signal files that carry none"
    )
    a.add_argument(
        "--quiet", "-q", action="store_true", help="no warnings or notes (results are still printed)"
    )
    return a


def _denoise(argv: list[str], prog: str) -> int:
    p = _apply_parser(prog, DENOISE_DESCRIPTION)
    p.add_argument("--out-dir", dest="out_dir", help="folder for the outputs (default: beside each input)")
    args = p.parse_args(argv)
    from deepshrink.engine.denoise.apply import denoise_file

    model, meta = _load(args.run)
    files, skipped = _inputs(args.paths, meta["data"]["kind"])
    if skipped and not args.quiet:
        print(
            f"warning: skipped {len(skipped)} file(s) of other types: {', '.join(map(str, skipped))}",
            file=sys.stderr,
        )
    for path in files:
        print(f"{path} -> {denoise_file(model, meta, path, args.out_dir, sample_rate=args.sample_rate)}")
    return 0


def _score(argv: list[str], prog: str) -> int:
    p = _apply_parser(prog, SCORE_DESCRIPTION)
    p.add_argument("--format", default="table", choices=("table", "csv", "json"))
    args = p.parse_args(argv)
    from deepshrink.engine.denoise.apply import score_file, score_summary

    model, meta = _load(args.run)
    files, skipped = _inputs(args.paths, meta["data"]["kind"])
    rows = [r for path in files for r in score_file(model, meta, path, sample_rate=args.sample_rate)]
    summary, warnings = score_summary(rows, meta)
    if not args.quiet:
        if skipped:
            print(
                f"warning: skipped {len(skipped)} file(s) of other types: {', '.join(map(str, skipped))}",
                file=sys.stderr,
            )
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
        rate = meta["data"].get("sample_rate")
        if rate and args.sample_rate is None and any(f.suffix.lower() in (".npy", ".csv") for f in files):
            print(
                f"note: .npy/.csv files carry no rate: taken at the run's {rate:g} Hz (pass --sample-rate)",
                file=sys.stderr,
            )
    if args.format == "json":
        json.dump(
            {"threshold": meta["score_threshold"], "files": summary, "scores": rows}, sys.stdout, indent=2
        )
        print()
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        print_table(
            f"anomaly scores per file (threshold {meta['score_threshold']:.4g})",
            ["file", "examples", "above threshold", "median score", "max score", "level re training"],
            [
                (
                    s["file"],
                    s["examples"],
                    s["flagged"],
                    f"{s['median_score']:.4g}",
                    f"{s['max_score']:.4g}",
                    f"{s['level_db']:+.1f} dB" if "level_db" in s else "-",
                )
                for s in summary
            ],
        )
        flagged = sum(r["anomaly"] for r in rows)
        print(f"{flagged} of {len(rows)} examples above the threshold")
    return 0


def _sample(argv: list[str], prog: str) -> int:
    p = OneLineParser(prog=prog, description=SAMPLE_DESCRIPTION)
    p.add_argument(
        "--run", required=True, metavar="RUN_DIR", help="run directory of `dae train --model vae_mlp`"
    )
    p.add_argument("-n", type=int, default=64, dest="n", help="how many samples (default 64)")
    p.add_argument("--seed", type=int, default=0, help="seed of the latent draws (default 0)")
    p.add_argument(
        "--interpolate",
        nargs=2,
        metavar="FILE",
        help="two inputs to interpolate between (default: two examples of the run's data)",
    )
    p.add_argument(
        "--steps", type=int, default=8, help="points on the interpolation line (default 8; 0: none)"
    )
    p.add_argument(
        "--out", required=True, metavar="OUT", help="grid.png (a figure) or grid.npy (the samples)"
    )
    args = p.parse_args(argv)
    # every usage mistake is refused before torch and the run are loaded
    if not 1 <= args.n <= MAX_SAMPLES:
        raise ConfigError(f"-n {args.n}: the number of samples must be between 1 and {MAX_SAMPLES:,}")
    if args.steps == 1 or args.steps < 0:
        raise ConfigError(f"--steps {args.steps}: an interpolation needs at least 2 points (or 0 for none)")
    if args.steps == 0 and args.interpolate:
        raise ConfigError("--interpolate with --steps 0: give --steps >= 2 for the interpolation")
    out = Path(args.out)
    if out.suffix.lower() not in SAMPLE_FORMATS:
        raise ConfigError(
            f"--out {args.out}: unknown format {out.suffix or '(no suffix)'!r}; "
            "use .png (a grid figure) or .npy (the samples)"
        )
    import torch

    from deepshrink.engine.denoise.sample import (
        default_pair,
        interpolate,
        interpolation_path,
        load_variational_run,
        read_input,
        sample_prior,
        to_data_units,
        write_samples,
    )

    model, meta = load_variational_run(args.run)
    pair = None
    if args.steps:
        if args.interpolate:
            a, b = (read_input(f, meta) for f in args.interpolate)
            names = [Path(f).name for f in args.interpolate]
        else:
            a, b, names = default_pair(args.run, meta)
        line = interpolate(model, torch.from_numpy(a), torch.from_numpy(b), args.steps)
        pair = (to_data_units(line, meta), (to_data_units(a, meta), to_data_units(b, meta)), names)
    samples = to_data_units(sample_prior(model, args.n, torch.Generator().manual_seed(args.seed)), meta)
    run_name = Path(meta["_path"]).parent.name  # also for `--run .` or `--run RUN/model.json`
    write_samples(
        out,
        samples,
        title=f"{args.n} samples from the prior of {run_name} ({meta['model']}, seed {args.seed})",
    )
    print(f"{args.n} samples -> {out}")
    if pair is not None:
        line, ends, names = pair
        dest = interpolation_path(out)
        title = f"{run_name}: from {names[0]} to {names[1]} along the line between their latent means"
        write_samples(dest, line, title=title, ends=ends, labels=(names[0], names[1]))
        print(f"interpolation {names[0]} -> {names[1]} ({args.steps} steps) -> {dest}")
    return 0


ACTIONS = {"train": _train, "denoise": _denoise, "score": _score, "sample": _sample}


def main(argv: list[str], prog: str) -> int:
    """Dispatch to the action."""
    if not argv:
        raise ConfigError("choose an action: train, denoise, score or sample (see --help)")
    if argv[0] in ("-h", "--help"):
        print(f"usage: {prog} {{train,denoise,score,sample}} [options]\n\n{DESCRIPTION}")
        return 0
    action = argv[0]
    if action not in ACTIONS:
        raise ConfigError(f"unknown action {action!r}; choose train, denoise, score or sample (see --help)")
    return ACTIONS[action](argv[1:], f"{prog} {action}")
