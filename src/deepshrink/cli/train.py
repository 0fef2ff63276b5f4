"""`deepshrink train`: train a classifier under noise into a run directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from deepshrink.cli._common import add_quiet, check_noise_kinds, key_values

HELP = "train a classifier (DRSN, ResNet, ConvNet) on noisy windows into a run directory"
DESCRIPTION = """Train a registered classifier on windows of DATA with training noise and save a run directory
(config.yaml, metrics.csv, checkpoints/last.ckpt + best.ckpt, model.safetensors + model.json, plots).

Every option can also be set in a YAML file given with --config (keys as below with '_' for '-', e.g.
batch_size: 64, model_kwargs: {threshold: firm}); options on the command line win over the file.

examples:
  deepshrink train --model drsn_cw_paper --data simulator --noise gaussian --snr -5:5 --out runs/cw
  deepshrink train --config exp.yaml --out runs/exp1
  deepshrink train --out runs/cw --resume            # continue after an interruption
"""

S = argparse.SUPPRESS


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `train` (defaults come from TrainConfig unless given)."""
    g = p.add_argument_group("run")
    g.add_argument("--config", metavar="FILE", help="YAML file of options (command-line options win)")
    g.add_argument("--out", metavar="RUN_DIR", default=S, help="run directory to create (or resume)")
    g.add_argument(
        "--resume", action="store_true", help="continue the run in --out from checkpoints/last.ckpt"
    )
    g.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    add_quiet(g)
    g = p.add_argument_group("model and data")
    g.add_argument(
        "--model", default=S, help="registered model name (see `deepshrink models`); default drsn_cw_paper"
    )
    g.add_argument(
        "--model-arg",
        action="append",
        metavar="KEY=VALUE",
        dest="model_arg",
        default=[],
        help="extra model argument, repeatable (e.g. threshold=firm)",
    )
    g.add_argument(
        "--data", default=S, help="simulator | cwru:PATH | manifest.csv | label folder (default simulator)"
    )
    g.add_argument(
        "--data-arg",
        action="append",
        metavar="KEY=VALUE",
        dest="data_arg",
        default=[],
        help="extra argument of the data loader, repeatable",
    )
    g.add_argument("--window", type=int, default=S, help="window length in samples (default 2048)")
    g.add_argument("--stride", type=int, default=S, help="training window stride (default: the window)")
    g.add_argument("--eval-stride", type=int, default=S, dest="eval_stride", help="val/test stride")
    g.add_argument("--split", default=S, help="train,val,test fractions (default 0.7,0.15,0.15)")
    g.add_argument(
        "--split-by",
        default=S,
        dest="split_by",
        choices=("time", "group", "load"),
        help="how recordings are split (default time)",
    )
    g.add_argument(
        "--normalize",
        default=S,
        choices=("none", "zscore", "minmax"),
        help="per-window normalisation after the noise (default zscore)",
    )
    g = p.add_argument_group("noise")
    g.add_argument(
        "--noise", default=S, help="noise kind: none, gaussian, laplacian, pink, ... (default gaussian)"
    )
    g.add_argument(
        "--snr", default=S, metavar="DB|LOW:HIGH", help="training SNR in dB or a range (default 0)"
    )
    g.add_argument(
        "--noise-mode",
        default=S,
        dest="noise_mode",
        choices=("online", "fixed"),
        help="online: fresh noise per batch; fixed: drawn once (the paper's protocol)",
    )
    g = p.add_argument_group("optimisation")
    g.add_argument(
        "--recipe", default=S, choices=("paper", "adamw"), help="paper (SGD) or adamw (default paper)"
    )
    g.add_argument("--epochs", type=int, default=S, help="epochs (default 100)")
    g.add_argument(
        "--batch-size", type=int, default=S, dest="batch_size", help="batch per process (default 128)"
    )
    g.add_argument("--lr", type=float, default=S, help="learning rate (default: the recipe's)")
    g.add_argument("--weight-decay", type=float, default=S, dest="weight_decay", help="default: the recipe's")
    g.add_argument(
        "--schedule", default=S, choices=("cosine", "onecycle"), help="adamw schedule (default cosine)"
    )
    g.add_argument("--warmup-epochs", type=float, default=S, dest="warmup_epochs", help="adamw warmup")
    g.add_argument("--patience", type=int, default=S, help="early stopping patience (default off)")
    g.add_argument(
        "--monitor", default=S, choices=("val_loss", "val_acc"), help="best checkpoint / early stop"
    )
    g.add_argument(
        "--gradient-clip", type=float, default=S, dest="gradient_clip", help="clip the gradient norm"
    )
    g.add_argument("--seed", type=int, default=S, help="seed of everything random (default 0)")
    g = p.add_argument_group("hardware")
    g.add_argument("--accelerator", default=S, help="auto, cpu, gpu, ... (default auto)")
    g.add_argument("--devices", default=S, help="devices per node, or auto (default 1)")
    g.add_argument("--num-nodes", type=int, default=S, dest="num_nodes", help="nodes (default 1)")
    g.add_argument("--strategy", default=S, help="auto, ddp, ddp_spawn, ... (default auto)")
    g.add_argument("--precision", default=S, help="32 | 16-mixed | bf16-mixed (mixed needs a GPU)")
    g.add_argument(
        "--no-deterministic",
        action="store_false",
        dest="deterministic",
        default=S,
        help="allow non-deterministic kernels (faster on some GPUs)",
    )


_NOT_CONFIG = {"config", "resume", "overwrite", "quiet", "model_arg", "data_arg", "_run", "command"}


def config_from_args(args: argparse.Namespace):
    """TrainConfig from --config (or the run's saved config when resuming) overridden by the options given."""
    from deepshrink.engine.config import TrainConfig, read_yaml

    values: dict = {}
    source = "command line"
    if args.config:
        values = read_yaml(args.config)
        source = str(args.config)
    elif args.resume and hasattr(args, "out"):
        saved = Path(args.out) / "config.yaml"
        if saved.is_file():
            values = read_yaml(saved)
            source = str(saved)
    cli = {k: v for k, v in vars(args).items() if k not in _NOT_CONFIG}
    if args.model_arg:
        cli["model_kwargs"] = {**values.get("model_kwargs", {}), **key_values(args.model_arg, "--model-arg")}
    if args.data_arg:
        cli["data_kwargs"] = {**values.get("data_kwargs", {}), **key_values(args.data_arg, "--data-arg")}
    values.update(cli)
    return TrainConfig.from_dict(values, source=source)


def run(args: argparse.Namespace) -> int:
    """Train and print where the run went."""
    from deepshrink.models import model_info

    cfg = config_from_args(args)
    model_info(cfg.model)  # unknown models and noise kinds fail here, before Lightning is imported
    check_noise_kinds([cfg.noise], "--noise")
    from deepshrink.engine.training import train

    result = train(cfg, resume=args.resume, overwrite=args.overwrite, quiet=args.quiet)
    if not args.quiet:
        m = result.metrics
        parts = [f"{k} {m[k]:.2f}" for k in ("val_acc", "test_acc") if k in m]
        print(f"saved {result.run_dir} ({', '.join(parts)}; accuracy in % at SNR {cfg.snr_text} dB)")
    return 0
