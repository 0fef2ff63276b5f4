"""Recorded noise: a bank of real recordings (`NoiseBank`, made by `noise_bank`) and the draw of one segment
of it per row (`draw_recorded`), which `noise.add_noise` scales to the target SNR like every kind.

A segment is drawn uniformly over every position where it fits whole inside one recording (it never spans
two), and its mean is removed: a sensor's offset is not noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from deepshrink.errors import ConfigError

__all__ = ["NoiseBank", "draw_recorded", "noise_bank"]


@dataclass(frozen=True)
class NoiseBank:
    """Recordings that recorded noise is cut from: `data` holds them end to end (1-D, float32), `lengths`
    the length of each. Build one with `noise_bank`; a segment never spans two recordings."""

    data: Tensor
    lengths: tuple[int, ...]

    def to(self, device: torch.device | str) -> NoiseBank:
        """The bank on `device` (itself when it is there already)."""
        if self.data.device == torch.device(device):
            return self
        return NoiseBank(self.data.to(device), self.lengths)

    def starts(self, length: int) -> tuple[Tensor, Tensor]:
        """(first sample of each recording, number of segment positions of `length` in each), int64."""
        sizes = torch.tensor(self.lengths, dtype=torch.int64)
        first = torch.cumsum(sizes, 0) - sizes
        return first, (sizes - length + 1).clamp_min(0)


def noise_bank(signals: Sequence[Tensor]) -> NoiseBank:
    """A `NoiseBank` of `signals`: 1-D tensors (one recording each) or 2-D (channels, samples), whose rows
    become recordings of their own. Each must be finite, real and at least 2 samples long."""
    if isinstance(signals, Tensor) or not isinstance(signals, Sequence) or not signals:
        raise ConfigError(
            "bank: expected a non-empty list of recordings (1-D or (channels, samples) tensors)"
        )
    rows: list[Tensor] = []
    for i, s in enumerate(signals):
        t = torch.as_tensor(s)
        if t.ndim not in (1, 2) or t.is_complex() or not (t.is_floating_point() or t.dtype.is_signed):
            raise ConfigError(
                f"bank: recording {i} must be a real 1-D or 2-D tensor, got {t.dtype} {tuple(t.shape)}"
            )
        t = t.detach().to(torch.float32).reshape(-1, t.shape[-1])
        if t.shape[-1] < 2 or not bool(torch.isfinite(t).all()):
            raise ConfigError(f"bank: recording {i} must hold at least 2 finite samples per channel")
        rows.extend(t.unbind(0))
    return NoiseBank(torch.cat(rows).contiguous(), tuple(int(r.numel()) for r in rows))


def draw_recorded(out: Tensor, bank: NoiseBank, generator: torch.Generator | None) -> None:
    """Fill `out` (..., L) in place with one segment of the bank per row, each row's mean removed."""
    length = out.shape[-1]
    first, positions = bank.starts(length)
    total = int(positions.sum())
    if total == 0:
        raise ConfigError(
            f"bank: every recording is shorter than a window ({length} samples at the data's rate); "
            "name longer recordings"
        )
    rows = out.numel() // length
    pick = torch.randint(total, (rows,), generator=generator, device=out.device).cpu()
    # which recording each draw falls in, then the offset inside it: uniform over all whole-segment positions
    ends = torch.cumsum(positions, 0)
    rec = torch.searchsorted(ends, pick, right=True)
    start = first[rec] + pick - (ends[rec] - positions[rec])
    data = bank.to(out.device).data
    seg = data.unfold(0, length, 1)[start.to(out.device)].to(out.dtype)
    out.copy_((seg - seg.mean(dim=1, keepdim=True)).view(out.shape))
