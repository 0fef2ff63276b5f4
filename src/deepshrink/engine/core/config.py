"""The one configuration of every training: typed dataclasses, parsed by jsonargparse from YAML and the
command line, saved as `config.yaml` in every run directory (the resume and reproduce contract).

- `RunOptions`: what any training needs (optimisation, hardware, output), shared by both tasks.
- `TrainConfig(RunOptions)`: a classifier under noise: data and scenario, noise, normalisation, evaluation.
- `DenoiseConfig(RunOptions)`: an autoencoder: data, corruption.

Each option is declared ONCE, here, with its type (Literal choices, positive numbers) and its help text (the
attribute docstring): the command line, YAML files, the benchmark grid and the Python API all read these
declarations. `deepshrink train` and `deepshrink benchmark` therefore share their defaults, listed in
docs/defaults.md. Why jsonargparse: it is what LightningCLI is built on, reads dataclasses with their types
and docstrings, and parses YAML and the command line into the same validated object (docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import yaml
from jsonargparse import ArgumentParser
from jsonargparse.typing import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt

from deepshrink.atomic import atomic_write_text
from deepshrink.choices import (
    DAE_CORRUPTION_MODE,
    DAE_LR,
    EVAL_SEED,
    CorruptionKind,
    CorruptionMode,
    Normalize,
    RecipeName,
    Scenario,
    Schedule,
)
from deepshrink.engine.core.option_types import (
    PARSER_MODE,
    Ints,
    Level,
    Names,
    NoiseKinds,
    NoiseName,
    Snr,
    SnrGrid,
    config_error,
    parse_span,
    read_yaml_file,
)
from deepshrink.errors import ConfigError

__all__ = [
    "AXIS",
    "CELL",
    "DATA",
    "LENGTH",
    "PLACE",
    "ROLES",
    "TEST",
    "DenoiseConfig",
    "MonitorConfig",
    "RunOptions",
    "TrainConfig",
    "config_parser",
    "fields_with",
    "load_config",
    "option",
    "parse_config",
    "save_config",
]

# Each option's roles, declared with the option (dataclass field metadata); every list of options with a
# role is derived from these (`fields_with`), so a new option is one declaration:
DATA = "data"  # decides which windows a run sees (the window cache's key; compare_runs' "same windows")
TEST = "test"  # chooses a run's test windows: `evaluate` may change it (never what the run trained on)
CELL = "cell"  # set per cell by the benchmark grid (hidden from `deepshrink benchmark`)
LENGTH = "length"  # how long a run trains: may change when it is resumed
PLACE = "place"  # where or how fast the output is made or drawn, never what: may change on any resume
AXIS = "axis"  # a benchmark grid axis: new values add cells, so a benchmark resumes with more of them
ROLES = (DATA, TEST, CELL, LENGTH, PLACE, AXIS)


def option(
    default: Any = dataclasses.MISSING, *roles: str, factory: Any = None, scenarios: tuple = ()
) -> Any:
    """A config field with its roles (and, for options only some scenarios read, those scenarios).
    `factory` (a mutable default: dict) replaces `default`."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown option role(s) {sorted(unknown)}; roles: {', '.join(ROLES)}")
    metadata = {"roles": frozenset(roles), **({"scenarios": tuple(scenarios)} if scenarios else {})}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def fields_with(cls: type, *roles: str) -> tuple[str, ...]:
    """The options of `cls` having any of `roles`, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("roles", frozenset()) & set(roles))


Precision = Literal["32", "32-true", "64", "64-true", "16-mixed", "bf16-mixed"]


@dataclass
class RunOptions:
    """Options of every training run (both tasks)."""

    out: str | None = option(None, PLACE)
    """run directory to create (or resume)"""
    seed: int = option(0, CELL)
    """seed of everything random in the training (initialisation, batch order, training noise)"""
    epochs: PositiveInt = option(30, LENGTH)
    """training epochs"""
    batch_size: PositiveInt | None = None
    """batch per process (default: the recipe's, 128)"""
    recipe: RecipeName = "adamw"
    """adamw: AdamW 3e-3, warmup, cosine; paper: SGD 0.1, momentum 0.9, x0.1 at 40 and 80 percent of epochs"""
    lr: PositiveFloat | None = None
    """peak learning rate (default: the recipe's)"""
    weight_decay: NonNegativeFloat | None = None
    """weight decay of conv/linear weights (default: the recipe's)"""
    schedule: Schedule = "cosine"
    """adamw learning-rate schedule"""
    warmup_epochs: NonNegativeFloat | None = None
    """adamw warmup (default: 5 percent of the epochs)"""
    patience: PositiveInt | None = option(None, LENGTH)
    """early stopping after this many epochs without improvement (default off)"""
    gradient_clip: PositiveFloat | None = None
    """clip the gradient norm"""
    precision: Precision = "32"
    """32, or 16-mixed / bf16-mixed on a GPU"""
    accelerator: str = "auto"
    """auto, cpu, gpu, ..."""
    devices: int | str = 1
    """devices per node, or auto"""
    num_nodes: PositiveInt = 1
    """nodes"""
    strategy: str = "auto"
    """auto, ddp, ddp_spawn, ..."""
    deterministic: bool = True
    """deterministic kernels (bit-identical CPU runs; slower on some GPUs)"""
    threads: PositiveInt | None = option(None, PLACE)
    """torch intra-op threads (default: the cores this process may use)"""


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
    test_data: str | None = option(None, DATA, TEST)
    """cross-dataset: the data set to test on (trained on `data`)"""
    test_data_kwargs: dict = option(None, DATA, TEST, factory=dict)
    """extra arguments of the test data's loader"""
    labels: Literal["default", "fault"] = option("default", DATA)
    """default: the data set's labels; fault: normal/inner/outer/ball, shared across data sets"""
    classes: Names | None = option(None, DATA)
    """keep only these classes (comma-separated), in this label order"""
    target_rate: PositiveFloat | None = option(None, DATA)
    """resample every recording to this rate in Hz (cross-dataset default: the training data's rate)"""
    window: PositiveInt = option(2048, DATA)
    """window length in samples"""
    stride: PositiveInt | None = option(256, DATA)
    """training window stride (windows overlap inside the training part only)"""
    eval_stride: PositiveInt | None = option(256, DATA)
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


@dataclass
class MonitorConfig(RunOptions):
    """Condition monitoring of one machine: health indicators fitted on its healthy reference snapshots."""

    out: str | None = option(None, PLACE)
    """run directory to create (a new folder; later files stream into it with --run DIR FILES)"""
    data: str = "simulator"
    """simulator (a simulated run to failure) | femto[:PATH] | a snapshot folder | manifest.csv (path,time)"""
    data_kwargs: dict = field(default_factory=dict)
    """extra arguments of the simulator, e.g. {onset: 120, fault: inner}"""
    bearing: str | None = None
    """femto: the bearing to monitor, e.g. Bearing1_1"""
    channel: str | None = None
    """keep one channel (an index, or femto's horizontal / vertical); default all"""
    sample_rate: PositiveFloat | None = None
    """rate in Hz of snapshot files that carry none (.npy, .csv)"""
    interval_s: PositiveFloat | None = None
    """seconds between consecutive snapshot numbers of a folder (gives time_s; femto and simulator know it)"""
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


C = TypeVar("C", TrainConfig, DenoiseConfig, MonitorConfig, RunOptions)


def config_parser(
    cls: type, *, prog: str | None = None, description: str | None = None, skip: set[str] | None = None
) -> ArgumentParser:
    """A jsonargparse parser of `cls`'s options (flat: `--batch_size`), without the keys in `skip`."""
    parser = ArgumentParser(prog=prog, description=description, exit_on_error=False, parser_mode=PARSER_MODE)
    parser.add_class_arguments(cls, nested_key=None, as_group=True, fail_untyped=True, skip=skip or None)
    return parser


def _known(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def parse_config(cls: type[C], values: dict[str, Any], *, source: str = "config") -> C:
    """Validate a mapping of options into `cls` (unknown keys, wrong types and bad values name the key)."""
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: expected a mapping of options, got {type(values).__name__}")
    values = {k.replace("-", "_") if isinstance(k, str) else k: v for k, v in values.items()}
    known = _known(cls)
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{source}: unknown key {key!r}{hint}", key=str(key))
    parser = config_parser(cls)
    try:
        ns = parser.parse_object(values)
    except Exception as err:  # jsonargparse raises ArgumentError / NSKeyError / TypeError variants
        raise config_error(err, source) from None
    cfg = cls(**{k: _builtin(ns[k]) for k in known})
    check(cfg)
    return cfg


def _builtin(v: Any) -> Any:
    """Plain Python values: jsonargparse's restricted numbers (PositiveInt, ...) are subclasses of int and
    float that YAML cannot write; its lists and tuples keep their kind."""
    if isinstance(v, bool) or v is None or type(v) in (int, float, str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, tuple):
        return tuple(_builtin(x) for x in v)
    if isinstance(v, list):
        return [_builtin(x) for x in v]
    if isinstance(v, dict):
        return {k: _builtin(x) for k, x in v.items()}
    return v


#: the options that choose a run's test windows: `evaluate` may change these (never what it trained on)
TEST_SCENARIO_KEYS = fields_with(TrainConfig, TEST)

#: options that only some scenarios read, and which ones
SCENARIO_OPTIONS: dict[str, tuple[str, ...]] = {
    f.name: f.metadata["scenarios"] for f in dataclasses.fields(TrainConfig) if "scenarios" in f.metadata
}


def _cuda_available() -> bool:
    import torch  # only here: the config (and every --help) imports without torch

    return torch.cuda.is_available()


def check(cfg: RunOptions) -> None:
    """The checks no type can express (the types are checked by jsonargparse)."""
    if cfg.precision in ("16-mixed", "bf16-mixed") and (
        cfg.accelerator == "cpu" or (cfg.accelerator == "auto" and not _cuda_available())
    ):
        raise ConfigError(
            f"precision {cfg.precision} needs a GPU (CPU autocast is slower than float32 here); use 32",
            key="precision",
        )
    if isinstance(cfg.devices, str) and cfg.devices != "auto":
        try:
            cfg.devices = int(cfg.devices)
        except ValueError:
            pass  # Lightning also accepts device lists like "0,1"
    if isinstance(cfg.devices, int) and cfg.devices < 1:
        raise ConfigError(f"devices: must be >= 1 or 'auto', got {cfg.devices}", key="devices")
    if isinstance(cfg, TrainConfig):
        fr = tuple(float(v) for v in cfg.split)
        if abs(sum(fr) - 1.0) > 1e-6 or fr[0] <= 0:
            raise ConfigError(
                f"split: expected three fractions >= 0 with train > 0 summing to 1, got {fr}", key="split"
            )
        cfg.split = fr
        if cfg.patience is not None and fr[1] == 0:
            raise ConfigError(
                "patience (early stopping) needs a validation split; set split's middle value > 0",
                key="patience",
            )
        if cfg.scenario == "cross-dataset" and not cfg.test_data:
            raise ConfigError(
                "scenario cross-dataset needs test_data (the data set to test on)", key="test_data"
            )
        if cfg.test_data and cfg.scenario != "cross-dataset":
            raise ConfigError("test_data is for scenario cross-dataset", key="test_data")
        # an option the chosen scenario does not read is an error, never silently ignored
        for key, scenarios in SCENARIO_OPTIONS.items():
            if getattr(cfg, key) is not None and cfg.scenario not in scenarios:
                raise ConfigError(
                    f"{key}: used only by scenario {' or '.join(scenarios)}, but the scenario is "
                    f"{cfg.scenario}; add --scenario {scenarios[0]} (or leave {key} out)",
                    key=key,
                )
    if isinstance(cfg, MonitorConfig):
        if not 0 < cfg.holdout < 1:
            raise ConfigError(f"holdout: must be between 0 and 1, got {cfg.holdout}", key="holdout")
        if not 0 < cfg.false_alarm_rate < 0.5:
            raise ConfigError(
                f"false_alarm_rate: must be in (0, 0.5), got {cfg.false_alarm_rate}", key="false_alarm_rate"
            )
        spans = [k for k in ("healthy", "healthy_s", "reference") if getattr(cfg, k) is not None]
        if len(spans) > 1:
            raise ConfigError(
                f"{spans[0]}: give one of healthy, healthy_s or reference, not {' and '.join(spans)}",
                key=spans[0],
            )
        # persistence: a count of consecutive exceedances (3), or a time they must last (30min)
        seconds, count = parse_span(cfg.persistence, "persistence")
        if (count is not None and count < 1) or (seconds is not None and not seconds > 0):
            raise ConfigError(
                f"persistence: expected a count >= 1 (3) or a time > 0 (30min), got {cfg.persistence!r}",
                key="persistence",
            )
        cfg.persistence = cfg.persistence if count is None else count
        for key in ("reference", "rebaseline") + (() if cfg.skip == "auto" else ("skip",)):
            parse_span(getattr(cfg, key), key)  # a typo answers at once, before any data is read
    if isinstance(cfg, DenoiseConfig) and not 0 < cfg.val_fraction < 1:
        raise ConfigError(
            f"val_fraction: must be between 0 and 1, got {cfg.val_fraction}", key="val_fraction"
        )


def to_dict(cfg: RunOptions) -> dict[str, Any]:
    """Plain YAML-safe values (tuples become lists)."""

    def plain(v: Any) -> Any:
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return {f.name: plain(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}


def load_config(path: str | os.PathLike, cls: type[C] = TrainConfig, **overrides: Any) -> C:
    """Read a YAML config file; keyword overrides win (the command line's options)."""
    values = read_yaml_file(str(path))
    values.update(overrides)
    return parse_config(cls, values, source=str(path))


def save_config(cfg: RunOptions, path: str | os.PathLike) -> None:
    """Write the resolved config as YAML, atomically (`load_config` of it gives back an equal config)."""
    atomic_write_text(path, yaml.safe_dump(to_dict(cfg), sort_keys=False, default_flow_style=None))


#: options that may differ when a run is resumed (they do not change what is trained, only how long or where)
RESUMABLE = tuple(sorted({*fields_with(RunOptions, PLACE, LENGTH), *fields_with(DenoiseConfig, LENGTH)}))


def check_resume(cfg: RunOptions, saved_path: str | os.PathLike) -> None:
    """ConfigError naming the first option that differs from the run's saved config.yaml (any config
    class: classifier and autoencoder runs resume under the same rule); nothing when there is none."""
    if not os.path.isfile(saved_path):
        return
    saved, new = to_dict(load_config(saved_path, type(cfg))), to_dict(cfg)
    resumable = fields_with(type(cfg), PLACE, LENGTH)
    diff = [k for k, v in saved.items() if k not in resumable and new.get(k) != v]
    if diff:
        raise ConfigError(
            f"resume: options differ from the saved run ({', '.join(diff)}); resume with the same options",
            key=diff[0],
        )


def validated(cfg: RunOptions, cls: type[C]) -> C:
    """`cfg` checked as a `cls` (its fields of `cls` only): what the engine's entry points run on configs
    built in Python, which a dataclass alone does not check."""
    return parse_config(cls, {f.name: to_dict(cfg)[f.name] for f in dataclasses.fields(cls)}, source="config")


def replace(cfg: C, **changes: Any) -> C:
    """A validated copy of `cfg` with some options changed (how the benchmark builds each cell)."""
    return parse_config(type(cfg), {**to_dict(cfg), **changes}, source="config")


__all__ += ["RESUMABLE", "Ints", "Snr", "SnrGrid", "check", "check_resume", "replace", "to_dict", "validated"]
