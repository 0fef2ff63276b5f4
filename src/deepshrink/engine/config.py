"""Training configuration: one dataclass, settable from YAML and from the command line, saved with every run.

`TrainConfig.from_dict` rejects unknown keys and bad values with a `ConfigError` naming the key, and
`load_config(save_config(cfg)) == cfg` (the resolved config in a run directory reproduces the run).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepshrink.errors import ConfigError, DataError

RECIPES = ("paper", "adamw")
SCHEDULES = ("cosine", "onecycle")
NOISE_MODES = ("online", "fixed")
NORMALIZE_MODES = ("none", "zscore", "minmax")
PRECISIONS = ("32", "32-true", "64", "64-true", "16-mixed", "bf16-mixed")
MONITORS = ("val_loss", "val_acc")


def parse_snr(text: str | float | int | list | tuple) -> float | tuple[float, float]:
    """Training SNR: a number of dB, or "LOW:HIGH" (a range sampled uniformly per example)."""
    if isinstance(text, bool):
        raise ConfigError(f"bad SNR {text!r}: expected a number of dB or LOW:HIGH")
    if isinstance(text, (int, float)):
        return _finite(float(text), text)
    if isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        parts = str(text).strip().split(":")
    try:
        values = [_finite(float(p), text) for p in parts]
    except (TypeError, ValueError):
        raise ConfigError(f"bad SNR {text!r}: expected a number of dB or LOW:HIGH, e.g. 0 or -5:5") from None
    if len(values) == 1:
        return values[0]
    if len(values) != 2 or values[0] > values[1]:
        raise ConfigError(f"bad SNR {text!r}: expected LOW:HIGH with LOW <= HIGH, e.g. -5:5")
    return (values[0], values[1])


def parse_snr_grid(text: str | float | list | tuple) -> list[float]:
    """Evaluation SNR grid: "DB", "LOW:HIGH" (step 1 dB), "LOW:HIGH:STEP" (inclusive) or "A,B,C"."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return [_finite(float(text), text)]
    if isinstance(text, (list, tuple)):
        return [parse_snr(v) for v in text]  # type: ignore[misc]
    s = str(text).strip()
    try:
        if "," in s:
            return [_finite(float(p), text) for p in s.split(",")]
        parts = [_finite(float(p), text) for p in s.split(":")]
    except ValueError:
        raise ConfigError(f"bad SNR grid {text!r}: expected DB, LOW:HIGH[:STEP] or A,B,C (dB)") from None
    if len(parts) == 1:
        return parts
    if len(parts) not in (2, 3):
        raise ConfigError(f"bad SNR grid {text!r}: expected LOW:HIGH[:STEP]")
    low, high = parts[0], parts[1]
    step = parts[2] if len(parts) == 3 else 1.0
    if step <= 0 or low > high:
        raise ConfigError(f"bad SNR grid {text!r}: need LOW <= HIGH and STEP > 0")
    n = math.floor((high - low) / step + 1e-9) + 1
    if n > 1000:
        raise ConfigError(f"bad SNR grid {text!r}: {n} levels is too many (at most 1000)")
    return [round(low + i * step, 10) for i in range(n)]


def _finite(value: float, text: Any) -> float:
    if not math.isfinite(value):
        raise ConfigError(f"bad SNR {text!r}: must be finite")
    return value


