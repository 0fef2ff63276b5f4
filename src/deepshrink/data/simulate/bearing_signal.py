"""One simulated rolling-bearing recording: the physics of `make_bearing_signals` and `make_run_to_failure`.

`bearing_signal(rng, settings, fault=..., severity=...)` synthesises one accelerometer channel,

    x(t) = fault impulses + random non-fault transients + shaft harmonics [+ gear mesh]
           + broadband background + low-frequency coloured noise

from the physical settings in a `BearingSignalSettings` (the model, its references and its amplitude scale are
described in `deepshrink.data.simulate.simulator`). Each part has its helper: the shaft's angle, the
structure's response to one impact, the defect's impulse train, the transients, the shaft lines and the
background. Every random number comes from `rng`, always drawn in the same order, so a recording depends only
on the generator's seed, the settings and the fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deepshrink.errors import ConfigError
from deepshrink.functional.bearing import BEARINGS, BearingGeometry

__all__ = [
    "BEARING_6205",
    "BearingGeometry",
    "BearingSignalSettings",
    "bearing_signal",
    "reference_amplitude",
]


#: SKF 6205-2RS JEM, the drive-end bearing of the CWRU rig: the package's one bearing type
#: (`functional.bearing`), its dimensions in inches, so fault sizes (severity) are in inches too. Its `bsf`
#: is the ball SPIN frequency (2.3567 orders); a ball defect strikes at 2 x BSF, the value CWRU publishes as
#: "BSF" (4.7135).
BEARING_6205 = BEARINGS["6205"]

_FAULTS = ("inner", "outer", "ball")
# Relative transmission of the impact to a housing-mounted sensor: an outer-race defect sits in the
# stationary race next to the sensor; inner-race and ball impacts cross more interfaces.
_TYPE_GAIN = {"outer": 1.0, "inner": 0.8, "ball": 0.6}
_REFERENCE_SEVERITY = 0.014
_NOMINAL_RPM = 1797.0


@dataclass(frozen=True, kw_only=True)
class BearingSignalSettings:
    """The physical settings of a simulated recording: what the recordings of one data set (or one machine's
    snapshots) share; the random draws inside the ranges are made per recording by `bearing_signal`.

    They are taken as given: the caller validates them (`make_bearing_signals` checks every option).

    Attributes:
        n_samples: length of the recording in samples.
        sample_rate: samples per second.
        geometry: the bearing (defect orders and dimensions).
        reference_amplitude: impulse amplitude of the reference fault (see `reference_amplitude`); it also
            scales the random transients.
        rpm_range: (low, high) of the shaft speed drawn per recording (low == high fixes it).
        speed_drift: relative RMS of the slow speed wander inside the recording.
        jitter_range: (low, high) of the RMS jitter of the inter-impact interval (rolling-element slip).
        resonance_band_hz: (low, high) of the main structural resonance.
        damping_range: (low, high) of the damping ratio.
        severity_exponent: impulse amplitude ~ (severity / 0.014) ** severity_exponent.
        amplitude_spread: standard deviation of the log of the recording's impulse-amplitude factor.
        transient_rate_hz: mean rate of the random non-fault transients (Poisson arrivals).
        lowfreq_noise_ratio: power of the low-frequency coloured noise over the broadband background.
        harmonic_level: amplitude of the 1x shaft harmonic (2x and 3x: 1/2 and 1/4 of it, randomised).
        gear_teeth: number of teeth of a gear whose mesh line is added, or None for no gear.
    """

    n_samples: int
    sample_rate: float
    geometry: BearingGeometry
    reference_amplitude: float
    rpm_range: tuple[float, float]
    speed_drift: float
    jitter_range: tuple[float, float]
    resonance_band_hz: tuple[float, float]
    damping_range: tuple[float, float]
    severity_exponent: float
    amplitude_spread: float
    transient_rate_hz: float
    lowfreq_noise_ratio: float
    harmonic_level: float
    gear_teeth: int | None = None


def reference_amplitude(
    background_snr_db: float, damping_range: tuple, resonance_band_hz: tuple, geometry: BearingGeometry
) -> float:
    """Impulse amplitude of the reference fault (outer race, 0.014 in) at `background_snr_db` over the unit
    background, from a decaying-sinusoid train's power P = A^2 * rate * tau / 4 (first mode)."""
    nominal_zeta = 0.5 * (damping_range[0] + damping_range[1])
    nominal_f = 0.5 * (resonance_band_hz[0] + resonance_band_hz[1])
    tau_ref = 1.0 / (2 * np.pi * nominal_zeta * nominal_f)
    rate_ref = geometry.bpfo * _NOMINAL_RPM / 60.0
    return math.sqrt(10.0 ** (background_snr_db / 10.0) * 4.0 / (rate_ref * tau_ref))


