"""Seeds: every random draw in deepshrink comes from a generator seeded by mixing named parts.

`mix_seed("train-noise", seed, epoch, batch)` gives the same 63-bit seed in every process and Python
version, so a resumed run, another worker or another machine draws exactly the same noise; `window_seeds`
gives one seed per window so that a window's noise does not depend on the batch it lands in.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

__all__ = ["mix_seed", "seeded", "window_seeds"]


def mix_seed(*parts: Any) -> int:
    """A 63-bit seed from any mix of ints/floats/strings (stable across processes and Python versions)."""
    text = "\x1f".join(repr(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") >> 1


def window_seeds(base: int, index: Tensor) -> Tensor:
    """One seed per window: `base` mixed with each window's index (int64 tensor), all non-negative."""
    # splitmix64-style mixing in int64 arithmetic (wrap-around is fine for hashing)
    z = index.to(torch.int64) * -7046029254386353131 + (base & 0x7FFFFFFFFFFFFFFF)
    z = (z ^ (z >> 30)) * -4658895280553007687
    z = (z ^ (z >> 27)) * -7723592293110705685
    z = z ^ (z >> 31)
    return z & 0x7FFFFFFFFFFFFFFF


@contextlib.contextmanager
def seeded(*parts: Any) -> Iterator[None]:
    """Run a block with torch's global CPU generator seeded from `mix_seed(*parts)`, restoring it after.

    Weight initialisation in torch draws from the global generator; forking it makes the seed explicit and
    leaves the caller's random state untouched.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(mix_seed(*parts) % (2**63))
        yield
