"""A variational autoencoder (Kingma and Welling 2014) with the common autoencoder interface."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.losses import elbo_loss
from deepshrink.models._registry import register_model
from deepshrink.models.autoencoder import OUTPUTS, AutoEncoder, input_shape_of

__all__ = ["VAE"]

_IMG = (1, 28, 28)


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
        self.input_shape = input_shape_of(input_shape)
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

    def objective(
        self,
        noisy: Tensor,
        clean: Tensor,
        kind: str,
        *,
        corrupted: Tensor | None,
        alpha: float,
        beta: float,
        generator: torch.Generator | None,
    ) -> tuple[Tensor, dict[str, float]]:
        """Negative ELBO (per-example sums, batch mean) of `clean` given the encoding of `noisy`.

        One reparameterised sample z = mu + sigma * eps with eps drawn from `generator`. `corrupted`,
        `alpha`, `beta` (emphasis) do not apply to the ELBO and are ignored; the KL weight is `self.beta`.
        """
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


@register_model(
    task="autoencoder", input_kind="image2d", default_input=_IMG, reference="Kingma & Welling, 2014"
)
def vae_mlp(input_shape: Any = _IMG, **kwargs: Any) -> VAE:
    """Variational autoencoder 784-400-16 with a Bernoulli decoder (negative ELBO loss)."""
    return VAE(input_shape, **kwargs)
