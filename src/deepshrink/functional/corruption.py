"""Per-entry corruptions for denoising autoencoders: Gaussian, masking, salt-and-pepper, missing values.

Inputs are float tensors (B, ...) of any shape (dim 0 is the batch; a 1-D tensor is one example). The
fraction-based corruptions are exact, not Bernoulli: each example gets exactly `round(p * n)` corrupted
entries (n = entries per example), chosen uniformly at random without replacement, so the measured fraction
equals `p` up to the rounding of one entry. `p` is a number in [0, 1] or a (B,) tensor (one fraction per
example, e.g. for "blind" training over a range of levels). Every function returns a new tensor and never
modifies its input; every random draw comes from `generator` (a `torch.Generator` on the input's device;
None: torch's global RNG). Masks returned by `return_mask=True` are True where an entry was corrupted;
`missing_values(mode="mask")` returns the opposite, True where an entry is observed, as imputation expects.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor

from deepshrink.errors import ConfigError
from deepshrink.functional.noise import _generator_device_matches, add_noise, check_snr_spec

__all__ = ["gaussian_noise", "masking_noise", "missing_values", "salt_and_pepper"]


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
) -> Tensor | tuple[Tensor, Tensor]:
    """Set exactly `round(p * n)` randomly chosen entries of each example to `fill` (Vincent et al. 2010).

    With `return_mask=True` returns `(corrupted, mask)`, mask True where an entry was set to `fill`.
    """
    x = _check_input(x)
    check_fraction(p)
    fill = _check_fill(fill)
    _check_generator(generator, x)
    ranks, k = _ranks(x, p, generator)
    mask = (ranks < k.unsqueeze(1)).reshape(x.shape)
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
) -> Tensor | tuple[Tensor, Tensor]:
    """Set a fraction `p` of each example's entries to `low` ("pepper") or `high` ("salt"), half each.

    Exactly `round(p * n)` entries are hit; `k // 2` of them get `low` and the rest `high`. Defaults: for data
    inside [0, 1] (the whole tensor), `low=0` and `high=1`; otherwise the tensor's own min and max, which
    depend on the batch, so pass `low`/`high` explicitly for batch-independent results. With
    `return_mask=True` returns `(corrupted, mask)`, mask True where an entry was hit.
    """
    x = _check_input(x)
    check_fraction(p)
    _check_generator(generator, x)
    low = None if low is None else _check_fill(low, "low")
    high = None if high is None else _check_fill(high, "high")
    if low is None or high is None:
        lo_x, hi_x = float(x.min()), float(x.max())
        in_unit = lo_x >= 0.0 and hi_x <= 1.0
        low = (0.0 if in_unit else lo_x) if low is None else low
        high = (1.0 if in_unit else hi_x) if high is None else high
    ranks, k = _ranks(x, p, generator)
    k_low = (k // 2).unsqueeze(1)
    pepper = (ranks < k_low).reshape(x.shape)
    salt = ((ranks >= k_low) & (ranks < k.unsqueeze(1))).reshape(x.shape)
    out = x.masked_fill(pepper, float(low)).masked_fill(salt, float(high))
    return (out, pepper | salt) if return_mask else out


def missing_values(
    x: Tensor,
    p: float | Tensor,
    *,
    mode: str = "nan",
    fill: float = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """Remove exactly `round(p * n)` randomly chosen entries of each example.

    mode="nan": returns x with NaN in the removed entries (the only function here whose output has NaN, on
    purpose; the others reject it). mode="mask": returns `(x_filled, observed)`, the removed entries set to
    `fill` and `observed` True where the entry was kept.
    """
    x = _check_input(x)
    check_fraction(p)
    if mode not in ("nan", "mask"):
        raise ConfigError(f"mode: expected 'nan' or 'mask', got {mode!r}")
    fill = _check_fill(fill)
    _check_generator(generator, x)
    ranks, k = _ranks(x, p, generator)
    removed = (ranks < k.unsqueeze(1)).reshape(x.shape)
    if mode == "nan":
        return x.masked_fill(removed, math.nan)
    return x.masked_fill(removed, float(fill)), ~removed
