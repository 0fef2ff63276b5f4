"""Tests of the bearing vibration simulator (deepshrink.data.simulate.simulator)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import signal as sps

from deepshrink.data.simulate.simulator import BEARING_6205, class_names, make_bearing_signals
from deepshrink.errors import ConfigError

TEN = ["normal", "B007", "B014", "B021", "IR007", "IR014", "IR021", "OR007", "OR014", "OR021"]


def envelope_spectrum(x: np.ndarray, fs: float, centre_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Squared-envelope spectrum of ``x`` band-passed around the resonance ``centre_hz``."""
    lo, hi = 0.7 * centre_hz, min(1.3 * centre_hz, 0.45 * fs)
    sos = sps.butter(4, [lo, hi], btype="bandpass", fs=fs, output="sos")
    env = np.abs(sps.hilbert(sps.sosfiltfilt(sos, x))) ** 2
    env -= env.mean()
    spec = np.abs(np.fft.rfft(env * np.hanning(len(env))))
    return np.fft.rfftfreq(len(env), 1.0 / fs), spec


def line_strength(freqs: np.ndarray, spec: np.ndarray, f0: float) -> tuple[float, float]:
    """(frequency of the highest bin within +-3 % of f0, its height over the median level of 20-700 Hz)."""
    near = (freqs > 0.97 * f0) & (freqs < 1.03 * f0)
    k = np.flatnonzero(near)[np.argmax(spec[near])]
    floor = np.median(spec[(freqs > 20) & (freqs < 700)])
    return float(freqs[k]), float(spec[k] / floor)


@pytest.fixture(scope="module")
def default_set():
    t = time.perf_counter()
    recs = make_bearing_signals()
    print(
        f"\ndefault simulator set (10 classes x 4 x 10 s @ 12 kHz) generated in"
        f" {time.perf_counter() - t:.2f} s"
    )
    return recs


def test_default_set_shapes_labels_meta(default_set):
    assert len(default_set) == 40
    assert class_names() == TEN
    assert [r.label for r in default_set] == [c for c in TEN for _ in range(4)]
    names = [r.name for r in default_set]
    assert len(set(names)) == 40 and "sim-IR014-r2" in names
    for r in default_set:
        assert r.signal.shape == (1, 120000)
        assert r.signal.dtype == np.float32
        assert r.sample_rate == 12000.0
        assert r.group == r.name
        assert np.all(np.isfinite(r.signal))
        assert 0.5 < float(r.signal.std()) < 10.0
        m = r.meta
        for key in (
            "rpm",
            "shaft_hz",
            "defect_hz",
            "severity",
            "resonance_hz",
            "fault_type",
            "impulse_amplitude",
        ):
            assert key in m
        assert m["random_state"] == 0
        assert 1720.0 <= m["rpm"] <= 1800.0
        assert 2000.0 <= m["resonance_hz"] <= 5000.0
        if r.label == "normal":
            assert m["fault_type"] == "normal" and m["defect_hz"] == 0.0 and m["impulse_amplitude"] == 0.0
        else:
            assert m["severity"] == pytest.approx(int(r.label[-3:]) / 1000)
            order = {"B": 2 * BEARING_6205.bsf, "IR": BEARING_6205.bpfi, "OR": BEARING_6205.bpfo}[
                r.label[:-3]
            ]
            assert m["defect_hz"] == pytest.approx(order * m["shaft_hz"])
    # recordings differ in speed and resonance (not one template repeated)
    assert len({round(r.meta["rpm"], 3) for r in default_set}) == 40


def test_deterministic_and_seed_dependent():
    kw = {"classes": ["normal", "IR007", "OR021"], "n_recordings_per_class": 2, "duration_s": 1.0}
    a = make_bearing_signals(random_state=3, **kw)
    b = make_bearing_signals(random_state=3, **kw)
    c = make_bearing_signals(random_state=4, **kw)
    for ra, rb, rc in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(ra.signal, rb.signal)
        assert ra.meta == rb.meta
        assert not np.allclose(ra.signal, rc.signal)
    # a recording depends only on (random_state, label, index): asking for more leaves it unchanged
    d = make_bearing_signals(random_state=3, classes=["OR021"], n_recordings_per_class=3, duration_s=1.0)
    np.testing.assert_array_equal(d[1].signal, a[5].signal)
    # different recordings of a class differ
    assert not np.allclose(a[0].signal, a[1].signal)


def test_four_class_mixes_severities():
    recs = make_bearing_signals(classes="4class", n_recordings_per_class=3, duration_s=1.0)
    assert [r.label for r in recs] == [c for c in ["normal", "ball", "inner", "outer"] for _ in range(3)]
    inner = [r for r in recs if r.label == "inner"]
    assert sorted(r.meta["severity"] for r in inner) == [0.007, 0.014, 0.021]
    assert {r.meta["severity_label"] for r in inner} == {"IR007", "IR014", "IR021"}
    assert inner[0].name == "sim-inner-r0"


