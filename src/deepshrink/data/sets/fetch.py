"""Downloads of the public data sets, in one place: where a data set goes, one progress line per file, and
each file written atomically and checked (md5 where the publisher gives one, else the first bytes of its
format, so an HTML error page is never saved as data).

Why not pooch: the package already had what pooch would bring (atomic, checksummed downloads into a cache
folder; `download_file` here), and scikit-learn's `fetch_*` pattern is the one its users know: a function per
data set, a cache folder (`$DEEPSHRINK_CACHE`, default ~/.cache/deepshrink) or a `root` of their own, files
already present kept. One dependency less, and one error style (a one-line DataError naming the file)."""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from deepshrink.atomic import atomic_write
from deepshrink.data.readers.checksums import md5sum, read_md5sums
from deepshrink.data.sets.locate import default_cache_dir
from deepshrink.errors import DataError

__all__ = ["Download", "download_file", "fetch_file", "fetch_files", "fetch_root", "md5sum", "read_md5sums"]


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


def download_file(
    url: str,
    dest: str | os.PathLike,
    *,
    expected_md5: str | None = None,
    timeout: float = 60.0,
    magic: bytes | None = None,
) -> Path:
    """Download `url` to `dest` atomically (temp file in the same folder, then os.replace).

    expected_md5: checked before the file appears at `dest`. magic: the bytes the file must start with (so an
    HTML error page is not saved as data). Network failures and mismatches raise DataError; returns `dest`.
    """
    dest_p = Path(dest)

    def write(tmp: str) -> None:  # any error here leaves no file at dest (atomic_write removes tmp)
        h = hashlib.md5()
        with open(tmp, "wb") as f:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    while block := resp.read(1 << 20):
                        h.update(block)
                        f.write(block)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
                reason = getattr(err, "reason", None) or err
                raise DataError(
                    f"could not download {url} ({reason}); check the network connection, or download the "
                    f"file by hand into {dest_p.parent}"
                ) from None
        got = h.hexdigest()
        if expected_md5 is not None and got != expected_md5:
            raise DataError(f"{url}: md5 mismatch for the download (expected {expected_md5}, got {got})")
        if magic is not None:
            with open(tmp, "rb") as f:
                if not f.read(len(magic)).startswith(magic):
                    raise DataError(f"{url}: the server did not return the expected file (an error page?)")

    return atomic_write(dest_p, write)


#: one file to fetch: (url, destination, name in the progress line, md5 or None)
Download = tuple[str, Path, str, "str | None"]


def fetch_files(
    files: Sequence[Download], *, what: str, progress: bool, timeout: float, magic: bytes | None = None
) -> list[Path]:
    """Download each file (every download of the data sets goes through here), numbered in the progress line
    (`downloading CWRU 97.mat (1/40) from URL`); files are written atomically and checked."""
    return [
        fetch_file(
            url,
            dest,
            what=f"{what} {name} ({n}/{len(files)})",
            progress=progress,
            timeout=timeout,
            md5=md5,
            magic=magic,
        )
        for n, (url, dest, name, md5) in enumerate(files, 1)
    ]
