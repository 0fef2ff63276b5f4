"""Polyphase layout for 1-D convolutions with few channels.

The paper's network has 4-16 channels on signals of 512-2048 samples. CPU convolution libraries handle such
thin tensors badly (the backward of a 4-channel `conv1d` runs at a few percent of the machine's speed). The
polyphase layout folds `P` neighbouring samples into the channel axis: a signal `x` of shape (B, C, L) with
`L = J * P` is stored as (B, C, P, J) with `x_poly[b, c, p, j] = x[b, c, j * P + p]`. Viewed as (B, C * P, J),
a 3-tap convolution with stride s over `x` is an ordinary 3-tap convolution over `j` with `C * P` channels and
a structured weight built from the small one: the same products, in a shape the libraries handle well.

Viewed as (B, C, P * J), each channel still holds exactly its samples (in another order), so batch norm,
ReLU, global pooling and thresholding, which do not care about the order inside a channel, run unchanged.
A stride-2 layer maps P to P / 2 with J fixed, and the stride-2 identity shortcut `x[..., ::2]` is
`x_poly[:, :, ::2]`, so a network whose strides multiply to P ends in the ordinary layout.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor


@functools.lru_cache(maxsize=256)
def _expansion_index(c_out: int, c_in: int, k: int, stride: int, p_out: int) -> np.ndarray:
    """Index into `cat(weight.flatten(), [0])` building the polyphase weight (numpy: safe to cache)."""
    p_in = stride * p_out
    pad = (k - 1) // 2
    if pad > p_in:
        raise ValueError(f"kernel {k} too wide for polyphase factor {p_in}")
    index = np.full((c_out, p_out, c_in, p_in, 3), c_out * c_in * k, dtype=np.int64)  # default: the zero
    o = np.arange(c_out)[:, None]
    i = np.arange(c_in)[None, :]
    for q in range(p_out):
        for t in range(k):
            # input sample of tap t for output phase q, relative to the block start; pad <= p_in keeps the
            # block offset dj in {-1, 0, 1}, so three taps over the block axis cover every case
            dj, p = divmod(stride * q + t - pad, p_in)
            index[:, q, :, p, dj + 1] = (o * c_in + i) * k + t
    return index.reshape(c_out * p_out, c_in * p_in, 3)


def polyphase_weight(weight: Tensor, stride: int, p_out: int) -> Tensor:
    """The (C_out * p_out, C_in * stride * p_out, 3) weight acting on polyphase tensors."""
    c_out, c_in, k = weight.shape
    index = torch.from_numpy(_expansion_index(c_out, c_in, k, stride, p_out)).to(weight.device)
    flat = torch.cat([weight.reshape(-1), weight.new_zeros(1)])
    return flat[index]


def polyphase_conv1d(x: Tensor, weight: Tensor, bias: Tensor | None, stride: int, p_in: int) -> Tensor:
    """`conv1d(x, weight, bias, stride, padding=(k-1)//2)` on a polyphase tensor (B, C_in, p_in, J).

    Returns (B, C_out, p_in // stride, J). `p_in` must be a multiple of `stride`.
    """
    b, c_in, _, j = x.shape
    p_out = p_in // stride
    big_w = polyphase_weight(weight, stride, p_out)
    big_b = None if bias is None else bias.repeat_interleave(p_out)
    y = torch.nn.functional.conv1d(x.reshape(b, c_in * p_in, j), big_w, big_b, padding=1)
    return y.view(b, weight.shape[0], p_out, j)


def to_polyphase(x: Tensor, p: int) -> Tensor:
    """(B, C, L) -> (B, C, p, L // p) with `out[..., q, j] = x[..., j * p + q]`."""
    b, c, length = x.shape
    return x.reshape(b, c, length // p, p).transpose(2, 3).contiguous()


def from_polyphase(x: Tensor) -> Tensor:
    """(B, C, p, J) -> (B, C, J * p) in the natural sample order."""
    b, c, p, j = x.shape
    return x.transpose(2, 3).reshape(b, c, j * p)
