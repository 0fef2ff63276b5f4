"""Per-entry corruptions for denoising autoencoders: Gaussian, masking, salt-and-pepper, missing values.

Inputs are float tensors (B, ...) of any shape (dim 0 is the batch; a 1-D tensor is one example). The
fraction-based corruptions have two modes. `mode="exact"` (default): each example gets exactly
`round(p * n)` corrupted entries (n = entries per example), chosen uniformly at random without replacement,
so the measured fraction equals `p` up to the rounding of one entry. `mode="per_entry"`: each entry is hit
independently with probability `p` (Bernoulli, the classic DAE formulation; cheaper, and what the DAE
task trains with). `p` is a number in [0, 1] or a (B,) tensor (one fraction per example, e.g. for "blind"
training over a range of levels); `corrupt` draws such per-example levels from a range and dispatches.
Every function returns a new tensor and never modifies its input; every random draw comes from `generator` (a
`torch.Generator` on the input's device; None: torch's global RNG). Masks returned by `return_mask=True` are
True where an entry was corrupted; `missing_values(mode="mask")` returns the opposite, True where an entry is
observed, as imputation expects.
"""

from __future__ import annotations

import math
import numbers
from typing import get_args

import torch
from torch import Tensor

from deepshrink.choices import CorruptionKind, CorruptionMode  # declared once, light to import
from deepshrink.errors import ConfigError
from deepshrink.functional.noise import _generator_device_matches, add_noise, check_snr_spec

__all__ = [
    "CORRUPTIONS",
    "CorruptionKind",
    "CorruptionMode",
    "corrupt",
    "gaussian_noise",
    "level_range",
    "masking_noise",
    "missing_values",
    "salt_and_pepper",
]

#: the corruptions of the DAE task (the config's `corruption` choices come from this one declaration)
CORRUPTIONS: tuple[str, ...] = get_args(CorruptionKind)
_MODES: tuple[str, ...] = get_args(CorruptionMode)


