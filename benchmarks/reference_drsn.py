"""A straightforward PyTorch DRSN, written the way most ports are, as the speed baseline.

BatchNorm1d / Conv1d / Linear modules, GAP of |x|, thresholds applied as `sign(x) * relu(|x| - tau)`,
identity shortcut subsampled and zero-padded. Same layout and parameter count as the paper presets, so it is
the fair "before" of `benchmarks/speed.py`. Not part of the package.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ReferenceUnit(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, mode: str | None) -> None:
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm1d(c_in), nn.BatchNorm1d(c_out)
        self.conv1 = nn.Conv1d(c_in, c_out, 3, stride, 1)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, 1, 1)
        self.mode, self.stride, self.c_in, self.c_out = mode, stride, c_in, c_out
        if mode:
            self.fc1 = nn.Linear(c_out, c_out)
            self.bn = nn.BatchNorm1d(c_out)
            self.fc2 = nn.Linear(c_out, c_out if mode == "cw" else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.conv2(F.relu(self.bn2(self.conv1(F.relu(self.bn1(x))))))
        if self.mode:
            a = r.abs().mean(-1)
            alpha = torch.sigmoid(self.fc2(F.relu(self.bn(self.fc1(a)))))
            tau = alpha * (a if self.mode == "cw" else a.mean(1, keepdim=True))
            r = torch.sign(r) * F.relu(r.abs() - tau.unsqueeze(-1))
        shortcut = x[..., :: self.stride] if self.stride > 1 else x
        if self.c_out > self.c_in:
            p = self.c_out - self.c_in
            shortcut = F.pad(shortcut, (0, 0, p // 2, p - p // 2))
        return r + shortcut


class ReferenceDRSN(nn.Module):
    """mode None: ResNet, "cs": DRSN-CS, "cw": DRSN-CW, with the paper's 4/8/16 layout."""

    def __init__(self, mode: str | None, num_classes: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv1d(1, 4, 3, 2, 1)
        units, c_in = [], 4
        for c in (4, 8, 16):
            units.append(ReferenceUnit(c_in, c, 2, mode))
            units += [ReferenceUnit(c, c, 1, mode) for _ in range(3)]
            c_in = c
        self.units = nn.Sequential(*units)
        self.bn = nn.BatchNorm1d(16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(self.bn(self.units(self.stem(x)))).mean(-1))
