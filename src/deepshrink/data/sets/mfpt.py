"""The MFPT bearing data set (Society for Machinery Failure Prevention Technology, assembled for MFPT by
E. Bechhoefer, NRG Systems): loading and download.

What the publisher's description states (and this module relies on):

- "1 - Three Baseline Conditions": ``baseline_1..3.mat``, 270 lbs load, shaft 25 Hz, 97,656 samples/s, 6 s;
- "2 - Three Outer Race Fault Conditions": ``OuterRaceFault_1..3.mat``, 270 lbs, 25 Hz, 97,656 samples/s;
- "3 - Seven More Outer Race Fault Conditions": ``OuterRaceFault_vload_1..7.mat``, 25, 50, 100, 150, 200,
  250 and 300 lbs, 25 Hz, 48,828 samples/s, 3 s;
- "4 - Seven Inner Race Fault Conditions": ``InnerRaceFault_vload_1..7.mat``, 0, 50, 100, 150, 200, 250 and
  300 lbs, 25 Hz, 48,828 samples/s, 3 s;
- other folders ("5 - Analyses", "6 - Real World Examples": field bearings without a label of this map) are
  ignored.

Every file holds a struct ``bearing`` with fields ``gs`` (the acceleration signal), ``sr`` (sample rate),
``load`` (lbs) and ``rate`` (shaft rate, Hz). The field ORDER differs between files, so fields are read by
name, and rate and load are taken from each file's struct, not from the list above.

Layouts: the published tree (with or without its top folder "MFPT Fault Data Sets") and the common
repackaging that puts the same file names in one folder are both found (up to four folder levels deep).

Labels are the publisher's three classes: "baseline" (healthy), "outer" (outer race fault), "inner" (inner
race fault); meta["fault"] is normal / outer / inner. The defect sizes are not published: fault_size is None.
Conditions are the loads from the struct ("270lbs", "25lbs", ...).

Groups: the publisher does not say which files were recorded on the same physical bearing (the files of one
fault class may well share one seeded bearing tested at several loads), so each file is its own group
(``mfpt-<file stem>``). A cross-group split on MFPT is thus a cross-recording split; the cross-load scenario
is the one this data set supports.

Rates: recordings are resampled to ONE rate, `target_rate`, by default the lowest rate 48,828 Hz (exactly half
of 97,656 Hz) so that nothing is upsampled. MFPT publishes no checksums: an ``MD5SUMS`` file in the data
folder (``md5sum`` output, paths relative to it or bare names) is checked when present.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import (
    check_md5,
    load_mat_variables,
    mat_field,
    read_md5sums,
    resample_signal,
)
from deepshrink.data.recording import Recording, check_rate
from deepshrink.data.sets.fetch import fetch_file, fetch_root
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

__all__ = ["MFPT_CLASSES", "MFPT_PAGE", "MFPT_URL", "fetch_mfpt", "load_mfpt", "mfpt_file_facts"]

MFPT_CLASSES = ("baseline", "outer", "inner")
MFPT_PAGE = "https://www.mfpt.org/fault-data-sets/"
# The archive linked from MFPT_PAGE in 2020 (a Google Drive export); MFPT publishes no checksum for it.
MFPT_URL = "https://www.mfpt.org/wp-content/uploads/2020/02/MFPT-Fault-Data-Sets-20200227T131140Z-001.zip"
_LOWEST_RATE = 48828.0
_FAULT = {"baseline": "normal", "outer": "outer", "inner": "inner"}
# file name -> (class, series); series keeps the publisher's four sets apart in meta
_PATTERNS = (
    (re.compile(r"^baseline_(\d+)\.mat$", re.IGNORECASE), "baseline", "baseline"),
    (re.compile(r"^OuterRaceFault_(\d+)\.mat$", re.IGNORECASE), "outer", "outer_270lbs"),
    (re.compile(r"^OuterRaceFault_vload_(\d+)\.mat$", re.IGNORECASE), "outer", "outer_vload"),
    (re.compile(r"^InnerRaceFault_vload_(\d+)\.mat$", re.IGNORECASE), "inner", "inner_vload"),
)
_NUMBERED_DIR = re.compile(r"^\s*(\d+)\s*-")
_MAX_DEPTH = 4


def _classify(path: Path) -> tuple[str, str, int] | None:
    for pattern, cls, series in _PATTERNS:
        m = pattern.match(path.name)
        if m:
            return cls, series, int(m.group(1))
    return None


def _skipped_dir(name: str) -> bool:
    m = _NUMBERED_DIR.match(name)
    # the published folders 1-4 hold the labelled sets; 5 and 6 (analyses, real-world examples) are skipped
    return (
        name.startswith(".") or name == "__MACOSX" or (m is not None and int(m.group(1)) not in range(1, 5))
    )


def _scan(root: Path) -> list[Path]:
    out = []
    for depth in range(_MAX_DEPTH + 1):
        for p in sorted(root.glob("/".join(["*"] * depth + ["*.mat"]))):
            rel = p.relative_to(root).parts[:-1]
            if p.is_file() and not any(_skipped_dir(d) for d in rel) and _classify(p) is not None:
                out.append(p)
    return out


def _looks_like_mfpt(folder: Path) -> bool:
    return bool(_scan(folder))


def _find_files(root: Path) -> dict[str, tuple[Path, str, str, int]]:
    found: dict[str, tuple[Path, str, str, int]] = {}
    for p in _scan(root):
        key = p.stem.lower()
        if key in found:
            raise DataError(f"{root}: two copies of {p.name}: {found[key][0]} and {p}; keep one")
        cls, series, number = _classify(p)  # type: ignore[misc]  # _scan only returns classified files
        found[key] = (p, cls, series, number)
    return found


def _scalar(value, path: Path, field: str, *, allow_zero: bool = False) -> float:
    arr = np.asarray(value) if isinstance(value, np.ndarray) else None
    if isinstance(value, str) or (arr is not None and arr.dtype.kind == "U" and arr.size == 1):
        # the MathWorks repackaging of MFPT stores some numbers as text ('25', '270')
        try:
            arr = np.asarray(float(str(value if isinstance(value, str) else arr.reshape(())).strip()))
        except ValueError:
            raise DataError(f"{path}: bearing.{field} is text that is not a number ({value!r})") from None
    if arr is None or arr.dtype.kind not in "biuf" or arr.size != 1:
        shape = "" if arr is None else f" {arr.dtype} {arr.shape}"
        raise DataError(f"{path}: bearing.{field} is not a number{shape}")
    v = float(arr.reshape(()))
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise DataError(f"{path}: bearing.{field} = {v:g} is not a valid value")
    return v


def _read_file(path: Path) -> tuple[np.ndarray, float, float, float | None]:
    """(signal float32 (1, n), sample rate, load lbs, shaft rate Hz or None) of one MFPT file."""
    name = str(path)
    variables = load_mat_variables(path)
    gs = mat_field(variables, "bearing.gs", name=name)
    if not isinstance(gs, np.ndarray) or gs.dtype.kind not in "biuf" or gs.size < 2:
        what = f"{gs.dtype} {gs.shape}" if isinstance(gs, np.ndarray) else type(gs).__name__
        raise DataError(f"{path}: bearing.gs is not a signal ({what})")
    if gs.ndim > 2 or (gs.ndim == 2 and min(gs.shape) != 1):
        raise DataError(f"{path}: bearing.gs has shape {gs.shape}; expected one channel")
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported just below
        x = gs.reshape(1, -1).astype(np.float32)
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(f"{path}: {int(bad.sum())} NaN/inf value(s) in bearing.gs")
    rate = _scalar(mat_field(variables, "bearing.sr", name=name), path, "sr")
    load = _scalar(mat_field(variables, "bearing.load", name=name), path, "load", allow_zero=True)
    try:  # the shaft rate only goes to meta: a file without it still loads
        shaft = _scalar(mat_field(variables, "bearing.rate", name=name), path, "rate")
    except DataError:
        shaft = None
    return x, rate, load, shaft


def mfpt_file_facts(path: str | os.PathLike) -> dict:
    """What one MFPT file says about itself, for envelope diagnosis: {sample_rate (bearing.sr), shaft_hz
    (bearing.rate, None when absent), rpm_source, label (from the name, None for another name), variable
    ("bearing.gs", the signal)}."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    variables = load_mat_variables(p)
    rate = _scalar(mat_field(variables, "bearing.sr", name=str(p)), p, "sr")
    try:
        shaft = _scalar(mat_field(variables, "bearing.rate", name=str(p)), p, "rate")
    except DataError:
        shaft = None
    kind = _classify(p)
    return {
        "sample_rate": rate,
        "shaft_hz": shaft,
        "rpm_source": "bearing.rate" if shaft is not None else None,
        "label": kind[0] if kind else None,
        "variable": "bearing.gs",
    }