def _check_input(x: object) -> Tensor:
    if not isinstance(x, Tensor):
        raise ConfigError(f"x: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ConfigError(f"x: expected a floating-point tensor, got dtype {x.dtype}")
    if x.ndim == 0 or x.numel() == 0:
        raise ConfigError(f"x: expected a non-empty tensor (B, ...), got shape {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ConfigError("x: contains NaN or inf (missing values must be filled before corrupting)")
    return x


def _check_generator(generator: torch.Generator | None, x: Tensor) -> None:
    if generator is None:
        return
    if not isinstance(generator, torch.Generator):
        raise ConfigError(f"generator: expected a torch.Generator, got {type(generator).__name__}")
    if not _generator_device_matches(generator, x.device):
        raise ConfigError(
            f"generator: is on {generator.device} but x is on {x.device}; create it on x.device"
        )


def _is_number(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _check_fill(value: object, name: str = "fill") -> float:
    if not (_is_number(value) and math.isfinite(value)):
        raise ConfigError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def check_fraction(p: object, name: str = "p") -> None:
    """Raise ConfigError unless `p` is a number in [0, 1] or a 0-d/1-d tensor of such numbers."""
    if _is_number(p):
        if not 0.0 <= float(p) <= 1.0:  # also rejects NaN
            raise ConfigError(f"{name}: must be a fraction in [0, 1], got {p}")
        return
    if isinstance(p, Tensor):
        if p.ndim > 1 or not (p.is_floating_point() or p.dtype in (torch.int32, torch.int64)):
            raise ConfigError(
                f"{name}: a tensor must be 0-d or (B,) of fractions, got {p.dtype} {tuple(p.shape)}"
            )
        if not bool(((p >= 0) & (p <= 1)).all()):
            raise ConfigError(f"{name}: every fraction must be in [0, 1]")
        return
    raise ConfigError(f"{name}: expected a number in [0, 1] or a (B,) tensor, got {type(p).__name__}")


def _batch(x: Tensor) -> tuple[int, int]:
    if x.ndim == 1:
        return 1, x.numel()
    return x.shape[0], x[0].numel()


def _check_mode(mode: object) -> None:
    if mode not in _MODES:
        raise ConfigError(f"mode: expected one of {', '.join(_MODES)}, got {mode!r}")


def _hits(
    x: Tensor, p: float | Tensor, generator: torch.Generator | None, mode: str
) -> tuple[Tensor, Tensor]:
    """(first, all): boolean masks of x's shape. `all` marks the corrupted entries (a fraction p of each
    example); `first` marks half of them (salt-and-pepper's "pepper"), the rest of `all` is "salt"."""
    if mode == "exact":
        ranks, k = _ranks(x, p, generator)
        first = (ranks < (k // 2).unsqueeze(1)).reshape(x.shape)
        return first, (ranks < k.unsqueeze(1)).reshape(x.shape)
    batch, _ = _batch(x)
    frac = torch.as_tensor(p, dtype=x.dtype, device=x.device)
    if frac.ndim == 1:
        if frac.shape[0] != batch:
            raise ConfigError(f"p: needs one fraction per example ({batch}), got {frac.shape[0]}")
        if x.ndim > 1:
            frac = frac.reshape(batch, *([1] * (x.ndim - 1)))
    # one uniform draw per entry decides both whether it is hit and which half it falls in
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return u < frac / 2, u < frac


def _ranks(x: Tensor, p: float | Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """A random rank 0..n-1 per entry of each example (a uniform permutation) and k = round(p n) per example.

    Entries with rank < k are the ones to corrupt; splitting that range (rank < k // 2) gives exact
    sub-fractions.
    """
    batch, n = _batch(x)
    keys = torch.rand((batch, n), generator=generator, device=x.device)
    order = torch.sort(keys, dim=1, stable=True).indices
    ranks = torch.empty_like(order).scatter_(
        1, order, torch.arange(n, device=x.device).expand(batch, n).contiguous()
    )
    frac = torch.as_tensor(p, dtype=torch.float64, device=x.device)
    if frac.ndim == 1 and frac.shape[0] != batch:
        raise ConfigError(f"p: needs one fraction per example ({batch}), got {frac.shape[0]}")
    k = torch.round(frac * n).to(torch.int64).expand(batch)
    return ranks, k


def gaussian_noise(
    x: Tensor,
    *,
    std: float | Tensor | None = None,
    snr_db: float | tuple[float, float] | Tensor | None = None,
    clip: tuple[float, float] | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Additive white Gaussian noise, per entry, with a fixed `std` or at an exact per-example `snr_db`.

    Exactly one of `std` (a number >= 0, or a (B,) tensor: one std per example) and `snr_db` (anything
    `add_noise` accepts; the SNR is exact before clipping) must be given. `clip=(lo, hi)` clamps the result,
    e.g. (0, 1) to keep images valid; clipping lowers the realised noise power, so the SNR is then no longer
    exact.
    """
    x = _check_input(x)
    _check_generator(generator, x)
    if (std is None) == (snr_db is None):
        raise ConfigError("std/snr_db: give exactly one of std= and snr_db=")
    if clip is not None:
        if not (isinstance(clip, (tuple, list)) and len(clip) == 2 and all(_is_number(v) for v in clip)):
            raise ConfigError(f"clip: expected None or a pair (lo, hi), got {clip!r}")
        if not (math.isfinite(clip[0]) and math.isfinite(clip[1]) and clip[0] < clip[1]):
            raise ConfigError(f"clip: needs finite lo < hi, got {tuple(clip)}")
    if snr_db is not None:
        check_snr_spec(snr_db)
        noisy = add_noise(x, snr_db, "gaussian", generator=generator)
    else:
        batch, _ = _batch(x)
        if _is_number(std):
            if not (math.isfinite(std) and std >= 0):
                raise ConfigError(f"std: must be a finite number >= 0, got {std}")
            sigma = torch.as_tensor(float(std), dtype=x.dtype, device=x.device)
        elif isinstance(std, Tensor) and std.ndim <= 1:
            if std.ndim == 1 and std.shape[0] != batch:
                raise ConfigError(f"std: needs one value per example ({batch}), got {std.shape[0]}")
            if not bool((torch.isfinite(std) & (std >= 0)).all()):
                raise ConfigError("std: every value must be finite and >= 0")
            sigma = std.to(dtype=x.dtype, device=x.device)
            if sigma.ndim == 1 and x.ndim > 1:
                sigma = sigma.reshape(batch, *([1] * (x.ndim - 1)))
        else:
            raise ConfigError(f"std: expected a number >= 0 or a (B,) tensor, got {type(std).__name__}")
        noisy = x + sigma * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    if clip is not None:
        noisy = noisy.clamp(float(clip[0]), float(clip[1]))
    return noisy


def masking_noise(
    x: Tensor,
    p: float | Tensor,
    *,
    fill: float = 0.0,
    generator: torch.Generator | None = None,
    return_mask: bool = False,
    mode: CorruptionMode = "exact",
) -> Tensor | tuple[Tensor, Tensor]:
    """Set a fraction `p` of the entries of each example to `fill` (Vincent et al. 2010): exactly
    `round(p * n)` randomly chosen ones (`mode="exact"`) or each with probability `p` (`"per_entry"`).

    With `return_mask=True` returns `(corrupted, mask)`, mask True where an entry was set to `fill`.
    """
    x = _check_input(x)
    check_fraction(p)
    _check_mode(mode)
    fill = _check_fill(fill)
    _check_generator(generator, x)
    _, mask = _hits(x, p, generator, mode)
    out = x.masked_fill(mask, float(fill))
    return (out, mask) if return_mask else out


def salt_and_pepper(
    x: Tensor,
    p: float | Tensor,
    *,
    low: float | None = None,
    high: float | None = None,
    generator: torch.Generator | None = None,
    return_mask: bool = False,
    mode: CorruptionMode = "exact",
) -> Tensor | tuple[Tensor, Tensor]:
    """Set a fraction `p` of each example's entries to `low` ("pepper") or `high` ("salt"), half each.

    `mode="exact"`: exactly `round(p * n)` entries are hit, `k // 2` of them get `low` and the rest `high`;
    `"per_entry"`: each entry is pepper with probability p/2 and salt with probability p/2. Defaults: for data
    inside [0, 1] (the whole tensor), `low=0` and `high=1`; otherwise the tensor's own min and max, which
    depend on the batch, so pass `low`/`high` explicitly for batch-independent results. With
    `return_mask=True` returns `(corrupted, mask)`, mask True where an entry was hit.
    """
    x = _check_input(x)
    check_fraction(p)
    _check_mode(mode)
    _check_generator(generator, x)
    low = None if low is None else _check_fill(low, "low")
    high = None if high is None else _check_fill(high, "high")
    if low is None or high is None:
        lo_x, hi_x = float(x.min()), float(x.max())
        in_unit = lo_x >= 0.0 and hi_x <= 1.0
        low = (0.0 if in_unit else lo_x) if low is None else low
        high = (1.0 if in_unit else hi_x) if high is None else high
    pepper, hit = _hits(x, p, generator, mode)
    out = x.masked_fill(pepper, float(low)).masked_fill(hit & ~pepper, float(high))
    return (out, hit) if return_mask else out


def missing_values(
    x: Tensor,
    p: float | Tensor,
    *,
    mode: str = "nan",
    fill: float = 0.0,
    generator: torch.Generator | None = None,
    draw: CorruptionMode = "exact",
) -> Tensor | tuple[Tensor, Tensor]:
    """Remove a fraction `p` of the entries of each example (`draw="exact"`: exactly `round(p * n)` of them;
    `"per_entry"`: each with probability `p`).

    mode="nan": returns x with NaN in the removed entries (the only function here whose output has NaN, on
    purpose; the others reject it). mode="mask": returns `(x_filled, observed)`, the removed entries set to
    `fill` and `observed` True where the entry was kept.
    """
    x = _check_input(x)
    check_fraction(p)
    if mode not in ("nan", "mask"):
        raise ConfigError(f"mode: expected 'nan' or 'mask', got {mode!r}")
    _check_mode(draw)
    fill = _check_fill(fill)
    _check_generator(generator, x)
    _, removed = _hits(x, p, generator, draw)
    if mode == "nan":
        return x.masked_fill(removed, math.nan)
    return x.masked_fill(removed, float(fill)), ~removed


def level_range(kind: str, level: float | tuple[float, float], blind: bool = False) -> tuple[float, float]:
    """The (low, high) range a corruption level is drawn from per example.

    level: a number (fixed; with `blind=True` drawn from U(0, level)) or a (low, high) pair. Gaussian levels
    are noise stds >= 0; masking and salt-and-pepper levels are fractions in [0, 1].
    """
    if isinstance(level, (tuple, list)):
        if len(level) != 2:
            raise ConfigError(f"level: expected a number or a (low, high) pair, got {level!r}", key="level")
        lo, hi = float(level[0]), float(level[1])
    else:
        hi = float(level)
        lo = 0.0 if blind else hi
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or lo > hi:
        raise ConfigError(f"{kind} level must be finite with 0 <= low <= high, got {level!r}", key="level")
    if kind in ("salt_pepper", "masking") and hi > 1:
        raise ConfigError(f"{kind} level is a fraction and must be <= 1, got {level!r}", key="level")
    return lo, hi


def corrupt(
    x: Tensor,
    kind: str,
    level: float | tuple[float, float],
    *,
    generator: torch.Generator | None = None,
    blind: bool = False,
    mode: CorruptionMode = "exact",
    clip: tuple[float, float] | None = None,
) -> tuple[Tensor, Tensor]:
    """Corrupt a batch with a level drawn per example; returns (corrupted, mask of the changed entries).

    kind: "gaussian" (level = noise std), "masking" (fraction set to 0), "salt_pepper" (fraction set to the
    `clip` ends, else to the batch's min/max, half each) or "none". level / blind: see `level_range`; the
    per-example levels are drawn first from `generator`, then the corruption itself. mode: how fractions are
    drawn (module doc). clip: (lo, hi) the Gaussian result is clamped to (the data range of images).
    """
    if kind not in CORRUPTIONS:
        raise ConfigError(
            f"unknown corruption {kind!r}; choose one of {', '.join(CORRUPTIONS)}", key="corruption"
        )
    x = _check_input(x)
    if kind == "none":
        return x, torch.zeros_like(x, dtype=torch.bool)
    lo, hi = level_range(kind, level, blind)
    batch, _ = _batch(x)
    per = torch.rand(batch, generator=generator, device=x.device, dtype=x.dtype) * (hi - lo) + lo
    if kind == "gaussian":
        noisy = gaussian_noise(x, std=per, clip=clip, generator=generator)
        return noisy, noisy != x
    if kind == "masking":
        return masking_noise(x, per, generator=generator, return_mask=True, mode=mode)  # type: ignore[return-value]
    low, high = clip if clip is not None else (None, None)
    return salt_and_pepper(x, per, low=low, high=high, generator=generator, return_mask=True, mode=mode)  # type: ignore[return-value]