@pytest.mark.parametrize(("label", "order"), [("IR014", BEARING_6205.bpfi), ("OR007", BEARING_6205.bpfo)])
def test_envelope_spectrum_peak_at_defect_frequency(label, order):
    recs = make_bearing_signals(classes=[label, "normal"], n_recordings_per_class=2, random_state=1)
    for r in recs:
        x, m = r.signal[0].astype(np.float64), r.meta
        freqs, spec = envelope_spectrum(x, r.sample_rate, m["resonance_hz"])
        expected = order * m["shaft_hz"]
        f_peak, height = line_strength(freqs, spec, expected)
        if r.label == label:
            assert f_peak == pytest.approx(expected, rel=0.02)
            assert height > 8.0, (r.name, height)
            # it is the dominant line of the envelope spectrum above the shaft harmonics
            band = (freqs > 1.5 * m["shaft_hz"]) & (freqs < 700)
            assert abs(freqs[band][np.argmax(spec[band])] - expected) < 0.02 * expected or (
                label.startswith("IR")  # inner race: the shaft-rate sidebands may top the carrier line
                and abs(freqs[band][np.argmax(spec[band])] - expected) < 1.1 * m["shaft_hz"]
            )
        else:
            assert height < 5.0, (r.name, height)


def _geomean(values) -> float:
    return float(np.exp(np.mean(np.log(values))))


def test_severity_orders_impulse_energy():
    # high SNR, no other components: the signal energy above the background is the impulse energy
    kw = {
        "n_recordings_per_class": 24,
        "duration_s": 1.0,
        "background_snr_db": 20.0,
        "transient_rate_hz": 0.0,
        "harmonic_level": 0.0,
        "lowfreq_noise_ratio": 0.0,
    }
    for prefix in ("B", "IR", "OR"):
        labels = [f"{prefix}007", f"{prefix}014", f"{prefix}021"]
        recs = make_bearing_signals(classes=labels, **kw)
        # geometric means over recordings: per-recording amplitude and damping spread is wide by design
        energy = [
            _geomean([np.mean(r.signal.astype(np.float64) ** 2) - 1.0 for r in recs if r.label == c])
            for c in labels
        ]
        amp = [_geomean([r.meta["impulse_amplitude"] for r in recs if r.label == c]) for c in labels]
        assert energy[0] < energy[1] < energy[2], (prefix, energy)
        assert amp[0] < amp[1] < amp[2], (prefix, amp)
        # classes overlap: neighbouring severities are well under 2x apart in amplitude
        assert amp[2] / amp[1] < 1.8


def test_fault_amplitude_is_comparable_to_background(default_set):
    # the default set must not be trivially separable: the fault impulse train is, in power, of the order
    # of the broadband background (weak ball faults well below it)
    snr = {r.label: [] for r in default_set}
    for r in default_set:
        snr[r.label].append(r.meta["impulse_snr_db"])
    assert all(s == float("-inf") for s in snr.pop("normal"))
    assert all(-20.0 < s < 15.0 for v in snr.values() for s in v), snr
    assert np.mean(snr["B007"]) < np.mean(snr["OR021"]) - 6.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"classes": "12class"}, "classes"),
        ({"classes": ["normal", "XR007"]}, "unknown class label"),
        ({"classes": []}, "empty"),
        ({"classes": ["IR007", "IR007"]}, "duplicate"),
        ({"duration_s": 0.0}, "duration_s"),
        ({"duration_s": -1.0}, "duration_s"),
        ({"duration_s": 0.2}, "too short"),
        ({"sample_rate": 0}, "sample_rate"),
        ({"sample_rate": float("nan")}, "sample_rate"),
        ({"sample_rate": 6000.0}, "resonance_band_hz"),
        ({"n_recordings_per_class": 0}, "n_recordings_per_class"),
        ({"n_recordings_per_class": 2.5}, "n_recordings_per_class"),
        ({"severities": ()}, "severities"),
        ({"severities": (0.007, -0.01)}, "severities"),
        ({"severities": (0.007, 0.0071)}, "differ"),
        ({"background_snr_db": float("inf")}, "background_snr_db"),
        ({"random_state": -1}, "random_state"),
        ({"random_state": "a"}, "random_state"),
        ({"rpm_range": (1800.0, 1700.0)}, "rpm_range"),
        ({"resonance_band_hz": (200.0, 400.0)}, "too low"),
        ({"speed_drift": -0.1}, "speed_drift"),
        ({"gear_teeth": 2}, "gear_teeth"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match) as info:
        make_bearing_signals(duration_s=kwargs.pop("duration_s", 1.0), **kwargs)
    assert "\n" not in str(info.value)


def test_gear_mesh_line_present():
    recs = make_bearing_signals(classes=["normal"], n_recordings_per_class=1, duration_s=2.0, gear_teeth=40)
    r = recs[0]
    x = r.signal[0].astype(np.float64)
    freqs = np.fft.rfftfreq(len(x), 1 / r.sample_rate)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    mesh = 40 * r.meta["shaft_hz"]
    near = (freqs > 0.99 * mesh) & (freqs < 1.01 * mesh)
    assert spec[near].max() > 8 * np.median(spec[(freqs > 0.8 * mesh) & (freqs < 1.2 * mesh)])
