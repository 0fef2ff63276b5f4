import copy

import pytest
import torch
from torch import nn

from deepshrink.errors import ConfigError
from deepshrink.layers import Shrinkage, _fused, collect_thresholds


def _plain(fn):
    """Run `fn` with the fused autograd functions switched off (the textbook autograd path)."""
    _fused.ENABLED = False
    try:
        return fn()
    finally:
        _fused.ENABLED = True


@pytest.mark.parametrize("mode", ["cw", "cs"])
@pytest.mark.parametrize("ndim", [1, 2])
def test_threshold_bounds_and_shape(mode, ndim):
    torch.manual_seed(0)
    layer = Shrinkage(6, mode=mode).train()
    x = torch.randn(8, 6, *([32] * ndim))
    y = layer(x)
    tau = layer.last_threshold
    a = x.abs().flatten(2).mean(-1)  # mean |x| per sample and channel
    assert y.shape == x.shape
    if mode == "cw":
        assert tau.shape == (8, 6)
        assert torch.all(tau > 0) and torch.all(tau <= a + 1e-6)
    else:
        assert tau.shape == (8, 1)  # one threshold shared by every channel of a sample
        assert torch.all(tau > 0) and torch.all(tau <= a.mean(1, keepdim=True) + 1e-6)
    # exactly the entries below their threshold are zeroed
    tau_b = tau.view(tau.shape + (1,) * ndim)
    assert torch.equal(y == 0, x.abs() <= tau_b)


def test_thresholds_grow_with_noise_and_differ_between_samples():
    torch.manual_seed(0)
    layer = Shrinkage(4, mode="cw").eval()
    clean = torch.sin(torch.linspace(0, 60, 512)).expand(1, 4, 512)
    noisy = clean + 2.0 * torch.randn(1, 4, 512)
    with torch.no_grad():
        layer(torch.cat([clean, noisy]))
    tau = layer.last_threshold
    assert not torch.allclose(tau[0], tau[1])
    assert torch.all(tau[1] > tau[0])


@pytest.mark.parametrize("mode", ["cw", "cs"])
@pytest.mark.parametrize("shortcut_channels", [None, 6, 2])
@pytest.mark.parametrize("inplace", [False, True])
def test_fused_equals_autograd_in_float64(mode, shortcut_channels, inplace):
    torch.manual_seed(1)
    layer = Shrinkage(6, mode=mode).double().train()
    ref = copy.deepcopy(layer)
    x = torch.randn(5, 6, 40, dtype=torch.float64, requires_grad=True)
    sc = (
        None
        if shortcut_channels is None
        else torch.randn(5, shortcut_channels, 40, dtype=torch.float64, requires_grad=True)
    )
    offset = 2 if shortcut_channels == 2 else 0
    g = torch.randn(5, 6, 40, dtype=torch.float64)
    inputs = [x] + ([sc] if sc is not None else [])

    # with inplace the layer may overwrite its input, so it gets a temporary computed from x
    y = layer(x * 1.0 if inplace else x, sc, offset, inplace)
    grads = torch.autograd.grad(y, inputs + list(layer.parameters()), g)
    y_ref = _plain(lambda: ref(x, sc, offset))
    grads_ref = torch.autograd.grad(y_ref, inputs + list(ref.parameters()), g)
    assert torch.allclose(y, y_ref, atol=1e-12)
    for a, b in zip(grads, grads_ref, strict=True):
        assert torch.allclose(a, b, atol=1e-10, rtol=1e-8)
    for a, b in zip(layer.buffers(), ref.buffers(), strict=True):
        assert torch.allclose(a.double(), b.double())


@pytest.mark.parametrize("mode", ["cw", "cs"])
def test_gradcheck_fused_shrinkage(mode):
    torch.manual_seed(2)
    layer = Shrinkage(3, mode=mode).double().train()
    x = torch.randn(4, 3, 10, dtype=torch.float64, requires_grad=True)

    def f(inp):
        # fresh running stats each call so that repeated evaluations are identical
        layer.bn.reset_running_stats()
        return layer(inp)

    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-5)


