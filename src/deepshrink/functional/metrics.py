"""Per-example quality metrics for noisy and denoised signals and images.

Conventions shared by every function here:

- dim 0 is the batch when `x.ndim >= 2`; a 1-D tensor is one example and gives a 0-d result. Image metrics
  (`ssim`) read a 2-D tensor as one image instead.
- Everything is computed in float64 and returned as a float64 tensor on the input's device, so an SNR can be
  checked to ~1e-10 dB even for float32 inputs.
- Infinite results are returned as +inf/-inf where the quantity really is infinite (a perfect reconstruction
  has infinite PSNR); no function returns NaN. Inputs with NaN/inf, non-float inputs and mismatched shapes
  raise `ConfigError`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from deepshrink.errors import ConfigError

__all__ = ["psnr", "signal_power", "snr_db", "snr_improvement_db", "ssim"]


def _check_tensor(x: object, name: str, *, finite: bool = True) -> Tensor:
    if not isinstance(x, Tensor):
        raise ConfigError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ConfigError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}")
    if x.ndim == 0 or x.numel() == 0:
        raise ConfigError(
            f"{name}: expected a non-empty tensor with at least 1 dimension, got shape {tuple(x.shape)}"
        )
    if finite and not bool(torch.isfinite(x).all()):
        raise ConfigError(f"{name}: contains NaN or inf")
    return x


def _check_pair(a: Tensor, b: Tensor, names: tuple[str, str]) -> None:
    _check_tensor(a, names[0])
    _check_tensor(b, names[1])
    if a.shape != b.shape:
        raise ConfigError(
            f"{names[0]} and {names[1]} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def _per_example(x: Tensor) -> Tensor:
    """(B, N) float64 view of the examples; a 1-D tensor is one example."""
    x = x.detach().to(torch.float64)
    return x.reshape(1, -1) if x.ndim == 1 else x.reshape(x.shape[0], -1)


def _shape_result(x: Tensor, values: Tensor) -> Tensor:
    return values.reshape(()) if x.ndim == 1 else values


def _ratio_db(num: Tensor, den: Tensor, *, both_zero: float) -> Tensor:
    """10 log10(num / den) with x/0 = +inf, 0/x = -inf and 0/0 = `both_zero` (never NaN)."""
    out = 10.0 * torch.log10(num / den.clamp_min(torch.finfo(torch.float64).tiny))
    out = torch.where(den == 0, torch.full_like(out, math.inf), out)
    out = torch.where((num == 0) & (den > 0), torch.full_like(out, -math.inf), out)
    return torch.where((num == 0) & (den == 0), torch.full_like(out, both_zero), out)


def signal_power(x: Tensor) -> Tensor:
    """Mean square of each example over all non-batch dims: shape (B,) (0-d for a 1-D signal), float64."""
    _check_tensor(x, "x")
    return _shape_result(x, _per_example(x).square().mean(dim=1))


def snr_db(clean: Tensor, noisy: Tensor) -> Tensor:
    """Per-example SNR in dB: `10 log10(P(clean) / P(noisy - clean))`, P the mean square over non-batch dims.

    An example with no noise (`noisy == clean`) gives +inf, also when the clean signal is zero; a zero clean
    signal with noise gives -inf. Shape (B,) (0-d for 1-D inputs), float64.
    """
    _check_pair(clean, noisy, ("clean", "noisy"))
    c, n = _per_example(clean), _per_example(noisy)
    p_signal = c.square().mean(dim=1)
    p_noise = (n - c).square().mean(dim=1)
    return _shape_result(clean, _ratio_db(p_signal, p_noise, both_zero=math.inf))


def snr_improvement_db(clean: Tensor, noisy: Tensor, denoised: Tensor) -> Tensor:
    """Per-example SNR gain of a denoiser in dB: `10 log10(||noisy - clean||^2 / ||denoised - clean||^2)`.

    Equals `snr_db(clean, denoised) - snr_db(clean, noisy)` where both are finite. A perfect output
    (`denoised == clean`) gives +inf; a noise-free input that the denoiser changed gives -inf; a noise-free
    input left untouched gives 0. Shape (B,) (0-d for 1-D inputs), float64.
    """
    _check_pair(clean, noisy, ("clean", "noisy"))
    _check_pair(clean, denoised, ("clean", "denoised"))
    c = _per_example(clean)
    e_in = (_per_example(noisy) - c).square().sum(dim=1)
    e_out = (_per_example(denoised) - c).square().sum(dim=1)
    return _shape_result(clean, _ratio_db(e_in, e_out, both_zero=0.0))


def _check_data_range(data_range: float) -> float:
    if isinstance(data_range, bool) or not isinstance(data_range, (int, float)):
        raise ConfigError(f"data_range must be a positive number, got {data_range!r}")
    if not (math.isfinite(data_range) and data_range > 0):
        raise ConfigError(f"data_range must be a positive finite number, got {data_range}")
    return float(data_range)


def psnr(x: Tensor, ref: Tensor, *, data_range: float = 1.0) -> Tensor:
    """Per-example peak SNR in dB: `10 log10(data_range^2 / MSE(x, ref))`, MSE over non-batch dims.

    `data_range` is the span of valid values (1.0 for images in [0, 1], 255 for uint8-scaled ones). Identical
    examples have MSE 0 and PSNR +inf (not a capped number, so averages over a batch can be +inf: average the
    MSE instead when a finite summary is needed). Shape (B,) (0-d for 1-D inputs), float64.
    """
    data_range = _check_data_range(data_range)
    _check_pair(x, ref, ("x", "ref"))
    mse = (_per_example(x) - _per_example(ref)).square().mean(dim=1)
    peak = torch.full_like(mse, data_range**2)
    return _shape_result(x, _ratio_db(peak, mse, both_zero=math.inf))


_SSIM_SIGMA = 1.5
_SSIM_K1, _SSIM_K2 = 0.01, 0.03


def _ssim_window(gaussian: bool, device: torch.device) -> Tensor:
    if gaussian:  # Wang et al. (2004): 11 taps, sigma 1.5 (radius int(3.5 * sigma + 0.5) = 5)
        t = torch.arange(-5, 6, dtype=torch.float64, device=device)
        w = torch.exp(-0.5 * (t / _SSIM_SIGMA) ** 2)
        return w / w.sum()
    return torch.full((7,), 1.0 / 7.0, dtype=torch.float64, device=device)  # scikit-image's default


def ssim(x: Tensor, ref: Tensor, *, data_range: float = 1.0, gaussian_weights: bool = False) -> Tensor:
    """Per-image structural similarity (Wang et al. 2004) of `x` against `ref`: THE SSIM of deepshrink.

    Default: scikit-image's default, `skimage.metrics.structural_similarity(x, ref, data_range=data_range)`:
    a uniform 7x7 window, sample covariances (N / (N - 1)), K1 = 0.01, K2 = 0.03, the mean over the "valid"
    region (a 3-pixel border left out); images must be at least 7x7 (8x8 digits work).
    `gaussian_weights=True`: the paper's 11-tap Gaussian window (sigma 1.5) with population covariances,
    which matches scikit-image with `gaussian_weights=True, sigma=1.5, use_sample_covariance=False`; images
    must then be at least 11x11. Shapes: (B, C, H, W) -> (B,) with the mean over channels (like
    scikit-image's `channel_axis`), (B, H, W) -> (B,), (H, W) -> 0-d. Returned as float64.
    """
    data_range = _check_data_range(data_range)
    _check_pair(x, ref, ("x", "ref"))
    if x.ndim not in (2, 3, 4):
        raise ConfigError(
            f"ssim expects (H, W), (B, H, W) or (B, C, H, W) images, got shape {tuple(x.shape)}"
        )
    height, width = x.shape[-2:]
    w = _ssim_window(gaussian_weights, x.device)
    if min(height, width) < len(w):
        raise ConfigError(f"ssim needs images of at least {len(w)}x{len(w)} pixels, got {height}x{width}")
    batch = 1 if x.ndim == 2 else x.shape[0]
    a = x.detach().to(torch.float64).reshape(-1, 1, height, width)
    b = ref.detach().to(torch.float64).reshape(-1, 1, height, width)
    stack = torch.cat([a, b, a * a, b * b, a * b], dim=1)
    # separable filter, "valid" padding: exactly the cropped region scikit-image averages over
    stack = F.conv2d(stack, w.view(1, 1, -1, 1).expand(5, 1, -1, 1).contiguous(), groups=5)
    stack = F.conv2d(stack, w.view(1, 1, 1, -1).expand(5, 1, 1, -1).contiguous(), groups=5)
    ux, uy, uxx, uyy, uxy = stack.unbind(dim=1)
    n = len(w) ** 2
    cov_norm = 1.0 if gaussian_weights else n / (n - 1.0)
    vx, vy, vxy = cov_norm * (uxx - ux * ux), cov_norm * (uyy - uy * uy), cov_norm * (uxy - ux * uy)
    c1, c2 = (_SSIM_K1 * data_range) ** 2, (_SSIM_K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    per_image = s.reshape(batch, -1).mean(dim=1)
    return per_image.reshape(()) if x.ndim == 2 else per_image
