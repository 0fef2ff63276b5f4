"""scikit-learn estimators over the same engine: DRSN classifiers, DAE features and a DAE outlier detector.

`DRSNClassifier`, `DenoisingAutoencoder` and `DAEOutlierDetector` follow scikit-learn's contract (parameters
only stored by `__init__`, `fit` returns self, learned attributes end in `_`, `random_state`, `get_params` /
`set_params`, `clone`, `Pipeline`, `GridSearchCV`) and pass its conformance suite except the few checks in
`EXPECTED_FAILED_CHECKS` (empty today: every check passes; a check that cannot apply goes there with its
reason). They train through the one
`deepshrink.engine.core.fit`, with the same tasks and models as the command line: a `DRSNClassifier` with the
defaults of `deepshrink train` on the same windows and seed learns the same weights.

Pickling a fitted estimator stores the network as its registry name, keyword arguments and state dict
(tensors), and rebuilds it on loading: load pickles only from sources you trust (pickle can run code; for
sharing a model use a run directory, which holds safetensors + JSON).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from deepshrink.choices import DAE_LR
from deepshrink.engine.classify.inference import Inference, infer
from deepshrink.engine.classify.training import classification_parts
from deepshrink.engine.core.config import TrainConfig, parse_config
from deepshrink.engine.core.fit import fit
from deepshrink.engine.core.option_types import Snr
from deepshrink.engine.denoise.training import denoise_config, denoising_task
from deepshrink.errors import ConfigError
from deepshrink.models import create_model
from deepshrink.tasks import ExampleDataModule

__all__ = ["EXPECTED_FAILED_CHECKS", "DAEOutlierDetector", "DRSNClassifier", "DenoisingAutoencoder"]

# scikit-learn checks that cannot apply, with the reason (passed to parametrize_with_checks); none today
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "DRSNClassifier": {},
    "DenoisingAutoencoder": {},
    "DAEOutlierDetector": {},
    "HealthMonitor": {},
}


def _seed(random_state: Any) -> int:
    """An int seed from random_state (an int is used as it is, so that seeds match `deepshrink train`)."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(2**31 - 1))


def _epochs(max_epochs: Any) -> int:
    """max_epochs as an int, or the error naming it as the estimator names it (the config says epochs)."""
    if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
        raise ConfigError(f"max_epochs must be a positive integer, got {max_epochs!r}", key="max_epochs")
    return int(max_epochs)


def _windows(X: np.ndarray) -> np.ndarray:
    """(n, length) -> (n, 1, length); (n, channels, length) unchanged; float32."""
    return np.ascontiguousarray(X[:, None, :] if X.ndim == 2 else X, dtype=np.float32)


class _TorchState:
    """Pickling support: the fitted network travels as (registry name, kwargs, state dict of tensors)."""

    _net_attr = "model_"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        net = state.pop(self._net_attr, None)
        if net is not None:
            state["_net_state"] = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        weights = state.pop("_net_state", None)
        self.__dict__.update(state)
        if weights is not None:
            net = create_model(self.model_name_, **self.model_kwargs_)
            net.load_state_dict(weights)
            setattr(self, self._net_attr, net.eval())


# `deepshrink train`'s defaults, read from its config: the estimator takes them, not copies of them
# (docs/defaults.md says where it deliberately differs: noise, random_state, device, deterministic)
_TRAIN = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}