@dataclass
class TrainConfig:
    """Everything that defines a training run (the resolved form is saved as `config.yaml` in the run dir).

    Data: `data` is a `load_recordings` spec ("simulator", "cwru:PATH", a manifest .csv or a label folder);
    `window`/`stride`/`eval_stride`/`split`/`split_by` go to `make_windows`.
    Noise: `noise` kind and `snr` (dB or (low, high) sampled per example); `noise_mode="online"` draws fresh
    noise for every batch (seeded from seed, epoch and batch index, so a resumed run draws the same noise),
    `"fixed"` draws it once per training window and keeps it (the paper's protocol). Validation windows always
    get fixed per-window noise. `normalize` is applied per window after the noise.
    Optimisation: `recipe` "paper" (SGD 0.1, momentum 0.9, x0.1 at 40 % and 80 % of the epochs, wd 1e-4,
    batch 128) or "adamw" (AdamW 1e-3, wd 1e-2, warmup + `schedule`); `lr`, `weight_decay`, `batch_size`
    override the recipe. `batch_size` is per process. `patience` enables early stopping on `monitor`.
    `precision` "16-mixed"/"bf16-mixed" need a GPU (refused on CPU with a ConfigError: CPU autocast is
    slower than float32 for these convolutions and changes the numbers).
    """

    model: str = "drsn_cw_paper"
    model_kwargs: dict = field(default_factory=dict)
    data: str = "simulator"
    data_kwargs: dict = field(default_factory=dict)
    window: int = 2048
    stride: int | None = None
    eval_stride: int | None = None
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    split_by: str = "time"
    noise: str = "gaussian"
    snr: float | tuple[float, float] = 0.0
    noise_mode: str = "online"
    normalize: str = "zscore"
    recipe: str = "paper"
    epochs: int = 100
    batch_size: int | None = None
    lr: float | None = None
    weight_decay: float | None = None
    schedule: str = "cosine"
    warmup_epochs: float | None = None
    patience: int | None = None
    monitor: str = "val_loss"
    gradient_clip: float | None = None
    precision: str = "32"
    seed: int = 0
    accelerator: str = "auto"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    deterministic: bool = True
    out: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    # --- validation ------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every field; raise `ConfigError` naming the first bad one."""
        self.snr = parse_snr(self.snr)
        self.split = _split(self.split)
        for name, allowed in (
            ("recipe", RECIPES),
            ("schedule", SCHEDULES),
            ("noise_mode", NOISE_MODES),
            ("normalize", NORMALIZE_MODES),
            ("precision", PRECISIONS),
            ("monitor", MONITORS),
        ):
            value = str(getattr(self, name))
            if value not in allowed:
                raise ConfigError(f"config {name}: {value!r} is not one of {', '.join(allowed)}")
            setattr(self, name, value)
        for name in ("window", "epochs", "num_nodes"):
            _positive_int(self, name)
        for name in ("stride", "eval_stride", "batch_size", "patience"):
            if getattr(self, name) is not None:
                _positive_int(self, name)
        for name in ("lr", "weight_decay", "gradient_clip", "warmup_epochs"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"config {name}: expected a number, got {value!r}") from None
            if not math.isfinite(value) or value < 0 or (name == "lr" and value == 0):
                raise ConfigError(f"config {name}: must be a finite number > 0, got {value!r}")
            setattr(self, name, value)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"config seed: expected an integer, got {self.seed!r}")
        if not isinstance(self.model_kwargs, dict) or not isinstance(self.data_kwargs, dict):
            raise ConfigError("config model_kwargs / data_kwargs: expected a mapping")
        if isinstance(self.devices, str) and self.devices != "auto":
            try:
                self.devices = int(self.devices)
            except ValueError:
                pass  # Lightning also accepts device lists like "0,1"
        if isinstance(self.devices, int) and self.devices < 1:
            raise ConfigError(f"config devices: must be >= 1 or 'auto', got {self.devices}")
        if not isinstance(self.deterministic, bool):
            raise ConfigError(f"config deterministic: expected true/false, got {self.deterministic!r}")

    # --- dict / YAML ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "config") -> TrainConfig:
        """Build from a mapping; unknown keys raise `ConfigError` naming the key and `source`."""
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: expected a mapping of options, got {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k.replace("-", "_") if isinstance(k, str) else k: v for k, v in values.items()}
        for key in values:
            if key not in known:
                import difflib

                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"{source}: unknown key {key!r}{hint}")
        try:
            return cls(**values)
        except TypeError as err:
            raise ConfigError(f"{source}: {err}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML-safe dict (tuples become lists)."""
        out = dataclasses.asdict(self)
        out["split"] = list(self.split)
        if isinstance(self.snr, tuple):
            out["snr"] = list(self.snr)
        return out

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)

    @property
    def snr_text(self) -> str:
        """The SNR as a user would type it ("0" or "-5:5")."""
        if isinstance(self.snr, tuple):
            return f"{self.snr[0]:g}:{self.snr[1]:g}"
        return f"{self.snr:g}"


def _split(value: Any) -> tuple[float, float, float]:
    try:
        parts = tuple(float(v) for v in (value.split(",") if isinstance(value, str) else value))
    except (TypeError, ValueError):
        raise ConfigError(
            f"config split: expected three fractions like 0.7,0.15,0.15, got {value!r}"
        ) from None
    if len(parts) != 3 or min(parts) < 0 or abs(sum(parts) - 1.0) > 1e-6 or parts[0] == 0:
        raise ConfigError(f"config split: expected three fractions >= 0 summing to 1, got {value!r}")
    return parts  # type: ignore[return-value]


def _positive_int(cfg: TrainConfig, name: str) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("+").isdigit():
            value = int(value)
        else:
            raise ConfigError(f"config {name}: expected a positive integer, got {value!r}")
    if value < 1:
        raise ConfigError(f"config {name}: expected a positive integer, got {value!r}")
    setattr(cfg, name, value)


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML mapping; a missing or malformed file raises `DataError` naming it."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{p}: config file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{p}: cannot read config file ({err})") from None
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{p}: invalid YAML{where}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise DataError(f"{p}: expected a mapping of options at the top level, got {type(values).__name__}")
    return values


def load_config(path: str | os.PathLike, **overrides: Any) -> TrainConfig:
    """Read a YAML config file; keyword overrides win (the command line's options)."""
    values = read_yaml(path)
    values.update(overrides)
    return TrainConfig.from_dict(values, source=str(path))


def save_config(cfg: TrainConfig, path: str | os.PathLike) -> Path:
    """Write the resolved config as YAML, atomically."""
    import yaml

    from deepshrink.engine.artifacts import atomic_write_text

    text = yaml.safe_dump(cfg.to_dict(), sort_keys=False, default_flow_style=None)
    return atomic_write_text(path, text)
