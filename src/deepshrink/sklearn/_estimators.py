"""Where the estimators lived before they were split one per module: pickles made then name this module, so it
keeps the names they load (new code imports from `deepshrink.sklearn`)."""

from deepshrink.sklearn._common import EXPECTED_FAILED_CHECKS
from deepshrink.sklearn.autoencoder import DenoisingAutoencoder
from deepshrink.sklearn.classifier import DRSNClassifier
from deepshrink.sklearn.outlier import DAEOutlierDetector

__all__ = ["EXPECTED_FAILED_CHECKS", "DAEOutlierDetector", "DRSNClassifier", "DenoisingAutoencoder"]
