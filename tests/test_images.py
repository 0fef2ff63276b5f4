"""MNIST / Fashion-MNIST from IDX files, downloads with a fake urlopen, scikit-learn digits, real MNIST."""

from __future__ import annotations

import gzip
import hashlib
import io
import urllib.error
import urllib.request

import numpy as np
import pytest

from deepshrink.data import fetch_mnist, load_digits_images, load_mnist, md5sum
from deepshrink.data.sets import images as dimages
from deepshrink.errors import ConfigError, DataError

RNG = np.random.default_rng(2)


def idx(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + np.array(arr.shape, ">u4").tobytes() + arr.astype(np.uint8).tobytes()


def write_split(root, prefix: str, n: int, *, gz: bool = True, labels=None) -> tuple[np.ndarray, np.ndarray]:
    imgs = RNG.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
    labs = RNG.integers(0, 10, size=n).astype(np.uint8) if labels is None else np.asarray(labels, np.uint8)
    for name, arr in ((f"{prefix}-images-idx3-ubyte", imgs), (f"{prefix}-labels-idx1-ubyte", labs)):
        data = idx(arr)
        if gz:
            (root / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (root / name).write_bytes(data)
    return imgs, labs


def test_load_mnist_gzip_and_raw(tmp_path):
    imgs, labs = write_split(tmp_path, "train", 12)
    _, tlabs = write_split(tmp_path, "t10k", 5, gz=False)
    x, y = load_mnist(tmp_path)
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x[:, 0] * 255.0, imgs, atol=1e-4)
    np.testing.assert_array_equal(y, labs)
    xt, yt = load_mnist(tmp_path, split="test", kind="fashion")
    assert xt.shape == (5, 1, 28, 28)
    np.testing.assert_array_equal(yt, tlabs)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(ConfigError, match="split must be"):
        load_mnist(tmp_path, split="val")
    with pytest.raises(ConfigError, match="image kind"):
        load_mnist(tmp_path, kind="cifar")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz not found.*fetch_mnist"):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="folder not found"):
        load_mnist(tmp_path / "none")
    write_split(tmp_path, "train", 4, labels=[1, 2, 3, 12])
    with pytest.raises(DataError, match=r"labels must be 0-9, found 12"):
        load_mnist(tmp_path)
    write_split(tmp_path, "train", 4)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx(np.zeros(3, np.uint8))))
    with pytest.raises(DataError, match=r"4 images but train-labels-idx1-ubyte\.gz has 3 labels"):
        load_mnist(tmp_path)
    good = gzip.compress(idx(np.zeros((4, 28, 28), np.uint8)))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: corrupt or truncated IDX"):
        load_mnist(tmp_path)


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_fetch_mnist_with_fake_network(tmp_path, monkeypatch):
    payloads = {}
    for name in dimages.MNIST_FILES["fashion"]:
        arr = np.zeros((3, 28, 28) if "images" in name else (3,), np.uint8)
        payloads[name] = gzip.compress(idx(arr))
        monkeypatch.setitem(dimages.MNIST_FILES["fashion"], name, hashlib.md5(payloads[name]).hexdigest())
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return _Resp(payloads[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    root = fetch_mnist(kind="fashion", progress=False)
    assert root == tmp_path / "cache" / "fashion" and len(calls) == 4
    assert all(md5sum(root / n) == m for n, m in dimages.MNIST_FILES["fashion"].items())
    x, y = load_mnist(kind="fashion")  # default root: the cache
    assert x.shape == (3, 1, 28, 28) and y.tolist() == [0, 0, 0]
    fetch_mnist(kind="fashion", progress=False)
    assert len(calls) == 4  # present with the right md5: not downloaded again
    (root / "t10k-labels-idx1-ubyte.gz").write_bytes(b"corrupted")
    fetch_mnist(root, kind="fashion", progress=False)
    assert (
        len(calls) == 5
        and md5sum(root / "t10k-labels-idx1-ubyte.gz")
        == hashlib.md5(payloads["t10k-labels-idx1-ubyte.gz"]).hexdigest()
    )


def test_fetch_mnist_failures(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: _Resp(gzip.compress(b"wrong")))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: every mirror failed: .*md5 mismatch"):
        fetch_mnist(tmp_path, progress=False)

    def offline(url, timeout):
        raise urllib.error.URLError("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"could not download .* \(timed out\)"):
        fetch_mnist(tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_digits():
    x, y = load_digits_images()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0 and sorted(set(y.tolist())) == list(range(10))


@pytest.mark.data
def test_real_mnist(mnist_root):
    for name, md5 in dimages.MNIST_FILES["mnist"].items():
        assert md5sum(mnist_root / name) == md5
    x, y = load_mnist(mnist_root)
    assert x.shape == (60000, 1, 28, 28) and y.shape == (60000,)
    xt, yt = load_mnist(mnist_root, split="test")
    assert xt.shape == (10000, 1, 28, 28) and yt.shape == (10000,)
    assert np.unique(y).tolist() == list(range(10)) == np.unique(yt).tolist()
    assert x.max() == 1.0 and x.min() == 0.0


def test_load_mnist_locate_rule_file_root_and_md5sums(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "mnist").mkdir(parents=True)
    write_split(data / "mnist", "t10k", 3)
    monkeypatch.setenv("DEEPSHRINK_DATA", str(data))
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    x, _ = load_mnist(split="test")  # $DEEPSHRINK_DATA/mnist
    assert x.shape == (3, 1, 28, 28)
    with pytest.raises(DataError, match=r"no fashion data found: looked in .*data/fashion and .*fetch_mnist"):
        load_mnist(kind="fashion")
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: is a file; mnist data is read from"):
        load_mnist(data / "mnist" / "t10k-images-idx3-ubyte.gz")
    (data / "mnist" / "MD5SUMS").write_text(f"{'0' * 32}  t10k-labels-idx1-ubyte.gz\n")
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz: md5 mismatch \(expected 0{32}"):
        load_mnist(split="test")
    assert load_mnist(split="test", verify_md5=False)[0].shape == (3, 1, 28, 28)
