"""Pure tensor operations: thresholding, noise and corruptions, normalisation, seeds, metrics; and, in
NumPy/SciPy, bearing geometry, the kurtogram and envelope analysis (`bearing`, `kurtogram`, `envelope`).

No state and no nn.Module here: the torchmetrics objects that the tasks log (stateful) live in
`deepshrink.tasks.metrics`.
"""

from deepshrink.functional.bearing import BEARINGS, BearingGeometry, bearing_geometry
from deepshrink.functional.corruption import (
    CORRUPTIONS,
    corrupt,
    gaussian_noise,
    level_range,
    masking_noise,
    missing_values,
    salt_and_pepper,
)
from deepshrink.functional.envelope import (
    DEFAULT_THRESHOLD_DB,
    EnvelopeDiagnosis,
    cepstral_prewhitening,
    diagnose_signal,
    envelope,
    family_scores,
    squared_envelope_spectrum,
)
from deepshrink.functional.kurtogram import fast_kurtogram, spectral_kurtosis
from deepshrink.functional.metrics import psnr, signal_power, snr_db, snr_improvement_db, ssim
from deepshrink.functional.noise import NOISE_KINDS, NoiseBank, add_noise, noise_bank, noise_like
from deepshrink.functional.normalize import NORMALIZE_MODES, normalize
from deepshrink.functional.seeding import mix_seed, seeded, window_seeds
from deepshrink.functional.thresholding import (
    THRESHOLDS,
    firm_threshold,
    garrote_threshold,
    hard_threshold,
    soft_threshold,
    threshold,
)

__all__ = [
    "BEARINGS",
    "CORRUPTIONS",
    "DEFAULT_THRESHOLD_DB",
    "NOISE_KINDS",
    "NORMALIZE_MODES",
    "THRESHOLDS",
    "BearingGeometry",
    "EnvelopeDiagnosis",
    "NoiseBank",
    "add_noise",
    "bearing_geometry",
    "cepstral_prewhitening",
    "corrupt",
    "diagnose_signal",
    "envelope",
    "family_scores",
    "fast_kurtogram",
    "firm_threshold",
    "garrote_threshold",
    "gaussian_noise",
    "hard_threshold",
    "level_range",
    "masking_noise",
    "missing_values",
    "mix_seed",
    "noise_bank",
    "noise_like",
    "normalize",
    "psnr",
    "salt_and_pepper",
    "seeded",
    "signal_power",
    "snr_db",
    "snr_improvement_db",
    "soft_threshold",
    "spectral_kurtosis",
    "squared_envelope_spectrum",
    "ssim",
    "threshold",
    "window_seeds",
]
