"""Per-window normalisation, applied AFTER noise is added (so the noise level is what the model really sees
relative to the signal, and a window's scale carries no label information: see docs/evaluation.md)."""

from __future__ import annotations

import torch
from torch import Tensor

from deepshrink.choices import NORMALIZE_MODES, Normalize  # declared once, light to import
from deepshrink.errors import ConfigError

__all__ = ["NORMALIZE_MODES", "Normalize", "normalize"]


def normalize(x: Tensor, mode: str = "none", *, eps: float = 1e-8) -> Tensor:
    """Normalise each example of a batch (B, C, L...) over all its channels and samples together.

    "zscore": subtract the example's mean, divide by its standard deviation; "minmax": map the example to
    [-1, 1]; "none": return `x` unchanged. Statistics are pooled over channels (not per channel) so the
    relative level of the channels is kept. A constant example gives zeros, never NaN (the scale is
    clamped at `eps`). Returns a new tensor of the same shape (integer input comes back as float32).
    """
    if mode not in NORMALIZE_MODES:
        raise ConfigError(
            f"normalize mode must be one of {', '.join(NORMALIZE_MODES)}, got {mode!r}", key="normalize"
        )
    if not isinstance(x, Tensor):
        raise ConfigError(f"normalize expects a torch.Tensor, got {type(x).__name__}")
    if mode == "none":
        return x
    if x.ndim < 2:
        raise ConfigError(f"normalize expects a batch (B, C, L), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.float()
    dims = tuple(range(1, x.ndim))
    eps = max(float(eps), float(torch.finfo(x.dtype).tiny))  # 1e-8 underflows to 0 in float16
    if mode == "zscore":
        mean = x.mean(dim=dims, keepdim=True)
        std = x.std(dim=dims, keepdim=True, correction=0)
        return (x - mean) / torch.clamp(std, min=eps)
    lo = x.amin(dim=dims, keepdim=True)
    hi = x.amax(dim=dims, keepdim=True)
    # centred form: a constant example maps to 0 rather than to an end of the range
    return (x - (hi + lo) / 2) / torch.clamp((hi - lo) / 2, min=eps)
