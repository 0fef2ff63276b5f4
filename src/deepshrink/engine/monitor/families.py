"""What is failing: envelope analysis of every snapshot, so that an alarm ends with a component.

Where the bearing's geometry and the shaft speed are known (`--geometry` and `--rpm`, or the simulator, whose
bearing is the 6205 and whose duties name their speed), each snapshot gets the envelope scores of the outer
race, inner race and ball families (functional/envelope.py: the kurtogram's band, the squared envelope
spectrum, the first harmonics against the local floor) and the family they name, or "none". The summary then
names the family found on the snapshot that confirmed the verdict and the one found most often from it on.
Where the geometry is not known (FEMTO's publisher gives none), nothing is guessed: the summary says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepshrink.data.recording import SnapshotSequence
from deepshrink.data.sets.registry import dataset
from deepshrink.errors import ConfigError
from deepshrink.functional.bearing import BearingGeometry, bearing_geometry
from deepshrink.functional.envelope import diagnose_signal

__all__ = ["FAMILIES", "FamilySettings", "diagnosis_summary", "family_settings", "family_values"]

FAMILIES = ("outer", "inner", "ball")
_RPM = re.compile(r"(\d+(?:\.\d+)?)rpm")


@dataclass(frozen=True)
class FamilySettings:
    geometry: BearingGeometry
    rpm: float | None  # None: each snapshot's condition names its speed
    source: str
    spec: str = "6205"  # as given: saved with the monitor (JSON) and read back by `from_json`

    def to_json(self) -> dict[str, Any]:
        return {"geometry": self.spec, "rpm": self.rpm, "source": self.source}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> FamilySettings | None:
        if not d:
            return None
        return cls(bearing_geometry(d["geometry"]), d.get("rpm"), d.get("source", ""), d["geometry"])


def family_settings(geometry: str | None, rpm: float | None, seq: SnapshotSequence) -> FamilySettings | None:
    """The bearing and speed to diagnose `seq` with, or None when they are not known (no guess)."""
    if geometry is not None:
        try:
            geom = bearing_geometry(str(geometry))
        except ValueError as err:
            raise ConfigError(f"geometry: {err}", key="geometry") from None
        speed = rpm if rpm is not None else seq.meta.get("rpm")
        if speed is None and not _RPM.search(str(seq.snapshots[0].condition or "")):
            raise ConfigError("geometry: give the shaft speed too (--rpm)", key="rpm")
        return FamilySettings(geom, None if speed is None else float(speed), "--geometry", str(geometry))
    entry = dataset(str(seq.meta.get("dataset") or ""))
    facts = entry.bearings if entry is not None else None
    if facts is not None and facts.geometry[facts.positions[0]] is not None:
        # the data set's bearing from the registry (the simulator's 6205); where snapshots carry their
        # operating condition, it names the speed
        spec = facts.geometry[facts.positions[0]]
        speed = rpm if rpm is not None else (None if seq.snapshots[0].condition else seq.meta.get("rpm"))
        return FamilySettings(facts.bearing(), speed, f"the {entry.name}'s {spec}", spec)
    return None


def _shaft_hz(condition: str | None, settings: FamilySettings) -> float | None:
    if settings.rpm is not None:
        return settings.rpm / 60.0
    m = _RPM.search(str(condition or ""))
    return float(m.group(1)) / 60.0 if m else None


def family_values(
    x: np.ndarray, fs: float | None, conditions: Sequence[str | None], settings: FamilySettings
) -> list[dict[str, Any]]:
    """Per snapshot of (n, C, L): {"family": verdict or None, "<family>_db": score} from the channel whose
    best family stands out most; a snapshot that cannot be diagnosed (no rate, too short for the defect
    frequencies) gets None and the reason once in `reason`."""
    out = []
    for snap, cond in zip(x, conditions, strict=True):
        hz = _shaft_hz(cond, settings)
        row: dict[str, Any] = {"family": None, **{f"{f}_db": math.nan for f in FAMILIES}}
        if fs is None or hz is None:
            row["reason"] = "no sample rate" if fs is None else "no shaft speed"
            out.append(row)
            continue
        best = None
        try:
            for ch in np.asarray(snap, dtype=np.float64):
                d = diagnose_signal(ch, fs, hz, settings.geometry)
                if best is None or max(d.scores.values()) > max(best.scores.values()):
                    best = d
        except ValueError as err:  # a record too short, harmonics above Nyquist: said, not guessed
            row["reason"] = str(err)
            out.append(row)
            continue
        row["family"] = best.verdict
        row.update({f"{f}_db": float(best.scores.get(f, math.nan)) for f in FAMILIES})
        out.append(row)
    return out


def diagnosis_summary(rows: Sequence[dict[str, Any]], machine: dict[str, Any], settings: dict | None) -> dict:
    """summary.json's `diagnosis`: the family on the confirming snapshot of the first alert, and the families
    found on the snapshots from it on (counts; the most frequent other than none)."""
    if settings is None:
        return {"known": False, "why": "no bearing geometry given (--geometry, --rpm) or known for this data"}
    first = (machine.get("first_alert") or {}).get("confirmed")
    out: dict[str, Any] = {"known": True, **settings, "at_alert": None, "after_alert": None, "counts": {}}
    if first is None:
        return out
    by_index = {r["index"]: r for r in rows}
    out["at_alert"] = by_index[first["index"]].get("family")
    after = [r.get("family") for r in rows if r["index"] >= first["index"] and r.get("family")]
    counts = Counter(after)
    out["counts"] = dict(counts)
    named = [(n, f) for f, n in counts.items() if f != "none"]
    if named:
        n, fam = max(named)
        out["after_alert"] = fam
        out["share_after_alert"] = n / len(after)
    return out