class DRSNClassifier(_TorchState, ClassifierMixin, BaseEstimator):
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
        return _windows(X)

    def _config(self, snr: Any, seed: int) -> TrainConfig:
        """The estimator's parameters as the `TrainConfig` of `deepshrink train` (validated: a bad parameter
        is a ValueError naming it, as from the command line)."""
        values = {
            "model": self.model,
            "model_kwargs": dict(self.model_kwargs or {}),
            "noise": self.noise,
            "snr": list(snr) if isinstance(snr, tuple) else snr,
            "normalize": self.normalize,
            "epochs": _epochs(self.max_epochs),
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
        seed = _seed(self.random_state)
        snr = Snr.parse(self.snr_db)
        empty = SimpleNamespace(x=X[:0], y=codes[:0])
        data = SimpleNamespace(
            train=SimpleNamespace(x=X, y=codes), val=empty, test=empty, classes=list(self.classes_)
        )
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


class DenoisingAutoencoder(_TorchState, TransformerMixin, BaseEstimator):
    """A denoising autoencoder as a transformer: `transform` gives codes, `inverse_transform` and `denoise`
    give reconstructions in the input's own units.

    X: tabular rows (n, features) (standardised inside; an MLP DAE with `hidden` layers, by default
    (features // 2, features // 4): a code narrower than the input), signal windows
    (n, channels, length) (a 1-D conv DAE) or images (n, C, H, W) in [0, 1] (a 2-D conv DAE).
    corruption ("gaussian" std in standardised units, "masking" / "salt_pepper" fractions) and level (a
    number, or low:high) are drawn per example, blind up to `level` unless blind=False.
    """

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] | None = None,
        corruption: str = "gaussian",
        level: float | tuple[float, float] = 0.5,
        blind: bool = True,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = DAE_LR,
        device: str = "cpu",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden = hidden
        self.corruption = corruption
        self.level = level
        self.blind = blind
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self, X: Any, *, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32)

    def _prepare(self, X: np.ndarray, *, fit: bool) -> torch.Tensor:
        """Rows are standardised with the training mean and std; windows (n, C, L) are divided by the
        training RMS; images (n, C, H, W) are used as they are (in [0, 1])."""
        if fit:
            self.kind_ = {2: "tabular", 3: "signal", 4: "image"}.get(X.ndim)
            if self.kind_ is None:
                raise ValueError(
                    f"X must be (n, features), (n, channels, length) or (n, C, H, W), got {X.shape}"
                )
            if self.kind_ == "tabular":
                self.mean_ = X.mean(0).astype(np.float32)
                self.scale_ = np.where((s := X.std(0)) > 1e-12, s, 1.0).astype(np.float32)
            elif self.kind_ == "signal":
                rms = float(np.sqrt(np.mean(np.square(X, dtype=np.float64))))
                self.mean_, self.scale_ = np.float32(0.0), np.float32(rms if rms > 0 else 1.0)
            else:
                self.mean_, self.scale_ = np.float32(0.0), np.float32(1.0)
        if X.ndim != {"tabular": 2, "signal": 3, "image": 4}[self.kind_]:
            raise ValueError(f"X has {X.ndim} dimensions, but the estimator was fitted on {self.kind_} data")
        return torch.from_numpy(np.ascontiguousarray((X - self.mean_) / self.scale_, dtype=np.float32))

    def _network(self, x: torch.Tensor) -> tuple[str, dict]:
        if self.kind_ == "tabular":
            # an autoencoder must compress: by default the layers halve the width twice (a code wider than the
            # input can copy it, and then its reconstruction error says nothing about the data)
            d = x.shape[1]
            hidden = list(self.hidden) if self.hidden is not None else [max(2, d // 2), max(2, d // 4)]
            return "dae_mlp", {"input_shape": [d], "hidden": hidden, "activation": "relu", "output": "linear"}
        if self.kind_ == "signal":
            return "dae_conv1d", {"in_channels": x.shape[1]}
        return "dae_conv2d", {"in_channels": x.shape[1]}

    def _fit_network(self, X: Any) -> torch.Tensor:
        X = self._validate(X, reset=True)
        if len(X) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 samples: got 1 sample")
        x = self._prepare(X, fit=True)
        seed = _seed(self.random_state)
        self.model_name_, self.model_kwargs_ = self._network(x)
        clip = (0.0, 1.0) if self.kind_ == "image" else None
        cfg = denoise_config(  # the estimator's parameters as `dae train`'s options
            corruption=self.corruption,
            blind=self.blind,
            lr=self.lr,
            weight_decay=0.0,
            seed=seed,
            epochs=_epochs(self.max_epochs),
            batch_size=self.batch_size,
            accelerator=self.device,
            deterministic=False,
        )
        level = Snr.parse(self.level)
        task = denoising_task(cfg, self.model_name_, model_kwargs=self.model_kwargs_, level=level, clip=clip)
        data = ExampleDataModule(x, None, batch_size=self.batch_size, seed=seed)
        result = fit(task, data, None, options=cfg, verbose=self.verbose)
        self.model_ = result.model.cpu().eval()
        self.history_ = result.history
        return x

    def fit(self, X: Any, y: Any = None) -> DenoisingAutoencoder:
        """Train on clean X (y is ignored); returns self."""
        self._fit_network(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The codes (n, features of the code)."""
        check_is_fitted(self)
        x = self._prepare(self._validate(X, reset=False), fit=False)
        with torch.inference_mode():
            return self.model_.code_features(x).double().numpy()

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Reconstructions from codes, in the input's units (MLP autoencoders on tabular rows only)."""
        check_is_fitted(self)
        if self.kind_ != "tabular":
            raise ValueError(
                "inverse_transform needs a flat code: it applies to tabular data (use denoise for windows)"
            )
        codes = check_array(X, dtype=np.float32)
        with torch.inference_mode():
            out = self.model_.decode(torch.from_numpy(np.ascontiguousarray(codes))).numpy()
        return out.reshape(len(out), -1) * self.scale_ + self.mean_

    def denoise(self, X: Any) -> np.ndarray:
        """The reconstruction of (noisy) X, in its own units."""
        check_is_fitted(self)
        x = self._prepare(self._validate(X, reset=False), fit=False)
        out = self.model_.denoise(x).numpy()
        return (out.reshape(x.shape) * self.scale_ + self.mean_).astype(np.float64)

    def reconstruction_error(self, X: Any) -> np.ndarray:
        """Per-example mean squared reconstruction error in the standardised units: high for unlike data."""
        check_is_fitted(self)
        x = self._prepare(self._validate(X, reset=False), fit=False)
        return self.model_.anomaly_score(x).double().numpy()


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
