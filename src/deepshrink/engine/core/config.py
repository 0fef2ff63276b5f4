"""The one configuration of every training: typed dataclasses, parsed by jsonargparse from YAML and the
command line, saved as `config.yaml` in every run directory (the resume and reproduce contract).

- `RunBase`: what every run has (where it goes, its seed, its threads); `Optimisation` and `Hardware`: how a
  Lightning training learns and where it runs. `RunOptions` is the three together.
- `TrainConfig(RunOptions)`: a classifier under noise: data and scenario, noise, normalisation, evaluation.
- `DenoiseConfig(RunOptions)`: an autoencoder: data, corruption.
- `MonitorConfig(RunBase)`: condition monitoring; it declares the few training options its DAE reads, and no
  hardware or recipe option it would ignore.

Each option is declared ONCE, here, with its type (Literal choices, positive numbers) and its help text (the
attribute docstring): the command line, YAML files, the benchmark grid and the Python API all read these
declarations. Each config checks what no type can express in its own `check()` (called by `parse_config`).
`deepshrink train` and `deepshrink benchmark` therefore share their defaults, listed in docs/defaults.md. Why
jsonargparse: it is what LightningCLI is built on, reads dataclasses with their types and docstrings, and
parses YAML and the command line into the same validated object (docs/architecture.md). The machinery
(roles, parsing, saving) is in `options.py`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from jsonargparse.typing import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt

from deepshrink.choices import (
    DAE_CORRUPTION_MODE,
    DAE_LR,
    EVAL_SEED,
    CorruptionKind,
    CorruptionMode,
    Normalize,
    Scenario,
)
from deepshrink.engine.core import options as _options
from deepshrink.engine.core.option_types import (
    Ints,
    Level,
    Names,
    NoiseKinds,
    NoiseName,
    Snr,
    SnrGrid,
    parse_span,
    parse_zones,
)
from deepshrink.engine.core.options import (
    CELL,
    DATA,
    LENGTH,
    PLACE,
    SIGNAL,
    TEST,
    fields_with,
    option,
)
from deepshrink.engine.core.run_options import Hardware, Optimisation, RunBase, RunOptions
from deepshrink.errors import ConfigError

__all__ = [
    "RESUMABLE",
    "DenoiseConfig",
    "Hardware",
    "Ints",
    "MonitorConfig",
    "Optimisation",
    "RunBase",
    "RunOptions",
    "Snr",
    "SnrGrid",
    "TrainConfig",
    "load_config",
]


@dataclass
class TrainConfig(RunOptions):
    """A classifier (DRSN, ResNet, ConvNet) trained on noisy windows, then evaluated across SNRs."""

    model: str = option("drsn_cw_paper", CELL)
    """registered model name (see `deepshrink models`)"""
    model_kwargs: dict = field(default_factory=dict)
    """extra model arguments, e.g. {threshold: firm}"""
    data: str = option("simulator", DATA)
    """simulator | cwru[:PATH] | uestc[:PATH] | mfpt[:PATH] | pu[:PATH] | manifest.csv | label folder"""
    data_kwargs: dict = option(None, DATA, factory=dict)
    """extra arguments of the data loader, e.g. {loads: [0, 1, 2, 3]}"""
    test_data: str | None = option(None, DATA, TEST, SIGNAL)
    """cross-dataset: the data set to test on (trained on `data`)"""
    test_data_kwargs: dict = option(None, DATA, TEST, factory=dict)
    """extra arguments of the test data's loader"""
    labels: Literal["default", "fault"] = option("default", DATA, SIGNAL)
    """default: the data set's labels; fault: normal/inner/outer/ball, shared across data sets"""
    classes: Names | None = option(None, DATA)
    """keep only these classes (comma-separated), in this label order"""
    target_rate: PositiveFloat | None = option(None, DATA, SIGNAL)
    """resample every recording to this rate in Hz (cross-dataset default: the training data's rate)"""
    window: PositiveInt = option(2048, DATA, SIGNAL)
    """window length in samples"""
    stride: PositiveInt | None = option(256, DATA, SIGNAL)
    """training window stride (windows overlap inside the training part only)"""
    eval_stride: PositiveInt | None = option(256, DATA, SIGNAL)
    """validation and test window stride"""
    split: tuple[NonNegativeFloat, NonNegativeFloat, NonNegativeFloat] = option((0.7, 0.15, 0.15), DATA)
    """train, val, test fractions (within: of every recording in time; others: see docs/evaluation.md)"""
    scenario: Scenario = option("within", DATA, TEST)
    """within | cross-condition | cross-group | cross-dataset (docs/evaluation.md)"""
    fold: NonNegativeInt | None = option(None, DATA, TEST, CELL, scenarios=("cross-condition", "cross-group"))
    """cross-condition / cross-group fold: tests the fold-th condition / group of every class"""
    train_conditions: Names | None = option(None, DATA, scenarios=("cross-condition",))
    """cross-condition: conditions to train on (default: all but the test ones)"""
    test_conditions: Names | None = option(None, DATA, TEST, scenarios=("cross-condition",))
    """cross-condition: conditions to test on"""
    test_groups: Names | None = option(None, DATA, TEST, scenarios=("cross-group",))
    """cross-group: groups (physical units) to test on"""
    split_seed: int = option(0, DATA)
    """seed of random group allocation (the split does not vary with `seed`)"""
    noise: NoiseName = option("gaussian", CELL)
    """training noise kind: none, a generated kind (gaussian, laplacian, uniform, pink, brown, blue) or
    recorded:PATH (segments of the recordings PATH names: a file, folder or glob; see docs/evaluation.md)"""
    snr: Snr = option((-5.0, 5.0), CELL)
    """training SNR in dB, or LOW:HIGH drawn per window"""
    noise_mode: Literal["online", "fixed"] = option("online", CELL)
    """online: fresh noise every batch; fixed: drawn once per window and kept (the paper's protocol)"""
    normalize: Normalize = "zscore"
    """per-window normalisation after the noise (none: the paper's setting; see docs/evaluation.md)"""
    monitor: Literal["val_loss", "val_acc"] = "val_loss"
    """what the best checkpoint and early stopping follow"""
    eval_noise: NoiseKinds | None = option(None, CELL)
    """noise kinds of the final evaluation (default: the training noise)"""
    eval_snr: SnrGrid | None = option(None, CELL)
    """SNRs of the final evaluation (default: the training range in 1 dB steps, or the training SNR)"""
    eval_seed: int = EVAL_SEED
    """seed of the evaluation noise (the same windows for every model)"""

    def resolved_eval(self) -> tuple[list[str], list[float]]:
        """(noise kinds, SNRs) of the final evaluation, defaults filled in."""
        kinds = list(self.eval_noise) if self.eval_noise else ([self.noise] if self.noise != "none" else [])
        if self.eval_snr is not None:
            snrs = list(self.eval_snr)
        elif isinstance(self.snr, (tuple, list)):
            snrs = SnrGrid.parse(f"{self.snr[0]}:{self.snr[1]}")
        else:
            snrs = [float(self.snr)]
        return kinds, snrs

    def check(self) -> None:
        super().check()
        fr = tuple(float(v) for v in self.split)
        if abs(sum(fr) - 1.0) > 1e-6 or fr[0] <= 0:
            raise ConfigError(
                f"split: expected three fractions >= 0 with train > 0 summing to 1, got {fr}", key="split"
            )
        self.split = fr
        if self.patience is not None and fr[1] == 0:
            raise ConfigError(
                "patience (early stopping) needs a validation split; set split's middle value > 0",
                key="patience",
            )
        if self.scenario == "cross-dataset" and not self.test_data:
            raise ConfigError(
                "scenario cross-dataset needs test_data (the data set to test on)", key="test_data"
            )
        if self.test_data and self.scenario != "cross-dataset":
            raise ConfigError("test_data is for scenario cross-dataset", key="test_data")
        # an option the chosen scenario does not read is an error, never silently ignored
        for f in dataclasses.fields(self):
            scenarios = f.metadata.get("scenarios")
            if scenarios and getattr(self, f.name) is not None and self.scenario not in scenarios:
                raise ConfigError(
                    f"{f.name}: used only by scenario {' or '.join(scenarios)}, but the scenario is "
                    f"{self.scenario}; add --scenario {scenarios[0]} (or leave {f.name} out)",
                    key=f.name,
                )


