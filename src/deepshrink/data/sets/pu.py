"""The Paderborn University bearing data set (KAt-DataCenter; C. Lessmeier et al., PHM Europe 2016).

Layout as published: one archive per bearing (``K001.rar``, ``KA01.rar``, ...) that unpacks to a folder of
the same name holding ``<setting>_<bearing>_<n>.mat`` files, e.g. ``N15_M07_F10_KA01_1.mat``: 20
measurements of 4 s per bearing and setting. ``loadmat(f)[<file stem>]`` is a struct whose field ``Y`` is a
struct array of 7 channels, each with fields ``Name`` (force, phase_current_1, phase_current_2, speed,
temp_2_bearing_module, torque, vibration_1) and ``Data``. Fields are read by name, never by position.

Channels: vibration_1 and the two phase currents are sampled at 64 kHz and are the only ones offered; force,
speed and torque (4 kHz) and the temperature (1 Hz) are refused with a clear error. Several 64 kHz channels
can be stacked (``channel=("vibration_1", "phase_current_1")``).

Settings (the conditions), as the publisher codes them: N15_M07_F10 (1500 rpm, 0.7 Nm load torque, 1000 N
radial force), N09_M07_F10 (900 rpm), N15_M01_F10 (0.1 Nm), N15_M07_F04 (400 N).

Bearings (the groups): 32 bearings of the publisher's table. Labels: "healthy" (K001-K006), "outer" (KA..,
outer ring), "inner" (KI..), "both" (KB.., inner and outer ring); meta["fault"] is normal / outer / inner /
combined. meta["damage"] is "artificial" (KA01, KA03, KA05-KA09, KI01, KI03, KI05, KI07, KI08), "real"
(from accelerated lifetime tests: KA04, KA15, KA16, KA22, KA30, KB23, KB24, KB27, KI04, KI14, KI16-KI18,
KI21) or None (healthy), which gives the artificial -> real scenario. meta["fault_size"] is the damage
extent level (1-3) of the publisher's table as transcribed by third parties; it cannot be checked against
the files, so treat it as indicative.

Every measurement file is its own recording (name = file stem), at 64 kHz unless `target_rate` is given.
Loading everything (32 bearings x 80 files x 256k samples) needs several GB: choose bearings / settings /
measurements. PU publishes no checksums: an ``MD5SUMS`` file in the data folder is checked when present.
Data licence: CC BY-NC 4.0; cite the paper above.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import (
    check_md5,
    is_struct,
    load_mat_variables,
    mat_field,
    mat_fields,
    mat_string,
    mat_struct_elements,
    read_md5sums,
    resample_signal,
)
from deepshrink.data.recording import Recording, check_rate
from deepshrink.data.sets.fetch import fetch_files, fetch_root
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "PU_BEARINGS",
    "PU_CHANNELS",
    "PU_CLASSES",
    "PU_SETTINGS",
    "PU_URL",
    "fetch_pu",
    "load_pu",
    "pu_file_facts",
]

PU_RATE = 64000.0
PU_URL = "https://groups.uni-paderborn.de/kat/BearingDataCenter/{code}.rar"
PU_CLASSES = ("healthy", "outer", "inner", "both")
PU_CHANNELS = ("vibration_1", "phase_current_1", "phase_current_2")
_SLOW_CHANNELS = {"force": "4 kHz", "speed": "4 kHz", "torque": "4 kHz", "temp_2_bearing_module": "1 Hz"}
# setting -> (rpm, load torque Nm, radial force N)
PU_SETTINGS = {
    "N15_M07_F10": (1500, 0.7, 1000),
    "N09_M07_F10": (900, 0.7, 1000),
    "N15_M01_F10": (1500, 0.1, 1000),
    "N15_M07_F04": (1500, 0.7, 400),
}
_ARTIFICIAL = "KA01 KA03 KA05 KA06 KA07 KA08 KA09 KI01 KI03 KI05 KI07 KI08".split()
_REAL = "KA04 KA15 KA16 KA22 KA30 KB23 KB24 KB27 KI04 KI14 KI16 KI17 KI18 KI21".split()
_HEALTHY = [f"K00{i}" for i in range(1, 7)]
# damage extent level per damaged bearing (publisher's table, as transcribed by third parties)
_EXTENT = {
    **{"KA01": 1, "KA03": 2, "KA05": 1, "KA06": 2, "KA07": 1, "KA08": 2, "KA09": 2},
    **{"KI01": 1, "KI03": 1, "KI05": 1, "KI07": 2, "KI08": 2},
    **{"KA04": 1, "KA15": 1, "KA16": 2, "KA22": 1, "KA30": 1, "KB23": 2, "KB24": 3, "KB27": 1},
    **{"KI04": 1, "KI14": 1, "KI16": 3, "KI17": 1, "KI18": 2, "KI21": 1},
}
_LABEL = {"K0": "healthy", "KA": "outer", "KI": "inner", "KB": "both"}
_FAULT = {"healthy": "normal", "outer": "outer", "inner": "inner", "both": "combined"}
# bearing code -> (label, damage)
PU_BEARINGS: dict[str, tuple[str, str | None]] = {
    code: (_LABEL[code[:2]], None if code in _HEALTHY else "artificial" if code in _ARTIFICIAL else "real")
    for code in sorted(_HEALTHY + _ARTIFICIAL + _REAL)
}
_FILE_RE = re.compile(r"^(N\d\d_M\d\d_F\d\d)_(K[0-9A-Z]\d\d)_(\d+)\.mat$")


def _scan(root: Path) -> list[Path]:
    # the bearing folders as unpacked (root/K001/*.mat), or every file in one folder
    files = [p for pattern in ("*.mat", "*/*.mat") for p in sorted(root.glob(pattern))]
    return [p for p in files if _FILE_RE.match(p.name) and p.is_file()]


def _looks_like_pu(folder: Path) -> bool:
    return bool(_scan(folder))


def _index(root: Path) -> dict[str, dict[str, dict[int, Path]]]:
    """bearing -> setting -> measurement number -> file."""
    index: dict[str, dict[str, dict[int, Path]]] = {}
    seen: dict[str, Path] = {}
    for p in _scan(root):
        setting, code, n = _FILE_RE.match(p.name).groups()  # type: ignore[union-attr]  # _scan matched it
        if p.name in seen:
            raise DataError(f"{root}: two copies of {p.name}: {seen[p.name]} and {p}; keep one")
        seen[p.name] = p
        if setting not in PU_SETTINGS:
            raise DataError(f"{p}: unknown operating setting {setting!r} (known: {', '.join(PU_SETTINGS)})")
        if code not in PU_BEARINGS:
            raise DataError(f"{p}: bearing {code!r} is not in the publisher's table of 32 bearings")
        index.setdefault(code, {}).setdefault(setting, {})[int(n)] = p
    return index


def _channels(channel: str | Sequence[str]) -> tuple[str, ...]:
    try:
        chans = (channel,) if isinstance(channel, str) else tuple(str(c) for c in channel)
    except TypeError:
        chans = ()
    for c in chans:
        if c in _SLOW_CHANNELS:
            raise ConfigError(
                f"PU channel {c!r} is sampled at {_SLOW_CHANNELS[c]}, not 64 kHz; only "
                f"{', '.join(PU_CHANNELS)} are offered"
            )
        if c not in PU_CHANNELS:
            raise ConfigError(f"PU channel must be one or more of {', '.join(PU_CHANNELS)}, got {c!r}")
    if not chans or len(set(chans)) != len(chans):
        raise ConfigError(f"PU channel must be one or more distinct names of {PU_CHANNELS}, got {channel!r}")
    return chans


def _read_file(path: Path, chans: tuple[str, ...]) -> np.ndarray:
    """float32 (len(chans), n) of one measurement file."""
    name = str(path)
    variables = load_mat_variables(path)
    rec = variables.get(path.stem)
    if rec is None:
        structs = [k for k, v in variables.items() if is_struct(v) and "Y" in mat_fields(v)]
        if len(structs) != 1:
            raise DataError(f"{path}: no struct {path.stem!r} (present: {', '.join(sorted(variables))})")
        rec = variables[structs[0]]  # a renamed file: its one measurement struct
    where = f"{path.stem}.Y"
    found: dict[str, object] = {}
    for i, el in enumerate(mat_struct_elements(mat_field(rec, "Y", name=name), name=name, where=where), 1):
        label = mat_string(mat_field(el, "Name", name=name), name=name, where=f"{where}({i}).Name")
        found[label] = mat_field(el, "Data", name=name)
    rows = []
    for c in chans:
        if c not in found:
            raise DataError(f"{path}: no channel {c!r} in {where} (present: {', '.join(sorted(found))})")
        arr = found[c]
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf" or arr.size < 2:
            what = f"{arr.dtype} {arr.shape}" if isinstance(arr, np.ndarray) else type(arr).__name__
            raise DataError(f"{path}: channel {c!r} holds no signal ({what})")
        with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported just below
            x = arr.reshape(-1).astype(np.float32)
        if not np.isfinite(x).all():
            raise DataError(f"{path}: {int((~np.isfinite(x)).sum())} NaN/inf value(s) in channel {c!r}")
        rows.append(x)
    n = min(len(r) for r in rows)
    if max(len(r) for r in rows) - n > 0.01 * n:
        raise DataError(f"{path}: channels {chans} differ in length ({[len(r) for r in rows]})")
    return np.stack([r[:n] for r in rows])  # equal-rate channels: a few samples' difference is trimmed


def pu_file_facts(path: str | os.PathLike) -> dict:
    """What one PU measurement file says, for envelope diagnosis: {signal (vibration_1, read here: the
    generic reader cannot pick a channel of the struct array by name), sample_rate (64 kHz), rpm (from the
    setting of the name), label (from the bearing code)}; rpm and label are None for another name."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    m = _FILE_RE.match(p.name)
    setting, code = (m.group(1), m.group(2)) if m else (None, None)
    return {
        "signal": _read_file(p, ("vibration_1",)),
        "sample_rate": PU_RATE,
        "rpm": float(PU_SETTINGS[setting][0]) if setting in PU_SETTINGS else None,
        "rpm_source": f"setting {setting}" if setting in PU_SETTINGS else None,
        "label": PU_BEARINGS[code][0] if code in PU_BEARINGS else None,
    }


