"""scikit-learn estimators over the same engine as the command line.

`DRSNClassifier` (DRSN / ResNet / ConvNet on signal windows), `DenoisingAutoencoder` (features and
denoising), `DAEOutlierDetector` (PyOD-style outlier detection by reconstruction error) and `HealthMonitor`
(condition monitoring from a machine's healthy snapshots, the engine of `deepshrink monitor`).
"""

from deepshrink.sklearn._estimators import (
    EXPECTED_FAILED_CHECKS,
    DAEOutlierDetector,
    DenoisingAutoencoder,
    DRSNClassifier,
)
from deepshrink.sklearn.monitor import HealthMonitor

__all__ = [
    "EXPECTED_FAILED_CHECKS",
    "DAEOutlierDetector",
    "DRSNClassifier",
    "DenoisingAutoencoder",
    "HealthMonitor",
]
