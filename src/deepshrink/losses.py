"""Reconstruction losses and autoencoder penalties.

All losses return a scalar: per-example sums where the classic formulation sums (ELBO, sparsity, Jacobian
norm) and means over the batch, so their size does not depend on the batch size. Pixel-wise losses (MSE, BCE,
emphasised) are means over every entry, so that a learning rate works for any image size.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from deepshrink.errors import ConfigError, DataError

LOSSES = ("mse", "bce")
# float32 round-off when data were scaled to [0, 1] (e.g. x / 255) must not be refused
_RANGE_TOL = 1e-6


def check_unit_range(x: Tensor, *, name: str = "target") -> None:
    """Raise `DataError` unless every entry of `x` is finite and lies in [0, 1]."""
    if not torch.isfinite(x).all():
        raise DataError(f"{name} contains NaN or inf values")
    lo, hi = float(x.detach().min()), float(x.detach().max())
    if lo < -_RANGE_TOL or hi > 1 + _RANGE_TOL:
        raise DataError(
            f"{name} has values in [{lo:.4g}, {hi:.4g}] but a sigmoid output / BCE needs data in [0, 1]; "
            "rescale the data (e.g. x / 255) or use a model with a linear output and loss='mse'"
        )


def _entrywise(output: Tensor, target: Tensor, *, kind: str, logits: bool) -> Tensor:
    if output.shape != target.shape:
        raise ConfigError(
            f"output shape {tuple(output.shape)} differs from target shape {tuple(target.shape)}"
        )
    if kind == "mse":
        pred = torch.sigmoid(output) if logits else output
        return (pred - target) ** 2
    if kind == "bce":
        check_unit_range(target, name="BCE target")
        if logits:
            return F.binary_cross_entropy_with_logits(output, target, reduction="none")
        if float(output.detach().min()) < 0 or float(output.detach().max()) > 1:
            raise ConfigError(
                "BCE on probabilities needs outputs in [0, 1]; pass logits=True for raw outputs"
            )
        return F.binary_cross_entropy(output, target, reduction="none")
    raise ConfigError(f"unknown reconstruction loss {kind!r}; choose one of {', '.join(LOSSES)}")


def reconstruction_loss(output: Tensor, target: Tensor, *, kind: str = "bce", logits: bool = False) -> Tensor:
    """Mean over all entries of the MSE or binary cross-entropy between `output` and `target`.

    `logits=True` means `output` is the pre-sigmoid activation (numerically stable BCE). BCE refuses a
    target outside [0, 1] with a `DataError`.
    """
    return _entrywise(output, target, kind=kind, logits=logits).mean()


def emphasized_loss(
    output: Tensor,
    target: Tensor,
    corrupted: Tensor,
    *,
    alpha: float = 1.0,
    beta: float = 0.5,
    kind: str = "mse",
    logits: bool = False,
) -> Tensor:
    """Emphasised denoising loss (Vincent et al. 2010): weight `alpha` on corrupted entries, `beta` elsewhere.

    `corrupted` is a boolean (or 0/1) tensor of the target's shape marking the entries the corruption
    changed. The weighted entry losses are averaged over all entries, so alpha = beta = 1 gives
    `reconstruction_loss`.
    """
    if alpha < 0 or beta < 0 or alpha + beta == 0:
        raise ConfigError(f"emphasis weights must be >= 0 and not both 0, got alpha={alpha}, beta={beta}")
    if corrupted.shape != target.shape:
        raise ConfigError(
            f"corruption mask shape {tuple(corrupted.shape)} differs from {tuple(target.shape)}"
        )
    entry = _entrywise(output, target, kind=kind, logits=logits)
    m = corrupted.to(entry.dtype)
    return (entry * (alpha * m + beta * (1 - m))).mean()


def kl_sparsity(code: Tensor, rho: float, *, eps: float = 1e-6) -> Tensor:
    """Sparsity penalty sum_j KL(rho || rho_hat_j), rho_hat_j the batch-mean activation of code unit j.

    The code must be a (B, H) sigmoid activation in [0, 1] (Ng's sparse autoencoder).
    """
    if not 0 < rho < 1:
        raise ConfigError(f"sparsity target rho must be in (0, 1), got {rho}")
    if code.ndim != 2:
        raise ConfigError(f"kl_sparsity needs a (batch, units) code, got shape {tuple(code.shape)}")
    if float(code.detach().min()) < 0 or float(code.detach().max()) > 1:
        raise ConfigError("kl_sparsity needs a code in [0, 1] (a sigmoid code layer); use the L1 penalty")
    rho_hat = code.mean(0).clamp(eps, 1 - eps)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return kl.sum()


def l1_sparsity(code: Tensor) -> Tensor:
    """L1 sparsity penalty: the per-example sum of |code|, averaged over the batch."""
    return code.abs().flatten(1).sum(1).mean()


def contractive_sigmoid(h: Tensor, weight: Tensor) -> Tensor:
    """Closed-form squared Frobenius norm of the Jacobian of h = sigmoid(W x + b), averaged over the batch.

    dh_j/dx_i = h_j (1 - h_j) W_ji, so ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ji^2 (Rifai et al. 2011).
    `h` is (B, H) and `weight` is W with shape (H, D).
    """
    if h.ndim != 2 or weight.ndim != 2 or weight.shape[0] != h.shape[1]:
        raise ConfigError(
            f"contractive_sigmoid needs h (B, H) and W (H, D), got {tuple(h.shape)}, {tuple(weight.shape)}"
        )
    return ((h * (1 - h)) ** 2 @ (weight**2).sum(1)).mean()


def contractive_autograd(encoder: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Squared Frobenius norm of d encoder(x) / dx per example, by autograd, averaged over the batch.

    The encoder must treat examples independently (no BatchNorm in training mode). The result is
    differentiable (the penalty can be trained).
    """
    flat = x.flatten(1)

    def one(v: Tensor) -> Tensor:
        return encoder(v.view(1, *x.shape[1:])).flatten()

    jac = torch.func.vmap(torch.func.jacrev(one))(flat)  # (B, H, D)
    return jac.pow(2).flatten(1).sum(1).mean()


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """Per-example KL( N(mu, exp(logvar)) || N(0, I) ), summed over latent dimensions: shape (B,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).flatten(1).sum(1)


def elbo_loss(
    recon: Tensor,
    target: Tensor,
    mu: Tensor,
    logvar: Tensor,
    *,
    kind: str = "bce",
    logits: bool = True,
    beta: float = 1.0,
) -> tuple[Tensor, Tensor, Tensor]:
    """Negative ELBO = reconstruction + beta * KL, each summed per example and averaged over the batch.

    Reconstruction is the Bernoulli negative log-likelihood (`kind="bce"`) or the squared error
    (`kind="mse"`, a Gaussian likelihood of unit variance up to constants and a factor 2). Returns
    (loss, reconstruction, kl).
    """
    if beta < 0 or not math.isfinite(beta):
        raise ConfigError(f"ELBO beta must be a finite number >= 0, got {beta}")
    rec = _entrywise(recon, target, kind=kind, logits=logits).flatten(1).sum(1).mean()
    kl = gaussian_kl(mu, logvar).mean()
    return rec + beta * kl, rec, kl
