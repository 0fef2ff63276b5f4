"""deepshrink.data.readers.io: every reader on tiny files, and every user mistake as a one-line DataError."""

from __future__ import annotations

import gzip
import hashlib
import io
import urllib.error
import urllib.request
import wave

import numpy as np
import pytest
import scipy.io as sio
from scipy.io import wavfile

from deepshrink.data.readers.io import md5sum, read_idx, read_signal_file, resample_signal
from deepshrink.data.sets.fetch import download_file
from deepshrink.errors import DataError

RNG = np.random.default_rng(0)
SIG = RNG.standard_normal(3000)


def write_wav(path, frames: np.ndarray, *, width: int, rate: int = 8000) -> None:
    """frames: int array (n, channels) already in the range of `width` bytes."""
    ch = frames.shape[1]
    if width == 1:
        raw = (frames + 128).astype(np.uint8).tobytes()
    elif width == 3:
        v = frames.astype(np.int64) & 0xFFFFFF
        raw = np.stack([v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF], axis=-1).astype(np.uint8).tobytes()
    else:
        raw = frames.astype("<i2" if width == 2 else "<i4").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(ch)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)


def idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    return bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, ">u4").tobytes() + arr.tobytes()


# ---------------------------------------------------------------- .mat


def test_mat_single_variable_with_rate(tmp_path):
    p = tmp_path / "rec.mat"
    sio.savemat(p, {"vib": SIG[:, None], "fs": 2560.0})
    x, rate = read_signal_file(p)
    assert x.shape == (1, 3000) and x.dtype == np.float32
    assert rate == 2560.0
    np.testing.assert_allclose(x[0], SIG, rtol=1e-6)


def test_mat_variable_choice_and_errors(tmp_path):
    p = tmp_path / "two.mat"
    sio.savemat(p, {"a": SIG, "b": 2 * SIG})
    with pytest.raises(DataError, match=r"two\.mat.*several signal variables \(a, b\)"):
        read_signal_file(p)
    x, _ = read_signal_file(p, variable="b")
    np.testing.assert_allclose(x[0], 2 * SIG, rtol=1e-6)
    with pytest.raises(DataError, match=r"two\.mat: no variable 'c' \(present: a, b\)"):
        read_signal_file(p, variable="c")


def test_mat_cwru_style_picks_own_number_over_stray(tmp_path):
    # 174.mat in the wild also holds X173_* variables: the file's own number wins
    p = tmp_path / "12k_Drive_End_IR014_3_174.mat"
    sio.savemat(
        p, {"X173_DE_time": SIG[:, None], "X174_DE_time": -SIG[:, None], "X174_FE_time": SIG[:, None]}
    )
    x, rate = read_signal_file(p)
    assert rate is None
    np.testing.assert_allclose(x[0], -SIG, rtol=1e-6)


def test_mat_two_channels_and_channel_pick(tmp_path):
    p = tmp_path / "st.mat"
    sio.savemat(p, {"x": np.stack([SIG, -SIG], axis=1)})  # (samples, 2): time along the long axis
    x, _ = read_signal_file(p)
    assert x.shape == (2, 3000)
    x1, _ = read_signal_file(p, channel=1)
    np.testing.assert_allclose(x1[0], -SIG, rtol=1e-6)
    with pytest.raises(DataError, match=r"st\.mat.*channel 5 out of range"):
        read_signal_file(p, channel=5)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_mat_truncated(tmp_path, cut):
    full = tmp_path / "full.mat"
    sio.savemat(full, {"x": SIG})
    data = full.read_bytes()
    p = tmp_path / "cut.mat"
    p.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DataError, match=r"cut\.mat: corrupt or truncated"):
        read_signal_file(p)


