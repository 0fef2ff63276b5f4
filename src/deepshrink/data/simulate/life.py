"""What makes a healthy life unlike its first minutes: running-in, slow drift, operating conditions, sensor
artefacts. Each is a pure function of time (or of one snapshot) that `make_run_to_failure` applies when
switched on, so the fault onset stays the only change in the machine's health.

Why these four: on real rigs the first minutes of a life are the running-in (FEMTO's learning bearings sit
-7.3 to +3.3 dB from their 1-2 h level in the first 5 minutes, with excursions beyond 1 dB for 85-120
minutes), temperature and lubrication drift by 1-2 dB over hours, a plant changes speed and load, and
sensors spike, drop out and clip. A monitor whose thresholds come from a stationary healthy part never meets
any of this on the plain simulator; on this one it does, with the onset still known.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from deepshrink.errors import ConfigError

__all__ = ["ARTEFACTS", "REALISTIC", "HealthyLife", "apply_artefact", "condition_name"]

ARTEFACTS = ("spike", "dropout", "clip")
# The realistic life's settings (`make_run_to_failure(realistic=True)`, the default data of `deepshrink
# monitor`): a running-in of 2 h whose starting offset is drawn per machine in FEMTO's measured range, drift
# of 1.5 dB over a 12-h cycle, two duties (full speed and load, and 1500 rpm at 70 % load) alternating
# every 40 minutes, and one sensor artefact in 200 snapshots.
REALISTIC = {
    "running_in_s": 7200.0,
    "drift_db": 1.5,
    "drift_period_s": 43200.0,
    "conditions": ((1800.0, 1.0), (1500.0, 0.7)),
    "condition_period_s": 2400.0,
    "artefact_rate": 0.005,
}


def condition_name(rpm: float, load: float) -> str:
    """The condition column's text for a duty: '1800rpm_load1'."""
    return f"{rpm:g}rpm_load{load:g}"