def load_mfpt(
    root: str | os.PathLike | None = None,
    *,
    loads: Sequence[float] | None = None,
    classes: Sequence[str] | None = None,
    target_rate: float | None = None,
    verify_md5: bool = True,
) -> list[Recording]:
    """Load the MFPT recordings: one per file, labelled baseline / outer / inner (see the module doc).

    root: the data folder (the unpacked archive, its "MFPT Fault Data Sets" folder, or a folder of the
    repackaged files); default by the locate rule ($DEEPSHRINK_DATA/mfpt, then the download cache).
    loads: keep only these loads in lbs (e.g. ``(270,)``); every load asked for must exist. classes: a subset
    of MFPT_CLASSES (default: every class present; a class asked for must be present). target_rate: the
    one rate of every recording (default 48,828 Hz). verify_md5: check the files listed in ``MD5SUMS`` in
    root. Recordings come in class order, then publisher set and number; name ``mfpt_<file stem>``, group
    ``mfpt-<file stem>``, condition ``<load>lbs``; meta holds fault, fault_size (None), load_lbs,
    shaft_hz, series, number, path, channel, native_rate.
    """
    base = dataset_root("mfpt", root, looks_right=_looks_like_mfpt, hint="fetch it with fetch_mfpt()")
    wanted = None if classes is None else [classes] if isinstance(classes, str) else [str(c) for c in classes]
    if wanted is not None and (not wanted or any(c not in MFPT_CLASSES for c in wanted)):
        raise ConfigError(f"MFPT classes must be among {', '.join(MFPT_CLASSES)}, got {classes!r}")
    try:
        loads_ = [loads] if isinstance(loads, int | float | str) else loads  # one load or several
        want_loads = None if loads is None else sorted({float(v) for v in loads_})
    except (TypeError, ValueError):
        want_loads = [-1.0]
    if want_loads is not None and (not want_loads or any(not np.isfinite(v) or v < 0 for v in want_loads)):
        raise ConfigError(f"MFPT loads must be numbers of lbs >= 0, got {loads!r}")
    target = check_rate(target_rate) or _LOWEST_RATE
    found = _find_files(base)
    if not found:
        raise DataError(
            f"{base}: no MFPT files (baseline_N.mat, OuterRaceFault_N.mat, OuterRaceFault_vload_N.mat, "
            "InnerRaceFault_vload_N.mat) found; fetch them with fetch_mfpt()"
        )
    order = {c: i for i, c in enumerate(MFPT_CLASSES)}
    entries = sorted(found.values(), key=lambda e: (order[e[1]], e[2], e[3]))
    wanted = wanted if wanted is not None else [c for c in MFPT_CLASSES if any(e[1] == c for e in entries)]
    for cls in wanted:
        if not any(e[1] == cls for e in entries):
            raise DataError(f"{base}: no MFPT files of class {cls!r} found; fetch them with fetch_mfpt()")
    sums = read_md5sums(base) if verify_md5 else {}
    out = []
    for path, cls, series, number in entries:
        if cls not in wanted:
            continue
        check_md5(path, sums.get(path.relative_to(base).as_posix()) or sums.get(path.name))
        x, rate, load, shaft = _read_file(path)
        if want_loads is not None and not any(abs(load - v) < 1e-6 for v in want_loads):
            continue
        signal = resample_signal(x, rate, target, name=str(path))
        out.append(
            Recording(
                signal=np.ascontiguousarray(signal, dtype=np.float32),
                sample_rate=target,
                label=cls,
                name=f"mfpt_{path.stem}",
                group=f"mfpt-{path.stem}",
                condition=f"{load:g}lbs",
                meta={
                    "fault": _FAULT[cls],
                    "fault_size": None,
                    "load_lbs": load,
                    "shaft_hz": shaft,
                    "series": series,
                    "number": number,
                    "path": str(path),
                    "channel": "bearing.gs",
                    "native_rate": rate,
                },
            )
        )
    if want_loads is not None:
        have = {float(r.meta["load_lbs"]) for r in out}
        missing = [v for v in want_loads if not any(abs(v - h) < 1e-6 for h in have)]
        if missing:
            raise DataError(
                f"{base}: no MFPT recording of classes {wanted} at load(s) "
                f"{', '.join(f'{v:g}' for v in missing)} lbs"
            )
    return out


