"""Additive noise at an exact signal-to-noise ratio, per example.

SNR_dB = 10 * log10(P_signal / P_noise), with P the mean square over all non-batch dimensions of each example.
The noise is generated, then scaled per example by its *realised* power, so the measured SNR equals the
target to float precision (not only in expectation).
"""

from __future__ import annotations

import torch
from torch import Tensor

from deepshrink.errors import ConfigError
from deepshrink.functional.metrics import signal_power

NOISE_KINDS = ("none", "gaussian", "laplacian", "uniform", "pink", "brown", "blue", "colored")
_BETA = {"pink": 1.0, "brown": 2.0, "blue": -1.0}


def _white(shape, kind: str, generator, device, dtype) -> Tensor:
    if kind == "gaussian":
        return torch.randn(shape, generator=generator, device=device, dtype=dtype)
    u = torch.rand(shape, generator=generator, device=device, dtype=dtype)
    if kind == "uniform":
        return u * 2 - 1
    # Laplacian by inverse CDF of a uniform on (-1/2, 1/2): excess kurtosis 3
    u = (u - 0.5).clamp(-0.5 + 1e-7, 0.5 - 1e-7)
    return -torch.sign(u) * torch.log1p(-2 * u.abs())


def _colored(shape, beta: float, generator, device, dtype) -> Tensor:
    # Spectral shaping of white Gaussian noise along the last dim: amplitude ~ f^(-beta/2), so the power
    # spectral density ~ 1/f^beta; the DC bin is zeroed.
    n = shape[-1]
    white = torch.randn(shape, generator=generator, device=device, dtype=dtype)
    spec = torch.fft.rfft(white, dim=-1)
    f = torch.fft.rfftfreq(n, device=device).to(dtype)
    scale = torch.zeros_like(f)
    scale[1:] = f[1:].pow(-beta / 2)
    return torch.fft.irfft(spec * scale, n=n, dim=-1)


def noise_like(x: Tensor, kind: str = "gaussian", *, generator: torch.Generator | None = None,
               beta: float | None = None) -> Tensor:
    """Unit-free noise of the shape of `x` (not yet scaled to an SNR)."""
    if kind in ("gaussian", "laplacian", "uniform"):
        return _white(x.shape, kind, generator, x.device, x.dtype)
    if kind in _BETA or kind == "colored":
        b = _BETA.get(kind, beta)
        if b is None:
            raise ConfigError("noise kind 'colored' needs beta= (the exponent of 1/f^beta)")
        return _colored(x.shape, float(b), generator, x.device, x.dtype)
    raise ConfigError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")


def _snr_per_example(snr_db, batch: int, generator, device, dtype) -> Tensor:
    if isinstance(snr_db, Tensor):
        snr = snr_db.to(device=device, dtype=dtype).reshape(-1)
        if snr.numel() == 1:
            snr = snr.expand(batch)
        if snr.numel() != batch:
            raise ConfigError(f"snr_db has {snr.numel()} values for a batch of {batch}")
    elif isinstance(snr_db, (tuple, list)):
        if len(snr_db) != 2 or not snr_db[0] <= snr_db[1]:
            raise ConfigError(f"snr_db range must be (low, high) with low <= high, got {snr_db}")
        low, high = float(snr_db[0]), float(snr_db[1])
        snr = low + (high - low) * torch.rand(batch, generator=generator, device=device, dtype=dtype)
    else:
        snr = torch.full((batch,), float(snr_db), device=device, dtype=dtype)
    if not bool(torch.isfinite(snr).all()):
        raise ConfigError("snr_db must be finite")
    return snr


def add_noise(
    x: Tensor,
    snr_db: float | Tensor | tuple[float, float],
    kind: str = "gaussian",
    *,
    generator: torch.Generator | None = None,
    seeds: Tensor | None = None,
    beta: float | None = None,
    return_snr: bool = False,
):
    """`x` plus noise of `kind` at `snr_db` per example (dim 0 is the batch; a 1-D `x` is one example).

    snr_db: a number, a (B,) tensor, or a (low, high) range sampled uniformly per example from `generator`.
    seeds: optional (B,) integer tensor: example i's noise (and sampled SNR) then comes from its own
    generator seeded with seeds[i], so a window gets the same noise whatever batch it is in.
    An all-zero example stays zero (its noise power is zero at any SNR). Never modifies `x`.
    """
    if kind == "none":
        return (x.clone(), None) if return_snr else x.clone()
    if not x.is_floating_point():
        raise ConfigError(f"add_noise needs a floating-point tensor, got {x.dtype}")
    single = x.dim() == 1
    xb = x.unsqueeze(0) if single else x
    batch = xb.shape[0]
    if seeds is not None:
        seeds = seeds.reshape(-1)
        if seeds.numel() != batch:
            raise ConfigError(f"seeds has {seeds.numel()} values for a batch of {batch}")
        noise = torch.empty_like(xb)
        snr_parts = []
        for i, s in enumerate(seeds.tolist()):
            g = torch.Generator(device=xb.device).manual_seed(int(s))
            noise[i] = noise_like(xb[i : i + 1], kind, generator=g, beta=beta)[0]
            if isinstance(snr_db, (tuple, list)):
                snr_parts.append(_snr_per_example(snr_db, 1, g, xb.device, xb.dtype))
        if snr_parts:
            snr = torch.cat(snr_parts)
        else:
            snr = _snr_per_example(snr_db, batch, None, xb.device, xb.dtype)
    else:
        if generator is not None and generator.device != xb.device:
            raise ConfigError(f"generator is on {generator.device} but x is on {xb.device}")
        noise = noise_like(xb, kind, generator=generator, beta=beta)
        snr = _snr_per_example(snr_db, batch, generator, xb.device, xb.dtype)
    p_signal = signal_power(xb)
    p_noise = signal_power(noise).clamp_min(torch.finfo(xb.dtype).tiny)
    scale = torch.sqrt(p_signal / (p_noise * torch.pow(10.0, snr / 10)))
    out = xb + noise * scale.view((batch,) + (1,) * (xb.dim() - 1))
    if single:
        out = out[0]
    return (out, snr) if return_snr else out


__all__ = ["NOISE_KINDS", "add_noise", "noise_like"]


def _generator_device_matches(generator: torch.Generator | None, device: torch.device) -> bool:
    return generator is None or torch.device(generator.device).type == torch.device(device).type


def _check_kind(kind: str) -> str:
    if kind != "none" and kind not in NOISE_KINDS:
        raise ConfigError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    return kind


def check_snr_spec(snr_db) -> None:
    """Raise ConfigError unless `snr_db` is a finite number, a (low, high) pair or a tensor."""
    if isinstance(snr_db, Tensor):
        return
    if isinstance(snr_db, (tuple, list)):
        if len(snr_db) != 2 or not all(isinstance(v, (int, float)) for v in snr_db) or snr_db[0] > snr_db[1]:
            raise ConfigError(f"snr_db range must be (low, high) with low <= high, got {snr_db}")
        return
    if not isinstance(snr_db, (int, float)) or isinstance(snr_db, bool) or snr_db != snr_db:
        raise ConfigError(f"snr_db must be a finite number of dB, got {snr_db!r}")