def test_mat_garbage_and_v73(tmp_path):
    g = tmp_path / "garbage.mat"
    g.write_bytes(b"not a matlab file at all" * 20)
    with pytest.raises(DataError, match=r"garbage\.mat"):
        read_signal_file(g)
    v = tmp_path / "big.mat"
    v.write_bytes(
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(128, b" ") + b"\x89HDF\r\n\x1a\n" + bytes(64)
    )
    try:
        import h5py  # noqa: F401
    except ImportError:
        with pytest.raises(DataError, match=r"big\.mat: is a MATLAB v7\.3 \(HDF5\) file; install h5py"):
            read_signal_file(v)
    else:
        with pytest.raises(DataError, match=r"big\.mat"):
            read_signal_file(v)


def test_nan_and_inf_are_reported_with_count_and_position(tmp_path):
    bad = SIG.copy()
    bad[[17, 40, 41]] = np.nan
    p = tmp_path / "nan.mat"
    sio.savemat(p, {"x": bad})
    with pytest.raises(
        DataError, match=r"nan\.mat \[x\]: 3 NaN/inf value\(s\), first at channel 0, sample 17"
    ):
        read_signal_file(p)
    q = tmp_path / "inf.npy"
    arr = np.zeros((2, 100))
    arr[1, 9] = np.inf
    np.save(q, arr)
    with pytest.raises(DataError, match=r"inf\.npy: 1 NaN/inf value\(s\), first at channel 1, sample 9"):
        read_signal_file(q)


def test_empty_inputs(tmp_path):
    p = tmp_path / "empty.npy"
    np.save(p, np.zeros(0))
    with pytest.raises(DataError, match=r"empty\.npy: is empty"):
        read_signal_file(p)
    c = tmp_path / "empty.csv"
    c.write_text("\n\n")
    with pytest.raises(DataError, match=r"empty\.csv: is empty"):
        read_signal_file(c)
    h = tmp_path / "header_only.csv"
    h.write_text("a,b\n")
    with pytest.raises(DataError, match=r"header_only\.csv: has a header but no data"):
        read_signal_file(h)


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(DataError, match=r"nope\.wav: file not found"):
        read_signal_file(tmp_path / "nope.wav")
    with pytest.raises(DataError, match=r"not a file"):
        read_signal_file(tmp_path)
    t = tmp_path / "x.txt"
    t.write_text("1\n2\n")
    with pytest.raises(DataError, match=r"x\.txt: unsupported file type '\.txt'"):
        read_signal_file(t)


# ---------------------------------------------------------------- .npy / .npz


def test_npy_npz(tmp_path):
    p = tmp_path / "a.npy"
    np.save(p, np.stack([SIG, SIG]).astype(np.float64))
    x, rate = read_signal_file(p)
    assert x.shape == (2, 3000) and x.dtype == np.float32 and rate is None
    z = tmp_path / "b.npz"
    np.savez(z, signal=SIG, sample_rate=np.array(5000.0))
    x, rate = read_signal_file(z)
    assert x.shape == (1, 3000) and rate == 5000.0
    with pytest.raises(DataError, match=r"b\.npz: no variable 'y'"):
        read_signal_file(z, variable="y")


def test_npy_never_unpickles_and_truncated(tmp_path):
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"obj\.npy: holds Python objects"):
        read_signal_file(p)
    full = tmp_path / "full.npy"
    np.save(full, SIG)
    cut = tmp_path / "cut.npy"
    cut.write_bytes(full.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"cut\.npy: corrupt or truncated"):
        read_signal_file(cut)


def test_non_numeric_array(tmp_path):
    p = tmp_path / "s.npy"
    np.save(p, np.array(["a", "b"]))
    with pytest.raises(DataError, match=r"s\.npy: holds <U1 data"):
        read_signal_file(p)


# ---------------------------------------------------------------- .csv


def test_csv_header_and_channel_by_name_or_index(tmp_path):
    p = tmp_path / "r.csv"
    rows = "\n".join(f"{a},{b}" for a, b in zip(SIG[:50], -SIG[:50], strict=True))
    p.write_text("de,fe\n" + rows + "\n")
    x, rate = read_signal_file(p)
    assert x.shape == (2, 50) and rate is None
    fe, _ = read_signal_file(p, channel="fe")
    np.testing.assert_allclose(fe[0], -SIG[:50], rtol=1e-6)
    de, _ = read_signal_file(p, channel=0)
    np.testing.assert_allclose(de[0], SIG[:50], rtol=1e-6)
    with pytest.raises(DataError, match=r"r\.csv: no column 'ba' \(columns: de, fe\)"):
        read_signal_file(p, channel="ba")
    with pytest.raises(DataError, match=r"r\.csv: column 2 out of range"):
        read_signal_file(p, channel=2)


