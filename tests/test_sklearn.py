"""The scikit-learn estimators: scikit-learn's own conformance suite, pipelines, grid search, pickling, PyOD
conventions, and the same weights as `deepshrink train` on the same windows and seed."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepshrink.engine.classify.training import train
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import parse_config
from deepshrink.sklearn import (
    EXPECTED_FAILED_CHECKS,
    DAEOutlierDetector,
    DenoisingAutoencoder,
    DRSNClassifier,
    HealthMonitor,
)

SMALL = [
    DRSNClassifier(max_epochs=2, batch_size=16, random_state=0),
    DenoisingAutoencoder(hidden=(8, 4), max_epochs=2, batch_size=16, random_state=0),
    DAEOutlierDetector(DenoisingAutoencoder(hidden=(8, 4), max_epochs=2, batch_size=16), random_state=0),
    HealthMonitor("iforest", max_epochs=1, batch_size=16, random_state=0),
]


def _expected(estimator) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@parametrize_with_checks(SMALL, expected_failed_checks=_expected)
def test_scikit_learn_conformance(estimator, check):
    check(estimator)


def _tones(n: int, seed: int, length: int = 256) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    t = np.arange(length)
    x = np.sin(2 * np.pi * (y[:, None] + 1) * t / 32.0) + 0.3 * rng.standard_normal((n, length))
    return x.astype(np.float32), np.array(["inner", "normal", "outer"])[y]


def test_classifier_learns_windows_and_reports_thresholds():
    x, y = _tones(96, 0)
    clf = DRSNClassifier(max_epochs=4, batch_size=16, noise="gaussian", snr_db=(0, 10), random_state=0).fit(
        x, y
    )
    xt, yt = _tones(48, 1)
    assert clf.score(xt, yt) > 0.8 and list(clf.classes_) == ["inner", "normal", "outer"]
    proba = clf.predict_proba(xt)
    assert proba.shape == (48, 3) and np.allclose(proba.sum(1), 1)
    taus = clf.thresholds(xt[:5])
    assert taus and all(len(v) == 5 and np.all(v > 0) for v in taus.values())
    with pytest.raises(ValueError, match="features"):
        clf.predict(xt[:, :100])


def test_pipeline_grid_search_clone_and_pickle():
    x, y = _tones(60, 2, length=128)
    grid = GridSearchCV(
        DRSNClassifier(max_epochs=2, batch_size=16, random_state=0),
        {"model": ["resnet_paper", "drsn_cw_paper"]},
        cv=2,
    )
    grid.fit(x, y)
    assert grid.best_params_["model"] in ("resnet_paper", "drsn_cw_paper")
    fitted = grid.best_estimator_
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(x), fitted.predict_proba(x))
    assert clone(fitted).get_params() == fitted.get_params() and not hasattr(clone(fitted), "model_")


def test_dae_features_in_a_pipeline_and_denoise():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6)) @ rng.standard_normal((6, 12))  # rows on a 6-dimensional subspace
    y = (x[:, 0] > 0).astype(int)
    dae = DenoisingAutoencoder(hidden=(32, 6), max_epochs=50, lr=1e-2, random_state=0)
    pipe = make_pipeline(dae, LogisticRegression())
    pipe.fit(x, y)
    assert pipe.score(x, y) > 0.7
    dae = pipe[0]
    assert dae.transform(x).shape == (200, 6) and dae.inverse_transform(dae.transform(x)).shape == x.shape
    noisy = x + 1.5 * rng.standard_normal(x.shape)
    assert np.mean((dae.denoise(noisy) - x) ** 2) < np.mean((noisy - x) ** 2)


def test_outlier_detector_follows_pyod_conventions():
    rng = np.random.default_rng(1)
    normal = rng.standard_normal((300, 4)) @ np.diag([1.0, 1.0, 0.1, 0.1])
    dae = DenoisingAutoencoder(hidden=(8, 2), max_epochs=30)
    det = DAEOutlierDetector(dae, contamination=0.05, random_state=0).fit(normal)
    assert dae.get_params() == det.autoencoder_.get_params() | {"random_state": None}  # a clone was trained
    assert abs(det.labels_.mean() - 0.05) < 0.02 and det.threshold_ > 0
    assert det.decision_scores_.shape == (300,)
    outliers = rng.standard_normal((20, 4)) * 4
    scores = det.decision_function(np.vstack([normal[:20], outliers]))
    assert scores[20:].mean() > scores[:20].mean()  # higher = more abnormal
    assert set(det.predict(outliers)) <= {0, 1} and det.predict(outliers).mean() > 0.5
    proba = det.predict_proba(outliers)
    assert proba.shape == (20, 2) and np.allclose(proba.sum(1), 1)


def test_classifier_matches_deepshrink_train_on_the_same_windows_and_seed(tmp_path):
    x, y = _tones(64, 3)
    codes = np.unique(y, return_inverse=True)[1]
    xv, yv = _tones(16, 4)
    data = SimpleNamespace(
        train=SimpleNamespace(x=x[:, None], y=codes),
        val=SimpleNamespace(x=xv[:, None], y=np.unique(yv, return_inverse=True)[1]),
        test=SimpleNamespace(x=xv[:, None], y=np.unique(yv, return_inverse=True)[1]),
        classes=["inner", "normal", "outer"],
        sample_rate=1000.0,
    )
    cfg = parse_config(
        TrainConfig, {"epochs": 2, "batch_size": 16, "window": 256, "noise": "gaussian", "seed": 5}
    )
    ours = train(cfg, dataset=data, evaluate=False).model
    clf = DRSNClassifier(max_epochs=2, batch_size=16, noise="gaussian", random_state=5).fit(x, y)
    for k, v in ours.state_dict().items():
        torch.testing.assert_close(clf.model_.state_dict()[k], v, rtol=0, atol=0)
