"""Physically grounded rolling-bearing vibration simulator: the built-in default dataset of deepshrink.

Model (McFadden and Smith 1984; Randall and Antoni 2011), for one accelerometer channel:

    x(t) = fault impulses + random non-fault transients + shaft harmonics [+ gear mesh]
           + broadband background + low-frequency coloured noise

* A localised defect produces one impact each time a rolling element meets it. Impacts happen at the defect
  frequency (a fixed multiple of the shaft speed for the SKF 6205 geometry of the CWRU rig: BPFI 5.4152,
  BPFO 3.5848, 2 x BSF = 2 x 4.7135, FTF 0.39828) with 1-2 % random jitter of each interval (rolling-element
  slip). Impact times follow the instantaneous shaft angle, so slow speed drift moves them coherently.
* Each impact excites the structure: a sum of two exponentially decaying sinusoids (structural resonances,
  the main one drawn per recording from ``resonance_band_hz``, damping drawn per recording).
* Inner-race defects rotate with the shaft through the fixed load zone, so their impacts are amplitude
  modulated at the shaft frequency; ball defects are carried by the cage, so they are modulated at the cage
  frequency (FTF) and a spinning ball does not strike at every pass; outer-race defects sit in the load zone
  (6 o'clock, as in CWRU) and are not modulated.
* Severity (defect diameter in inches) scales the impact amplitude as
  ``(severity / 0.014) ** severity_exponent``, lengthens the ringing (``(severity / 0.014) ** 0.3``) and
  widens the defect, which splits each impact into an entry and an exit event separated by
  ``defect width / rolling speed`` (changing the impulse shape).
* Every class, normal included, carries random non-periodic transients (Poisson arrivals), shaft harmonics
  1x-3x with random amplitudes and phases, broadband Gaussian noise and a low-pass coloured component, so "has
  impulses" alone does not separate normal from faulty recordings.

Amplitude scale: the broadband background has unit RMS (times a per-recording factor). ``background_snr_db``
fixes the amplitude of a reference fault (outer race, severity 0.014, nominal damping, nominal speed) so that
its impulse-train power over the background power is that many dB; other faults scale from it by severity,
fault-type transmission factor and a per-recording log-normal factor.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence

import numpy as np

from deepshrink.data.recording import Recording
from deepshrink.data.simulate.bearing_signal import (
    BEARING_6205,
    BearingGeometry,
    BearingSignalSettings,
    bearing_signal,
    reference_amplitude,
)
from deepshrink.errors import ConfigError

# BearingGeometry, BEARING_6205 and reference_amplitude live with the physics (bearing_signal.py) and are
# imported from here as well
__all__ = [
    "BEARING_6205",
    "BearingGeometry",
    "check_range",
    "check_severities",
    "class_names",
    "make_bearing_signals",
    "reference_amplitude",
]


_FAULT_PREFIX = {"ball": "B", "inner": "IR", "outer": "OR"}
_PREFIX_FAULT = {v: k for k, v in _FAULT_PREFIX.items()}
_LABEL_RE = re.compile(r"^(B|IR|OR)(\d{3})$")


def _severity_code(severity: float) -> str:
    return f"{round(severity * 1000):03d}"


def class_names(
    classes: str | Sequence[str] = "10class", *, severities: Sequence[float] = (0.007, 0.014, 0.021)
) -> list[str]:
    """Return the list of class labels that ``make_bearing_signals`` produces for ``classes``.

    "10class": "normal" then B, IR, OR for every severity (CWRU order: normal, B007, B014, B021, IR007, ...).
    "4class": ["normal", "ball", "inner", "outer"]. A sequence of labels is validated and returned as a list.
    """
    return [s[0] for s in _class_specs(classes, severities)]


def check_severities(severities: Sequence[float]) -> tuple[float, ...]:
    """`severities` as a tuple of defect diameters in inches, each in (0, 0.1) and 0.001 inch apart
    (ConfigError otherwise)."""
    try:
        sev = tuple(float(s) for s in severities)
    except (TypeError, ValueError):
        raise ConfigError(f"severities must be a sequence of numbers (inches), got {severities!r}") from None
    if not sev:
        raise ConfigError("severities must not be empty")
    if any(not math.isfinite(s) or s <= 0.0 or s >= 0.1 for s in sev):
        raise ConfigError(f"severities are defect diameters in inches in (0, 0.1), got {sev}")
    codes = [_severity_code(s) for s in sev]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"severities must differ by at least 0.001 inch, got {sev}")
    return sev


def _class_specs(classes: str | Sequence[str], severities: Sequence[float]):
    """List of (label, fault_type or None, tuple of severities to cycle through)."""
    sev = check_severities(severities)
    if isinstance(classes, str):
        if classes == "10class":
            specs = [("normal", None, ())]
            for fault in ("ball", "inner", "outer"):
                specs += [(f"{_FAULT_PREFIX[fault]}{_severity_code(s)}", fault, (s,)) for s in sev]
            return specs
        if classes == "4class":
            return [("normal", None, ())] + [(f, f, sev) for f in ("ball", "inner", "outer")]
        raise ConfigError(
            f"classes must be '10class', '4class' or a list of labels like 'IR014', got {classes!r}"
        )
    labels = list(classes)
    if not labels:
        raise ConfigError("classes must not be an empty list")
    if len(set(labels)) != len(labels):
        raise ConfigError(f"classes contains duplicate labels: {labels}")
    specs = []
    for label in labels:
        if label == "normal":
            specs.append(("normal", None, ()))
            continue
        m = _LABEL_RE.match(str(label))
        if m is None:
            raise ConfigError(
                f"unknown class label {label!r}: use 'normal' or B/IR/OR + 3 digits, e.g. 'IR014'"
            )
        severity = int(m.group(2)) / 1000.0
        if severity <= 0.0:
            raise ConfigError(f"class label {label!r} has zero defect size")
        specs.append((label, _PREFIX_FAULT[m.group(1)], (severity,)))
    return specs


def check_range(
    name: str, value, *, low: float, high: float, allow_equal: bool = True
) -> tuple[float, float]:
    """The option `name`, a (low, high) pair inside [`low`, `high`], as two floats (ConfigError otherwise)."""
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a pair of numbers (low, high), got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a > b or (a == b and not allow_equal):
        raise ConfigError(f"{name} must be a finite (low, high) pair with low <= high, got {value!r}")
    if a < low or b > high:
        raise ConfigError(f"{name} must lie within [{low:g}, {high:g}], got {value!r}")
    return a, b


def make_bearing_signals(
    *,
    classes: str | Sequence[str] = "10class",
    n_recordings_per_class: int = 4,
    duration_s: float = 10.0,
    sample_rate: float = 12000.0,
    severities: Sequence[float] = (0.007, 0.014, 0.021),
    background_snr_db: float = 4.0,
    random_state: int = 0,
    rpm_range: tuple[float, float] = (1720.0, 1800.0),
    speed_drift: float = 0.005,
    jitter_range: tuple[float, float] = (0.01, 0.02),
    resonance_band_hz: tuple[float, float] = (2000.0, 5000.0),
    damping_range: tuple[float, float] = (0.03, 0.08),
    severity_exponent: float = 0.6,
    amplitude_spread: float = 0.2,
    transient_rate_hz: float = 6.0,
    lowfreq_noise_ratio: float = 0.5,
    harmonic_level: float = 0.5,
    gear_teeth: int | None = None,
    geometry: BearingGeometry = BEARING_6205,
) -> list[Recording]:
    """Simulate single-channel bearing vibration recordings (the deepshrink default dataset).

    Args (all keyword-only):
        classes: "10class" (normal, B007..B021, IR007..IR021, OR007..OR021 from ``severities``), "4class"
            (normal, ball, inner, outer; the severities are cycled inside each fault class), or a list of
            labels such as ``["normal", "IR014"]`` (digits: defect size in thousandths of an inch).
        n_recordings_per_class: recordings per class (each with its own speed, resonance, amplitudes).
        duration_s: length of each recording in seconds (at least 20 shaft revolutions).
        sample_rate: samples per second; the resonance band must lie below Nyquist.
        severities: defect diameters in inches for "10class"/"4class".
        background_snr_db: power of a reference fault's impulse train (outer race, 0.014 in, nominal speed
            and damping) over the unit-RMS broadband background, in dB. Lower = harder; the default 4 dB is
            calibrated in docs/simulator.md (naive DRSN-CW: 97 % clean, 81 % at 0 dB added noise).
        random_state: integer seed. Recording r of a class depends only on (random_state, label, r).
        rpm_range: shaft speed drawn uniformly per recording (CWRU loads 0-3 HP span about 1720-1800 rpm).
        speed_drift: relative RMS of the slow speed wander inside a recording.
        jitter_range: range of the per-recording RMS jitter of the inter-impact interval (slip).
        resonance_band_hz: band of the main structural resonance, drawn per recording.
        damping_range: range of the damping ratio, drawn per recording (sets the ringing decay).
        severity_exponent: impulse amplitude ~ (severity / 0.014) ** severity_exponent.
        amplitude_spread: standard deviation of the log of the per-recording impulse-amplitude factor.
        transient_rate_hz: mean rate of random non-periodic transients added to every class.
        lowfreq_noise_ratio: power of the low-frequency coloured noise relative to the broadband background.
        harmonic_level: amplitude of the 1x shaft harmonic (2x and 3x are 1/2 and 1/4 of it, all randomised).
        gear_teeth: if given, add a gear-mesh line at ``gear_teeth`` x shaft speed with 1x modulation.
        geometry: bearing geometry (defaults to the SKF 6205 of the CWRU rig).

    Returns:
        One ``Recording`` per (class, index), in class order: float32 signal of shape (1, n), name like
        "sim-IR014-r2", group = name, meta with fault (normal / ball / inner / outer) and fault_size
        (inches, None for normal), rpm, shaft_hz, defect_hz, severity, resonance_hz, fault_type,
        impulse_amplitude, random_state and further simulation parameters.

    Raises:
        ConfigError: an option is invalid (unknown class set, non-positive duration or rate, duration too
        short for 20 revolutions, resonance above Nyquist, ...).
    """
    specs = _class_specs(classes, severities)
    count = n_recordings_per_class
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise ConfigError(f"n_recordings_per_class must be a positive integer, got {count!r}")
    for name, value in (("duration_s", duration_s), ("sample_rate", sample_rate)):
        number = not isinstance(value, bool) and isinstance(value, int | float)
        if not number or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive finite number, got {value!r}")
    fs = float(sample_rate)
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer) or random_state < 0:
        raise ConfigError(f"random_state must be a non-negative integer, got {random_state!r}")
    if not isinstance(background_snr_db, int | float) or not math.isfinite(background_snr_db):
        raise ConfigError(f"background_snr_db must be a finite number, got {background_snr_db!r}")
    if not -40.0 <= background_snr_db <= 40.0:
        raise ConfigError(f"background_snr_db must lie in [-40, 40] dB, got {background_snr_db}")
    rpm_lo, rpm_hi = check_range("rpm_range", rpm_range, low=60.0, high=60000.0)
    min_duration = 20.0 * 60.0 / rpm_lo
    if duration_s < min_duration:
        raise ConfigError(
            f"duration_s={duration_s} is too short: need >= {min_duration:.2f} s"
            f" (20 shaft revolutions at {rpm_lo} rpm)"
        )
    res = check_range("resonance_band_hz", resonance_band_hz, low=100.0, high=0.45 * fs)
    jit = check_range("jitter_range", jitter_range, low=0.0, high=0.2)
    damp = check_range("damping_range", damping_range, low=0.005, high=0.5)
    # the highest defect order must stay well below the resonance, or impacts merge into a sinusoid
    if 2.0 * geometry.bsf * rpm_hi / 60.0 * 4.0 > res[0]:
        raise ConfigError(
            f"resonance_band_hz {resonance_band_hz} is too low for {rpm_hi} rpm defect frequencies"
        )
    checks = (
        ("speed_drift", speed_drift, 0.0, 0.1),
        ("severity_exponent", severity_exponent, 0.0, 4.0),
        ("amplitude_spread", amplitude_spread, 0.0, 2.0),
        ("transient_rate_hz", transient_rate_hz, 0.0, 1000.0),
        ("lowfreq_noise_ratio", lowfreq_noise_ratio, 0.0, 100.0),
        ("harmonic_level", harmonic_level, 0.0, 100.0),
    )
    for name, value, lo, hi in checks:
        if not isinstance(value, int | float) or not math.isfinite(value) or not lo <= value <= hi:
            raise ConfigError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    if gear_teeth is not None and (not isinstance(gear_teeth, int) or not 5 <= gear_teeth <= 500):
        raise ConfigError(f"gear_teeth must be None or an integer in [5, 500], got {gear_teeth!r}")
    if gear_teeth is not None and gear_teeth * rpm_hi / 60.0 >= fs / 2.0:
        raise ConfigError(f"gear_teeth={gear_teeth} puts the mesh line above Nyquist ({fs / 2:g} Hz)")

    n = round(duration_s * fs)
    a_ref = reference_amplitude(background_snr_db, damp, res, geometry)

    settings = BearingSignalSettings(
        n_samples=n,
        sample_rate=fs,
        geometry=geometry,
        reference_amplitude=a_ref,
        rpm_range=(rpm_lo, rpm_hi),
        speed_drift=float(speed_drift),
        jitter_range=jit,
        resonance_band_hz=res,
        damping_range=damp,
        severity_exponent=float(severity_exponent),
        amplitude_spread=float(amplitude_spread),
        transient_rate_hz=float(transient_rate_hz),
        lowfreq_noise_ratio=float(lowfreq_noise_ratio),
        harmonic_level=float(harmonic_level),
        gear_teeth=gear_teeth,
    )
    recordings: list[Recording] = []
    for label, fault, sev_cycle in specs:
        key = zlib.crc32(label.encode())
        for r in range(n_recordings_per_class):
            rng = np.random.default_rng(np.random.SeedSequence([int(random_state), key, r]))
            severity = sev_cycle[r % len(sev_cycle)] if sev_cycle else 0.0
            x, meta = bearing_signal(rng, settings, fault=fault, severity=severity)
            if not np.all(np.isfinite(x)):  # cannot happen with validated options; never hand out NaN
                raise ConfigError(f"simulation of {label} r{r} produced non-finite values; check the options")
            name = f"sim-{label}-r{r}"
            meta.update(random_state=int(random_state), index=r, background_snr_db=float(background_snr_db))
            meta.update(fault=fault or "normal", fault_size=severity if fault else None)  # shared label map
            meta["severity_label"] = (
                f"{_FAULT_PREFIX[fault]}{_severity_code(severity)}" if fault else "normal"
            )
            recordings.append(
                Recording(
                    signal=x.astype(np.float32)[None, :], sample_rate=fs, label=label, name=name, meta=meta
                )
            )
    return recordings
