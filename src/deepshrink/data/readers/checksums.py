"""File checks shared by readers and fetchers: that a path is a file, and md5 sums (MD5SUMS files)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from deepshrink.errors import DataError

__all__ = ["check_md5", "existing_file", "md5sum", "read_md5sums"]


def existing_file(path: str | os.PathLike) -> Path:
    """`path` as a Path, a DataError naming it when it is missing or not a file."""
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(f"{p}: file not found")
    if not p.is_file():
        raise DataError(f"{p}: not a file")
    return p


def md5sum(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """Hex md5 digest of a file, read in chunks (DataError if it is missing or unreadable)."""
    p = existing_file(path)
    h = hashlib.md5()
    try:
        with open(p, "rb") as f:
            while block := f.read(chunk_size):
                h.update(block)
    except OSError as err:
        raise DataError(f"{p}: cannot read ({err.strerror or err})") from None
    return h.hexdigest()


def read_md5sums(folder: str | os.PathLike) -> dict[str, str]:
    """The sums of ``MD5SUMS`` in `folder` (``md5sum`` output: "<hex>  <path>"), {} when there is none.

    Keys are the listed path (relative to `folder`, with "/") and, when no two entries share it, the bare file
    name, so a loader can look a file up either way. Lines that are not a sum and a path are skipped.
    """
    f = Path(folder) / "MD5SUMS"
    if not f.is_file():
        return {}
    try:
        text = f.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DataError(f"{f}: cannot read ({err.strerror or err})") from None
    sums: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{32}", parts[0]):
            continue
        rel = parts[1].strip().lstrip("*").replace("\\", "/").removeprefix("./")
        sums[rel] = parts[0].lower()
        names.setdefault(rel.rsplit("/", 1)[-1], []).append(parts[0].lower())
    for name, found in names.items():
        if len(found) == 1:
            sums.setdefault(name, found[0])
    return sums


def check_md5(path: str | os.PathLike, expected: str | None) -> None:
    """Raise DataError naming `path` when its md5 is not `expected` (no check when `expected` is None)."""
    if expected is None:
        return
    got = md5sum(path)
    if got != expected.lower():
        raise DataError(
            f"{path}: md5 mismatch (expected {expected}, got {got}); the file is corrupt or truncated"
        )
