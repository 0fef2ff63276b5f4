"""`deepshrink dae train|denoise|score`: denoising autoencoders from the command line."""

from __future__ import annotations

import argparse

from deepshrink.cli._common import add_quiet, key_values, print_table

HELP = "denoising autoencoders: train one, denoise files with it, score files for anomalies"
DESCRIPTION = """Denoising autoencoders on images (in [0, 1]) or signals.

  dae train    train an autoencoder on clean data; corruption is drawn fresh every batch (blind by default:
               each example gets a level between 0 and --level). Writes model.safetensors + model.json,
               metrics.csv, eval.json (PSNR/SSIM or SNR improvement on held-out data) and figures.
  dae denoise  denoise files: images (.png/.jpg/.npy) or signals (.npy/.csv/.mat/.wav); writes
               NAME.denoised.EXT beside each input (or into --out-dir).
  dae score    anomaly score (reconstruction error) per image or per signal window, flagged above the
               99th percentile of the held-out training data.

examples:
  deepshrink dae train --data digits --out runs/dae-digits
  deepshrink dae train --data simulator --model dae_conv1d --level 1.5 --out runs/dae-vib
  deepshrink dae denoise --run runs/dae-digits noisy_digits.npy
  deepshrink dae score --run runs/dae-vib recording.mat --format csv > scores.csv
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The three `dae` actions and their options."""
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    t = sub.add_parser("train", help="train an autoencoder into a run directory")
    t.add_argument(
        "--data",
        default="digits",
        help="digits (default, bundled), mnist[:PATH], simulator, cwru:PATH, a manifest .csv or an .npy file",
    )
    t.add_argument("--out", required=True, metavar="RUN_DIR", help="run directory to create")
    t.add_argument(
        "--model", default=None, help="registry name (default dae_conv2d / dae_conv1d by data kind)"
    )
    t.add_argument(
        "--model-arg",
        action="append",
        dest="model_args",
        metavar="KEY=VALUE",
        help="model keyword, repeatable",
    )
    t.add_argument("--kind", choices=("image", "signal"), help="how to read a 3-D .npy array (N, A, B)")
    t.add_argument("--corruption", default="gaussian", choices=("gaussian", "salt_pepper", "masking"))
    t.add_argument(
        "--level",
        default=None,
        metavar="X|LOW:HIGH",
        help="noise std (gaussian; signals in units of their RMS) or fraction (salt_pepper, masking); "
        "default 0.5 / 0.2 / 0.4, blind up to it",
    )
    t.add_argument("--fixed", action="store_true", help="train at exactly --level instead of blind")
    t.add_argument(
        "--epochs", type=int, default=None, help="default: about 100,000 examples seen (5 to 100 epochs)"
    )
    t.add_argument("--batch-size", type=int, default=128, dest="batch_size")
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--minutes", type=float, default=None, help="stop training after this many minutes")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    add_quiet(t)

    for name, helptext in (
        ("denoise", "denoise image or signal files with a trained run"),
        ("score", "anomaly scores of image or signal files"),
    ):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory of `dae train`")
        a.add_argument("paths", nargs="+", metavar="FILE", help="input files")
        if name == "denoise":
            a.add_argument(
                "--out-dir", dest="out_dir", help="folder for the outputs (default: beside each input)"
            )
        else:
            a.add_argument("--format", default="table", choices=("table", "csv", "json"))


def _level(text: str | None):
    from deepshrink.errors import ConfigError

    if text is None:
        return None
    try:
        parts = [float(v) for v in text.split(":")]
    except ValueError:
        raise ConfigError(f"--level {text!r}: expected a number or LOW:HIGH") from None
    if len(parts) > 2:
        raise ConfigError(f"--level {text!r}: expected a number or LOW:HIGH")
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def _train(args: argparse.Namespace) -> int:
    from deepshrink.engine.dae_run import train_dae_run
    from deepshrink.errors import ConfigError

    if (args.epochs is not None and args.epochs < 1) or args.batch_size < 1 or not args.lr > 0:
        raise ConfigError("--epochs and --batch-size must be >= 1 and --lr > 0")
    result = train_dae_run(
        args.data,
        args.out,
        model=args.model,
        model_kwargs=key_values(args.model_args, "--model-arg"),
        kind=args.kind,
        corruption=args.corruption,
        level=_level(args.level),
        blind=not args.fixed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        max_minutes=args.minutes,
        seed=args.seed,
        overwrite=args.overwrite,
        quiet=args.quiet,
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
        ["corruption", "level", "examples", "quality", "examples/s"],
        rows,
    )
    print(f"run written to {args.out} (anomaly threshold {result['score_threshold']:.4g})")
    return 0


def _load(run_dir: str):
    from deepshrink.engine.artifacts import load_model, read_meta
    from deepshrink.engine.dae_run import check_autoencoder_run

    check_autoencoder_run(read_meta(run_dir))  # before building anything
    return load_model(run_dir)


def _denoise(args: argparse.Namespace) -> int:
    from deepshrink.engine.dae_run import denoise_file

    model, meta = _load(args.run)
    for path in args.paths:
        print(f"{path} -> {denoise_file(model, meta, path, args.out_dir)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    import csv
    import json
    import sys

    from deepshrink.engine.dae_run import score_file

    model, meta = _load(args.run)
    rows = [r for path in args.paths for r in score_file(model, meta, path)]
    if args.format == "json":
        json.dump({"threshold": meta["score_threshold"], "scores": rows}, sys.stdout, indent=2)
        print()
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        table = [
            [
                r["file"],
                r["index"],
                "" if r["start"] is None else r["start"],
                f"{r['score']:.4g}",
                "yes" if r["anomaly"] else "",
            ]
            for r in rows
        ]
        print_table(
            f"anomaly scores (threshold {meta['score_threshold']:.4g})",
            ["file", "example", "start", "score", "anomaly"],
            table,
        )
        flagged = sum(r["anomaly"] for r in rows)
        print(f"{flagged} of {len(rows)} examples above the threshold")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action."""
    if args.action is None:
        import sys

        print(
            "deepshrink dae: error: choose an action: train, denoise or score (see --help)", file=sys.stderr
        )
        return 2
    return {"train": _train, "denoise": _denoise, "score": _score}[args.action](args)
