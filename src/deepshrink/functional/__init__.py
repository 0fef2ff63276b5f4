"""Pure tensor operations: thresholding, noise and corruptions, metrics (no state, no nn.Module)."""

from deepshrink.functional.thresholding import (
    THRESHOLDS,
    firm_threshold,
    garrote_threshold,
    hard_threshold,
    soft_threshold,
    threshold,
)

__all__ = [
    "THRESHOLDS",
    "firm_threshold",
    "garrote_threshold",
    "hard_threshold",
    "soft_threshold",
    "threshold",
]