def _pick(name: str, given: Sequence[str] | None, allowed: Sequence[str]) -> list[str]:
    if given is None:
        return list(allowed)
    out = [given] if isinstance(given, str) else [str(g) for g in given]
    bad = [g for g in out if g not in allowed]
    if not out or bad:
        raise ConfigError(f"PU {name} must be among {', '.join(allowed)}, got {given!r}")
    return out


def load_pu(
    root: str | os.PathLike | None = None,
    *,
    bearings: Sequence[str] | None = None,
    settings: Sequence[str] | None = None,
    channel: str | Sequence[str] = "vibration_1",
    classes: Sequence[str] | None = None,
    measurements: Sequence[int] | None = None,
    target_rate: float | None = None,
    verify_md5: bool = True,
) -> list[Recording]:
    """Load Paderborn measurements: one recording per file (see the module doc for labels and meta).

    root: the folder holding the bearing folders (K001/, KA01/, ...) or the files themselves; default by the
    locate rule ($DEEPSHRINK_DATA/pu, then the download cache). bearings: codes to load (default: every
    bearing present; a code asked for must be present). settings: conditions (default: every setting
    present; each must have files for every bearing loaded). channel: one or more of PU_CHANNELS.
    classes: keep these labels (healthy / outer / inner / both). measurements: measurement numbers
    (default: all present).
    target_rate: resample (default: keep 64 kHz). verify_md5: check files listed in ``MD5SUMS`` in root.
    Recordings come sorted by bearing, setting and measurement; group = bearing code, condition = setting;
    meta holds fault, fault_size, damage, bearing, setting, measurement, rpm, torque_nm, radial_force_n,
    path, channel, native_rate.
    """
    base = dataset_root("pu", root, looks_right=_looks_like_pu, hint="fetch it with fetch_pu()")
    chans = _channels(channel)
    want_settings = None if settings is None else _pick("settings", settings, tuple(PU_SETTINGS))
    want_classes = _pick("classes", classes, PU_CLASSES)
    codes = None if bearings is None else _pick("bearings", bearings, tuple(PU_BEARINGS))
    if measurements is not None:
        try:
            nums = (
                [int(measurements)] if isinstance(measurements, int | str) else [int(m) for m in measurements]
            )
        except (TypeError, ValueError):
            nums = []
        if not nums or any(m < 1 for m in nums):
            raise ConfigError(f"PU measurements must be numbers >= 1, got {measurements!r}")
    rate = check_rate(target_rate) or PU_RATE
    index = _index(base)
    if not index:
        raise DataError(
            f"{base}: no PU files (<setting>_<bearing>_<n>.mat) found; fetch them with fetch_pu()"
        )
    if codes is None:
        codes = sorted(index)
    missing = [c for c in codes if c not in index]
    if missing:
        raise DataError(
            f"{base}: missing PU bearing(s) {', '.join(missing)} (no {missing[0]}/ folder with its .mat "
            f"files); fetch them with fetch_pu(bearings={missing})"
        )
    codes = [c for c in codes if PU_BEARINGS[c][0] in want_classes]
    if not codes:
        raise DataError(f"{base}: none of the PU bearings present is of classes {want_classes}")
    if want_settings is None:  # every setting present, in the publisher's order
        want_settings = [s for s in PU_SETTINGS if any(s in index[c] for c in codes)]
    sums = read_md5sums(base) if verify_md5 else {}
    out = []
    for code in codes:
        label, damage = PU_BEARINGS[code]
        for setting in want_settings:
            files = index[code].get(setting, {})
            wanted = sorted(files) if measurements is None else sorted(set(nums))
            absent = [m for m in wanted if m not in files]
            if not files or absent:
                what = f"measurement(s) {absent}" if files else "any measurement"
                raise DataError(
                    f"{base}: missing {what} of bearing {code} at setting {setting} "
                    f"({setting}_{code}_<n>.mat); choose bearings= / settings= / measurements= that exist"
                )
            rpm, torque, force = PU_SETTINGS[setting]
            for m in wanted:
                path = files[m]
                check_md5(path, sums.get(path.relative_to(base).as_posix()) or sums.get(path.name))
                signal = _read_file(path, chans)
                if rate != PU_RATE:
                    signal = resample_signal(signal, PU_RATE, rate, name=str(path))
                out.append(
                    Recording(
                        signal=np.ascontiguousarray(signal, dtype=np.float32),
                        sample_rate=rate,
                        label=label,
                        name=path.stem,
                        group=code,
                        condition=setting,
                        meta={
                            "fault": _FAULT[label],
                            "fault_size": None if code in _HEALTHY else f"extent level {_EXTENT[code]}",
                            "damage": damage,
                            "bearing": code,
                            "setting": setting,
                            "measurement": m,
                            "rpm": rpm,
                            "torque_nm": torque,
                            "radial_force_n": force,
                            "path": str(path),
                            "channel": "+".join(chans),
                            "native_rate": PU_RATE,
                        },
                    )
                )
    return out


