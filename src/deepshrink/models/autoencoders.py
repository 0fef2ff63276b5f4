"""Autoencoders: MLP / stacked / sparse / contractive DAEs, a VAE, and (from `autoencoders_conv`) the
convolutional and shrinkage denoisers. Every model has `encode`, `decode`, `denoise`, `anomaly_score` and
`loss` (see `AutoEncoder`), and is registered with task="autoencoder".
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.losses import (
    check_unit_range,
    contractive_autograd,
    contractive_sigmoid,
    elbo_loss,
    kl_sparsity,
    l1_sparsity,
)
from deepshrink.models._registry import register_model
from deepshrink.models.autoencoders_base import OUTPUTS, AutoEncoder
from deepshrink.models.autoencoders_conv import UNetCode, UNetDAE

__all__ = [
    "MLPDAE",
    "VAE",
    "AutoEncoder",
    "ContractiveAE",
    "EncoderClassifier",
    "SparseAE",
    "UNetCode",
    "UNetDAE",
]

_ACTS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}
VINCENT = "Vincent et al., Stacked denoising autoencoders, JMLR 2010"


def _act(name: str) -> nn.Module:
    try:
        return _ACTS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(_ACTS)}") from None


def _shape(input_shape: Any) -> tuple[int, ...]:
    shape = (int(input_shape),) if isinstance(input_shape, int) else tuple(int(s) for s in input_shape)
    if not shape or min(shape) < 1:
        raise ConfigError(f"input_shape must be positive sizes, got {input_shape!r}")
    return shape


class MLPDAE(AutoEncoder):
    """Fully connected (denoising) autoencoder: D -> hidden[0] -> ... -> hidden[-1] -> ... -> D.

    The classic Vincent et al. DAE is `hidden=(512,)` with sigmoid units and a sigmoid output. With several
    hidden layers it is a stacked DAE: `deepshrink.engine.denoise.pretrain_greedy` trains it layer by layer.
    `tied=True` uses the transposed encoder weights in the decoder (each decoder layer keeps its own bias).
    The decoder's hidden layers use the encoder's activation, so a decoder layer reconstructs the code of the
    layer below in its own range (what greedy pre-training needs).
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        *,
        hidden: tuple[int, ...] = (512,),
        activation: str = "sigmoid",
        output: str = "sigmoid",
        tied: bool = False,
    ) -> None:
        super().__init__()
        self.input_shape = _shape(input_shape)
        hidden = tuple(int(h) for h in ((hidden,) if isinstance(hidden, int) else hidden))
        if not hidden or min(hidden) < 1:
            raise ConfigError(f"hidden must be one or more positive layer widths, got {hidden!r}")
        if output not in OUTPUTS:
            raise ConfigError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.output = output
        self.output_range = (0.0, 1.0) if output == "sigmoid" else None
        self.activation = activation
        self.tied = tied
        dims = (math.prod(self.input_shape), *hidden)
        self.dims = dims
        self.enc = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        self.act = _act(activation)
        if tied:
            self.dec_bias = nn.ParameterList(nn.Parameter(torch.zeros(d)) for d in dims[:-1])
            self.dec = None
        else:
            self.dec = nn.ModuleList(nn.Linear(b, a) for a, b in itertools.pairwise(dims))

    @property
    def num_layers(self) -> int:
        """Number of encoder (= decoder) layers."""
        return len(self.enc)

    def encode_layer(self, i: int, x: Tensor) -> Tensor:
        """Encoder layer `i` alone on a (B, dims[i]) input."""
        return self.act(self.enc[i](x))

    def decode_layer_logits(self, i: int, h: Tensor) -> Tensor:
        """Decoder layer `i` alone (maps a layer-i code back to a (B, dims[i]) pre-activation)."""
        if self.dec is None:
            return F.linear(h, self.enc[i].weight.t(), self.dec_bias[i])
        return self.dec[i](h)

    def layer_output(self, i: int, y: Tensor) -> Tensor:
        """Activation of decoder layer `i`: the model output for layer 0, the hidden activation above."""
        return self._activate(y) if i == 0 else self.act(y)

    def encode(self, x: Tensor) -> Tensor:
        """The top code (B, hidden[-1])."""
        h = x.flatten(1)
        for i in range(self.num_layers):
            h = self.encode_layer(i, h)
        return h

    def decode_logits(self, code: Tensor) -> Tensor:
        """The output pre-activation, reshaped to (B, *input_shape)."""
        h = code
        for i in reversed(range(self.num_layers)):
            h = self.decode_layer_logits(i, h)
            if i > 0:
                h = self.act(h)
        return h.view(h.shape[0], *self.input_shape)


