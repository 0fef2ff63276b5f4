"""nn.Module wrappers of the noise and corruption functions, for data pipelines and training loops.

Every transform takes `forward(x, generator=None)` and returns a new tensor (the input is never modified).
Where the randomness comes from, in order of precedence:

1. a `generator` passed at call time (a `torch.Generator` on x's device);
2. the transform's own generator, created on first use on each device from `seed=` given at construction:
   successive calls draw fresh noise, and the stream is reproducible from the seed (`reset()` restarts it);
3. with neither, torch's global RNG (seed it with `torch.manual_seed`).

Copies of a seeded transform (e.g. one per DataLoader worker) start the same stream, so pass a generator per
worker when workers must differ. Options are checked at construction, so a bad value fails before training.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.functional.corruption import (
    CorruptionMode,
    _check_fill,
    _check_mode,
    check_fraction,
    corrupt,
    gaussian_noise,
    level_range,
    masking_noise,
    missing_values,
    salt_and_pepper,
)
from deepshrink.functional.noise import NoiseBank, _check_kind, add_noise, check_snr_spec

__all__ = [
    "AddNoise",
    "Compose",
    "Corrupt",
    "GaussianNoise",
    "MaskingNoise",
    "MissingValues",
    "SaltAndPepper",
]


def _fmt(value: object) -> str:
    return repr(tuple(value)) if isinstance(value, list) else repr(value)


class _RandomTransform(nn.Module):
    """Base class: the seed / generator bookkeeping shared by every random transform."""

    def __init__(self, *, seed: int | None = None) -> None:
        super().__init__()
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError(f"seed: expected an int or None, got {seed!r}")
        self.seed = seed
        self._generators: dict[str, torch.Generator] = {}

    def reset(self) -> None:
        """Restart the seeded random stream (no effect without `seed`)."""
        self._generators.clear()

    def _generator(self, x: Tensor, generator: torch.Generator | None) -> torch.Generator | None:
        if generator is not None or self.seed is None:
            return generator
        key = str(x.device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=x.device).manual_seed(self.seed)
        return self._generators[key]

    def _repr_options(self) -> list[str]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """The parameters, shown by `repr`."""
        options = self._repr_options()
        if self.seed is not None:
            options.append(f"seed={self.seed}")
        return ", ".join(options)


class AddNoise(_RandomTransform):
    """Add noise at an exact per-example SNR: `deepshrink.functional.add_noise` as a module.

    `snr_db` is a number or a (low, high) range (one SNR per example, drawn uniformly); `kind` one of
    `NOISE_KINDS`, "none" or "recorded"; `beta` only with kind="colored"; `bank` (a `NoiseBank`, kept on
    the module's device as a buffer) only with recorded noise.
    """

    def __init__(
        self,
        snr_db: float | tuple[float, float],
        kind: str = "gaussian",
        *,
        beta: float | None = None,
        bank: NoiseBank | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if isinstance(snr_db, Tensor):
            raise ConfigError("snr_db: a transform takes a number or a (low, high) range, not a tensor")
        check_snr_spec(snr_db)
        _check_kind(kind, beta, bank)
        self.snr_db = tuple(snr_db) if isinstance(snr_db, (tuple, list)) else float(snr_db)
        self.kind = kind
        self.beta = beta
        self._lengths = bank.lengths if bank is not None else None
        # a buffer, so that .to(device) moves the recordings with the module
        self.register_buffer("bank_data", bank.data if bank is not None else None, persistent=False)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The noisy copy of `x` (B, ...) or (L,)."""
        bank = None if self._lengths is None else NoiseBank(self.bank_data, self._lengths)
        g = self._generator(x, generator)
        return add_noise(x, self.snr_db, self.kind, generator=g, beta=self.beta, bank=bank)

    def _repr_options(self) -> list[str]:
        options = [f"snr_db={_fmt(self.snr_db)}", f"kind={self.kind!r}"]
        if self.beta is not None:
            options.append(f"beta={self.beta}")
        return options


class GaussianNoise(_RandomTransform):
    """Per-entry additive Gaussian noise with a fixed `std` or at an exact `snr_db`, optionally clipped.

    See `deepshrink.functional.gaussian_noise`; exactly one of `std` and `snr_db`.
    """

    def __init__(
        self,
        std: float | None = None,
        *,
        snr_db: float | tuple[float, float] | None = None,
        clip: tuple[float, float] | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if (std is None) == (snr_db is None):
            raise ConfigError("std/snr_db: give exactly one of std= and snr_db=")
        if std is not None and (isinstance(std, bool) or not isinstance(std, (int, float))):
            raise ConfigError(f"std: a transform takes a number >= 0, got {std!r}")
        if snr_db is not None:
            check_snr_spec(snr_db)
        self.std = std
        self.snr_db = tuple(snr_db) if isinstance(snr_db, (tuple, list)) else snr_db
        self.clip = None if clip is None else tuple(clip)
        # check std and clip now, not at the first batch (a private generator leaves the global RNG alone)
        gaussian_noise(
            torch.zeros(1), std=0.0 if std is None else std, clip=self.clip, generator=torch.Generator()
        )

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The noisy copy of `x`."""
        return gaussian_noise(
            x, std=self.std, snr_db=self.snr_db, clip=self.clip, generator=self._generator(x, generator)
        )

    def _repr_options(self) -> list[str]:
        options = [f"std={self.std}"] if self.std is not None else [f"snr_db={_fmt(self.snr_db)}"]
        if self.clip is not None:
            options.append(f"clip={self.clip}")
        return options


class MaskingNoise(_RandomTransform):
    """Set exactly a fraction `p` of each example's entries to `fill` (`functional.masking_noise`)."""

    def __init__(self, p: float, *, fill: float = 0.0, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        check_fraction(p)
        self.p = float(p)
        self.fill = _check_fill(fill)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The masked copy of `x`."""
        return masking_noise(x, self.p, fill=self.fill, generator=self._generator(x, generator))

    def _repr_options(self) -> list[str]:
        return [f"p={self.p}", f"fill={self.fill}"]


class SaltAndPepper(_RandomTransform):
    """Set a fraction `p` of entries to `low` or `high`, half each (`functional.salt_and_pepper`).

    `low`/`high` default to 0/1 for data in [0, 1], else to the batch's min/max.
    """

    def __init__(
        self, p: float, *, low: float | None = None, high: float | None = None, seed: int | None = None
    ) -> None:
        super().__init__(seed=seed)
        check_fraction(p)
        self.p = float(p)
        self.low = None if low is None else _check_fill(low, "low")
        self.high = None if high is None else _check_fill(high, "high")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The corrupted copy of `x`."""
        return salt_and_pepper(
            x, self.p, low=self.low, high=self.high, generator=self._generator(x, generator)
        )

    def _repr_options(self) -> list[str]:
        return [f"p={self.p}", f"low={self.low}", f"high={self.high}"]


class MissingValues(_RandomTransform):
    """Remove exactly a fraction `p` of each example's entries (`functional.missing_values`).

    mode="nan" returns x with NaN there; mode="mask" returns `(x_filled, observed)`, so in a `Compose` it can
    only be the last transform.
    """

    def __init__(self, p: float, *, mode: str = "nan", fill: float = 0.0, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        check_fraction(p)
        if mode not in ("nan", "mask"):
            raise ConfigError(f"mode: expected 'nan' or 'mask', got {mode!r}")
        self.p = float(p)
        self.mode = mode
        self.fill = _check_fill(fill)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor | tuple[Tensor, Tensor]:
        """The copy of `x` with missing entries (and the observed mask in mode "mask")."""
        return missing_values(
            x, self.p, mode=self.mode, fill=self.fill, generator=self._generator(x, generator)
        )

    def _repr_options(self) -> list[str]:
        options = [f"p={self.p}", f"mode={self.mode!r}"]
        if self.mode == "mask":
            options.append(f"fill={self.fill}")
        return options


class Corrupt(_RandomTransform):
    """One DAE corruption with a level drawn per example (`functional.corrupt`): what the DAE task applies.

    kind: "gaussian" (level = std), "masking" / "salt_pepper" (level = fraction) or "none". level: a number
    (fixed, or with `blind=True` drawn from U(0, level)) or a (low, high) range. mode: "exact" counts or
    "per_entry" Bernoulli draws. clip: the data range Gaussian outputs are clamped to (and salt-and-pepper's
    values). `forward(x, generator, return_mask=True)` also returns the mask of corrupted entries (for the
    emphasised denoising loss).
    """

    def __init__(
        self,
        kind: str,
        level: float | tuple[float, float],
        *,
        blind: bool = False,
        mode: CorruptionMode = "exact",
        clip: tuple[float, float] | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        _check_mode(mode)
        if kind != "none":
            level_range(kind, level, blind)  # fail at construction, not at the first batch
        self.kind, self.blind, self.mode = kind, bool(blind), mode
        self.level = tuple(level) if isinstance(level, (tuple, list)) else float(level)
        self.clip = None if clip is None else (float(clip[0]), float(clip[1]))

    def forward(
        self, x: Tensor, generator: torch.Generator | None = None, *, return_mask: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """The corrupted copy of `x` (and the mask of corrupted entries with `return_mask=True`)."""
        noisy, mask = corrupt(
            x,
            self.kind,
            self.level,
            generator=self._generator(x, generator),
            blind=self.blind,
            mode=self.mode,
            clip=self.clip,
        )
        return (noisy, mask) if return_mask else noisy

    def _repr_options(self) -> list[str]:
        return [
            f"kind={self.kind!r}",
            f"level={_fmt(self.level)}",
            f"blind={self.blind}",
            f"mode={self.mode!r}",
        ]


class Compose(nn.Module):
    """Apply transforms in order; a call-time `generator` is passed to each random transform.

    Plain modules without a `generator` argument (e.g. a normalisation) are called as `t(x)`. Only the last
    transform may return a tuple (e.g. `MissingValues(mode="mask")`).
    """

    def __init__(self, transforms: Sequence[nn.Module]) -> None:
        super().__init__()
        if isinstance(transforms, nn.Module) or not all(isinstance(t, nn.Module) for t in transforms):
            raise ConfigError("transforms: expected a sequence of nn.Module transforms")
        self.transforms = nn.ModuleList(transforms)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor | tuple[Tensor, ...]:
        """`x` through every transform in order."""
        out: Tensor | tuple[Tensor, ...] = x
        for i, t in enumerate(self.transforms):
            if not isinstance(out, Tensor):
                raise ConfigError(
                    f"transforms: {type(self.transforms[i - 1]).__name__} returns a tuple, so it must be last"
                )
            out = t(out, generator=generator) if isinstance(t, (_RandomTransform, Compose)) else t(out)
        return out

    def reset(self) -> None:
        """Restart the seeded streams of every transform inside."""
        for t in self.transforms:
            if isinstance(t, (_RandomTransform, Compose)):
                t.reset()
