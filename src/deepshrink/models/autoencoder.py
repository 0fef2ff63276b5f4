"""The common interface of every deepshrink autoencoder: encode, decode, denoise, anomaly_score and loss.

The families (one file each) build on it: `mlp_dae` (MLP, stacked, sparse, contractive), `vae`, `unet`
(convolutional and shrinkage U-Net denoisers).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from deepshrink.errors import ConfigError, DataError
from deepshrink.losses import check_unit_range, emphasized_loss, reconstruction_loss

OUTPUTS = ("sigmoid", "linear")


def input_shape_of(input_shape: Any) -> tuple[int, ...]:
    """A per-example shape from an int or a sequence of positive sizes (ConfigError otherwise)."""
    shape = (int(input_shape),) if isinstance(input_shape, int) else tuple(int(s) for s in input_shape)
    if not shape or min(shape) < 1:
        raise ConfigError(f"input_shape must be positive sizes, got {input_shape!r}")
    return shape


class AutoEncoder(nn.Module):
    """Base class: subclasses implement `encode(x)` and `decode_logits(code)`.

    `output` is "sigmoid" (data in [0, 1], BCE by default) or "linear" (any real data, MSE by default).
    `output_range` (lo, hi) or None is what `denoise` clips its outputs to.
    """

    output: str = "sigmoid"
    output_range: tuple[float, float] | None = (0.0, 1.0)
    input_shape: tuple[int, ...] = ()

    # -- the two pieces every subclass defines ---------------------------------------------------------------
    def encode(self, x: Tensor) -> Any:
        """The code of `x` (a (B, H) tensor for the MLP models)."""
        raise NotImplementedError

    def decode_logits(self, code: Any) -> Tensor:
        """The reconstruction before the output activation (logits for a sigmoid output)."""
        raise NotImplementedError

    # -- derived ---------------------------------------------------------------------------------------------
    def _activate(self, y: Tensor) -> Tensor:
        return torch.sigmoid(y) if self.output == "sigmoid" else y

    def decode(self, code: Any) -> Tensor:
        """The reconstruction from a code (after the output activation)."""
        return self._activate(self.decode_logits(code))

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of `x` (deterministic: a VAE decodes its mean code)."""
        self.check_input(x)
        return self.decode(self.encode(x))

    def check_input(self, x: Tensor) -> None:
        """ConfigError when `x` does not have the per-example shape the model was built for."""
        if self.input_shape and tuple(x.shape[1:]) != tuple(self.input_shape):
            raise ConfigError(
                f"{type(self).__name__} expects inputs of shape "
                f"(batch, {', '.join(map(str, self.input_shape))}), got {tuple(x.shape)}"
            )

    def default_loss(self) -> str:
        """BCE for a sigmoid output (data in [0, 1]), MSE otherwise."""
        return "bce" if self.output == "sigmoid" else "mse"

    def loss_kind(self, kind: str | None, clean: Tensor) -> str:
        """The reconstruction loss to use ("bce"/"mse"), after checking it fits the output and the target."""
        kind = kind or self.default_loss()
        if self.output == "sigmoid":
            check_unit_range(clean, name="clean target")
        elif kind == "bce":
            raise ConfigError(f"loss 'bce' needs a sigmoid output; {type(self).__name__} has a linear output")
        return kind

    def penalty(self, x: Tensor, code: Any) -> tuple[Tensor | None, dict[str, float]]:
        """Extra regulariser (sparsity, contraction) added to the reconstruction loss; none by default."""
        return None, {}

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
        """Training loss of reconstructing `clean` from `noisy`, plus the model's penalty.

        `kind` is "bce" or "mse" (default: `default_loss()`). With a `corrupted` mask and alpha != beta the
        loss is the emphasised denoising loss. A sigmoid-output model refuses targets outside [0, 1]
        (`DataError`); BCE needs a sigmoid output (`ConfigError`). `generator` is unused here (VAEs sample).
        Returns (loss, logs) where logs holds floats for progress display.
        """
        total, logs = self.objective(
            noisy,
            clean,
            self.loss_kind(kind, clean),
            corrupted=corrupted,
            alpha=alpha,
            beta=beta,
            generator=generator,
        )
        if not torch.isfinite(total):
            raise DataError(
                f"{type(self).__name__}: the loss became NaN/inf (check the data and learning rate)"
            )
        return total, logs

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
        """The loss itself (what a family changes: the VAE's is the negative ELBO): the (emphasised)
        reconstruction loss plus the model's penalty."""
        code = self.encode(noisy)
        logits = self.decode_logits(code)
        is_logits = self.output == "sigmoid"
        if corrupted is not None and alpha != beta:
            rec = emphasized_loss(
                logits, clean, corrupted, alpha=alpha, beta=beta, kind=kind, logits=is_logits
            )
        else:
            rec = reconstruction_loss(logits, clean, kind=kind, logits=is_logits)
        pen, logs = self.penalty(noisy, code)
        total = rec if pen is None else rec + pen
        return total, {"recon": float(rec.detach()), **logs}

    def _batched(self, x: Tensor, fn, batch_size: int) -> Tensor:
        if not isinstance(x, Tensor):
            raise DataError(f"expected a torch.Tensor, got {type(x).__name__}")
        self.check_input(x)
        if not torch.isfinite(x).all():
            raise DataError("input contains NaN or inf values")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        was_training = self.training
        self.eval()
        try:
            with torch.inference_mode():
                p = next(self.parameters())
                outs = [fn(chunk.to(p.device, p.dtype)) for chunk in x.split(batch_size)]
        finally:
            self.train(was_training)
        return torch.cat(outs) if outs else x.new_zeros((0,))

    def denoise(self, x: Tensor, *, batch_size: int = 1024, clip: bool = True) -> Tensor:
        """Reconstruct `x` in evaluation mode without gradients, clipped to `output_range` when `clip`."""

        def run(chunk: Tensor) -> Tensor:
            y = self.decode(self.encode(chunk))
            if clip and self.output_range is not None:
                y = y.clamp(*self.output_range)
            return y

        return self._batched(x, run, batch_size)

    def anomaly_score(self, x: Tensor, *, batch_size: int = 1024) -> Tensor:
        """Per-example mean squared reconstruction error (B,): high for inputs unlike the training data."""
        return self._batched(
            x, lambda c: (self.decode(self.encode(c)) - c).pow(2).flatten(1).mean(1), batch_size
        )

    @property
    def feature_dim(self) -> int:
        """Length of the `code_features` vector."""
        p = next(self.parameters())
        with torch.no_grad():
            return int(
                self.code_features(torch.zeros(2, *self.input_shape, device=p.device, dtype=p.dtype)).shape[1]
            )

    def code_features(self, x: Tensor) -> Tensor:
        """A (B, F) feature vector from the code (used to put a classifier on top of the encoder)."""
        code = self.encode(x)
        return code.flatten(1)
