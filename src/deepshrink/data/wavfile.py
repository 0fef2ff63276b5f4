"""WAV files: integer PCM (8/16/24/32-bit, through the `wave` module) and IEEE float (32/64-bit).

The standard `wave` module refuses float files ("unknown format: 3"), which data-acquisition and audio tools
often write, so the RIFF chunks of those are parsed here. Integer PCM is scaled to
[-1, 1); float samples are returned as stored. Every failure is a one-line `DataError` naming the file.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

from deepshrink.errors import DataError

__all__ = ["read_wav"]


def _float_wav(p: Path, name: str) -> tuple[np.ndarray, float] | None:
    """(frames (samples, channels), rate) of an IEEE-float .wav (format 3, or extensible with a float
    sub-format), which the `wave` module refuses; None when the file is not a float .wav."""
    try:
        data = p.read_bytes()
    except OSError as err:
        raise DataError(f"{name}: cannot read ({err.strerror or err})") from None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    fmt, body, pos = None, None, 12
    while pos + 8 <= len(data) and body is None:
        cid, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        chunk = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt " and len(chunk) >= 16:
            fmt = struct.unpack_from("<HHIIHH", chunk)
            if fmt[0] == 0xFFFE and len(chunk) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the GUID starts with the code
                fmt = (struct.unpack_from("<H", chunk, 24)[0], *fmt[1:])
        elif cid == b"data" and fmt is not None:
            body = chunk
        pos += 8 + size + (size & 1)  # chunks are padded to even sizes
    if fmt is None or fmt[0] != 3:
        return None
    _, n_ch, rate, _, _, bits = fmt
    if n_ch < 1 or rate <= 0 or bits not in (32, 64):
        raise DataError(f"{name}: unsupported float .wav header ({n_ch} channels, {bits} bits, rate {rate})")
    if body is None:
        raise DataError(f"{name}: truncated .wav file (no data chunk)")
    frame = n_ch * bits // 8
    if not body:
        raise DataError(f"{name}: is empty (no samples)")
    if len(body) % frame:
        raise DataError(f"{name}: truncated .wav file ({len(body)} data bytes are not whole frames)")
    frames = np.frombuffer(body, dtype="<f4" if bits == 32 else "<f8").reshape(-1, n_ch)
    return frames, float(rate)


def _pick_channel(x: np.ndarray, channel: int | str | None, name: str) -> np.ndarray:
    if channel is None:
        return x
    if isinstance(channel, str) and not channel.lstrip("-").isdigit():
        raise DataError(f"{name}: channel {channel!r} must be an index here (no channel names)")
    channel = int(channel)
    if not -x.shape[0] <= channel < x.shape[0]:
        raise DataError(f"{name}: channel {channel} out of range (the file has {x.shape[0]} channel(s))")
    return x[[channel]]


def read_wav(p: Path, variable: str | None, channel: int | str | None) -> tuple[np.ndarray, float | None]:
    """(float32 (channels, samples), rate) of a .wav file; `channel` (an index) keeps one channel."""
    name = str(p)
    if variable is not None:
        raise DataError(f"{name}: variable={variable!r} is for .mat/.npz files; use channel= for a channel")
    try:
        with wave.open(str(p), "rb") as w:
            n_ch, width, rate, n_frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n_frames)
    except wave.Error as err:
        floats = _float_wav(p, name)
        if floats is None:
            raise DataError(
                f"{name}: not a PCM .wav file ({err}); only 8/16/24/32-bit integer PCM or 32/64-bit float"
            ) from None
        # NaN/inf are checked by the caller (deepshrink.data.io), like every other reader's output
        return np.ascontiguousarray(_pick_channel(floats[0].T, channel, name), dtype=np.float32), floats[1]
    except (EOFError, OSError, struct.error, ValueError, OverflowError, MemoryError, RuntimeError) as err:
        raise DataError(f"{name}: corrupt or truncated .wav file ({type(err).__name__}: {err})") from None
    if n_ch < 1 or rate <= 0 or width not in (1, 2, 3, 4):
        raise DataError(
            f"{name}: unsupported .wav header ({n_ch} channels, {width} bytes/sample, rate {rate})"
        )
    if n_frames == 0:
        raise DataError(f"{name}: is empty (no samples)")
    if len(raw) < n_frames * n_ch * width:
        got = len(raw) // (n_ch * width)
        raise DataError(f"{name}: truncated .wav file (header says {n_frames} frames, found {got})")
    buf = np.frombuffer(raw, dtype=np.uint8)
    if width == 1:  # 8-bit PCM is unsigned
        data = (buf.astype(np.float32) - 128.0) / 128.0
    elif width == 3:
        b = buf.reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype(np.float32) / float(1 << 23)
    else:
        dtype = np.dtype("<i2") if width == 2 else np.dtype("<i4")
        data = np.frombuffer(raw, dtype=dtype).astype(np.float32) / float(1 << (8 * width - 1))
    frames = _pick_channel(data.reshape(n_frames, n_ch).T, channel, name)
    return np.ascontiguousarray(frames, dtype=np.float32), float(rate)
