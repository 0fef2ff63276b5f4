"""The UESTC bearing data set (C. Liu et al., IEEE Sensors J. 2025, doi 10.1109/JSEN.2025.3635217).

Layout as published: ``Data/<C>_<rpm>/<C>_<rpm>_<part>.mat`` with C one of N (normal), B (ball), I (inner
race), O (outer race), rpm one of 800, 1000, 1200, 1400 (no load) and parts 1-5. Each file holds ``Data``
(262,144 x 1 float64), ``SampleFrequency`` (20,000) and ``Datacount``. The parts of one class and speed were
recorded one after the other, so the loader joins them into ONE recording per class and speed (a time split
then never puts neighbouring samples of two parts on both sides of a boundary).

Conditions are the speeds ("800rpm", ...); every class was measured on one bearing, so the group of a
recording is its class (``uestc-N``, ...): a cross-group split is impossible on this data set, and the loader
says so through the scenario code. The normal class has far smaller RMS than the faults (about 1/40 to 1/100),
which makes this set a good test of the amplitude shortcut check.

Cite the paper above when publishing results on this data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import load_mat_variables, md5sum, read_md5sums, resample_signal
from deepshrink.data.recording import Recording, check_rate
from deepshrink.data.sets.fetch import fetch_files, fetch_root
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

__all__ = ["UESTC_CLASSES", "UESTC_SPEEDS", "fetch_uestc", "load_uestc", "uestc_file_facts"]

UESTC_CLASSES = ("N", "B", "I", "O")
UESTC_SPEEDS = (800, 1000, 1200, 1400)
UESTC_RATE = 20000.0
_FAULT = {"N": "normal", "B": "ball", "I": "inner", "O": "outer"}
# what the publisher states about each fault (README of the data set)
_SIZE = {
    "N": None,
    "B": "pit 3 mm diameter, 5 mm deep",
    "I": "0.55 mm wide, 1 mm deep",
    "O": "0.55 mm wide, 1 mm deep",
}
_FILE_RE = re.compile(r"^([NBIO])_(\d+)_(\d+)\.mat$")
UESTC_URL = (
    "https://raw.githubusercontent.com/ChangLiu2024/UESTC-Bearing-Dataset/main/Data/{cls}_{rpm}/{name}"
)


def _looks_like_uestc(folder: Path) -> bool:
    return any((folder / "Data").glob("*_*/*.mat")) or any(folder.glob("[NBIO]_*/*.mat"))


def _data_dir(root: Path) -> Path:
    # accept the repository folder (holding Data/) and the Data folder itself
    return root / "Data" if (root / "Data").is_dir() else root


def _read_part(path: Path, expected: str | None) -> np.ndarray:
    if expected is not None and md5sum(path) != expected:
        raise DataError(f"{path}: md5 mismatch (expected {expected}); the file is corrupt or truncated")
    variables = load_mat_variables(path)
    if "Data" not in variables:
        raise DataError(f"{path}: no variable 'Data' (present: {', '.join(sorted(variables))})")
    rate = variables.get("SampleFrequency")
    if rate is not None:
        r = np.asarray(rate).reshape(-1)
        if r.size != 1 or r.dtype.kind not in "biuf" or abs(float(r[0]) - UESTC_RATE) > 1e-6:
            raise DataError(f"{path}: SampleFrequency {np.asarray(rate).tolist()} is not {UESTC_RATE:g} Hz")
    data = np.asarray(variables["Data"])
    if data.dtype.kind not in "biuf" or data.size < 2:
        raise DataError(f"{path}: variable 'Data' is empty or not numeric ({data.dtype}, {data.shape})")
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range values become inf: refused just below
        x = data.reshape(-1).astype(np.float32)
    if not np.isfinite(x).all():
        raise DataError(f"{path}: {int((~np.isfinite(x)).sum())} NaN/inf value(s) in 'Data'")
    return x


def uestc_file_facts(path: str | os.PathLike) -> dict:
    """What one UESTC file's name says, for envelope diagnosis: {sample_rate (20 kHz), rpm and label (the
    class code N / B / I / O) from ``<C>_<rpm>_<part>.mat``, None for another name}."""
    m = _FILE_RE.match(Path(path).name)
    return {
        "sample_rate": UESTC_RATE,
        "rpm": float(m.group(2)) if m else None,
        "rpm_source": "file name" if m else None,
        "label": m.group(1) if m else None,
    }


def load_uestc(
    root: str | os.PathLike | None = None,
    *,
    speeds: Sequence[int] = UESTC_SPEEDS,
    classes: Sequence[str] = UESTC_CLASSES,
    parts: Sequence[int] | None = None,
    verify_md5: bool = True,
    target_rate: float | None = None,
) -> list[Recording]:
    """Load UESTC recordings: one per (class, speed), its parts joined in order.

    root: the data set folder (holding ``Data/`` or the class-speed folders); default by the locate rule
    ($DEEPSHRINK_DATA/uestc, then the download cache). speeds / classes: which to load. parts: which part
    numbers to join (default: every part present; the parts of one class and speed must be consecutive and
    the same set for every recording). verify_md5: check files listed in ``MD5SUMS`` beside ``Data/``.
    target_rate: resample (default: keep 20 kHz). Labels are the data set's codes N, B, I, O; meta["fault"]
    is normal / ball / inner / outer.
    """
    base = dataset_root("uestc", root, looks_right=_looks_like_uestc, hint="fetch it with fetch_uestc()")
    data = _data_dir(base)
    bad = [c for c in classes if c not in UESTC_CLASSES]
    if bad or not classes:
        raise ConfigError(f"UESTC classes must be among {', '.join(UESTC_CLASSES)}, got {list(classes)}")
    bad_speeds = [s for s in speeds if int(s) not in UESTC_SPEEDS]
    if bad_speeds or not speeds:
        raise ConfigError(f"UESTC speeds must be among {UESTC_SPEEDS} rpm, got {list(speeds)}")
    target_rate = check_rate(target_rate)
    sums = read_md5sums(base) if verify_md5 else {}
    out = []
    part_sets = set()
    for cls in classes:
        for rpm in (int(s) for s in speeds):
            folder = data / f"{cls}_{rpm}"
            found = {}
            for f in sorted(folder.glob("*.mat")) if folder.is_dir() else []:
                m = _FILE_RE.match(f.name)
                if m and m.group(1) == cls and int(m.group(2)) == rpm:
                    found[int(m.group(3))] = f
            wanted = sorted(found) if parts is None else [int(p) for p in parts]
            missing = [p for p in wanted if p not in found]
            if not found or missing:
                what = f"parts {missing}" if found else "any file"
                raise DataError(
                    f"{folder}: missing {what} of {cls}_{rpm} (expected {cls}_{rpm}_<part>.mat); "
                    "choose parts= / speeds= / classes= that exist or fetch them with fetch_uestc()"
                )
            if wanted != list(range(wanted[0], wanted[0] + len(wanted))):
                raise DataError(
                    f"{folder}: parts {wanted} are not consecutive; they cannot form one recording"
                )
            part_sets.add(tuple(wanted))
            signal = np.concatenate([_read_part(found[p], sums.get(found[p].name)) for p in wanted])[None]
            rate = UESTC_RATE
            if target_rate is not None:
                signal = resample_signal(signal, UESTC_RATE, float(target_rate), name=str(folder))
                rate = float(target_rate)
            out.append(
                Recording(
                    signal=np.ascontiguousarray(signal, dtype=np.float32),
                    sample_rate=rate,
                    label=cls,
                    name=f"uestc_{cls}_{rpm}",
                    group=f"uestc-{cls}",
                    condition=f"{rpm}rpm",
                    meta={
                        "fault": _FAULT[cls],
                        "fault_size": _SIZE[cls],
                        "rpm": rpm,
                        "parts": wanted,
                        "path": str(folder),
                        "channel": "Data",
                        "native_rate": UESTC_RATE,
                    },
                )
            )
    if len(part_sets) > 1:
        raise DataError(
            f"{data}: the class-speed folders hold different parts {sorted(part_sets)}; pass parts= to load "
            "the same parts everywhere"
        )
    return out


def fetch_uestc(
    root: str | os.PathLike | None = None,
    *,
    parts: Sequence[int] = (1, 2, 3, 4, 5),
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download the UESTC files from the publisher's repository into `root` (default: the cache).

    Files already present are kept; each is written atomically, checked to be a MATLAB file, and checked
    against ``MD5SUMS`` in `root` when that lists it. Returns the folder (pass it to `load_uestc`).
    """
    base = fetch_root(root, "uestc")
    sums = read_md5sums(base)
    files = []
    for cls in UESTC_CLASSES:
        for rpm in UESTC_SPEEDS:
            for p in parts:
                name = f"{cls}_{rpm}_{int(p)}.mat"
                dest = base / "Data" / f"{cls}_{rpm}" / name
                if not dest.is_file():
                    files.append((UESTC_URL.format(cls=cls, rpm=rpm, name=name), dest, name, sums.get(name)))
    fetch_files(files, what="UESTC", progress=progress, timeout=timeout, magic=b"MATLAB")
    return base
