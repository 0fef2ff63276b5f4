"""`DAEOutlierDetector`: outlier detection with PyOD's conventions by the reconstruction error of a
`DenoisingAutoencoder`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from deepshrink.sklearn.autoencoder import DenoisingAutoencoder

__all__ = ["DAEOutlierDetector"]


class DAEOutlierDetector(BaseEstimator):
    """An outlier detector with PyOD's conventions: the reconstruction error of a `DenoisingAutoencoder`
    trained on (mostly) normal data.

    autoencoder: the (unfitted) `DenoisingAutoencoder` to train, with its own options (default: its
    defaults); contamination: the expected share of outliers in the training data; random_state: overrides
    the autoencoder's when given.
    fit(X): trains a clone of the autoencoder (which standardises X on the training data); `decision_scores_`
    are the training scores, `threshold_` their (1 - contamination) quantile, `labels_` 0 (inlier) / 1
    (outlier). decision_function(X): higher = more abnormal; predict(X): 0/1 by `threshold_`;
    predict_proba(X): [P(inlier), P(outlier)] by min-max scaling of the scores against the training scores
    (PyOD's "linear" method). Works on tabular rows and on signal windows (n, channels, length).
    """

    def __init__(
        self,
        autoencoder: DenoisingAutoencoder | None = None,
        *,
        contamination: float = 0.1,
        random_state: Any = None,
    ) -> None:
        self.autoencoder = autoencoder
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> DAEOutlierDetector:
        """Train on X (y is ignored: unsupervised); returns self."""
        if not (isinstance(self.contamination, (int, float)) and 0 < self.contamination <= 0.5):
            raise ValueError(f"contamination must be in (0, 0.5], got {self.contamination!r}")
        ae = clone(self.autoencoder) if self.autoencoder is not None else DenoisingAutoencoder()
        if self.random_state is not None:
            ae.set_params(random_state=self.random_state)
        self.autoencoder_ = ae.fit(X)
        self.n_features_in_ = ae.n_features_in_
        self.decision_scores_ = ae.reconstruction_error(X)
        self.threshold_ = float(np.quantile(self.decision_scores_, 1 - self.contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Outlier scores (the reconstruction error): higher = more abnormal."""
        check_is_fitted(self)
        return self.autoencoder_.reconstruction_error(X)

    def predict(self, X: Any) -> np.ndarray:
        """0 for inliers, 1 for outliers (score above `threshold_`)."""
        return (self.decision_function(X) > self.threshold_).astype(int)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2): [P(inlier), P(outlier)], min-max scaled against the training scores, clipped to [0, 1]."""
        scores = self.decision_function(X)
        lo, hi = float(self.decision_scores_.min()), float(self.decision_scores_.max())
        p = np.clip((scores - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """fit(X) then the training labels (0/1)."""
        return self.fit(X).labels_
