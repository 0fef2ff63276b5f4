import pytest
import torch

from deepshrink.errors import ConfigError
from deepshrink.functional import (
    THRESHOLDS,
    firm_threshold,
    garrote_threshold,
    hard_threshold,
    soft_threshold,
    threshold,
)

ALL = [soft_threshold, hard_threshold, firm_threshold, garrote_threshold]


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 3, 50, generator=g, dtype=torch.float64)
    tau = torch.rand(4, 3, 1, generator=g, dtype=torch.float64) * 0.8 + 0.1
    return x, tau


@pytest.mark.parametrize("fn", ALL)
def test_zeroes_exactly_below_threshold_and_never_grows(fn):
    x, tau = _data()
    y = fn(x, tau)
    below = x.abs() <= tau
    assert torch.all(y[below] == 0)
    assert torch.all(y[~below] != 0)
    assert torch.all(y.abs() <= x.abs() + 1e-12)
    assert torch.all(torch.sign(y[~below]) == torch.sign(x[~below]))


def test_soft_threshold_values():
    x = torch.tensor([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]])
    y = soft_threshold(x, torch.tensor([[1.0]]))
    assert torch.equal(y, torch.tensor([[-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]]))


def test_firm_is_soft_near_tau_and_identity_far_above():
    x = torch.tensor([1.5, 2.0, 2.5, 5.0])
    y = firm_threshold(x, 1.0, ratio=2.0)
    assert torch.allclose(y, torch.tensor([1.0, 2.0, 2.5, 5.0]))


def test_garrote_values():
    x = torch.tensor([-2.0, 0.5, 2.0])
    assert torch.allclose(garrote_threshold(x, 1.0), torch.tensor([-1.5, 0.0, 1.5]))


@pytest.mark.parametrize("fn", ALL)
def test_all_zero_input_gives_zero_and_finite_gradients(fn):
    x = torch.zeros(2, 3, 8, requires_grad=True)
    tau = torch.full((2, 3, 1), 0.5, requires_grad=True)
    y = fn(x, tau)
    y.sum().backward()
    assert torch.all(y == 0)
    assert torch.isfinite(x.grad).all()
    assert tau.grad is None or torch.isfinite(tau.grad).all()  # hard: tau gets no gradient


@pytest.mark.parametrize("fn", [soft_threshold, firm_threshold, garrote_threshold])
def test_gradcheck_away_from_kinks(fn):
    x, tau = _data(1)
    # keep |x| away from tau and ratio * tau where the functions have kinks
    for t in (tau, 2 * tau):
        close = (x.abs() - t).abs() < 0.05
        x = torch.where(close, x + 0.2 * torch.sign(x), x)
    x.requires_grad_(True)
    tau.requires_grad_(True)
    assert torch.autograd.gradcheck(fn, (x, tau), eps=1e-6, atol=1e-6)


def test_soft_gradient_is_mask_and_minus_sign():
    x = torch.tensor([-2.0, -0.5, 0.5, 2.0], requires_grad=True)
    tau = torch.tensor(1.0, requires_grad=True)
    soft_threshold(x, tau).sum().backward()
    assert torch.equal(x.grad, torch.tensor([1.0, 0.0, 0.0, 1.0]))
    assert tau.grad.item() == 0.0  # -(-1) + -(+1)


def test_tau_per_sample_broadcasts():
    x = torch.ones(2, 3, 4)
    y = soft_threshold(x, torch.tensor([0.5, 2.0]).view(2, 1, 1))
    assert torch.all(y[0] == 0.5) and torch.all(y[1] == 0)


def test_bad_tau_shape_is_a_clear_error():
    with pytest.raises(ConfigError, match="does not broadcast"):
        soft_threshold(torch.ones(2, 3, 4), torch.ones(3, 3, 1))


def test_dispatcher_and_unknown_kind():
    x, tau = _data()
    for kind in THRESHOLDS:
        assert threshold(x, tau, kind).shape == x.shape
    with pytest.raises(ConfigError, match="unknown threshold"):
        threshold(x, tau, "softest")