def _extract_zip(archive: Path, dest: Path) -> None:
    """Unpack `archive` into `dest`: each file written to a temporary name first, then renamed."""
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = Path(info.filename.replace("\\", "/")).parts
                if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise DataError(f"{archive}: unsafe path {info.filename!r} in the archive; not unpacked")
                if info.is_dir() or not parts:
                    continue
                target = dest.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
                try:
                    with os.fdopen(fd, "wb") as out, zf.open(info) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
                    os.replace(tmp, target)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        raise DataError(
            f"{archive}: corrupt or truncated zip archive ({type(err).__name__}: {err}); delete it and "
            "run fetch_mfpt() again"
        ) from None


def fetch_mfpt(
    root: str | os.PathLike | None = None, *, progress: bool = True, timeout: float = 120.0
) -> Path:
    """Download the MFPT archive and unpack it into `root` (default: the cache, ``<cache>/mfpt``).

    Nothing is downloaded when the folder already holds MFPT files. The archive (MFPT_URL, the zip linked
    from MFPT_PAGE; about 60 MB) is written atomically and checked to be a zip, not against a checksum (MFPT
    publishes none); it is unpacked file by file (no path may leave the folder) and deleted afterwards. If
    the address stops working, the DataError says where to download the data by hand and where to unpack it.
    Returns the folder (pass it to `load_mfpt`).
    """
    base = fetch_root(root, "mfpt")
    if _looks_like_mfpt(base):
        return base
    archive = base / "MFPT-Fault-Data-Sets.zip"
    if not archive.is_file():
        try:
            what = "MFPT Fault Data Sets"
            fetch_file(MFPT_URL, archive, what=what, progress=progress, timeout=timeout, magic=b"PK\x03\x04")
        except DataError as err:
            raise DataError(
                f"{err}; the data set is published at {MFPT_PAGE}: download 'MFPT Fault Data Sets' there "
                f"by hand and unpack it into {base}"
            ) from None
    _extract_zip(archive, base)
    if not _looks_like_mfpt(base):
        raise DataError(
            f"{archive}: the archive holds no MFPT files (baseline_N.mat, ...); download 'MFPT Fault Data "
            f"Sets' from {MFPT_PAGE} by hand and unpack it into {base}"
        )
    archive.unlink()
    return base
