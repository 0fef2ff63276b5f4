"""Every registered classifier exports with torch.export and to ONNX, and onnxruntime matches PyTorch."""

import numpy as np
import pytest
import torch

from deepshrink.models import create_model, list_models, model_info

pytestmark = pytest.mark.export

CLASSIFIERS = list_models(task="classification")


def _example(name):
    shape = model_info(name).default_input
    if len(shape) == 3:
        shape = (shape[0], 32, 32)
    return torch.randn(2, *shape)


def _trained_stats(model, x):
    # one training-mode pass so that BatchNorm running statistics are not the trivial 0/1
    model.train()
    with torch.no_grad():
        model(torch.cat([x, 2 * x]))
    return model.eval()


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_torch_export(name):
    torch.manual_seed(0)
    x = _example(name)
    model = _trained_stats(create_model(name), x)
    program = torch.export.export(model, (x,))
    with torch.no_grad():
        assert torch.allclose(program.module()(x), model(x), atol=1e-5)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_onnx_matches_pytorch(name, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    x = _example(name)
    model = _trained_stats(create_model(name), x)
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(
        model,
        (x,),
        str(path),
        input_names=["x"],
        output_names=["logits"],
        dynamo=False,
        dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x3 = torch.cat([x, x[:1]])  # another batch size than at export time
    (out,) = session.run(None, {"x": x3.numpy()})
    with torch.no_grad():
        ref = model(x3).numpy()
    assert np.abs(out - ref).max() < 1e-4


@pytest.mark.parametrize("mode", ["zscore", "minmax", "none"])
def test_exported_run_normalises_raw_windows_like_pytorch(mode, tmp_path):
    """The ONNX file of a run takes RAW windows: its graph holds the run's normalisation, and onnxruntime's
    probabilities equal the PyTorch pipeline's (normalise, network, softmax) within 1e-5."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from deepshrink.engine.classify.export import export_onnx
    from deepshrink.functional.normalize import normalize

    torch.manual_seed(0)
    model = _trained_stats(
        create_model("drsn_cw_paper", in_channels=1, num_classes=4), torch.randn(8, 1, 256)
    )
    meta = {
        "task": "classification",
        "model": "drsn_cw_paper",
        "model_kwargs": {"in_channels": 1},
        "window": 256,
        "normalize": mode,
    }
    path = tmp_path / "run.onnx"
    export_onnx(model, meta, path)
    raw = 5.0 * torch.randn(6, 1, 256) + 2.0  # a level and an offset far from a normalised window's
    (probs,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        ["probabilities"], {"x": raw.numpy()}
    )
    with torch.no_grad():
        ref = torch.softmax(model(normalize(raw, mode)), dim=1).numpy()
    assert np.abs(probs - ref).max() < 1e-5
    if mode != "none":  # without the normalisation in the graph the answer would differ
        with torch.no_grad():
            unnormalised = torch.softmax(model(raw), dim=1).numpy()
        assert np.abs(unnormalised - ref).max() > 1e-3