class SparseAE(MLPDAE):
    """Sparse autoencoder: `penalty="kl"` (KL towards a mean activation `rho`, needs the sigmoid code) or
    `penalty="l1"` (L1 on the code), weighted by `weight`."""

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        *,
        hidden: tuple[int, ...] = (256,),
        penalty: str = "kl",
        rho: float = 0.05,
        weight: float = 0.1,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_shape, hidden=hidden, **kwargs)
        if penalty not in ("kl", "l1"):
            raise ConfigError(f"sparsity penalty must be 'kl' or 'l1', got {penalty!r}")
        if penalty == "kl" and self.activation != "sigmoid":
            raise ConfigError("the KL sparsity penalty needs activation='sigmoid' (a code in [0, 1])")
        if not 0 < rho < 1 or weight < 0:
            raise ConfigError(f"need 0 < rho < 1 and weight >= 0, got rho={rho}, weight={weight}")
        self.sparsity, self.rho, self.weight = penalty, float(rho), float(weight)

    def penalty(self, x: Tensor, code: Tensor) -> tuple[Tensor, dict[str, float]]:
        """weight * (KL sparsity or L1 of the code)."""
        p = kl_sparsity(code, self.rho) if self.sparsity == "kl" else l1_sparsity(code)
        return self.weight * p, {"sparsity": float(p.detach())}


