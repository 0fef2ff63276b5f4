"""The process's compute: how many cores it may use and how many threads torch runs.

Every entry point (each command, each benchmark worker) sets torch's intra-op threads ONCE, from an explicit
`threads` or the cores this process may use (its CPU affinity, which containers and `taskset` narrow).
Several torch processes on one machine must split the cores between them: two processes that each start as
many threads as there are cores slow each other down about 16x on 2 cores (measured; a busy loop costs
1.3x), because their threads spin against each other.
"""

from __future__ import annotations

import os

import torch

__all__ = ["available_cores", "configure_threads"]


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads to `threads` (default: `available_cores()`); returns the number set."""
    n = int(threads) if threads else available_cores()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
