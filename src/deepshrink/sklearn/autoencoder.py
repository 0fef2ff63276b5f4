"""`DenoisingAutoencoder`: a denoising autoencoder as a scikit-learn transformer (codes, reconstructions,
reconstruction errors), trained as `deepshrink dae train` trains it."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from deepshrink.choices import DAE_LR
from deepshrink.engine.core.fit import fit
from deepshrink.engine.core.option_types import Snr
from deepshrink.engine.denoise.training import denoise_config, denoising_task
from deepshrink.sklearn._common import TorchState, checked_epochs, int_seed
from deepshrink.tasks import ExampleDataModule

__all__ = ["DenoisingAutoencoder"]


class DenoisingAutoencoder(TorchState, TransformerMixin, BaseEstimator):
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
        seed = int_seed(self.random_state)
        self.model_name_, self.model_kwargs_ = self._network(x)
        clip = (0.0, 1.0) if self.kind_ == "image" else None
        cfg = denoise_config(  # the estimator's parameters as `dae train`'s options
            corruption=self.corruption,
            blind=self.blind,
            lr=self.lr,
            weight_decay=0.0,
            seed=seed,
            epochs=checked_epochs(self.max_epochs),
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