def _shaft_revolutions(rng, n: int, fs: float, shaft_hz: float, drift: float) -> np.ndarray:
    """Cumulative shaft revolutions at each sample, with a slow smooth random speed drift."""
    speed = np.ones(n)
    if drift > 0.0:
        # three slow sinusoids (0.05-0.5 Hz): smooth load/speed wander of a real motor; evaluated on a
        # 100 Hz grid and interpolated, which is exact to ~1e-5 for a wander this slow and 3x faster
        freqs = rng.uniform(0.05, 0.5, size=3)
        phases = rng.uniform(0.0, 2 * np.pi, size=3)
        amps = rng.normal(size=3)
        tc = np.arange(math.ceil(n / fs * 100.0) + 2) / 100.0
        wander = (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * tc[None, :] + phases[:, None])).sum(0)
        speed += drift * np.interp(np.arange(n) / fs, tc, wander) / math.sqrt(3.0)
    return np.cumsum(speed) * (shaft_hz / fs)


def _add_impacts(
    out: np.ndarray,
    times_s: np.ndarray,
    amps: np.ndarray,
    *,
    fs: float,
    modes_hz: np.ndarray,
    mode_gains: np.ndarray,
    decay_s: np.ndarray,
) -> None:
    """Add decaying-sinusoid impacts (sum of modes) at fractional sample times, vectorised over impacts."""
    if times_s.size == 0:
        return
    n = out.shape[0]
    length = math.ceil(5.0 * float(decay_s.max()) * fs) + 2
    start = np.ceil(times_s * fs).astype(np.int64)
    offs = np.arange(length)
    idx = start[:, None] + offs[None, :]
    # exact sub-sample delay keeps the resonance phase coherent between impacts; tau is short, so float32
    # is precise enough and halves the cost of exp/sin
    tau = ((offs[None, :] + (start - times_s * fs)[:, None]) / fs).astype(np.float32)
    wave = np.zeros_like(tau)
    for f, g, d in zip(modes_hz, mode_gains, decay_s, strict=True):
        wave += np.float32(g) * np.exp(tau * np.float32(-1.0 / d)) * np.sin(tau * np.float32(2 * np.pi * f))
    wave *= amps[:, None].astype(np.float32)
    keep = (idx >= 0) & (idx < n)
    out += np.bincount(idx[keep], weights=wave[keep], minlength=n)[:n]


@dataclass(frozen=True)
class _Structure:
    """The structure's response to an impact: a main resonance and a weaker second mode, each an exponentially
    decaying sinusoid, drawn per recording."""

    modes_hz: np.ndarray
    gains: np.ndarray
    decay_s: np.ndarray
    damping_ratio: float

    @classmethod
    def draw(cls, rng, settings: BearingSignalSettings) -> _Structure:
        f1 = float(rng.uniform(*settings.resonance_band_hz))
        f2 = float(np.clip(f1 * rng.uniform(0.55, 1.6), 500.0, 0.45 * settings.sample_rate))
        zeta = float(rng.uniform(*settings.damping_range))
        decay = np.array([1.0 / (2 * np.pi * zeta * f1), 1.0 / (2 * np.pi * zeta * 1.3 * f2)])
        return cls(np.array([f1, f2]), np.array([1.0, float(rng.uniform(0.2, 0.6))]), decay, zeta)

    def ring(self, out: np.ndarray, times_s: np.ndarray, amps: np.ndarray, fs: float, decay_s=None) -> None:
        """Add the response to impacts of `amps` at `times_s` to `out` (`decay_s`: the modes' decay times,
        default the structure's own)."""
        decay = self.decay_s if decay_s is None else decay_s
        _add_impacts(out, times_s, amps, fs=fs, modes_hz=self.modes_hz, mode_gains=self.gains, decay_s=decay)


def _load_zone(angle: np.ndarray, depth: float) -> np.ndarray:
    """Impact amplitude weight vs angle from the load-zone centre (Stribeck-like, +-90 deg zone)."""
    zone = np.clip(1.0 - 0.5 * (1.0 - np.cos(angle)) / 0.5, 0.0, None) ** (10.0 / 9.0)
    return (1.0 - depth) + depth * zone