class ContractiveAE(MLPDAE):
    """Contractive autoencoder (Rifai et al. 2011): adds `weight` * ||d code / d x||_F^2.

    For one sigmoid hidden layer the penalty has a closed form; otherwise it is computed by autograd.
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        *,
        hidden: tuple[int, ...] = (256,),
        weight: float = 0.1,
        **kwargs,
    ) -> None:
        super().__init__(input_shape, hidden=hidden, **kwargs)
        if weight < 0:
            raise ConfigError(f"contractive weight must be >= 0, got {weight}")
        self.weight = float(weight)

    @property
    def closed_form(self) -> bool:
        """True when the Jacobian norm has the closed form of a single sigmoid layer."""
        return self.num_layers == 1 and self.activation == "sigmoid"

    def jacobian_penalty(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        """Batch-mean squared Frobenius norm of the encoder Jacobian at `x`."""
        if self.closed_form:
            h = self.encode(x) if code is None else code
            return contractive_sigmoid(h, self.enc[0].weight)
        return contractive_autograd(self.encode, x)

    def penalty(self, x: Tensor, code: Tensor) -> tuple[Tensor, dict[str, float]]:
        """weight * Jacobian penalty."""
        p = self.jacobian_penalty(x, code)
        return self.weight * p, {"contractive": float(p.detach())}


class VAE(AutoEncoder):
    """Variational autoencoder with a Gaussian latent and a Bernoulli (sigmoid) or Gaussian (linear) decoder.

    `encode` returns the posterior mean (deterministic, for `denoise` and features); `loss` samples with the
    given generator and returns the negative ELBO. log-variances are clamped to [-logvar_clip, logvar_clip]
    so that exp() can neither overflow nor underflow into NaN gradients.
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        *,
        hidden: tuple[int, ...] = (400,),
        latent: int = 16,
        output: str = "sigmoid",
        beta: float = 1.0,
        logvar_clip: float = 10.0,
    ) -> None:
        super().__init__()
        self.input_shape = _shape(input_shape)
        if output not in OUTPUTS:
            raise ConfigError(f"output must be one of {OUTPUTS}, got {output!r}")
        if latent < 1 or beta < 0 or logvar_clip <= 0:
            raise ConfigError(
                f"need latent >= 1, beta >= 0, logvar_clip > 0 (got {latent}, {beta}, {logvar_clip})"
            )
        self.output = output
        self.output_range = (0.0, 1.0) if output == "sigmoid" else None
        self.latent, self.beta, self.logvar_clip = int(latent), float(beta), float(logvar_clip)
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        d = math.prod(self.input_shape)
        enc: list[nn.Module] = []
        for a, b in zip((d, *hidden[:-1]), hidden, strict=True):
            enc += [nn.Linear(a, b), nn.ReLU()]
        self.body = nn.Sequential(*enc)
        self.to_stats = nn.Linear(hidden[-1], 2 * latent)
        dec: list[nn.Module] = []
        for a, b in zip((latent, *hidden[::-1][:-1]), hidden[::-1], strict=True):
            dec += [nn.Linear(a, b), nn.ReLU()]
        self.dec = nn.Sequential(*dec, nn.Linear(hidden[0], d))

    def encode_stats(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and clamped log-variance, each (B, latent)."""
        mu, logvar = self.to_stats(self.body(x.flatten(1))).chunk(2, dim=1)
        return mu, logvar.clamp(-self.logvar_clip, self.logvar_clip)

    def encode(self, x: Tensor) -> Tensor:
        """Posterior mean (B, latent)."""
        return self.encode_stats(x)[0]

    def decode_logits(self, code: Tensor) -> Tensor:
        """Decoder pre-activation, reshaped to (B, *input_shape)."""
        return self.dec(code).view(code.shape[0], *self.input_shape)

    def loss(
        self,
        noisy: Tensor,
        clean: Tensor,
        *,
        kind: str | None = None,
        corrupted: Tensor | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> tuple[Tensor, dict[str, float]]:
        """Negative ELBO (per-example sums, batch mean) of `clean` given the encoding of `noisy`.

        One reparameterised sample z = mu + sigma * eps with eps drawn from `generator`. `corrupted`,
        `alpha`, `beta` (emphasis) do not apply to the ELBO and are ignored; the KL weight is `self.beta`.
        """
        kind = kind or self.default_loss()
        if self.output == "sigmoid":
            check_unit_range(clean, name="clean target")
        elif kind == "bce":
            raise ConfigError("loss 'bce' needs a sigmoid output; this VAE has a linear output")
        mu, logvar = self.encode_stats(noisy)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + torch.exp(0.5 * logvar) * eps
        total, rec, kl = elbo_loss(
            self.decode_logits(z),
            clean,
            mu,
            logvar,
            kind=kind,
            logits=self.output == "sigmoid",
            beta=self.beta,
        )
        return total, {"recon": float(rec.detach()), "kl": float(kl.detach())}

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """`n` new examples decoded from z ~ N(0, I) drawn with `generator`."""
        p = next(self.parameters())
        with torch.no_grad():
            z = torch.randn(n, self.latent, generator=generator, device=p.device, dtype=p.dtype)
            return self.decode(z)


class EncoderClassifier(nn.Module):
    """A classifier on top of an autoencoder's encoder: logits = head(dropout(features(x))).

    Used to fine-tune a pre-trained (stacked) DAE end to end. `freeze=True` trains the head only.
    """

    def __init__(
        self, autoencoder: AutoEncoder, num_classes: int, *, freeze: bool = False, dropout: float = 0.0
    ):
        super().__init__()
        if num_classes < 2:
            raise ConfigError(f"num_classes must be >= 2, got {num_classes}")
        self.autoencoder = autoencoder
        self.num_classes = int(num_classes)
        dim = autoencoder.feature_dim
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(dim, num_classes)
        for p in autoencoder.parameters():
            p.requires_grad_(not freeze)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits (B, num_classes)."""
        return self.head(self.dropout(self.autoencoder.code_features(x)))


# -- registry ------------------------------------------------------------------------------------------------
_IMG = (1, 28, 28)


@register_model(task="autoencoder", input_kind="image2d", default_input=_IMG, reference=VINCENT)
def dae_mlp(input_shape: Any = _IMG, **kwargs: Any) -> MLPDAE:
    """Classic MLP denoising autoencoder 784-512-784, sigmoid units and output (set hidden/tied/...)."""
    return MLPDAE(input_shape, **kwargs)


@register_model(task="autoencoder", input_kind="image2d", default_input=_IMG, reference=VINCENT)
def dae_stacked(input_shape: Any = _IMG, hidden: tuple[int, ...] = (500, 250, 100), **kwargs: Any) -> MLPDAE:
    """Stacked DAE 784-500-250-100 for greedy layer-wise pre-training then fine-tuning."""
    return MLPDAE(input_shape, hidden=hidden, **kwargs)


@register_model(
    task="autoencoder", input_kind="image2d", default_input=_IMG, reference="Ng, CS294A notes 2011"
)
def ae_sparse(input_shape: Any = _IMG, **kwargs: Any) -> SparseAE:
    """Sparse autoencoder 784-256-784 with a KL penalty towards mean activation rho=0.05 (or L1)."""
    return SparseAE(input_shape, **kwargs)


@register_model(
    task="autoencoder", input_kind="image2d", default_input=_IMG, reference="Rifai et al., ICML 2011"
)
def ae_contractive(input_shape: Any = _IMG, **kwargs: Any) -> ContractiveAE:
    """Contractive autoencoder 784-256-784 (closed-form Jacobian penalty for one sigmoid layer)."""
    return ContractiveAE(input_shape, **kwargs)


@register_model(
    task="autoencoder", input_kind="image2d", default_input=_IMG, reference="Kingma & Welling, 2014"
)
def vae_mlp(input_shape: Any = _IMG, **kwargs: Any) -> VAE:
    """Variational autoencoder 784-400-16 with a Bernoulli decoder (negative ELBO loss)."""
    return VAE(input_shape, **kwargs)


_UNET_REF = "Ronneberger et al. 2015 (U-Net); Zhang et al. 2017 (DnCNN residual learning)"


@register_model(task="autoencoder", input_kind="image2d", default_input=_IMG, reference=_UNET_REF)
def dae_conv2d(in_channels: int = 1, **kwargs: Any) -> UNetDAE:
    """Convolutional DAE for images: small residual U-Net (16/32/64 channels) predicting the noise."""
    return UNetDAE(in_channels, ndim=2, **kwargs)


@register_model(task="autoencoder", input_kind="signal1d", default_input=(1, 1024), reference=_UNET_REF)
def dae_conv1d(in_channels: int = 1, **kwargs: Any) -> UNetDAE:
    """1-D convolutional DAE for signal windows: residual U-Net (16/32/64 channels, kernel 9)."""
    kwargs.setdefault("kernel_size", 9)
    kwargs.setdefault("output_range", None)
    return UNetDAE(in_channels, ndim=1, **kwargs)


_SHRINK_REF = "Zhao et al. 2020 (DRSN) shrinkage in a residual U-Net denoiser"


@register_model(task="autoencoder", input_kind="image2d", default_input=_IMG, reference=_SHRINK_REF)
def dae_shrink2d(in_channels: int = 1, **kwargs: Any) -> UNetDAE:
    """Shrinkage DAE for images: the conv DAE with DRSN channel-wise shrinkage in every encoder block."""
    kwargs.setdefault("shrinkage", "cw")
    return UNetDAE(in_channels, ndim=2, **kwargs)


@register_model(task="autoencoder", input_kind="signal1d", default_input=(1, 1024), reference=_SHRINK_REF)
def dae_shrink1d(in_channels: int = 1, **kwargs: Any) -> UNetDAE:
    """Shrinkage DAE for signal windows: the 1-D conv DAE with DRSN channel-wise shrinkage in the encoder."""
    kwargs.setdefault("shrinkage", "cw")
    kwargs.setdefault("kernel_size", 9)
    kwargs.setdefault("output_range", None)
    return UNetDAE(in_channels, ndim=1, **kwargs)