def test_csv_without_header_semicolon_and_bad_cells(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("1.5;2\n3;4\n5;6\n")
    x, _ = read_signal_file(p)
    np.testing.assert_array_equal(x, np.array([[1.5, 3, 5], [2, 4, 6]], np.float32))
    with pytest.raises(DataError, match=r"n\.csv: channel 'a' given by name but the file has no header"):
        read_signal_file(p, channel="a")
    b = tmp_path / "bad.csv"
    b.write_text("a,b\n1,2\n3,oops\n")
    with pytest.raises(DataError, match=r"bad\.csv: non-numeric or ragged"):
        read_signal_file(b)
    n = tmp_path / "nan.csv"
    n.write_text("v\n1\nnan\n3\n")
    with pytest.raises(DataError, match=r"nan\.csv: 1 NaN/inf value\(s\), first at channel 0, sample 1"):
        read_signal_file(n)


# ---------------------------------------------------------------- .wav


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_wav_pcm_widths(tmp_path, width):
    full = 2 ** (8 * width - 1)
    frames = np.array([[0, full // 2], [-full, full - 1], [full // 4, -(full // 4)]], dtype=np.int64)
    p = tmp_path / f"w{width}.wav"
    write_wav(p, frames, width=width, rate=44100)
    x, rate = read_signal_file(p)
    assert rate == 44100.0 and x.shape == (2, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x, frames.T / full, atol=1e-6)
    right, _ = read_signal_file(p, channel=1)
    np.testing.assert_allclose(right[0], frames[:, 1] / full, atol=1e-6)


def test_wav_truncated_and_not_pcm(tmp_path):
    p = tmp_path / "t.wav"
    write_wav(p, np.zeros((1000, 1), dtype=np.int64), width=2)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(p.read_bytes()[:-400])
    with pytest.raises(DataError, match=r"cut\.wav: truncated \.wav file \(.*2044 bytes") as err:
        read_signal_file(cut)  # scipy's words: "finished at 1644 bytes, expected 2044 bytes from header"
    assert "\n" not in str(err.value)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(
        DataError, match=r"junk\.wav: corrupt or truncated \.wav file \(no fmt or data chunk\)$"
    ):
        read_signal_file(junk)
    adpcm = bytearray(p.read_bytes())
    adpcm[20:22] = (2).to_bytes(2, "little")  # format code 2: Microsoft ADPCM
    (tmp_path / "adpcm.wav").write_bytes(bytes(adpcm))
    with pytest.raises(DataError, match=r"adpcm\.wav: unsupported or corrupt \.wav file \(.*ADPCM"):
        read_signal_file(tmp_path / "adpcm.wav")


def test_wav_written_by_scipy_and_unknown_chunks(tmp_path, recwarn):
    stereo = np.stack([SIG[:400], -0.5 * SIG[:400]], axis=1)
    f32 = tmp_path / "f32.wav"
    wavfile.write(f32, 25600, stereo.astype(np.float32))
    x, rate = read_signal_file(f32)
    assert rate == 25600.0 and x.shape == (2, 400) and x.dtype == np.float32
    np.testing.assert_array_equal(x, stereo.T.astype(np.float32))  # float samples are kept as stored
    i16 = tmp_path / "i16.wav"
    wavfile.write(i16, 8000, (SIG[:300] * 3000).astype(np.int16))
    x, _ = read_signal_file(i16)
    np.testing.assert_array_equal(x[0], (SIG[:300] * 3000).astype(np.int16) / np.float32(32768))
    # a chunk scipy does not know (here "bext", as broadcast tools write) is skipped without a warning
    data = i16.read_bytes()
    bext = b"bext" + (6).to_bytes(4, "little") + b"origin"
    body = data[12:36] + bext + data[36:]
    (tmp_path / "bext.wav").write_bytes(b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WAVE" + body)
    np.testing.assert_array_equal(read_signal_file(tmp_path / "bext.wav")[0], x)
    assert not [w for w in recwarn if issubclass(w.category, wavfile.WavFileWarning)]


# ---------------------------------------------------------------- IDX, md5, resampling, download


def test_read_idx_raw_and_gzip(tmp_path):
    arr = RNG.integers(0, 255, size=(5, 4, 3), dtype=np.uint8)
    raw = tmp_path / "a-idx3-ubyte"
    raw.write_bytes(idx_bytes(arr))
    np.testing.assert_array_equal(read_idx(raw), arr)
    gz = tmp_path / "a-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(idx_bytes(arr)))
    np.testing.assert_array_equal(read_idx(gz), arr)
    ints = np.arange(6, dtype=">i4").reshape(2, 3)
    (tmp_path / "i.idx").write_bytes(idx_bytes(ints, 0x0C))
    out = read_idx(tmp_path / "i.idx")
    assert out.dtype == np.dtype("int32") and out.dtype.isnative
    np.testing.assert_array_equal(out, ints)


def test_read_idx_errors(tmp_path):
    data = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    (tmp_path / "trunc").write_bytes(data[:-5])
    with pytest.raises(DataError, match=r"trunc: truncated IDX file"):
        read_idx(tmp_path / "trunc")
    (tmp_path / "long").write_bytes(data + b"xx")
    with pytest.raises(DataError, match=r"long: has trailing bytes"):
        read_idx(tmp_path / "long")
    (tmp_path / "magic").write_bytes(b"\x01\x02\x08\x03" + data[4:])
    with pytest.raises(DataError, match=r"magic: not an IDX file \(bad magic number 01020803\)"):
        read_idx(tmp_path / "magic")
    gz = gzip.compress(data)
    (tmp_path / "cut.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(DataError, match=r"cut\.gz: corrupt or truncated IDX"):
        read_idx(tmp_path / "cut.gz")
    with pytest.raises(DataError, match=r"missing\.gz: file not found"):
        read_idx(tmp_path / "missing.gz")


def test_md5sum(tmp_path):
    p = tmp_path / "f.bin"
    payload = RNG.bytes(3 * 1024 + 7)
    p.write_bytes(payload)
    assert md5sum(p, chunk_size=1024) == hashlib.md5(payload).hexdigest()
    with pytest.raises(DataError, match="file not found"):
        md5sum(tmp_path / "none")


def test_resample_signal_48k_to_12k_keeps_a_tone():
    t = np.arange(48000) / 48000.0
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[None]
    y = resample_signal(x, 48000, 12000)
    assert y.shape == (1, 12000) and y.dtype == np.float32
    ref = np.sin(2 * np.pi * 1000 * np.arange(12000) / 12000.0)
    np.testing.assert_allclose(y[0, 100:-100], ref[100:-100], atol=2e-3)
    assert resample_signal(x, 8000, 8000) is x
    z = resample_signal(np.ones((2, 441), np.float32), 44100, 48000)
    assert z.shape == (2, 480)


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_file_atomic_md5_and_network_errors(tmp_path, monkeypatch):
    payload = b"MATLAB 5.0" + bytes(100)
    good = hashlib.md5(payload).hexdigest()
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: _Resp(payload))
    dest = download_file("https://example.invalid/f", tmp_path / "f.mat", expected_md5=good, magic=b"MATLAB")
    assert dest.read_bytes() == payload
    with pytest.raises(DataError, match=r"md5 mismatch"):
        download_file("https://example.invalid/g", tmp_path / "g.mat", expected_md5="0" * 32)
    with pytest.raises(DataError, match=r"did not return the expected file"):
        download_file("https://example.invalid/h", tmp_path / "h.gz", magic=b"\x1f\x8b")

    def offline(url, timeout):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"could not download https://example.invalid/k \(no route to host\)"):
        download_file("https://example.invalid/k", tmp_path / "k.mat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.mat"]  # no partial files left behind
