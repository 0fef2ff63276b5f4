"""`HealthMonitor`: condition monitoring as a scikit-learn / PyOD-style detector."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from deepshrink.choices import DAE_LR
from deepshrink.engine.monitor.indicators import INDICATORS, LEVEL
from deepshrink.engine.monitor.reference import fit_reference
from deepshrink.functional.health import alarm_flags
from deepshrink.sklearn._common import as_windows, int_seed

__all__ = ["HealthMonitor"]


class HealthMonitor(BaseEstimator):
    """Condition monitoring with PyOD's detector conventions, on the engine of `deepshrink monitor`.

    fit(X): X holds a machine's healthy snapshots in time order, (n, length) or (n, channels, length); the
    first part fits the indicators (the DAE trains through the one `fit`), the last `holdout` part sets
    `threshold_` at `false_alarm_rate` per snapshot. indicator: which one decides ("dae", "rms", "kurtosis",
    "crest", "iforest", or "level_db", scored as the distance from the healthy level in dB, either way).
    decision_function(X): the indicator (higher = less healthy); predict(X): 1 = alarm, 0 = healthy, an
    alarm needing `persistence` consecutive exceedances along the rows of X (taken in time order);
    indicators(X): every indicator at once. window: DAE window (default: the snapshot, at most 1024).
    Learned: reference_ (the fitted `HealthReference`), threshold_, decision_scores_ and labels_ (of X).
    """

    def __init__(
        self,
        indicator: str = "dae",
        *,
        model: str = "dae_shrink1d",
        window: int | None = None,
        holdout: float = 1 / 3,
        false_alarm_rate: float = 0.01,
        persistence: int = 1,
        level: float = 0.5,
        max_epochs: int | None = None,
        batch_size: int = 64,
        lr: float = DAE_LR,
        random_state: Any = None,
    ) -> None:
        self.indicator = indicator
        self.model = model
        self.window = window
        self.holdout = holdout
        self.false_alarm_rate = false_alarm_rate
        self.persistence = persistence
        self.level = level
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def _snapshots(self, X: Any, *, reset: bool) -> np.ndarray:
        return as_windows(validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32))

    def fit(self, X: Any, y: Any = None) -> HealthMonitor:
        """Fit on healthy snapshots X in time order (y is ignored); returns self."""
        if self.indicator not in INDICATORS:
            raise ValueError(f"indicator must be one of {tuple(INDICATORS)}, got {self.indicator!r}")
        if not 0 < self.holdout < 1 or not 0 < self.false_alarm_rate < 0.5 or self.persistence < 1:
            raise ValueError("need 0 < holdout < 1, 0 < false_alarm_rate < 0.5 and persistence >= 1")
        x = self._snapshots(X, reset=True)
        n_hold = round(self.holdout * len(x))
        if len(x) - n_hold < 2 or n_hold < 3:
            raise ValueError(
                f"HealthMonitor needs at least 2 snapshots to fit and 3 held back; got {len(x)} samples"
            )
        ref, _ = fit_reference(
            x[: len(x) - n_hold],
            x[len(x) - n_hold :],
            model=self.model,
            window=self.window or min(1024, x.shape[-1]),
            level=self.level,
            epochs=self.max_epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            seed=int_seed(self.random_state),
            false_alarm_rate=self.false_alarm_rate,
            persistence=self.persistence,
        )
        self.reference_ = ref
        self.threshold_ = float(ref.thresholds[self.indicator])
        self.decision_scores_ = self.decision_function(X)
        self.labels_ = self.predict(X)
        return self

    def indicators(self, X: Any) -> dict[str, np.ndarray]:
        """Every indicator of every snapshot: {name: (n,) array}."""
        check_is_fitted(self)
        return self.reference_.score(self._snapshots(X, reset=False))

    def decision_function(self, X: Any) -> np.ndarray:
        """The chosen indicator of each snapshot (higher = less healthy)."""
        values = self.indicators(X)[self.indicator]
        if self.indicator == LEVEL:
            values = np.abs(values - self.reference_.centres[LEVEL])
        return values

    def predict(self, X: Any) -> np.ndarray:
        """1 (alarm) where the indicator exceeded `threshold_` in `persistence` consecutive rows, else 0."""
        scores = self.decision_function(X)
        flags, _ = alarm_flags((scores > self.threshold_).astype(float), self.persistence)
        return flags.astype(int)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """fit(X) then the labels of X."""
        return self.fit(X).labels_
