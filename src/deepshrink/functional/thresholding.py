"""Thresholding functions, the non-linearity at the heart of wavelet denoising and of DRSN.

`tau` broadcasts against `x`: a scalar, one threshold per sample `(B, 1, ...)` or one per sample and channel
`(B, C, 1, ...)`. All functions are differentiable with autograd, return exact zeros where `|x| <= tau`, never
increase a magnitude, and return zeros (not NaN) for an all-zero input.
"""

from __future__ import annotations

import torch
from torch import Tensor

from deepshrink.errors import ConfigError

THRESHOLDS = ("soft", "hard", "firm", "garrote")


def _check_tau(x: Tensor, tau: Tensor | float) -> Tensor:
    if not isinstance(tau, Tensor):
        tau = torch.as_tensor(tau, dtype=x.dtype, device=x.device)
    if tau.dim() > x.dim():
        raise ConfigError(
            f"threshold of shape {tuple(tau.shape)} has more dimensions than input {tuple(x.shape)}"
        )
    if tau.dim() == x.dim():
        for t, s in zip(tau.shape, x.shape, strict=True):
            if t not in (1, s):
                raise ConfigError(
                    f"threshold of shape {tuple(tau.shape)} does not broadcast against input {tuple(x.shape)}"
                )
    return tau


def soft_threshold(x: Tensor, tau: Tensor | float) -> Tensor:
    """Soft thresholding: `sign(x) * max(|x| - tau, 0)`.

    Written as `x - clamp(x, -tau, tau)`, whose gradient is exactly 1 where `|x| > tau` and 0 elsewhere with
    respect to `x`, and `-sign(x)` / 0 with respect to `tau`.
    """
    tau = _check_tau(x, tau)
    return x - torch.clamp(x, -tau, tau)


def hard_threshold(x: Tensor, tau: Tensor | float) -> Tensor:
    """Hard thresholding: `x` where `|x| > tau`, else 0.

    The output is piecewise constant in `tau`, so `tau` receives no gradient: a learned threshold network
    trained through it does not learn. Use `firm_threshold` for a learnable near-hard rule.
    """
    tau = _check_tau(x, tau)
    return torch.where(x.abs() > tau, x, torch.zeros_like(x))


def firm_threshold(x: Tensor, tau: Tensor | float, ratio: float = 2.0) -> Tensor:
    """Firm (semi-soft) thresholding of Gao and Bruce (1997) with thresholds `tau` and `ratio * tau`.

    0 for `|x| <= tau`; linear from 0 to `ratio * tau` between `tau` and `ratio * tau`; identity above. It is
    soft thresholding near `tau` and hard thresholding for large coefficients, so large values are not biased.
    """
    if ratio <= 1.0:
        raise ConfigError(f"firm threshold ratio must be > 1, got {ratio}")
    tau = _check_tau(x, tau)
    tau2 = ratio * tau
    mag = x.abs()
    middle = tau2 * (mag - tau) / (tau2 - tau).clamp_min(torch.finfo(x.dtype).tiny)
    shrunk = torch.where(mag > tau2, mag, middle.clamp_min(0.0))
    return torch.where(mag > tau, torch.sign(x) * shrunk, torch.zeros_like(x))


def garrote_threshold(x: Tensor, tau: Tensor | float) -> Tensor:
    """Non-negative garrote thresholding (Gao 1998): `x - tau**2 / x` where `|x| > tau`, else 0."""
    tau = _check_tau(x, tau)
    keep = x.abs() > tau
    # Divide by a safe value where the output is zero anyway, so neither the value nor its gradient is NaN.
    safe_x = torch.where(keep, x, torch.ones_like(x))
    return torch.where(keep, x - tau * tau / safe_x, torch.zeros_like(x))


def threshold(x: Tensor, tau: Tensor | float, kind: str = "soft", **kwargs) -> Tensor:
    """Apply the thresholding rule `kind` (one of `THRESHOLDS`)."""
    if kind == "soft":
        return soft_threshold(x, tau)
    if kind == "hard":
        return hard_threshold(x, tau)
    if kind == "firm":
        return firm_threshold(x, tau, **kwargs)
    if kind == "garrote":
        return garrote_threshold(x, tau)
    raise ConfigError(f"unknown threshold {kind!r}; choose one of {', '.join(THRESHOLDS)}")