@dataclass
class DenoiseConfig(RunOptions):
    """A (denoising) autoencoder trained to reconstruct clean examples from corrupted ones."""

    model: str | None = None
    """registered autoencoder (default dae_conv2d for images, dae_conv1d for signals)"""
    model_kwargs: dict = field(default_factory=dict)
    """extra model arguments"""
    data: str = "digits"
    """digits | mnist[:PATH] | simulator | cwru[:PATH] | uestc[:PATH] | manifest.csv | an .npy file"""
    kind: Literal["image", "signal"] | None = None
    """how to read a 3-D .npy array (N, A, B)"""
    window: PositiveInt = 1024
    """window length of signal data"""
    val_fraction: float = 0.1
    """held-out fraction of the examples (validation, evaluation, anomaly threshold)"""
    corruption: CorruptionKind = "gaussian"
    """gaussian (std; signals in units of their RMS), salt_pepper or masking (fractions)"""
    level: Level | None = None
    """corruption level or LOW:HIGH (default 0.5 / 0.2 / 0.4 by corruption)"""
    blind: bool = True
    """each example draws its level from 0..level (blind denoiser) instead of exactly level"""
    corruption_mode: CorruptionMode = DAE_CORRUPTION_MODE
    """per_entry: each entry hit with probability level; exact: exactly level * n entries"""
    epochs: PositiveInt | None = option(None, LENGTH)
    """default: about 100,000 examples seen (5 to 100 epochs)"""
    lr: PositiveFloat | None = DAE_LR
    """peak learning rate"""
    weight_decay: NonNegativeFloat | None = 0.0
    """weight decay"""
    max_minutes: PositiveFloat | None = option(None, LENGTH)
    """stop training after this many minutes"""

    def check(self) -> None:
        super().check()
        if not 0 < self.val_fraction < 1:
            raise ConfigError(
                f"val_fraction: must be between 0 and 1, got {self.val_fraction}", key="val_fraction"
            )


