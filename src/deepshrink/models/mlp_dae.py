"""Fully connected autoencoders: the classic MLP DAE, stacked DAE (with `LayerDAE` for greedy layer-wise
pre-training), sparse and contractive autoencoders. Each is registered with task="autoencoder".
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.losses import contractive_autograd, contractive_sigmoid, kl_sparsity, l1_sparsity
from deepshrink.models._registry import register_model
from deepshrink.models.autoencoder import OUTPUTS, AutoEncoder, input_shape_of

__all__ = ["MLPDAE", "VINCENT", "ContractiveAE", "LayerDAE", "SparseAE"]

_ACTS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}
VINCENT = "Vincent et al., Stacked denoising autoencoders, JMLR 2010"


def _act(name: str) -> nn.Module:
    try:
        return _ACTS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(_ACTS)}") from None


class MLPDAE(AutoEncoder):
    """Fully connected (denoising) autoencoder: D -> hidden[0] -> ... -> hidden[-1] -> ... -> D.

    The classic Vincent et al. DAE is `hidden=(512,)` with sigmoid units and a sigmoid output. With several
    hidden layers it is a stacked DAE:
    `deepshrink.engine.denoise.pretraining.pretrain_greedy` trains it layer by layer
    (each layer as a `LayerDAE`).
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
        self.input_shape = input_shape_of(input_shape)
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


class LayerDAE(AutoEncoder):
    """Layer `i` of a stacked `MLPDAE` seen as a one-layer DAE: what greedy pre-training trains.

    It shares the parameters of the stacked model (training it trains that layer in place): `encode` is
    encoder layer i, `decode_logits` is decoder layer i. A sigmoid layer (layer 0 of a sigmoid-output model,
    or any layer of a sigmoid stack) reconstructs with BCE on its logits; any other layer reconstructs its
    activated output (the code of the layer below, in that code's own range) with MSE. Inputs are
    (B, dims[i]) codes of the layers below.
    """

    def __init__(self, stacked: MLPDAE, i: int) -> None:
        super().__init__()
        if not 0 <= i < stacked.num_layers:
            raise ConfigError(f"layer {i} out of range for a {stacked.num_layers}-layer stacked DAE")
        self.stacked, self.i = stacked, int(i)
        self.input_shape = (stacked.dims[i],)
        sigmoid = (i == 0 and stacked.output == "sigmoid") or (i > 0 and stacked.activation == "sigmoid")
        self.output = "sigmoid" if sigmoid else "linear"
        self.output_range = (0.0, 1.0) if sigmoid else None

    def encode(self, x: Tensor) -> Tensor:
        """The layer-i code of a (B, dims[i]) input."""
        return self.stacked.encode_layer(self.i, x.flatten(1))

    def decode_logits(self, code: Tensor) -> Tensor:
        """Decoder layer i: its logits for a sigmoid layer, its activated output otherwise."""
        y = self.stacked.decode_layer_logits(self.i, code)
        return y if self.output == "sigmoid" else self.stacked.layer_output(self.i, y)


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
