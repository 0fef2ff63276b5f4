"""Where a result was made: the `environment` every benchmark cell and results file records.

A cell is bit-identical only within one environment (the same package versions, torch CPU capability or
CUDA device, and threads); on another machine the same command moves it by points (docs/reliability.md,
"Where a result was made"). `environment()` never raises: what it cannot find out is None.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from deepshrink.engine.core.runtime import available_cores

__all__ = ["PACKAGES", "environment"]

# the distributions whose versions change what a cell computes (or how it is evaluated)
PACKAGES = ("deepshrink", "torch", "numpy", "scipy", "lightning", "torchmetrics", "scikit-learn")
GIT_TIMEOUT_S = 5.0
_SOURCE = Path(__file__).resolve().parents[1]  # the package's source folder (src/deepshrink in a checkout)


def _safe(fn, *args) -> Any:
    try:
        return fn(*args)
    except Exception:  # a description of the machine must never fail the run it describes
        return None


def _cpu_model() -> str | None:
    """The CPU's model name ("AMD EPYC 7763 64-Core Processor"), from /proc/cpuinfo where there is one."""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def _cores() -> int:
    return available_cores()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# Versions and commit are looked up once per process (what it imported at its start is what it runs): a grid
# of cheap cells must not spend a subprocess per cell on them.
@functools.cache
def _versions() -> dict[str, str | None]:
    return {name: _safe(_version, name) for name in PACKAGES}


@functools.cache
def _git(folder: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout holding `folder`'s tracked `__init__.py`; (None, None) without git,
    outside a checkout, or for an installed copy that merely lies inside one (e.g. in a .venv)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},  # never take the index lock of a shared checkout
        ).stdout.strip()

    try:
        if not git("ls-files", "--", "__init__.py"):
            return None, None
        commit = git("rev-parse", "HEAD")
        # tracked files only, and not the results and figures that benchmark runs write into the tree: one
        # run's results must not mark the code of the next run dirty
        dirty = bool(
            git(
                "status", "--porcelain", "--untracked-files=no", "--",
                ":(top)", ":(top,exclude)benchmarks/results", ":(top,exclude)docs/figures",
            )
        )  # fmt: skip
    except (OSError, ValueError, subprocess.SubprocessError):
        return None, None
    return commit or None, dirty


def _torch() -> dict[str, Any]:
    cuda = _safe(torch.cuda.is_available)
    return {
        "cpu_capability": _safe(torch.backends.cpu.get_cpu_capability),
        "cuda_device": _safe(torch.cuda.get_device_name) if cuda else None,
        "cuda_version": torch.version.cuda if cuda else None,
        "torch_threads": _safe(torch.get_num_threads),
    }


def environment(threads: int | None = None) -> dict[str, Any]:
    """The environment of this process: python, platform, CPU, package versions, torch's CPU capability
    (e.g. "AVX2", "AVX512") or CUDA device, torch's threads and the `threads` asked for, and the git commit
    of the package's checkout (`dirty`: tracked files differ from it; both None outside a checkout)."""
    commit, dirty = _safe(_git, _SOURCE) or (None, None)
    return {
        "python": platform.python_version(),
        "platform": _safe(platform.platform),
        "processor": _safe(lambda: platform.processor() or platform.machine()),
        "cpu": _safe(_cpu_model),
        "cpu_count": os.cpu_count(),
        "cores_available": _safe(_cores),
        "versions": dict(_versions()),
        **(
            _safe(_torch) or dict.fromkeys(("cpu_capability", "cuda_device", "cuda_version", "torch_threads"))
        ),
        "threads": threads,
        "commit": commit,
        "dirty": dirty,
    }
