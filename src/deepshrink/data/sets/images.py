"""Image data for the denoising autoencoders: MNIST / Fashion-MNIST (IDX files) and scikit-learn's digits.

Images come back as float32 (N, 1, H, W) in [0, 1] with int64 labels. Downloads go to
`$DEEPSHRINK_CACHE/<kind>` (default `~/.cache/deepshrink/<kind>`), are written atomically and md5-checked.
`load_mnist` finds its folder by the one locate rule (`deepshrink.data.sets.locate`): an explicit root, else
`$DEEPSHRINK_DATA/<kind>`, else the download cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from deepshrink.data.readers.io import check_md5, md5sum, read_idx, read_md5sums
from deepshrink.data.sets.fetch import fetch_file, fetch_root
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

__all__ = ["MNIST_FILES", "fetch_mnist", "load_digits_images", "load_mnist"]

# The original file names (Fashion-MNIST reuses them) and their published md5 sums.
MNIST_FILES = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
_MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",),
    "fashion": ("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",),
}
_PREFIX = {"train": "train", "test": "t10k"}
_STEMS = tuple(f"{p}-{what}" for p in _PREFIX.values() for what in ("images-idx3-ubyte", "labels-idx1-ubyte"))


def _check_kind(kind: str) -> None:
    if kind not in MNIST_FILES:
        raise ConfigError(f"image kind must be one of {', '.join(MNIST_FILES)}, got {kind!r}")


def _find(root: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (root / name).is_file():
            return root / name
    raise DataError(f"{root}: {stem}.gz not found (download it with deepshrink.data.fetch_mnist)")


def _looks_like_idx(folder: Path) -> bool:
    return any((folder / f"{stem}{gz}").is_file() for stem in _STEMS for gz in (".gz", ""))


def load_mnist(
    root: str | os.PathLike | None = None,
    *,
    split: str = "train",
    kind: str = "mnist",
    verify_md5: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST or Fashion-MNIST from the IDX files in `root` (gzip or raw, original names).

    root: the folder holding the files; default by the locate rule ($DEEPSHRINK_DATA/<kind>, then the
    download cache `$DEEPSHRINK_CACHE/<kind>`). split: "train" (60,000 images) or "test" (10,000).
    verify_md5: check the two files against ``MD5SUMS`` in the folder when it lists them. Returns (images
    float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)).
    """
    _check_kind(kind)
    if split not in _PREFIX:
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}")
    r = dataset_root(kind, root, looks_right=_looks_like_idx, hint="fetch it with fetch_mnist()")
    img_path = _find(r, f"{_PREFIX[split]}-images-idx3-ubyte")
    lab_path = _find(r, f"{_PREFIX[split]}-labels-idx1-ubyte")
    sums = read_md5sums(r) if verify_md5 else {}
    for f in (img_path, lab_path):
        check_md5(f, sums.get(f.name))
    images, labels = read_idx(img_path), read_idx(lab_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(f"{img_path}: expected uint8 images (N, H, W), got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DataError(f"{lab_path}: expected uint8 labels (N,), got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{img_path}: {len(images)} images but {lab_path.name} has {len(labels)} labels")
    if len(labels) and labels.max() > 9:
        raise DataError(f"{lab_path}: labels must be 0-9, found {int(labels.max())}")
    x = (images.astype(np.float32) / 255.0)[:, None, :, :]
    return x, labels.astype(np.int64)


def fetch_mnist(
    root: str | os.PathLike | None = None,
    *,
    kind: str = "mnist",
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download the four IDX files of `kind` ("mnist" or "fashion") and return the folder holding them.

    root: the folder for the files (default `$DEEPSHRINK_CACHE/<kind>`, i.e. ~/.cache/deepshrink/<kind>), as
    every other fetch names it.
    Files already present with the right md5 are kept; a present file with a wrong md5 is downloaded again.
    Every download is atomic and md5-checked; network failures raise DataError.
    """
    _check_kind(kind)
    folder = fetch_root(root, kind)
    for name, md5 in MNIST_FILES[kind].items():
        dest = folder / name
        if dest.is_file() and md5sum(dest) == md5:
            continue
        errors = []
        for base in _MIRRORS[kind]:
            try:
                what = f"{kind} {name}"
                fetch_file(
                    base + name,
                    dest,
                    what=what,
                    progress=progress,
                    timeout=timeout,
                    md5=md5,
                    magic=b"\x1f\x8b",
                )
                break
            except DataError as err:
                errors.append(str(err))
        else:
            raise DataError(f"{name}: every mirror failed: " + " | ".join(errors))
    return folder


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1,797 images, no download).

    Returns (float32 (N, 1, 8, 8) in [0, 1], int64 labels 0-9).
    """
    d = load_digits()
    x = (np.asarray(d.images, dtype=np.float32) / 16.0)[:, None, :, :]
    return x, np.asarray(d.target, dtype=np.int64)
