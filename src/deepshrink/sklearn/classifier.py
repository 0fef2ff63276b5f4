"""`DRSNClassifier`: a registered classifier (DRSN-CW by default) on signal windows, trained as
`deepshrink train` trains it: with its defaults, on the same windows and seed, it learns the same weights."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from deepshrink.engine.classify.inference import Inference, infer
from deepshrink.engine.classify.training import classification_parts
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.fit import fit
from deepshrink.engine.core.option_types import Snr
from deepshrink.engine.core.options import parse_config
from deepshrink.sklearn._common import TorchState, as_windows, checked_epochs, int_seed
from deepshrink.tasks.classification import train_only

__all__ = ["DRSNClassifier"]

# `deepshrink train`'s defaults, read from its config: the estimator takes them, not copies of them
# (docs/defaults.md says where it deliberately differs: noise, random_state, device, deterministic)
_TRAIN = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}


class DRSNClassifier(TorchState, ClassifierMixin, BaseEstimator):
    """A registered classifier (DRSN-CW by default; ResNet, ConvNet, any preset) on signal windows.

    X: (n, length) or (n, channels, length) windows. noise / snr_db: training noise (a number of dB or a
    (low, high) range drawn per window, as `deepshrink train --snr`); normalize: per-window normalisation
    after the noise; max_epochs / batch_size / recipe / lr / weight_decay: the training (the defaults of
    `deepshrink train`); device: "cpu", "cuda", "auto"; random_state: seed of initialisation, batch order
    and noise. Learned: classes_, n_features_in_, model_ (the network), history_ (per epoch).
    """

    def __init__(
        self,
        model: str = _TRAIN["model"],
        *,
        model_kwargs: dict | None = None,
        noise: str = "none",
        snr_db: float | tuple[float, float] = _TRAIN["snr"],
        normalize: str = _TRAIN["normalize"],
        max_epochs: int = _TRAIN["epochs"],
        batch_size: int = 128,
        recipe: str = _TRAIN["recipe"],
        lr: float | None = None,
        weight_decay: float | None = None,
        device: str = "cpu",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.model = model
        self.model_kwargs = model_kwargs
        self.noise = noise
        self.snr_db = snr_db
        self.normalize = normalize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.recipe = recipe
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # a network for signal windows, trained for a few epochs in the conformance suite, is not expected to
        # reach 83 % on scikit-learn's 2-feature toy blobs (each "window" would be 2 samples long)
        tags.classifier_tags.poor_score = True
        tags.input_tags.three_d_array = True
        return tags

    def _validate(self, X: Any, *, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32)
        if X.ndim not in (2, 3):
            raise ValueError(f"X must be (n, length) or (n, channels, length) windows, got shape {X.shape}")
        return as_windows(X)

    def _config(self, snr: Any, seed: int) -> TrainConfig:
        """The estimator's parameters as the `TrainConfig` of `deepshrink train` (validated: a bad parameter
        is a ValueError naming it, as from the command line)."""
        values = {
            "model": self.model,
            "model_kwargs": dict(self.model_kwargs or {}),
            "noise": self.noise,
            "snr": list(snr) if isinstance(snr, tuple) else snr,
            "normalize": self.normalize,
            "epochs": checked_epochs(self.max_epochs),
            "batch_size": self.batch_size,
            "recipe": self.recipe,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "seed": seed,
            "accelerator": self.device,
            "deterministic": False,
        }
        return parse_config(TrainConfig, values, source=type(self).__name__)

    def fit(self, X: Any, y: Any) -> DRSNClassifier:
        """Train on windows X with labels y; returns self."""
        X = self._validate(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"DRSNClassifier needs at least 2 classes; got 1 class ({self.classes_[0]!r})")
        if len(X) < 2:
            raise ValueError("DRSNClassifier needs at least 2 samples (batch norm): got 1 sample")
        seed = int_seed(self.random_state)
        snr = Snr.parse(self.snr_db)
        data = train_only(X, codes, self.classes_)
        kwargs = {"in_channels": X.shape[1], "num_classes": len(self.classes_), **(self.model_kwargs or {})}
        cfg = self._config(snr, seed)
        dm, task = classification_parts(cfg, data)  # what `train` builds from it
        result = fit(task, dm, None, options=cfg, verbose=self.verbose)
        self.model_name_, self.model_kwargs_ = self.model, kwargs
        self.model_ = result.model.cpu().eval()
        self.history_ = result.history
        return self

    def _infer(self, X: Any, *, thresholds: bool = False) -> Inference:
        check_is_fitted(self)
        x = torch.from_numpy(self._validate(X, reset=False))
        if x.shape[1] != self.model_kwargs_["in_channels"]:
            raise ValueError(
                f"X has {x.shape[1]} channels, but the classifier was fitted on "
                f"{self.model_kwargs_['in_channels']}"
            )
        return infer(self.model_, x, normalize=self.normalize, thresholds=thresholds)  # as `evaluate` does

    def _logits(self, X: Any) -> torch.Tensor:
        logits = self._infer(X).logits
        return logits if len(logits) else torch.empty(0, len(self.classes_))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, classes) in the order of `classes_`."""
        return torch.softmax(self._logits(X), 1).double().numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each window."""
        winners = self._logits(X).argmax(1).numpy()  # checks first that the classifier is fitted
        return self.classes_[winners]

    def thresholds(self, X: Any) -> dict[str, np.ndarray]:
        """The mean learned threshold of every shrinkage unit for each window: {unit: (n,)} (empty for a
        model without shrinkage)."""
        return {k: v.numpy() for k, v in self._infer(X, thresholds=True).thresholds.items()}
