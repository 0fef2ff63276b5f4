"""Where a named data set is looked for: ONE rule for every command, loader and test.

1. an explicit path (``cwru:PATH``, ``root=``);
2. else ``$DEEPSHRINK_DATA/<name>`` (a folder holding ``cwru/``, ``uestc/``, ``mnist/``, ...);
3. else the download cache ``$DEEPSHRINK_CACHE/<name>`` (default ``~/.cache/deepshrink/<name>``).

`dataset_root` returns the first candidate that exists and looks like the data set, and otherwise raises a
`DataError` listing every place it looked, so a user sees at once where to put the files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from deepshrink.errors import DataError

__all__ = ["candidate_roots", "dataset_root", "default_cache_dir"]


def default_cache_dir() -> Path:
    """Where downloads go: ``$DEEPSHRINK_CACHE``, default ``~/.cache/deepshrink``."""
    return Path(os.environ.get("DEEPSHRINK_CACHE") or Path.home() / ".cache" / "deepshrink").expanduser()


def candidate_roots(name: str, path: str | os.PathLike | None = None) -> list[Path]:
    """The folders looked at for data set `name`, in order (only `path` when one is given)."""
    if path is not None and str(path) != "":
        return [Path(path).expanduser()]
    env = os.environ.get("DEEPSHRINK_DATA")
    return ([Path(env).expanduser() / name] if env else []) + [default_cache_dir() / name]


def dataset_root(
    name: str,
    path: str | os.PathLike | None = None,
    *,
    looks_right: Callable[[Path], bool] | None = None,
    hint: str = "",
) -> Path:
    """The folder of data set `name` by the rule above.

    looks_right(folder): True when the folder holds the data set (default: it is a folder). An explicit
    `path` that is a file, or missing, is an error naming it; without `path` the first candidate that looks
    right wins, and none raises `DataError` listing where it looked (`hint` is appended, e.g. how to fetch).
    """
    check = looks_right or (lambda p: p.is_dir())
    if path is not None and str(path) != "":
        p = Path(path).expanduser()
        if p.is_file():
            raise DataError(f"{p}: is a file; {name} data is read from the folder that holds its files")
        if not p.is_dir():
            raise DataError(f"{p}: {name} folder not found" + (f"; {hint}" if hint else ""))
        return p
    tried = candidate_roots(name)
    for c in tried:
        if c.is_dir() and check(c):
            return c
    env_note = "" if os.environ.get("DEEPSHRINK_DATA") else " ($DEEPSHRINK_DATA is not set)"
    raise DataError(
        f"no {name} data found: looked in {' and '.join(map(str, tried))}{env_note}; "
        f"pass {name}:PATH" + (f" or {hint}" if hint else "")
    )
