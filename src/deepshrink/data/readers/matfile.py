"""MATLAB .mat files: their variables, and struct fields addressed by a dotted path such as ``bearing.gs``.

scipy's `loadmat` (called with ``squeeze_me=False`` and ``struct_as_record=True``, so that every file comes
back in the same shape) returns a MATLAB struct as a numpy record array whose fields hold (1, 1) object
arrays. Public data sets store their signals in structs (MFPT: ``bearing.gs``; Paderborn:
``<stem>.Y(i).Data``), and the ORDER of the fields differs between files of one data set, so fields are only
ever read by NAME here.

v7.3 files are HDF5: read with h5py when it is installed (groups become nested dicts, which the struct
helpers accept too). Every failure is a one-line `DataError` naming the file.

Before scipy sees a v5-v7 file, its element tags are walked here (`_check_v5`): scipy's compiled reader
indexes a table with the data type of a numeric element without checking it, so one corrupt tag byte
(a type code such as 8, 14 or 0x8009 where a number array is expected) crashes the interpreter with a
segmentation fault instead of raising. The walk checks every tag's type and size against the layout of
the format, so such a file becomes a `DataError` too.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import loadmat
from scipy.io.matlab import matfile_version

from deepshrink.errors import DataError

__all__ = [
    "is_struct",
    "load_mat_variables",
    "mat_field",
    "mat_fields",
    "mat_string",
    "mat_struct_elements",
    "struct_hint",
]


def is_struct(value: Any) -> bool:
    """True for a MATLAB struct as loaded here: a numpy record array, or a dict (v7.3 group)."""
    return isinstance(value, Mapping) or (isinstance(value, np.ndarray) and value.dtype.names is not None)


def mat_fields(value: Any) -> tuple[str, ...]:
    """The field names of a struct (in the file's order), or () for anything else."""
    if isinstance(value, Mapping):
        return tuple(str(k) for k in value)
    if isinstance(value, np.ndarray) and value.dtype.names is not None:
        return tuple(value.dtype.names)
    return ()


def _unwrap(value: Any) -> Any:
    # scipy wraps each field value (and each cell) in a 1-element object array: peel those layers off
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.reshape(-1)[0]
    return value


def _describe(value: Any) -> str:
    if is_struct(value):
        return f"a struct with fields {', '.join(mat_fields(value)) or 'none'}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype} data of shape {value.shape}"
    return type(value).__name__


def mat_struct_elements(value: Any, *, name: str, where: str = "struct") -> list[Any]:
    """The elements of a struct array (``Y(1)``, ``Y(2)``, ...), each a one-element struct."""
    value = _unwrap(value)
    if isinstance(value, Mapping):
        return [value]
    if not is_struct(value):
        raise DataError(f"{name}: {where} is not a struct (it holds {_describe(value)})")
    flat = value.reshape(-1)
    return [flat[i : i + 1] for i in range(flat.size)]


def mat_field(value: Any, path: str, *, name: str) -> Any:
    """The value at dotted `path` ("bearing.gs", "Y", "a.b.c") of loaded variables or of a struct.

    `value`: the dict returned by `load_mat_variables` (the first part of `path` is then a variable) or a
    struct. Each part is looked up by name; a missing field, a part that is not a struct and a struct array
    of several elements on the way raise DataError naming the file, the path and the fields present.
    Returns the field's value with scipy's 1-element wrappers removed (an ndarray, or a struct).
    """
    parts = str(path).split(".")
    if not all(p.strip() for p in parts):
        raise DataError(f"{name}: bad struct path {path!r} (expected names joined by dots: 'bearing.gs')")
    cur, where = value, ""
    for part in (p.strip() for p in parts):
        cur = _unwrap(cur)
        if not is_struct(cur):
            raise DataError(
                f"{name}: {where!r} is not a struct (it holds {_describe(cur)}); it has no field {part!r}"
            )
        fields = mat_fields(cur)
        if part not in fields:
            present = ", ".join(sorted(fields)) or "none"
            if not where:
                raise DataError(f"{name}: no variable {part!r} (present: {present})")
            raise DataError(f"{name}: struct {where!r} has no field {part!r} (fields: {present})")
        if isinstance(cur, Mapping):
            cur = cur[part]
        elif cur.size != 1:
            raise DataError(
                f"{name}: {where!r} is a struct array of {cur.size} elements; a dotted path cannot pick one"
            )
        else:
            cur = cur[part].reshape(-1)[0]
        where = f"{where}.{part}" if where else part
    return _unwrap(cur)


def mat_string(value: Any, *, name: str, where: str = "field") -> str:
    """A MATLAB char array as a Python str (DataError if it is not text)."""
    value = _unwrap(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return "".join(str(s) for s in value.reshape(-1))
    raise DataError(f"{name}: {where} is not text (it holds {_describe(value)})")


def struct_hint(value: Any, prefix: str) -> str:
    """'fields: a, b; address one with variable='<prefix>.<signal field>'' for an error message."""
    fields = mat_fields(value)
    if not fields:
        return "it has no fields"
    example = fields[0]
    if isinstance(value, Mapping) or value.size == 1:
        for f in fields:
            v = _unwrap(value[f] if isinstance(value, Mapping) else value[f].reshape(-1)[0])
            if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.size > 1:
                example = f
                break
    return f"fields: {', '.join(fields)}; address one with variable='{prefix}.{example}'"


def _is_hdf5_mat(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(128)
    except OSError:
        return False
    return head.startswith(b"MATLAB 7.3")


def _load_mat_hdf5(path: Path, name: str) -> dict:
    try:
        import h5py
    except ImportError:
        raise DataError(
            f"{name}: is a MATLAB v7.3 (HDF5) file; install h5py to read it, or re-save it with save -v7"
        ) from None

    def read(obj):
        if isinstance(obj, h5py.Dataset):
            # MATLAB writes column-major: transpose back to MATLAB's own shape
            return np.asarray(obj[()]).T
        return {k: read(v) for k, v in obj.items() if not k.startswith("#")}

    try:
        with h5py.File(path, "r") as f:
            return {k: read(v) for k, v in f.items() if not k.startswith("#")}
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise DataError(f"{name}: corrupt or truncated MATLAB v7.3 file ({err})") from None


# MAT v5 data types: numeric/text data elements that scipy reads through its type table, and containers
_MI_DATA = frozenset({1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 16, 17, 18})
_MI_MATRIX, _MI_COMPRESSED = 14, 15
# MATLAB array classes: char (4), sparse (5) and the numeric ones (6-15) hold data elements
_DATA_CLASSES = frozenset(range(4, 16))
_CELL, _STRUCT, _OBJECT, _FUNCTION, _OPAQUE = 1, 2, 3, 16, 17


class _Corrupt(Exception):
    pass


def _elements(buf: bytes, pos: int, end: int, bo: str, *, pad: bool) -> list[tuple[int, int, int]]:
    """(type, start, size) of the tagged elements in buf[pos:end]."""
    out = []
    while pos < end:
        if end - pos < 8:
            raise _Corrupt(f"truncated element tag at byte {pos}")
        mdtype, nbytes = struct.unpack_from(bo + "II", buf, pos)
        if mdtype >> 16:  # small data element: up to 4 bytes inside the 8-byte tag
            nbytes, mdtype = mdtype >> 16, mdtype & 0xFFFF
            if nbytes > 4:
                raise _Corrupt(f"bad small element at byte {pos}")
            out.append((mdtype, pos + 4, nbytes))
            pos += 8
            continue
        if nbytes > end - pos - 8:
            raise _Corrupt(f"element at byte {pos} claims {nbytes} bytes, only {end - pos - 8} left")
        out.append((mdtype, pos + 8, nbytes))
        pos += 8 + nbytes + ((-nbytes) % 8 if pad else 0)
    return out


def _ints(buf: bytes, el: tuple[int, int, int], bo: str, what: str, start: int) -> tuple[int, ...]:
    mdtype, s, n = el
    if mdtype != 5 or n % 4:
        raise _Corrupt(f"array at byte {start} has a bad {what} element")
    return struct.unpack_from(f"{bo}{n // 4}i", buf, s)


def _check_matrix(buf: bytes, start: int, size: int, bo: str, depth: int) -> None:
    """Check one array element against the layout scipy's reader follows; it reads exactly the elements the
    header announces, past the end of the array if some are missing, so their number is checked too."""
    if size == 0:
        return  # an empty array
    if depth > 64:
        raise _Corrupt("arrays nested too deeply")
    els = _elements(buf, start, start + size, bo, pad=True)
    if not els or els[0][0] != 6 or els[0][2] != 8:
        raise _Corrupt(f"array at byte {start} has no valid flags")
    flags = struct.unpack_from(bo + "I", buf, els[0][1])[0]
    mclass, complex_ = flags & 0xFF, (flags >> 11) & 1
    if mclass == _OPAQUE:  # MATLAB objects: no dimensions; scipy reads three names, then one array
        if len(els) < 5:
            raise _Corrupt(f"opaque array at byte {start} is malformed")
        data, arrays = els[1:4], els[4:5]
    else:
        if len(els) < 3 or els[2][0] not in (1, 16):
            raise _Corrupt(f"array at byte {start} has no valid name")
        dims = _ints(buf, els[1], bo, "dimensions", start)
        if not 2 <= len(dims) <= 32 or min(dims) < 0:
            raise _Corrupt(f"array at byte {start} has bad dimensions {dims[:4]}")
        count = 1
        for d in dims:
            count *= d
        body = els[3:]
        if mclass in _DATA_CLASSES:
            want = 1 if mclass == 4 else (3 if mclass == 5 else 1) + complex_
            data, arrays = body, []
        elif mclass in (_CELL, _FUNCTION):
            want, data, arrays = count if mclass == _CELL else 1, [], body
        elif mclass in (_STRUCT, _OBJECT):
            head = 2 if mclass == _STRUCT else 3  # (class name,) field name length, field names
            if len(body) < head:
                raise _Corrupt(f"struct at byte {start} has no field names")
            length = _ints(buf, body[head - 2], bo, "field name length", start)
            if len(length) != 1 or length[0] <= 0:
                raise _Corrupt(f"struct at byte {start} has a bad field name length")
            data, arrays = body[:head], body[head:]
            want = head + count * (body[head - 1][2] // length[0])
        else:
            raise _Corrupt(f"array at byte {start} has unknown class {mclass}")
        if len(body) != want:
            raise _Corrupt(f"array at byte {start} holds {len(body)} elements, its header announces {want}")
    for mdtype, s, _n in data:
        if mdtype not in _MI_DATA:
            raise _Corrupt(f"element at byte {s - 8} has invalid type {mdtype}")
    for mdtype, s, n in arrays:
        if mdtype != _MI_MATRIX:
            raise _Corrupt(f"element at byte {s - 8} has type {mdtype}, expected an array")
        _check_matrix(buf, s, n, bo, depth + 1)


def _check_v5(data: bytes, name: str) -> None:
    """Raise DataError unless the element tags of a v5-v7 .mat file are consistent (see the module doc)."""
    try:
        major, _ = matfile_version(io.BytesIO(data))
    except Exception as err:  # too short, unknown version: scipy's own error types
        raise DataError(f"{name}: not a MATLAB file ({type(err).__name__}: {err})") from None
    if major != 1 or len(data) < 128:
        return  # v4 is read by scipy in Python; v7.3 goes to h5py
    bo = "<" if data[126:128] == b"IM" else ">"
    try:
        for mdtype, start, size in _elements(data, 128, len(data), bo, pad=False):
            if mdtype == _MI_COMPRESSED:
                try:
                    inner = zlib.decompressobj().decompress(data[start : start + size])
                except zlib.error as err:
                    raise _Corrupt(f"compressed element at byte {start - 8}: {err}") from None
                els = _elements(inner, 0, len(inner), bo, pad=False)
                if not els or els[0][0] != _MI_MATRIX:
                    raise _Corrupt(f"compressed element at byte {start - 8} holds no array")
                _check_matrix(inner, els[0][1], els[0][2], bo, 0)
            elif mdtype == _MI_MATRIX:
                _check_matrix(data, start, size, bo, 0)
            else:
                raise _Corrupt(f"top-level element at byte {start - 8} has type {mdtype}, expected an array")
    except _Corrupt as err:
        raise DataError(f"{name}: corrupt or truncated .mat file ({err})") from None
    except (struct.error, MemoryError) as err:
        raise DataError(f"{name}: corrupt or truncated .mat file ({type(err).__name__}: {err})") from None


def load_mat_variables(path: str | os.PathLike) -> dict:
    """All user variables of a .mat file (v4-v7; v7.3 with h5py) as a dict; DataError on failure.

    Numeric variables are arrays in MATLAB's own shape; structs are record arrays (read them with
    `mat_field`).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(f"{p}: file not found")
    if not p.is_file():
        raise DataError(f"{p}: not a file")
    name = str(p)
    if _is_hdf5_mat(p):
        return _load_mat_hdf5(p, name)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise DataError(f"{name}: cannot read ({err.strerror or err})") from None
    _check_v5(data, name)
    try:
        raw = loadmat(io.BytesIO(data), squeeze_me=False, struct_as_record=True, mat_dtype=False)
    except NotImplementedError:
        return _load_mat_hdf5(p, name)
    except (ValueError, TypeError, OSError, EOFError, IndexError, KeyError, zlib.error, MemoryError) as err:
        raise DataError(f"{name}: corrupt or truncated .mat file ({type(err).__name__}: {err})") from None
    except Exception as err:  # scipy's mio raises an open-ended set of types on garbage input
        raise DataError(f"{name}: cannot read .mat file ({type(err).__name__}: {err})") from None
    variables = {k: v for k, v in raw.items() if not k.startswith("__")}
    if not variables:
        raise DataError(f"{name}: .mat file holds no variables")
    return variables
