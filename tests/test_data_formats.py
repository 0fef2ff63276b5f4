"""MATLAB structs addressed by a dotted path, IEEE-float .wav, MD5SUMS files, and corrupt .mat element tags
that crashed scipy's reader: the formats the public loaders need, each failure a one-line DataError."""

from __future__ import annotations

import hashlib
import struct as st

import numpy as np
import pytest
import scipy.io as sio

from deepshrink.data.readers import io as dio
from deepshrink.data.readers.io import read_signal_file
from deepshrink.errors import DataError

SIG = np.random.default_rng(0).standard_normal(3000)


def test_mat_struct_field_by_dotted_path_any_depth(tmp_path):
    p = tmp_path / "baseline_1.mat"
    # MFPT's layout: a struct `bearing` whose field order differs between files
    sio.savemat(p, {"bearing": {"sr": 97656, "gs": SIG[:, None], "load": 270, "rate": 25}})
    x, rate = read_signal_file(p, variable="bearing.gs")
    assert x.shape == (1, 3000) and rate == 97656.0  # the rate field beside the signal in the same struct
    np.testing.assert_allclose(x[0], SIG, rtol=1e-6)
    q = tmp_path / "reordered.mat"
    sio.savemat(q, {"bearing": {"rate": 25, "load": 270, "gs": SIG[:, None], "sr": 48828}})
    assert read_signal_file(q, variable="bearing.gs")[1] == 48828.0
    deep = tmp_path / "deep.mat"
    sio.savemat(deep, {"a": {"b": {"c": {"sig": np.stack([SIG, -SIG]), "fs": 100.0}}}, "fs": 5.0})
    x, rate = read_signal_file(deep, variable="a.b.c.sig", channel=1)
    assert x.shape == (1, 3000) and rate == 100.0
    np.testing.assert_allclose(x[0], -SIG, rtol=1e-6)
    plain = tmp_path / "plain.mat"
    sio.savemat(plain, {"s": {"x": SIG}, "fs": 250.0})
    assert read_signal_file(plain, variable="s.x")[1] == 250.0  # no rate in the struct: the file's own


def test_mat_struct_only_file_and_bad_paths(tmp_path):
    p = tmp_path / "only_struct.mat"
    sio.savemat(p, {"bearing": {"sr": 97656, "gs": SIG[:, None], "load": 270, "rate": 25}})
    with pytest.raises(
        DataError,
        match=r"only_struct\.mat: holds no plain numeric variable, only struct\(s\): 'bearing' \(fields: sr, "
        r"gs, load, rate; address one with variable='bearing\.gs'\)",
    ):
        read_signal_file(p)
    with pytest.raises(DataError, match=r"only_struct\.mat \[bearing\]: is a struct \(fields: sr, gs"):
        read_signal_file(p, variable="bearing")
    with pytest.raises(DataError, match=r"struct 'bearing' has no field 'gx' \(fields: gs, load, rate, sr\)"):
        read_signal_file(p, variable="bearing.gx")
    with pytest.raises(DataError, match=r"no variable 'bearings' \(present: bearing\)"):
        read_signal_file(p, variable="bearings.gs")
    with pytest.raises(DataError, match=r"'bearing\.gs' is not a struct .* no field 'x'"):
        read_signal_file(p, variable="bearing.gs.x")
    with pytest.raises(DataError, match=r"bad struct path 'bearing\.\.gs'"):
        read_signal_file(p, variable="bearing..gs")
    bad_rate = tmp_path / "bad_rate.mat"
    sio.savemat(bad_rate, {"s": {"x": SIG, "fs": np.array([1.0, 2.0])}})
    with pytest.raises(DataError, match=r"bad_rate\.mat \[s\]: variable 'fs' is not a positive scalar"):
        read_signal_file(bad_rate, variable="s.x")
    arr = tmp_path / "structarray.mat"
    y = np.zeros((1, 2), dtype=[("Name", "O"), ("Data", "O")])
    for i in range(2):
        y[0, i]["Name"], y[0, i]["Data"] = f"ch{i}", SIG[None]
    sio.savemat(arr, {"m": {"Y": y}})
    with pytest.raises(DataError, match=r"'m\.Y' is a struct array of 2 elements; a dotted path cannot"):
        read_signal_file(arr, variable="m.Y.Data")


def test_mat_field_helpers_read_by_name(tmp_path):
    p = tmp_path / "pu.mat"
    y = np.zeros((1, 2), dtype=[("Data", "O"), ("Name", "O")])
    y[0, 0]["Name"], y[0, 0]["Data"] = "speed", np.ones((1, 4))
    y[0, 1]["Name"], y[0, 1]["Data"] = "vibration_1", SIG[None]
    sio.savemat(p, {"rec": {"Info": "x", "Y": y}})
    variables = dio.load_mat_variables(p)
    elements = dio.mat_struct_elements(dio.mat_field(variables, "rec.Y", name="pu.mat"), name="pu.mat")
    names = [dio.mat_string(dio.mat_field(e, "Name", name="pu.mat"), name="pu.mat") for e in elements]
    assert names == ["speed", "vibration_1"] and dio.mat_fields(elements[0]) == ("Data", "Name")
    np.testing.assert_array_equal(dio.mat_field(elements[1], "Data", name="pu.mat").ravel(), SIG)
    with pytest.raises(DataError, match=r"pu\.mat: field is not text"):
        dio.mat_string(dio.mat_field(elements[1], "Data", name="pu.mat"), name="pu.mat")


