"""Pure tensor operations: thresholding, noise and corruptions, metrics (no state, no nn.Module)."""

from deepshrink.functional.corruption import gaussian_noise, masking_noise, missing_values, salt_and_pepper
from deepshrink.functional.metrics import psnr, signal_power, snr_db, snr_improvement_db, ssim
from deepshrink.functional.noise import NOISE_KINDS, add_noise, noise_like
from deepshrink.functional.thresholding import (
    THRESHOLDS,
    firm_threshold,
    garrote_threshold,
    hard_threshold,
    soft_threshold,
    threshold,
)

__all__ = [
    "NOISE_KINDS",
    "THRESHOLDS",
    "add_noise",
    "firm_threshold",
    "garrote_threshold",
    "gaussian_noise",
    "hard_threshold",
    "masking_noise",
    "missing_values",
    "noise_like",
    "psnr",
    "salt_and_pepper",
    "signal_power",
    "snr_db",
    "snr_improvement_db",
    "soft_threshold",
    "ssim",
    "threshold",
]