def _impact_times(rng, revs: np.ndarray, t: np.ndarray, order: float, jitter: float):
    """Impacts at `order` per shaft revolution, each interval jittered by `jitter` (slip), from a random
    phase: (shaft revolutions, seconds) of each impact inside the recording."""
    n_imp = math.ceil(revs[-1] * order) + 2
    steps = (1.0 / order) * (1.0 + jitter * rng.standard_normal(n_imp))
    imp_revs = rng.uniform(0.0, 1.0 / order) + np.cumsum(steps)
    imp_revs = imp_revs[imp_revs < revs[-1]]
    return imp_revs, np.interp(imp_revs, revs, t)


def _modulate(rng, a: np.ndarray, imp_revs: np.ndarray, fault: str, geom: BearingGeometry, shaft_hz: float):
    """Scale the impact amplitudes `a` in place by where the defect is at each impact; returns (modulation
    depth, rolling speed over the defect in inch/s)."""
    r_pitch = geom.pitch_diameter / 2.0
    if fault == "inner":
        depth = float(rng.uniform(0.4, 0.9))
        a *= _load_zone(2 * np.pi * imp_revs + rng.uniform(0, 2 * np.pi), depth)
        return depth, (1.0 - geom.ftf) * 2 * np.pi * shaft_hz * (r_pitch - geom.ball_diameter / 2.0)
    if fault == "ball":
        depth = float(rng.uniform(0.4, 0.9))
        a *= _load_zone(2 * np.pi * geom.ftf * imp_revs + rng.uniform(0, 2 * np.pi), depth)
        # the spin axis of a ball wanders, so its defect does not strike at every pass
        a *= rng.random(a.size) < rng.uniform(0.6, 0.9)
        return depth, geom.bsf * 2 * np.pi * shaft_hz * geom.ball_diameter / 2.0
    return 0.0, geom.ftf * 2 * np.pi * shaft_hz * r_pitch


def _add_fault_impulses(
    x: np.ndarray,
    rng,
    s: BearingSignalSettings,
    structure: _Structure,
    revs: np.ndarray,
    t: np.ndarray,
    shaft_hz: float,
    fault: str,
    severity: float,
) -> dict:
    """Add the defect's impulse train to `x`; returns its meta."""
    geom = s.geometry
    order = {"inner": geom.bpfi, "outer": geom.bpfo, "ball": 2.0 * geom.bsf}[fault]
    sev_ratio = severity / _REFERENCE_SEVERITY
    amp = s.reference_amplitude * _TYPE_GAIN[fault] * sev_ratio**s.severity_exponent
    amp *= float(np.exp(rng.normal(0.0, s.amplitude_spread)))
    decay = structure.decay_s * sev_ratio**0.3
    jitter = float(rng.uniform(*s.jitter_range))
    imp_revs, times = _impact_times(rng, revs, t, order, jitter)
    # impact-to-impact amplitude scatter (contact conditions are never identical)
    a = amp * np.exp(rng.normal(0.0, 0.15, size=times.size))
    depth, speed_in_s = _modulate(rng, a, imp_revs, fault, geom, shaft_hz)
    # entry into the defect: a weaker, earlier event; the gap grows with defect width
    gap_s = severity / speed_in_s
    structure.ring(x, times, a, s.sample_rate, decay)
    structure.ring(x, times - gap_s, -0.35 * a, s.sample_rate, decay)
    return {
        "defect_order": order,
        "defect_hz": order * shaft_hz,
        "impulse_amplitude": amp,
        "decay_ms": float(decay[0] * 1e3),
        "slip_jitter": jitter,
        "modulation_depth": depth,
        "entry_exit_gap_ms": gap_s * 1e3,
    }


def _add_transients(x: np.ndarray, rng, s: BearingSignalSettings, structure: _Structure) -> None:
    """Non-periodic transients in every class (knocks, electrical spikes, debris): Poisson arrivals."""
    duration = s.n_samples / s.sample_rate
    if s.transient_rate_hz > 0.0:
        n_tr = int(rng.poisson(s.transient_rate_hz * duration))
        tr_times = rng.uniform(0.0, duration, size=n_tr)
        tr_amp = (
            s.reference_amplitude
            * 0.6
            * np.exp(rng.normal(0.0, 0.5, size=n_tr))
            * rng.choice([-1.0, 1.0], size=n_tr)
        )
        structure.ring(x, tr_times, tr_amp, s.sample_rate)