def _float_wav_bytes(frames: np.ndarray, rate: int, *, extensible: bool = False) -> bytes:
    n_ch, width = frames.shape[1], frames.dtype.itemsize
    if extensible:  # WAVE_FORMAT_EXTENSIBLE with the IEEE-float sub-format GUID
        guid = st.pack("<H", 3) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        head = (0xFFFE, n_ch, rate, rate * n_ch * width, n_ch * width, 8 * width, 22, 8 * width, 0)
        fmt = st.pack("<HHIIHHHHI", *head) + guid
    else:
        fmt = st.pack("<HHIIHH", 3, n_ch, rate, rate * n_ch * width, n_ch * width, 8 * width)
    data = frames.astype(frames.dtype.newbyteorder("<")).tobytes()
    body = b"WAVE" + b"fmt " + st.pack("<I", len(fmt)) + fmt + b"LIST" + st.pack("<I", 3) + b"abc\x00"
    body += b"data" + st.pack("<I", len(data)) + data
    return b"RIFF" + st.pack("<I", len(body)) + body


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_wav_ieee_float(tmp_path, dtype):
    frames = np.stack([SIG[:500], -0.5 * SIG[:500]], axis=1).astype(dtype)
    p = tmp_path / "f.wav"
    p.write_bytes(_float_wav_bytes(frames, 51200))
    x, rate = read_signal_file(p)
    assert rate == 51200.0 and x.shape == (2, 500) and x.dtype == np.float32
    np.testing.assert_allclose(x, frames.T, rtol=1e-6)  # float samples are kept as stored
    right, _ = read_signal_file(p, channel=1)
    np.testing.assert_allclose(right[0], frames[:, 1], rtol=1e-6)
    ext = tmp_path / "ext.wav"
    ext.write_bytes(_float_wav_bytes(frames, 8000, extensible=True))
    assert read_signal_file(ext)[0].shape == (2, 500)


def test_wav_float_errors(tmp_path):
    frames = SIG[:100, None].astype(np.float32)
    full = _float_wav_bytes(frames, 8000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full[:-6])
    with pytest.raises(DataError, match=r"cut\.wav: truncated \.wav file"):
        read_signal_file(cut)
    nan = frames.copy()
    nan[7] = np.nan
    n = tmp_path / "nan.wav"
    n.write_bytes(_float_wav_bytes(nan, 8000))
    with pytest.raises(DataError, match=r"nan\.wav: 1 NaN/inf value\(s\), first at channel 0, sample 7"):
        read_signal_file(n)
    odd = tmp_path / "f16.wav"
    odd.write_bytes(_float_wav_bytes(frames.astype(np.float16), 8000))
    with pytest.raises(
        DataError, match=r"f16\.wav: unsupported or corrupt \.wav file \(.*16-bit floating-point"
    ):
        read_signal_file(odd)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(_float_wav_bytes(frames[:0], 8000))
    with pytest.raises(DataError, match=r"empty\.wav: is empty"):
        read_signal_file(empty)
    with pytest.raises(DataError, match=r"channel 'left' must be an index"):
        read_signal_file(tmp_path / "nan.wav", channel="left")


def test_read_md5sums_and_check_md5(tmp_path):
    assert dio.read_md5sums(tmp_path) == {}
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "a.mat"
    f.write_bytes(b"abc")
    good = hashlib.md5(b"abc").hexdigest()
    (tmp_path / "MD5SUMS").write_text(
        f"{good}  sub/a.mat\n{'1' * 32} *./other/b.mat\n{'2' * 32}  x/b.mat\nnot a sum line\n"
    )
    sums = dio.read_md5sums(tmp_path)
    assert sums["sub/a.mat"] == good and sums["a.mat"] == good and sums["other/b.mat"] == "1" * 32
    assert "b.mat" not in sums  # two files of that name: only their paths are keys
    dio.check_md5(f, good)
    dio.check_md5(f, None)
    with pytest.raises(DataError, match=r"a\.mat: md5 mismatch \(expected 0{32}, got .*corrupt or truncated"):
        dio.check_md5(f, "0" * 32)


def test_mat_corrupt_tags_are_data_errors_not_crashes(tmp_path):
    # scipy's compiled reader indexes its type table with a numeric element's type unchecked: these files
    # crashed the interpreter (SIGSEGV) before matfile._check_v5 walked the tags first
    good = tmp_path / "good.mat"
    sio.savemat(good, {"x": SIG[:300]})
    data = good.read_bytes()
    tag = data.index(st.pack("<II", 9, 300 * 8))  # the miDOUBLE element holding x
    flags = data.index(st.pack("<II", 6, 8)) + 8  # the array flags word of x
    for name, pos, new in (
        ("type8", tag, b"\x08"),
        ("matrix", tag, b"\x0e"),
        ("big", tag + 1, b"\x80"),  # type 0x8009
        ("complex", flags + 1, b"\x08"),  # complex flag set, no imaginary part follows
        ("dims", data.index(st.pack("<II", 5, 8)) + 4, b"\x09"),
    ):
        p = tmp_path / f"{name}.mat"
        p.write_bytes(data[:pos] + new + data[pos + 1 :])
        with pytest.raises(DataError, match=rf"{name}\.mat: corrupt or truncated \.mat file \("):
            read_signal_file(p)
    assert read_signal_file(good)[0].shape == (1, 300)
    z = tmp_path / "z.mat"
    sio.savemat(z, {"s": {"a": SIG[:50], "b": "txt"}, "c": np.array([1 + 2j])}, do_compression=True)
    assert dio.load_mat_variables(z)["c"][0, 0] == 1 + 2j  # valid compressed structs pass the check
