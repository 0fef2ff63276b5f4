"""Atomic Lightning checkpoint writes (a module of its own so that `artifacts` does not import Lightning)."""

from __future__ import annotations

from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from deepshrink.engine.artifacts import atomic_write


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning CheckpointIO writing each checkpoint to a temp file in its folder, then `os.replace`.

    Lightning's default writes straight into the target file, so a process killed mid-write leaves a
    truncated `last.ckpt` that `--resume` cannot read; here the previous checkpoint survives intact.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        """Write `checkpoint` to `path` atomically (torch.save into a temp file beside it)."""
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO does not take storage_options")
        atomic_write(path, lambda tmp: torch.save(checkpoint, tmp))