def _number(name: str, value, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{name} must be a number in [{low:g}, {high:g}], got {value!r}", key=name)
    return float(value)


@dataclass(frozen=True)
class HealthyLife:
    """The non-stationary part of one machine's life, drawn once per machine (`draw`).

    running_in_s: time in which the running-in settles (the offset decays with a time constant of a third of
        it: 5 % remain at its end); 0 = no running-in. running_in_db: the level offset at the start of life.
    drift_db, drift_period_s, drift_phase: the slow drift, a sine of this amplitude and period in dB, with a
        spectral tilt that follows it.
    conditions: (rpm, load) duties cycled every condition_period_s; empty = one duty (the machine's rpm).
    artefact_rate: probability per snapshot of one sensor artefact (spike, dropout or clip).
    """

    running_in_s: float = 0.0
    running_in_db: float = 0.0
    drift_db: float = 0.0
    drift_period_s: float = 43200.0
    drift_phase: float = 0.0
    conditions: tuple[tuple[float, float], ...] = ()
    condition_period_s: float = 2400.0
    artefact_rate: float = 0.0
    tilt_phase: float = 0.0
    notes: dict = field(default_factory=dict, compare=False)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        *,
        running_in_s: float = 0.0,
        running_in_db: float | None = None,
        drift_db: float = 0.0,
        drift_period_s: float = 43200.0,
        conditions: Sequence[Sequence[float]] | None = None,
        condition_period_s: float = 2400.0,
        artefact_rate: float = 0.0,
    ) -> HealthyLife:
        """Check the options and draw what is drawn per machine: the running-in offset when not given (FEMTO's
        measured range, -7.3 to +3.3 dB: some bearings settle louder, some quieter) and the drift phases."""
        running_in_s = _number("running_in_s", running_in_s, 0.0)
        drift_db = _number("drift_db", drift_db, 0.0, 20.0)
        drift_period_s = _number("drift_period_s", drift_period_s, 1.0)
        condition_period_s = _number("condition_period_s", condition_period_s, 1.0)
        artefact_rate = _number("artefact_rate", artefact_rate, 0.0, 1.0)
        offset = float(rng.uniform(-7.3, 3.3))  # drawn always, so the other draws do not depend on the option
        if running_in_db is not None:
            offset = _number("running_in_db", running_in_db, -30.0, 30.0)
        duties = []
        for c in conditions or ():
            if not isinstance(c, Sequence) or len(c) != 2:
                raise ConfigError(f"conditions: each duty is (rpm, load), got {c!r}", key="conditions")
            duties.append(
                (_number("conditions rpm", c[0], 60.0, 60000.0), _number("conditions load", c[1], 0.05, 5.0))
            )
        return cls(
            running_in_s=running_in_s,
            running_in_db=offset if running_in_s > 0 else 0.0,
            drift_db=drift_db,
            drift_period_s=drift_period_s,
            drift_phase=float(rng.uniform(0.0, 2 * np.pi)),
            conditions=tuple(duties),
            condition_period_s=condition_period_s,
            artefact_rate=artefact_rate,
            tilt_phase=float(rng.uniform(0.0, 2 * np.pi)),
        )

    def duty(self, time_s: float, rpm: float) -> tuple[float, float]:
        """(rpm, load) at `time_s`: the cycled duties, or the machine's rpm at full load."""
        if not self.conditions:
            return rpm, 1.0
        return self.conditions[int(time_s // self.condition_period_s) % len(self.conditions)]

    def level_db(self, time_s: float) -> float:
        """The healthy level's offset at `time_s`: running-in decaying to 0, plus the drift."""
        out = 0.0
        if self.running_in_s > 0:
            out += self.running_in_db * math.exp(-3.0 * time_s / self.running_in_s)
        if self.drift_db > 0:
            out += self.drift_db * math.sin(2 * math.pi * time_s / self.drift_period_s + self.drift_phase)
        return out

    def tilt(self, time_s: float) -> float:
        """Spectral tilt at `time_s` (> 0: more high-frequency content): the rough surfaces of a new
        bearing
        (decaying with the running-in) and a drift that follows lubrication (0.1 per dB of drift
        amplitude)."""
        out = 0.0
        if self.running_in_s > 0:
            out += 0.6 * math.exp(-3.0 * time_s / self.running_in_s)
        if self.drift_db > 0:
            out += (
                0.1 * self.drift_db * math.sin(2 * math.pi * time_s / self.drift_period_s + self.tilt_phase)
            )
        return out

    def shape(self, x: np.ndarray, time_s: float, load: float, rpm: float, rpm0: float) -> np.ndarray:
        """A healthy-life snapshot from the simulator's `x`: tilted, then scaled by the level offset and by
        the duty (vibration grows with speed^1.5 and the square root of the load)."""
        c = self.tilt(time_s)
        if c != 0.0:
            # first difference mixed in: a tilt of the spectrum that leaves the low frequencies alone
            x = x + c * np.diff(x, prepend=x[:1])
        gain = 10.0 ** (self.level_db(time_s) / 20.0) * (rpm / rpm0) ** 1.5 * math.sqrt(load)
        return x * gain

    def artefact(self, rng: np.random.Generator) -> str | None:
        """The artefact of one snapshot (None for most): drawn from the snapshot's own generator."""
        if self.artefact_rate <= 0 or rng.uniform() >= self.artefact_rate:
            return None
        return ARTEFACTS[int(rng.integers(len(ARTEFACTS)))]


def apply_artefact(x: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A sensor artefact on one snapshot: a spike (one sample at 30x the RMS), a dropout (a fifth to a half
    of the snapshot reads zero) or clipping (the amplifier saturates at 1.2x the RMS)."""
    x = x.copy()
    rms = float(np.sqrt(np.mean(x**2))) or 1.0
    if kind == "spike":
        x[int(rng.integers(len(x)))] = 30.0 * rms * rng.choice((-1.0, 1.0))
    elif kind == "dropout":
        n = int(len(x) * rng.uniform(0.2, 0.5))
        start = int(rng.integers(len(x) - n + 1))
        x[start : start + n] = 0.0
    elif kind == "clip":
        np.clip(x, -1.2 * rms, 1.2 * rms, out=x)
    else:
        raise ValueError(f"unknown artefact {kind!r}; expected one of {ARTEFACTS}")
    return x
