"""Every registered model trains one step through its task (the one `fit`) and survives a save / load."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from deepshrink.engine.core.artifacts import load_model
from deepshrink.engine.core.config import RunOptions
from deepshrink.engine.core.fit import fit
from deepshrink.models import list_models, model_info
from deepshrink.tasks import ClassificationTask, DenoisingTask, ExampleDataModule, SignalDataModule

ONE_STEP = RunOptions(epochs=1, deterministic=False, accelerator="cpu")


def _shape(name: str) -> tuple[int, ...]:
    # small inputs of the model's kind: one training step is what is tested, not accuracy
    return (1, 128) if model_info(name).input_kind == "signal1d" else (1, 16, 16)


def _windows(shape, n, seed):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(x=rng.standard_normal((n, *shape)).astype(np.float32), y=rng.integers(0, 3, n))


@pytest.mark.parametrize("name", list_models(task="classification"))
def test_every_classifier_trains_one_step_and_round_trips(name, tmp_path):
    shape = _shape(name)
    data = SimpleNamespace(
        train=_windows(shape, 8, 0),
        val=_windows(shape, 4, 1),
        test=_windows(shape, 4, 2),
        classes=["a", "b", "c"],
    )
    dm = SignalDataModule(data, batch_size=8, noise="gaussian", snr=(0.0, 5.0))
    task = ClassificationTask(name, num_classes=3, in_channels=1, noise="gaussian", snr=(0.0, 5.0), seed=0)
    before = {k: v.clone() for k, v in task.model.state_dict().items()}
    meta = {"model": name, "model_kwargs": {"in_channels": 1, "num_classes": 3}, "task": "classification"}
    result = fit(task, dm, tmp_path / "run", options=ONE_STEP, meta=meta)
    after = result.model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if after[k].is_floating_point())
    assert 0.0 <= result.metrics["test_acc"] <= 100.0 and result.metrics["epochs_trained"] == 1
    # fit hands the network back in evaluation mode, every module of it (scoring must not flip it back)
    assert not any(m.training for m in result.model.modules())
    loaded, saved = load_model(tmp_path / "run")
    x = torch.randn(2, *shape)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), result.model(x))
    assert saved["metrics"]["test_acc"] == result.metrics["test_acc"]


def _autoencoder_kwargs(name: str, shape: tuple[int, ...]) -> dict:
    params = inspect.signature(model_info(name).fn).parameters
    return {"input_shape": list(shape)} if "input_shape" in params else {}


@pytest.mark.parametrize("name", list_models(task="autoencoder"))
def test_every_autoencoder_trains_one_step_and_round_trips(name, tmp_path):
    shape = _shape(name)
    kwargs = _autoencoder_kwargs(name, shape)
    images = model_info(name).input_kind == "image2d"
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(12, *shape, generator=gen) if images else torch.randn(12, *shape, generator=gen)
    task = DenoisingTask(
        name, model_kwargs=kwargs, corruption="gaussian", level=0.2, clip=(0.0, 1.0) if images else None
    )
    before = {k: v.clone() for k, v in task.model.state_dict().items()}
    meta = {"model": name, "model_kwargs": kwargs, "task": "autoencoder"}
    result = fit(
        task, ExampleDataModule(x[:8], x[8:], batch_size=8), tmp_path / "run", options=ONE_STEP, meta=meta
    )
    after = result.model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if after[k].is_floating_point())
    assert np.isfinite(result.metrics["val_loss"])
    assert not any(m.training for m in result.model.modules())
    loaded, _ = load_model(tmp_path / "run")
    torch.testing.assert_close(loaded.denoise(x[:2]), result.model.denoise(x[:2]))