def _extract_rar(archive: Path, dest: Path) -> bool:
    """Unpack with the `rarfile` package when it is importable; False when it is not."""
    try:
        import rarfile  # optional: needs an unrar / unar / bsdtar tool on the PATH as well
    except ImportError:
        return False
    try:
        with rarfile.RarFile(str(archive)) as rf:
            for member in rf.namelist():
                parts = Path(member.replace("\\", "/")).parts
                if member.startswith(("/", "\\")) or ".." in parts:
                    raise DataError(f"{archive}: unsafe path {member!r} in the archive; not unpacked")
            rf.extractall(str(dest))
    except DataError:
        raise
    except Exception as err:  # rarfile's errors (no unrar tool, corrupt archive) share no base we can name
        raise DataError(
            f"{archive}: cannot unpack ({type(err).__name__}: {err}); unpack it by hand in {dest} "
            f"(`unrar x {archive.name}`, `7z x {archive.name}` or `bsdtar -xf {archive.name}`)"
        ) from None
    return True


def fetch_pu(
    root: str | os.PathLike | None = None,
    *,
    bearings: Sequence[str] | None = None,
    progress: bool = True,
    timeout: float = 120.0,
) -> Path:
    """Download the PU archives (one .rar per bearing, about 150 MB each) into `root` and unpack them.

    root: default the cache (``<cache>/pu``). bearings: codes (default: all 32). A bearing whose folder
    already holds .mat files is skipped; an archive already downloaded is not downloaded again. Downloads
    are atomic and checked to be RAR archives (PU publishes no checksums). The standard library cannot read
    RAR: unpacking uses the `rarfile` package when it is importable (it also needs an unrar/unar/bsdtar
    tool); without it the archives are left in `root` and a DataError says how to unpack them by hand
    (``unrar x``, ``7z x`` or ``bsdtar -xf``) so that each bearing has its folder ``root/<code>/``.
    Returns the folder (pass it to `load_pu`).
    """
    codes = _pick("bearings", bearings, tuple(PU_BEARINGS))
    base = fetch_root(root, "pu")
    todo = [c for c in codes if not any((base / c).glob("*.mat"))]
    packed = []
    missing = [c for c in todo if not (base / f"{c}.rar").is_file()]  # an archive downloaded before is kept
    files = [(PU_URL.format(code=c), base / f"{c}.rar", f"{c}.rar", None) for c in missing]
    fetch_files(files, what="PU", progress=progress, timeout=timeout, magic=b"Rar!\x1a\x07")
    for code in todo:
        archive = base / f"{code}.rar"
        if _extract_rar(archive, base):
            if not any((base / code).glob("*.mat")):
                raise DataError(f"{archive}: unpacked, but {base / code} holds no .mat files")
            archive.unlink()
        else:
            packed.append(archive.name)
    if packed:
        raise DataError(
            f"downloaded {len(packed)} PU archive(s) to {base} ({', '.join(packed)}) but cannot unpack "
            f"RAR here (the rarfile package is not installed); unpack them by hand in {base} with `unrar x "
            f"<code>.rar` (or `7z x` / `bsdtar -xf`) so that each bearing has its folder {base}/<code>/, "
            "then call load_pu() with that folder"
        )
    return base
