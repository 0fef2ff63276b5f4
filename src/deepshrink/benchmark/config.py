"""The benchmark grid: the training config of `deepshrink train` plus the axes it varies.

A benchmark is NOT a second configuration: `BenchmarkConfig` is a `TrainConfig` (same options, same
defaults) with grid axes (models, noise kinds, SNRs, seeds, folds). Every cell is that config with the axes
overridden (`cell_config`), trained by the same `train` as `deepshrink train`.

Protocols:
- "robust": per (seed, fold, noise kind, model) one training on SNRs drawn per window from the grid's
  range (or `train_snr`), evaluated at every SNR of the grid and on clean data. One training per row.
- "paper": per (seed, fold, noise kind, SNR, model) one training at that fixed SNR with noise drawn once
  and kept (the paper's protocol), evaluated at the same SNR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jsonargparse.typing import NonNegativeFloat, PositiveInt

from deepshrink.choices import RECORDED, is_recorded, split_recorded
from deepshrink.engine.core.config import Ints, Names, Snr, SnrGrid, TrainConfig
from deepshrink.engine.core.option_types import NoiseKinds, NoiseName
from deepshrink.engine.core.options import (
    AXIS,
    CELL,
    PLACE,
    fields_with,
    option,
    parse_config,
    replace,
    to_dict,
)
from deepshrink.errors import ConfigError

__all__ = [
    "CELL_FIELDS",
    "GRID_FIELDS",
    "PAPER_MODELS",
    "PROTOCOLS",
    "BenchmarkConfig",
    "Cell",
    "cell_config",
    "cell_key",
    "plan_cells",
]

PROTOCOLS = ("robust", "paper")
PAPER_MODELS = ("convnet_paper", "resnet_paper", "drsn_cs_paper", "drsn_cw_paper")


@dataclass
class BenchmarkConfig(TrainConfig):
    """What to compare, on what, and how: a `TrainConfig` plus the axes of the grid."""

    models: Names = option(PAPER_MODELS, AXIS)
    """registered models to compare (comma-separated)"""
    noises: NoiseKinds = option(("gaussian", "laplacian", "pink"), AXIS)
    """noise kinds (comma-separated; clean accuracy is always measured)"""
    snrs: SnrGrid = tuple(float(s) for s in range(-5, 6))
    """SNR grid in dB: LOW:HIGH[:STEP] or A,B,C"""
    seeds: Ints = option((0, 1, 2, 3, 4), AXIS)
    """seeds (comma-separated); claims need several: see docs/evaluation.md"""
    protocol: Literal["robust", "paper"] = "robust"
    """robust: one training per row on the SNR range; paper: one training per SNR"""
    train_snr: Snr | None = None
    """robust protocol: training SNR range in dB (default: the range of the grid)"""
    folds: Ints | None = option(None, AXIS)
    """folds of the scenario to run (default: all; cross-condition: one per condition)"""
    train_noise: NoiseName | None = None
    """train every cell on this kind (none: clean windows) and test it on every kind of noises (robust
    protocol; the deployment case of a model that never saw the test noise); default: each row's own kind"""
    thresholds: bool = True
    """record the learned thresholds of DRSN models"""
    shortcut: bool = True
    """the amplitude-shortcut baseline beside the networks (docs/evaluation.md)"""
    paper_curves: bool | None = option(None, PLACE)
    """overlay the paper's accuracy curves (its own data) on the figure (default: on the simulator only)"""
    workers: PositiveInt = option(1, PLACE)
    """cells in parallel (more than 1 needs Ray: pip install "deepshrink[ray]")"""
    address: str | None = option(None, PLACE)
    """Ray cluster address (default: $RAY_ADDRESS, else a local Ray)"""
    threads_per_worker: PositiveInt | None = option(None, PLACE)
    """torch threads per cell (default: the cores divided by the workers)"""
    gpus_per_cell: NonNegativeFloat = option(0.0, PLACE)
    """GPU share of one cell (0.25 packs four cells on a GPU)"""
    out: str = option("benchmark", PLACE)
    """output folder"""

    def validate(self) -> BenchmarkConfig:
        """Check the options (types: jsonargparse; grid rules: here), fill in parsed values, return self."""
        parsed = parse_config(BenchmarkConfig, to_dict(self), source="benchmark")
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(parsed, f.name))
        if self.protocol not in PROTOCOLS:
            raise ConfigError(
                f"protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}", key="protocol"
            )
        if "none" in self.noises:
            raise ConfigError(
                "noise 'none' is evaluated automatically (clean accuracy); list noisy kinds only",
                key="noises",
            )
        if self.train_snr is not None:
            if not isinstance(self.train_snr, (tuple, list)):
                raise ConfigError(
                    f"train_snr must be a range LOW:HIGH in dB, got {self.train_snr!r}", key="train_snr"
                )
            if self.protocol != "robust":
                raise ConfigError(
                    "train_snr applies to the robust protocol only (paper trains at each SNR)",
                    key="train_snr",
                )
            self.train_snr = tuple(self.train_snr)
        if self.train_noise is not None and self.protocol != "robust":
            raise ConfigError(
                "train_noise applies to the robust protocol only (paper trains and tests at each SNR)",
                key="train_noise",
            )
        from deepshrink.models import model_info  # here: the config (and --help) imports without torch

        for name in self.models:
            model_info(name)  # unknown names fail before any training
        return self

    def base(self) -> TrainConfig:
        """The shared training config of every cell."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(TrainConfig)}
        return TrainConfig(**values)

    def cell_folds(self) -> list[int | None]:
        """The folds the grid runs: `folds`, else every fold of the scenario (or [None] for within)."""
        if self.folds is not None:
            return [int(f) for f in self.folds]
        if self.scenario in ("cross-condition", "cross-group"):
            from deepshrink.engine.classify.windowing import (
                folds_of,  # loads the data: only when the folds are asked for
            )

            return folds_of(self.base())
        return [None]


def noise_key(noise: str) -> str:
    """A noise kind as part of a file name: the kind itself, or for recorded:PATH "recorded-NAME-HASH" (the
    path's last part, made safe, and a hash of the whole spelling, so two paths never share a name)."""
    if not is_recorded(noise):
        return noise
    tail = re.sub(r"[^A-Za-z0-9.-]+", "-", Path(split_recorded(noise)[0]).name).strip("-.")[:32]
    digest = hashlib.sha1(noise.encode()).hexdigest()[:8]
    return f"{RECORDED}-{tail + '-' if tail else ''}{digest}"


def cell_key(model: str, noise: str, snr: float | None, seed: int, fold: int | None = None) -> str:
    """The file name (without .json) of a cell; the fold part only where the scenario has folds, so that
    cells of earlier benchmarks keep their names."""
    snr_part = "range" if snr is None else f"{snr:+g}dB"
    fold_part = "" if fold is None else f"__fold{fold}"
    return f"{model}__{noise_key(noise)}__{snr_part}__seed{seed}{fold_part}"


# per-cell options the grid sets (hidden from the benchmark command line)
CELL_FIELDS = fields_with(BenchmarkConfig, CELL)
# options that may change between a run and its resumption: they add cells (grid axes) or only place,
# parallelise or draw the output
GRID_FIELDS = fields_with(BenchmarkConfig, AXIS, PLACE)


@dataclass
class Cell:
    """One training of the grid."""

    model: str
    noise: str
    train_snr: float | None  # None: the robust protocol's SNR range
    seed: int
    fold: int | None = None

    @property
    def key(self) -> str:
        return cell_key(self.model, self.noise, self.train_snr, self.seed, self.fold)


def plan_cells(cfg: BenchmarkConfig) -> list[Cell]:
    """Trainings in run order: seed-major (then fold), so a partial run already covers every model."""
    cells = []
    folds = cfg.cell_folds()
    # with train_noise every cell trains on that one kind and is tested on all of cfg.noises: one row
    rows = [cfg.train_noise] if cfg.train_noise is not None else list(cfg.noises)
    for seed in cfg.seeds:
        for fold in folds:
            for noise in rows:
                snrs: list[float | None] = (
                    [None] if cfg.protocol == "robust" else [float(s) for s in cfg.snrs]
                )
                for snr in snrs:
                    for model in cfg.models:
                        cells.append(Cell(model, noise, snr, int(seed), fold))
    return cells


def training_range(cfg: BenchmarkConfig) -> tuple[float, float]:
    """The robust protocol's training SNR range."""
    snrs = [float(s) for s in cfg.snrs]
    return tuple(cfg.train_snr) if cfg.train_snr is not None else (min(snrs), max(snrs))  # type: ignore[return-value]


def cell_config(cfg: BenchmarkConfig, cell: Cell, out: str | None) -> TrainConfig:
    """The `TrainConfig` of one cell: the benchmark's options with the cell's axes set."""
    robust = cell.train_snr is None
    changes: dict[str, Any] = {
        "model": cell.model,
        "noise": cell.noise,
        "snr": list(training_range(cfg)) if robust else cell.train_snr,
        "noise_mode": "online" if robust else "fixed",
        "seed": cell.seed,
        "fold": cell.fold,
        "eval_noise": list(cfg.noises) if cfg.train_noise is not None else [cell.noise],
        "eval_snr": [float(s) for s in cfg.snrs] if robust else [cell.train_snr],
        "out": out,
    }
    return replace(cfg.base(), **changes)
