"""The CWRU bearing data set (Case Western Reserve University Bearing Data Center): loading and download.

Files are identified by their CWRU number (97-100 normal, 105-237 faults). The table (`cwru_numbering`) is
CWRU's public numbering for the 12 kHz drive-end experiments (faults at the drive-end bearing, outer race at
6 o'clock) plus the normal baselines, at motor loads 0-3 HP.

Label naming: "normal", then fault type + diameter in thousandths of an inch: "B007", "B014", "B021" (ball),
"IR007", "IR014", "IR021" (inner race), "OR007", "OR014", "OR021" (outer race, centred at 6 o'clock; CWRU
writes "OR007@6"). The "4class" task labels by type only: "normal", "B", "IR", "OR".

The normal baselines are sampled at 48 kHz, the fault files at 12 kHz; every recording is resampled to
`target_rate` with `scipy.signal.resample_poly` (1/4 for 48k -> 12k) before it is returned.

Conditions are the motor loads ("0HP" ... "3HP"). meta["fault"] uses the label map shared across data sets
(normal / ball / inner / outer; CWRU's own code B / IR / OR stays in meta["fault_code"]) and
meta["fault_size"] is the defect diameter in inches (None for normal).

Groups: CWRU seeded one fault per type and size, but it does not publish which physical bearing each file
was recorded on (whether a bearing was re-used across loads, or the normal files' bearing), so every
recording is its own group; a cross-group split on CWRU is therefore a cross-recording split, not a
cross-bearing one.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import load_mat_variables, md5sum, resample_signal
from deepshrink.data.recording import Recording, check_rate
from deepshrink.data.sets.cwru_numbering import (
    CWRU_FILES,
    CWRU_SHARED_FAULT,
    cwru_file_facts,
    cwru_file_info,
    cwru_task_ids,
    cwru_tasks,
)
from deepshrink.data.sets.fetch import fetch_files, fetch_root
from deepshrink.data.sets.locate import dataset_root
from deepshrink.errors import ConfigError, DataError

# cwru_file_facts, cwru_file_info and cwru_tasks (the numbering, cwru_numbering.py) are imported from here too
__all__ = ["CWRU_URL", "cwru_file_facts", "cwru_file_info", "cwru_tasks", "fetch_cwru", "load_cwru"]

CWRU_URL = "https://engineering.case.edu/sites/default/files/{id}.mat"

# md5 of the files as published by CWRU (checked copies); the 1-3 HP normal baselines are not in the table.
_KNOWN_MD5 = {
    97: "ee410e7243aefcd8b7120876556464e7",
    105: "f14821b40412f33018279198da7f9cdc",
    106: "4abe03d02739813eebc879b20b591968",
    107: "2bf7a32b6b59aa379d5a4a3c345418f5",
    108: "ccec995fde6f8865632972804dadfc55",
    118: "ff0f20588edc64140ae33888fcf1114a",
    119: "ba784233ebbe424e31bb35c5523413cd",
    120: "89fbf0d771512d848972fd574d3923e8",
    121: "7715250229a6d47910d12be7e1970e70",
    130: "e45f73f65cc3de4482d28d758503f2c1",
    131: "8053f13c15bb8891dd7586466e72fb34",
    132: "cf1a7ab3e14564be490c7c27bfafed78",
    133: "796a8db507869acf5e0b880d0925f693",
    169: "09e41b26825d87e03908add7f01d21aa",
    170: "3b6eb7ba1276995006d2754a821cbe54",
    171: "22a48a1c32a58fe320cef89119b8b0d9",
    172: "5acfb2d067d71a084272b832246c3ae9",
    185: "e9121cec5988ffd8b33b855371e03ba5",
    186: "29d343340eba96cc3ce4777a3952a30b",
    187: "4f290b5d8f16d466c96f665ccdb08b08",
    188: "04728be1ecfd77e106e0371dedc460bb",
    197: "9109c26832e82a904fd8545eebe4c05c",
    198: "376e134d452b25fcd95c2cf4f5c5b93d",
    199: "bfe060099052eeb4f3081c80194cc40e",
    200: "e57c5e90335671a2302ebb8f3c626509",
    209: "a6c8deded8d592ded19818d001687abc",
    210: "fd00ce7a23af6324b1f8aa7784eda37a",
    211: "49e63eb2b41faf93ff8452d4fffe8773",
    212: "bf7c1d5702c18f85f54934bbcbb468c0",
    222: "9e572db7bcdd0690fed770fcd29d07ca",
    223: "df865596a366f545a4b6f5869bdd1531",
    224: "b710aabecd66dc21b4f28db4ac968a0a",
    225: "523ac0bfb09515c73001d3fbb97a4ffd",
    234: "e95df8c8a6fc455d9cea5c2ca36fdc38",
    235: "6d19ac8a0a37e74a19ed6c6dbd150f79",
    236: "92947302ba4198102894daf7613e5fff",
    237: "cafb20bc696fc025ef42cf12eaf986e3",
}

_CHANNELS = ("DE", "FE", "BA")


def _find_files(root: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for p in sorted(root.glob("*.mat")):
        m = re.search(r"(?:^|_)(\d+)$", p.stem)
        if not m:
            continue
        cid = int(m.group(1))
        if cid in found:
            raise DataError(f"{root}: two files for CWRU number {cid}: {found[cid].name} and {p.name}")
        found[cid] = p
    return found


def _expected_md5(root: Path) -> dict[str, str]:
    """file name -> md5 from MANIFEST.csv (columns file, md5) and/or MD5SUMS in `root`."""
    sums: dict[str, str] = {}
    sums_file = root / "MD5SUMS"
    if sums_file.is_file():
        for line in sums_file.read_text().splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    manifest = root / "MANIFEST.csv"
    if manifest.is_file():
        with open(manifest, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("file") and row.get("md5"):
                    sums[row["file"].strip()] = row["md5"].strip().lower()
    return sums


@functools.lru_cache(maxsize=256)
def _md5_cached(path: str, mtime_ns: int, size: int) -> str:
    return md5sum(path)


def _stat_key(p: Path) -> tuple[str, int, int]:
    st = p.stat()
    return str(p), st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=128)
def _decode(
    path: str, mtime_ns: int, size: int, cwru_id: int, channels: tuple[str, ...], native: float, target: float
) -> tuple[np.ndarray, float | None]:
    """Decoded, resampled signal of one file (cached on path + mtime + size; callers get a copy)."""
    variables = load_mat_variables(path)
    rows = []
    for ch in channels:
        key = f"X{cwru_id:03d}_{ch}_time"
        if key not in variables:
            present = ", ".join(sorted(variables))
            raise DataError(f"{path}: no variable {key!r} (present: {present})")
        arr = np.asarray(variables[key])
        if arr.dtype.kind not in "biuf" or arr.size == 0:
            raise DataError(f"{path}: variable {key!r} is empty or not numeric")
        rows.append(arr.reshape(-1))
    if len({len(r) for r in rows}) > 1:
        raise DataError(f"{path}: channels {channels} have different lengths")
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf, reported just below
        signal = np.stack(rows).astype(np.float32)
    finite = np.isfinite(signal)
    if not finite.all():
        first = np.argwhere(~finite)[0]
        raise DataError(f"{path}: {int((~finite).sum())} NaN/inf value(s), first at sample {int(first[1])}")
    signal = resample_signal(signal, native, target, name=path)
    rpm_var = variables.get(f"X{cwru_id:03d}RPM")
    rpm = float(np.asarray(rpm_var).reshape(-1)[0]) if rpm_var is not None and np.size(rpm_var) >= 1 else None
    signal.setflags(write=False)
    return signal, rpm


def _looks_like_cwru(folder: Path) -> bool:
    return any(folder.glob("*.mat"))


def load_cwru(
    root: str | os.PathLike | None = None,
    *,
    task: str = "10class",
    loads: Sequence[int] = (0,),
    channel: str | Sequence[str] = "DE",
    verify_md5: bool = True,
    target_rate: float = 12000,
    ids: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
) -> list[Recording]:
    """Load the CWRU recordings of a task from `root` (files named `<anything>_<id>.mat` or `<id>.mat`).

    root: the folder holding the files; default by the locate rule ($DEEPSHRINK_DATA/cwru, then the download
    cache). task: "10class" or "4class" (see `cwru_tasks`). loads: motor loads in HP (0-3). channel: "DE"
    (drive end), "FE" (fan end), "BA" (base; absent in the normal files) or a sequence of them for a
    multi-channel signal. verify_md5: check each file against MANIFEST.csv / MD5SUMS in `root` when
    present. ids: load exactly these file numbers instead of the task's (labels still follow the task).
    classes: load only the files of these labels of the task (e.g. the nine faults across loads 0-3, whose
    normal baselines at 1-3 HP are not in every copy).
    Every recording is at `target_rate` (the 48 kHz normal baseline is resampled), with condition
    "<load>HP" and group = its name (see the module doc). meta holds cwru_id, load_hp, rpm (from the file's
    RPM variable, else None), fault (normal / ball / inner / outer), fault_code (normal / B / IR / OR),
    fault_size and diameter (inch; fault_size is None for normal), path, native_rate, channel.
    """
    if root is not None and str(root) != "" and not Path(root).expanduser().exists():
        raise DataError(
            f"{Path(root).expanduser()}: CWRU folder not found (download it with deepshrink.data.fetch_cwru)"
        )
    root_p = dataset_root("cwru", root, looks_right=_looks_like_cwru, hint="fetch it with fetch_cwru()")
    try:  # a single load (`--data-arg loads=1`) or a sequence of them
        loads = (int(loads),) if isinstance(loads, int | float | str) else tuple(int(v) for v in loads)
    except (TypeError, ValueError):
        raise ConfigError(f"CWRU loads must be motor loads in 0-3 HP, got {loads!r}") from None
    if not loads or any(v not in range(4) for v in loads):
        raise ConfigError(f"CWRU loads must be motor loads in 0-3 HP, got {loads}")
    chans = (channel,) if isinstance(channel, str) else tuple(channel)
    bad = [c for c in chans if c not in _CHANNELS]
    if not chans or bad:
        raise ConfigError(f"CWRU channel must be one or more of {', '.join(_CHANNELS)}, got {channel!r}")
    if check_rate(target_rate) is None:
        raise ConfigError("target_rate must be a positive number of Hz, got None")
    if ids is None:
        wanted = cwru_task_ids(task, loads)
    else:
        try:
            wanted = [int(ids)] if isinstance(ids, int | str) else [int(i) for i in ids]
        except (TypeError, ValueError):
            raise ConfigError(f"CWRU ids must be file numbers, got {ids!r}") from None
    if classes is not None:
        keep = {str(classes)} if isinstance(classes, str) else {str(c) for c in classes}
        key = "label10" if task == "10class" else "fault"  # the task's labels (the table's fault is the code)
        known = {cwru_file_info(i)[key] for i in wanted}
        unknown = sorted(keep - known)
        if unknown:
            raise ConfigError(
                f"CWRU classes {unknown} are not labels of task {task} ({', '.join(sorted(known))})"
            )
        wanted = [i for i in wanted if cwru_file_info(i)[key] in keep]
    if not wanted:
        raise ConfigError("no CWRU file ids requested")
    infos = {i: cwru_file_info(i) for i in wanted}
    files = _find_files(root_p)
    missing = [i for i in wanted if i not in files]
    if missing:
        names = ", ".join(f"{i} ({infos[i]['label10']} {infos[i]['load_hp']} HP)" for i in missing)
        raise DataError(
            f"{root_p}: missing CWRU file(s) {names}; download them with "
            f"deepshrink.data.fetch_cwru({str(root_p)!r}, ids={missing}) or choose files with ids="
        )
    sums = _expected_md5(root_p) if verify_md5 else {}
    out = []
    for cid in wanted:
        info, path = infos[cid], files[cid]
        key = _stat_key(path)
        expected = sums.get(path.name)
        if expected is not None:
            got = _md5_cached(*key)
            if got != expected:
                raise DataError(f"{path}: md5 mismatch (expected {expected}, got {got}); the file is corrupt")
        signal, rpm = _decode(*key, cid, chans, info["native_rate"], float(target_rate))
        label = info["label10"] if task == "10class" else info["fault"]
        out.append(
            Recording(
                signal=signal.copy(),
                sample_rate=float(target_rate),
                label=label,
                name=f"cwru{cid:03d}",
                condition=f"{info['load_hp']}HP",
                meta={
                    "cwru_id": cid,
                    "load_hp": info["load_hp"],
                    "rpm": rpm,
                    "fault": CWRU_SHARED_FAULT[info["fault"]],
                    "fault_code": info["fault"],
                    "fault_size": None if info["fault"] == "normal" else info["diameter"],
                    "diameter": info["diameter"],
                    "path": str(path),
                    "native_rate": info["native_rate"],
                    "channel": "+".join(chans),
                },
            )
        )
    return out


def fetch_cwru(
    root: str | os.PathLike | None = None,
    *,
    ids: Sequence[int] | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download CWRU files into `root` (default: `default_cache_dir()/cwru`) and return the folder.

    ids: file numbers (default: all 40 of the table: normal 97-100 and the 36 12 kHz drive-end fault files).
    Files already present (by number) are skipped. Each file is written atomically as `<id>.mat` and its md5
    checked against the table in this module when known. Network failures raise DataError.
    """
    wanted = sorted(CWRU_FILES) if ids is None else [int(i) for i in ids]
    for cid in wanted:
        cwru_file_info(cid)
    root_p = fetch_root(root, "cwru")
    present = _find_files(root_p)
    todo = [i for i in wanted if i not in present]
    files = [(CWRU_URL.format(id=i), root_p / f"{i}.mat", f"{i}.mat", _KNOWN_MD5.get(i)) for i in todo]
    fetch_files(files, what="CWRU", progress=progress, timeout=timeout, magic=b"MATLAB")
    return root_p
