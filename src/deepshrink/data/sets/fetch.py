"""Downloads of the public data sets, in one place: where a data set goes, one progress line per file, and
each file written atomically and checked (md5 where the publisher gives one, else the first bytes of its
format, so an HTML error page is never saved as data).

Why not pooch: the package already had what pooch would bring (atomic, checksummed downloads into a cache
folder; `io.download_file`), and scikit-learn's `fetch_*` pattern is the one its users know: a function per
data set, a cache folder (`$DEEPSHRINK_CACHE`, default ~/.cache/deepshrink) or a `root` of their own, files
already present kept. One dependency less, and one error style (a one-line DataError naming the file)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deepshrink.data.readers.io import download_file
from deepshrink.data.sets.locate import default_cache_dir
from deepshrink.errors import DataError

__all__ = ["fetch_file", "fetch_root"]


def fetch_root(root: str | os.PathLike | None, name: str) -> Path:
    """The folder a fetch writes into, created: `root`, else the cache folder of data set `name`."""
    base = Path(root).expanduser() if root is not None else default_cache_dir() / name
    if base.is_file():
        raise DataError(f"{base}: is a file; fetching {name} needs a folder to put the data into")
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{base}: cannot create folder ({err.strerror or err})") from None
    return base


def fetch_file(
    url: str,
    dest: Path,
    *,
    what: str,
    progress: bool,
    timeout: float,
    md5: str | None = None,
    magic: bytes | None = None,
) -> Path:
    """Download one file of a data set to `dest` (its folder created), saying `downloading WHAT from URL`."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{dest.parent}: cannot create folder ({err.strerror or err})") from None
    if progress:
        print(f"downloading {what} from {url}", file=sys.stderr, flush=True)
    return download_file(url, dest, expected_md5=md5, timeout=timeout, magic=magic)
