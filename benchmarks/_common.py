"""What every benchmark script does at the end: name its command, print its table, write JSON + markdown."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import torch

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.benchmark.environment import environment


def command_line(script: str, argv) -> str:
    """The command that produced a result, for the JSON (`argv` as passed to `main`, None for sys.argv)."""
    return f"python benchmarks/{script} " + " ".join(argv if argv is not None else sys.argv[1:])


def machine_description(threads: int) -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {threads} threads"
    )


def finish(out: Path, result: dict, markdown: str) -> None:
    """Print the markdown table; write `out` (JSON, plus the `environment` it was made in: package
    versions, CPU capability or CUDA device, threads, commit) and the same path with .md, each atomically."""
    print(markdown)
    atomic_write_json(out, {**result, "environment": environment()})
    atomic_write_text(out.with_suffix(".md"), markdown + "\n")
