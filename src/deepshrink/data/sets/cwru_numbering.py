"""CWRU's public file numbering (Case Western Reserve University Bearing Data Center): what each file id
is (condition, fault, diameter, motor load, native rate), the tasks built on it, and what a file says about
itself. Loading and download are in `cwru`, whose doc gives the labels.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepshrink.data.readers.io import load_mat_variables
from deepshrink.data.sets.registry import dataset
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "CWRU_FILES",
    "CWRU_SHARED_FAULT",
    "CWRU_TASKS",
    "cwru_file_facts",
    "cwru_file_info",
    "cwru_task_ids",
    "cwru_tasks",
]

# CWRU's public numbering: first file id of each condition; ids run load 0, 1, 2, 3 HP.
_FIRST_ID = {
    "normal": 97,
    "B007": 118,
    "B014": 185,
    "B021": 222,
    "IR007": 105,
    "IR014": 169,
    "IR021": 209,
    "OR007": 130,
    "OR014": 197,
    "OR021": 234,
}
_NATIVE_RATE = {"normal": 48000.0}  # every other condition: 12 kHz drive-end files

CWRU_TASKS = {
    "10class": "10 classes: normal + 3 fault types (B, IR, OR@6) x 3 diameters (0.007/0.014/0.021 in)",
    "4class": "4 classes by fault type: normal, B, IR, OR (all three diameters pooled)",
}
# CWRU's fault codes -> the label map shared across data sets (deepshrink.data.recording.FAULT_TYPES)
CWRU_SHARED_FAULT = {"normal": "normal", "B": "ball", "IR": "inner", "OR": "outer"}


def _build_table() -> dict[int, dict]:
    table = {}
    for label10, first in _FIRST_ID.items():
        fault = "normal" if label10 == "normal" else re.sub(r"\d+", "", label10)
        diameter = 0.0 if label10 == "normal" else int(label10[-3:]) / 1000.0
        for load in range(4):
            table[first + load] = {
                "cwru_id": first + load,
                "label10": label10,
                "fault": fault,
                "diameter": diameter,
                "load_hp": load,
                "native_rate": _NATIVE_RATE.get(label10, 12000.0),
            }
    return table


CWRU_FILES = _build_table()


def cwru_file_info(cwru_id: int) -> dict:
    """What CWRU's numbering says about one file id: label10, fault, diameter (inch), load_hp, native_rate."""
    if int(cwru_id) not in CWRU_FILES:
        known = f"{min(CWRU_FILES)}-{max(CWRU_FILES)}"
        raise DataError(
            f"CWRU file {cwru_id}: unknown number (known: 12k drive-end and normal ids in {known})"
        )
    return dict(CWRU_FILES[int(cwru_id)])


_NAME_LOAD = re.compile(r"_([0-3])_\d+$")  # 12k_Drive_End_B007_0_118: load 0 HP, file 118
_NAME_RATE = re.compile(r"^(12|48)k_", re.IGNORECASE)  # CWRU's own names start with the rate


def cwru_file_facts(path: str | os.PathLike) -> dict:
    """What one CWRU file says about itself, for envelope diagnosis: {sample_rate, rpm, rpm_source, label,
    load_hp, cwru_id} (a value is None where neither the file nor its name says it).

    The rate: CWRU's numbering (12 kHz for the drive-end fault files, 48 kHz for the normal baselines), else
    a "12k_" / "48k_" prefix of the name. The speed: the file's XNNNRPM variable, else the nominal speed of
    its motor load (the registry's table), the load from the numbering or the name's "_<load>_<id>".
    """
    p = Path(path).expanduser()
    m = re.search(r"(?:^|_)(\d+)$", p.stem)
    cid = int(m.group(1)) if m else None
    info = CWRU_FILES.get(cid) if cid is not None else None
    rate_m, load_m = _NAME_RATE.match(p.name), _NAME_LOAD.search(p.stem)
    rate = info["native_rate"] if info else (1000.0 * int(rate_m.group(1)) if rate_m else None)
    load = info["load_hp"] if info else (int(load_m.group(1)) if load_m else None)
    rpm, source = None, None
    if cid is not None and p.suffix.lower() == ".mat":
        var = load_mat_variables(p).get(f"X{cid:03d}RPM")
        if var is not None and np.size(var) >= 1 and np.asarray(var).dtype.kind in "biuf":
            value = float(np.asarray(var).reshape(-1)[0])
            if np.isfinite(value) and value > 0:
                rpm, source = value, f"X{cid:03d}RPM"
    if rpm is None and load is not None:
        rpm, source = dataset("cwru").bearings.shaft_rpm[f"{load}HP"], f"nominal at {load} HP"
    return {
        "sample_rate": rate,
        "rpm": rpm,
        "rpm_source": source,
        "label": info["label10"] if info else None,
        "load_hp": load,
        "cwru_id": cid,
    }


def cwru_tasks() -> dict[str, dict]:
    """The CWRU tasks: name -> {description, classes, ids (load_hp -> [file ids])}.

    "10class": normal, B007, B014, B021, IR007, IR014, IR021, OR007, OR014, OR021 at 0 HP by default; pass
    `loads=(0, 1, 2, 3)` to `load_cwru` for the per-load variants (the normal baselines at 1-3 HP, ids
    98-100, are not in every copy: fetch them with `fetch_cwru`). "4class": the same files labelled by type.
    """
    ids = {load: sorted(i for i, r in CWRU_FILES.items() if r["load_hp"] == load) for load in range(4)}
    return {
        "10class": {"description": CWRU_TASKS["10class"], "classes": sorted(_FIRST_ID), "ids": ids},
        "4class": {"description": CWRU_TASKS["4class"], "classes": ["B", "IR", "OR", "normal"], "ids": ids},
    }


def cwru_task_ids(task: str, loads: Sequence[int]) -> list[int]:
    """The file ids of `task` ("10class" or "4class", ConfigError otherwise) at the motor `loads` (HP)."""
    if task not in CWRU_TASKS:
        raise ConfigError(f"unknown CWRU task {task!r}; choose one of {', '.join(CWRU_TASKS)}")
    return sorted(i for i, r in CWRU_FILES.items() if r["load_hp"] in set(loads))
