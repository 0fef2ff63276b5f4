"""Residual shrinkage building unit (RSBU) and its baselines, for 1-D signals and 2-D inputs.

One class serves the three units of the paper:

- `shrinkage="cs"|"cw"`: residual shrinkage unit (DRSN-CS / DRSN-CW),
- `shrinkage=None`: plain pre-activation residual unit (the ResNet baseline),
- `residual=False`: the same two BN-ReLU-Conv layers with no identity addition (the ConvNet baseline).

Layout of a unit: BN -> ReLU -> Conv(k, stride) -> BN -> ReLU -> Conv(k) [-> shrinkage] (+ shortcut), with no
BN or ReLU after the addition. The shortcut is the identity, subsampled on stride and zero-padded on the
channel axis, split evenly before and after (`shortcut="pad"`, the paper), or a 1x1 projection
(`shortcut="conv"`).

1-D units also accept the polyphase layout of `deepshrink.layers.polyphase` (`phase > 0`), which the models
use to make thin convolutions fast on CPUs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.layers import _fused
from deepshrink.layers.polyphase import polyphase_conv1d
from deepshrink.layers.shrinkage import Shrinkage, _add_on_channels

SHORTCUTS = ("pad", "conv")


def _fused_allowed(module: nn.Module) -> bool:
    return (
        _fused.ENABLED
        and module.training
        and torch.is_grad_enabled()
        and not torch.jit.is_scripting()
        and not torch.jit.is_tracing()
        and not torch.compiler.is_compiling()
    )


def bn_relu(bn: nn.modules.batchnorm._BatchNorm, x: Tensor) -> Tensor:
    """relu(bn(x)) for a BatchNorm of any dimensionality applied to a (B, C, *) tensor of any rank."""
    if _fused_allowed(bn) and bn.momentum is not None:
        return _fused.bn_relu(x, bn)
    use_batch = bn.training or not bn.track_running_stats
    if bn.training and bn.num_batches_tracked is not None:
        bn.num_batches_tracked.add_(1)
    momentum = bn.momentum if bn.momentum is not None else 0.1
    y = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, use_batch, momentum, bn.eps)
    return torch.relu(y)


def conv_any(conv: nn.Module, x: Tensor, phase: int) -> tuple[Tensor, int]:
    """Apply a Conv1d/Conv2d module to `x` in the standard (`phase == 0`) or polyphase layout.

    Returns the output and its phase. In polyphase layout `x` is (B, C, P, J) with P = `phase`.
    """
    if phase == 0:
        return conv(x), 0
    stride = conv.stride[0]
    if phase == 1 or phase % stride != 0:
        b, c, p, j = x.shape
        y = conv(x.reshape(b, c, p * j) if p == 1 else _unfold_phase(x))
        return y.unsqueeze(2), 1
    return polyphase_conv1d(x, conv.weight, conv.bias, stride, phase), phase // stride


def _unfold_phase(x: Tensor) -> Tensor:
    b, c, p, j = x.shape
    return x.transpose(2, 3).reshape(b, c, j * p)


def subsample(x: Tensor, stride: int, phase: int, ndim: int) -> Tensor:
    """The identity shortcut's subsampling `x[..., ::stride]` in either layout."""
    if stride == 1:
        return x
    if phase > 1:
        return x[:, :, ::stride]
    if ndim == 2:
        return x[..., ::stride, ::stride]
    return x[..., ::stride]


class ResidualUnit(nn.Module):
    """Pre-activation residual (shrinkage) unit; see the module docstring.

    Args:
        in_channels, out_channels: channel counts (out >= in for `shortcut="pad"`).
        stride: stride of the first convolution (and subsampling of the identity).
        ndim: 1 for signals (B, C, L), 2 for images/spectrograms (B, C, H, W).
        kernel_size: odd kernel size of both convolutions (paper: 3).
        shrinkage: None, "cs" or "cw".
        reduction, threshold: passed to `Shrinkage`.
        residual: False gives the ConvNet baseline unit (no identity).
        shortcut: "pad" (identity + zero channels, the paper) or "conv" (1x1 projection when shapes change).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        stride: int = 1,
        ndim: int = 1,
        kernel_size: int = 3,
        shrinkage: str | None = None,
        reduction: int = 1,
        threshold: str = "soft",
        residual: bool = True,
        shortcut: str = "pad",
    ) -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ConfigError(f"ndim must be 1 or 2, got {ndim}")
        if kernel_size % 2 != 1:
            raise ConfigError(f"kernel_size must be odd, got {kernel_size}")
        if shortcut not in SHORTCUTS:
            raise ConfigError(f"shortcut must be 'pad' or 'conv', got {shortcut!r}")
        if shrinkage not in (None, "cs", "cw"):
            raise ConfigError(f"shrinkage must be None, 'cs' or 'cw', got {shrinkage!r}")
        if residual and shortcut == "pad" and out_channels < in_channels:
            raise ConfigError(
                f"a zero-padding shortcut cannot shrink {in_channels} to {out_channels} channels; "
                "use shortcut='conv'"
            )
        conv = nn.Conv1d if ndim == 1 else nn.Conv2d
        norm = nn.BatchNorm1d if ndim == 1 else nn.BatchNorm2d
        pad = kernel_size // 2
        self.in_channels, self.out_channels, self.stride, self.ndim = in_channels, out_channels, stride, ndim
        self.residual = residual
        self.bn1 = norm(in_channels)
        self.conv1 = conv(in_channels, out_channels, kernel_size, stride=stride, padding=pad)
        self.bn2 = norm(out_channels)
        self.conv2 = conv(out_channels, out_channels, kernel_size, stride=1, padding=pad)
        self.shrinkage = (
            Shrinkage(out_channels, mode=shrinkage, reduction=reduction, threshold=threshold)
            if shrinkage
            else None
        )
        needs_projection = residual and shortcut == "conv" and (stride != 1 or in_channels != out_channels)
        self.projection = conv(in_channels, out_channels, 1, stride=stride) if needs_projection else None
        self.pad_offset = (out_channels - in_channels) // 2

    def forward(self, x: Tensor, phase: int = 0) -> tuple[Tensor, int]:
        """Returns (output, phase of the output); `phase` as in `conv_any` (0 = standard layout)."""
        r, p = conv_any(self.conv1, bn_relu(self.bn1, x), phase)
        r, p = conv_any(self.conv2, bn_relu(self.bn2, r), p)
        # r is this unit's own temporary, so the shrinkage may overwrite it
        if not self.residual:
            return (self.shrinkage(r, None, 0, True) if self.shrinkage is not None else r), p
        if self.projection is not None:
            shortcut, _ = conv_any(self.projection, x, phase)
        else:
            shortcut = subsample(x, self.stride, phase, self.ndim)
        if self.shrinkage is not None:
            return self.shrinkage(r, shortcut, self.pad_offset, True), p
        return _add_on_channels(r, shortcut, self.pad_offset), p
