"""The DRSN shrinkage module: a learned, per-sample threshold followed by thresholding.

Zhao et al. (2020): from the feature map x (B, C, *spatial),

    a     = GAP(|x|)                                  (B, C)
    alpha = sigmoid(FC(ReLU(BN(FC(a)))))              (B, C) channel-wise or (B, 1) channel-shared
    tau   = alpha * a            (CW)   or   alpha * mean_c(a)   (CS)
    y     = soft_threshold(x, tau)

so 0 < tau <= mean|x|: positive, and never so large that a whole channel is zeroed.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.functional.thresholding import THRESHOLDS, threshold
from deepshrink.layers import _fused

MODES = ("cw", "cs")


class Shrinkage(nn.Module):
    """Learned soft thresholding for any (B, C, *spatial) tensor: a drop-in block for any CNN.

    Args:
        channels: C, the number of channels of the input.
        mode: "cw" (one threshold per sample and channel) or "cs" (one threshold per sample).
        reduction: hidden width of the sub-network is `channels // reduction` (paper: 1; the authors'
            2-D demo: 4).
        threshold: "soft" (the paper), "hard", "firm" or "garrote" (see `deepshrink.functional`). With
            "hard" the threshold receives no gradient, so the sub-network does not learn.
        firm_ratio: the second threshold of "firm" is `firm_ratio * tau`.

    Batch size 1 in training mode: the sub-network's BatchNorm cannot estimate a variance from a single
    vector, so for a batch of one it normalises with its running statistics (as in evaluation) and leaves
    them unchanged; larger batches use batch statistics as usual.

    After each forward pass `last_threshold` holds the thresholds used (detached): (B, C) for "cw",
    (B, 1) for "cs". Set `record_thresholds = False` to skip keeping them.

    Call it as `layer(x)`, or `layer(x, shortcut, offset)` to add a residual shortcut to channels
    `offset : offset + shortcut.shape[1]` of the output in the same pass (how the residual units use it). For
    `inplace`, see `forward`.

    Example (an SE-style insertion into your own network):

        block = nn.Sequential(nn.Conv1d(16, 32, 3, padding=1), nn.BatchNorm1d(32), nn.ReLU(),
                              Shrinkage(32, mode="cw"))
    """

    def __init__(
        self,
        channels: int,
        *,
        mode: str = "cw",
        reduction: int = 1,
        threshold: str = "soft",
        firm_ratio: float = 2.0,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise ConfigError(f"shrinkage mode must be 'cw' or 'cs', got {mode!r}")
        if threshold not in THRESHOLDS:
            raise ConfigError(f"unknown threshold {threshold!r}; choose one of {', '.join(THRESHOLDS)}")
        if channels < 1 or reduction < 1:
            raise ConfigError(f"channels and reduction must be >= 1, got {channels} and {reduction}")
        hidden = max(1, channels // reduction)
        self.channels = channels
        self.mode = mode
        self.threshold = threshold
        self.firm_ratio = firm_ratio
        self.fc1 = nn.Linear(channels, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, channels if mode == "cw" else 1)
        self.record_thresholds = True
        self.last_threshold: Tensor | None = None

    def extra_repr(self) -> str:
        return f"{self.channels}, mode={self.mode!r}, threshold={self.threshold!r}"

    def _bn(self, z: Tensor) -> Tensor:
        use_batch = self.training and z.shape[0] > 1
        return nn.functional.batch_norm(
            z,
            self.bn.running_mean,
            self.bn.running_var,
            self.bn.weight,
            self.bn.bias,
            use_batch,
            self.bn.momentum if self.bn.momentum is not None else 0.1,
            self.bn.eps,
        )

    def thresholds(self, x: Tensor) -> Tensor:
        """The thresholds tau for `x`: (B, C) for "cw", (B, 1) for "cs" (plain autograd ops)."""
        a = x.abs().flatten(2).mean(-1)
        alpha = torch.sigmoid(self.fc2(torch.relu(self._bn(self.fc1(a)))))
        abar = a if self.mode == "cw" else a.mean(1, keepdim=True)
        return alpha * abar

    def _fused_ok(self, x: Tensor) -> bool:
        return (
            _fused.ENABLED
            and self.threshold == "soft"
            and self.training
            and torch.is_grad_enabled()
            and not torch.jit.is_scripting()
            and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling()
        )

    def _inference_soft(self) -> bool:
        return (
            self.threshold == "soft"
            and not torch.is_grad_enabled()
            and not torch.jit.is_scripting()
            and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling()
        )

    def forward(
        self, x: Tensor, shortcut: Tensor | None = None, offset: int = 0, inplace: bool = False
    ) -> Tensor:
        """Threshold `x`; if `shortcut` is given, add it to channels `offset : offset + shortcut.shape[1]`.

        `inplace=True` allows the training kernel to reuse x's memory (it keeps sign(x) there), which is
        faster; as with `nn.ReLU(inplace=True)`, pass it only when nothing reads `x` afterwards. Autograd
        still raises an error if another operation had saved `x` for its backward.
        """
        if x.dim() < 3 or x.shape[1] != self.channels:
            raise ConfigError(
                f"Shrinkage({self.channels}) expects (B, {self.channels}, ...), got {tuple(x.shape)}"
            )
        if self._fused_ok(x):
            y, tau = _fused.shrink(
                x,
                shortcut,
                self.fc1,
                self.bn,
                self.fc2,
                channel_wise=self.mode == "cw",
                offset=offset,
                inplace=inplace,
            )
        else:
            if self.training and x.shape[0] > 1 and self.bn.num_batches_tracked is not None:
                self.bn.num_batches_tracked.add_(1)
            tau = self.thresholds(x)
            if self._inference_soft():
                # the same soft threshold in three in-place passes, for inference speed
                tau_b = tau.view(tau.shape + (1,) * (x.dim() - 2))
                y = x.abs().sub_(tau_b).clamp_min_(0.0).copysign_(x)
                if shortcut is not None:
                    y = _add_on_channels(y, shortcut, offset)
                if self.record_thresholds:
                    self.last_threshold = tau.detach()
                return y
            kwargs = {"ratio": self.firm_ratio} if self.threshold == "firm" else {}
            y = threshold(x, tau.view(tau.shape + (1,) * (x.dim() - 2)), self.threshold, **kwargs)
            if shortcut is not None:
                y = _add_on_channels(y, shortcut, offset)
        if self.record_thresholds:
            self.last_threshold = tau.detach()
        return y


def _add_on_channels(y: Tensor, shortcut: Tensor, offset: int) -> Tensor:
    if shortcut.shape[1] == y.shape[1]:
        return y + shortcut
    pad = [0, 0] * (y.dim() - 2) + [offset, y.shape[1] - offset - shortcut.shape[1]]
    return y + nn.functional.pad(shortcut, pad)


def collect_thresholds(model: nn.Module) -> dict[str, Tensor]:
    """Mean threshold per sample of every `Shrinkage` block of `model`, from its last forward pass.

    Returns {block name: tensor (B,)}; blocks that have not run yet are left out.
    """
    out: dict[str, Tensor] = {}
    for name, module in model.named_modules():
        if isinstance(module, Shrinkage) and module.last_threshold is not None:
            out[name] = module.last_threshold.mean(1)
    return out


def has_shrinkage(model: nn.Module) -> bool:
    """Whether `model` holds a `Shrinkage` module (a DRSN: it has thresholds to report)."""
    return any(isinstance(m, Shrinkage) for m in model.modules())
