"""A bearing run to failure on the built-in simulator: healthy snapshots, then a fault that starts at a known
snapshot and grows. It is the default data of `deepshrink monitor` and what its tests use, because here the
onset is known exactly (on a real run-to-failure set it is not).

One machine: the shaft speed, structural resonance, damping and shaft-harmonic amplitudes are drawn once and
kept for its whole life; every snapshot draws its own background, random transients and impact scatter (as two
recordings of one machine never repeat). From `onset` on, a localised defect grows exponentially in size
from `start_severity` to `end_severity` (inches; the impulse amplitude follows the simulator's severity law),
and in the last part of the life broadband wear noise rises, so the level goes up only late, as it does on
run-to-failure rigs.

`realistic=True` (the default data of `deepshrink monitor`) gives the healthy life what real machines have
(data/simulate/life.py): a running-in, slow drift, two alternating duties recorded in each snapshot's
`condition`, and sensor artefacts; each can also be switched on alone.
"""

from __future__ import annotations

import zlib

import numpy as np

from deepshrink.data.recording import Snapshot, SnapshotSequence, check_positive
from deepshrink.data.simulate.bearing_signal import (
    BEARING_6205,
    BearingSignalSettings,
    bearing_signal,
    reference_amplitude,
)
from deepshrink.data.simulate.life import REALISTIC, HealthyLife, apply_artefact, condition_name
from deepshrink.data.simulate.simulator import check_range as _check_range
from deepshrink.data.simulate.simulator import check_severities as _check_severities
from deepshrink.errors import ConfigError

__all__ = ["make_run_to_failure", "severity_at"]

_FAULTS = ("outer", "inner", "ball")
_RESONANCE = (2000.0, 5000.0)
_DAMPING = (0.03, 0.08)


def _positive_int(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}", key=name)
    return int(value)


def severity_at(index: int, *, onset: int, n_snapshots: int, start: float, end: float) -> float:
    """Defect size (inches) at snapshot `index`: 0 before `onset`, then exponential growth from `start` at
    the onset to `end` at the last snapshot."""
    if index < onset:
        return 0.0
    span = max(1, n_snapshots - 1 - onset)
    return float(start * (end / start) ** ((index - onset) / span))


