"""In-memory data for training: every split is ONE tensor, batches are slices of a seeded permutation.

Windows of vibration signals are small (a 2048-sample window is 8 KiB), so a whole split fits in memory and
indexing a tensor is much faster than a per-sample `__getitem__` + collate. The order of every epoch comes
from a generator seeded with (seed, epoch), so a resumed run sees the same batches as an uninterrupted one.
Under DDP every process takes an equal, disjoint shard of the permutation.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor

from deepshrink.engine._noise import apply_noise, mix_seed, window_seeds
from deepshrink.errors import ConfigError, DataError


def _as_tensor_pair(split: Any, name: str) -> tuple[Tensor, Tensor]:
    x, y = np.asarray(split.x), np.asarray(split.y)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise ConfigError(f"{name} split: expected x (N, C, L) and y (N,), got {x.shape} and {y.shape}")
    if x.size and not np.isfinite(x).all():
        raise DataError(f"{name} split: {int((~np.isfinite(x)).sum())} NaN/inf values in the windows")
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(y.astype(np.int64))


class TensorBatches:
    """An iterable of (x, y) batches over in-memory tensors; Lightning accepts it as a dataloader.

    shuffle: a fresh permutation per epoch from `mix_seed(seed, epoch)`; `epoch_fn()` tells the epoch.
    rank / world_size: this process's shard (equal sizes for training so every DDP step is matched).
    """

    def __init__(
        self,
        x: Tensor,
        y: Tensor,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int = 0,
        epoch_fn=None,
        rank: int = 0,
        world_size: int = 1,
        equal_shards: bool = False,
    ) -> None:
        self.x, self.y = x, y
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.epoch_fn = epoch_fn or (lambda: 0)
        self.rank, self.world_size, self.equal_shards = rank, world_size, equal_shards

    def _indices(self) -> Tensor:
        n = len(self.x)
        if self.shuffle:
            g = torch.Generator().manual_seed(mix_seed("shuffle", self.seed, int(self.epoch_fn())))
            order = torch.randperm(n, generator=g)
        else:
            order = torch.arange(n)
        if self.world_size > 1:
            if self.equal_shards:
                order = order[: n - n % self.world_size]
            order = order[self.rank :: self.world_size]
        return order

    def __len__(self) -> int:
        n = len(self.x)
        if self.world_size > 1:
            n = n // self.world_size if self.equal_shards else len(range(self.rank, n, self.world_size))
        return (n + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = self._indices()
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            # the window indices travel with the batch: "fixed" noise and evaluation seeds depend on them
            yield self.x[idx], self.y[idx], idx


class SignalDataModule(L.LightningDataModule):
    """Train/val/test windows of a `SignalDataset` kept as tensors, served by `TensorBatches`.

    `dataset` is anything with `.train/.val/.test` (each with numpy `x` (N, C, L) and `y` (N,)), `.classes`
    and `.sample_rate` (the data helper's `SignalDataset`). Validation and test windows get fixed noise at
    setup (per-window seeds from `seed`, so every run and every process sees the same noisy windows); with
    `noise_mode="fixed"` the training windows do too (the paper's protocol), else the LightningModule draws
    noise per batch.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        batch_size: int = 128,
        eval_batch_size: int | None = None,
        noise: str = "none",
        snr: float | tuple[float, float] = 0.0,
        noise_mode: str = "online",
        seed: int = 0,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.eval_batch_size = int(eval_batch_size or max(256, 4 * batch_size))
        self.noise, self.snr, self.noise_mode, self.seed = noise, snr, noise_mode, int(seed)
        self.classes = list(dataset.classes)
        self.tensors: dict[str, tuple[Tensor, Tensor]] = {}
        for name in ("train", "val", "test"):
            self.tensors[name] = _as_tensor_pair(getattr(dataset, name), name)
        if len(self.tensors["train"][0]) == 0:
            raise DataError("train split is empty: more data or a smaller window is needed")
        self._noised = False

    @property
    def in_channels(self) -> int:
        """Channels of one window."""
        return int(self.tensors["train"][0].shape[1])

    def setup(self, stage: str | None = None) -> None:
        """Add the fixed noise once (idempotent)."""
        if self._noised:
            return
        splits = ["val", "test"] + (["train"] if self.noise_mode == "fixed" else [])
        for name in splits:
            x, y = self.tensors[name]
            if len(x) and self.noise != "none":
                base = mix_seed("fixed-noise", self.seed, name, self.noise, str(self.snr))
                seeds = window_seeds(base, torch.arange(len(x)))
                noisy = torch.cat(
                    [
                        apply_noise(x[i : i + 4096], kind=self.noise, snr=self.snr, seeds=seeds[i : i + 4096])
                        for i in range(0, len(x), 4096)
                    ]
                )
                self.tensors[name] = (noisy, y)
        self._noised = True

    def _rank_world(self) -> tuple[int, int]:
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            return 0, 1
        return int(trainer.global_rank), int(trainer.world_size)

    def _epoch(self) -> int:
        trainer = getattr(self, "trainer", None)
        return int(trainer.current_epoch) if trainer is not None else 0

    def train_dataloader(self) -> TensorBatches:
        """Shuffled training batches (a new seeded order every epoch; equal shards under DDP)."""
        x, y = self.tensors["train"]
        rank, world = self._rank_world()
        return TensorBatches(
            x,
            y,
            batch_size=self.batch_size,
            shuffle=True,
            seed=self.seed,
            epoch_fn=self._epoch,
            rank=rank,
            world_size=world,
            equal_shards=True,
        )

    def _eval_loader(self, name: str) -> TensorBatches:
        x, y = self.tensors[name]
        rank, world = self._rank_world()
        return TensorBatches(
            x, y, batch_size=self.eval_batch_size, shuffle=False, rank=rank, world_size=world
        )

    def val_dataloader(self) -> TensorBatches:
        """Validation batches (fixed noisy windows, in order)."""
        return self._eval_loader("val")

    def test_dataloader(self) -> TensorBatches:
        """Test batches (fixed noisy windows at the training SNR, in order)."""
        return self._eval_loader("test")
