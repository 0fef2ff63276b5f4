"""One residual skeleton for ResNet, DRSN-CS, DRSN-CW and the ConvNet baseline, in 1-D and 2-D.

The four networks of Zhao et al. (2020) differ by one argument of one class (`shrinkage` and `residual`), so
comparisons between them are fair and there is one implementation to trust.

    stem:   Conv(in_channels -> widths[0], k, stem_stride), no activation
    stages: for each width w_i, depths[i] units; the first unit of each stage has stride 2
    head:   BN -> ReLU -> global average pool -> FC (logits; no softmax)

Minimum input length: every stride-2 layer halves the length (rounding up), so any length >= 1 runs; use at
least `2 ** (number of stride-2 layers)` samples (16 for the paper presets) so that the last stage still
sees more than one position, and 1,024+ for meaningful results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.layers.blocks import ResidualUnit, bn_relu, conv_any
from deepshrink.layers.polyphase import to_polyphase
from deepshrink.models._registry import register_model

PAPER_REFERENCE = (
    "Zhao, Zhong, Fu, Tang, Pecht. Deep Residual Shrinkage Networks for Fault Diagnosis. "
    "IEEE TII 16(7):4681-4690, 2020"
)
RESNET_REFERENCE = "He, Zhang, Ren, Sun. Identity Mappings in Deep Residual Networks. ECCV 2016"

# Polyphase folding aims for at least this many channels per convolution (one AVX-512 vector of floats).
_FAST_CHANNELS = 16


class ResNet(nn.Module):
    """Pre-activation residual network with optional shrinkage units (DRSN) or no identity (ConvNet).

    Args:
        in_channels: channels of the input (1 for a single vibration sensor).
        num_classes: number of output logits.
        ndim: 1 for signals (B, C, L), 2 for images / spectrograms (B, C, H, W).
        widths: channels of each stage.
        depths: units per stage (the first of each stage has stride 2).
        shrinkage: None (ResNet / ConvNet), "cs" (DRSN-CS) or "cw" (DRSN-CW).
        residual: False turns every unit into the ConvNet baseline's unit (no identity shortcut).
        kernel_size: kernel of every convolution (paper: 3).
        stem_stride: stride of the first convolution (paper: 2).
        reduction: hidden width of the threshold sub-network is C // reduction (paper: 1).
        threshold: "soft" (paper), "firm", "garrote" or "hard".
        shortcut: "pad" (identity + zero channels, paper) or "conv" (1x1 projection).
        fast: use the polyphase layout for thin 1-D convolutions when the input length allows it (same
            results up to float rounding; set False to force the textbook layout).
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        *,
        ndim: int = 1,
        widths: Sequence[int] = (4, 8, 16),
        depths: Sequence[int] = (4, 4, 4),
        shrinkage: str | None = None,
        residual: bool = True,
        kernel_size: int = 3,
        stem_stride: int = 2,
        reduction: int = 1,
        threshold: str = "soft",
        shortcut: str = "pad",
        fast: bool = True,
    ) -> None:
        super().__init__()
        widths, depths = tuple(int(w) for w in widths), tuple(int(d) for d in depths)
        if in_channels < 1 or num_classes < 1:
            raise ConfigError(f"in_channels and num_classes must be >= 1, got {in_channels}, {num_classes}")
        if len(widths) != len(depths) or not widths or min(widths) < 1 or min(depths) < 1:
            raise ConfigError(
                f"widths {widths} and depths {depths} must be non-empty, positive, equally long"
            )
        if stem_stride not in (1, 2):
            raise ConfigError(f"stem_stride must be 1 or 2, got {stem_stride}")
        self.in_channels, self.num_classes, self.ndim = in_channels, num_classes, ndim
        self.num_features = widths[-1]
        self.shrinkage_mode = shrinkage
        self.fast = fast
        conv = nn.Conv1d if ndim == 1 else nn.Conv2d
        self.stem = conv(in_channels, widths[0], kernel_size, stride=stem_stride, padding=kernel_size // 2)
        units, c_in = [], widths[0]
        for width, depth in zip(widths, depths, strict=True):
            for i in range(depth):
                units.append(
                    ResidualUnit(
                        c_in,
                        width,
                        stride=2 if i == 0 else 1,
                        ndim=ndim,
                        kernel_size=kernel_size,
                        shrinkage=shrinkage,
                        reduction=reduction,
                        threshold=threshold,
                        residual=residual,
                        shortcut=shortcut,
                    )
                )
                c_in = width
        self.units = nn.ModuleList(units)
        self.norm = (nn.BatchNorm1d if ndim == 1 else nn.BatchNorm2d)(widths[-1])
        self.fc = nn.Linear(widths[-1], num_classes)
        self.total_stride = stem_stride * 2 ** len(widths)
        self._phase0 = self._choose_phase(widths[0], stem_stride) if (fast and ndim == 1) else 1
        self.reset_parameters()

    def _choose_phase(self, first_width: int, stem_stride: int) -> int:
        fold = 1 << max(0, math.ceil(math.log2(_FAST_CHANNELS / first_width)))
        if fold == 1:
            return 1
        return min(fold * stem_stride * 2, self.total_stride)

    def reset_parameters(self) -> None:
        """He-normal weights (fan-in) for every convolution and linear layer, zero biases, as in the paper."""
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _check_input(self, x: Tensor) -> None:
        if x.dim() != self.ndim + 2 or x.shape[1] != self.in_channels:
            want = "(B, C, L)" if self.ndim == 1 else "(B, C, H, W)"
            raise ConfigError(
                f"{type(self).__name__} expects input {want} with C={self.in_channels}, got {tuple(x.shape)}"
            )

    def _training_phase(self, x: Tensor) -> int:
        # The polyphase layout pays off in training (the convolution backward); inference and export use the
        # textbook layout, which is as fast there and exports to a plain graph.
        if (
            self._phase0 > 1
            and self.training
            and torch.is_grad_enabled()
            and x.shape[-1] % self._phase0 == 0
            and not torch.jit.is_scripting()
            and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling()
        ):
            return self._phase0
        return 1

    def forward_features(self, x: Tensor) -> Tensor:
        """Feature map after the last unit and the final BN-ReLU: (B, C, L') or (B, C, H', W')."""
        self._check_input(x)
        phase = self._training_phase(x)
        if phase > 1:
            x = to_polyphase(x, phase)
            h, p = conv_any(self.stem, x, phase)
        else:
            h, p = self.stem(x), 0
        for unit in self.units:
            h, p = unit(h, p)
        if p > 0:  # back to (B, C, L): the strides consumed every phase, so p == 1 here
            h = h.reshape(h.shape[0], h.shape[1], -1)
        return bn_relu(self.norm, h)

    def forward_head(self, features: Tensor, pre_logits: bool = False) -> Tensor:
        """Global average pooling and the classifier; `pre_logits=True` returns the pooled features."""
        pooled = features.flatten(2).mean(-1)
        return pooled if pre_logits else self.fc(pooled)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------------------
# Registered presets. Every preset accepts (in_channels, num_classes, **overrides of the ResNet arguments).

_ARCHS = {
    "convnet": ({"shrinkage": None, "residual": False}, "ConvNet baseline (the paper's CBU: no identity)"),
    "resnet": ({"shrinkage": None, "residual": True}, "ResNet baseline (pre-activation residual units)"),
    "drsn_cs": ({"shrinkage": "cs", "residual": True}, "DRSN-CS (channel-shared thresholds)"),
    "drsn_cw": ({"shrinkage": "cw", "residual": True}, "DRSN-CW (channel-wise thresholds)"),
}

_SIZES = {
    # name: (ndim, kwargs, default input, description)
    "paper": (
        1,
        {"widths": (4, 8, 16), "depths": (4, 4, 4), "stem_stride": 2},
        (1, 2048),
        "the paper's Table II network: 1x2048 input, 4/8/16 channels, 12 units",
    ),
    "1d_m": (
        1,
        {"widths": (8, 16, 32), "depths": (4, 4, 4), "stem_stride": 2},
        (1, 2048),
        "1-D, twice the paper's width (8/16/32 channels, 12 units)",
    ),
    "1d_l": (
        1,
        {"widths": (16, 32, 64), "depths": (4, 4, 4), "stem_stride": 2},
        (1, 2048),
        "1-D, four times the paper's width (16/32/64 channels, 12 units)",
    ),
    "2d_s": (
        2,
        {"widths": (16, 32, 64), "depths": (3, 3, 3), "stem_stride": 1, "reduction": 4},
        (1, 32, 32),
        "2-D for images and spectrograms: 16/32/64 channels, 9 units (DRSN sub-network width C/4)",
    ),
    "2d_m": (
        2,
        {"widths": (32, 64, 128), "depths": (3, 3, 3), "stem_stride": 1, "reduction": 4},
        (1, 32, 32),
        "2-D for images and spectrograms: 32/64/128 channels, 9 units (DRSN sub-network width C/4)",
    ),
}


def _make_preset(arch: str, size: str) -> None:
    arch_kwargs, arch_text = _ARCHS[arch]
    ndim, size_kwargs, default_input, size_text = _SIZES[size]
    name = f"{arch}_{size}"

    def build(in_channels: int = default_input[0], num_classes: int = 10, **overrides) -> ResNet:
        kwargs = {"ndim": ndim, **size_kwargs, **arch_kwargs, **overrides}
        return ResNet(in_channels, num_classes, **kwargs)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{arch_text}; {size_text}."
    register_model(
        task="classification",
        input_kind="signal1d" if ndim == 1 else "image2d",
        default_input=default_input,
        reference=PAPER_REFERENCE if arch.startswith("drsn") or size == "paper" else RESNET_REFERENCE,
        description=build.__doc__,
        name=name,
    )(build)


for _arch in _ARCHS:
    for _size in _SIZES:
        _make_preset(_arch, _size)
