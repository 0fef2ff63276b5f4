"""Property-based robustness: random bytes, truncated and bit-flipped copies of valid files, fed to
`read_signal_file` (every suffix) and to every loader. A loader may succeed or raise `DataError` naming the
problem; any other exception (an IndexError from scipy, a struct.error from a header, ...) is a bug."""

from __future__ import annotations

import gzip
import shutil
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepshrink.data import (
    load_cwru,
    load_folder,
    load_manifest,
    load_mfpt,
    load_mnist,
    load_pu,
    load_uestc,
    read_signal_file,
)
from deepshrink.data.readers.io import SIGNAL_SUFFIXES
from deepshrink.errors import DataError
from test_public_loaders import write_mfpt_file, write_pu_file

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
RNG = np.random.default_rng(11)


def _float_wav(path: Path) -> None:
    # a 32-bit IEEE-float .wav written by hand (format code 3), like the tests of deepshrink.data.readers.io
    import struct

    data = RNG.standard_normal(200).astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


class _Quiet(list):
    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing case: keep that short
        return f"<{len(self)} items>"


@pytest.fixture(scope="session")
def valid_files(tmp_path_factory) -> list[tuple[str, bytes, str | None]]:
    """(suffix, bytes of a valid file, variable to read it with)."""
    d = tmp_path_factory.mktemp("valid")
    sio.savemat(d / "plain.mat", {"x": RNG.standard_normal(300), "fs": 1000.0})
    write_mfpt_file(d / "struct.mat", rate=97656, load=270, n=300)
    np.save(d / "a.npy", RNG.standard_normal((2, 200)))
    np.savez(d / "b.npz", signal=RNG.standard_normal(200), fs=np.array(100.0))
    (d / "c.csv").write_text(
        "t,acc\n" + "\n".join(f"{i},{v:.5f}" for i, v in enumerate(RNG.standard_normal(80)))
    )
    with wave.open(str(d / "i.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((RNG.standard_normal(400) * 3000).astype("<i2").tobytes())
    _float_wav(d / "f.wav")
    files = [("plain.mat", None), ("struct.mat", "bearing.gs"), ("a.npy", None), ("b.npz", None)]
    files += [("c.csv", None), ("i.wav", None), ("f.wav", None)]
    return _Quiet((Path(n).suffix, (d / n).read_bytes(), v) for n, v in files)


def _damage(data: bytes, how: tuple) -> bytes:
    kind, a, b = how
    if kind == "random":
        return b
    if kind == "truncate":
        return data[: int(len(data) * a)]
    out = bytearray(data)  # flip: overwrite a few bytes at positions spread over the file
    for i, byte in enumerate(b[:8]):
        if out:
            out[int(a * (len(out) - 1) + 37 * i) % len(out)] = byte
    return bytes(out)


DAMAGE = st.one_of(
    st.tuples(st.just("random"), st.just(0.0), st.binary(max_size=3000)),
    st.tuples(st.just("truncate"), st.floats(0.0, 0.999), st.just(b"")),
    st.tuples(st.just("flip"), st.floats(0.0, 1.0), st.binary(min_size=1, max_size=8)),
)


def _scratch(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


@FUZZ
@given(
    data=st.binary(max_size=4000),
    suffix=st.sampled_from(SIGNAL_SUFFIXES),
    variable=st.sampled_from([None, "a.b"]),
)
def test_read_signal_file_random_bytes(tmp_path_factory, data, suffix, variable):
    p = _scratch(tmp_path_factory.getbasetemp()) / f"random{suffix}"
    p.write_bytes(data)
    try:
        x, _ = read_signal_file(p, variable=variable if suffix in (".mat", ".npz") else None)
    except DataError as err:
        assert str(p) in str(err) and "\n" not in str(err)
    else:
        assert x.dtype == np.float32 and x.ndim == 2 and np.isfinite(x).all()


@FUZZ
@given(which=st.integers(0, 6), how=DAMAGE)
def test_read_signal_file_damaged_copies(tmp_path_factory, valid_files, which, how):
    suffix, data, variable = valid_files[which]
    p = _scratch(tmp_path_factory.getbasetemp()) / f"damaged{suffix}"
    p.write_bytes(_damage(data, how))
    try:
        x, _ = read_signal_file(p, variable=variable)
    except DataError as err:
        assert str(p) in str(err) and "\n" not in str(err)
    else:
        assert x.dtype == np.float32 and np.isfinite(x).all()


def _mnist(root: Path) -> None:
    for name, arr in (
        ("t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8)),
        ("t10k-labels-idx1-ubyte", np.ones(2, np.uint8)),
    ):
        head = bytes([0, 0, 8, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
        (root / f"{name}.gz").write_bytes(gzip.compress(head + arr.tobytes()))


def _trees(base: Path) -> dict[str, tuple[Path, list[str], callable]]:
    """loader name -> (tree, files that may be damaged, how to load it)."""
    trees = {}
    t = base / "mfpt"
    write_mfpt_file(t / "baseline_1.mat", rate=97656, load=270, n=400)
    write_mfpt_file(
        t / "InnerRaceFault_vload_1.mat", rate=48828, load=0, n=200, order=("sr", "rate", "gs", "load")
    )
    (t / "MD5SUMS").write_text("")
    trees["mfpt"] = (t, ["baseline_1.mat", "InnerRaceFault_vload_1.mat", "MD5SUMS"], load_mfpt)
    t = base / "pu"
    write_pu_file(t / "KA01" / "N15_M07_F10_KA01_1.mat", n=256)
    trees["pu"] = (t, ["KA01/N15_M07_F10_KA01_1.mat"], load_pu)
    t = base / "cwru"
    t.mkdir()
    sio.savemat(
        t / "118.mat", {"X118_DE_time": RNG.standard_normal((500, 1)), "X118RPM": np.array([[1796.0]])}
    )
    trees["cwru"] = (t, ["118.mat"], lambda r: load_cwru(r, ids=[118]))
    t = base / "uestc"
    (t / "Data" / "N_800").mkdir(parents=True)
    for part in (1, 2):
        sio.savemat(
            t / "Data" / "N_800" / f"N_800_{part}.mat",
            {"Data": RNG.standard_normal((300, 1)), "SampleFrequency": 20000.0},
        )
    trees["uestc"] = (t, ["Data/N_800/N_800_1.mat"], lambda r: load_uestc(r, speeds=[800], classes=["N"]))
    t = base / "mnist"
    t.mkdir()
    _mnist(t)
    trees["mnist"] = (
        t,
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
        lambda r: load_mnist(r, split="test"),
    )
    t = base / "manifest"
    t.mkdir()
    with wave.open(str(t / "a.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(1000)
        w.writeframes(np.arange(300, dtype="<i2").tobytes())
    write_mfpt_file(t / "b.mat", rate=1000, load=1, n=300)
    (t / "m.csv").write_text("path,label,variable,condition\na.wav,x,,c1\nb.mat,y,bearing.gs,c2\n")
    trees["manifest"] = (
        t,
        ["m.csv", "a.wav", "b.mat"],
        lambda r: load_manifest(r / "m.csv", sample_rate=1000),
    )
    t = base / "folder"
    (t / "x").mkdir(parents=True)
    np.save(t / "x" / "a.npy", RNG.standard_normal(100))
    trees["folder"] = (t, ["x/a.npy"], lambda r: load_folder(r, sample_rate=100))
    return trees


@pytest.fixture(scope="session")
def loader_trees(tmp_path_factory):
    trees = _trees(tmp_path_factory.mktemp("trees"))
    for name, (root, _, load) in trees.items():
        assert load(root), name  # every tree loads before it is damaged
    return trees


# uestc.py casts float64 to float32 without silencing numpy's overflow warning; the DataError follows
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("loader", ["mfpt", "pu", "cwru", "uestc", "mnist", "manifest", "folder"])
def test_every_loader_raises_only_data_errors(tmp_path_factory, loader_trees, loader):
    root, targets, load = loader_trees[loader]

    @FUZZ
    @given(target=st.sampled_from(targets), how=DAMAGE)
    def check(target, how):
        copy = _scratch(tmp_path_factory.getbasetemp()) / loader
        shutil.copytree(root, copy)
        f = copy / target
        f.write_bytes(_damage(f.read_bytes(), how))
        try:
            load(copy)
        except DataError as err:
            assert "\n" not in str(err)

    check()
