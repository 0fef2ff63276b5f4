import copy
import math

import pytest
import torch

from deepshrink.errors import ConfigError
from deepshrink.layers import _fused, collect_thresholds
from deepshrink.models import ResNet, count_parameters, create_model, list_models, model_info

CLASSIFIERS = list_models(task="classification")


def _input(name, batch=4, **kw):
    shape = model_info(name).default_input
    if len(shape) == 3:  # keep 2-D tests small
        shape = (shape[0], 16, 16)
    return torch.randn(batch, *shape, **kw)


def test_registry_lists_the_paper_presets_and_more():
    for name in ("convnet_paper", "resnet_paper", "drsn_cs_paper", "drsn_cw_paper"):
        assert name in CLASSIFIERS
    assert list_models("drsn_cw_*") == sorted(n for n in CLASSIFIERS if n.startswith("drsn_cw_"))
    assert len(list_models("*_2d_*")) >= 4
    info = model_info("drsn_cw_paper")
    assert info.input_kind == "signal1d" and info.default_input == (1, 2048) and "Zhao" in info.reference


def test_unknown_model_suggests_close_names():
    with pytest.raises(ConfigError, match="did you mean drsn_cw_paper"):
        create_model("drsn_cw_papr")
    with pytest.raises(ConfigError, match="drsn_cw_paper"):
        create_model("drsn_cw_paper", widths_typo=3)


@pytest.mark.parametrize(
    "name,params",
    [("convnet_paper", 8416), ("resnet_paper", 8416), ("drsn_cs_paper", 10220), ("drsn_cw_paper", 11552)],
)
def test_paper_parameter_counts(name, params):
    # Table II layout with 8 classes (conv/FC biases, BN affine), as counted in the paper's setting
    assert count_parameters(create_model(name, num_classes=8)) == params


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_forward_shape_no_nan_and_every_parameter_gets_a_gradient(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=5).train()
    x = _input(name)
    logits = model(x)
    assert logits.shape == (4, 5) and model.num_classes == 5
    assert torch.isfinite(logits).all()
    logits.logsumexp(1).sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
    nonzero = sum(int(p.grad.abs().sum() > 0) for p in model.parameters())
    assert nonzero >= 0.7 * len(list(model.parameters()))
    feats = model.forward_features(x)
    assert feats.shape[:2] == (4, model.num_features)
    assert torch.allclose(model.forward_head(feats), model(x), atol=1e-5)  # train mode: same batch stats


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_eval_mode_outputs_are_logits_not_probabilities(name):
    model = create_model(name).eval()
    with torch.no_grad():
        out = model(_input(name, batch=3))
    assert torch.isfinite(out).all()
    assert not torch.allclose(out.sum(1), torch.ones(3))


@pytest.mark.parametrize("name", ["resnet_paper", "drsn_cs_paper", "drsn_cw_paper", "drsn_cw_1d_m"])
def test_fast_training_path_equals_textbook_path(name):
    torch.manual_seed(0)
    model = create_model(name).double().train()
    ref = copy.deepcopy(model)
    ref._phase0 = 1  # textbook layout
    x = torch.randn(6, 1, 2048, dtype=torch.float64)
    g = torch.randn(6, 10, dtype=torch.float64)
    y = model(x)
    grads = torch.autograd.grad(y, list(model.parameters()), g)
    _fused.ENABLED = False
    try:
        y_ref = ref(x)
    finally:
        _fused.ENABLED = True
    grads_ref = torch.autograd.grad(y_ref, list(ref.parameters()), g)
    assert torch.allclose(y, y_ref, atol=1e-10)
    scale = max(b.abs().max() for b in grads_ref)
    for a, b in zip(grads, grads_ref, strict=True):
        assert torch.allclose(a, b, atol=1e-9 * scale, rtol=1e-7)


@pytest.mark.parametrize("length", [2048, 1000, 777, 64, 16])
def test_any_input_length_and_multichannel(length):
    model = create_model("drsn_cw_paper", in_channels=3, num_classes=4).train()
    out = model(torch.randn(2, 3, length))
    assert out.shape == (2, 4) and torch.isfinite(out).all()


def test_batch_of_one_trains():
    model = create_model("drsn_cw_paper").train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.functional.cross_entropy(model(torch.randn(1, 1, 2048)), torch.tensor([3]))
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)


def test_wrong_input_shape_is_a_clear_error():
    model = create_model("drsn_cw_paper")
    with pytest.raises(ConfigError, match=r"expects input \(B, C, L\) with C=1"):
        model(torch.randn(2, 2048))
    with pytest.raises(ConfigError, match="C=1"):
        model(torch.randn(2, 3, 2048))


def test_he_normal_initialisation():
    torch.manual_seed(0)
    model = create_model("resnet_1d_l")
    conv = model.units[5].conv1
    fan_in = conv.weight[0].numel()
    assert abs(conv.weight.std().item() - math.sqrt(2 / fan_in)) < 0.1 * math.sqrt(2 / fan_in)
    assert torch.all(conv.bias == 0)


def test_thresholds_are_recorded_per_block():
    model = create_model("drsn_cw_paper").eval()
    with torch.no_grad():
        model(torch.randn(5, 1, 2048))
    taus = collect_thresholds(model)
    assert len(taus) == 12 and all(t.shape == (5,) for t in taus.values())
    assert not collect_thresholds(create_model("resnet_paper"))


def test_skeleton_arguments_are_validated():
    with pytest.raises(ConfigError, match="widths"):
        ResNet(1, 10, widths=(4, 8), depths=(1,))
    with pytest.raises(ConfigError, match="shrinkage"):
        ResNet(1, 10, shrinkage="xy")