def test_inplace_fused_shrinkage_passes_gradcheck_and_overwrites_only_its_input():
    torch.manual_seed(6)
    layer = Shrinkage(3, mode="cw").double().train()
    x = torch.randn(4, 3, 10, dtype=torch.float64, requires_grad=True)
    sc = torch.randn(4, 3, 10, dtype=torch.float64, requires_grad=True)
    sc_before = sc.detach().clone()

    def f(inp, short):
        layer.bn.reset_running_stats()
        return layer(inp.clone(), short, 0, True)

    assert torch.autograd.gradcheck(f, (x, sc), eps=1e-6, atol=1e-5)
    temp = x * 1.0
    layer(temp, sc, 0, True)
    assert not torch.equal(temp, x)  # the temporary was reused ...
    assert torch.equal(sc, sc_before)  # ... the shortcut was not


def test_inplace_shrinkage_on_an_input_saved_by_autograd_is_an_error_not_a_wrong_gradient():
    layer = Shrinkage(3, mode="cw").train()
    w = torch.randn(3, 1, requires_grad=True)
    x = torch.randn(4, 3, 10, requires_grad=True)
    h = x * 2.0
    other = h * w  # saves h for its backward
    y = layer(h, None, 0, True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (y.sum() + other.sum()).backward()


def test_gradcheck_fused_bn_relu():
    torch.manual_seed(3)
    bn = nn.BatchNorm1d(3).double().train()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    x = torch.randn(4, 3, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: _fused.bn_relu(t, bn), (x,), eps=1e-6, atol=1e-5)
    y = _fused.bn_relu(x, bn)
    bn2 = nn.BatchNorm1d(3).double().train()
    bn2.load_state_dict(bn.state_dict())
    assert torch.allclose(y, torch.relu(bn2(x)), atol=1e-10)


@pytest.mark.parametrize("mode", ["cw", "cs"])
def test_fused_equals_autograd_for_a_batch_of_one(mode):
    # the sub-network's batch norm then normalises with its running statistics, forward and backward
    torch.manual_seed(5)
    layer = Shrinkage(4, mode=mode).double().train()
    with torch.no_grad():
        layer.bn.running_mean.uniform_(-0.5, 0.5)
        layer.bn.running_var.uniform_(0.5, 2.0)
    ref = copy.deepcopy(layer)
    x = torch.randn(1, 4, 30, dtype=torch.float64, requires_grad=True)
    g = torch.randn(1, 4, 30, dtype=torch.float64)
    y = layer(x)
    grads = torch.autograd.grad(y, [x, *layer.parameters()], g)
    y_ref = _plain(lambda: ref(x))
    grads_ref = torch.autograd.grad(y_ref, [x, *ref.parameters()], g)
    assert torch.allclose(y, y_ref, atol=1e-12)
    for a, b in zip(grads, grads_ref, strict=True):
        assert torch.allclose(a, b, atol=1e-10, rtol=1e-8)


def test_batch_of_one_trains_and_keeps_running_stats():
    torch.manual_seed(4)
    layer = Shrinkage(5, mode="cw").train()
    before = layer.bn.running_mean.clone()
    x = torch.randn(1, 5, 64, requires_grad=True)
    y = layer(x)
    y.square().sum().backward()
    assert torch.isfinite(y).all()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    assert torch.equal(layer.bn.running_mean, before)


def test_drop_in_block_for_any_cnn():
    block1 = nn.Sequential(nn.Conv1d(3, 8, 3, padding=1), nn.BatchNorm1d(8), nn.ReLU(), Shrinkage(8))
    block2 = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), Shrinkage(8, mode="cs")
    )
    assert block1(torch.randn(2, 3, 100)).shape == (2, 8, 100)
    assert block2(torch.randn(2, 3, 16, 16)).shape == (2, 8, 16, 16)
    assert set(collect_thresholds(block1)) == {"3"}


@pytest.mark.parametrize("kind", ["firm", "garrote", "hard"])
def test_other_threshold_rules_run_and_backpropagate(kind):
    layer = Shrinkage(4, threshold=kind).train()
    x = torch.randn(3, 4, 20, requires_grad=True)
    layer(x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ConfigError, match="mode"):
        Shrinkage(4, mode="cx")
    with pytest.raises(ConfigError, match="threshold"):
        Shrinkage(4, threshold="smooth")
    with pytest.raises(ConfigError, match=r"expects \(B, 4"):
        Shrinkage(4)(torch.randn(2, 3, 10))
