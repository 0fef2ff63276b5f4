"""`deepshrink datasets`: which data sets are available and where."""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

from deepshrink.cli._common import print_table

HELP = "show the available data sets (simulator, CWRU, MNIST, digits) and where they are looked for"
DESCRIPTION = """Show what `--data` can use. Real data sets are looked for under $DEEPSHRINK_DATA
(cwru/, mnist/);downloads go to $DEEPSHRINK_CACHE (default ~/.cache/deepshrink).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `datasets` (none besides --help)."""


def _count(folder: Path, pattern: str) -> int:
    return sum(1 for _ in folder.glob(pattern)) if folder.is_dir() else 0


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    data_env = os.environ.get("DEEPSHRINK_DATA")
    root = Path(data_env) if data_env else None
    cache = Path(os.environ.get("DEEPSHRINK_CACHE", Path.home() / ".cache" / "deepshrink"))
    sim = importlib.util.find_spec("deepshrink.data.simulator") is not None
    rows = [
        ("simulator", "--data simulator", "built in" if sim else "not installed", "synthetic bearing signals")
    ]
    cwru_found = [d for d in ([root / "cwru"] if root else []) + [cache / "cwru"] if _count(d, "*.mat")]
    if cwru_found:
        d = cwru_found[0]
        rows.append(("cwru", f"--data cwru:{d}", f"found ({_count(d, '*.mat')} .mat files)", str(d)))
    else:
        where = (
            f"{root / 'cwru'} or {cache / 'cwru'}" if root else f"{cache / 'cwru'} ($DEEPSHRINK_DATA not set)"
        )
        rows.append(("cwru", "--data cwru:PATH", "not found", f"looked in {where}"))
    mnist = [d for d in ([root / "mnist"] if root else []) + [cache / "mnist"] if _count(d, "*idx*")]
    rows.append(
        (
            "mnist",
            "(autoencoders)",
            "found" if mnist else "not found",
            str(mnist[0])
            if mnist
            else f"looked in {cache / 'mnist'}" + ("" if root else ", $DEEPSHRINK_DATA"),
        )
    )
    rows.append(("digits", "(autoencoders)", "built in", "scikit-learn's 8x8 digits"))
    rows.append(
        (
            "your recordings",
            "--data manifest.csv | --data FOLDER",
            "-",
            "path,label CSV or one folder per label",
        )
    )
    print_table(None, ["data set", "use", "status", "where"], rows)
    return 0
