"""In-memory batches: every split is ONE tensor, batches are slices of a seeded permutation.

Windows of vibration signals are small (a 2048-sample window is 8 KiB), so a whole split fits in memory and
indexing a tensor is much faster than a per-sample `__getitem__` + collate. The order of every epoch comes
from a generator seeded with (seed, epoch), so a resumed run sees the same batches as an uninterrupted one.
Under DDP every process takes an equal, disjoint shard of the permutation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import Tensor

from deepshrink.functional.seeding import mix_seed

__all__ = ["TensorBatches"]


class TensorBatches:
    """An iterable of (x, y, window index) batches over in-memory tensors; Lightning takes it as a dataloader.

    shuffle: a fresh permutation per epoch from `mix_seed("shuffle", seed, epoch)`; `epoch_fn()` tells the
    epoch. rank / world_size: this process's shard (equal sizes for training so every DDP step is matched).
    """

    def __init__(
        self,
        x: Tensor,
        y: Tensor,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int = 0,
        epoch_fn: Callable[[], int] | None = None,
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

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
        order = self._indices()
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            # the window indices travel with the batch: "fixed" noise and evaluation seeds depend on them
            yield self.x[idx], self.y[idx], idx
