"""The options every run shares, in three parts, so that each config declares only what it reads:
`RunBase` (folder, seed, threads: every run), `Optimisation` (how a Lightning training learns) and `Hardware`
(where it runs). `RunOptions` is the three together: the classifier's and the autoencoder's base; the monitor
takes `RunBase` alone and declares the three training options its DAE reads (so `accelerator` is refused
there, never silently ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jsonargparse.typing import NonNegativeFloat, PositiveFloat, PositiveInt

from deepshrink.choices import RecipeName, Schedule
from deepshrink.engine.core.options import CELL, LENGTH, PLACE, option
from deepshrink.errors import ConfigError

__all__ = ["Hardware", "Optimisation", "RunBase", "RunOptions"]

Precision = Literal["32", "32-true", "64", "64-true", "16-mixed", "bf16-mixed"]


@dataclass
class RunBase:
    """What every run has, training or monitoring: its folder, its seed, its threads."""

    out: str | None = option(None, PLACE)
    """run directory to create (or resume)"""
    seed: int = option(0, CELL)
    """seed of everything random in the training (initialisation, batch order, training noise)"""
    threads: PositiveInt | None = option(None, PLACE)
    """torch intra-op threads (default: the cores this process may use)"""

    def check(self) -> None:
        """The checks no type can express (types are checked by jsonargparse); each config adds its own."""


@dataclass
class Optimisation:
    """How a Lightning training learns."""

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


@dataclass
class Hardware:
    """Where a Lightning training runs (its Trainer's accelerator, devices and strategy)."""

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

    def check(self) -> None:
        super().check()  # type: ignore[misc]  # cooperative: RunBase's comes last in every config
        if self.precision in ("16-mixed", "bf16-mixed") and (
            self.accelerator == "cpu" or (self.accelerator == "auto" and not _cuda_available())
        ):
            raise ConfigError(
                f"precision {self.precision} needs a GPU (CPU autocast is slower than float32 here); use 32",
                key="precision",
            )
        if isinstance(self.devices, str) and self.devices != "auto":
            try:
                self.devices = int(self.devices)
            except ValueError:
                pass  # Lightning also accepts device lists like "0,1"
        if isinstance(self.devices, int) and self.devices < 1:
            raise ConfigError(f"devices: must be >= 1 or 'auto', got {self.devices}", key="devices")


@dataclass
class RunOptions(Hardware, Optimisation, RunBase):
    """Options of every Lightning training run (classifier and autoencoder)."""


def _cuda_available() -> bool:
    import torch  # only here: the config (and every --help) imports without torch

    return torch.cuda.is_available()
