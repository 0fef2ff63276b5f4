"""`deepshrink train`: train a classifier under noise into a run directory, then evaluate it across SNRs."""

from __future__ import annotations

from pathlib import Path

from deepshrink.cli._common import (
    DATA_ARG,
    MODEL_ARG,
    OVERWRITE,
    QUIET,
    RESUME,
    VERBOSE,
    EpochLine,
    key_values,
    parse_config_argv,
    print_table,
)
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.option_types import read_yaml_file
from deepshrink.errors import ConfigError
from deepshrink.formatting import snr_text

HELP = "train a classifier (DRSN, ResNet, ConvNet) on noisy windows, then evaluate it across SNRs"
DESCRIPTION = """Train a registered classifier on windows of DATA under noise, evaluate it on the held-out
test windows at every SNR of the training range (and clean), and save a run directory: config.yaml,
metrics.csv, checkpoints/{last,best}.ckpt, model.safetensors + model.json, eval.json + eval.csv and figures.

Options are the keys of the config (docs/defaults.md lists them with their defaults, shared with
`deepshrink benchmark`); write them with dashes or underscores (--batch-size = --batch_size). Every option can
come from a YAML file (--config FILE; the command line wins): `deepshrink train --config RUN/config.yaml`
reproduces a run.

examples:
  deepshrink train --model drsn_cw_paper --data cwru:../shared/data/cwru --snr -10:5 --out runs/cw
  deepshrink train --data uestc --scenario cross-condition --fold 0 --out runs/uestc-800rpm
  deepshrink train --config runs/cw/config.yaml --out runs/cw-again
  deepshrink train --out runs/cw --resume            # continue after an interruption
"""

EXTRA = (RESUME, OVERWRITE, QUIET, VERBOSE, MODEL_ARG, DATA_ARG)


def _saved_config(argv: list[str]) -> dict:
    """A resumed run's config.yaml (the command line may still change epochs, threads, patience)."""
    if "--resume" not in argv:
        return {}
    out = next((argv[i + 1] for i, t in enumerate(argv[:-1]) if t == "--out"), None)
    out = out or next((t.split("=", 1)[1] for t in argv if t.startswith("--out=")), None)
    saved = Path(out) / "config.yaml" if out else None  # engine.artifacts.CONFIG_FILE
    return read_yaml_file(str(saved)) if saved is not None and saved.is_file() else {}


def config_from_argv(argv: list[str], prog: str = "deepshrink train"):
    """(TrainConfig, the run flags) from the command line, --config and, with --resume, the saved config."""
    cfg, flags = parse_config_argv(
        TrainConfig, argv, prog=prog, description=DESCRIPTION, extra=EXTRA, base=_saved_config(argv)
    )
    changes = {}
    if flags.model_arg:
        changes["model_kwargs"] = {**cfg.model_kwargs, **key_values(flags.model_arg, "--model-arg")}
    if flags.data_arg:
        changes["data_kwargs"] = {**cfg.data_kwargs, **key_values(flags.data_arg, "--data-arg")}
    for key, value in changes.items():
        setattr(cfg, key, value)
    return cfg, flags


def main(argv: list[str], prog: str) -> int:
    """Train, evaluate and print the result."""
    cfg, flags = config_from_argv(argv, prog)
    if cfg.out is None:
        raise ConfigError("no output directory: pass --out RUN_DIR (or `out:` in the config)", key="out")
    # imported here, not at the top: `--help` and usage errors answer without torch and Lightning
    from deepshrink.engine.classify.training import train
    from deepshrink.engine.core.runtime import configure_threads

    configure_threads(cfg.threads)
    progress = None if flags.quiet else EpochLine(cfg.model)
    result = train(
        cfg, resume=flags.resume, overwrite=flags.overwrite, verbose=flags.verbose, on_epoch=progress
    )
    rows = [
        (
            "clean" if r["snr_db"] is None else r["noise"],
            "-" if r["snr_db"] is None else f"{r['snr_db']:g}",
            f"{r['accuracy']:.1f}",
        )
        for r in result.records
    ]
    if rows:
        print_table(f"{cfg.model}: test accuracy (%)", ["noise", "SNR dB", "accuracy %"], rows)
    noisy = [r["accuracy"] for r in result.records if r["snr_db"] is not None]
    if noisy:
        snrs = [r["snr_db"] for r in result.records if r["snr_db"] is not None]
        span = snr_text((min(snrs), max(snrs)))
        print(f"mean over {span}: {sum(noisy) / len(noisy):.1f} % ({len(noisy)} SNRs, one seed)")
    print(f"saved {result.run_dir} after {result.metrics['epochs_trained']} epochs")
    return 0
