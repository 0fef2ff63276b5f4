"""WAV files: integer PCM (8/16/24/32-bit) and IEEE float (32/64-bit), read by `scipy.io.wavfile`.

scipy reads both (the standard `wave` module refuses float files, "unknown format: 3", which
data-acquisition and audio tools often write). Integer PCM is scaled to [-1, 1); float samples are returned
as stored. Every failure is a one-line `DataError` naming the file, never a scipy traceback.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from deepshrink.data.readers.channels import Channel, select_columns
from deepshrink.errors import DataError

__all__ = ["read_wav"]

# scipy reads whatever a truncated file still holds and only warns that it ended before the size its header
# gives; this message (the same from scipy 1.9 on) is turned into an error
_EOF_WARNING = "Reached EOF prematurely"

# what scipy's reader lets escape on a damaged header besides its own ValueErrors: struct.error (a chunk cut
# short), ZeroDivisionError (0 channels), TypeError (a float of an odd bit depth), UnboundLocalError (no fmt
# or no data chunk: it returns variables it never set), MemoryError (a huge size field)
_CORRUPT = (struct.error, EOFError, ArithmeticError, TypeError, UnboundLocalError, MemoryError)


def _why(err: BaseException) -> str:
    """scipy's message as one line, without its closing full stop (it goes in parentheses)."""
    return " ".join(str(err).split()).rstrip(".") or type(err).__name__


def _scipy_read(p: Path, name: str) -> tuple[int, np.ndarray]:
    """(rate, samples as scipy returns them) of a .wav file, or a one-line DataError."""
    try:
        with warnings.catch_warnings():
            # other warnings (a chunk scipy does not know, like "bext" or "cue ", is skipped) are not
            # problems: the `wave` module skipped such chunks silently too
            warnings.filterwarnings("ignore", category=wavfile.WavFileWarning)
            warnings.filterwarnings("error", _EOF_WARNING, wavfile.WavFileWarning)
            return wavfile.read(str(p))
    except wavfile.WavFileWarning as err:
        raise DataError(f"{name}: truncated .wav file ({_why(err)})") from None
    except OSError as err:
        raise DataError(f"{name}: cannot read ({err.strerror or err})") from None
    except UnboundLocalError:
        raise DataError(f"{name}: corrupt or truncated .wav file (no fmt or data chunk)") from None
    except _CORRUPT as err:
        raise DataError(
            f"{name}: corrupt or truncated .wav file ({type(err).__name__}: {_why(err)})"
        ) from None
    except ValueError as err:  # scipy's own checks: not RIFF, a compressed format, an odd float depth, ...
        raise DataError(f"{name}: unsupported or corrupt .wav file ({_why(err)})") from None


def _pick_channel(x: np.ndarray, channel: Channel, name: str) -> np.ndarray:
    picked = select_columns(channel, x.shape[0], name)  # "1,0" or [0, 1] as well as one index
    return x if picked is None else x[picked]


def read_wav(p: Path, variable: str | None, channel: Channel) -> tuple[np.ndarray, float | None]:
    """(float32 (channels, samples), rate) of a .wav file; `channel` (indices) keeps the channels it picks."""
    name = str(p)
    if variable is not None:
        raise DataError(f"{name}: variable={variable!r} is for .mat/.npz files; use channel= for a channel")
    rate, x = _scipy_read(p, name)
    if rate <= 0:
        raise DataError(f"{name}: unsupported .wav header (rate {rate})")
    if x.size == 0:
        raise DataError(f"{name}: is empty (no samples)")
    frames = x[:, None] if x.ndim == 1 else x  # scipy: (samples,) for one channel, else (samples, channels)
    if frames.dtype.kind == "u":  # 8-bit PCM (and below) is unsigned, centred on 128
        data = (frames.astype(np.float32) - 128.0) / 128.0
    elif frames.dtype.kind == "i":
        # scipy left-justifies integer PCM in its container (24-bit in the top bytes of an int32): dividing
        # by the container's full scale gives [-1, 1) for every bit depth
        data = frames.astype(np.float32) / float(1 << (8 * frames.dtype.itemsize - 1))
    elif frames.dtype.kind == "f":
        # NaN/inf are checked by the caller (deepshrink.data.readers.io), like every other reader's output
        data = frames
    else:
        raise DataError(f"{name}: unsupported .wav sample type {frames.dtype}")
    return np.ascontiguousarray(_pick_channel(data.T, channel, name), dtype=np.float32), float(rate)
