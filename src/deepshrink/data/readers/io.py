"""The one place that reads user files: .mat, .npy/.npz, .csv, .wav signals and IDX image files.

MATLAB specifics (structs addressed as ``variable="bearing.gs"``, v7.3) live in
`deepshrink.data.readers.matfile`, WAV parsing (integer PCM and IEEE float) in
`deepshrink.data.readers.wavfile`, CSV columns in `deepshrink.data.readers.csvfile`, md5 sums in
`deepshrink.data.readers.checksums`; they are re-exported here so that loaders import every reader from
this one module.

Every failure a user can cause (missing file, truncated or corrupt file, unknown variable, NaN/inf, empty
data) becomes a `DataError` whose single line names the file and the problem, so no scipy/numpy traceback
reaches the command line.

Layout convention: signals come back as float32 arrays of shape (channels, samples). A 1-D array is one
channel; a 2-D array is read with the longer axis as time (a (122571, 1) CWRU column and a (2, 48000) stereo
array both come out right). Channels are picked with `channel`: an index, "1,2" or a list (CSV columns by
header name too, `deepshrink.data.readers.csvfile`). `read_signal` also returns the channel names and units a
file states (`SignalFile`); `read_signal_file` only (signal, rate).
"""

from __future__ import annotations

import gzip
import os
import re
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from deepshrink.data.readers.channels import Channel, SignalFile, check_finite, select_columns
from deepshrink.data.readers.checksums import check_md5, existing_file, md5sum, read_md5sums
from deepshrink.data.readers.csvfile import read_csv
from deepshrink.data.readers.matfile import (
    is_struct,
    load_mat_variables,
    mat_field,
    mat_fields,
    mat_string,
    mat_struct_elements,
    struct_hint,
)
from deepshrink.data.readers.wavfile import read_wav
from deepshrink.errors import DataError

__all__ = [
    "SIGNAL_SUFFIXES",
    "SignalFile",
    "check_finite",
    "check_md5",
    "load_mat_variables",
    "mat_field",
    "mat_fields",
    "mat_string",
    "mat_struct_elements",
    "md5sum",
    "read_idx",
    "read_md5sums",
    "read_signal",
    "read_signal_file",
    "resample_signal",
]

SIGNAL_SUFFIXES = (".mat", ".npy", ".npz", ".csv", ".wav")

# Scalar .mat/.npz variables taken as the sampling rate when present (first match wins).
_RATE_NAMES = ("fs", "Fs", "FS", "sample_rate", "sampling_rate", "samplerate", "sr", "SR", "SampleFrequency")

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _to_channels(arr: np.ndarray, name: str, channel: Channel) -> np.ndarray:
    """Numeric array -> float32 (channels, samples), optionally keeping the channels `channel` picks."""
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{name}: holds {arr.dtype} data, expected real numbers")
    arr = np.squeeze(arr) if arr.ndim > 2 else arr
    if arr.ndim == 0 or arr.size == 0:
        raise DataError(f"{name}: is empty (no samples)")
    if arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim == 2:
        # time runs along the longer axis (CWRU stores (N, 1) columns, audio-style arrays are (C, N))
        if arr.shape[0] > arr.shape[1]:
            arr = arr.T
    else:
        raise DataError(f"{name}: has shape {arr.shape}; expected 1-D or 2-D (channels, samples)")
    unnamed = "channel {item!r} must be an index here (no column names)"
    picked = select_columns(channel, arr.shape[0], name, unnamed=unnamed)
    if picked is not None:
        arr = arr[picked]
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported by check_finite
        out = np.ascontiguousarray(arr, dtype=np.float32)
    check_finite(out, name)
    return out


def _rate_from(variables: dict, name: str) -> float | None:
    for key in _RATE_NAMES:
        if key in variables:
            v = np.asarray(variables[key])
            if v.size == 1 and v.dtype.kind in "biuf" and float(v.reshape(())) > 0:
                return float(v.reshape(()))
            raise DataError(f"{name}: variable {key!r} is not a positive scalar sampling rate")
    return None