@dataclass
class MonitorConfig(RunBase):
    """Condition monitoring of one machine: health indicators fitted on its healthy reference snapshots."""

    out: str | None = option(None, PLACE)
    """run directory to create (a new folder; later files stream into it with --run DIR FILES)"""
    data: str = "simulator"
    """simulator (a simulated run to failure) | femto[:PATH] | a snapshot folder | manifest.csv (path,time)"""
    data_kwargs: dict = field(default_factory=dict)
    """extra arguments of the simulator, e.g. {onset: 120, fault: inner}"""
    bearing: str | None = None
    """femto: the bearing to monitor, e.g. Bearing1_1"""
    channels: str | None = None
    """the channels to keep, comma-separated: column names of a CSV header (acc_h_g,acc_v_g), indices (4,5),
    or femto's horizontal / vertical; default all (a column that looks like a clock gets a warning)"""
    sample_rate: PositiveFloat | None = None
    """rate in Hz of snapshot files that carry none (.npy, .csv)"""
    interval_s: PositiveFloat | None = None
    """seconds between consecutive snapshot numbers of a folder (gives time_s; femto and simulator know it)"""
    time_from: Literal["number", "name"] = "number"
    """a folder's snapshot times: number (the number in each name times --interval_s) or name (a time stamp in
    each name: 2004.02.12.10.32.39, 20240101T120000 or 20240101_120000, 2024-01-01T12:00:00 or
    2024-01-01 12-00-00, read as UTC)"""
    skip: str | None = "auto"
    """the running-in left out before the reference: auto (detected: the level settles within 0.5 dB), a time
    (90min, 2h) or a count of snapshots"""
    reference: str | None = None
    """the reference's span after the skip: a time (2h) or a count (default 2 h, at most a quarter of the
    time given)"""
    rebaseline: str | None = None
    """after maintenance: the reference starts again at this time (12h) or snapshot count; rows before it are
    kept as history and never alarm"""
    healthy: PositiveInt | None = None
    """instead of reference: N snapshots after the skip"""
    healthy_s: PositiveFloat | None = None
    """instead of reference: this many seconds after the skip"""
    unit: Literal["g", "m/s2"] | None = None
    """the snapshots' acceleration unit: adds velocity RMS in mm/s over 10-1,000 Hz (ISO 20816's quantity)
    and prints thresholds with their units"""
    zones: str | None = None
    """velocity zone boundaries A/B,B/C,C/D in mm/s for this machine (its group and foundation in your copy of
    ISO 20816 / ISO 10816), e.g. 1.4,2.8,4.5: the verdict line adds the velocity's zone (needs the unit)"""
    geometry: str | None = None
    """the bearing, for the envelope family of every snapshot (what is failing): a name (6205) or
    BALLS,BALL_D,PITCH_D[,ANGLE_DEG]; the simulator's is known"""
    rpm: PositiveFloat | None = None
    """shaft speed for --geometry (default: the data's, or each snapshot's condition)"""
    holdout: float = 1 / 3
    """fraction of the reference held back (the last snapshots of each condition) to set the thresholds"""
    false_alarm_rate: float = 0.01
    """probability that one healthy snapshot exceeds a threshold"""
    persistence: int | str = 3
    """an alarm needs this many consecutive exceedances (3), or exceedances lasting this long (30min)"""
    model: str = "dae_shrink1d"
    """registered signal autoencoder of the dae indicator"""
    model_kwargs: dict = field(default_factory=dict)
    """extra model arguments (the U-Net DAEs default to widths [8, 16, 32] and kernel_size 5 here)"""
    window: PositiveInt = 1024
    """DAE and IsolationForest window length in samples"""
    level: PositiveFloat = 0.5
    """DAE training corruption: Gaussian std up to this, in units of the reference RMS (blind)"""
    epochs: PositiveInt | None = option(None, LENGTH)
    """DAE epochs (default: about 4,000 windows seen, 10 to 100 epochs)"""
    batch_size: PositiveInt | None = 64
    """DAE batch size"""
    lr: PositiveFloat | None = DAE_LR
    """DAE peak learning rate"""

    def check(self) -> None:
        super().check()
        if not 0 < self.holdout < 1:
            raise ConfigError(f"holdout: must be between 0 and 1, got {self.holdout}", key="holdout")
        if not 0 < self.false_alarm_rate < 0.5:
            raise ConfigError(
                f"false_alarm_rate: must be in (0, 0.5), got {self.false_alarm_rate}", key="false_alarm_rate"
            )
        spans = [k for k in ("healthy", "healthy_s", "reference") if getattr(self, k) is not None]
        if len(spans) > 1:
            raise ConfigError(
                f"{spans[0]}: give one of healthy, healthy_s or reference, not {' and '.join(spans)}",
                key=spans[0],
            )
        # persistence: a count of consecutive exceedances (3), or a time they must last (30min)
        seconds, count = parse_span(self.persistence, "persistence")
        if (count is not None and count < 1) or (seconds is not None and not seconds > 0):
            raise ConfigError(
                f"persistence: expected a count >= 1 (3) or a time > 0 (30min), got {self.persistence!r}",
                key="persistence",
            )
        self.persistence = self.persistence if count is None else count
        parse_zones(self.zones)
        for key in ("reference", "rebaseline") + (() if self.skip == "auto" else ("skip",)):
            parse_span(getattr(self, key), key)  # a typo answers at once, before any data is read


C = TypeVar("C", TrainConfig, DenoiseConfig, MonitorConfig, RunOptions)


def load_config(path: str | os.PathLike, cls: type[C] = TrainConfig, **overrides: Any) -> C:
    """Read a YAML config file (a classifier's unless `cls` says); keyword overrides win (the command
    line's options)."""
    return _options.load_config(path, cls, **overrides)


#: the options that choose a run's test windows: `evaluate` may change these (never what it trained on)
TEST_SCENARIO_KEYS = fields_with(TrainConfig, TEST)

#: options that only some scenarios read, and which ones
SCENARIO_OPTIONS: dict[str, tuple[str, ...]] = {
    f.name: f.metadata["scenarios"] for f in dataclasses.fields(TrainConfig) if "scenarios" in f.metadata
}

#: options that may differ when a run is resumed (they do not change what is trained, only how long or where)
RESUMABLE = tuple(sorted({*fields_with(RunOptions, PLACE, LENGTH), *fields_with(DenoiseConfig, LENGTH)}))
