"""Seeds and the noise/normalisation calls shared by training and evaluation (no Lightning import)."""

from __future__ import annotations

import hashlib
from typing import Any

import torch
from torch import Tensor


def mix_seed(*parts: Any) -> int:
    """A 63-bit seed from any mix of ints/floats/strings (stable across processes and Python versions)."""
    text = "\x1f".join(repr(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") >> 1


def window_seeds(base: int, index: Tensor) -> Tensor:
    """One seed per window: `base` mixed with each window's index (int64 tensor), all non-negative."""
    # splitmix64-style mixing in int64 arithmetic (wrap-around is fine for hashing)
    z = index.to(torch.int64) * -7046029254386353131 + (base & 0x7FFFFFFFFFFFFFFF)
    z = (z ^ (z >> 30)) * -4658895280553007687
    z = (z ^ (z >> 27)) * -7723592293110705685
    z = z ^ (z >> 31)
    return z & 0x7FFFFFFFFFFFFFFF


def apply_noise(
    x: Tensor,
    *,
    kind: str,
    snr: float | tuple[float, float],
    generator: torch.Generator | None = None,
    seeds: Tensor | None = None,
) -> Tensor:
    """Noise at `snr` dB (or a per-example range) via `deepshrink.functional.add_noise`; "none" is a no-op."""
    if kind == "none":
        return x
    from deepshrink.functional.noise import add_noise

    out = add_noise(x, snr, kind, generator=generator, seeds=seeds)
    # the model's weights are float32: keep the batch's dtype whatever the noise code computes in
    return out.to(x.dtype)


def normalize_windows(x: Tensor, mode: str) -> Tensor:
    """Per-window normalisation via `deepshrink.data.normalize` ("none" is a no-op)."""
    if mode == "none":
        return x
    from deepshrink.data import normalize

    return normalize(x, mode)