def _pick_variable(variables: dict, name: str, path: Path, variable: str | None) -> str:
    if variable is not None:
        if variable not in variables:
            present = ", ".join(sorted(variables)) or "none"
            raise DataError(f"{name}: no variable {variable!r} (present: {present})")
        return variable
    candidates = [
        k
        for k, v in variables.items()
        if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.size > 1 and k not in _RATE_NAMES
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        structs = [k for k, v in variables.items() if is_struct(v)]
        if structs:
            listed = "; ".join(f"{k!r} ({struct_hint(variables[k], k)})" for k in structs)
            raise DataError(f"{name}: holds no plain numeric variable, only struct(s): {listed}")
        raise DataError(f"{name}: no numeric signal variable found (present: {', '.join(sorted(variables))})")
    # CWRU-style files: prefer the drive-end signal of the file's own number (files may carry stray ones)
    de = [k for k in candidates if k.endswith("_DE_time")]
    numbers = re.findall(r"\d+", path.stem)
    own = [k for k in de if numbers and re.fullmatch(rf"X0*{int(numbers[-1])}_DE_time", k)]
    if len(own) == 1:
        return own[0]
    if len(de) == 1:
        return de[0]
    names = ", ".join(sorted(candidates))
    raise DataError(f"{name}: several signal variables ({names}); choose one with variable=")


def _read_mat(p: Path, variable: str | None, channel: Channel) -> SignalFile:
    name = str(p)
    variables = load_mat_variables(p)
    if variable is not None and "." in variable and variable not in variables:
        # a struct field: the signal, and a rate field (fs, sr, ...) beside it in the same struct
        arr = mat_field(variables, variable, name=name)
        parent = mat_field(variables, variable.rsplit(".", 1)[0], name=name)
        siblings = {f: mat_field(parent, f, name=name) for f in mat_fields(parent) if f in _RATE_NAMES}
        key, rate = variable, _rate_from(siblings, f"{name} [{variable.rsplit('.', 1)[0]}]")
        rate = rate if rate is not None else _rate_from(variables, name)
    else:
        key = _pick_variable(variables, name, p, variable)
        arr, rate = variables[key], _rate_from(variables, name)
    if is_struct(arr):
        raise DataError(f"{name} [{key}]: is a struct ({struct_hint(arr, key)})")
    if not isinstance(arr, np.ndarray):
        raise DataError(f"{name} [{key}]: holds {type(arr).__name__}, expected a numeric array")
    return SignalFile(_to_channels(arr, f"{name} [{key}]", channel), rate)


def read_npy(p: Path) -> Any:
    """np.load of an .npy / .npz file, never unpickling, every failure one DataError naming the file."""
    name = str(p)
    try:
        loaded = np.load(p, allow_pickle=False)
    except ValueError as err:
        msg = str(err)
        if "allow_pickle" in msg or "Object arrays" in msg:
            raise DataError(f"{name}: holds Python objects (pickled); save a plain numeric array") from None
        raise DataError(f"{name}: corrupt or truncated .npy file ({msg})") from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
        raise DataError(f"{name}: corrupt or truncated file ({type(err).__name__}: {err})") from None
    except Exception as err:  # numpy's readers (npy header, zip container) raise an open-ended set on garbage
        raise DataError(f"{name}: cannot read ({type(err).__name__}: {err})") from None
    return loaded


def _read_npy(p: Path, variable: str | None, channel: Channel) -> SignalFile:
    name = str(p)
    loaded = read_npy(p)
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            try:
                variables = {k: loaded[k] for k in loaded.files}
            except Exception as err:  # a damaged member: the same open-ended set (zip, zlib, npy header)
                raise DataError(f"{name}: corrupt .npz file ({type(err).__name__}: {err})") from None
        if not variables:
            raise DataError(f"{name}: .npz file holds no arrays")
        key = _pick_variable(variables, name, p, variable)
        signal = _to_channels(np.asarray(variables[key]), f"{name} [{key}]", channel)
        return SignalFile(signal, _rate_from(variables, name))
    if variable is not None:
        raise DataError(f"{name}: a .npy file holds one array; variable={variable!r} does not apply")
    return SignalFile(_to_channels(loaded, name, channel), None)


def _read_wav(p: Path, variable: str | None, channel: Channel) -> SignalFile:
    x, rate = read_wav(p, variable, channel)
    check_finite(x, str(p))
    return SignalFile(x, rate)


_READERS = {".mat": _read_mat, ".npy": _read_npy, ".npz": _read_npy, ".wav": _read_wav}


def read_signal(
    path: str | os.PathLike,
    *,
    variable: str | None = None,
    channel: Channel = None,
    check_columns: bool = True,
) -> SignalFile:
    """`read_signal_file` with what the file says about its channels: a `SignalFile` (signal, sample_rate,
    channel_names, units, rate_from_time). check_columns: warn (`DataWarning`) about CSV columns taken as
    vibration that look like a clock or a counter."""
    p = existing_file(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return read_csv(p, variable, channel, check_columns=check_columns)
    reader = _READERS.get(suffix)
    if reader is None:
        raise DataError(f"{p}: unsupported file type {p.suffix!r} (expected {', '.join(SIGNAL_SUFFIXES)})")
    return reader(p, variable, channel)


def read_signal_file(
    path: str | os.PathLike, *, variable: str | None = None, channel: Channel = None
) -> tuple[np.ndarray, float | None]:
    """Read one recording: returns (float32 array (channels, samples), sample rate or None if unknown).

    .mat (v4-v7 via scipy; v7.3 needs h5py): `variable` names the array; without it the only numeric array
    is used (for CWRU-style files, the file's own `X<id>_DE_time`). A scalar `fs`/`sample_rate` variable
    gives the rate. .npy (never unpickled) / .npz: one array / `variable`. .csv: numeric columns are
    channels, a header row names them, a header column named like a time (time_s, t, timestamp) is the
    time axis that gives the rate (`deepshrink.data.readers.csvfile`). .wav: integer PCM 8/16/24/32-bit,
    scaled to [-1, 1), or IEEE float 32/64-bit (values as stored), with its rate. `channel` keeps the
    channels it picks: an index, "1,2", a list, or CSV header names. A struct field is addressed with a
    dotted `variable` ("bearing.gs", any depth); a rate field (`sr`, `fs`, ...) in the same struct gives
    the rate. A file whose only data is a struct says which fields it has. Any problem raises `DataError`.
    `read_signal` also returns the channel names and units.
    """
    signal, rate, *_ = read_signal(path, variable=variable, channel=channel)
    return signal, rate


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST format), gzip-compressed or raw; returns the array in native byte order.

    Validates the magic number (two zero bytes, a type code, the number of dimensions), the dimensions and the
    payload length; truncated or corrupt files raise DataError.
    """
    p = existing_file(path)
    name = str(p)
    try:
        with open(p, "rb") as f:
            head = f.read(2)
        opener = gzip.open if head == b"\x1f\x8b" else open
        with opener(p, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{name}: corrupt or truncated IDX file ({type(err).__name__}: {err})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DataError(f"{name}: not an IDX file (bad magic number {data[:4].hex() or 'none'})")
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    if ndim == 0 or len(data) < 4 + 4 * ndim:
        raise DataError(f"{name}: corrupt IDX header ({ndim} dimensions, {len(data)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    payload = len(data) - 4 - 4 * ndim
    if payload != expected:
        kind = "truncated" if payload < expected else "has trailing bytes"
        raise DataError(f"{name}: {kind} IDX file (dims {dims} need {expected} bytes, found {payload})")
    arr = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def resample_signal(x: np.ndarray, rate: float, target: float, *, name: str = "signal") -> np.ndarray:
    """Resample float32 (channels, samples) from `rate` to `target` Hz with scipy's polyphase filter.

    The ratio is approximated by a fraction with denominator <= 1000 (exact for the usual 48k/12k, 44.1k/48k
    pairs). Returns float32; raises DataError if the result would be empty.
    """
    if rate <= 0 or target <= 0:
        raise DataError(f"{name}: sample rates must be positive (got {rate} -> {target})")
    if abs(float(rate) - float(target)) < 1e-9:
        return x
    frac = Fraction(float(target) / float(rate)).limit_denominator(1000)
    if x.shape[-1] * frac.numerator // frac.denominator < 1:
        raise DataError(f"{name}: too short to resample from {rate:g} Hz to {target:g} Hz")
    if frac.numerator > 1000:  # the polyphase filter grows with the factor: a wrong rate, not a real request
        raise DataError(f"{name}: will not upsample {target / rate:.0f}-fold ({rate:g} -> {target:g} Hz)")
    try:
        y = resample_poly(np.asarray(x, dtype=np.float64), frac.numerator, frac.denominator, axis=-1)
    except MemoryError:
        raise DataError(f"{name}: not enough memory to resample from {rate:g} Hz to {target:g} Hz") from None
    return np.ascontiguousarray(y, dtype=np.float32)