def _add_shaft_lines(x: np.ndarray, rng, s: BearingSignalSettings, revs: np.ndarray) -> None:
    """Shaft harmonics: residual unbalance (1x), misalignment (2x), looseness (3x); and the gear mesh."""
    h_amp = s.harmonic_level * np.exp(rng.normal(0.0, 0.4, size=3)) * np.array([1.0, 0.5, 0.25])
    h_ph = rng.uniform(0.0, 2 * np.pi, size=3)
    for k in range(3):
        x += h_amp[k] * np.sin(2 * np.pi * (k + 1) * revs + h_ph[k])
    if s.gear_teeth:
        mesh = 2 * np.pi * s.gear_teeth * revs
        x += (
            s.harmonic_level
            * 0.5
            * (1.0 + 0.3 * np.sin(2 * np.pi * revs + rng.uniform(0, 2 * np.pi)))
            * np.sin(mesh + rng.uniform(0, 2 * np.pi))
        )


def _coloured_noise(rng, n: int, fs: float, corner_hz: float) -> np.ndarray:
    """Unit-RMS Gaussian noise with a first-order low-pass spectrum (corner at ``corner_hz``)."""
    spec = rng.normal(size=n // 2 + 1) + 1j * rng.normal(size=n // 2 + 1)
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec /= np.sqrt(1.0 + (f / corner_hz) ** 2)
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    return x / max(float(np.std(x)), 1e-12)


def _add_background(x: np.ndarray, rng, s: BearingSignalSettings) -> float:
    """Add the broadband background (unit RMS times a per-recording factor, returned) and its low-frequency
    coloured part."""
    n, fs = s.n_samples, s.sample_rate
    bg = float(np.exp(rng.normal(0.0, 0.1)))
    x += bg * rng.standard_normal(n)
    if s.lowfreq_noise_ratio > 0.0:
        x += (
            bg
            * math.sqrt(s.lowfreq_noise_ratio)
            * _coloured_noise(rng, n, fs, float(rng.uniform(20.0, 80.0)))
        )
    return bg


def bearing_signal(
    rng: np.random.Generator,
    settings: BearingSignalSettings,
    *,
    fault: str | None = None,
    severity: float = 0.0,
) -> tuple[np.ndarray, dict]:
    """Synthesise one recording: (float64 signal of `settings.n_samples`, meta).

    Args:
        rng: the generator of every random draw (the speed, the structure, the impacts, the noise).
        settings: the physical settings (`BearingSignalSettings`).
        fault: "inner", "outer", "ball", or None for a healthy bearing.
        severity: defect diameter in inches (ignored for a healthy bearing).

    Returns:
        The signal and its meta: rpm, shaft_hz, resonance_hz, second_mode_hz, damping_ratio, fault_type,
        severity, defect_order, defect_hz, impulse_amplitude, decay_ms (for a fault also slip_jitter,
        modulation_depth, entry_exit_gap_ms), background_rms and impulse_snr_db (the realised power of the
        fault's impulse train over the broadband background, -inf without a fault).

    Raises:
        ConfigError: `fault` is not one of the above.
    """
    if fault is not None and fault not in _FAULTS:
        raise ConfigError(f"fault must be one of {', '.join(_FAULTS)} or None, got {fault!r}")
    s = settings
    n, fs = s.n_samples, s.sample_rate
    rpm = float(rng.uniform(*s.rpm_range))
    shaft_hz = rpm / 60.0
    revs = _shaft_revolutions(rng, n, fs, shaft_hz, s.speed_drift)
    t = np.arange(n) / fs
    structure = _Structure.draw(rng, s)

    x = np.zeros(n)
    meta: dict = {
        "rpm": rpm,
        "shaft_hz": shaft_hz,
        "resonance_hz": float(structure.modes_hz[0]),
        "second_mode_hz": float(structure.modes_hz[1]),
        "damping_ratio": structure.damping_ratio,
        "fault_type": fault or "normal",
        "severity": severity if fault else 0.0,
    }
    if fault is not None:
        meta.update(_add_fault_impulses(x, rng, s, structure, revs, t, shaft_hz, fault, severity))
        impulse_power = float(np.mean(x**2))  # x holds only the fault impulses so far (impulse_snr_db)
    else:
        impulse_power = 0.0
        meta.update(
            defect_order=0.0, defect_hz=0.0, impulse_amplitude=0.0, decay_ms=float(structure.decay_s[0] * 1e3)
        )
    _add_transients(x, rng, s, structure)
    _add_shaft_lines(x, rng, s, revs)
    bg = _add_background(x, rng, s)
    meta["background_rms"] = bg
    # realised power of the fault impulse train over the broadband background (-inf for normal)
    meta["impulse_snr_db"] = 10.0 * math.log10(impulse_power / bg**2) if impulse_power > 0 else float("-inf")
    return x, meta
