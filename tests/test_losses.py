import math

import pytest
import torch

from deepshrink.errors import ConfigError, DataError
from deepshrink.losses import (
    contractive_autograd,
    contractive_sigmoid,
    elbo_loss,
    emphasized_loss,
    gaussian_kl,
    kl_sparsity,
    l1_sparsity,
    reconstruction_loss,
)


def test_bce_refuses_targets_outside_unit_range():
    logits = torch.zeros(2, 4)
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        reconstruction_loss(logits, torch.tensor([[0.0, 0.5, 1.0, 1.5]] * 2), kind="bce", logits=True)
    with pytest.raises(DataError, match="NaN"):
        reconstruction_loss(logits, torch.full((2, 4), float("nan")), kind="bce", logits=True)
    # MSE accepts any real target
    assert reconstruction_loss(logits, torch.full((2, 4), 3.0), kind="mse") == pytest.approx(9.0)


def test_bce_with_logits_matches_probabilities_and_unknown_kind_is_refused():
    torch.manual_seed(0)
    z, t = torch.randn(3, 5), torch.rand(3, 5)
    a = reconstruction_loss(z, t, kind="bce", logits=True)
    b = reconstruction_loss(torch.sigmoid(z), t, kind="bce")
    assert a == pytest.approx(float(b), rel=1e-5)
    with pytest.raises(ConfigError, match="unknown reconstruction loss"):
        reconstruction_loss(z, t, kind="l7")
    with pytest.raises(ConfigError, match="shape"):
        reconstruction_loss(z, t[:, :4], kind="mse")


def test_emphasized_loss_weights_corrupted_and_clean_entries():
    out = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    target = torch.zeros(1, 4)
    mask = torch.tensor([[True, False, True, False]])
    # squared errors 1, 4, 9, 16; corrupted ones (1, 9) weight 2, others (4, 16) weight 0.5
    expected = (2 * 1 + 0.5 * 4 + 2 * 9 + 0.5 * 16) / 4
    assert emphasized_loss(out, target, mask, alpha=2.0, beta=0.5) == pytest.approx(expected)
    plain = reconstruction_loss(out, target, kind="mse")
    assert emphasized_loss(out, target, mask, alpha=1.0, beta=1.0) == pytest.approx(float(plain))
    with pytest.raises(ConfigError):
        emphasized_loss(out, target, mask, alpha=-1.0, beta=1.0)


def test_kl_sparsity_value_and_zero_at_target():
    code = torch.tensor([[0.1, 0.5], [0.3, 0.5]])  # unit means 0.2 and 0.5
    rho = 0.2
    expected = rho * math.log(rho / 0.5) + (1 - rho) * math.log((1 - rho) / 0.5)  # unit 1; unit 0 is 0
    assert kl_sparsity(code, rho) == pytest.approx(expected, rel=1e-5)
    assert kl_sparsity(torch.full((4, 3), 0.05), 0.05) == pytest.approx(0.0, abs=1e-7)
    assert l1_sparsity(torch.tensor([[-1.0, 2.0], [0.0, 3.0]])) == pytest.approx(3.0)
    with pytest.raises(ConfigError, match="rho"):
        kl_sparsity(code, 1.5)
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        kl_sparsity(code - 1, 0.1)


def test_contractive_closed_form_equals_autograd_jacobian_norm_float64():
    g = torch.Generator().manual_seed(0)
    layer = torch.nn.Linear(7, 5).double()
    x = torch.randn(4, 7, generator=g, dtype=torch.float64)

    def enc(v):
        return torch.sigmoid(layer(v))

    closed = contractive_sigmoid(enc(x), layer.weight)
    auto = contractive_autograd(enc, x)
    brute = torch.stack(
        [torch.autograd.functional.jacobian(enc, x[i : i + 1]).pow(2).sum() for i in range(4)]
    )
    assert torch.allclose(closed, auto, rtol=1e-12, atol=0)
    assert torch.allclose(closed, brute.mean(), rtol=1e-12, atol=0)
    closed.backward()  # the penalty is trainable
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()


def test_gaussian_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.3, -0.7, 0.0]], dtype=torch.float64)
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(400_000, 3, generator=g, dtype=torch.float64)
    log_q = (-0.5 * ((z - mu) / std) ** 2 - torch.log(std) - 0.5 * math.log(2 * math.pi)).sum(1)
    log_p = (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(1)
    mc = (log_q - log_p).mean()
    analytic = gaussian_kl(mu, logvar)
    assert analytic.shape == (1,)
    assert float(analytic) == pytest.approx(float(mc), abs=0.02)
    assert gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0


def test_elbo_is_reconstruction_plus_kl():
    torch.manual_seed(0)
    logits, target = torch.randn(3, 6), torch.rand(3, 6)
    mu, logvar = torch.randn(3, 2), torch.randn(3, 2)
    total, rec, kl = elbo_loss(logits, target, mu, logvar, beta=1.0)
    per_example = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(
        1
    )
    assert rec == pytest.approx(float(per_example.mean()), rel=1e-6)
    assert kl == pytest.approx(float(gaussian_kl(mu, logvar).mean()), rel=1e-6)
    assert total == pytest.approx(float(rec + kl), rel=1e-6)
    total2, _, _ = elbo_loss(logits, target, mu, logvar, beta=0.5)
    assert total2 == pytest.approx(float(rec + 0.5 * kl), rel=1e-6)
