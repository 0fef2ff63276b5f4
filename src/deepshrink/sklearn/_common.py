"""What the scikit-learn estimators share: seeds, windows, the epochs option, pickling of the network, and the
conformance checks that may fail.

Pickling a fitted estimator stores the network as its registry name, keyword arguments and state dict
(tensors), and rebuilds it on loading: load pickles only from sources you trust (pickle can run code; for
sharing a model use a run directory, which holds safetensors + JSON).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from deepshrink.errors import ConfigError
from deepshrink.models import create_model

__all__ = ["EXPECTED_FAILED_CHECKS", "TorchState", "as_windows", "checked_epochs", "int_seed"]

# scikit-learn checks that cannot apply, with the reason (passed to parametrize_with_checks); none today
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "DRSNClassifier": {},
    "DenoisingAutoencoder": {},
    "DAEOutlierDetector": {},
    "HealthMonitor": {},
}


def int_seed(random_state: Any) -> int:
    """An int seed from random_state (an int is used as it is, so that seeds match `deepshrink train`)."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(2**31 - 1))


def checked_epochs(max_epochs: Any) -> int:
    """max_epochs as an int, or the error naming it as the estimator names it (the config says epochs)."""
    if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
        raise ConfigError(f"max_epochs must be a positive integer, got {max_epochs!r}", key="max_epochs")
    return int(max_epochs)


def as_windows(X: np.ndarray) -> np.ndarray:
    """(n, length) -> (n, 1, length); (n, channels, length) unchanged; float32."""
    return np.ascontiguousarray(X[:, None, :] if X.ndim == 2 else X, dtype=np.float32)


class TorchState:
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