def make_run_to_failure(
    *,
    n_snapshots: int | None = None,
    onset: int | None = None,
    fault: str = "outer",
    snapshot_s: float | None = None,
    interval_s: float | None = None,
    sample_rate: float = 25600.0,
    start_severity: float = 0.003,
    end_severity: float = 0.021,
    wear: float = 1.0,
    rpm: float = 1800.0,
    transient_rate_hz: float = 1.0,
    background_snr_db: float = 4.0,
    random_state: int = 0,
    realistic: bool = False,
    running_in_s: float | None = None,
    running_in_db: float | None = None,
    drift_db: float | None = None,
    drift_period_s: float | None = None,
    conditions: list | None = None,
    condition_period_s: float | None = None,
    artefact_rate: float | None = None,
) -> SnapshotSequence:
    """A simulated bearing life of `n_snapshots` single-channel snapshots, the fault starting at `onset`.

    Args (keyword-only):
        n_snapshots: snapshots in the life; the last one is its end (default 200; realistic: 1,200).
        onset: 0-based index of the first snapshot with the defect (the ground truth an alarm is judged by;
            default 120; realistic: 900, at 30 h).
        fault: "outer", "inner" or "ball".
        snapshot_s, interval_s: length of a snapshot and time between snapshots (FEMTO: 0.1 s every 10 s;
            default 0.1 s every 10 s; realistic: 0.25 s every 120 s, a 40-h life: a plant's snapshot is long
            enough for envelope analysis, 10 periods of the slowest defect frequency, 0.11 s at 1500 rpm).
        sample_rate: Hz (FEMTO: 25.6 kHz).
        start_severity, end_severity: defect diameter in inches at the onset and at the end.
        wear: RMS of the broadband wear noise at the end of life relative to the background; it rises with
            the cube of the fraction of the faulty life elapsed, so it matters only late.
        rpm: shaft speed of this machine.
        transient_rate_hz: mean rate of random non-fault knocks (every snapshot, healthy ones too).
        background_snr_db: the simulator's reference-fault impulse power over the background (see
            `make_bearing_signals`).
        random_state: seed; snapshot i depends only on (random_state, i), so any snapshot can be made alone.
        realistic: a healthy life like a real one: each of the options below that is not given takes its
            value from `life.REALISTIC` (running-in 2 h, drift 1.5 dB over 12 h, two duties alternating every
            40 min, one artefact in 200 snapshots); without it, each is off unless given.
        running_in_s, running_in_db: the running-in settles within this time from this level offset (dB;
            default drawn per machine in -7.3..+3.3), its spectrum tilted towards high frequencies.
        drift_db, drift_period_s: slow drift of the level (a sine of this amplitude in dB) and spectral tilt.
        conditions, condition_period_s: (rpm, load) duties cycled every condition_period_s; each snapshot's
            `condition` names its duty.
        artefact_rate: probability per snapshot of a spike, a dropout or a clipped snapshot (meta
            `artefacts`: index -> kind).

    Returns:
        A `SnapshotSequence` named "sim-<fault>", whose snapshots are generated when read (memory stays
        bounded), with meta `onset_index`, `interval_s`, `end_of_life` (True), `fault` and `severities`.
    """
    # a realistic life is long: 2 h of running-in, hours of healthy operation and drift, then the fault
    n_snapshots = n_snapshots if n_snapshots is not None else (1200 if realistic else 200)
    onset = onset if onset is not None else (900 if realistic else 120)
    interval_s = interval_s if interval_s is not None else (120.0 if realistic else 10.0)
    snapshot_s = snapshot_s if snapshot_s is not None else (0.25 if realistic else 0.1)
    n = _positive_int("n_snapshots", n_snapshots, 2)
    onset = _positive_int("onset", onset, 0)
    if onset >= n:
        raise ConfigError(f"onset must be below n_snapshots={n}, got {onset}", key="onset")
    if fault not in _FAULTS:
        raise ConfigError(f"fault must be one of {', '.join(_FAULTS)}, got {fault!r}", key="fault")
    fs = check_positive(sample_rate, "sample_rate", key="sample_rate", required=True)
    length = round(check_positive(snapshot_s, "snapshot_s", key="snapshot_s", required=True) * fs)
    interval = check_positive(interval_s, "interval_s", key="interval_s", required=True)
    start, end = _check_severities((start_severity, end_severity))
    if end < start:
        raise ConfigError(f"end_severity {end} is below start_severity {start}", key="end_severity")
    if isinstance(wear, bool) or not isinstance(wear, int | float) or not 0.0 <= wear <= 100.0:
        raise ConfigError(f"wear must be a number in [0, 100], got {wear!r}", key="wear")
    rpm_pair = _check_range("rpm", (rpm, rpm), low=60.0, high=60000.0)
    if length < 64:
        raise ConfigError(f"a snapshot needs at least 64 samples, got {length}", key="snapshot_s")
    if not isinstance(transient_rate_hz, int | float) or not 0.0 <= transient_rate_hz <= 1000.0:
        raise ConfigError(f"transient_rate_hz must be in [0, 1000], got {transient_rate_hz!r}")
    if _RESONANCE[1] > 0.45 * fs:
        raise ConfigError(f"sample_rate {fs:g} Hz is too low for the resonance band {_RESONANCE}")
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer) or random_state < 0:
        raise ConfigError(f"random_state must be a non-negative integer, got {random_state!r}")

    given = {
        "running_in_s": running_in_s,
        "drift_db": drift_db,
        "drift_period_s": drift_period_s,
        "conditions": conditions,
        "condition_period_s": condition_period_s,
        "artefact_rate": artefact_rate,
    }
    base = REALISTIC if realistic else {"drift_period_s": 43200.0, "condition_period_s": 2400.0}
    options = {k: (v if v is not None else base.get(k)) for k, v in given.items()}
    life_rng = np.random.default_rng(np.random.SeedSequence([int(random_state), zlib.crc32(b"life")]))
    life = HealthyLife.draw(
        life_rng, **{k: v for k, v in options.items() if v is not None}, running_in_db=running_in_db
    )

    # the machine: drawn once, kept for its whole life
    machine = np.random.default_rng(np.random.SeedSequence([int(random_state), zlib.crc32(b"machine")]))
    f1 = float(machine.uniform(*_RESONANCE))
    zeta = float(machine.uniform(*_DAMPING))
    # shaft harmonics (unbalance 1x, misalignment 2x, looseness 3x) belong to the machine: their amplitudes
    # stay put from snapshot to snapshot (only the phase at the snapshot's start is random)
    harmonics = 0.5 * np.exp(machine.normal(0.0, 0.4, size=3)) * np.array([1.0, 0.5, 0.25])
    a_ref = reference_amplitude(background_snr_db, _DAMPING, _RESONANCE, BEARING_6205)
    key = zlib.crc32(f"rtf-{fault}".encode())
    severities = [severity_at(i, onset=onset, n_snapshots=n, start=start, end=end) for i in range(n)]

    def make(i: int) -> np.ndarray:
        rng = np.random.default_rng(np.random.SeedSequence([int(random_state), key, i]))
        duty_rpm, load = life.duty(i * interval, float(rpm))
        settings = BearingSignalSettings(
            n_samples=length,
            sample_rate=fs,
            geometry=BEARING_6205,
            reference_amplitude=a_ref,
            rpm_range=(duty_rpm, duty_rpm) if life.conditions else rpm_pair,
            speed_drift=0.002,
            jitter_range=(0.01, 0.02),
            resonance_band_hz=(f1, f1),
            damping_range=(zeta, zeta),
            severity_exponent=0.6,
            amplitude_spread=0.1,
            transient_rate_hz=float(transient_rate_hz),
            lowfreq_noise_ratio=0.5,
            harmonic_level=0.0,
            gear_teeth=None,
        )
        x, _ = bearing_signal(rng, settings, fault=fault if i >= onset else None, severity=severities[i])
        t = np.arange(length) / fs * (duty_rpm / 60.0)
        for k, amp in enumerate(harmonics):
            x += amp * np.sin(2 * np.pi * (k + 1) * t + rng.uniform(0.0, 2 * np.pi))
        if i >= onset and wear > 0:
            elapsed = (i - onset) / max(1, n - 1 - onset)
            x = x + wear * elapsed**3 * rng.standard_normal(length)
        x = life.shape(x, i * interval, load, duty_rpm, float(rpm))
        if i in artefacts:
            x = apply_artefact(
                x, artefacts[i], np.random.default_rng(np.random.SeedSequence([int(random_state), key, i, 1]))
            )
        return x.astype(np.float32)[None, :]

    # which snapshots carry an artefact: drawn for the whole life up front (snapshot i alone still reproduces)
    artefact_rng = np.random.default_rng(
        np.random.SeedSequence([int(random_state), zlib.crc32(b"artefacts")])
    )
    artefacts = {i: a for i in range(n) if (a := life.artefact(artefact_rng)) is not None}
    duties = [life.duty(i * interval, float(rpm)) for i in range(n)] if life.conditions else None

    snapshots = [
        Snapshot(
            index=i,
            number=i + 1,
            time_s=i * interval,
            source=f"simulator:{i + 1}",
            read=lambda i=i: make(i),
            condition=condition_name(*duties[i]) if duties else None,
        )
        for i in range(n)
    ]
    meta = {
        "onset_index": onset,
        "interval_s": interval,
        "end_of_life": True,
        "fault": fault,
        "severities": severities,
        "rpm": float(rpm),
        "resonance_hz": f1,
        "random_state": int(random_state),
        "dataset": "simulator",
        "realistic": bool(realistic),
        "running_in_s": life.running_in_s,
        "running_in_db": life.running_in_db,
        "drift_db": life.drift_db,
        "conditions": [condition_name(*c) for c in life.conditions],
        "artefacts": artefacts,
    }
    return SnapshotSequence(
        name=f"sim-{fault}", sample_rate=fs, snapshots=snapshots, channel_names=("vibration",), meta=meta
    )
